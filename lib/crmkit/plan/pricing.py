"""Risk-adjusted pricing of a plan: expected loss, funding and capital cost, RAROC vs the hurdle.

Everything is per year over the loan's life, on the time-weighted average balance ``B``:

=====================  =================================================================
income                 interest + fees (upfront fee spread over the tenor), per year
funding                ``funding_rate x B`` (the funds-transfer price)
operating cost         ``operating_cost_rate x B``
expected loss          ``PD x LGD x EAD`` with ``EAD = B``
capital                ``capital_ratio x risk weight x B``
net profit             ``(income - funding - operating cost - expected loss) x (1 - tax)``
RAROC                  ``net profit / capital``
capital charge         ``hurdle_rate x capital``; economic profit = net profit - charge
break-even rate        the all-in rate at which RAROC equals the hurdle
=====================  =================================================================

The worked example in ``docs/plans.md`` is ``tests/test_plan_engine.py::test_raroc_worked_example``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from crmkit.plan.terms import PlanError, PlanTerms

if TYPE_CHECKING:
    from crmkit.params.plan import PlanParams

__all__ = ["raroc", "lgd_for"]


def lgd_for(collateral_type: str | None, plan: PlanParams) -> float:
    """Loss given default of a security type (``plan.lgd``; ``plan.lgd_missing`` if unknown)."""
    if collateral_type is None or pd.isna(collateral_type):
        return plan.lgd_missing
    return plan.lgd.get(str(collateral_type), plan.lgd_missing)


def raroc(sched: pd.DataFrame, terms: PlanTerms, plan: PlanParams, pd_: float,
          lgd: float | None = None) -> dict[str, float | bool]:
    """RAROC of a schedule at probability of default ``pd_`` (one-year, a fraction).

    Parameters
    ----------
    sched
        The plan's schedule (:func:`crmkit.plan.schedules.schedule`).
    terms, plan
        The plan's terms and the portfolio's ``plan`` parameters.
    pd_
        One-year PD of the client (the score stage's ``credit`` table).
    lgd
        Loss given default; default from the security type (:func:`lgd_for`).

    Returns
    -------
    dict
        Per-year figures (CNY yuan) and ratios, keys as in the module's table.
    """
    if not 0 <= pd_ <= 1 or pd.isna(pd_):
        raise PlanError(f"client {terms.client_id}: PD must be a fraction in [0, 1]; got {pd_}. "
                        "Run the score stage or give pd in the terms.")
    lgd = lgd_for(terms.collateral_type, plan) if lgd is None else lgd
    years = terms.tenor_months / 12
    balance = float(sched["opening"].mean())
    rw = plan.preoperational_risk_weight if terms.preoperational else plan.risk_weight
    interest = float(sched["interest"].sum()) / years
    fees = float(sched["fees"].sum()) / years
    funding = plan.funding_rate * balance
    opex = plan.operating_cost_rate * balance
    el = pd_ * lgd * balance
    capital = plan.capital_ratio * rw * balance
    pre_tax = interest + fees - funding - opex - el
    net = pre_tax * (1 - plan.tax_rate)
    charge = plan.hurdle_rate * capital
    need = charge / (1 - plan.tax_rate) + funding + opex + el - fees
    return {
        "average_balance": balance, "pd": float(pd_), "lgd": float(lgd), "risk_weight": rw,
        "interest_income": interest, "fee_income": fees, "funding_cost": funding,
        "operating_cost": opex, "expected_loss": el, "capital": capital,
        "pre_tax_profit": pre_tax, "net_profit": net, "raroc": net / capital,
        "hurdle_rate": plan.hurdle_rate, "capital_charge": charge,
        "economic_profit": net - charge, "break_even_rate": need / balance,
        "meets_hurdle": bool(net / capital >= plan.hurdle_rate),
    }
