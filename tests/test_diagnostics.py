"""Diagnose stage: relationship metrics, strategies, diagnostic table, client cards, masking."""

from __future__ import annotations

import datetime as dt
import importlib.util

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import crmkit.diagnose as D
from crmkit.core.errors import DiagnoseError
from crmkit.core.masking import mask_frame, mask_id, mask_name
from crmkit.diagnose import (
    client_card,
    client_cards,
    client_cards_html,
    load_strategies,
    match_strategies,
)
from crmkit.diagnose.strategies import (
    DEFAULT_STRATEGY_FILE,
    risk_band,
    satisfaction_band,
    validate_strategies,
    value_band,
)
from crmkit.params.diagnose import BandParams, DiagnoseParams, MetricsParams

AS_OF = dt.date(2026, 9, 30)
S = "string"


def _ts(*dates: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(dates)), dtype="datetime64[ns]")


# -- CSAT and NPS --------------------------------------------------------------------------
@pytest.fixture
def surveys() -> pd.DataFrame:
    # 10 clients, one answer each (2026-06-01)
    return pd.DataFrame({
        "client_id": pd.array([f"c{i}" for i in range(10)], dtype=S),
        "survey_date": _ts(*["2026-06-01"] * 10),
        "csat": pd.array([5, 4, 3, 2, 1, 5, 4, 4, 3, 5], dtype="Int64"),
        "nps": pd.array([10, 9, 9, 8, 7, 6, 5, 10, 10, 0], dtype="Int64"),
    })


def test_csat_share_and_mean(surveys):
    out = D.csat(surveys)
    # rated 4-5: 5,4,5,4,4,5 -> 6 of 10; mean 36 / 10
    assert out.loc["all", "answers"] == 10 and out.loc["all", "satisfied"] == 6
    assert out.loc["all", "csat_share"] == pytest.approx(0.6)
    assert out.loc["all", "csat_mean"] == pytest.approx(3.6)


def test_nps_ten_answers(surveys):
    out = D.nps(surveys).loc["all"]
    # promoters 10,9,9,10,10 = 5; passives 8,7 = 2; detractors 6,5,0 = 3 -> 100*(5-3)/10 = 20
    assert (out["promoters"], out["passives"], out["detractors"]) == (5, 2, 3)
    assert out["nps"] == pytest.approx(20.0)


def test_nps_uses_each_clients_latest_answer(surveys):
    older = pd.DataFrame({"client_id": pd.array(["c9"], dtype=S),
                          "survey_date": _ts("2024-01-01"), "csat": pd.array([1], dtype="Int64"),
                          "nps": pd.array([10], dtype="Int64")})
    s = pd.concat([surveys, older], ignore_index=True)
    assert D.nps(s).loc["all", "nps"] == pytest.approx(20.0)  # c9's latest is still 0
    per = D.nps(s, by="client_id")
    assert per.loc["c0", "nps"] == 100 and per.loc["c9", "nps"] == -100
    assert per.loc["c3", "nps"] == 0  # a passive
    # CSAT counts every answer (11 now); latest=True only the latest per client (10)
    assert D.csat(s).loc["all", "answers"] == 11
    assert D.csat(s, latest=True).loc["all", "answers"] == 10


def test_nps_by_segment_keeps_empty_groups(surveys):
    seg = pd.Series({"c0": "x", "c1": "x", "c5": "y", "zz": "empty"}, name="segment")
    out = D.nps(surveys, by=seg)
    assert out.index.name == "segment"
    assert out.loc["x", "nps"] == 100 and out.loc["y", "nps"] == -100
    assert out.loc["empty", "respondents"] == 0 and np.isnan(out.loc["empty", "nps"])
    assert "c2" not in out.index  # clients outside the mapping are left out


def test_as_of_and_window(surveys):
    later = surveys.assign(survey_date=_ts(*["2026-10-15"] * 10))
    assert D.csat(later, as_of=AS_OF).loc["all", "answers"] == 0
    p = DiagnoseParams(metrics={"window_months": 2})  # (2026-07-30, 2026-09-30]
    assert D.csat(surveys, as_of=AS_OF, params=p).loc["all", "answers"] == 0
    assert D.csat(surveys, as_of=AS_OF).loc["all", "answers"] == 10


