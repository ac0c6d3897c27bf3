"""Action plan: items inside the horizon only, CSV with BOM, and an .ics that parses back."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from icalendar import Calendar

from crmkit.core.contract import conform
from crmkit.core.errors import WarningError
from crmkit.params.warning import WarningParams
from crmkit.warn import action_plan, alerts, write_ics, write_plan_csv
from crmkit.warn.actions import PRODID

AS_OF = pd.Timestamp("2026-09-30")
P = WarningParams()


def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    c = dict(industry="energy", region="east", lifecycle_stage="maintenance")
    f = dict(interest_rate=0.05, amount=5e7)
    return {
        "clients": _t("clients", [
            dict(client_id="C1", client_name="甲能源", relationship_manager="王",
                 onboarding_date="2021-10-10", **c),   # 5 years on 2026-10-10
            dict(client_id="C2", client_name="乙交通", relationship_manager="李",
                 onboarding_date="2025-11-15", **c),   # first review 2026-11-15
            dict(client_id="C3", client_name="丙建设", relationship_manager="王",
                 onboarding_date="2020-02-29", **c),   # 2027-02-28 in a common year
            dict(client_id="C4", client_name="丁制造", relationship_manager="李",
                 onboarding_date="2026-10-05", **c),   # not yet a client at as_of
            dict(client_id="C5", client_name="戊物流", relationship_manager="王",
                 onboarding_date="2016-09-30", **c),   # 10 years on as_of itself
        ]),
        "facilities": _t("facilities", [
            dict(facility_id="F1", client_id="C1", product="project_finance", outstanding=3e7,
                 start_date="2020-01-01", maturity_date="2026-10-20", status="active", **f),
            dict(facility_id="F2", client_id="C2", product="long_term", outstanding=4e7,
                 start_date="2024-01-01", maturity_date="2030-01-01", status="active", **f),
            dict(facility_id="F3", client_id="C2", product="working_capital",
                 start_date="2026-01-01", maturity_date="2027-06-30", status="active", **f),
            dict(facility_id="F4", client_id="C1", product="project_finance",
                 start_date="2016-01-01", maturity_date="2026-10-10", status="closed", **f),
            dict(facility_id="F5", client_id="C3", product="project_finance",
                 start_date="2025-01-01", maturity_date="2031-01-01", status="restructured",
                 **f),
        ]),
    }


@pytest.fixture(scope="module")
def alert_table() -> pd.DataFrame:
    metrics = pd.DataFrame({
        "client_name": ["甲能源", "乙交通", "戊物流"],
        "relationship_manager": ["王", "李", "王"],
        "dpd_current": [120, 0, 0],          # C1: critical, due +7
        "debt_to_assets": [0.5, 0.9, 0.5],   # C2: high, due +14
        "nps_latest": [9, 9, 3],             # C5: low, due +60 (outside 30 days)
    }, index=pd.Index(["C1", "C2", "C5"], name="client_id"))
    return alerts(metrics, None, P, AS_OF, "zh")


def _rows(plan: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    return list(zip(plan["owner"], plan["date"].dt.strftime("%m-%d"), plan["client_id"],
                    plan["kind"], strict=True))


def test_plan_lists_only_items_within_the_horizon(tables, alert_table) -> None:
    plan = action_plan(alert_table, tables, AS_OF, P, lang="zh")
    assert _rows(plan) == [
        ("李", "10-14", "C2", "alert"),
        ("王", "09-30", "C5", "annual_review"),
        ("王", "09-30", "C5", "anniversary"),
        ("王", "10-07", "C1", "alert"),
        ("王", "10-10", "C1", "annual_review"),
        ("王", "10-10", "C1", "anniversary"),
        ("王", "10-20", "C1", "maturity"),
    ]
    assert plan["date"].between(AS_OF, AS_OF + pd.Timedelta(days=30)).all()
    assert plan["severity"].tolist() == ["high", "low", "info", "critical", "low", "info",
                                         "medium"]
    by_kind = plan.set_index(["client_id", "kind"])
    assert by_kind.loc[("C1", "alert"), "title"] == "预警：逾期 90 天以上"
    assert by_kind.loc[("C1", "anniversary"), "title"] == "合作 5 周年"
    assert by_kind.loc[("C5", "annual_review"), "detail"] == "合作满 10 年：年度授信审查与评级更新"
    assert by_kind.loc[("C1", "maturity"), "detail"] == (
        "业务 F1 于 2026-10-20 到期，余额 3,000 万元：安排续贷或再融资")
    assert by_kind.loc[("C1", "maturity"), "title"] == "业务到期：项目融资"


def test_longer_horizon_adds_covenant_tests_reviews_and_later_alerts(tables, alert_table) -> None:
    plan = action_plan(alert_table, tables, AS_OF, P, horizon_days=100, lang="en")
    extra = set(_rows(plan)) - set(_rows(action_plan(alert_table, tables, AS_OF, P)))
    assert extra == {("李", "11-15", "C2", "annual_review"), ("王", "11-29", "C5", "alert"),
                     ("李", "12-31", "C2", "covenant_test"), ("王", "12-31", "C3",
                                                              "covenant_test")}
    cov = plan[plan["kind"] == "covenant_test"].set_index("client_id")
    assert cov.loc["C2", "title"] == "Financial covenant test"
    assert "F2" in cov.loc["C2", "detail"] and "F3" not in cov.loc["C2", "detail"]
    assert "C4" not in set(plan["client_id"])  # onboarded after as_of
    titles = plan[plan["kind"] == "alert"].set_index("client_id")["title"]
    assert titles["C1"] == "Alert: 90+ days past due"  # rule names in the plan's language


def test_covenant_dates_and_products_come_from_parameters(tables) -> None:
    p = WarningParams.model_validate({"actions": {"covenant_test_dates": ["10-15"],
                                                  "covenant_products": ["working_capital"]}})
    plan = action_plan(alerts(pd.DataFrame(index=pd.Index([], name="client_id")), None, p,
                              AS_OF), tables, AS_OF, p)
    cov = plan[plan["kind"] == "covenant_test"]
    assert cov["client_id"].tolist() == ["C2"]
    assert cov["date"].tolist() == [pd.Timestamp("2026-10-15")]
    with pytest.raises(ValueError, match="MM-DD"):
        WarningParams.model_validate({"actions": {"covenant_test_dates": ["6/30"]}})


def test_leap_day_onboarding_falls_on_28_february(tables) -> None:
    as_of = pd.Timestamp("2027-02-20")
    empty = alerts(pd.DataFrame(index=pd.Index([], name="client_id")), None, P, as_of)
    plan = action_plan(empty, tables, as_of, P, horizon_days=10)
    row = plan[plan["client_id"] == "C3"]
    assert row["kind"].tolist() == ["annual_review"]
    assert row["date"].tolist() == [pd.Timestamp("2027-02-28")]


def test_plan_uids_are_unique_and_stable(tables, alert_table) -> None:
    a = action_plan(alert_table, tables, AS_OF, P, horizon_days=100)
    b = action_plan(alert_table, tables, AS_OF, P, horizon_days=100, lang="en")
    assert a["uid"].is_unique
    assert a["uid"].tolist() == b["uid"].tolist()  # language does not change the UID
    short = action_plan(alert_table, tables, AS_OF, P)
    assert set(short["uid"]) <= set(a["uid"])      # nor does the horizon
    with pytest.raises(WarningError, match="needs the clients table"):
        action_plan(alert_table, {}, AS_OF)


def test_csv_has_bom_and_chinese_headers(tmp_path, tables, alert_table) -> None:
    plan = action_plan(alert_table, tables, AS_OF, P)
    path = write_plan_csv(plan, tmp_path / "计划.csv", "zh")
    raw = path.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert list(back.columns[:4]) == ["客户经理", "日期", "客户编号", "客户名称"]
    assert len(back) == len(plan)
    assert back.iloc[0].tolist()[:5] == ["李", "2026-10-14", "C2", "乙交通", "预警跟进"]
    assert back["严重程度"].iloc[0] == "高"
    en = pd.read_csv(write_plan_csv(plan, tmp_path / "plan.csv", "en"), encoding="utf-8-sig")
    assert "Relationship manager" in en.columns and en["Kind"].iloc[0] == "Alert follow-up"


def _events(path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return cal, list(cal.walk("VEVENT"))


def test_ics_parses_back_with_dates_summaries_alarms(tmp_path, tables, alert_table) -> None:
    plan = action_plan(alert_table, tables, AS_OF, P)
    path = write_ics(plan, tmp_path / "plan.ics", "客户预警行动计划", P)
    cal, events = _events(path)
    assert str(cal["PRODID"]) == PRODID and str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "客户预警行动计划"
    assert len(events) == len(plan) == 7
    assert [e["DTSTART"].dt for e in events] == [d.date() for d in plan["date"]]
    assert all(e["DTEND"].dt - e["DTSTART"].dt == dt.timedelta(days=1) for e in events)
    assert all(isinstance(e["DTSTART"].dt, dt.date) and not isinstance(e["DTSTART"].dt,
                                                                      dt.datetime)
               for e in events)
    assert all("DTSTAMP" in e for e in events)
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries[0] == "预警：资产负债率过高 · 乙交通"
    assert "合作 5 周年 · 甲能源" in summaries
    assert str(events[0]["DESCRIPTION"]) == "资产负债率 90.0% 高于上限 75%\n李"
    assert [e["CATEGORIES"].cats for e in events][:2] == [["alert"], ["annual_review"]]
    alarms = {str(e["SUMMARY"]): [a["TRIGGER"].dt for a in e.walk("VALARM")] for e in events}
    assert alarms["预警：资产负债率过高 · 乙交通"] == [dt.timedelta(days=-1)]
    assert alarms["预警：逾期 90 天以上 · 甲能源"] == [dt.timedelta(days=-1)]
    assert sum(len(v) for v in alarms.values()) == 2  # only critical / high get a reminder
    # RFC 5545: lines folded at 75 octets, CRLF line ends
    raw = path.read_bytes()
    assert b"\r\n" in raw and max(len(line) for line in raw.split(b"\r\n")) <= 75


def test_ics_uids_unique_and_stable_across_writes(tmp_path, tables, alert_table) -> None:
    plan = action_plan(alert_table, tables, AS_OF, P, horizon_days=100)
    first = write_ics(plan, tmp_path / "a.ics", "plan",
                      dtstamp=dt.datetime(2026, 9, 30, 8, tzinfo=dt.UTC))
    second = write_ics(action_plan(alert_table, tables, AS_OF, P, horizon_days=100),
                       tmp_path / "b.ics", "plan")
    uids = [[str(e["UID"]) for e in _events(p)[1]] for p in (first, second)]
    assert uids[0] == uids[1]
    assert len(set(uids[0])) == len(uids[0]) == len(plan)
    assert _events(first)[1][0]["DTSTAMP"].dt == dt.datetime(2026, 9, 30, 8, tzinfo=dt.UTC)
    with pytest.raises(WarningError, match="needs an action_plan frame"):
        write_ics(pd.DataFrame({"date": []}), tmp_path / "x.ics", "x")


def test_empty_plan_writes_a_valid_calendar(tmp_path) -> None:
    clients = _t("clients", [dict(client_id="C9", client_name="己", industry="energy",
                                  region="east", lifecycle_stage="maintenance",
                                  relationship_manager="赵", onboarding_date="2026-03-01")])
    empty = alerts(pd.DataFrame(index=pd.Index([], name="client_id")), None, P, AS_OF)
    plan = action_plan(empty, {"clients": clients}, AS_OF, P)
    assert len(plan) == 0 and list(plan.columns)[:3] == ["owner", "date", "client_id"]
    cal, events = _events(write_ics(plan, tmp_path / "e.ics", "空"))
    assert events == [] and str(cal["VERSION"]) == "2.0"


def test_precomputed_facility_metrics_give_the_same_plan(tables, alert_table) -> None:
    from crmkit.warn import facility_metrics

    fm = facility_metrics(tables, AS_OF)
    a = action_plan(alert_table, tables, AS_OF, P, horizon_days=100)
    b = action_plan(alert_table, tables, AS_OF, P, horizon_days=100, facilities=fm)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(WarningError, match=r"lack \['product'"):
        action_plan(alert_table, tables, AS_OF, P, facilities=fm.drop(columns="product"))
