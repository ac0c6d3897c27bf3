"""Facilities, their quarterly repayment schedules and the payments made against them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmkit.core.contract import CODES
from crmkit.sample.base import (
    NO_DATE,
    Ctx,
    Latent,
    choice,
    from_month_day,
    month_day,
    sigmoid,
    uniform_days,
)
from crmkit.sample.names import ids, pick
from crmkit.sample.projects import Projects
from crmkit.sample.spec import INDUSTRY_MIX, SIZE_MIX

__all__ = ["Loans", "loans", "PRODUCT_TERMS"]

_PRODUCTS = list(CODES["product"])
_PROJECT_HEAVY = {"energy", "renewables", "infrastructure", "utilities", "transport",
                  "construction", "real_estate", "mining"}
#: Product mix (order of CODES["product"]) for project-heavy industries and for the others.
_MIX_HEAVY = (0.10, 0.30, 0.15, 0.25, 0.05, 0.15)
_MIX_OTHER = (0.02, 0.18, 0.30, 0.30, 0.15, 0.05)
#: Tenor range in years per product.
PRODUCT_TERMS = {"project_finance": (5, 15), "long_term": (3, 10), "short_term": (1, 1),
                 "working_capital": (1, 3), "trade_finance": (1, 1), "syndicated": (3, 7)}
#: Median amount as a share of the client's total assets, and the rate spread, per product.
_FRAC = {"project_finance": 0.20, "long_term": 0.10, "short_term": 0.05,
         "working_capital": 0.06, "trade_finance": 0.04, "syndicated": 0.15}
_SPREAD = {"project_finance": 0.006, "long_term": 0.004, "short_term": 0.0,
           "working_capital": 0.002, "trade_finance": -0.004, "syndicated": 0.002}
_SIZE_SPREAD = {"large": -0.004, "medium": 0.0, "small": 0.006, "micro": 0.012}
#: Collateral mix (order of CODES["collateral_type"]) per product.
_COLLATERAL = {
    "project_finance": (0.15, 0.0, 0.15, 0.70, 0.0), "long_term": (0.45, 0.15, 0.30, 0.0, 0.10),
    "short_term": (0.15, 0.15, 0.40, 0.0, 0.30), "working_capital": (0.15, 0.15, 0.40, 0.0, 0.30),
    "trade_finance": (0.0, 0.5, 0.2, 0.0, 0.3), "syndicated": (0.3, 0.0, 0.3, 0.0, 0.4),
}
_N_FAC = {"large": (0.05, 0.25, 0.35, 0.35), "medium": (0.3, 0.4, 0.2, 0.1),
          "small": (0.5, 0.35, 0.15, 0.0), "micro": (0.7, 0.3, 0.0, 0.0)}


@dataclass
class Loans:
    """The chunk's facilities and repayments (local indices) and per-client summaries."""

    facilities: dict[str, object]   #: ``client_id`` holds local client indices
    repayments: dict[str, object]   #: ``facility_id`` holds local facility indices
    bank_due: np.ndarray            #: (n, 3) amount due to the bank per fiscal year
    maturing: np.ndarray            #: per client: a live facility matures within 12 months
    first_missed: np.ndarray        #: per client: due date of the first missed instalment


def _by_product(table: dict[str, float], product: np.ndarray) -> np.ndarray:
    return np.array([table[p] for p in _PRODUCTS])[product]


def _take(values: np.ndarray, idx: np.ndarray, fill: float = 0) -> np.ndarray:
    """``values[idx]`` where ``idx >= 0``, else ``fill`` (works for an empty ``values``)."""
    padded = np.append(values, fill)
    return padded[np.where(idx >= 0, idx, len(values))]


def _draw_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((cum < rng.random((len(probs), 1))).sum(axis=1), probs.shape[1] - 1)


