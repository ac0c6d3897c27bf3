"""IFRS 9 expected credit loss (ECL) per facility, and its summaries by stage and tier.

For each facility (after :func:`crmkit.warn.staging.ifrs9_stages`)::

    EAD   = outstanding + CCF x undrawn limit      (CCF by product; term loans: no undrawn)
    LGD   = by collateral type                     (parameters ``ecl.lgd``)
    S(t)  = (1 - PD12)^t                           (constant hazard: the survival assumption)
    Stage 1: ECL = PD12m x LGD x EAD x DF(0.5)                     12-month ECL
    Stage 2: ECL = LGD x sum_k [S(k-1) - S(k)] x EAD_k x DF(k-0.5)  lifetime ECL
    Stage 3: ECL = LGD x EAD                                        credit-impaired, PD = 1

with ``PD12`` the client's 12-month PD from the score stage, yearly buckets ``k`` up to the
remaining life ``T`` (ACT/365 years; the last bucket partial), ``EAD_k`` amortising linearly to zero at
maturity and ``DF(t) = (1 + r)^-t`` discounting at the facility's interest rate (the
effective-interest-rate proxy). No forward-looking macro scenarios are applied: the 12-month
PD is taken as through-the-cycle; add an overlay in the parameters' PD if the bank uses one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.errors import WarningError
from crmkit.params.ecl import EclParams
from crmkit.score.aggregate import lookup

__all__ = ["ECL_COLUMNS", "expected_credit_loss", "ecl_summary", "lifetime_pd"]

ECL_COLUMNS = ("client_id", "stage", "ead", "lgd", "pd_12m", "pd_lifetime", "years_left",
               "ecl_12m", "ecl_lifetime", "ecl", "coverage")
_CHUNK = 200_000


def lifetime_pd(pd12: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Cumulative PD over ``years`` under a constant hazard: ``1 - (1 - PD12)^years``."""
    p = np.clip(np.asarray(pd12, dtype=float), 0.0, 1.0)
    return 1.0 - np.power(1.0 - p, np.maximum(np.asarray(years, dtype=float), 0.0))


def _lifetime_factor(pd12: np.ndarray, years: np.ndarray, rate: np.ndarray, k_max: int
                     ) -> np.ndarray:
    """sum_k [S(k-1) - S(min(k, T))] x (1 - (k-1)/T) x (1 + r)^-(k - 0.5), vectorised."""
    out = np.empty(len(pd12))
    for lo in range(0, len(pd12), _CHUNK):
        p, T, r = (a[lo:lo + _CHUNK, None] for a in (pd12, years, rate))
        k = np.arange(1, k_max + 1, dtype=float)[None, :]
        surv = 1.0 - p
        s_prev = np.power(surv, k - 1)
        s_next = np.power(surv, np.minimum(k, T))
        marginal = np.where(k - 1 < T, s_prev - s_next, 0.0)
        balance = np.clip(1.0 - (k - 1) / T, 0.0, 1.0)
        out[lo:lo + _CHUNK] = (marginal * balance * np.power(1.0 + r, -(k - 0.5))).sum(axis=1)
    return out


