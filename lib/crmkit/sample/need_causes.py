"""Financing needs with a cause, planted so that a need forecast can be backtested honestly.

Four causes, each drawn from its own random stream (so every other table stays as it was):

* **refinancing** — a share ``refi_ask_share`` of facilities is refinanced: the client asks
  ``refi_lead`` (30-120) days before maturity, for 80-110 % of the facility amount. The
  facility a defaulter defaulted on is never refinanced.
* **project capex** — a share ``capex_ask_share`` of project phases (a project, its 一期 /
  二期工程) has its capex loan asked ``capex_lead`` (15-90) days before the planned start, for
  50-70 % of the investment.
* **seasonal working capital** — clients of seasonal industries (``seasonal_share``) ask in
  the same quarter (their industry's, 70 % of the time) in ``seasonal_year_share`` of the years,
  for a client-typical amount (+-15 %).
* **growth** — after a fiscal year whose revenue grew by ``growth_min`` or more, the client
  asks with probability ``growth_ask_share`` for a new loan of 30-60 % of the revenue increase
  (at most ``growth_cap`` of last year's revenue), within a year of the statements being
  published (120 days after year end).

The existing needs of :func:`crmkit.sample.contacts.needs` stay as they are: they are the noise.
Nothing is dated after as_of, and churned clients ask for nothing in their last year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.core.contract import CODES
from crmkit.sample.base import Ctx, Latent, sigmoid, to_days
from crmkit.sample.names import ids, pick
from crmkit.sample.spec import INDUSTRY_MIX

__all__ = ["plant_need_causes"]

_NEEDS = list(CODES["need_type"])
_COLL = list(CODES["collateral_type"])
_STREAM = 0x6E656564            # "need": the causes' own random stream
_PUBLISHED = 120                # statements known this many days after the fiscal year end


def _round(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(x / 1e5) * 1e5, 1e6)


def _refinancing(rng, ctx, lat, fac, first_missed):
    P = ctx.planted
    owner = np.asarray(fac["client_id"])
    F = len(owner)
    first = np.r_[True, owner[1:] != owner[:-1]] if F else np.zeros(0, bool)
    mat, start = np.asarray(fac["maturity_date"]), np.asarray(fac["start_date"])
    defaulted = lat.defaulter[owner] & first & (mat >= first_missed[owner])
    ask = (rng.random(F) < P.refi_ask_share) & ~defaulted
    date = mat - rng.integers(P.refi_lead[0], P.refi_lead[1] + 1, F)
    amount = _round(np.asarray(fac["amount"], float) * rng.uniform(0.8, 1.1, F))
    term = 12 * np.clip(np.round((mat - start) / 365.25), 1, 15).astype(np.int64)
    keep = ask & (date > start)
    return owner[keep], date[keep], np.full(keep.sum(), _NEEDS.index("refinancing")), \
        amount[keep], term[keep], rng.integers(0, 3, F)[keep]


def _capex(rng, ctx, proj_owner, proj_start, investment):
    P = ctx.planted
    m = len(proj_owner)
    ask = rng.random(m) < P.capex_ask_share
    date = proj_start - rng.integers(P.capex_lead[0], P.capex_lead[1] + 1, m)
    amount = _round(investment * rng.uniform(0.5, 0.7, m))
    term = 12 * rng.integers(5, 16, m)
    return proj_owner[ask], date[ask], np.full(ask.sum(), _NEEDS.index("new_loan")), \
        amount[ask], term[ask], np.full(ask.sum(), _COLL.index("project_assets"))


def _seasonal(rng, ctx, lat):
    P, n = ctx.planted, ctx.n
    ind = list(INDUSTRY_MIX)
    share = np.array([P.seasonal_share[k] for k in ind])[lat.industry]
    usual = np.array([P.seasonal_quarter.get(k, 1) for k in ind])[lat.industry] - 1
    seasonal = rng.random(n) < share
    quarter = np.where(rng.random(n) < 0.7, usual, rng.integers(0, 4, n))
    base = lat.assets * 0.04 * np.exp(0.3 * rng.standard_normal(n))
    years = np.arange(ctx.as_of.year - int(np.ceil(P.contact_years)) - 1, ctx.as_of.year + 1)
    owner = np.repeat(np.arange(n), len(years))
    year = np.tile(years, n)
    q = quarter[owner]
    q0 = (np.datetime64("1970-01", "M") + (year - 1970) * 12 + 3 * q).astype("datetime64[D]")
    q1 = (np.datetime64("1970-01", "M") + (year - 1970) * 12 + 3 * q + 3).astype("datetime64[D]")
    q0, q1 = q0.astype(np.int64), q1.astype(np.int64)
    date = q0 + (rng.random(len(owner)) * (q1 - q0)).astype(np.int64)
    ask = seasonal[owner] & (rng.random(len(owner)) < P.seasonal_year_share)
    amount = _round(base[owner] * np.exp(0.15 * rng.standard_normal(len(owner))))
    return owner[ask], date[ask], np.full(ask.sum(), _NEEDS.index("working_capital")), \
        amount[ask], np.full(ask.sum(), 12), rng.integers(0, 3, len(owner))[ask]


def _growth(rng, ctx, fin):
    P = ctx.planted
    years = np.asarray(ctx.fiscal_years)
    Y = len(years)
    rev = np.asarray(fin["revenue"], float).reshape(-1, Y)
    n = len(rev)
    g = rev[:, 1:] / rev[:, :-1] - 1
    owner = np.repeat(np.arange(n), Y - 1)
    grow = g.ravel() >= P.growth_min
    ask = grow & (rng.random(len(owner)) < P.growth_ask_share)
    pub = np.tile([to_days(dt.date(int(y), 12, 31)) for y in years[1:]], n) + _PUBLISHED
    date = pub + rng.integers(0, 365, len(owner))
    delta = np.minimum(rev[:, 1:] - rev[:, :-1], P.growth_cap * rev[:, :-1]).ravel()
    amount = _round(delta * rng.uniform(0.3, 0.6, len(owner)))
    term = 12 * rng.integers(1, 6, len(owner))
    return owner[ask], date[ask], np.full(ask.sum(), _NEEDS.index("new_loan")), \
        amount[ask], term[ask], rng.integers(0, 3, len(owner))[ask]


def plant_need_causes(ctx: Ctx, lat: Latent, need: dict[str, object], fac: dict[str, object],
                      first_missed: np.ndarray, proj_owner: np.ndarray, proj_start: np.ndarray,
                      investment: np.ndarray, fin: dict[str, object]) -> dict[str, object]:
    """The needs table of a chunk with the planted causes added (sorted, ids renumbered).

    ``need`` is what :func:`crmkit.sample.contacts.needs` returned; ``fac`` the facilities'
    columns (local client indices, int days); ``fin`` the financial statements' columns.
    """
    rng = np.random.default_rng([ctx.seed, ctx.first, _STREAM])
    A, P = ctx.A, ctx.planted
    parts = [_refinancing(rng, ctx, lat, fac, first_missed),
             _capex(rng, ctx, proj_owner, proj_start, investment),
             _seasonal(rng, ctx, lat), _growth(rng, ctx, fin)]
    owner, date, kind, amount, term, coll = (np.concatenate([p[i] for p in parts])
                                             for i in range(6))
    start = np.maximum(lat.onboarding + 1, A - int(P.contact_years * 365))
    end = np.where(lat.churned, A - 366, A)
    keep = (date >= start[owner]) & (date <= end[owner])
    owner, date, kind, amount, term, coll = (x[keep] for x in
                                             (owner, date, kind, amount, term, coll))
    m = len(owner)
    recent = date > A - 90
    fulfilled = rng.random(m) < np.where(recent, 0.15, sigmoid(1.2 - 0.8 * lat.z[owner]))

    # the noise needs of contacts.needs, back to codes
    old_kind = pc.index_in(need["need_type"], value_set=pa.array(_NEEDS)).to_numpy(
        zero_copy_only=False)
    old_coll = pc.fill_null(pc.index_in(need["collateral_offered"], value_set=pa.array(_COLL)),
                            -1).to_numpy(zero_copy_only=False)
    old_term, old_mask = need["term_months"]
    all_owner = np.concatenate([np.asarray(need["client_id"]), owner])
    all_date = np.concatenate([np.asarray(need["request_date"]), date])
    all_kind = np.concatenate([old_kind.astype(np.int64), kind])
    order = np.lexsort((all_kind, all_date, all_owner))
    cat = {
        "amount": np.concatenate([np.asarray(need["requested_amount"], float), amount]),
        "term": np.concatenate([np.asarray(old_term, np.int64), term]),
        "mask": np.concatenate([np.asarray(old_mask, bool), np.zeros(m, bool)]),
        "coll": np.concatenate([old_coll.astype(np.int64), coll]),
        "fulfilled": np.concatenate([np.asarray(need["fulfilled"], bool), fulfilled]),
    }
    cat = {k: v[order] for k, v in cat.items()}
    return {
        "need_id": ids("N", ctx.start_ids.get("N", 1), len(order), 8),
        "client_id": all_owner[order],
        "request_date": all_date[order],
        "need_type": pick(_NEEDS, all_kind[order]),
        "requested_amount": cat["amount"],
        "term_months": (cat["term"], cat["mask"]),
        "collateral_offered": pick(_COLL, cat["coll"]),
        "fulfilled": cat["fulfilled"],
    }