def test_empty_and_bad_inputs(surveys):
    assert np.isnan(D.nps(None).loc["all", "nps"])
    with pytest.raises(DiagnoseError, match=r"surveys table lacks column\(s\) \['nps'\]"):
        D.nps(surveys.drop(columns="nps"))
    with pytest.raises(DiagnoseError, match="by='segment' is not a column"):
        D.csat(surveys, by="segment")


# -- needs, complaints, retention, top share ---------------------------------------------
def test_needs_fulfilment():
    needs = pd.DataFrame({"client_id": pd.array(["a", "a", "b", "b"], dtype=S),
                          "request_date": _ts("2026-01-01", "2026-02-01", "2026-03-01",
                                              "2026-04-01"),
                          "fulfilled": pd.array([True, False, True, pd.NA], dtype="boolean")})
    out = D.needs_fulfilment(needs)
    # the blank status is left out: 2 of 3
    assert (out.loc["all", "needs"], out.loc["all", "fulfilled"]) == (3, 2)
    assert out.loc["all", "fulfilment_rate"] == pytest.approx(2 / 3)
    per = D.needs_fulfilment(needs, by="client_id")
    assert per["fulfilment_rate"].tolist() == [0.5, 1.0]


def test_complaint_resolution_days():
    it = pd.DataFrame({
        "client_id": pd.array(["a"] * 6, dtype=S),
        "date": _ts("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-09-01",
                    "2026-05-01"),
        "type": pd.array(["complaint"] * 5 + ["visit"], dtype=S),
        "resolved": pd.array([True, pd.NA, True, False, True, True], dtype="boolean"),
        "resolved_date": _ts("2026-01-11", "2026-02-05", "2026-03-31", None, "2026-10-05",
                             "2026-05-02"),
    })
    out = D.complaint_resolution(it, AS_OF).loc["all"]
    # resolved: 10 days, 4 days (flag blank, dated), 30 days; open: flagged false, and one
    # resolved only after as_of; the visit is not a complaint
    assert (out["complaints"], out["resolved"], out["unresolved"]) == (5, 3, 2)
    assert out["mean_days"] == pytest.approx(44 / 3)
    assert out["median_days"] == pytest.approx(10.0)


@pytest.fixture
def retention_tables() -> dict[str, pd.DataFrame]:
    clients = pd.DataFrame({
        "client_id": pd.array(["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"], dtype=S),
        "onboarding_date": _ts("2020-03-01", "2020-06-01", "2020-09-01", "2021-01-01",
                               "2021-05-01", "2027-01-01", "2021-07-01", "2021-08-01"),
    })
    facilities = pd.DataFrame({
        "facility_id": pd.array(["F1", "F2", "F3", "F4", "F5"], dtype=S),
        "client_id": pd.array(["k1", "k2", "k3", "k4", "k5"], dtype=S),
        "status": pd.array(["active", "closed", "closed", "closed", "active"], dtype=S),
        "start_date": _ts("2020-03-01", "2020-06-01", "2020-09-01", "2021-01-01", "2027-01-01"),
    })
    return {
        "clients": clients, "facilities": facilities,
        "repayments": pd.DataFrame({"facility_id": pd.array(["F4", "F3"], dtype=S),
                                    "paid_date": _ts("2026-02-01", "2025-01-01")}),
        "interactions": pd.DataFrame({"client_id": pd.array(["k2", "k3"], dtype=S),
                                      "date": _ts("2026-05-01", "2025-06-01"),
                                      "type": pd.array(["visit", "call"], dtype=S)}),
        "surveys": pd.DataFrame({"client_id": pd.array(["k7"], dtype=S),
                                 "survey_date": _ts("2026-09-30")}),
        "needs": pd.DataFrame({"client_id": pd.array(["k8"], dtype=S),
                               "request_date": _ts("2025-09-30"),
                               "fulfilled": pd.array([True], dtype="boolean")}),
    }


def test_retention_by_cohort(retention_tables):
    out = D.retention_by_cohort(retention_tables, AS_OF)
    # 2020: k1 (active facility), k2 (interaction in window) retained; k3 (old only) not
    # 2021: k4 (instalment paid in window), k7 (survey on as_of) retained; k5 (facility not
    # started yet), k8 (need exactly 12 months before: outside (as_of-12m, as_of]) not
    # k6 onboarded after as_of: left out
    assert out.index.tolist() == [2020, 2021]
    assert out.loc[2020, ["clients", "retained"]].tolist() == [3, 2]
    assert out.loc[2021, ["clients", "retained"]].tolist() == [4, 2]
    assert out["retention_rate"].tolist() == pytest.approx([2 / 3, 0.5])
    r = D.retained(retention_tables, AS_OF)
    assert r[r].index.tolist() == ["k1", "k2", "k4", "k7"]