def expected_credit_loss(stages: pd.DataFrame, facilities: pd.DataFrame,
                         pd12: pd.Series, as_of: dt.date | pd.Timestamp,
                         params: EclParams | None = None) -> pd.DataFrame:
    """ECL of every staged facility (see the module docstring for the formulas).

    Parameters
    ----------
    stages
        :func:`crmkit.warn.staging.ifrs9_stages` (index ``facility_id``; ``client_id``,
        ``stage``).
    facilities
        The clean facilities table (product, amount, outstanding, maturity_date,
        interest_rate, collateral_type).
    pd12
        12-month PD per client (index ``client_id``), before the default override.
    as_of
        The reporting date.
    params
        The ``ecl`` section.

    Returns
    -------
    pandas.DataFrame
        Index ``facility_id``; columns :data:`ECL_COLUMNS`, amounts in yuan.
    """
    p = params or EclParams()
    need = {"facility_id", "product", "amount", "outstanding", "maturity_date",
            "interest_rate", "collateral_type"}
    missing = sorted(need - set(facilities.columns))
    if missing:
        raise WarningError(f"expected_credit_loss: the facilities table lacks {missing}; "
                           "collect the full facilities table (see docs/data-contract.md)")
    fac = facilities[sorted(need)].drop_duplicates("facility_id").set_index("facility_id")
    fac.index = fac.index.astype("string")
    idx = stages.index.astype("string")
    pos = lookup(fac.index, idx)  # fac.reindex(idx) by an Arrow hash join (-1: NA)
    f = pd.DataFrame({c: fac[c].array.take(pos, allow_fill=True) for c in fac.columns})
    outstanding = f["outstanding"].astype(float).fillna(0.0).clip(lower=0).to_numpy()
    amount = f["amount"].astype(float).fillna(0.0).to_numpy()
    product = f["product"].astype("string")
    ccf = product.map(p.ccf).astype(float).fillna(0.0).to_numpy()
    ead = outstanding + ccf * np.maximum(amount - outstanding, 0.0)
    lgd = (f["collateral_type"].astype("string").map(p.lgd).astype(float)
           .fillna(p.lgd_unknown).to_numpy())
    cid = stages["client_id"].astype("string")
    p12 = pd.to_numeric(pd12, errors="coerce").astype(float)
    p12.index = p12.index.astype("string")
    p12v = np.append(p12.to_numpy(dtype=float, na_value=np.nan), np.nan)
    pdv = np.clip(p12v[lookup(p12.index, cid)], 0.0, 1.0)  # p12.reindex(cid)
    pdv = np.nan_to_num(pdv, nan=0.0)
    mat = pd.to_datetime(f["maturity_date"])
    years = ((mat - pd.Timestamp(as_of)).dt.days / 365.0).to_numpy(dtype=float,
                                                                     na_value=1.0)
    years = np.clip(years, 0.25, p.max_years)
    rate = f["interest_rate"].astype(float).fillna(0.0).clip(lower=0).to_numpy()
    stage = pd.to_numeric(stages["stage"], errors="coerce").fillna(1).astype(int).to_numpy()
    pd_1y = lifetime_pd(pdv, np.minimum(years, 1.0))
    ecl12 = pd_1y * lgd * ead * np.power(1.0 + rate, -0.5)
    k_max = int(np.ceil(years.max())) if len(years) else 1
    ecl_life = lgd * ead * _lifetime_factor(pdv, years, rate, k_max)
    ecl = np.select([stage >= 3, stage == 2], [lgd * ead, ecl_life], ecl12)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(ead > 0, ecl / ead, np.nan)
    return pd.DataFrame({
        "client_id": cid.to_numpy(), "stage": stage, "ead": ead, "lgd": lgd, "pd_12m": pdv,
        "pd_lifetime": lifetime_pd(pdv, years), "years_left": years, "ecl_12m": ecl12,
        "ecl_lifetime": np.where(stage >= 3, lgd * ead, ecl_life), "ecl": ecl,
        "coverage": coverage}, index=pd.Index(idx, name="facility_id"))


def ecl_summary(ecl: pd.DataFrame, by: pd.Series | str = "stage") -> pd.DataFrame:
    """Facilities, clients, EAD, ECL and coverage (ECL / EAD) per group, with a total row.

    ``by`` is a column of ``ecl`` (``"stage"``) or a Series indexed by client_id (a tier per
    client, for example), mapped through ``ecl["client_id"]``.
    """
    if isinstance(by, str):
        key = ecl[by].astype("string")
        name = by
    else:
        m = by.copy()
        m.index = m.index.astype("string")
        key = ecl["client_id"].astype("string").map(m).astype("string")
        name = by.name or "group"
    w = pd.DataFrame({"_k": key.fillna("unknown").to_numpy(), "client_id": ecl["client_id"],
                      "ead": ecl["ead"].to_numpy(), "ecl": ecl["ecl"].to_numpy()})
    g = w.groupby("_k", sort=True)
    out = pd.DataFrame({"facilities": g.size(), "clients": g["client_id"].nunique(),
                        "ead": g["ead"].sum(), "ecl": g["ecl"].sum()})
    out.loc["total"] = [len(w), w["client_id"].nunique(), w["ead"].sum(), w["ecl"].sum()]
    out["coverage"] = np.where(out["ead"] > 0, out["ecl"] / out["ead"].where(out["ead"] > 0),
                               np.nan)
    out["facilities"] = out["facilities"].astype("int64")
    out["clients"] = out["clients"].astype("int64")
    out.index.name = name
    return out
