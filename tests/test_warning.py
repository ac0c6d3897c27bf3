"""Warning stage: every default rule at and past its threshold, notes, alerts, IFRS 9 staging."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.core.contract import conform
from crmkit.core.errors import ParametersError, WarningError
from crmkit.params import load_params
from crmkit.params.warning import DEFAULT_RULES, StagingParams, WarningParams
from crmkit.warn import (
    SEVERITY_DTYPE,
    alert_summary,
    alerts,
    client_metrics,
    evaluate_rules,
    facility_metrics,
    ifrs9_stages,
    missing_values,
    origination_pd,
    rule_notes,
    stage_summary,
)

AS_OF = pd.Timestamp("2026-09-30")
# every default rule active, the maturity reminder included (off by default: the action plan
# carries maturities; a bank that wants them as alerts turns it on like this)
P = WarningParams.model_validate({"rules": [{"id": "maturity_90d", "enabled": True}]})

# -- every default rule: (value, fires?) pairs, the edge AT the threshold included ----------
# Edges: "<" / ">" exclude the threshold, "<=" / ">=" / "==" include it; the DSCR lock-up band
# is 1.10 <= dscr < 1.25; the maturity window 0 <= days <= 90 (both ends included). In a rule
# group only the most severe rule fires (DSCR 0.99 raises dscr_below_100, not dscr_below_110).
CASES: dict[str, list[tuple[float, bool]]] = {
    "dscr_lockup": [(1.2499, True), (1.25, False), (1.10, True), (1.0999, False),
                    (1.30, False)],
    "dscr_below_110": [(1.0999, True), (1.10, False), (0.1 * 11, False), (0.99, False)],
    "dscr_below_100": [(0.9999, True), (1.00, False), (0.20, True)],
    "llcr_below_covenant": [(1.1999, True), (1.20, False), (1.5, False)],
    "leverage_high": [(0.7501, True), (0.75, False), (0.50, False)],
    "dpd_30": [(30, True), (29, False), (89, True), (90, False)],
    "dpd_90": [(90, True), (89, False), (400, True)],
    "score_drop": [(-10.01, True), (-10, True), (-9.99, False), (5, False)],
    "tier_downgrade": [(1, True), (0, False)],
    "csat_drop": [(-2, True), (-3, True), (-1, False), (-1.99, False), (0, False)],
    "nps_detractor": [(4, True), (5, False), (6, False), (0, True)],
    "complaint_open": [(31, True), (30, False), (0, False)],
    "milestone_delay_90": [(91, True), (90, False)],
    "milestone_delay_30": [(31, True), (30, False), (91, False)],
    "milestone_delay_share": [(0.21, True), (0.20, False)],
    "maturity_90d": [(0, True), (90, True), (91, False), (-1, False), (45, True)],
    "churn_risk": [(0.5, True), (0.4999, False), (0.9, True)],
    "large_exposure_client": [(1.0001, True), (1.0, False), (0.7, False), (2.5, True)],
    "large_exposure_group": [(1.0001, True), (1.0, False), (0.2, False)],
}


def _clients(n: int, **cols: object) -> pd.DataFrame:
    ids = pd.Index([f"C{i}" for i in range(n)], dtype="string", name="client_id")
    base = {"client_name": pd.array([f"客户{i}" for i in range(n)], dtype="string"),
            "relationship_manager": pd.array([f"RM{i % 2}" for i in range(n)], dtype="string")}
    return pd.DataFrame({**base, **cols}, index=ids)


def _facilities(days: list[float], **cols: object) -> pd.DataFrame:
    n = len(days)
    return pd.DataFrame({"client_id": pd.array([f"C{i}" for i in range(n)], dtype="string"),
                         "days_to_maturity": days, **cols},
                        index=pd.Index([f"F{i}" for i in range(n)], dtype="string",
                                       name="facility_id"))


def _rule_frames(rule_id: str) -> tuple[pd.DataFrame, pd.DataFrame | None, list[bool]]:
    """One row per case plus a final row with the metric missing."""
    rule = P.rule(rule_id)
    values = [v for v, _ in CASES[rule_id]] + [np.nan]
    expected = [f for _, f in CASES[rule_id]] + [False]
    if rule.level == "facility":
        return _clients(len(values)), _facilities(values), expected
    return _clients(len(values), **{rule.metric: values}), None, expected


def test_every_default_rule_has_cases() -> None:
    assert set(CASES) == {r.id for r in DEFAULT_RULES}


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_fires_past_and_at_threshold_and_notes_missing(rule_id: str) -> None:
    metrics, fac, expected = _rule_frames(rule_id)
    ev = evaluate_rules(metrics, fac, P)
    assert ev.fired[rule_id].tolist() == expected
    # the missing value raises no alert but a data-quality note counting it
    notes = rule_notes(ev, "en").set_index("rule_id")
    assert notes.loc[rule_id, "kind"] == "missing_values"
    assert notes.loc[rule_id, "n_missing"] == 1
    assert rule_id in notes.loc[rule_id, "note"]
    table = alerts(metrics, fac, P, AS_OF, "en", evaluation=ev)
    mine = table[table["rule_id"] == rule_id]
    assert len(mine) == sum(expected)
    last = f"C{len(expected) - 1}"
    assert last not in set(mine["client_id"])
    miss = missing_values(ev)
    assert miss[miss["rule_id"] == rule_id]["client_id"].tolist() == [last]


def test_missing_metric_column_is_a_note_not_a_crash() -> None:
    metrics = _clients(2, dscr=[0.5, 2.0])  # no llcr, dpd_current, churn_probability, ...
    ev = evaluate_rules(metrics, None, P)
    notes = rule_notes(ev, "en").set_index("rule_id")
    assert notes.loc["llcr_below_covenant", "kind"] == "missing_column"
    assert "llcr" in notes.loc["llcr_below_covenant", "note"]
    assert "llcr_below_covenant" in notes.loc["llcr_below_covenant", "note"]
    assert notes.loc["maturity_90d", "kind"] == "no_facility_metrics"
    zh = rule_notes(ev, "zh").set_index("rule_id")
    assert "指标列 llcr 不存在" in zh.loc["llcr_below_covenant", "note"]
    table = alerts(metrics, None, P, AS_OF)
    assert table["rule_id"].tolist() == ["dscr_below_100"]


def test_non_numeric_metric_is_a_note() -> None:
    metrics = _clients(2, dscr=pd.array(["low", "high"], dtype="string"))
    notes = rule_notes(evaluate_rules(metrics, None, P), "en").set_index("rule_id")
    assert notes.loc["dscr_below_100", "kind"] == "not_numeric"
    assert "not numeric" in notes.loc["dscr_below_100", "note"]


@pytest.mark.parametrize(("rule", "match"), [
    ({"id": "r_op", "metric": "dscr", "op": "=<", "threshold": 1, "severity": "high",
      "message": {"zh": "甲", "en": "a"}}, r"rule 'r_op': unknown op '=<'"),
    ({"id": "r_sev", "metric": "dscr", "op": "<", "threshold": 1, "severity": "urgent",
      "message": {"zh": "甲", "en": "a"}}, r"rule 'r_sev': unknown severity 'urgent'"),
    ({"id": "r_thr", "metric": "dscr", "op": "<", "severity": "high",
      "message": {"zh": "甲", "en": "a"}}, r"rule 'r_thr': 'threshold' is missing"),
    ({"id": "r_band", "metric": "dscr", "op": "between", "threshold": 1.1, "severity": "low",
      "message": {"zh": "甲", "en": "a"}}, r"rule 'r_band': between needs threshold \[lower"),
    ({"id": "r_tmpl", "metric": "dscr", "op": "<", "threshold": 1, "severity": "low",
      "message": {"zh": "{valeur}", "en": "a"}}, r"rule 'r_tmpl': message.zh uses unknown field"),
    ({"id": "dscr_below_110", "threshold": "low"}, r"rule 'dscr_below_110': threshold must be"),
])
def test_invalid_rule_is_rejected_naming_the_rule(rule: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WarningParams.model_validate({"rules": [rule]})


def test_invalid_rule_in_parameters_file_names_file_key_and_rule(tmp_path) -> None:
    data = {"portfolio": "p", "as_of": "2026-09-30", "sources": {"default": {"path": "d"}},
            "warning": {"rules": [{"id": "dpd_30", "op": "~"}]}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ParametersError, match=r"warning\.rules\.5: rule 'dpd_30': unknown op"):
        load_params(path)


def test_maturity_reminder_is_off_by_default_and_alerts_are_distinct_causes() -> None:
    d = WarningParams()
    assert "maturity_90d" not in {r.id for r in d.active_rules}
    assert d.rule("nps_detractor").threshold == 4 and d.rule("csat_drop").threshold == -2
    assert d.rule("nps_detractor").group == d.rule("csat_drop").group == "satisfaction"


def test_rules_merge_over_defaults_by_id() -> None:
    p = WarningParams.model_validate({"rules": [
        {"id": "dscr_below_110", "threshold": 1.05},
        {"id": "nps_detractor", "enabled": False},
        {"id": "big", "metric": "exposure", "op": ">=", "threshold": 1e9, "severity": "low",
         "message": {"zh": "敞口 {value:,.0f}", "en": "Exposure {value:,.0f}"}}]})
    assert p.rule("dscr_below_110").threshold == 1.05
    assert p.rule("dscr_below_110").severity == "high"  # the rest of the default is kept
    assert len(p.rules) == len(DEFAULT_RULES) + 1
    assert "nps_detractor" not in {r.id for r in p.active_rules}
    only = WarningParams.model_validate({"default_rules": False, "rules": [
        {"id": "big", "metric": "exposure", "op": ">=", "threshold": 1e9, "severity": "low",
         "message": {"zh": "甲", "en": "a"}}]})
    assert [r.id for r in only.rules] == ["big"]
    slid = P.with_thresholds({"dpd_30": 45, "dscr_lockup": (1.2, 1.4)})
    assert slid.rule("dpd_30").threshold == 45 and slid.rule("dscr_lockup").threshold == (1.2, 1.4)
    assert P.rule("dpd_30").threshold == 30  # the original is unchanged
    with pytest.raises(ValueError, match="rule 'dpd_30' appears twice"):
        WarningParams(rules=[P.rule("dpd_30"), P.rule("dpd_30")], default_rules=False)
    with pytest.raises(ValueError, match=r"group\(s\) \['dpd'\] mix client and facility"):
        WarningParams.model_validate({"rules": [{"id": "dpd_90", "level": "facility"}]})


def test_action_days_by_severity_and_rule() -> None:
    p = WarningParams.model_validate({"action_days": {"critical": 3},
                                      "rules": [{"id": "dpd_30", "action_days": 5}]})
    assert p.days_for(p.rule("dpd_90")) == 3
    assert p.days_for(p.rule("dpd_30")) == 5
    assert p.days_for(p.rule("nps_detractor")) == 60
    with pytest.raises(ValueError, match="unknown severities"):
        WarningParams.model_validate({"action_days": {"urgent": 1}})


# -- alerts ----------------------------------------------------------------------------------
@pytest.fixture()
def portfolio() -> tuple[pd.DataFrame, pd.DataFrame]:
    metrics = _clients(
        5,
        dscr=[1.05, 1.02, 2.0, 0.8, np.nan],
        debt_to_assets=[0.8, 0.9, 0.5, 0.5, 0.6],
        dpd_current=[0, 0, 120, 0, 0],
        nps_latest=[9, 9, 3, 9, 9],
        tier=pd.array(["A", "B", "B", "C", "C"], dtype="string"),
    )
    fac = _facilities([30, 400], status=["active", "active"])
    return metrics, fac


def test_alerts_order_owner_due_and_reason(portfolio) -> None:
    metrics, fac = portfolio
    table = alerts(metrics, fac, P, AS_OF, "zh")
    # critical first (dpd 120 of C2, DSCR 0.8 of C3), then high by rule order and worst value
    # (DSCR 1.02 before 1.05; leverage 0.9 before 0.8), then medium, then low.
    assert list(zip(table["rule_id"], table["client_id"], strict=True)) == [
        ("dscr_below_100", "C3"), ("dpd_90", "C2"),
        ("dscr_below_110", "C1"), ("dscr_below_110", "C0"),
        ("leverage_high", "C1"), ("leverage_high", "C0"),
        ("maturity_90d", "C0"), ("nps_detractor", "C2")]
    assert table["severity"].dtype == SEVERITY_DTYPE
    assert table["owner"].tolist() == ["RM1", "RM0", "RM1", "RM0", "RM1", "RM0", "RM0", "RM0"]
    assert table["due_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-10-07", "2026-10-07", "2026-10-14", "2026-10-14", "2026-10-14", "2026-10-14",
        "2026-10-30", "2026-11-29"]
    first = table.iloc[0]
    assert first["reason"].startswith("偿债覆盖率 0.80 低于 1.00")
    assert first["client_name"] == "客户3" and first["tier"] == "C"
    assert pd.isna(first["facility_id"])
    mat = table[table["rule_id"] == "maturity_90d"].iloc[0]
    assert mat["facility_id"] == "F0" and mat["client_name"] == "客户0" and mat["value"] == 30
    assert mat["threshold"] == 0 and mat["threshold_upper"] == 90
    en = alerts(metrics, fac, P, AS_OF, "en")
    assert en.iloc[0]["reason"].startswith("DSCR 0.80 below 1.00")
    assert en.iloc[4]["reason"] == "Debt to assets 90.0% above the limit of 75%"
    assert (table["severity"] >= "high").sum() == 6


def test_alert_summary_by_rule_owner_tier(portfolio) -> None:
    metrics, fac = portfolio
    table = alerts(metrics, fac, P, AS_OF, "en")
    by_rule = alert_summary(table, "rule", "en").set_index("rule_id")
    assert by_rule.loc["dscr_below_110", ["high", "alerts", "clients"]].tolist() == [2, 2, 2]
    assert by_rule.index[0] in ("dscr_below_100", "dpd_90")
    by_owner = alert_summary(table, "owner").set_index("owner")
    # RM0: C0 (dscr, leverage, maturity), C2 (dpd_90, nps); RM1: C1 (2), C3 (1)
    assert by_owner.loc["RM0", ["critical", "high", "medium", "low", "alerts", "clients"]
                        ].tolist() == [1, 2, 1, 1, 5, 2]
    assert by_owner.loc["RM1", "alerts"] == 3
    # tier B: C1 (2 high), C2 (critical, low); C: C3 (critical); A: C0 (2 high, medium)
    by_tier = alert_summary(table, "tier")
    assert list(zip(by_tier["tier"], by_tier["alerts"], strict=True)) == [
        ("B", 4), ("C", 1), ("A", 3)]
    with pytest.raises(WarningError, match="by='segment' is not supported"):
        alert_summary(table, "segment")
    with pytest.raises(WarningError, match="needs a 'tier' column"):
        alert_summary(table.drop(columns="tier"), "tier")


def test_no_alerts_gives_an_empty_typed_table() -> None:
    table = alerts(_clients(2, dscr=[2.0, 3.0]), None, P, AS_OF)
    assert len(table) == 0 and table["severity"].dtype == SEVERITY_DTYPE
    assert table["due_date"].dtype == "datetime64[ns]"
    with pytest.raises(WarningError, match="needs as_of"):
        alerts(_clients(1, dscr=[2.0]), None, P, None)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 3, allow_nan=False), st.just(np.nan)), min_size=1,
                max_size=30), st.floats(0.5, 2))
def test_dscr_rules_partition_the_clients(values: list[float], cut: float) -> None:
    """Each client with a DSCR gets at most one DSCR alert; below 1.0 is always critical."""
    p = WarningParams().with_thresholds({"dscr_below_110": max(cut, 1.0)})
    metrics = _clients(len(values), dscr=values)
    table = alerts(metrics, None, p, AS_OF)
    dscr = table[table["metric"] == "dscr"]
    assert dscr["client_id"].is_unique
    v = np.asarray(values)
    assert set(dscr[dscr["rule_id"] == "dscr_below_100"]["client_id"]) == {
        f"C{i}" for i in np.flatnonzero(v < 1.0 - 1e-9)}


# -- metrics from the tables -----------------------------------------------------------------
def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    client = dict(industry="energy", region="east", lifecycle_stage="maintenance",
                  onboarding_date="2018-01-01")
    return {
        "clients": _t("clients", [dict(client_id="C1", client_name="甲", relationship_manager="A",
                                       **client),
                                  dict(client_id="C2", client_name="乙", relationship_manager="B",
                                       **client)]),
        "facilities": _t("facilities", [
            dict(facility_id="F1", client_id="C1", product="project_finance", amount=100,
                 outstanding=80, start_date="2020-01-01", maturity_date="2026-12-29",
                 interest_rate=0.05, status="active"),
            dict(facility_id="F2", client_id="C1", product="working_capital", amount=50,
                 start_date="2025-01-01", maturity_date="2027-01-01", interest_rate=0.04,
                 status="restructured"),
            dict(facility_id="F3", client_id="C2", product="long_term", amount=10,
                 start_date="2015-01-01", maturity_date="2026-10-01", interest_rate=0.04,
                 status="closed"),
            dict(facility_id="F4", client_id="C2", product="long_term", amount=10,
                 start_date="2026-12-01", maturity_date="2030-10-01", interest_rate=0.04,
                 status="active")]),
        "repayments": _t("repayments", [
            dict(facility_id="F1", due_date="2026-08-01", amount_due=10),  # unpaid: 60 dpd
            dict(facility_id="F1", due_date="2026-06-01", amount_due=10, paid_date="2026-06-21",
                 amount_paid=10),  # 20 days late
            dict(facility_id="F2", due_date="2026-09-01", amount_due=5, paid_date="2026-09-05",
                 amount_paid=5)]),
        "interactions": _t("interactions", [
            dict(interaction_id="I1", client_id="C1", date="2026-08-01", channel="phone",
                 type="complaint", resolved=False),                       # open: 60 days
            dict(interaction_id="I2", client_id="C1", date="2026-06-01", channel="phone",
                 type="complaint", resolved=True, resolved_date="2026-06-10"),  # closed
            dict(interaction_id="I3", client_id="C1", date="2026-09-01", channel="phone",
                 type="complaint", resolved=True, resolved_date="2026-10-15"),  # open at as_of
            dict(interaction_id="I4", client_id="C2", date="2026-01-01", channel="visit",
                 type="visit")]),
        "surveys": _t("surveys", [
            dict(client_id="C1", survey_date="2025-06-01", csat=4, nps=8),
            dict(client_id="C1", survey_date="2026-06-01", csat=2, nps=5)]),
        "projects": _t("projects", [
            dict(project_id="P1", client_id="C1", project_name="风电", planned_start="2026-01-01",
                 planned_end="2027-12-31", status="in_progress")]),
        "milestones": _t("milestones", [
            # planned 90 days, finished 30 days late: share 30 / 90
            dict(milestone_id="M1", project_id="P1", milestone_name="土建",
                 planned_start="2026-01-01", planned_end="2026-04-01", actual_end="2026-05-01",
                 status="done"),
            dict(milestone_id="M2", project_id="P1", milestone_name="安装",
                 planned_start="2026-05-01", planned_end="2026-12-31", status="in_progress")]),
    }


def test_client_metrics_computed_columns(tables) -> None:
    m = client_metrics(tables, AS_OF)
    assert m.loc["C1", "oldest_open_complaint_days"] == 60  # 2026-08-01 -> 09-30
    assert m.loc["C2", "oldest_open_complaint_days"] == 0
    assert m.loc["C1", "milestone_delay_share"] == pytest.approx(30 / 90)
    assert np.isnan(m.loc["C2", "milestone_delay_share"])
    assert m.loc["C1", "csat_change"] == -2 and m.loc["C1", "nps_change"] == -3
    no_contacts = client_metrics({k: v for k, v in tables.items() if k != "interactions"},
                                 AS_OF)
    assert no_contacts["oldest_open_complaint_days"].isna().all()


def test_client_metrics_extra_columns_and_derived_changes(tables) -> None:
    extra = pd.DataFrame({"client_id": ["C1", "C2"], "score": [60.0, 80.0],
                          "score_prev": [72.0, 79.0], "tier": ["B", "A"],
                          "tier_prev": ["A", "A"], "churn_probability": [0.7, 0.1]})
    m = client_metrics(tables, AS_OF, extra=extra)
    assert m["score_change"].tolist() == [-12.0, 1.0]
    assert m["tier_downgrade"].tolist() == [1.0, 0.0]
    table = alerts(m, None, P, AS_OF, "en")
    c1 = set(table[table["client_id"] == "C1"]["rule_id"])
    assert {"score_drop", "churn_risk", "csat_drop", "complaint_open",
            "milestone_delay_share"} <= c1
    # one alert per cause: the tier downgrade is grouped with the score drop ("rating"),
    # the NPS detractor with the CSAT drop ("satisfaction")
    assert not {"tier_downgrade", "nps_detractor"} & c1
    with pytest.raises(WarningError, match=r"several rows for client_id \['C1'\]"):
        client_metrics(tables, AS_OF, extra=pd.concat([extra, extra.iloc[:1]]))
    with pytest.raises(WarningError, match="indexed by client_id"):
        client_metrics(tables, AS_OF, extra=extra.drop(columns="client_id"))


def test_facility_metrics(tables) -> None:
    f = facility_metrics(tables, AS_OF)
    assert f.index.tolist() == ["F1", "F2"]  # F3 closed, F4 starts after as_of
    assert f.loc["F1", "days_to_maturity"] == 90
    assert f.loc["F1", "dpd_current"] == 60 and f.loc["F1", "dpd_max"] == 60
    assert f.loc["F2", "dpd_current"] == 0 and f.loc["F2", "dpd_max"] == 4
    assert f.loc["F2", "exposure"] == 50  # no outstanding: the amount
    assert f.loc["F1", "client_name"] == "甲" and f.loc["F1", "relationship_manager"] == "A"
    ev = evaluate_rules(client_metrics(tables, AS_OF), f, P)
    assert ev.fired["maturity_90d"].tolist() == [True, False]


# -- IFRS 9 staging --------------------------------------------------------------------------
def _stage_frame(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame({"client_id": pd.array([r[1] for r in rows], dtype="string"),
                         "dpd_current": [r[2] for r in rows],
                         "status": pd.array([r[3] for r in rows], dtype="string"),
                         "exposure": 100.0},
                        index=pd.Index([r[0] for r in rows], dtype="string", name="facility_id"))


def test_stage_by_days_past_due_and_status() -> None:
    fm = _stage_frame([("d29", "A", 29, "active"), ("d30", "B", 30, "active"),
                       ("d89", "C", 89, "active"), ("d90", "D", 90, "active"),
                       ("def", "E", 0, "default"), ("res", "F", 0, "restructured")])
    s = ifrs9_stages(fm, None, None, P, lang="en")
    assert s["stage"].tolist() == [1, 2, 2, 3, 3, 2]
    assert s.loc["d30", "reason_codes"] == "dpd_stage2;no_pd_now"
    assert s.loc["d90", "stage_reason"] == "90+ days past due"
    assert s.loc["def", "reason_codes"] == "status_default"
    assert s.loc["res", "reason_codes"] == "watch_status;no_pd_now"
    assert s.loc["d29", "stage_reason"].startswith("performing; no current PD: SICR by PD not "
                                                   "assessable")
    zh = ifrs9_stages(fm, None, None, P, lang="zh")
    assert zh.loc["d90", "stage_reason"] == "逾期 ≥ 90 天"


def test_sicr_ratio_and_absolute_floor() -> None:
    fm = _stage_frame([(f"F{i}", f"C{i}", 0, "active") for i in range(6)])
    now = pd.Series([0.02, 0.003, 0.15, 0.01, 0.05, 0.02], index=pd.Index(
        [f"C{i}" for i in range(6)], name="client_id"))
    orig = pd.Series([0.01, 0.001, 0.10, 0.005, np.nan, 0.0], index=now.index)
    s = ifrs9_stages(fm, now, orig, P, lang="en")
    # F0 ratio 2.0 and +1 pp: stage 2 (both edges inclusive); F1 ratio 3 but +0.2 pp < 0.5 pp;
    # F2 +5 pp but ratio 1.5; F3 ratio 2.0 and +0.5 pp exactly: stage 2; F4 no origination PD;
    # F5 origination PD 0, now 2 %: ratio infinite and +2 pp: stage 2.
    assert s["stage"].tolist() == [2, 1, 1, 2, 1, 2]
    assert s["sicr"].tolist() == [True, False, False, True, pd.NA, True]
    assert s.loc["F0", "reason_codes"] == "sicr_pd"
    assert s.loc["F4", "reason_codes"] == "performing;no_pd_origination"
    assert "no PD at origination" in s.loc["F4", "stage_reason"]
    assert s["pd_origination_source"].tolist() == ["given"] * 4 + ["none", "given"]
    assert s.loc["F0", "pd_ratio"] == pytest.approx(2.0)
    strict = ifrs9_stages(fm, now, orig, StagingParams(sicr_ratio=2.5, sicr_abs=0.001))
    assert strict["stage"].tolist() == [1, 2, 1, 1, 1, 2]


def test_obligor_default_watchlist_and_origination_column() -> None:
    fm = _stage_frame([("F1", "A", 95, "active"), ("F2", "A", 0, "active"),
                       ("F3", "B", 0, "active"), ("F4", "C", 0, "active")])
    s = ifrs9_stages(fm, params=WarningParams.model_validate(
        {"staging": {"watchlist": ["B"]}}), watchlist=["F4"], lang="en")
    assert s["stage"].tolist() == [3, 3, 2, 2]
    assert s.loc["F2", "reason_codes"] == "obligor_default"
    assert s.loc["F3", "reason_codes"].startswith("watchlist")
    alone = ifrs9_stages(fm, params=StagingParams(obligor_default=False))
    assert alone["stage"].tolist() == [3, 1, 1, 1]
    fm["pd_origination"] = [0.01, 0.01, 0.01, np.nan]
    now = pd.Series([0.5, 0.5, 0.05, 0.05], index=pd.Index(["F1", "F2", "F3", "F4"],
                                                        name="facility_id"))
    s = ifrs9_stages(fm, now, None, StagingParams(obligor_default=False))
    assert s["stage"].tolist() == [3, 2, 2, 1]
    assert s["pd_origination_source"].tolist() == ["column"] * 3 + ["none"]
    with pytest.raises(WarningError, match="fractions between 0 and 1"):
        ifrs9_stages(fm, now * 100)


def test_origination_pd_from_history() -> None:
    fm = pd.DataFrame({"client_id": ["A", "A", "B"],
                       "start_date": pd.to_datetime(["2024-06-01", "2023-01-01", "2024-06-01"])},
                      index=pd.Index(["F1", "F2", "F3"], name="facility_id"))
    hist = pd.DataFrame({"client_id": ["A", "A", "C"],
                         "as_of": pd.to_datetime(["2024-01-01", "2025-01-01", "2024-01-01"]),
                         "pd": [0.01, 0.02, 0.5]})
    o = origination_pd(fm, hist)
    assert o["pd_origination"].tolist()[:2] == [0.01, 0.01]
    assert np.isnan(o.loc["F3", "pd_origination"])
    assert o["pd_origination_source"].tolist() == ["history_at_start", "history_earliest",
                                                   "none"]
    s = ifrs9_stages(fm.assign(dpd_current=0.0, status="active"),
                     pd.Series({"A": 0.03}).rename_axis("client_id"), o)
    assert s["pd_origination_source"].tolist() == ["history_at_start", "history_earliest",
                                                   "none"]
    assert s["stage"].tolist() == [2, 2, 1]
    with pytest.raises(WarningError, match="pd_history lacks column"):
        origination_pd(fm, hist.rename(columns={"pd": "p"}))


def test_stage_summary() -> None:
    fm = _stage_frame([("F1", "A", 95, "active"), ("F2", "B", 0, "active")])
    out = stage_summary(ifrs9_stages(fm), "en")
    assert out["facilities"].tolist() == [1, 0, 1]
    assert out["share"].tolist() == [0.5, 0.0, 0.5]
    assert out.loc[3, "name"] == "Stage 3 (credit-impaired)"


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 400), st.floats(0, 400), st.floats(0, 1), st.floats(0, 1),
       st.floats(0.0001, 1))
def test_stage_never_falls_as_risk_rises(d1: float, d2: float, p1: float, p2: float,
                                         orig: float) -> None:
    lo_d, hi_d = sorted((d1, d2))
    lo_p, hi_p = sorted((p1, p2))
    fm = _stage_frame([("F1", "A", lo_d, "active"), ("F2", "B", hi_d, "active")])
    ids = pd.Index(["A", "B"], name="client_id")
    s = ifrs9_stages(fm, pd.Series([lo_p, hi_p], index=ids), pd.Series([orig, orig], index=ids))
    assert s.loc["F1", "stage"] <= s.loc["F2", "stage"]


# -- end to end on the synthetic sample ------------------------------------------------------
def test_sample_portfolio_end_to_end() -> None:
    from crmkit.sample import generate

    tables = generate(120, seed=3)
    m, f = client_metrics(tables, AS_OF), facility_metrics(tables, AS_OF)
    ev = evaluate_rules(m, f, P)
    table = alerts(m, f, P, AS_OF, "zh", evaluation=ev)
    assert len(table) == int(ev.counts().sum())
    rm = tables["clients"].set_index("client_id")["relationship_manager"]
    assert (table["owner"].to_numpy() == rm.reindex(table["client_id"]).to_numpy()).all()
    notes = rule_notes(ev, "zh")
    assert {"score_drop", "tier_downgrade", "churn_risk", "llcr_below_covenant"} <= set(
        notes[notes["kind"] == "missing_column"]["rule_id"])
    s = ifrs9_stages(f, None, None, P)
    in_default = (f["status"].eq("default") | (f["dpd_current"] >= 90)).fillna(False)
    assert (s.loc[in_default[in_default].index, "stage"] == 3).all()


def test_facility_alert_for_a_client_missing_from_the_metrics() -> None:
    metrics = _clients(1, dscr=[2.0])
    fac = pd.DataFrame({"client_id": pd.array(["CX", "C0"], dtype="string"),
                        "client_name": pd.array(["外部客户", "客户0"], dtype="string"),
                        "relationship_manager": pd.array(["RMX", "RM0"], dtype="string"),
                        "days_to_maturity": [10.0, 20.0]},
                       index=pd.Index(["FX", "F0"], dtype="string", name="facility_id"))
    table = alerts(metrics, fac, P, AS_OF, "zh")
    assert table[["client_id", "client_name", "facility_id", "owner"]].values.tolist() == [
        ["CX", "外部客户", "FX", "RMX"], ["C0", "客户0", "F0", "RM0"]]
    assert table["reason"].tolist()[0] == "业务 FX 将于 10 天后到期：提前安排续贷或再融资"


def test_tuned_thresholds_round_trip_through_the_parameters_file(tmp_path) -> None:
    from crmkit.params import update_params_file

    data = {"portfolio": "p", "as_of": "2026-09-30", "sources": {"default": {"path": "d"}}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    tuned = P.with_thresholds({"dscr_lockup": (1.15, 1.3), "dpd_30": 45})
    update_params_file(path, {"warning": tuned.yaml_section()})
    back = load_params(path).warning
    assert back.rule("dscr_lockup").threshold == (1.15, 1.3)
    assert back.rule("dpd_30").threshold == 45 and len(back.rules) == len(DEFAULT_RULES)
    assert back == tuned


def test_alert_summary_of_no_alerts_is_empty() -> None:
    empty = alerts(_clients(1, dscr=[2.0]), None, P, AS_OF)
    out = alert_summary(empty, "owner")
    assert len(out) == 0
    assert list(out.columns) == ["owner", "critical", "high", "medium", "low", "alerts",
                                 "clients", "first_due"]


# -- IFRS 9 expected credit loss -------------------------------------------------------------
def test_ecl_by_stage_on_a_hand_computed_example():
    """PD 2 %, LGD 45 % (unsecured), EAD 1,000,000, rate 5 %, exactly two years left
    (2026-09-30 to 2028-09-29 is 730 days, ACT/365):
    Stage 1: 0.02 x 0.45 x 1e6 / 1.05^0.5                                   = 8,783.10
    Stage 2: 0.45 x 1e6 x [0.02 / 1.05^0.5 + (0.98 - 0.98^2) x 0.5 / 1.05^1.5] = 12,881.88
    Stage 3: 0.45 x 1e6                                                      = 450,000
    A working-capital line (limit 2e6, drawn 1e6, CCF 40 %, mortgage LGD 35 %, PD 1 %,
    rate 4 %, Stage 1): EAD 1.4e6, ECL = 0.01 x 0.35 x 1.4e6 / 1.04^0.5       = 4,804.85
    """
    from crmkit.warn.ecl import ecl_summary, expected_credit_loss

    fac = pd.DataFrame({
        "facility_id": ["F1", "F2", "F3", "F4"], "client_id": ["A", "B", "C", "D"],
        "product": ["long_term", "long_term", "long_term", "working_capital"],
        "amount": [1e6, 1e6, 1e6, 2e6], "outstanding": [1e6, 1e6, 1e6, 1e6],
        "maturity_date": pd.to_datetime(["2028-09-29"] * 4),
        "interest_rate": [0.05, 0.05, 0.05, 0.04],
        "collateral_type": ["unsecured", "unsecured", "unsecured", "mortgage"]})
    stages = pd.DataFrame({"client_id": ["A", "B", "C", "D"], "stage": [1, 2, 3, 1]},
                          index=pd.Index(["F1", "F2", "F3", "F4"], name="facility_id"))
    pd12 = pd.Series({"A": 0.02, "B": 0.02, "C": 0.02, "D": 0.01})
    e = expected_credit_loss(stages, fac, pd12, dt.date(2026, 9, 30))
    assert e.loc["F1", "ecl"] == pytest.approx(0.02 * 0.45 * 1e6 / 1.05 ** 0.5)
    assert e.loc["F1", "ecl"] == pytest.approx(8783.10, abs=0.01)
    assert e.loc["F2", "ecl"] == pytest.approx(12881.88, abs=0.01)
    assert e.loc["F3", "ecl"] == pytest.approx(450000.0)
    assert e.loc["F4", "ead"] == pytest.approx(1.4e6)
    assert e.loc["F4", "ecl"] == pytest.approx(4804.85, abs=0.01)
    assert e.loc["F2", "pd_lifetime"] == pytest.approx(1 - 0.98 ** 2)
    s = ecl_summary(e)
    assert s.loc["total", "ecl"] == pytest.approx(e["ecl"].sum())
    assert s.loc["2", "coverage"] == pytest.approx(12881.88 / 1e6, abs=1e-6)
    by_tier = ecl_summary(e, pd.Series({"A": "A", "B": "A", "C": "C"}, name="tier"))
    assert by_tier.loc["A", "facilities"] == 2 and by_tier.loc["unknown", "clients"] == 1


@given(st.floats(0.0005, 0.5), st.floats(0.3, 20), st.floats(0, 0.1))
@settings(max_examples=80, deadline=None)
def test_lifetime_ecl_at_least_12_month_and_at_most_lgd_x_ead(pd12, years, rate):
    from crmkit.warn.ecl import _lifetime_factor, lifetime_pd

    f = _lifetime_factor(np.array([pd12]), np.array([years]), np.array([rate]), 25)[0]
    one_year = lifetime_pd(np.array([pd12]), np.array([min(years, 1.0)]))[0] / (1 + rate) ** 0.5
    assert one_year - 1e-12 <= f <= 1.0


# -- alerts people will read ------------------------------------------------------------------
def _alerts(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    from crmkit.warn.alerting import SEVERITY_DTYPE

    df = pd.DataFrame(rows, columns=["client_id", "rule_id", "severity", "owner"])
    df["severity"] = df["severity"].astype(SEVERITY_DTYPE)
    return df


def test_alerts_deduplicated_per_client_and_cause():
    from crmkit.warn.triage import dedupe_alerts

    a = _alerts([("A", "dscr_below_100", "critical", "王"), ("A", "maturity_90d", "medium", "王"),
                 ("A", "maturity_90d", "medium", "王"), ("A", "maturity_90d", "medium", "王"),
                 ("B", "maturity_90d", "medium", "李"), ("A", "dscr_lockup", "medium", "王")])
    d = dedupe_alerts(a)
    assert d[["client_id", "rule_id"]].values.tolist() == [
        ["A", "dscr_below_100"], ["A", "maturity_90d"], ["B", "maturity_90d"]]
    assert d["occurrences"].tolist() == [2, 3, 1]  # dscr group: breach + lock-up band
    assert d["cause"].tolist() == ["dscr", "maturity_90d", "maturity_90d"]
    assert d["occurrences"].sum() == len(a)  # nothing lost: every alert is counted


def test_worklist_ranks_by_severity_then_exposure_and_counts_the_rest():
    from crmkit.warn.triage import rank_alerts, worklist

    a = _alerts([("small", "dpd_90", "critical", "王"), ("big", "leverage_high", "high", "王"),
                 ("mid", "leverage_high", "high", "王"), ("x", "nps_detractor", "low", "李")])
    r = rank_alerts(a, pd.Series({"small": 1e6, "big": 9e9, "mid": 5e8, "x": 1.0}))
    assert r["client_id"].tolist() == ["small", "big", "mid", "x"]
    shown, counts = worklist(r, top_n=2)
    assert shown["client_id"].tolist() == ["small", "big", "x"]
    assert counts.loc["王"].tolist() == [2, 3] and counts.loc["李"].tolist() == [1, 1]
