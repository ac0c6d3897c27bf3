"""Risk-adjusted CLV: closed form, finite horizon, margin, retention (crmkit.diagnose.clv)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crmkit.core.errors import DiagnoseError
from crmkit.diagnose import client_margin, clv_factor, clv_value, risk_adjusted_clv
from crmkit.diagnose.clv import MARGIN_COLUMNS, client_retention
from crmkit.params.diagnose import ClvParams, DiagnoseParams


# -- the formula ---------------------------------------------------------------------------
def test_closed_form_matches_the_issue():
    # m r / (1 + d - r) = 100 * 0.9 / 0.2 = 450
    assert clv_value(100, 0.9, 0.1) == pytest.approx(450.0)


def test_finite_horizon_two_years_by_hand():
    # t=1: 100 * 0.9 / 1.1 = 81.8182; t=2: 100 * 0.81 / 1.21 = 66.9421; sum 148.7603
    assert clv_value(100, 0.9, 0.1, horizon=2) == pytest.approx(100 * 0.9 / 1.1
                                                                 + 100 * 0.81 / 1.21)
    assert clv_value(100, 0.9, 0.1, horizon=2) == pytest.approx(148.7603305785)


def test_one_year_horizon_applies_retention_in_year_one():
    # convention m r^t / (1+d)^t, t >= 1: year 1 is already 'retained': 100 * 0.8 / 1.08
    assert clv_value(100, 0.8, 0.08, horizon=1) == pytest.approx(74.0740740741)


def test_not_the_r_to_the_t_minus_1_convention():
    # sum m r^(t-1) / (1+d)^t would be m / (1 + d - r) = 500; ours is r times that
    assert clv_value(100, 0.9, 0.1) == pytest.approx(0.9 * 100 / (1 + 0.1 - 0.9))
    assert clv_value(100, 0.9, 0.1) != pytest.approx(500.0)


def test_long_horizon_converges_to_closed_form():
    assert clv_value(100, 0.9, 0.08, horizon=2000) == pytest.approx(clv_value(100, 0.9, 0.08))


def test_vectorised_retention():
    out = clv_value(np.array([100.0, 100.0, -50.0]), np.array([0.9, 0.0, 0.5]), 0.1)
    # 450; r = 0 -> 0; -50 * 0.5 / 0.6 = -41.667
    np.testing.assert_allclose(out, [450.0, 0.0, -41.6666666667])


@settings(max_examples=60, deadline=None)
@given(m=st.floats(-1e6, 1e6), r=st.floats(0, 0.99), d=st.floats(0, 0.5),
       horizon=st.integers(1, 40))
def test_finite_sum_equals_explicit_loop(m, r, d, horizon):
    explicit = sum(m * r ** t / (1 + d) ** t for t in range(1, horizon + 1))
    assert clv_value(m, r, d, horizon) == pytest.approx(explicit, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(r=st.floats(0, 0.99), d=st.floats(0, 0.5), horizon=st.integers(1, 60))
def test_factor_grows_with_horizon_and_is_bounded(r, d, horizon):
    f_t = float(clv_factor(r, d, horizon))
    assert f_t <= float(clv_factor(r, d, horizon + 1)) + 1e-12
    assert f_t <= float(clv_factor(r, d)) + 1e-9


@pytest.mark.parametrize("kw, match", [
    ({"retention": 1.0}, "retention must lie in"),
    ({"retention": -0.1}, "retention must lie in"),
    ({"discount": 1.5}, "discount rate"),
    ({"horizon": 0}, "horizon"),
])
def test_bad_formula_inputs(kw, match):
    args = {"retention": 0.9, "discount": 0.1, "horizon": None} | kw
    with pytest.raises(DiagnoseError, match=match):
        clv_factor(**args)


# -- margin --------------------------------------------------------------------------------
@pytest.fixture
def facilities() -> pd.DataFrame:
    return pd.DataFrame({
        "facility_id": ["F1", "F2", "F3", "F4", "F5"],
        "client_id": pd.array(["a", "a", "b", "c", "c"], dtype="string"),
        "amount": [1000.0, 500.0, 200.0, 100.0, 300.0],
        "outstanding": [800.0, np.nan, 200.0, 100.0, 300.0],
        "interest_rate": [0.05, 0.04, 0.06, 0.05, 0.05],
        "fees": [10.0, np.nan, 0.0, 0.0, 0.0],
        "collateral_type": pd.array(["mortgage", pd.NA, "unsecured", "pledge", "pledge"],
                                    dtype="string"),
        "status": pd.array(["active", "active", "closed", "default", "active"], dtype="string"),
        "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2019-01-01", "2022-01-01",
                                      "2027-01-01"]),
    })


def test_margin_by_hand(facilities):
    pd_ = pd.Series({"a": 0.01, "c": 0.5})
    m = client_margin(facilities, pd_, as_of=dt.date(2026, 9, 30), index=["a", "b", "c", "d"])
    assert list(m.columns) == list(MARGIN_COLUMNS)
    a = m.loc["a"]
    # balances 800 + 500 (F2 outstanding blank -> amount); interest 800*.05 + 500*.04 = 60
    assert a["exposure"] == pytest.approx(1300.0)
    assert a["interest_income"] == pytest.approx(60.0)
    assert a["fee_income"] == pytest.approx(10.0)
    assert a["funding_cost"] == pytest.approx(0.025 * 1300)  # 32.5
    # LGD: mortgage .35 x 800 + blank -> lgd_missing .60 x 500 = 580; EL = .01 x 580 = 5.8
    assert a["lgd"] == pytest.approx(580 / 1300)
    assert a["expected_loss"] == pytest.approx(5.8)
    assert a["margin"] == pytest.approx(60 + 10 - 32.5 - 5.8)  # 31.7
    # b: only a closed facility -> no exposure, margin 0 (even without a PD)
    assert m.loc["b", "exposure"] == 0 and m.loc["b", "margin"] == 0
    # c: F4 in default (counts), F5 starts after as_of (left out): 5 - 2.5 - .5*.4*100 = -17.5
    assert m.loc["c", "exposure"] == pytest.approx(100.0)
    assert m.loc["c", "margin"] == pytest.approx(5.0 - 2.5 - 20.0)
    assert m.loc["d", "margin"] == 0


def _explicit(g: float, loss: float, p: float, r: float, d: float, horizon: int = 3000) -> float:
    """Year by year: margin g while retained and performing, loss p x LGD x EAD in the year of
    default (the client was performing at its start), discounted."""
    q = r / (1 + d)
    return sum(g * q ** t * (1 - p) ** t - p * loss * q ** t * (1 - p) ** (t - 1)
               for t in range(1, horizon + 1))


def test_missing_pd_makes_clv_na_unless_filled(facilities):
    out = risk_adjusted_clv(facilities, None, as_of=dt.date(2026, 9, 30), index=["a", "b"])
    assert np.isnan(out.loc["a", "clv"]) and out.loc["b", "clv"] == 0
    filled = risk_adjusted_clv(facilities, None, params=ClvParams(missing_pd=0.01),
                               as_of=dt.date(2026, 9, 30), index=["a"])
    # before credit loss 60 + 10 - 32.5 = 37.5; LGD x EAD 580, PD .01, r = 0.9, d = 0.08:
    # 37.5 x .891/(1.08 - .891) - 5.8 x (.9/1.08) / (1 - .891/1.08) = 176.786 - 27.619
    assert filled.loc["a", "clv"] == pytest.approx(_explicit(37.5, 580, 0.01, 0.9, 0.08))
    assert filled.loc["a", "clv"] == pytest.approx(149.1667, abs=1e-3)


def test_clv_with_churn_adjusted_retention(facilities):
    pd_ = pd.DataFrame({"pd": [0.01, 0.5]}, index=["a", "c"])
    churn = pd.Series({"a": 0.3})
    out = risk_adjusted_clv(facilities, pd_, churn, as_of=dt.date(2026, 9, 30),
                            index=["a", "c"])
    # a: r = 1 - 0.3 = 0.7; c: default r = 0.9, PD .5, before loss 5 - 2.5, LGD x EAD 40
    assert out.loc["a", "retention"] == pytest.approx(0.7)
    assert out.loc["a", "clv"] == pytest.approx(_explicit(37.5, 580, 0.01, 0.7, 0.08))
    assert out.loc["c", "clv"] == pytest.approx(_explicit(2.5, 40, 0.5, 0.9, 0.08))
    # the old perpetuity of the yearly expected loss gave -17.5 x .9/.18 = -87.5: more than
    # the 40 the bank can lose on c at all
    assert -40 < out.loc["c", "clv"] < 0


def test_clv_finite_horizon_from_params(facilities):
    p = DiagnoseParams(clv={"horizon_years": 2, "missing_pd": 0.01})
    out = risk_adjusted_clv(facilities, params=p, as_of=dt.date(2026, 9, 30), index=["a"])
    assert out.loc["a", "clv"] == pytest.approx(_explicit(37.5, 580, 0.01, 0.9, 0.08, 2))
    # by hand: t=1 (37.5 x .891 - 5.8 x .9) / 1.08, t=2 (37.5 x .891^2 - 5.8 x .9 x .891) / 1.08^2
    assert out.loc["a", "clv"] == pytest.approx(
        (37.5 * .891 - 5.8 * .9) / 1.08 + (37.5 * .891 ** 2 - 5.8 * .9 * .891) / 1.08 ** 2)


def test_retention_cap_and_clip():
    churn = pd.Series({"a": 0.0, "b": 1.3, "c": np.nan, "d": 0.25})
    r = client_retention(pd.Index(["a", "b", "c", "d", "e"]), churn)
    # 1 - 0 capped to .99; 1 - 1.3 clipped to 0; missing -> default .9; not given -> .9
    assert r.tolist() == pytest.approx([0.99, 0.0, 0.9, 0.75, 0.9])
    off = client_retention(pd.Index(["a"]), churn, ClvParams(use_churn=False))
    assert off.tolist() == [0.9]


def test_no_facilities_gives_zero_margin():
    out = risk_adjusted_clv(None, index=["x", "y"])
    assert out["clv"].tolist() == [0.0, 0.0]


def test_bad_pd_is_a_clear_error(facilities):
    with pytest.raises(DiagnoseError, match="client 'a' has 4.5.*percentages"):
        client_margin(facilities, pd.Series({"a": 4.5}))


def test_facilities_without_required_column(facilities):
    with pytest.raises(DiagnoseError, match=r"needs columns \['client_id', 'amount', 'status'\]"):
        client_margin(facilities.drop(columns="status"))


def test_clv_params_validation():
    assert ClvParams(lgd={"mortgage": 0.2}).lgd["unsecured"] == 0.60  # merged over defaults
    with pytest.raises(ValidationError, match="unknown collateral type"):
        ClvParams(lgd={"gold": 0.1})
    with pytest.raises(ValidationError, match=r"retention=1 must be a fraction in \[0, 1\)"):
        ClvParams(retention=1.0)
    with pytest.raises(ValidationError, match="discount_rate=8 must be a yearly rate"):
        ClvParams(discount_rate=8)


def test_defaulted_client_clv_is_the_one_off_loss(facilities):
    pd_ = pd.Series({"a": 0.01, "c": 1.0})
    out = risk_adjusted_clv(facilities, pd_, as_of=dt.date(2026, 9, 30), index=["a", "c"])
    # c is in default: loss LGD x EAD = 0.40 x 100 = 40 once, not -... / (1 + d - r) forever
    assert out.loc["c", "clv"] == pytest.approx(-40.0)
    assert out.loc["a", "clv"] == pytest.approx(_explicit(37.5, 580, 0.01, 0.9, 0.08))


@settings(max_examples=80, deadline=None)
@given(g=st.floats(-1e3, 1e4), pd_=st.floats(0, 0.99), r=st.floats(0, 0.99),
       d=st.floats(0, 0.3), horizon=st.one_of(st.none(), st.integers(1, 40)))
def test_default_ends_the_relationship(g, pd_, r, d, horizon):
    """Closed form = year-by-year sum; the loss over the relationship never exceeds LGD x EAD;
    without credit risk it is the plain formula."""
    from crmkit.diagnose.clv import _survival_clv

    lgd_ead = 1000.0
    m = pd.DataFrame({"interest_income": [g + 10.0], "fee_income": [0.0],
                      "funding_cost": [10.0], "exposure": [2000.0], "lgd": [0.5],
                      "pd": [pd_], "expected_loss": [pd_ * lgd_ead], "retention": [r]})
    p = ClvParams(discount_rate=d, horizon_years=horizon)
    got = float(_survival_clv(m, p)[0])
    assert got == pytest.approx(_explicit(g, lgd_ead, pd_, r, d, horizon or 3000),
                                rel=1e-7, abs=1e-6)
    no_margin = float(_survival_clv(m.assign(interest_income=10.0), p)[0])
    assert -lgd_ead - 1e-9 <= no_margin <= 0
    safe = float(_survival_clv(m.assign(pd=0.0, expected_loss=0.0), p)[0])
    assert safe == pytest.approx(g * float(clv_factor(r, d, horizon)), rel=1e-9, abs=1e-9)
