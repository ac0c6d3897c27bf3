"""Repayment schedules: equal principal, annuity, balloon, bullet, custom and sculpted; DSCR, LLCR.

One row per period ``p = 1..n``. The balance drawn at the start of a period earns interest over
it at the period rate ``r_p = annual rate x period_months / 12`` (the Chinese convention: the
monthly rate is the annual rate / 12). No principal is repaid in the grace periods; afterwards:

================  ===================================================================
equal_principal   ``P / m`` each of the ``m`` repayment periods (等额本金)
annuity           level payment ``pmt(r, periods left, balance)`` (等额本息); a floating rate
                  re-levels the payment at each reset, as Chinese banks do
balloon           equal principal on ``(1 - b) P``, plus ``b P`` at maturity
bullet            everything at maturity
custom            ``P x custom_shares[k]``
sculpted          debt service ``CFADS_p / d - other_p`` with one level DSCR ``d`` chosen
                  so the loan repays exactly: ``d = PV(CFADS) / (P + PV(other))``
================  ===================================================================

DSCR = CFADS / (interest + principal + the client's other debt service), per period. The plan's
min and average DSCR are taken over the repayment periods; LLCR at a period is the present value
(at the loan rate) of the CFADS left for this loan over its remaining life, over the balance.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import numpy_financial as npf
import pandas as pd

from crmkit.plan.terms import PlanError, PlanTerms

if TYPE_CHECKING:
    from crmkit.params.plan import PlanParams

__all__ = ["annual_rates", "cfads_path", "schedule", "summary", "debt_capacity", "SCHEDULE_COLUMNS"]

SCHEDULE_COLUMNS = ["period", "date", "rate", "drawdown", "opening", "interest", "principal",
                    "debt_service", "fees", "closing", "cfads", "other_debt_service", "dscr",
                    "llcr"]


def _lpr_on(plan: PlanParams, day: dt.date, five_year: bool) -> float:
    point = plan.lpr[0]
    for p in plan.lpr:
        if p.date <= day:
            point = p
    return point.lpr_5y if five_year else point.lpr_1y


def _dates(terms: PlanTerms) -> list[dt.date]:
    start = pd.Timestamp(terms.start)
    return [(start + pd.DateOffset(months=k * terms.period_months)).date()
            for k in range(terms.n_periods + 1)]


def annual_rates(terms: PlanTerms, plan: PlanParams) -> np.ndarray:
    """The annual interest rate of each period: fixed, or the LPR at the last reset + spread.

    A floating rate resets at the start and every ``plan.reprice_months`` after; tenors above
    ``plan.lpr_5y_from_months`` price off the 5-year LPR, shorter ones off the 1-year LPR.
    """
    n = terms.n_periods
    if terms.rate_type == "fixed":
        return np.full(n, float(terms.fixed_rate))
    five = terms.tenor_months > plan.lpr_5y_from_months
    starts = _dates(terms)[:-1]
    step = plan.reprice_months
    out = np.empty(n)
    for p in range(n):
        months = (p * terms.period_months) // step * step
        reset = (pd.Timestamp(terms.start) + pd.DateOffset(months=months)).date()
        out[p] = _lpr_on(plan, reset, five) + terms.spread
    if (out < 0).any():
        raise PlanError(f"client {terms.client_id}: the spread {terms.spread} makes the rate "
                        f"negative on {starts[int(np.argmin(out))]}; raise the spread")
    return out


def cfads_path(terms: PlanTerms) -> np.ndarray:
    """CFADS per period: ``terms.cfads``, or ``cfads_annual`` grown yearly, split per period
    (NaN everywhere when the terms give no cash flow)."""
    n = terms.n_periods
    if terms.cfads is not None:
        return np.asarray(terms.cfads, dtype=float)
    if terms.cfads_annual is None:
        return np.full(n, np.nan)
    years = np.arange(n) * terms.period_months // 12
    return terms.cfads_annual * (1 + terms.cfads_growth) ** years * terms.period_months / 12


def _discount(r: np.ndarray) -> np.ndarray:
    """Discount factor of each period's end back to the start of the first of ``r``."""
    return np.cumprod(1 / (1 + r))


def debt_capacity(terms: PlanTerms, plan: PlanParams, target_dscr: float | None = None
                  ) -> float:
    """The largest amount a sculpted schedule repays at ``target_dscr`` (default the terms').

    ``sum_p (CFADS_p / target - other_p) / prod_{j<=p} (1 + r_j)`` over the repayment periods.
    NaN when the terms give no cash flow.
    """
    g, per = terms.grace_periods, terms.period_months / 12
    r = annual_rates(terms, plan)[g:] * per
    cf = cfads_path(terms)[g:]
    other = np.full(len(cf), terms.other_debt_service * per)
    return float(np.sum((cf / (target_dscr or terms.target_dscr) - other) * _discount(r)))


def _principal(terms: PlanTerms, opening: float, interest: float, r: float, p: int,
               sculpt_ds: np.ndarray | None) -> float:
    n, g, amount = terms.n_periods, terms.grace_periods, terms.amount
    m, k = n - g, p - g  # repayment periods, and this one's number (1..m)
    if k < 1:
        return 0.0
    if k == m:
        return opening
    prof = terms.profile
    if prof == "equal_principal":
        return amount / m
    if prof == "annuity":
        left = m - k + 1  # npf.pmt loses precision at rates within rounding of zero
        return (float(npf.pmt(r, left, -opening)) if r > 1e-9 else opening / left) - interest
    if prof == "balloon":
        return amount * (1 - terms.balloon_share) / m
    if prof == "bullet":
        return 0.0
    if prof == "custom":
        return amount * terms.custom_shares[k - 1]
    return float(sculpt_ds[k - 1]) - interest