def test_retention_by_group(retention_tables):
    seg = pd.Series({"k1": "x", "k2": "x", "k3": "y", "k4": "y"}, name="segment")
    out = D.retention_by_cohort(retention_tables, AS_OF, by=seg)
    assert out.index.names == ["segment", "cohort"]
    assert out.loc[("x", 2020), "retention_rate"] == 1.0
    assert out.loc[("y", 2020), "retention_rate"] == 0.0
    assert out.loc[("y", 2021), "retention_rate"] == 1.0


def test_retention_needs_onboarding_date(retention_tables):
    t = dict(retention_tables, clients=retention_tables["clients"][["client_id"]])
    with pytest.raises(DiagnoseError, match="onboarding_date"):
        D.retention_by_cohort(t, AS_OF)


def test_top_share_by_hand():
    v = [50, 20, 10, 10, 5, 5, 0, 0, 0, 0]
    assert D.top_share(v, 0.2) == pytest.approx(0.7)  # (50 + 20) / 100
    assert D.top_share(v, 0.25) == pytest.approx(0.75)  # halfway between 2 (.7) and 3 (.8)
    # NaN excluded, negatives count as 0: top 1 of [90, 10, 0(-5), 0] -> 0.9 at share 0.25
    assert D.top_share([90, 10, -5, np.nan, 0], 0.25) == pytest.approx(0.9)
    assert np.isnan(D.top_share([0, 0, -1]))
    with pytest.raises(DiagnoseError, match="share=0 must be in"):
        D.top_share(v, 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=40), st.floats(0.01, 1.0))
def test_top_share_is_a_share_at_least_proportional(values, share):
    out = D.top_share(values, share)
    if sum(values) > 0:
        assert share - 1e-9 <= out <= 1 + 1e-9


def test_portfolio_kpis(retention_tables, surveys):
    t = dict(retention_tables, surveys=surveys)
    feats = pd.DataFrame({"exposure": [100.0, 300.0], "income": [80.0, 20.0]})
    k = D.portfolio_kpis(t, AS_OF, features=feats, clv=pd.Series([1.0, 2.0]),
                         alerts=pd.DataFrame({"client_id": ["k1", "k1", "k2"],
                                              "severity": ["high"] * 3}))
    assert k["clients"] == 8 and k["exposure"] == 400 and k["nps"] == pytest.approx(20)
    # the surveys replaced k7's: k1, k2, k4 retained of the 7 onboarded by as_of
    assert k["retention_rate"] == pytest.approx(3 / 7)
    # top 20 % of 2 clients, on the curve (0, 0) -> (0.5, 0.8): 0.2 / 0.5 x 0.8 = 0.32
    assert k["top_share"] == pytest.approx(0.32)
    assert (k["open_alerts"], k["clients_with_alerts"], k["clv_total"]) == (3, 2, 3)
    assert k["needs_fulfilment"] == 1.0 and k["complaints"] == 0
    table = D.kpi_table(k, "en")
    assert table.columns.tolist() == ["Indicator", "Value"]
    assert "Contribution of the top 20% of clients" in table["Indicator"].tolist()


