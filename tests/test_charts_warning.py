"""Gantt chart, tier-migration heat map and alert counts, checked through their Axes artists."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib import colors
from matplotlib.lines import Line2D

from crmkit.core.contract import conform
from crmkit.core.errors import WarningError
from crmkit.core.style import SEVERITY_COLORS
from crmkit.warn import alert_counts_chart, migration_heatmap, migration_matrix, milestone_gantt
from crmkit.warn.charts import milestone_delays, short_name

AS_OF = pd.Timestamp("2026-09-30")


def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


def _ms(mid, pid, name, ps, pe, a_s=None, a_e=None, status="done"):
    return dict(milestone_id=mid, project_id=pid, milestone_name=name, planned_start=ps,
                planned_end=pe, actual_start=a_s, actual_end=a_e, status=status)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    clients = _t("clients", [
        dict(client_id="C1", client_name="甲建设集团有限公司", industry="energy", region="east",
             lifecycle_stage="execution", relationship_manager="RM",
             onboarding_date="2018-01-01"),
        dict(client_id="C2", client_name="乙能源股份有限公司", industry="energy", region="east",
             lifecycle_stage="execution", relationship_manager="RM",
             onboarding_date="2018-01-01"),
        dict(client_id="C3", client_name="丙贸易有限公司", industry="retail", region="east",
             lifecycle_stage="maintenance", relationship_manager="RM",
             onboarding_date="2018-01-01"),
    ])
    projects = _t("projects", [
        dict(project_id=p, client_id=c, project_name=n, planned_start=s, planned_end="2028-01-01",
             status="in_progress")
        for p, c, n, s in [("P1", "C1", "一号风电项目", "2025-01-01"),
                           ("P2", "C1", "二号光伏项目", "2026-10-01"),
                           ("P3", "C2", "城市道路工程", "2024-01-01")]])
    ms = _t("milestones", [
        # delay 20 days (done late, within the 30-day band)
        _ms("M1", "P1", "可研批复", "2025-01-01", "2025-06-30", "2025-01-10", "2025-07-20"),
        # delay 151 days (2025-12-31 -> 2026-05-31): > 90
        _ms("M2", "P1", "融资关闭", "2025-07-01", "2025-12-31", "2025-07-20", "2026-05-31"),
        # in progress, planned end 2026-08-15 -> 46 days late at as_of: > 30
        _ms("M3", "P1", "土建施工", "2026-01-01", "2026-08-15", "2026-06-01", None,
            "in_progress"),
        _ms("M4", "P2", "设计", "2026-10-01", "2027-03-01", status="pending"),
        # started after as_of: not started as of as_of, not yet due
        _ms("M7", "P2", "设备采购", "2026-11-01", "2027-01-01", "2026-12-01", None,
            "in_progress"),
        # never started, planned end 2026-05-31 -> 122 days overdue
        _ms("M5", "P3", "征地拆迁", "2026-01-01", "2026-05-31", status="pending"),
        _ms("M6", "P3", "开工", "2024-01-01", "2024-03-31", "2024-01-01", "2024-03-31"),
    ])
    return {"clients": clients, "projects": projects, "milestones": ms}


def _bars(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def test_milestone_delays_hand_computed(tables):
    m = milestone_delays(tables, AS_OF).set_index("milestone_id")
    assert m["delay_days"].to_dict() == {"M1": 20.0, "M2": 151.0, "M3": 46.0, "M4": 0.0,
                                         "M7": 0.0, "M5": 122.0, "M6": 0.0}
    assert not m.loc["M7", "started"] and m.loc["M3", "bar_end"] == AS_OF


def test_portfolio_gantt_shows_the_most_delayed_first(tables):
    fig = milestone_gantt(tables, AS_OF, "zh", top_n=3)
    ax = fig.axes[0]
    assert ax.get_title() == "延误最严重的 3 个项目里程碑"
    assert len(_bars(ax, "planned")) == 3                       # M2, M5, M3
    actual = _bars(ax, "actual")
    assert len(actual) == 2 and len(_bars(ax, "overdue")) == 1  # M5 never started
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["甲建设 · 一号风电项目 · 融资关闭", "乙能源 · 城市道路工程 · 征地拆迁",
                      "甲建设 · 一号风电项目 · 土建施工"]
    # most delayed at the top: y = 0 is drawn at the top (inverted axis)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    by_y = {round(p.get_y() + p.get_height() / 2): p for p in actual}
    assert colors.to_hex(by_y[0].get_facecolor()) == SEVERITY_COLORS["high"]     # 151 d
    assert colors.to_hex(by_y[2].get_facecolor()) == SEVERITY_COLORS["medium"]   # 46 d
    asof = mdates.date2num(AS_OF)
    assert by_y[2].get_x() + by_y[2].get_width() == pytest.approx(asof)  # in progress -> as_of
    lines = [a for a in ax.get_lines() if a.get_gid() == "as_of"]
    assert len(lines) == 1 and lines[0].get_xdata()[0] == pytest.approx(asof)
    notes = [t.get_text() for t in ax.texts] + [c.get_text() for c in ax.get_children()
                                                if hasattr(c, "get_text")]
    assert "数据日期 2026-09-30" in notes and "+151天" in notes
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "计划工期" in legend and "实际：延误>90天" in legend and "未开始且已逾期" in legend


def test_client_gantt_groups_all_milestones_by_project(tables):
    fig = milestone_gantt(tables, AS_OF, "en", client_id="C1", delay_bands=(10, 100))
    ax = fig.axes[0]
    assert ax.get_title() == "Project milestone Gantt chart — 甲建设"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["一号风电项目 · 可研批复", "一号风电项目 · 融资关闭", "一号风电项目 · 土建施工",
                      "二号光伏项目 · 设计", "二号光伏项目 · 设备采购"]
    assert len(_bars(ax, "planned")) == 5 and len(_bars(ax, "actual")) == 3
    # one separator between the two projects, at y = 2.5
    seps = [ln for ln in ax.get_lines() if ln.get_gid() != "as_of" and isinstance(ln, Line2D)]
    assert [s.get_ydata()[0] for s in seps] == [2.5]
    # bands (10, 100): M1's 20 days is now "> 10 days late"
    by_y = {round(p.get_y() + p.get_height() / 2): p for p in _bars(ax, "actual")}
    assert colors.to_hex(by_y[0].get_facecolor()) == SEVERITY_COLORS["medium"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Actual: > 100 days late" in legend


def test_gantt_without_delays_or_milestones_says_so(tables):
    fig = milestone_gantt(tables, "2024-02-01", "zh")
    assert fig.axes[0].texts[0].get_text() == "没有延误的里程碑"
    fig = milestone_gantt(tables, AS_OF, "en", client_id="C3")
    assert fig.axes[0].texts[0].get_text() == "This client has no project milestones"
    open_only = milestone_gantt(tables, AS_OF, "zh", only_open=True)
    assert len(_bars(open_only.axes[0], "planned")) == 2          # M5 and M3 are unfinished


def test_gantt_errors(tables):
    with pytest.raises(WarningError, match="needs the 'projects' and 'milestones'"):
        milestone_gantt({"clients": tables["clients"]}, AS_OF)
    with pytest.raises(WarningError, match="delay_bands must be two increasing"):
        milestone_gantt(tables, AS_OF, delay_bands=(90, 30))
    with pytest.raises(Exception, match="lang='fr' is not supported"):
        milestone_gantt(tables, AS_OF, lang="fr")


def test_short_name():
    assert short_name("上海万曜建设集团股份有限公司") == "上海万曜建设"
    assert short_name("Acme Co., Ltd.") == "Acme"
    assert short_name("鄂尔多斯海辰有色金属有限公司", 6) == "鄂尔多斯海…"
    assert short_name(None) == ""


def test_migration_heatmap_annotates_shares_and_counts():
    before = pd.Series({"C1": "A", "C2": "A", "C3": "B", "C4": "B"})
    after = pd.Series({"C1": "A", "C2": "B", "C3": "B", "C5": "C"})
    fig = migration_heatmap(migration_matrix(before, after), "zh",
                            period=("2026-06-30", "2026-09-30"))
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    # rows A, B, C, new x cols A, B, C, lost: A -> A 50 %, A -> B 50 %, B -> B 50 %,
    # B -> lost 50 % (C4), C row empty ("–"), new -> C 100 %
    assert texts[:4] == ["50%", "50%", "0%", "0%"]
    assert texts[4:8] == ["0%", "50%", "0%", "50%"]
    assert texts[8:12] == ["–"] * 4 and texts[14] == "100%"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A 核心", "B 重点", "C 一般", "新增客户"]
    assert ax.get_xticklabels()[-1].get_text() == "退出客户"
    assert fig._suptitle.get_text() == "客户层级迁移矩阵（2026-06-30 → 2026-09-30）"
    counts = migration_heatmap(migration_matrix(before, after, normalize=False), "en")
    assert [t.get_text() for t in counts.axes[0].texts][:4] == ["1", "1", "0", "0"]


def test_alert_counts_chart_stacks_by_severity():
    alerts = pd.DataFrame({"rule": ["dpd"] * 3 + ["nps"] * 2 + ["dscr"],
                           "severity": ["high", "high", "critical", "low", "high", "medium"]})
    fig = alert_counts_chart(alerts, "en", rule_labels={"dpd": "Days past due"})
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == ["dscr", "nps", "Days past due"]            # most alerts at the top
    high = [p for p in ax.patches if p.get_gid() == "sev-high"]
    assert [p.get_width() for p in high] == [0.0, 1.0, 2.0]
    assert colors.to_hex(high[0].get_facecolor()) == SEVERITY_COLORS["high"]
    totals = np.zeros(3)
    for p in ax.patches:
        totals[round(p.get_y() + p.get_height() / 2)] += p.get_width()
    assert totals.tolist() == [1.0, 2.0, 3.0]
    zh = alert_counts_chart(alerts, "zh")
    assert zh.axes[0].get_title() == "预警数量（按规则）"
    empty = alert_counts_chart(alerts.iloc[:0], "zh")
    assert empty.axes[0].texts[0].get_text() == "当前没有预警"
    with pytest.raises(WarningError, match=r"needs columns \['severity'\]"):
        alert_counts_chart(alerts[["rule"]], "en")
