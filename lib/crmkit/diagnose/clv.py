r"""Risk-adjusted customer lifetime value (CLV).

Yearly risk-adjusted margin of a client, over its live facilities (status active, restructured
or default, started by ``as_of``; balance = ``outstanding``, or ``amount`` when blank):

.. math::

    m = \underbrace{\sum_f B_f\,i_f}_{\text{interest}} + \sum_f \text{fees}_f
        - \underbrace{c \sum_f B_f}_{\text{funding cost}}
        - \underbrace{PD \sum_f LGD_f\,B_f}_{\text{expected loss}}

with ``c`` = ``clv.funding_rate``, ``LGD_f`` from ``clv.lgd`` by the facility's collateral type
(``clv.lgd_missing`` when blank or unknown) and EAD = the balance.

**Convention.** Retention is applied from the first year on: the client is still a client in
year ``t`` with probability :math:`r^t`, and year ``t``'s margin is discounted by
:math:`(1+d)^t`. Without credit risk (PD = 0):

.. math::

    CLV = \sum_{t=1}^{T} \frac{m\,r^t}{(1+d)^t} = m\,q\,\frac{1-q^T}{1-q},\qquad q=\frac{r}{1+d}

and for an infinite horizon (``horizon_years: null``)
:math:`CLV = m\,q/(1-q) = m\,r/(1+d-r)`, the closed form of the issue. (The other common
indexing, :math:`\sum_{t\ge1} m\,r^{t-1}/(1+d)^t`, would give :math:`m/(1+d-r)`, larger by a factor
:math:`1/r`; it is *not* used here.) Example: ``m=100, r=0.9, d=0.1`` gives 450 for an infinite
horizon and ``100*0.9/1.1 + 100*0.81/1.21 = 148.76`` for two years.

**Default ends the relationship.** A client defaults at most once: with the yearly PD ``p`` it
is still performing after ``t`` years with probability :math:`(1-p)^t`, earns the margin before
credit loss :math:`g` (interest + fees - funding) only while performing, and the loss
:math:`L=\sum_f LGD_f B_f` falls in the year of default:

.. math::

    CLV = g\,S(q') - p\,L\,\frac{r}{1+d}\sum_{t=0}^{T-1} q'^{\,t},\qquad
    q' = \frac{r\,(1-p)}{1+d},\quad S(q') = \sum_{t=1}^{T} q'^{\,t}

so the credit loss counted over the whole relationship never exceeds :math:`L` (charging
:math:`p\,L` every year of a perpetuity would: a watch-list client with PD 20 % would lose
several times its exposure). With ``p = 0`` this is the formula above.
**Per-client retention.** When a churn probability is given (and ``clv.use_churn``),
:math:`r_i = \min(\max(1 - p_{churn,i}, 0), \text{retention\_cap})` (cap 0.99 keeps the
infinite sum finite and no client is kept forever); clients without a churn probability use
``clv.retention``.

**Clients in default** (PD = 1) are in work-out: their CLV is the one-off loss
:math:`-\sum_f LGD_f B_f`, not a perpetuity of it.

A client without a PD has an unknown expected loss, so its margin and CLV are NA (unless
``clv.missing_pd`` is set). A client without a live facility has margin 0 and CLV 0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.params.diagnose import ClvParams, DiagnoseParams

__all__ = ["clv_factor", "clv_value", "client_margin", "client_retention", "risk_adjusted_clv",
           "LIVE_STATUSES", "MARGIN_COLUMNS"]

#: Facility statuses that carry exposure (as in :mod:`crmkit.score.features`).
LIVE_STATUSES: tuple[str, ...] = ("active", "restructured", "default")
#: Columns of :func:`client_margin`.
MARGIN_COLUMNS: tuple[str, ...] = ("exposure", "interest_income", "fee_income", "funding_cost",
                                   "lgd", "pd", "expected_loss", "margin")


def _clv_params(params: DiagnoseParams | ClvParams | None) -> ClvParams:
    if params is None:
        return ClvParams()
    return params.clv if isinstance(params, DiagnoseParams) else params


def clv_factor(retention: float | np.ndarray, discount: float,
               horizon: int | None = None) -> np.ndarray:
    r""":math:`\sum_{t=1}^{T} (r/(1+d))^t` (``horizon=None``: :math:`T=\infty`, :math:`r/(1+d-r)`).

    ``retention`` may be an array (one value per client); values must lie in [0, 1).
    """
    r = np.asarray(retention, dtype=float)
    if np.any((r < 0) | (r >= 1)):
        raise DiagnoseError(f"clv: retention must lie in [0, 1); got values from "
                            f"{np.nanmin(r):g} to {np.nanmax(r):g}")
    if not 0 <= discount < 1:
        raise DiagnoseError(f"clv: discount rate {discount!r} must lie in [0, 1) (0.08 for 8 %)")
    if horizon is not None and horizon < 1:
        raise DiagnoseError(f"clv: horizon {horizon!r} must be >= 1 year (or None: infinite)")
    q = r / (1.0 + discount)
    if horizon is None:
        return r / (1.0 + discount - r)
    return q * (1.0 - q ** horizon) / (1.0 - q)


def clv_value(margin: float | np.ndarray, retention: float | np.ndarray, discount: float,
              horizon: int | None = None) -> np.ndarray | float:
    """CLV of a flat yearly margin: ``margin * clv_factor(retention, discount, horizon)``."""
    out = np.asarray(margin, dtype=float) * clv_factor(retention, discount, horizon)
    return float(out) if out.ndim == 0 else out


def _series(obj: pd.Series | pd.DataFrame | None, col: str, what: str) -> pd.Series | None:
    """A numeric Series indexed by client_id from a Series or a frame's ``col`` column."""
    if obj is None:
        return None
    if isinstance(obj, pd.DataFrame):
        if col not in obj.columns:
            raise DiagnoseError(f"{what}: the frame has no {col!r} column (columns: "
                                f"{list(obj.columns)[:20]}); pass a Series indexed by client_id")
        obj = obj[col]
    if not isinstance(obj, pd.Series):
        raise DiagnoseError(f"{what} must be a Series indexed by client_id; got "
                            f"{type(obj).__name__}")
    s = pd.to_numeric(obj, errors="coerce").astype(float)
    s.index = s.index.astype("string")
    if s.index.has_duplicates:
        raise DiagnoseError(f"{what}: one value per client_id expected; duplicated: "
                            f"{s.index[s.index.duplicated()].unique()[:5].tolist()}")
    return s