def _sculpt(terms: PlanTerms, r: np.ndarray, cf: np.ndarray, other: np.ndarray
            ) -> tuple[np.ndarray, float]:
    g = terms.grace_periods
    cf_r, other_r = cf[g:], other[g:]
    if np.isnan(cf_r).any() or (cf_r <= 0).any():
        bad = int(np.flatnonzero(~(cf_r > 0))[0]) + g + 1
        raise PlanError(f"client {terms.client_id}: sculpted repayment needs positive CFADS in "
                        f"every repayment period; period {bad} has {cf[bad - 1]:,.0f}. Lengthen "
                        "grace_months past it or choose another profile.")
    df = _discount(r[g:])
    d = float(np.sum(cf_r * df) / (terms.amount + np.sum(other_r * df)))
    return cf_r / d - other_r, d


def schedule(terms: PlanTerms, plan: PlanParams) -> pd.DataFrame:
    """The plan's schedule, one row per period (columns :data:`SCHEDULE_COLUMNS`).

    Raises
    ------
    PlanError
        When a sculpted schedule cannot repay (CFADS not positive, or short of interest).
    """
    n, g, per = terms.n_periods, terms.grace_periods, terms.period_months / 12
    annual = annual_rates(terms, plan)
    r = annual * per
    cf = cfads_path(terms)
    other = np.full(n, terms.other_debt_service * per)
    sculpt_ds = _sculpt(terms, r, cf, other)[0] if terms.profile == "sculpted" else None
    draw = np.zeros(n)
    draw[: len(terms.drawdowns)] = np.asarray(terms.drawdowns) * terms.amount
    rows, balance = [], 0.0
    for p in range(1, n + 1):
        opening = balance + draw[p - 1]
        interest = opening * r[p - 1]
        principal = _principal(terms, opening, interest, r[p - 1], p, sculpt_ds)
        tol = 1e-6 + 1e-9 * terms.amount
        if principal < -tol or principal > opening + tol:
            raise PlanError(
                f"client {terms.client_id}: period {p} would repay {principal:,.0f} of a balance "
                f"of {opening:,.0f}; the cash flow after other debt service does not cover the "
                "interest. Lower the amount or the other debt service, or lengthen the grace.")
        fees = opening * terms.annual_fee_rate * per + (
            terms.upfront_fee_rate * terms.amount if p == 1 else 0.0)
        balance = opening - principal
        rows.append((p, interest, principal, fees, opening, balance))
    out = pd.DataFrame(rows, columns=["period", "interest", "principal", "fees", "opening",
                                      "closing"])
    out.insert(1, "date", pd.to_datetime(_dates(terms)[1:]))
    out.insert(2, "rate", annual)
    out.insert(3, "drawdown", draw)
    out.insert(out.columns.get_loc("principal") + 1, "debt_service",
               out["interest"] + out["principal"])
    out["closing"] = out["closing"].where(out["closing"].abs() > 1e-6, 0.0)
    out["cfads"] = cf
    out["other_debt_service"] = other
    out["dscr"] = cf / (out["debt_service"] + other).where(lambda s: s > 0)
    available = np.where(np.isnan(cf), np.nan, cf - other)
    pv_from = np.array([np.sum(available[p:] * _discount(r[p:])) for p in range(n)])
    out["llcr"] = pv_from / out["opening"].where(lambda s: s > 0)
    out["repaying"] = out["period"] > g
    return out[[*SCHEDULE_COLUMNS, "repaying"]]


def summary(sched: pd.DataFrame, terms: PlanTerms, plan: PlanParams,
            covenant_dscr: float) -> dict[str, float]:
    """Key figures of a schedule: totals, average life, DSCR, LLCR, covenant headroom.

    ``covenant_headroom`` is ``min DSCR / covenant - 1``: how far CFADS can fall before the
    covenant breaks (negative: already below it). DSCR figures cover the repayment periods.
    """
    rep = sched[sched["repaying"]]
    years = sched["period"] * terms.period_months / 12
    dscr = rep["dscr"].dropna()
    first = rep.iloc[0]
    min_dscr = float(dscr.min()) if len(dscr) else float("nan")
    return {
        "amount": terms.amount,
        "total_interest": float(sched["interest"].sum()),
        "total_fees": float(sched["fees"].sum()),
        "total_debt_service": float(sched["debt_service"].sum()),
        "average_life_years": float((sched["principal"] * years).sum() / terms.amount),
        "average_balance": float(sched["opening"].mean()),
        "first_rate": float(sched["rate"].iloc[0]),
        "min_dscr": min_dscr,
        "avg_dscr": float(dscr.mean()) if len(dscr) else float("nan"),
        "llcr": float(first["llcr"]),
        "covenant_dscr": covenant_dscr,
        "covenant_headroom": min_dscr / covenant_dscr - 1,
        "periods_below_covenant": int((dscr < covenant_dscr).sum()),
        "target_dscr": terms.target_dscr,
        "debt_capacity": (debt_capacity(terms, plan) if not np.isnan(first["cfads"])
                          else float("nan")),
    }