# -- strategies ----------------------------------------------------------------------------
def _rules(*rows: dict) -> pd.DataFrame:
    base = {"kind": "service", "strategy_zh": "中文", "strategy_en": "English"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_bundled_strategy_table_is_valid():
    t = load_strategies()
    assert len(t) >= 8 and t["priority"].is_monotonic_increasing
    assert {"exclusive_service", "low_cost_maintenance", "risk_mitigation",
            "deepen_cross_sell"} <= set(t["id"])
    assert DEFAULT_STRATEGY_FILE.name == "strategies.csv"


def test_first_match_by_priority_and_default():
    table = validate_strategies(_rules(
        {"id": "late", "priority": "50", "value_band": "high"},
        {"id": "early", "priority": "10", "value_band": "high", "satisfaction_band": "low"},
        {"id": "tie_first", "priority": "30", "churn_band": "high|medium"},
        {"id": "tie_second", "priority": "30", "churn_band": "high"},
    ))
    frame = pd.DataFrame({
        "value_band": ["high", "high", "low", "low", pd.NA],
        "satisfaction_band": ["low", "high", "low", "low", "low"],
        "churn_band": ["low", "low", "high", "low", "medium"],
    }, index=["a", "b", "c", "d", "e"])
    out = match_strategies(frame, table)
    # a: both 'early' (10) and 'late' (50) match -> early; b: only late; c: the two ties ->
    # the one higher in the file; d: nothing -> default; e: missing value band, churn medium
    assert out["strategy_id"].tolist() == ["early", "late", "tie_first", "default", "tie_first"]
    assert out.loc["d", "strategy_en"] == DiagnoseParams().strategies.default_en
    assert pd.isna(out.loc["d", "strategy_priority"])


def test_rule_on_a_column_the_frame_lacks_never_matches():
    table = validate_strategies(_rules({"id": "seg", "priority": "1", "segment": "high_weak"}))
    out = match_strategies(pd.DataFrame({"value_band": ["high"]}), table)
    assert out["strategy_id"].tolist() == ["default"]


def test_segment_tier_and_chinese_band_values():
    table = validate_strategies(_rules(
        {"id": "s", "priority": "1", "segment": "high_weak", "tier": "a"},
        {"id": "v", "priority": "2", "value_band": "高"},
    ))
    assert table.loc[0, "tier"] == frozenset({"A"})
    frame = pd.DataFrame({"segment": ["high_weak", "high_weak"], "tier": ["A", "B"],
                          "value_band": ["low", "high"]})
    assert match_strategies(frame, table)["strategy_id"].tolist() == ["s", "v"]


def test_strategy_file_errors_name_file_and_row(tmp_path):
    path = tmp_path / "my_strategies.csv"
    path.write_text(
        "id,priority,kind,value_band,risk_band,strategy_zh,strategy_en\n"
        "ok,1,service,high,,保持,Keep\n"
        "bad,2,growth,huge,,扩大,Grow\n"
        "ok,x,value,,,,Twice\n", encoding="utf-8")
    with pytest.raises(DiagnoseError) as err:
        load_strategies(path)
    msg = str(err.value)
    assert "my_strategies.csv: 5 problems" in msg
    assert "row 3 (id 'bad'): kind 'growth' is not one of workout | risk | service | value" in msg
    assert "row 3 (id 'bad'): column 'value_band' has 'huge'; use high | medium | low" in msg
    assert "row 4 (id 'ok'): id 'ok' already used on row 2" in msg
    assert "row 4 (id 'ok'): priority 'x' is not a whole number" in msg
    assert "row 4 (id 'ok'): strategy_zh is empty" in msg


def test_strategy_file_unknown_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,priority,valeu_band,strategy_zh,strategy_en\na,1,high,甲,A\n",
                    encoding="utf-8")
    with pytest.raises(DiagnoseError, match=r"s\.csv: unknown column\(s\) \['valeu_band'\]"):
        load_strategies(path)
    with pytest.raises(DiagnoseError, match="strategy table not found"):
        load_strategies(tmp_path / "none.csv")


def test_strategy_file_in_gbk(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,priority,kind,value_band,strategy_zh,strategy_en\n"
                     "v,1,service,高,专属服务方案,Exclusive\n".encode("gbk"))
    assert load_strategies(path).loc[0, "strategy_zh"] == "专属服务方案"


# -- bands ---------------------------------------------------------------------------------
def test_value_band_terciles():
    v = pd.Series([1.0, 2, 3, 4, 5, 6, np.nan])
    # rank shares 1/6 .. 6/6: <= 1/3 low, <= 2/3 medium, else high
    assert value_band(v).tolist() == ["low", "low", "medium", "medium", "high", "high",
                                      "unknown"]
    assert set(value_band(pd.Series([5.0] * 4))) == {"medium"}  # ties share a band


def test_satisfaction_and_risk_bands():
    idx = pd.Index(["a", "b", "c", "d"])
    cls = pd.Series(["promoter", pd.NA, "detractor", pd.NA], index=idx, dtype=S)
    csat_ = pd.Series([1.0, 4.0, 5.0, np.nan], index=idx)
    assert satisfaction_band(cls, csat_).tolist() == ["high", "high", "low", "unknown"]
    b = BandParams(satisfaction_basis=["csat", "nps"])
    assert satisfaction_band(cls, csat_, b).tolist() == ["low", "high", "high", "unknown"]
    pd_ = pd.Series([0.01, 0.05, 0.5, np.nan], index=idx)
    assert risk_band(pd_).tolist() == ["low", "medium", "high", "unknown"]
    lvl = pd.Series(["high", "unknown", pd.NA, "low"], index=idx, dtype=S)
    assert risk_band(pd_, lvl).tolist() == ["high", "medium", "high", "low"]