def client_margin(facilities: pd.DataFrame | None, pd_: pd.Series | pd.DataFrame | None = None,
                  params: DiagnoseParams | ClvParams | None = None, *,
                  as_of: dt.date | pd.Timestamp | None = None,
                  index: pd.Index | None = None) -> pd.DataFrame:
    """Yearly risk-adjusted margin per client (see the module doc for the formula).

    Parameters
    ----------
    facilities
        The clean facilities table (absent or empty: every client has margin 0).
    pd_
        Probability of default per client (Series, or a frame with a ``pd`` column).
    params
        The ``diagnose`` section (or its ``clv`` part).
    as_of
        Facilities starting after ``as_of`` are left out.
    index
        The clients to report (default: those with a live facility).

    Returns
    -------
    pandas.DataFrame
        Index client_id; columns :data:`MARGIN_COLUMNS` (``lgd`` is exposure-weighted).
    """
    p = _clv_params(params)
    pds = _series(pd_, "pd", "pd_")
    if pds is not None and ((pds < 0) | (pds > 1)).any():
        bad = pds[(pds < 0) | (pds > 1)]
        raise DiagnoseError(f"pd_ must be a probability in [0, 1]; client {bad.index[0]!r} has "
                            f"{bad.iloc[0]:g} (percentages? divide by 100)")
    fac = facilities if facilities is not None else pd.DataFrame()
    need = ["client_id", "amount", "status"]
    if len(fac) and any(c not in fac.columns for c in need):
        raise DiagnoseError(f"client_margin: the facilities table needs columns {need}; has "
                            f"{list(fac.columns)}")
    if len(fac):
        live = fac["status"].isin(LIVE_STATUSES).to_numpy(dtype=bool, na_value=False).copy()
        if as_of is not None and "start_date" in fac.columns:
            live &= ~(pd.to_datetime(fac["start_date"]) > pd.Timestamp(as_of)).to_numpy(
                dtype=bool, na_value=False)
        f = fac.loc[live]
    else:
        f = pd.DataFrame({c: pd.Series(dtype=float) for c in need})

    def col(name: str) -> pd.Series:
        return (f[name].astype(float) if name in f.columns
                else pd.Series(np.nan, index=f.index))

    bal = col("outstanding").fillna(col("amount"))
    coll = (f["collateral_type"].astype("string") if "collateral_type" in f.columns
            else pd.Series(pd.NA, index=f.index, dtype="string"))
    lgd = coll.map(p.lgd).astype(float).fillna(p.lgd_missing)
    per = pd.DataFrame({
        "client_id": f["client_id"].astype("string").to_numpy(),
        "exposure": bal.to_numpy(),
        "interest_income": (bal * col("interest_rate")).to_numpy(),
        "fee_income": col("fees").fillna(0.0).to_numpy(),
        "_lgd_ead": (lgd * bal).to_numpy(),
    })
    out = per.groupby("client_id", sort=False).sum(min_count=1)
    if index is not None:
        out = out.reindex(pd.Index(index, name="client_id").astype("string"))
    out = out.fillna({"exposure": 0.0, "interest_income": 0.0, "fee_income": 0.0,
                      "_lgd_ead": 0.0})
    out.index.name = "client_id"
    pd_c = (pds.reindex(out.index) if pds is not None
            else pd.Series(np.nan, index=out.index))
    if p.missing_pd is not None:
        pd_c = pd_c.fillna(p.missing_pd)
    out["funding_cost"] = p.funding_rate * out["exposure"]
    out["lgd"] = (out["_lgd_ead"] / out["exposure"].where(out["exposure"] > 0)).astype(float)
    out["pd"] = pd_c.to_numpy()
    # No exposure: no expected loss whatever the PD (0 x unknown is 0 here).
    el = pd_c.to_numpy() * out["_lgd_ead"].to_numpy()
    out["expected_loss"] = np.where(out["_lgd_ead"].to_numpy() == 0, 0.0, el)
    out["margin"] = (out["interest_income"] + out["fee_income"] - out["funding_cost"]
                     - out["expected_loss"])
    return out[list(MARGIN_COLUMNS)]