def loans(ctx: Ctx, lat: Latent, proj: Projects) -> Loans:
    """Draw 1-4 facilities per client and their quarterly schedules and payments.

    Instalments run quarterly from the start month to maturity and are listed up to 12 months
    after as_of (later ones are omitted). See ``docs/sample-portfolio.md`` for the payment
    model.
    """
    rng, n, P, A, A_m = ctx.rng, ctx.n, ctx.planted, ctx.A, ctx.A_m
    pi = {p: i for i, p in enumerate(_PRODUCTS)}

    # -- facilities per client, linked projects first --------------------------------------
    linked = proj.start <= A
    proj_of = np.full((n, 2), -1, dtype=np.int64)
    proj_of[proj.owner[linked], proj.ordinal[linked]] = np.flatnonzero(linked)
    size_names = list(SIZE_MIX)
    n_fac = 1 + _draw_rows(rng, np.array([_N_FAC[s] for s in size_names])[lat.size])
    n_fac = np.maximum(n_fac, (proj_of >= 0).sum(axis=1))
    owner = np.repeat(np.arange(n), n_fac)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(n_fac) - n_fac, n_fac)
    F = len(owner)
    link = np.where(j < 2, proj_of[owner, np.minimum(j, 1)], -1)
    f0 = j == 0

    heavy = np.array([k in _PROJECT_HEAVY for k in INDUSTRY_MIX])[lat.industry[owner]]
    product = _draw_rows(rng, np.where(heavy[:, None], _MIX_HEAVY, _MIX_OTHER))
    large = lat.size[owner] == size_names.index("large")
    product[(product == pi["syndicated"]) & ~large] = pi["long_term"]
    product[link >= 0] = np.where(large[link >= 0] & (rng.random((link >= 0).sum()) < 0.15),
                                  pi["syndicated"], pi["project_finance"])
    dflt0 = f0 & lat.defaulter[owner]
    short = np.isin(product, [pi["short_term"], pi["working_capital"], pi["trade_finance"]])
    product[dflt0 & short] = pi["long_term"]
    t_lo, t_hi = (np.array([PRODUCT_TERMS[p][i] for p in _PRODUCTS])[product] for i in (0, 1))
    T = 12 * (t_lo + (rng.random(F) * (t_hi - t_lo + 1)).astype(np.int64))

    # -- start dates under the churn / default / live-relationship constraints -------------
    churned = lat.churned[owner]
    churn_m, _ = month_day(np.where(lat.churned, lat.churn_day, A))
    onb_m, _ = month_day(lat.onboarding)
    lo = np.maximum(onb_m[owner] + 1, ctx.first_start_m)
    # a defaulter's first facility starts at least six months before its default window
    dlo_m, _ = month_day(np.where(lat.defaulter, lat.default_lo, A))
    hi = np.where(churned, churn_m[owner] - 12, np.where(dflt0, dlo_m[owner] - 6, A_m))
    live0 = f0 & ~churned & (link < 0) & ~dflt0
    lo = np.where(live0, np.maximum(lo, A_m - T + np.where(dflt0, 4, 1)), lo)
    start_m = lo + (rng.random(F) * (hi - lo + 1)).astype(np.int64)
    day = rng.integers(1, 29, F)
    pref_m, pref_d = month_day(_take(proj.start, link, A) + rng.integers(0, 61, F))
    start_m = np.where(link >= 0, np.clip(pref_m, lo, hi), start_m)
    day = np.where(link >= 0, np.minimum(pref_d, 28), day)
    day = np.where(start_m == A_m, np.minimum(day, ctx.as_of.day), day)
    need = np.where(dflt0, A_m - start_m + 4, A_m - start_m + 1)
    T = np.where(f0 & ~churned, np.maximum(T, -(-need // 12) * 12), T)
    T = np.where(churned, np.minimum(T, (churn_m[owner] - start_m) // 3 * 3), T)
    T = np.clip(T, 12, 180)
    start = from_month_day(start_m, day)
    maturity = from_month_day(start_m + T, day)
    last_mat = np.zeros(n, np.int64)
    np.maximum.at(last_mat, owner, maturity)
    lat.churn_day = np.where(lat.churned, np.maximum(lat.churn_day, last_mat), lat.churn_day)

    # -- amounts, prices, collateral --------------------------------------------------------
    amount = np.where(link >= 0, _take(proj.investment, link) * rng.uniform(0.55, 0.75, F),
                      lat.assets[owner] * _by_product(_FRAC, product)
                      * np.exp(0.5 * rng.standard_normal(F)))
    amount = np.clip(amount, 1e7, 8e9)
    amount = np.where(amount < 1e8, np.round(amount / 1e5) * 1e5, np.round(amount / 1e6) * 1e6)
    start_year = start.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    base = np.clip(0.047 - 0.002 * (start_year - 2018), 0.030, 0.050)
    rate = (base + _by_product(_SPREAD, product)
            + np.array([_SIZE_SPREAD[s] for s in size_names])[lat.size[owner]]
            + 0.005 * lat.z[owner] + rng.normal(0, 0.003, F))
    rate = np.round(np.clip(rate, 0.025, 0.07), 4)
    pf_like = np.isin(product, [pi["project_finance"], pi["syndicated"]])
    fee_rate = np.where(pf_like, rng.uniform(0.002, 0.008, F), rng.uniform(0.0005, 0.002, F))
    collateral = _draw_rows(rng, np.array([_COLLATERAL[p] for p in _PRODUCTS])[product])
    cur = np.where(lat.overseas[owner], choice(rng, [0, 0.6, 0.15, 0.25], F),
                   np.where((product == pi["trade_finance"]) & (rng.random(F) < 0.3), 1, 0))

    # -- schedule: quarterly instalments, grace then equal principal (bullet if short) ------
    n_q = T // 3
    cnt = np.minimum(n_q, (A_m + 12 - start_m) // 3)
    fac = np.repeat(np.arange(F), cnt)
    k = 1 + np.arange(len(fac)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    due = from_month_day(start_m[fac] + 3 * k, day[fac])
    grace = np.select([product == pi["project_finance"], product == pi["long_term"],
                       product == pi["syndicated"]],
                      [rng.integers(4, 9, F), rng.integers(0, 5, F), rng.integers(0, 3, F)],
                      n_q - 1)
    grace = np.minimum(grace, n_q - 1)
    per = amount / (n_q - grace)
    principal = np.where(k > grace[fac], per[fac], 0.0)
    before = amount[fac] - per[fac] * np.clip(k - 1 - grace[fac], 0, None)
    amount_due = np.round(principal + before * rate[fac] / 4, 2)

    # -- payments ---------------------------------------------------------------------------
    own = owner[fac]
    past = due <= A
    first_fac = np.cumsum(n_fac) - n_fac
    t_start = uniform_days(rng, lat.default_lo, np.where(lat.defaulter, lat.default_hi, A))
    on_f0 = lat.defaulter[own] & (fac == first_fac[own])
    d0 = np.full(n, np.iinfo(np.int64).max)
    cand = on_f0 & (due >= t_start[own])
    np.minimum.at(d0, own[cand], due[cand])
    d0 = np.where(lat.defaulter, d0, NO_DATE)
    d0r = d0[own]
    dr = lat.defaulter[own]
    pre = np.where(dr & (due < d0r), np.clip(1 - (d0r - due) / P.pre_default_days, 0, 1), 0.0)
    after_slip = (lat.slip_day[own] != NO_DATE) & (due >= lat.slip_day[own])
    logit = (P.late_intercept + P.late_z * lat.z[own] + P.late_after_slip * after_slip
             + P.late_pre_default * pre
             + P.late_cross_default * (dr & ~on_f0 & (due >= d0r - 90)))
    late = rng.random(len(fac)) < sigmoid(logit)
    scale = P.late_days_scale + P.late_days_z * np.maximum(lat.z[own], 0) + 10 * pre
    days_late = np.minimum(1 + np.floor(rng.exponential(scale)), P.late_days_cap)
    early = np.where(rng.random(len(fac)) < 0.3, rng.integers(1, 6, len(fac)), 0)
    paid = np.where(late, due + days_late.astype(np.int64), due - early)
    frac_paid = np.where(late & (rng.random(len(fac)) < P.partial_share),
                         rng.uniform(0.5, 0.95, len(fac)), 1.0)

    # the defaulted facility's status at as_of, by the default's age (see Planted.status_*)
    st_codes = list(CODES["facility_status"])
    ACTIVE, CLOSED, DEFAULT, RESTR = (st_codes.index(k) for k in
                                      ("active", "closed", "default", "restructured"))
    fstatus = np.full(F, ACTIVE)             # index into CODES["facility_status"]
    u = rng.random(F)
    dfac = first_fac[lat.defaulter]
    shares = np.where((lat.default_age[lat.defaulter] == 0)[:, None],
                      np.array(P.status_recent), np.array(P.status_older))
    fstatus[dfac] = np.array([DEFAULT, RESTR, ACTIVE, CLOSED])[
        (u[dfac][:, None] > np.cumsum(shares, axis=1)).sum(axis=1).clip(0, 3)]
    missed = on_f0 & (due >= d0r)
    mstat = fstatus[fac]
    # cured or restructured: the instalments of the next six months paid 95-200 days late,
    # then back on schedule
    cured = missed & np.isin(mstat, [RESTR, ACTIVE]) & (due < d0r + 182)
    missed = missed & ~(np.isin(mstat, [RESTR, ACTIVE]) & ~cured)
    part = missed & (mstat == DEFAULT) & (rng.random(len(fac)) < 0.25)
    late_pay = due + rng.integers(95, 201, len(fac))
    # worked out (closed): everything still owed is settled at a loss at the workout date
    workout = np.minimum(d0 + rng.integers(180, 541, n), A - 30)
    wo = missed & (mstat == CLOSED)
    paid = np.where(missed, np.where(cured | part, late_pay, A + 1), paid)
    paid = np.where(wo, np.maximum(workout[own], due + 91), paid)
    frac_paid = np.where(missed, np.where(part, rng.uniform(0.1, 0.5, len(fac)), 1.0), frac_paid)
    frac_paid = np.where(wo, rng.uniform(0.3, 0.7, len(fac)), frac_paid)
    dropped = wo & (due > workout[own])       # no instalments after the facility was closed
    cl = churned[fac]
    paid = np.where(cl, np.minimum(paid, lat.churn_day[own]), paid)
    frac_paid = np.where(cl, 1.0, frac_paid)
    keep = ~dropped
    fac, due, amount_due, paid, frac_paid, own, past, principal = (
        x[keep] for x in (fac, due, amount_due, paid, frac_paid, own, past, principal))
    made = past & (paid <= A)
    amount_paid = np.where(made, np.round(amount_due * frac_paid, 2), np.nan)

    # -- status, balance, what the client owes per fiscal year ------------------------------
    shortfall = past & ~(made & (frac_paid >= 1.0))
    open_rows = np.bincount(fac, shortfall, minlength=F) > 0
    closed = ((maturity <= A) & ~open_rows & (fstatus == ACTIVE)) | (fstatus == CLOSED)
    fstatus[closed] = CLOSED
    repaid = np.bincount(fac, np.where(made, principal * frac_paid, 0.0), minlength=F)
    outstanding = np.where(closed, 0.0, np.round(np.maximum(amount - repaid, 0.0), 2))
    fy0 = ctx.fiscal_years[0]
    year = due.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970 - fy0
    Y = len(ctx.fiscal_years)
    inside = (year >= 0) & (year < Y)
    bank_due = np.bincount(own[inside] * Y + year[inside], amount_due[inside],
                           minlength=Y * n).reshape(n, Y)
    maturing = np.zeros(n, bool)
    maturing[owner[(fstatus != st_codes.index("closed")) & (maturity > A)
                   & (maturity <= A + 365)]] = True

    facilities = {
        "facility_id": ids("F", ctx.start_ids.get("F", 1), F, 8),
        "client_id": owner,
        "product": pick(_PRODUCTS, product),
        "currency": pick(list(CODES["currency"]), cur),
        "amount": amount,
        "outstanding": outstanding,
        "start_date": start,
        "maturity_date": maturity,
        "interest_rate": rate,
        "fees": np.round(amount * fee_rate),
        "collateral_type": pick(list(CODES["collateral_type"]), collateral),
        "status": pick(st_codes, fstatus),
        "project_id": link,                      # local project index, -1 for none
    }
    repayments = {
        "facility_id": fac,
        "due_date": due,
        "amount_due": amount_due,
        "paid_date": np.where(made, paid, NO_DATE),
        "amount_paid": amount_paid,
    }
    return Loans(facilities=facilities, repayments=repayments, bank_due=bank_due,
                 maturing=maturing, first_missed=d0)
