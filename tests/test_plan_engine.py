"""Plan engine: schedules against closed forms and hand-computed figures, sculpting, RAROC."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.params.plan import LprPoint, PlanParams
from crmkit.plan import PlanError, PlanTerms, debt_capacity, parse_terms, raroc, schedule, summary

PLAN = PlanParams()
START = dt.date(2026, 1, 1)


def _terms(**kw) -> PlanTerms:
    base = dict(client_id="C1", amount=1_000_000.0, start=START, tenor_months=12,
                period_months=1, rate_type="fixed", fixed_rate=0.06)
    return PlanTerms(**{**base, **kw})


def test_annuity_matches_the_closed_form_to_the_cent():
    # 1,000,000 at 6 % a year, 12 monthly payments: r = 0.005, A = P r / (1 - (1 + r)^-12)
    s = schedule(_terms(profile="annuity"), PLAN)
    r, n, p = 0.005, 12, 1_000_000.0
    a = p * r / (1 - (1 + r) ** -n)
    assert round(a, 2) == 86_066.43  # by hand
    k = np.arange(1, n + 1)
    balance_before = p * (1 + r) ** (k - 1) - a * ((1 + r) ** (k - 1) - 1) / r
    assert (s["debt_service"].round(2) == round(a, 2)).all()
    assert np.array_equal(s["interest"].round(2), (balance_before * r).round(2))
    assert np.array_equal(s["principal"].round(2), (a - balance_before * r).round(2))
    assert round(s["interest"].sum(), 2) == round(n * a - p, 2) == 32_797.16
    assert s["closing"].iloc[-1] == 0


def test_equal_principal_matches_the_closed_form_to_the_cent():
    # 1,200,000 at 4.8 %, 12 months: principal 100,000; interest (1,200,000 - 100,000 (k-1)) x 0.004
    s = schedule(_terms(amount=1_200_000.0, fixed_rate=0.048, profile="equal_principal"), PLAN)
    k = np.arange(1, 13)
    assert (s["principal"].round(2) == 100_000.00).all()
    assert np.array_equal(s["interest"].round(2), ((1_200_000 - 100_000 * (k - 1)) * 0.004)
                          .round(2))
    assert s["interest"].iloc[0] == pytest.approx(4_800) and s["interest"].iloc[-1] == \
        pytest.approx(400)
    assert round(s["interest"].sum(), 2) == 31_200.00


def test_grace_balloon_bullet_and_custom_profiles():
    g = schedule(_terms(tenor_months=24, period_months=6, grace_months=12, fixed_rate=0.05,
                        profile="equal_principal"), PLAN)
    assert list(g["principal"].round(2)) == [0, 0, 500_000, 500_000]
    assert list(g["interest"].round(2)) == [25_000, 25_000, 25_000, 12_500]
    b = schedule(_terms(tenor_months=24, period_months=12, profile="balloon", balloon_share=0.4),
                 PLAN)
    assert list(b["principal"].round(2)) == [300_000, 700_000]
    u = schedule(_terms(tenor_months=36, period_months=12, profile="bullet"), PLAN)
    assert list(u["principal"]) == [0, 0, 1_000_000] and (u["interest"] == 60_000).all()
    c = schedule(_terms(tenor_months=36, period_months=12, profile="custom",
                        custom_shares=[0.2, 0.3, 0.5]), PLAN)
    assert list(c["principal"].round(2)) == [200_000, 300_000, 500_000]


def test_drawdowns_in_the_grace_period_earn_interest_from_when_drawn():
    s = schedule(_terms(tenor_months=36, period_months=12, grace_months=12, fixed_rate=0.1,
                        drawdowns=[0.5, 0.5], profile="bullet"), PLAN)
    assert list(s["drawdown"]) == [500_000, 500_000, 0]
    assert list(s["interest"].round(2)) == [50_000, 100_000, 100_000]


def test_sculpting_by_hand_two_years():
    # CFADS 130 a year, target 1.3 -> debt service 100; at 10 %: capacity 100/1.1 + 100/1.21
    t = _terms(amount=100 / 1.1 + 100 / 1.21, tenor_months=24, period_months=12,
               fixed_rate=0.10, profile="sculpted", cfads=[130, 130], target_dscr=1.3)
    assert debt_capacity(t, PLAN) == pytest.approx(173.553719, abs=1e-6)
    s = schedule(t, PLAN)
    assert list(s["principal"].round(4)) == [82.6446, 90.9091]
    assert list(s["interest"].round(4)) == [17.3554, 9.0909]
    assert s["dscr"].round(12).eq(1.3).all() and s["closing"].iloc[-1] == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.floats(1e5, 5e7), shape=st.lists(st.floats(0.9, 1.2), min_size=4, max_size=30),
       rate=st.floats(0.0, 0.08), target=st.floats(1.0, 2.0), grace=st.integers(0, 3),
       other=st.floats(0, 0.05))
def test_sculpted_schedule_hits_target_dscr_and_repays(base, shape, rate, target, grace, other):
    # positive CFADS that vary within a band (steeply rising CFADS would need capitalised
    # interest, which the engine refuses with a clear error: see test_bad_terms...)
    cf = [base * x for x in shape]
    grace, other = min(grace, len(cf) - 1), other * base
    t = _terms(amount=1.0, tenor_months=6 * len(cf), period_months=6, grace_months=6 * grace,
               fixed_rate=rate, profile="sculpted", cfads=cf, target_dscr=target,
               other_debt_service=other)
    cap = debt_capacity(t, PLAN)
    t = t.model_copy(update={"amount": cap})
    s = schedule(t, PLAN)
    rep = s[s["repaying"]]
    assert np.allclose(rep["dscr"], target, rtol=1e-9)
    assert s["principal"].sum() == pytest.approx(cap, rel=1e-9)
    assert s["closing"].iloc[-1] == 0 and (s["closing"] >= -1e-6).all()


@settings(max_examples=80, deadline=None)
@given(profile=st.sampled_from(["equal_principal", "annuity", "balloon", "bullet"]),
       amount=st.floats(1e4, 1e10), n=st.integers(1, 40), grace=st.integers(0, 10),
       rate=st.floats(0.0, 0.2), period=st.sampled_from([1, 3, 6, 12]))
def test_every_schedule_repays_in_full_and_never_goes_negative(profile, amount, n, grace,
                                                               rate, period):
    grace = min(grace, n - 1)
    s = schedule(_terms(amount=amount, tenor_months=n * period, grace_months=grace * period,
                        period_months=period, fixed_rate=rate, profile=profile), PLAN)
    assert s["principal"].sum() == pytest.approx(amount, rel=1e-9)
    assert (s["closing"] >= 0).all() and s["closing"].iloc[-1] == 0
    assert (s["principal"] >= -1e-6).all()
    assert (s.loc[~s["repaying"], "principal"] == 0).all()


def test_floating_rate_follows_the_lpr_path_at_each_yearly_reset():
    plan = PlanParams(lpr=[LprPoint(date=dt.date(2025, 5, 20), lpr_1y=0.030, lpr_5y=0.035),
                           LprPoint(date=dt.date(2026, 6, 1), lpr_1y=0.028, lpr_5y=0.033)])
    long = _terms(tenor_months=84, period_months=6, rate_type="floating", spread=0.005,
                  profile="equal_principal")
    rates = schedule(long, plan)["rate"].round(6).tolist()
    assert rates[:2] == [0.04, 0.04] and set(rates[2:]) == {0.038}  # 5-year LPR, reset 2027-01
    short = long.model_copy(update={"tenor_months": 36})
    assert schedule(short, plan)["rate"].round(6).iloc[0] == 0.035  # 1-year LPR + 50 bp


def test_summary_llcr_headroom_and_covenant():
    t = _terms(tenor_months=48, period_months=12, profile="equal_principal", fixed_rate=0.05,
               cfads_annual=400_000.0)
    s = schedule(t, PLAN)
    out = summary(s, t, PLAN, covenant_dscr=1.1)
    # first year: debt service 250,000 + 50,000 interest -> DSCR 4/3
    assert s["dscr"].iloc[0] == pytest.approx(400_000 / 300_000)
    assert out["min_dscr"] == pytest.approx(400_000 / 300_000)
    assert out["covenant_headroom"] == pytest.approx((4 / 3) / 1.1 - 1)
    pv = sum(400_000 / 1.05 ** k for k in range(1, 5))
    assert out["llcr"] == pytest.approx(pv / 1_000_000)
    assert out["average_life_years"] == pytest.approx(2.5)


def test_raroc_worked_example():
    # docs/plans.md: 100 m bullet, 5 years, 4 % fixed, 0.5 % upfront fee, PD 1 %, unsecured
    t = PlanTerms(client_id="C1", amount=100_000_000.0, start=START, tenor_months=60,
                  period_months=12, profile="bullet", rate_type="fixed", fixed_rate=0.04,
                  upfront_fee_rate=0.005, collateral_type="unsecured")
    r = raroc(schedule(t, PLAN), t, PLAN, pd_=0.01)
    assert r["interest_income"] == pytest.approx(4_000_000)
    assert r["fee_income"] == pytest.approx(100_000)
    assert r["expected_loss"] == pytest.approx(400_000)  # 1 % x 40 % x 100 m
    assert r["capital"] == pytest.approx(10_500_000)
    assert r["net_profit"] == pytest.approx(975_000)
    assert round(r["raroc"], 6) == 0.092857  # 975,000 / 10,500,000 = 9.29 %
    assert r["economic_profit"] == pytest.approx(-75_000) and not r["meets_hurdle"]
    assert r["break_even_rate"] == pytest.approx(0.041)


def test_bad_terms_name_every_problem():
    with pytest.raises(PlanError, match=r"(?s)terms.yaml: 2 problem.*amount: .*greater than 0"
                                        r".*tenr: unknown key \(did you mean 'tenor_months'"):
        parse_terms({"client_id": "C1", "amount": -5, "start": "2026-01-01",
                     "tenor_months": 12, "tenr": 3}, "terms.yaml")
    with pytest.raises(PlanError, match="not a multiple of period_months 6.*fixed_rate"):
        parse_terms({"client_id": "C1", "amount": 5, "start": "2026-01-01", "tenor_months": 13,
                     "rate_type": "fixed"}, "terms.yaml")
    with pytest.raises(PlanError, match="positive CFADS.*period 2"):
        schedule(_terms(tenor_months=3, profile="sculpted", cfads=[5e5, -1, 5e5]), PLAN)
    with pytest.raises(PlanError, match="does not cover the interest"):
        schedule(_terms(tenor_months=3, profile="sculpted", cfads=[1e3, 1e3, 1e7]), PLAN)