def client_retention(index: pd.Index, churn: pd.Series | pd.DataFrame | None = None,
                     params: DiagnoseParams | ClvParams | None = None) -> pd.Series:
    """Yearly retention per client: ``1 - churn`` capped to [0, retention_cap], else the default."""
    p = _clv_params(params)
    r = pd.Series(p.retention, index=pd.Index(index, name="client_id").astype("string"),
                  name="retention", dtype=float)
    ch = _series(churn, "churn_probability", "churn")
    if ch is not None and p.use_churn:
        adj = (1.0 - ch.reindex(r.index)).clip(0.0, p.retention_cap)
        r = adj.fillna(r).rename("retention")
    return r


def _survival_clv(m: pd.DataFrame, p: ClvParams) -> np.ndarray:
    """CLV with default as the end of the relationship (module doc): margin before credit loss
    while performing, the loss LGD x EAD once, in the year of default."""
    r = m["retention"].to_numpy(dtype=float)
    pd_ = m["pd"].to_numpy(dtype=float)
    gross = (m["interest_income"] + m["fee_income"] - m["funding_cost"]).to_numpy(dtype=float)
    loss = m["expected_loss"].to_numpy(dtype=float)  # PD x LGD x EAD, as client_margin has it
    alive = r * (1.0 - np.clip(np.nan_to_num(pd_, nan=0.0), 0.0, 1.0))
    earn = clv_factor(alive, p.discount_rate, p.horizon_years)
    # sum_{t=0}^{T-1} q'^t = 1 + S(q') - q'^T (T infinite: 1 + S)
    q = alive / (1.0 + p.discount_rate)
    first = 1.0 + earn - (0.0 if p.horizon_years is None else q ** p.horizon_years)
    return gross * earn - loss * (r / (1.0 + p.discount_rate)) * first


def risk_adjusted_clv(facilities: pd.DataFrame | None,
                      pd_: pd.Series | pd.DataFrame | None = None,
                      churn: pd.Series | pd.DataFrame | None = None,
                      params: DiagnoseParams | ClvParams | None = None, *,
                      as_of: dt.date | pd.Timestamp | None = None,
                      index: pd.Index | None = None) -> pd.DataFrame:
    """Risk-adjusted CLV per client (see the module doc for the formula and conventions).

    Returns
    -------
    pandas.DataFrame
        Index client_id; :data:`MARGIN_COLUMNS`, ``retention`` and ``clv`` (yuan).
    """
    p = _clv_params(params)
    out = client_margin(facilities, pd_, p, as_of=as_of, index=index)
    out["retention"] = client_retention(out.index, churn, p).to_numpy()
    clv = _survival_clv(out, p)
    # A client in default (PD = 1) is in work-out: its loss LGD x EAD is realised once, not
    # charged again every year of a relationship it no longer has.
    defaulted = (out["pd"] >= 1).fillna(False).to_numpy(dtype=bool)
    out["clv"] = np.where(defaulted, -out["expected_loss"].to_numpy(), clv)
    return out