def test_band_params_validation():
    with pytest.raises(ValidationError, match="churn_medium_min < churn_high_min"):
        BandParams(churn_medium_min=0.6, churn_high_min=0.5)
    with pytest.raises(ValidationError, match="nps_detractor_max < nps_promoter_min"):
        MetricsParams(nps_detractor_max=9)
    with pytest.raises(ValidationError, match="unknown status"):
        MetricsParams(retention_statuses=["open"])


# -- the diagnostic table -----------------------------------------------------------------
@pytest.fixture
def features() -> pd.DataFrame:
    idx = pd.Index(["a", "b", "c", "d"], dtype=S, name="client_id")
    return pd.DataFrame({
        "client_name": pd.array(["甲公司", "<script>alert(1)</script>", "丙公司", "丁公司"],
                                dtype=S),
        "relationship_manager": pd.array(["王芳", "李雷", "王芳", pd.NA], dtype=S),
        "industry": pd.array(["energy", "mining", "retail", "energy"], dtype=S),
        "lifecycle_stage": pd.array(["execution"] * 4, dtype=S),
        "exposure": [900.0, 50.0, 300.0, 0.0],
        "income": [90.0, 5.0, 30.0, 0.0],
        "csat_latest": [2.0, 5.0, 4.0, np.nan],
        "nps_latest": [3.0, 10.0, 8.0, np.nan],
        "nps_class": pd.array(["detractor", "promoter", "passive", pd.NA], dtype=S),
        "needs_fulfilled_share": [0.5, 1.0, np.nan, np.nan],
    }, index=idx)


def test_diagnostic_table_full(features):
    scores = pd.DataFrame({"contribution": [90.0, 20, 50, 10], "credit": [70.0, 80, 60, 40],
                           "total": [80.0, 50, 55, 25], "missing": [0, 0, 1, 2]},
                          index=features.index)
    alerts = pd.DataFrame({"client_id": ["a", "a", "c"], "severity": ["low", "critical", "medium"],
                           "message": ["m1", "m2", "m3"]})
    diag = D.diagnostic_table(
        features, scores=scores, tiers=pd.Series({"a": "A", "b": "C", "c": "B", "d": "C"}),
        pd_=pd.DataFrame({"pd": [0.01, 0.2, 0.05, np.nan], "grade": ["A", "CCC", "BB", None]},
                         index=["a", "b", "c", "d"]),
        alerts=alerts, churn=pd.Series({"a": 0.1, "b": 0.6, "c": 0.3}),
        clv=pd.Series({"a": 1000.0, "b": 10.0, "c": 200.0, "d": 0.0}))
    assert diag.index.tolist() == ["a", "b", "c", "d"] and diag.index.name == "client_id"
    assert ["score_contribution", "score_credit", "score"] == [
        c for c in diag.columns if c.startswith("score")]
    assert diag.loc["a", "open_alerts"] == 2 and diag.loc["d", "open_alerts"] == 0
    assert diag.loc["a", "worst_severity"] == "critical"
    assert pd.isna(diag.loc["b", "worst_severity"])
    assert diag.loc["b", "clv_at_risk"] == pytest.approx(6.0)
    assert diag.loc["b", "grade"] == "CCC"
    # value terciles of clv (1000, 10, 200, 0): shares .25 .5 .75 1 -> d low, b medium, ...
    assert diag["value_band"].tolist() == ["high", "medium", "high", "low"]
    assert diag["satisfaction_band"].tolist() == ["low", "high", "medium", "unknown"]
    # risk before value: a's open critical alert puts it on the watch list (risk band high);
    # b (PD 20 %) and c (PD 5 %, an open medium alert) are elevated: PD >= 3 %
    assert diag["risk_status"].astype(str).tolist() == ["watch", "elevated", "elevated",
                                                        "normal"]
    assert diag["risk_band"].tolist() == ["high", "high", "medium", "unknown"]
    assert diag["churn_band"].tolist() == ["low", "high", "medium", "unknown"]
    # a: watch, high value -> restructuring review (not the exclusive service its low
    # satisfaction would get); b: high risk -> intensify monitoring; c: high value and
    # satisfied but elevated -> no cross-sell: the default strategy
    assert diag["strategy_id"].tolist()[:3] == ["restructure_review", "intensify_monitoring",
                                                "default"]
    assert diag["strategy_kind"].tolist()[:2] == ["risk", "risk"]
    summary = D.segment_summary(diag, by="tier")
    assert summary.loc["C", "clients"] == 2 and summary.loc["A", "open_alerts"] == 2
    # C: b promoter (+100), d no answer -> NPS 100; exposure 50 + 0
    assert summary.loc["C", "nps"] == 100 and summary.loc["C", "exposure"] == 50
    nxt = D.next_actions(diag, n=3)
    # critical (a), then medium (c), then no alert: largest CLV at risk (b: 6 vs d: NaN)
    assert nxt.index.tolist() == ["a", "c", "b"] and nxt["rank"].tolist() == [1, 2, 3]
    assert nxt.loc["a", "owner"] == "王芳"
    nxt2 = D.next_actions(diag, alerts=alerts, n=1)
    assert nxt2.loc["a", "alert"] == "m2"


