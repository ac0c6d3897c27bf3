"""Client features and the default flag on a tiny hand-made portfolio (values computed by hand)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crmkit.core import CrmkitError
from crmkit.core.contract import conform
from crmkit.score import client_features, default_flag
from crmkit.score.features import FEATURE_COLUMNS

AS_OF = pd.Timestamp("2026-09-30")


def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    clients = _t("clients", [
        dict(client_id="C1", client_name="甲公司", industry="energy", region="east",
             lifecycle_stage="maintenance", relationship_manager="RM1",
             onboarding_date="2016-09-30", risk_appetite="moderate", group_name="G"),
        dict(client_id="C2", client_name="乙公司", industry="mining", region="north",
             lifecycle_stage="exit", relationship_manager="RM2", onboarding_date="2020-01-01"),
        dict(client_id="C3", client_name="丙公司", industry="retail", region="south",
             lifecycle_stage="acquisition", relationship_manager="RM1",
             onboarding_date="2026-12-01"),
    ])
    fin = _t("financials", [
        dict(client_id="C1", fiscal_year=2024, total_assets=1000, total_liabilities=600,
             current_assets=300, current_liabilities=200, revenue=500, net_income=50,
             ebitda=120, interest_expense=30, debt_service=100),
        dict(client_id="C1", fiscal_year=2025, total_assets=1200, total_liabilities=840,
             current_assets=400, current_liabilities=0, revenue=600, net_income=60,
             ebitda=150, operating_cash_flow=130, interest_expense=0, debt_service=100),
        dict(client_id="C1", fiscal_year=2027, total_assets=1, total_liabilities=1,
             revenue=1),  # after as_of: ignored
        dict(client_id="C2", fiscal_year=2025, total_assets=0, total_liabilities=10,
             revenue=100, net_income=5, ebitda=80, interest_expense=20, debt_service=50),
    ])
    fac = _t("facilities", [
        dict(facility_id="F1", client_id="C1", product="project_finance", amount=1000,
             outstanding=800, interest_rate=0.05, fees=10, status="active",
             start_date="2020-01-01", maturity_date="2030-01-01"),
        dict(facility_id="F2", client_id="C1", product="working_capital", amount=200,
             outstanding=None, interest_rate=0.04, status="restructured",
             start_date="2021-01-01", maturity_date="2027-01-01"),
        dict(facility_id="F3", client_id="C1", product="project_finance", amount=500,
             outstanding=0, interest_rate=0.05, fees=99, status="closed",
             start_date="2015-01-01", maturity_date="2020-01-01"),
        dict(facility_id="F4", client_id="C2", product="short_term", amount=300,
             outstanding=300, interest_rate=0.06, fees=5, status="default",
             start_date="2022-01-01", maturity_date="2027-01-01"),
        dict(facility_id="F5", client_id="C1", product="trade_finance", amount=100,
             outstanding=100, interest_rate=0.05, status="active",
             start_date="2026-12-01", maturity_date="2027-06-01"),  # starts after as_of
    ])
    rep = _t("repayments", [
        dict(facility_id="F1", due_date="2026-03-31", amount_due=100, paid_date="2026-03-31",
             amount_paid=100),  # on time
        dict(facility_id="F1", due_date="2026-06-30", amount_due=100, paid_date="2026-08-14",
             amount_paid=100),  # 45 days late
        dict(facility_id="F1", due_date="2026-09-15", amount_due=100),  # unpaid: 15 dpd
        dict(facility_id="F1", due_date="2026-09-30", amount_due=100, paid_date="2026-09-30",
             amount_paid=90),  # on the day but partial: not on time
        dict(facility_id="F1", due_date="2026-12-31", amount_due=100),  # not yet due
        dict(facility_id="F2", due_date="2026-07-31", amount_due=50, paid_date="2026-10-20",
             amount_paid=50),  # paid after as_of: 61 dpd at as_of
        dict(facility_id="F4", due_date="2026-05-01", amount_due=30),  # unpaid: 152 dpd
    ])
    inter = _t("interactions", [
        dict(interaction_id="I1", client_id="C1", date="2026-01-10", channel="visit",
             type="visit"),
        dict(interaction_id="I2", client_id="C1", date="2026-05-05", channel="phone",
             type="complaint", response_hours=10, resolved=True, resolved_date="2026-05-10"),
        dict(interaction_id="I3", client_id="C1", date="2026-08-01", channel="phone",
             type="complaint", response_hours=20, resolved=True, resolved_date="2026-10-05"),
        dict(interaction_id="I4", client_id="C1", date="2025-06-01", channel="email",
             type="complaint", response_hours=99),  # outside 12 m, unresolved
        dict(interaction_id="I5", client_id="C1", date="2026-07-01", channel="online",
             type="service", response_hours=6),
        dict(interaction_id="I6", client_id="C1", date="2026-10-02", channel="visit",
             type="visit"),  # after as_of
    ])
    surveys = _t("surveys", [
        dict(client_id="C1", survey_date="2025-03-01", csat=4, nps=8),
        dict(client_id="C1", survey_date="2026-03-01", csat=3, nps=6),
        dict(client_id="C1", survey_date="2026-11-01", csat=5, nps=10),  # after as_of
        dict(client_id="C2", survey_date="2026-06-01", csat=5, nps=9),
    ])
    projects = _t("projects", [
        dict(project_id="P1", client_id="C1", project_name="风电一期",
             planned_start="2024-01-01", planned_end="2027-12-31", status="in_progress"),
        dict(project_id="P2", client_id="C1", project_name="二期", planned_start="2027-01-01",
             planned_end="2028-12-31", status="planned"),  # starts after as_of
        dict(project_id="P3", client_id="C2", project_name="矿山", planned_start="2025-01-01",
             planned_end="2027-01-01", status="in_progress"),
    ])
    ms = _t("milestones", [
        dict(milestone_id="M1", project_id="P1", milestone_name="a", planned_start="2025-01-01",
             planned_end="2025-06-30", actual_end="2025-08-29", status="done"),  # 60 days
        dict(milestone_id="M2", project_id="P1", milestone_name="b", planned_start="2026-01-01",
             planned_end="2026-08-31", status="in_progress"),  # open: 30 days at as_of
        dict(milestone_id="M3", project_id="P1", milestone_name="c", planned_start="2026-09-01",
             planned_end="2026-12-31", status="pending"),  # not due: not eligible
        dict(milestone_id="M4", project_id="P1", milestone_name="d", planned_start="2026-01-01",
             planned_end="2026-06-30", actual_end="2026-10-15", status="done"),  # 92 at as_of
        dict(milestone_id="M5", project_id="P3", milestone_name="e", planned_start="2026-01-01",
             planned_end="2026-12-31", actual_end="2026-05-01", status="done"),  # early
        dict(milestone_id="M6", project_id="P3", milestone_name="f", planned_start="2025-06-01",
             planned_end="2026-01-31", status="done"),  # done, date unknown
    ])
    needs = _t("needs", [
        dict(need_id="N1", client_id="C1", request_date="2026-01-01", need_type="new_loan",
             fulfilled=True),
        dict(need_id="N2", client_id="C1", request_date="2026-02-01", need_type="advisory",
             fulfilled=False),
        dict(need_id="N3", client_id="C1", request_date="2026-03-01", need_type="fx_hedging",
             fulfilled=True),
        dict(need_id="N4", client_id="C1", request_date="2026-10-01", need_type="new_loan",
             fulfilled=True),  # after as_of
    ])
    return dict(clients=clients, financials=fin, facilities=fac, repayments=rep,
                interactions=inter, surveys=surveys, projects=projects, milestones=ms,
                needs=needs)


@pytest.fixture(scope="module")
def feats(tables) -> pd.DataFrame:
    return client_features(tables, AS_OF)


def _nan(x) -> bool:
    return x is pd.NA or (isinstance(x, float) and math.isnan(x))


def test_shape_index_and_dtypes(feats):
    assert list(feats.index) == ["C1", "C2", "C3"]
    assert feats.index.name == "client_id"
    assert tuple(feats.columns) == FEATURE_COLUMNS
    assert feats["n_instalments_due"].dtype == "Int64"
    assert feats["fiscal_year"].dtype == "Int64"
    assert feats["in_default"].dtype == "boolean"
    assert feats["nps_class"].dtype == "string"
    assert feats["dscr"].dtype == "float64"
    assert feats.loc["C1", "client_name"] == "甲公司"


def test_financial_ratios(feats):
    c1, c2 = feats.loc["C1"], feats.loc["C2"]
    assert c1["fiscal_year"] == 2025                      # 2027 is after as_of
    assert c1["debt_to_assets"] == pytest.approx(0.7)     # 840 / 1200
    assert _nan(c1["current_ratio"])                      # 400 / 0 -> NaN, not inf
    assert _nan(c1["interest_cover"])                     # 150 / 0
    assert c1["dscr"] == pytest.approx(1.3)               # operating cash flow 130 / 100
    assert c1["roa"] == pytest.approx(0.05)               # 60 / 1200
    assert c1["revenue_growth"] == pytest.approx(0.2)     # 600 / 500 - 1
    assert c2["dscr"] == pytest.approx(1.6)               # no OCF: EBITDA 80 / 50
    assert c2["interest_cover"] == pytest.approx(4.0)     # 80 / 20
    assert _nan(c2["debt_to_assets"]) and _nan(c2["roa"])  # total assets 0
    assert _nan(c2["revenue_growth"])                     # no previous year
    assert _nan(feats.loc["C3", "dscr"]) and _nan(feats.loc["C3", "fiscal_year"])
    assert not np.isinf(feats.select_dtypes("float64").to_numpy()).any()


def test_repayment_behaviour(feats):
    c1, c2, c3 = feats.loc["C1"], feats.loc["C2"], feats.loc["C3"]
    assert c1["n_instalments_due"] == 5                   # 2026-12-31 not yet due
    assert c1["dpd_current"] == 61                        # F2 paid 2026-10-20, after as_of
    assert c1["dpd_max"] == 61
    assert c1["on_time_share"] == pytest.approx(1 / 5)    # only 2026-03-31; 09-30 was partial
    assert c1["late_30_count"] == 2                       # 45 and 61 days
    assert not c1["ever_90dpd"] and not c1["in_default"]
    assert c2["dpd_current"] == 152                       # 2026-05-01 -> 2026-09-30
    assert c2["on_time_share"] == 0 and c2["ever_90dpd"] and c2["in_default"]
    assert c3["n_instalments_due"] == 0 and c3["dpd_current"] == 0 and c3["dpd_max"] == 0
    assert _nan(c3["on_time_share"])                      # zero denominator
    assert c3["late_30_count"] == 0 and not c3["in_default"]


def test_relationship_value_and_satisfaction(feats):
    c1, c2, c3 = feats.loc["C1"], feats.loc["C2"], feats.loc["C3"]
    assert c1["tenure_years"] == pytest.approx(3652 / 365.25)  # 10 years with 2 leap days
    assert c3["tenure_years"] < 0                              # onboarded after as_of
    assert c1["exposure"] == 1000                      # 800 + F2's amount 200 (no balance)
    assert c1["committed"] == 1200                     # F3 closed, F5 not started
    assert c1["interest_income"] == pytest.approx(48)  # 800*5% + 200*4%
    assert c1["fee_income"] == 10 and c1["income"] == pytest.approx(58)
    assert c1["n_products"] == 2 and c1["n_facilities_active"] == 2
    assert c2["exposure"] == 300 and c2["income"] == pytest.approx(23)
    assert c3["exposure"] == 0 and c3["n_products"] == 0
    assert c1["interactions_12m"] == 4                 # I1, I2, I3, I5
    assert c1["complaints_12m"] == 2
    assert c1["unresolved_complaints"] == 2            # I3 resolved after as_of, I4 never
    assert c1["mean_response_hours"] == pytest.approx(12)  # (10 + 20 + 6) / 3
    assert c2["interactions_12m"] == 0 and _nan(c2["mean_response_hours"])
    assert (c1["csat_latest"], c1["nps_latest"], c1["csat_prev"], c1["nps_prev"]) == (3, 6, 4, 8)
    assert c1["nps_class"] == "detractor" and c2["nps_class"] == "promoter"
    assert _nan(c2["csat_prev"]) and _nan(c3["nps_class"])


def test_projects_and_needs(feats):
    c1, c2 = feats.loc["C1"], feats.loc["C2"]
    assert c1["projects_count"] == 1                   # P2 starts after as_of
    assert c1["max_milestone_delay_days"] == 92        # M4: done only after as_of
    assert c1["delayed_milestones"] == 2               # M1 60, M4 92 (M2 exactly 30)
    assert _nan(c2["max_milestone_delay_days"])        # M5 early & not due, M6 date unknown
    assert c2["delayed_milestones"] == 0
    assert c1["needs_count"] == 3 and c1["needs_fulfilled_share"] == pytest.approx(2 / 3)
    assert c2["needs_count"] == 0 and _nan(c2["needs_fulfilled_share"])


def test_earlier_as_of_uses_only_earlier_records(tables):
    f = client_features(tables, "2026-06-30")
    c1 = f.loc["C1"]
    assert c1["n_instalments_due"] == 2                # 03-31 and 06-30 (due today)
    assert c1["dpd_current"] == 0                      # 06-30 is due today, not late yet
    assert c1["on_time_share"] == pytest.approx(0.5)
    assert c1["csat_latest"] == 3 and c1["csat_prev"] == 4
    assert c1["needs_count"] == 3
    assert c1["interactions_12m"] == 2                 # I1, I2 (I4 is > 12 m before)
    # M1 (done 2025-08-29) was 60 days late; M4 is due that very day, so 0; M2 not yet due.
    assert c1["max_milestone_delay_days"] == 60 and c1["delayed_milestones"] == 1


def test_statements_count_from_their_publication(tables):
    """FY2025 statements are known from 2026-04-30 (year end + 120 days), not from 2025."""
    before = client_features(tables, "2026-04-29").loc["C1"]
    after = client_features(tables, "2026-04-30").loc["C1"]
    assert before["fiscal_year"] == 2024 and before["total_assets"] == 1000
    assert after["fiscal_year"] == 2025 and after["total_assets"] == 1200
    late = client_features(tables, "2026-04-30", statement_lag_days=180).loc["C1"]
    assert late["fiscal_year"] == 2024
    # a year-end cohort (the credit model's training rows) cannot see that year's statement
    assert client_features(tables, "2025-09-30").loc["C1", "fiscal_year"] == 2024


def test_snapshot_date_keeps_status_out_of_earlier_features(tables):
    early = "2026-06-30"
    assert bool(client_features(tables, early).loc["C2", "in_default"])  # status counts
    f = client_features(tables, early, snapshot_date=AS_OF)
    assert f.loc["C2", "dpd_current"] == 60 and not f.loc["C2", "in_default"]


def test_absent_tables_give_nan_not_crash(tables):
    f = client_features({"clients": tables["clients"]}, AS_OF)
    assert f["dscr"].isna().all() and f["dpd_max"].isna().all()
    assert f["exposure"].isna().all() and (f["n_facilities_active"] == 0).all()
    assert f["csat_latest"].isna().all() and (f["needs_count"] == 0).all()
    empty = {k: v.iloc[:0] for k, v in tables.items() if k != "clients"}
    g = client_features({"clients": tables["clients"], **empty}, AS_OF)
    assert g["dscr"].isna().all() and len(g) == 3


def test_bad_inputs_raise_clear_errors(tables):
    with pytest.raises(CrmkitError, match="clients"):
        client_features({}, AS_OF)
    dup = pd.concat([tables["clients"], tables["clients"].iloc[:1]])
    with pytest.raises(CrmkitError, match="unique.*C1"):
        client_features({"clients": dup}, AS_OF)
    with pytest.raises(CrmkitError, match="as_of"):
        client_features(tables, "not a date")


def test_default_flag_windows(tables):
    f = default_flag(tables, "2026-06-30", AS_OF)
    assert f.dtype == bool and f.name == "default_flag" and list(f.index) == ["C1", "C2", "C3"]
    # C2: 2026-05-01 + 90 d = 2026-07-30 in the window, unpaid. C1: F2 reaches 90 on 10-29.
    assert f.tolist() == [False, True, False]
    nxt = default_flag(tables, AS_OF, "2026-12-31", snapshot_date=AS_OF)
    # C1: 2026-09-15 unpaid reaches 90 dpd on 12-14; F2 was paid at 81 days (10-20).
    # C2: its 90th day was before the window, and the snapshot is not in the window.
    assert nxt.tolist() == [True, False, False]
    early = ("2025-12-31", "2026-06-30")
    assert default_flag(tables, *early).tolist() == [False, True, False]  # status counts
    assert default_flag(tables, *early, snapshot_date=AS_OF).tolist() == [False] * 3
    with pytest.raises(CrmkitError, match="after its start"):
        default_flag(tables, AS_OF, "2026-01-01")


@pytest.mark.skipif(__import__("importlib.util").util.find_spec("crmkit.sample.portfolio") is None,
                    reason="crmkit.sample.portfolio not written yet")
def test_sample_portfolio_features_are_sane():
    from crmkit.sample import generate

    tables = generate(200)
    f = client_features(tables, AS_OF)
    assert len(f) == 200 and f.index.is_unique
    num = f.select_dtypes("float64").to_numpy()
    assert not np.isinf(num).any()
    assert f["exposure"].gt(0).mean() > 0.5 and f["dscr"].notna().mean() > 0.8
    flag = default_flag(tables, AS_OF - pd.DateOffset(years=1), AS_OF)
    assert 0 < flag.mean() < 0.5
    # Features at an earlier date never see more instalments than at as_of.
    early = client_features(tables, AS_OF - pd.DateOffset(years=1), snapshot_date=AS_OF)
    assert (early["n_instalments_due"] <= f["n_instalments_due"]).all()
