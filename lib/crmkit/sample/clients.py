"""Clients, their hidden risk/service state, the default draw and the financial statements."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from crmkit.core.contract import CODES
from crmkit.sample.base import (
    NO_DATE,
    Ctx,
    Latent,
    choice,
    rank_top,
    to_days,
    uniform_days,
)
from crmkit.sample.names import (
    CITIES,
    RMS,
    company_names,
    credit_codes,
    group_names,
    ids,
    person_names,
    pick,
)
from crmkit.sample.spec import APPETITE_MIX, INDUSTRY_MIX, SIZE_MIX

__all__ = ["clients", "choose_defaulters", "financials", "lifecycle_stage", "ASSET_MEDIAN"]

#: Median total assets (yuan) of the latest fiscal year, per size class.
ASSET_MEDIAN = {"large": 2e10, "medium": 2e9, "small": 3e8, "micro": 6e7}
#: EBITDA margin per industry (the revenue is EBITDA / margin).
_MARGIN = {
    "energy": 0.30, "renewables": 0.45, "infrastructure": 0.35, "transport": 0.20,
    "manufacturing": 0.12, "real_estate": 0.22, "construction": 0.08, "mining": 0.20,
    "chemicals": 0.14, "agriculture": 0.10, "technology": 0.15, "healthcare": 0.18,
    "retail": 0.05, "utilities": 0.30,
}
#: Current assets as a share of total assets, per industry (asset-heavy industries low).
_CURRENT_SHARE = {
    "energy": 0.18, "renewables": 0.15, "infrastructure": 0.15, "transport": 0.25,
    "manufacturing": 0.50, "real_estate": 0.65, "construction": 0.60, "mining": 0.30,
    "chemicals": 0.40, "agriculture": 0.45, "technology": 0.55, "healthcare": 0.50,
    "retail": 0.65, "utilities": 0.15,
}
_IND = list(INDUSTRY_MIX)


def _vec(d: dict[str, float], keys: list[str]) -> np.ndarray:
    return np.array([d[k] for k in keys])


def clients(ctx: Ctx) -> tuple[dict[str, object], Latent]:
    """Client columns (all but ``lifecycle_stage``) and the clients' latent state."""
    rng, n, P, A = ctx.rng, ctx.n, ctx.planted, ctx.A
    g = ctx.first + np.arange(n, dtype=np.int64)
    industry = choice(rng, INDUSTRY_MIX, n)
    size = choice(rng, SIZE_MIX, n)
    appetite = choice(rng, APPETITE_MIX, n)
    city, name = company_names(g, ctx.seed, industry, rng)
    regions = list(CODES["region"])
    region = np.array([regions.index(c[2]) for c in CITIES])[city]
    admin = np.array([int(c[3] or 0) for c in CITIES])[city]

    # parent groups: members of one group share a relationship manager and a risk factor
    member = rng.random(n) < P.group_share
    n_groups = max(1, int(round(member.sum() / 3.5)))
    grp = np.full(n, -1, dtype=np.int64)
    grp[member] = rng.integers(0, n_groups, int(member.sum()))
    used, first_pos = np.unique(grp[member], return_index=True)
    leader = np.flatnonzero(member)[first_pos]          # local index of each group's leader
    slot = np.full(n_groups, -1, dtype=np.int64)
    slot[used] = np.arange(len(used))
    gnames = group_names(g[leader], ctx.seed, rng)
    group_name = gnames.take(pa.array(slot[np.maximum(grp, 0)], mask=grp < 0))

    rm = rng.integers(0, len(RMS), n)
    rm[member] = rm[leader[slot[grp[member]]]]
    zg = rng.standard_normal(n_groups)
    e = rng.standard_normal(n)
    z = e.copy()
    z[member] = P.group_corr * zg[grp[member]] + np.sqrt(1 - P.group_corr**2) * e[member]
    z += (_vec(P.z_industry, _IND)[industry] + _vec(P.z_size, list(SIZE_MIX))[size]
          + _vec(P.z_appetite, list(APPETITE_MIX))[appetite])
    slowness = np.array([r[1] for r in RMS])
    s = P.rm_slowness_weight * slowness[rm] + 0.8 * rng.standard_normal(n)

    # onboarding: 12 % new in the last year, the others since January, 18 years before as_of
    oldest = to_days(ctx.as_of.replace(year=ctx.as_of.year - 18, month=1, day=1))
    new = rng.random(n) < 0.12
    onb = np.where(new, uniform_days(rng, A - 365, A - 31, n),
                   uniform_days(rng, oldest, A - 366, n))
    eligible = onb <= A - 730
    churned = rank_top(rng, P.churn_s * s, eligible, P.churn_share)
    churn_day = np.where(churned, uniform_days(rng, A - 540, A - 30, n), NO_DATE)
    onb = np.where(churned, np.minimum(onb, churn_day - 3 * 365), onb)

    med = _vec(ASSET_MEDIAN, list(SIZE_MIX))[size]
    assets = np.clip(med * np.exp(0.6 * rng.standard_normal(n)), 0.2 * med, 5 * med)
    cap = assets * rng.uniform(0.05, 0.2, n)
    cap = np.maximum(np.round(cap / 1e6) * 1e6, 1e6)

    cols: dict[str, object] = {
        "client_id": ids("C", ctx.first + 1, n, 7),
        "client_name": name,
        "legal_rep": person_names(n, rng),
        "credit_code": credit_codes(g, ctx.seed, admin),
        "registered_capital": cap,
        "industry": pick(_IND, industry),
        "region": pick(regions, region),
        "province": pick([c[1] for c in CITIES], city),
        "size_class": pick(list(SIZE_MIX), size),
        "relationship_manager": pick([r[0] for r in RMS], rm),
        "onboarding_date": onb,
        "risk_appetite": pick(list(APPETITE_MIX), appetite),
        "group_name": group_name,
    }
    lat = Latent(z=z, s=s, industry=industry, size=size,
                 overseas=region == regions.index("overseas"), city=city, onboarding=onb,
                 eligible=eligible, churned=churned, churn_day=churn_day, assets=assets)
    return cols, lat