def test_diagnostic_table_with_missing_inputs(features):
    diag = D.diagnostic_table(features)
    assert len(diag) == 4
    for col in ("tier", "segment", "pd", "grade", "clv", "churn_probability", "score"):
        assert diag[col].isna().all(), col
    assert diag["open_alerts"].isna().all()  # alerts not given: unknown, not 0
    assert set(diag["risk_band"]) == {"unknown"} and set(diag["churn_band"]) == {"unknown"}
    # value falls back to income (clv all missing)
    assert diag.loc["a", "value_band"] == "high"
    assert diag["strategy_id"].notna().all()
    # nothing at all but a PD series: index from it, identity NA
    only = D.diagnostic_table(pd_=pd.Series({"x": 0.3, "y": 0.01}))
    assert only.index.tolist() == ["x", "y"] and only["client_name"].isna().all()
    assert only["risk_band"].tolist() == ["high", "low"]
    empty = D.diagnostic_table()
    assert len(empty) == 0 and "strategy_id" in empty.columns
    D.segment_summary(diag)  # segment all NA -> one 'unknown' group, no crash
    assert D.segment_summary(diag).index.tolist() == ["unknown"]


def test_diagnostic_table_input_errors(features):
    with pytest.raises(DiagnoseError, match="several rows for client"):
        D.diagnostic_table(features, churn=pd.Series([0.1, 0.2], index=["a", "a"]))
    with pytest.raises(DiagnoseError, match=r"unknown severity \['red'\]"):
        D.diagnostic_table(features, alerts=pd.DataFrame({"client_id": ["a"],
                                                          "severity": ["red"]}))


def test_ordered_categorical_severity_overrides_params():
    sev = pd.Categorical(["amber", "red", "amber"], categories=["amber", "red"], ordered=True)
    out = D.alert_summary(pd.DataFrame({"client_id": ["a", "a", "b"], "severity": sev}))
    assert out.loc["a", "worst_severity"] == "red" and out.loc["a", "open_alerts"] == 2


def test_display_bilingual(features):
    diag = D.diagnostic_table(features, tiers=pd.Series({"a": "A"}))
    zh, en = D.display(diag, "zh"), D.display(diag, "en")
    assert zh.columns[0] == "客户编号" and en.columns[0] == "Client ID"
    assert "建议策略" in zh.columns and "Recommended strategy" in en.columns
    assert "strategy_zh" not in en.columns and "Value band" in en.columns
    assert en.loc[0, "Tier"] == "Core clients" and en.loc[0, "Industry"] == "Energy & power"
    assert zh.loc[0, "价值档"] == "高价值"
    with pytest.raises(Exception, match="lang='fr'"):
        D.display(diag, "fr")


# -- client cards and masking --------------------------------------------------------------
def test_masking_helpers():
    names = pd.Series(["张三丰", "李四", "王", pd.NA, " Li Lei "], dtype=S)
    assert mask_name(names).tolist()[:3] == ["张**", "李*", "*"]
    assert pd.isna(mask_name(names)[3]) and mask_name(names)[4] == "L*****"
    assert mask_name("欧阳娜娜") == "欧***" and mask_name(None) is None
    assert mask_id("91310000MA1FL4X12K") == "9131**********X12K"
    assert mask_id(pd.Series(["110101199003071234", "12345678", None])).tolist()[:2] == [
        "1101**********1234", "********"]
    assert mask_id(mask_id("91310000MA1FL4X12K")) == "9131**********X12K"  # idempotent
    masked = mask_frame(pd.DataFrame({"legal_rep": ["张三"], "credit_code": ["ABCDEFGHIJ"]}))
    assert masked.iloc[0].tolist() == ["张*", "ABCD**GHIJ"]


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_mask_id_keeps_length_and_hides_the_middle(s):
    out = mask_id(s.strip())
    assert len(out) == len(s.strip())
    if len(s.strip()) > 8:
        assert out[4:-4] == "*" * (len(s.strip()) - 8)


