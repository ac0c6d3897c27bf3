"""The dashboard's pure functions on small hand-made tables: filters, the 3x3 matrix, tree-map
tiles, client lists, trends from a history store, the acknowledgement audit trail (and its
report section), and the command's refusal to expose the dashboard without a token."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmkit.cli import main
from crmkit.core.errors import HistoryError
from crmkit.dashboard import (
    DashboardError,
    cell_clients,
    client_list,
    filter_clients,
    filter_options,
    matrix_counts,
    open_worklist,
    tile_clients,
    treemap_tiles,
    trend_figure,
    trend_table,
)
from crmkit.dashboard.server import is_loopback, notebook_path, server_command, start
from crmkit.dashboard.views import NONE
from crmkit.params import Params
from crmkit.warn.acknowledgements import (
    acknowledge,
    acknowledgements_path,
    alert_key,
    default_user,
    load_acknowledgements,
    mark_acknowledged,
)
from crmkit.warn.history import save_snapshot

AS_OF = dt.date(2026, 9, 30)


def _clients() -> pd.DataFrame:
    df = pd.DataFrame({
        "client_id": ["C1", "C2", "C3", "C4", "C5"],
        "client_name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"],
        "relationship_manager": ["王", "王", "李", "李", "张"],
        "industry": ["energy", "energy", "construction", "energy", "construction"],
        "region": ["east", "north", "east", "east", "south"],
        "group_name": ["甲集团", None, "甲集团", None, None],
        "tier": ["A", "B", "B", "C", "A"],
        "risk": ["low", "low", "high", "medium", "unknown"],
        "capacity": ["strong", "strong", "weak", "medium", "strong"],
        "exposure": [100.0, 300.0, 50.0, 0.0, 20.0],
        "pd": [0.01, 0.03, 0.20, np.nan, 0.02],
        "open_alerts": [0, 1, 2, 0, 0],
    })
    return df.set_index("client_id")


def _alerts() -> pd.DataFrame:
    return pd.DataFrame({
        "rank": [1, 2, 3], "client_id": ["C3", "C3", "C2"],
        "client_name": ["丙公司", "丙公司", "乙公司"],
        "rule_id": ["dscr_below_100", "dpd_90", "nps_low"], "cause": ["dscr", "dpd", "nps"],
        "rule_name": ["DSCR 低于 1.0", "逾期 90 天以上", "NPS 低"],
        "severity": ["critical", "high", "low"], "reason": ["r1", "r2", "r3"],
        "owner": ["李", "李", "王"]})


# -- filters -------------------------------------------------------------------------------------
def test_filters_and_across_or_within_and_missing_groups():
    c = _clients()
    assert list(filter_clients(c, {}).index) == list(c.index)
    assert list(filter_clients(c, {"relationship_manager": ["王", "李"],
                                   "industry": ["energy"]}).index) == ["C1", "C2", "C4"]
    assert list(filter_clients(c, {"group_name": [NONE]}).index) == ["C2", "C4", "C5"]
    assert list(filter_clients(c, {"tier": ["A"], "region": ["south"]}).index) == ["C5"]
    with pytest.raises(DashboardError, match="unknown filter 'segment'"):
        filter_clients(c, {"segment": ["x"]})


def test_filter_options_are_words_not_codes():
    opts = filter_options(_clients(), "zh")
    assert ("能源电力", "energy") in opts["industry"]
    assert ("华东", "east") in opts["region"]
    assert opts["group_name"][-1] == ("（无集团）", NONE)  # "no group" listed last
    assert [label for label, _ in opts["tier"]] == ["A 核心客户", "B 重点客户", "C 一般客户"]
    en = filter_options(_clients(), "en")
    assert ("Construction", "construction") in en["industry"]


# -- matrix and tree map --------------------------------------------------------------------------
def test_matrix_counts_by_hand():
    m = matrix_counts(_clients()).set_index("segment")
    assert len(m) == 9 and m["count"].sum() == 4  # C5 has unknown risk: not in the matrix
    assert m.loc["low_strong", "count"] == 2 and m.loc["low_strong", "exposure"] == 400.0
    assert m.loc["high_weak", "count"] == 1 and m.loc["medium_medium", "count"] == 1
    assert m.loc["low_weak", "count"] == 0
    assert list(cell_clients(_clients(), "low", "strong").index) == ["C2", "C1"]
    with pytest.raises(DashboardError, match="no matrix cell"):
        cell_clients(_clients(), "low", "huge")


def test_treemap_tiles_share_and_exposure_weighted_pd():
    tiles = treemap_tiles(_clients()).set_index(["tier", "key"])
    a = tiles.loc[("A", "energy")]
    assert a["count"] == 1 and a["share"] == pytest.approx(100 / 120)
    assert tiles.loc[("A", "construction"), "share"] == pytest.approx(20 / 120)
    b = tiles.loc[("B", "energy")]
    assert b["pd"] == pytest.approx(0.03)
    assert tiles.loc[("C", "energy"), "share"] == 1.0  # a tier without exposure: by count
    assert np.isnan(tiles.loc[("C", "energy"), "pd"])
    assert list(tile_clients(_clients(), "B", "construction").index) == ["C3"]


def test_client_list_reads_as_words():
    shown = client_list(_clients(), "zh")
    assert list(shown.columns) == ["客户", "客户经理", "行业", "层级", "敞口", "违约概率",
                                   "未处理预警"]
    text = shown.to_string()
    assert "能源电力" in text and "A 核心客户" in text and "20.00%" in text
    assert not re.search(r"\bnan\b|<NA>|energy|construction", text)
    assert shown.loc[3, "违约概率"] == "—"


# -- acknowledgements ------------------------------------------------------------------------------
def test_acknowledge_appends_and_never_rewrites(tmp_path):
    store = tmp_path / "sample" / "history.duckdb"
    when = dt.datetime(2026, 10, 8, 9, 30, tzinfo=dt.UTC)
    first = acknowledge(store, "sample", AS_OF, _alerts().head(1), "已约见财务总监",
                        user="王经理", when=when)
    assert first.loc[0, "alert_key"] == "C3/dscr"
    assert first.loc[0, "acknowledged_at"] == "2026-10-08T09:30:00+00:00"
    acknowledge(store, "sample", AS_OF, _alerts().iloc[1:], "  已催收  ")
    acks = load_acknowledgements(store, "sample")
    assert list(acks["alert_key"]) == ["C3/dscr", "C3/dpd", "C2/nps"]
    assert acks.loc[0, "user"] == "王经理" and acks.loc[1, "user"] == default_user()
    assert acks.loc[1, "note"] == "已催收"
    assert acknowledgements_path(store) == tmp_path / "sample" / "acknowledgements.parquet"
    assert load_acknowledgements(store, "other").empty


@pytest.mark.parametrize(("note", "rows", "match"), [
    ("", 1, "needs a note"), ("x" * 2001, 1, "under 2000"), ("ok", 0, "no alert selected")])
def test_acknowledge_refuses_bad_input(tmp_path, note, rows, match):
    with pytest.raises(HistoryError, match=match):
        acknowledge(tmp_path / "h.duckdb", "p", AS_OF, _alerts().head(rows), note)
    assert not (tmp_path / "acknowledgements.parquet").exists()


def test_concurrent_acknowledgements_all_land(tmp_path):
    store = tmp_path / "history.duckdb"

    def worker(i: int) -> None:
        for j in range(4):
            acknowledge(store, "p", AS_OF, _alerts().head(1), f"note {i}-{j}", user=f"u{i}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    acks = load_acknowledgements(store)
    assert len(acks) == 16 and acks["note"].nunique() == 16


def test_mark_acknowledged_dates_and_escalation(tmp_path):
    store = tmp_path / "history.duckdb"
    alerts = _alerts()
    acknowledge(store, "p", "2026-06-30", alerts.iloc[[1]].assign(severity="medium"), "跟进中",
                user="李")
    acknowledge(store, "p", AS_OF, alerts.iloc[[2]], "已回访", user="王")
    acks = load_acknowledgements(store)
    marked = mark_acknowledged(alerts, acks, AS_OF)
    # dpd got worse (medium -> high) since it was acknowledged: it is new again
    assert marked["acknowledged"].tolist() == [False, False, True]
    assert marked.loc[2, "acknowledged_by"] == "王"
    assert marked.loc[2, "acknowledged_note"] == "已回访"
    # an acknowledgement made for a later date does not reach back
    assert not mark_acknowledged(alerts, acks, "2026-06-30")["acknowledged"].any()
    lower = alerts.assign(severity=["critical", "low", "low"])
    assert mark_acknowledged(lower, acks, AS_OF)["acknowledged"].tolist() == [False, True, True]
    assert list(open_worklist(marked, ["C2", "C3"]).index) == [0, 1]
    assert list(open_worklist(marked, ["C2"], show_acknowledged=True).index) == [2]
    assert alert_key(alerts.drop(columns="cause")).tolist() == [
        "C3/dscr_below_100", "C3/dpd_90", "C2/nps_low"]


def _params(tmp_path: Path, **kw) -> Params:
    return Params(portfolio="p", as_of=AS_OF, output_dir=tmp_path,
                  sources={"default": {"path": str(tmp_path)}}, **kw)


def test_report_lists_acknowledgements(tmp_path):
    from crmkit.report.acknowledgements import acknowledgement_tables

    p = _params(tmp_path)
    assert acknowledgement_tables(p, "zh") is None
    run = p.run_dir / "warn"
    run.mkdir(parents=True)
    _alerts().head(1).to_parquet(run / "alerts.parquet")
    when = dt.datetime(2026, 10, 8, 9, 30, tzinfo=dt.UTC)
    acknowledge(p.history_path, "p", "2026-06-30", _alerts().iloc[[0, 2]], "已处理", user="王",
                when=when)
    note, table = acknowledgement_tables(p, "zh")
    assert "共 2 条确认" in note.data
    assert table.index.name == "客户" and list(table.index) == ["丙公司", "乙公司"]
    assert table["本期仍触发"].tolist() == ["是", "否"]
    assert table["严重程度"].tolist() == ["严重", "低"]
    assert table["确认时间"].iloc[0] == "2026-10-08 09:30 UTC"
    _, en = acknowledgement_tables(p, "en")
    assert en["Still firing"].tolist() == ["Yes", "No"]
    earlier = _params(tmp_path).model_copy(update={"as_of": dt.date(2026, 3, 31)})
    assert acknowledgement_tables(earlier, "zh") is None


# -- trends ----------------------------------------------------------------------------------------
def test_trend_table_from_the_history_store(tmp_path):
    p = _params(tmp_path)
    for day, tiers, exp, nps in (("2026-06-30", ["A", "B", "B"], [10.0, 20.0, 30.0], [8, 6, 4]),
                                 ("2026-09-30", ["A", "A", "C"], [15.0, 25.0, 0.0], [9, 7, 5])):
        save_snapshot(p.history_path, "p", day, pd.DataFrame({
            "client_id": ["C1", "C2", "C3"], "tier": tiers, "exposure": exp,
            "nps_latest": nps}))
        save_snapshot(p.history_path, "p", day, pd.DataFrame({
            "facility_id": ["F1", "F2", "F3"], "client_id": ["C1", "C2", "C3"],
            "stage": [1, 2, 3], "exposure": exp}), "facility")
    folder = tmp_path / "p" / "2026-09-30" / "warn"
    folder.mkdir(parents=True)
    pd.DataFrame({"client_id": ["C1", "C3", "C3"]}).to_parquet(folder / "alerts.parquet")
    got = trend_table(p)
    assert list(got.index.strftime("%Y-%m-%d")) == ["2026-06-30", "2026-09-30"]
    assert got["exposure"].tolist() == [60.0, 40.0]
    assert got.loc["2026-06-30", "tier_B"] == pytest.approx(2 / 3)
    assert got.loc["2026-09-30", "stage_2"] == pytest.approx(25 / 40)
    assert np.isnan(got.loc["2026-06-30", "alerts"]) and got.loc["2026-09-30", "alerts"] == 3
    some = trend_table(p, ["C1", "C2"])
    assert some["nps"].tolist() == [7.0, 8.0] and some.loc["2026-09-30", "alerts"] == 1
    assert some.loc["2026-09-30", "tier_A"] == 1.0
    assert trend_table(_params(tmp_path / "empty")).empty
    fig = trend_figure(got, "en")
    assert [a.get_title() for a in fig.axes] == [
        "Exposure (CNY m)", "Tier mix", "IFRS 9 stages (share of exposure)", "Alerts",
        "Mean NPS"]
    assert fig.axes[0].get_lines()[0].get_ydata().tolist() == pytest.approx([60e-6, 40e-6])
    zh = trend_figure(got, "zh").axes[0]
    assert zh.get_title() == "敞口（亿元）"
    assert zh.get_lines()[0].get_ydata().tolist() == pytest.approx([60e-8, 40e-8])
    plt.close(fig)


# -- the command -----------------------------------------------------------------------------------
def test_notebook_ships_without_outputs_and_is_no_batch_stage():
    from crmkit.batch.runner import _NB

    nb = json.loads(notebook_path().read_text(encoding="utf-8"))
    assert not _NB.match(notebook_path().name)
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_loopback_only_without_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CRMKIT_DASHBOARD_TOKEN", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(DashboardError, match="--token or the CRMKIT_DASHBOARD_TOKEN"):
        start([tmp_path / "none.yaml"], host="0.0.0.0")
    with pytest.raises(DashboardError, match="at least 16"):
        start([tmp_path / "none.yaml"], host="0.0.0.0", token="short")
    assert main(["dashboard", str(tmp_path / "none.yaml"), "--host", "0.0.0.0"]) == 2
    assert "CRMKIT_DASHBOARD_TOKEN" in capsys.readouterr().err
    cmd = server_command("0.0.0.0", 8899, "t" * 20)
    assert "--Voila.ip=0.0.0.0" in cmd and f"--token={'t' * 20}" in cmd
    assert not any(c.startswith("--token") for c in server_command("127.0.0.1", 8899, None))


def test_refuses_a_portfolio_without_a_run(tmp_path):
    pfile = tmp_path / "p.yaml"
    pfile.write_text(f"portfolio: p\nas_of: 2026-09-30\noutput_dir: {tmp_path / 'out'}\n"
                     f"sources:\n  default:\n    path: {tmp_path}\n", encoding="utf-8")
    with pytest.raises(DashboardError, match="no finished run"):
        start([pfile])