def choose_defaulters(ctx: Ctx, lat: Latent, slip_day: np.ndarray) -> None:
    """Draw the clients with a default (90+ days past due) in the ``default_years`` before as_of.

    Exactly ``default_share`` of the eligible, non-churned clients default, ranked by
    ``default_z * z + default_slip * slipped + Logistic noise``; ``slipped`` means a project
    milestone became ``slip_days`` late early enough (by as_of - 215 days) to precede it.
    Each defaulter gets a yearly cohort ``default_age`` (0 = the last 12 months), at most as
    old as its relationship allows (two years of history before the default); a slipped
    milestone puts the default in the year after the slip. Sets ``lat.defaulter``,
    ``lat.default_age`` and the window ``[default_lo, default_hi]`` of the first missed due date.
    """
    P, A, rng = ctx.planted, ctx.A, ctx.rng
    slipped = (slip_day != NO_DATE) & (slip_day <= A - 215)
    logit = P.default_z * lat.z + P.default_slip * slipped
    lat.defaulter = rank_top(rng, logit, lat.eligible & ~lat.churned, P.default_share)
    lat.slip_day = slip_day
    oldest = np.clip((A - lat.onboarding) // 365 - 2, 0, P.default_years - 1)
    age = np.minimum(rng.integers(0, P.default_years, ctx.n), oldest)
    slip_age = np.clip((A - 30 - slip_day) // 365, 0, P.default_years - 1)
    age = np.where(slipped, np.minimum(slip_age, oldest), age)
    lat.default_age = np.where(lat.defaulter, age, -1)
    hi = A - 365 * age - np.where(age == 0, 185, 0)
    lo = A - 365 * (age + 1)
    lat.default_lo = np.where(slipped, np.clip(slip_day + 30, lo, hi), lo)
    lat.default_hi = hi


def financials(ctx: Ctx, lat: Latent, bank_due: np.ndarray) -> dict[str, object]:
    """Three fiscal years of statements per client, consistent with the bank's schedules.

    ``bank_due[i, t]`` is the principal and interest the client owes this bank in fiscal year
    ``t`` (from the repayments table); other lenders' debt service is added on top.
    """
    rng, n, P = ctx.rng, ctx.n, ctx.planted
    years = np.array(ctx.fiscal_years)
    Y = len(years)
    t = np.arange(Y)[None, :]                               # 0 = oldest .. Y-1 = latest
    # deterioration before a default: 0, 1, 2 over the three fiscal years up to the default
    default_year = ctx.as_of.year - np.maximum(lat.default_age, 0)
    ramp = np.clip(years[None, :] - (default_year[:, None] - 3), 0, 2)
    dflt = np.where(lat.defaulter[:, None], ramp / 2.0, 0.0)
    growth = np.clip(rng.normal(0.06, 0.07, (n, 1)), -0.15, 0.3)
    assets = lat.assets[:, None] / (1 + growth) ** (Y - 1 - t)
    lev_logit = (P.lev_z * lat.z[:, None] + P.lev_noise * rng.standard_normal((n, 1))
                 + 0.15 * rng.standard_normal((n, Y)) + P.lev_trend * 2 * dflt)
    lev = P.lev_floor + P.lev_span / (1 + np.exp(-lev_logit))
    liabilities = lev * assets
    ind = lat.industry
    cur_share = _vec(_CURRENT_SHARE, _IND)[ind][:, None] * rng.uniform(0.7, 1.3, (n, 1))
    current_assets = assets * np.clip(cur_share, 0.05, 0.9)
    current_liabilities = liabilities * rng.uniform(0.3, 0.7, (n, 1)) * (
        1 + 0.1 * np.maximum(lat.z, 0)[:, None])
    current_liabilities = np.minimum(current_liabilities, 0.95 * liabilities)
    interest = 0.55 * liabilities * rng.uniform(0.035, 0.055, (n, 1))
    other_service = 0.55 * liabilities * rng.uniform(0.08, 0.16, (n, 1))
    debt_service = bank_due + other_service
    log_dscr = (P.dscr_mu - P.dscr_z * lat.z[:, None]
                + P.dscr_noise * (rng.standard_normal((n, 1)) + rng.standard_normal((n, Y)))
                - P.dscr_trend * 2 * dflt)
    ebitda = np.exp(log_dscr) * debt_service
    margin = _vec(_MARGIN, _IND)[ind][:, None] * rng.uniform(0.75, 1.25, (n, 1))
    revenue = ebitda / margin
    dep = assets * rng.uniform(0.02, 0.05, (n, 1))
    ebt = ebitda - dep - interest
    net_income = np.where(ebt > 0, 0.75 * ebt, ebt)
    ocf = ebitda * (0.92 - 0.06 * lat.z[:, None] + 0.07 * rng.standard_normal((n, Y)))

    def flat(x: np.ndarray) -> np.ndarray:
        return np.round(x).ravel()

    return {
        "client_id": np.repeat(np.arange(n), Y),            # local index, mapped to ids later
        "fiscal_year": np.tile(years, n),
        "total_assets": flat(assets), "total_liabilities": flat(liabilities),
        "current_assets": flat(current_assets), "current_liabilities": flat(current_liabilities),
        "revenue": flat(revenue), "net_income": flat(net_income), "ebitda": flat(ebitda),
        "operating_cash_flow": flat(ocf), "interest_expense": flat(interest),
        "debt_service": flat(debt_service),
    }


def lifecycle_stage(ctx: Ctx, lat: Latent, executing: np.ndarray,
                    assessing: np.ndarray) -> np.ndarray:
    """Lifecycle stage index (order of ``CODES['lifecycle_stage']``) per client.

    Churned clients are in *exit* (65 %) or *maintenance*; defaulters in workout are *exit*
    15 % of the time; clients onboarded in the last year are *acquisition*; clients with a
    project under way *execution* (80 %); clients with an open financing request
    *assessment* (50 %); everyone else *maintenance*.
    """
    rng, A = ctx.rng, ctx.A
    stages = list(CODES["lifecycle_stage"])
    u = rng.random(ctx.n)
    out = np.full(ctx.n, stages.index("maintenance"))
    out[assessing & (u < 0.5)] = stages.index("assessment")
    out[executing & (u < 0.8)] = stages.index("execution")
    out[lat.onboarding > A - 365] = stages.index("acquisition")
    out[lat.defaulter & (u < 0.15)] = stages.index("exit")
    out[lat.churned & (u < 0.65)] = stages.index("exit")
    return out