def test_card_escapes_and_masks(features):
    clients = pd.DataFrame({"client_id": ["a", "b"], "legal_rep": ["张三丰", "<b>李雷</b>"],
                            "credit_code": ["91310000MA1FL4X12K", "91310000MA1FL4X99Z"]})
    alerts = pd.DataFrame({"client_id": ["b", "b"], "severity": ["low", "high"],
                           "message": ["<img src=x onerror=alert(2)>", "DPD > 30"]})
    drivers = pd.DataFrame({"client_id": ["b", "b"], "kind": ["lift", "drag"], "rank": [1, 1],
                            "dimension": ["credit", "contribution"], "effect": [5.0, -3.0],
                            "label_zh": ["信用状况", "业务贡献"], "label_en": ["Credit", "Contrib"]})
    diag = D.diagnostic_table(features, alerts=alerts)
    card = client_card("b", diag, clients=clients, drivers=drivers, alerts=alerts,
                       actions=pd.DataFrame({"client_id": ["b"], "action": ["<i>call</i>"]}),
                       as_of=AS_OF)
    assert card["client_name"] == "<script>alert(1)</script>"
    assert [a["severity"] for a in card["alerts"]] == ["high", "low"]  # worst first
    assert card["score"]["lifts"][0]["dimension"] == "credit"
    assert card["strategy"]["id"] == diag.loc["b", "strategy_id"]
    for lang in ("zh", "en"):
        page = client_cards_html([card], lang, mask_pii=True)
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img" not in page and "<b>" not in page and "<i>" not in page
        assert "&lt;b&gt;***" not in page and "&lt;****" in page  # masked after escaping
        assert "91310000MA1FL4X99Z" not in page and "9131**********X99Z" in page
        assert "page-break-after: always" in page
    plain = client_cards_html(card, "en", embed_font=False)
    assert "&lt;b&gt;李雷&lt;/b&gt;" in plain and "@font-face" not in plain


def test_cards_top_n_and_ids(features):
    diag = D.diagnostic_table(features)
    cards = client_cards(diag, top_n=2, rank_by="exposure")
    assert [c["client_id"] for c in cards] == ["a", "c"]
    assert len(client_cards(diag, top_n=None)) == 4
    assert [c["client_id"] for c in client_cards(diag, ids=["d"])] == ["d"]
    page = client_cards_html(client_cards(diag, top_n=None), "zh")
    assert page.count('<section class="card">') == 4
    with pytest.raises(DiagnoseError, match=r"client\(s\) \['zz'\] not in"):
        client_cards(diag, ids=["zz"])
    with pytest.raises(DiagnoseError, match="'zz' is not in the diagnostic table"):
        client_card("zz", diag)


# -- the sample portfolio ------------------------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("crmkit.sample.portfolio") is None,
                    reason="sample generator not available")
def test_sample_portfolio_one_row_per_client():
    from crmkit.diagnose import risk_adjusted_clv
    from crmkit.sample import generate
    from crmkit.score import client_features

    tables = generate(300)
    feats = client_features(tables, AS_OF)
    rng = np.random.default_rng(7)
    pd_ = pd.Series(rng.uniform(0.001, 0.1, len(feats)), index=feats.index)
    churn = pd.Series(rng.uniform(0, 0.6, len(feats)), index=feats.index)
    clv = risk_adjusted_clv(tables["facilities"], pd_, churn, as_of=AS_OF, index=feats.index)
    alerts = pd.DataFrame({"client_id": feats.index[:30], "severity": ["high", "low"] * 15})
    diag = D.diagnostic_table(feats, pd_=pd_, churn=churn, clv=clv, alerts=alerts)
    assert len(diag) == len(tables["clients"]) == 300
    assert diag.index.is_unique and set(diag.index) == set(tables["clients"]["client_id"])
    assert diag["strategy_id"].notna().all() and diag["clv"].notna().all()
    assert set(diag["value_band"]) == {"high", "medium", "low"}
    k = D.portfolio_kpis(tables, AS_OF, features=feats, clv=clv, alerts=alerts)
    for code in ("csat_share", "nps", "retention_rate", "needs_fulfilment",
                 "resolution_days_mean", "top_share"):
        assert np.isfinite(k[code]), code
    assert -100 <= k["nps"] <= 100 and 0 <= k["retention_rate"] <= 1
    ret = D.retention_by_cohort(tables, AS_OF)
    assert ret["clients"].sum() == (tables["clients"]["onboarding_date"] <= pd.Timestamp(AS_OF)
                                    ).sum()
    assert len(D.next_actions(diag)) == 20
    html = client_cards_html(client_cards(diag, clients=tables["clients"], top_n=3), "zh",
                             mask_pii=True)
    assert html.count('<section class="card">') == 3


# -- parameters and charts -----------------------------------------------------------------
def test_diagnose_section_rejects_unknown_keys():
    with pytest.raises(ValidationError, match="extra_forbidden|Extra inputs"):
        DiagnoseParams.model_validate({"clv": {"retension": 0.9}})
    p = DiagnoseParams.model_validate({"clv": {"retention": 0.8, "horizon_years": 10},
                                       "strategies": {"file": "mine.csv"}})
    assert p.clv.retention == 0.8 and str(p.strategies.file) == "mine.csv"


def test_strategy_path_is_relative_to_the_parameters_file(tmp_path):
    from types import SimpleNamespace

    from crmkit.diagnose import strategy_path

    p = SimpleNamespace(diagnose=DiagnoseParams(strategies={"file": "s.csv"}),
                        source_file=tmp_path / "portfolio.yaml")
    assert strategy_path(p) == tmp_path / "s.csv"
    assert strategy_path(DiagnoseParams()) == DEFAULT_STRATEGY_FILE


@pytest.mark.parametrize("lang, title", [("zh", "按客户层级的客户满意度"),
                                         ("en", "Satisfaction by tier")])
def test_charts_render(features, retention_tables, lang, title):
    from crmkit.diagnose import charts as C

    diag = D.diagnostic_table(features, tiers=pd.Series({"a": "A", "b": "C", "c": "B"}),
                              clv=pd.Series({"a": 5e8, "b": 1e7, "c": 2e8, "d": 0.0}))
    fig = C.satisfaction_by_segment(D.segment_summary(diag, by="tier"), lang)
    assert fig._suptitle.get_text() == title
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [t_ for t_ in (("一般客户", "重点客户", "核心客户") if lang == "zh"
                                    else ("Ordinary clients", "Key clients", "Core clients"))]
    fig = C.clv_by_tier(diag, lang)
    assert ("亿元" if lang == "zh" else "CNY m") in fig.axes[0].get_ylabel()
    fig = C.retention_chart(D.retention_by_cohort(retention_tables, AS_OF), lang)
    assert [int(x) for x in fig.axes[0].lines[0].get_xdata()] == [2020, 2021]
    empty = C.clv_by_tier(diag.assign(clv=np.nan), lang)
    assert empty.axes[0].texts[0].get_text() in ("没有可用数据", "No data available")


_LEVELS = ["high", "medium", "low", "unknown"]


@settings(max_examples=40, deadline=None)
@given(rules=st.lists(st.tuples(st.integers(0, 5), st.sets(st.sampled_from(_LEVELS[:3])),
                                st.sets(st.sampled_from(_LEVELS[:3]))), min_size=1, max_size=6),
       rows=st.lists(st.tuples(st.sampled_from(_LEVELS), st.sampled_from(_LEVELS)),
                     min_size=1, max_size=25))
def test_vectorised_matching_equals_a_row_by_row_first_match(rules, rows):
    raw = _rules(*[{"id": f"r{i}", "priority": str(p), "value_band": "|".join(sorted(v)),
                    "churn_band": "|".join(sorted(c))} for i, (p, v, c) in enumerate(rules)])
    table = validate_strategies(raw)
    frame = pd.DataFrame(rows, columns=["value_band", "churn_band"])
    got = match_strategies(frame, table)["strategy_id"].tolist()
    # naive: rules sorted by (priority, file order); blank cell = any; first hit wins
    order = sorted(range(len(rules)), key=lambda i: (rules[i][0], i))
    want = []
    for v, c in rows:
        hit = next((f"r{i}" for i in order
                    if (not rules[i][1] or v in rules[i][1])
                    and (not rules[i][2] or c in rules[i][2])), "default")
        want.append(hit)
    assert got == want
