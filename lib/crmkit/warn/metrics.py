"""The metrics frames the warning rules run on: one row per client, one row per live facility.

:func:`client_metrics` is :func:`crmkit.score.features.client_features` plus the metrics only the
warning stage needs (computed here, vectorised):

``oldest_open_complaint_days``
    Days from the date of the oldest complaint still open at ``as_of`` to ``as_of`` (a complaint
    is open when ``resolved`` is false / missing or its ``resolved_date`` is after ``as_of``,
    the same test as the feature ``unresolved_complaints``). 0 when the client has no open
    complaint; NaN when there is no interactions table.
``milestone_delay_share``
    The largest ratio, over the client's milestones, of the delay (as in
    ``max_milestone_delay_days``) to the milestone's planned duration (planned_end -
    planned_start). NaN without milestones or when every planned duration is zero.
``csat_change``, ``nps_change``
    Latest minus previous survey score (NaN with fewer than two surveys).
``score_change``, ``tier_downgrade``
    Only when ``extra`` gives ``score`` and ``score_prev`` (score_change = score - score_prev),
    or ``tier`` and ``tier_prev`` (1.0 when the tier fell, e.g. A -> B; 0.0 otherwise; NaN when
    either is missing). A column of the same name in ``extra`` wins.

Columns of ``extra`` (the composite score, PD, tier, churn probability, LLCR ... from other
stages) are joined on ``client_id`` and replace features of the same name.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import WarningError
from crmkit.score.aggregate import by_client, client_codes, client_index, lookup, table_or_none
from crmkit.score.aggregate import days as to_days
from crmkit.score.features import LIVE_STATUSES, client_features, milestone_delay_days

__all__ = ["client_metrics", "facility_metrics", "WARNING_METRICS", "FACILITY_COLUMNS",
           "TIER_ORDER"]

#: Client metrics computed here (on top of the client features).
WARNING_METRICS: tuple[str, ...] = ("oldest_open_complaint_days", "milestone_delay_share",
                                    "open_milestone_delay_days", "csat_change", "nps_change")
#: A milestone finished longer ago than this no longer raises a delay warning.
RECENT_MILESTONE_DAYS = 180
#: Columns of :func:`facility_metrics` (index ``facility_id``).
FACILITY_COLUMNS: tuple[str, ...] = (
    "client_id", "client_name", "relationship_manager", "product", "status", "amount",
    "outstanding", "exposure", "interest_rate", "start_date", "maturity_date",
    "days_to_maturity", "dpd_current", "dpd_max", "project_id")
#: Tier codes from best to worst, used to detect a downgrade (``tier_prev`` -> ``tier``).
TIER_ORDER: tuple[str, ...] = ("A", "B", "C")


def _open_complaint_days(tables, idx: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
    n = len(idx)
    it = table_or_none(tables, "interactions",
                       ("client_id", "type", "resolved", "resolved_date", "date"))
    if it is None:
        return np.full(n, np.nan) if tables.get("interactions") is None else np.zeros(n)
    codes = client_codes(idx, it["client_id"])
    kind = it["type"].astype("string")
    resolved = (it["resolved"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                & ~(it["resolved_date"] > as_of).to_numpy(dtype=bool, na_value=False))
    open_ = ((codes >= 0) & kind.eq("complaint").to_numpy(dtype=bool, na_value=False)
             & (it["date"] <= as_of).to_numpy(dtype=bool, na_value=False) & ~resolved)
    days = to_days(as_of - it.loc[open_, "date"])
    return by_client(codes[open_], days, "max", n, 0.0)


def _recent(ms: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Milestones still open, or finished within :data:`RECENT_MILESTONE_DAYS` of ``as_of``."""
    return ~(ms["actual_end"] < as_of - pd.Timedelta(days=RECENT_MILESTONE_DAYS)).to_numpy(
        dtype=bool, na_value=False)


def _milestones(tables, idx: pd.Index, as_of: pd.Timestamp
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray] | None:
    """Milestones, their client positions, delays (days) and which of them count now (due,
    and open or finished recently); None without projects or milestones."""
    pr, ms = table_or_none(tables, "projects"), table_or_none(tables, "milestones")
    if pr is None or ms is None:
        return None
    pr = pr.drop_duplicates("project_id")
    pcodes = client_codes(idx, pr["client_id"])
    ppos = lookup(pr["project_id"], ms["project_id"])
    codes = np.where(ppos >= 0, pcodes[ppos], -1)
    delay, due = milestone_delay_days(ms, as_of)
    return ms, codes, delay, (codes >= 0) & due & _recent(ms, as_of)


def _open_milestone_delay(tables, idx: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
    """Worst delay (days) of a client's milestones still open at ``as_of`` or finished in the
    last :data:`RECENT_MILESTONE_DAYS` days: a delay long since made good is history, not a
    warning (the credit model still sees it in ``max_milestone_delay_days``)."""
    got = _milestones(tables, idx, as_of)
    if got is None:
        return np.full(len(idx), np.nan)
    _, codes, delay, ok = got
    return by_client(codes[ok], delay[ok], "max", len(idx), 0.0)


def _milestone_delay_share(tables, idx: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
    got = _milestones(tables, idx, as_of)
    if got is None:
        return np.full(len(idx), np.nan)
    ms, codes, delay, ok = got
    duration = np.array(to_days(ms["planned_end"] - ms["planned_start"]), dtype=float)
    duration[~(duration > 0)] = np.nan
    share = delay / duration
    return by_client(codes[ok], share[ok], "max", len(idx))


def _extra(extra: pd.DataFrame, idx: pd.Index) -> pd.DataFrame:
    if not isinstance(extra, pd.DataFrame):
        raise WarningError(f"extra must be a DataFrame indexed by client_id (or with a client_id "
                           f"column); got {type(extra).__name__}")
    if "client_id" in extra.columns:
        extra = extra.set_index("client_id")
    elif extra.index.name != "client_id":
        raise WarningError("extra must be indexed by client_id or have a client_id column "
                           f"(its index is named {extra.index.name!r}, columns "
                           f"{list(extra.columns)[:8]})")
    extra.index = extra.index.astype("string")
    if not extra.index.is_unique:
        dup = extra.index[extra.index.duplicated()].unique()[:5].tolist()
        raise WarningError(f"extra has several rows for client_id {dup}; give one row per "
                           "client (e.g. the latest score)")
    return extra.reindex(idx)


def _tier_downgrade(tier: pd.Series, prev: pd.Series) -> np.ndarray:
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    now = tier.astype("string").map(rank).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    was = prev.astype("string").map(rank).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = (now > was).astype(float)
    out[np.isnan(now) | np.isnan(was)] = np.nan
    return out


def client_metrics(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
                   extra: pd.DataFrame | None = None,
                   features: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per client: the client features, the warning metrics and ``extra``'s columns.

    Parameters
    ----------
    tables
        Clean tables keyed by contract name (``clients`` required).
    as_of
        The analysis date.
    extra
        Optional columns from other stages (``score``, ``score_prev``, ``score_change``,
        ``tier``, ``tier_prev``, ``tier_downgrade``, ``pd``, ``churn_probability``, ``llcr``...),
        indexed by ``client_id`` or with a ``client_id`` column; clients absent get NaN.
    features
        ``client_features(tables, as_of)`` when already computed (not computed again).

    Returns
    -------
    pandas.DataFrame
        Index ``client_id`` (the clients table's order).
    """
    as_of = as_timestamp(as_of, "as_of")
    out = (client_features(tables, as_of) if features is None
           else features.copy(deep=False))  # copy-on-write: the caller's frame is unchanged
    idx = client_index(tables)
    out["oldest_open_complaint_days"] = _open_complaint_days(tables, idx, as_of)
    out["milestone_delay_share"] = _milestone_delay_share(tables, idx, as_of)
    out["open_milestone_delay_days"] = _open_milestone_delay(tables, idx, as_of)
    out["csat_change"] = out["csat_latest"] - out["csat_prev"]
    out["nps_change"] = out["nps_latest"] - out["nps_prev"]
    if extra is None:
        return out
    ex = _extra(extra, out.index)
    for col in ex.columns:
        out[col] = ex[col].to_numpy()
    if "score_change" not in ex.columns and {"score", "score_prev"} <= set(ex.columns):
        out["score_change"] = (pd.to_numeric(ex["score"], errors="coerce")
                               - pd.to_numeric(ex["score_prev"], errors="coerce")).to_numpy()
    if "tier_downgrade" not in ex.columns and {"tier", "tier_prev"} <= set(ex.columns):
        out["tier_downgrade"] = _tier_downgrade(ex["tier"], ex["tier_prev"])
    return out


def _empty_facilities() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in FACILITY_COLUMNS})
    for c in ("client_id", "client_name", "relationship_manager", "product", "status",
              "project_id"):
        out[c] = out[c].astype("string")
    for c in ("start_date", "maturity_date"):
        out[c] = out[c].astype("datetime64[ns]")
    out.index = pd.Index([], dtype="string", name="facility_id")
    return out


def facility_metrics(tables: dict[str, pd.DataFrame],
                     as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """One row per live facility at ``as_of`` (status active / restructured / default, started).

    ``days_to_maturity`` = maturity_date - as_of in days (negative once past maturity);
    ``dpd_current`` = days past due of the facility's oldest instalment due by ``as_of`` and
    unpaid at ``as_of`` (0 if none; NaN without a repayments table); ``dpd_max`` = the most days
    any of its instalments was late; ``exposure`` = outstanding, or the amount when missing.

    Returns
    -------
    pandas.DataFrame
        Index ``facility_id``, columns :data:`FACILITY_COLUMNS`.
    """
    as_of = as_timestamp(as_of, "as_of")
    client_index(tables)  # validates the clients table
    fac = table_or_none(tables, "facilities")
    if fac is None:
        return _empty_facilities()
    fac = fac.drop_duplicates("facility_id")
    live = (fac["status"].isin(LIVE_STATUSES).to_numpy(dtype=bool, na_value=False)
            & ~(fac["start_date"] > as_of).to_numpy(dtype=bool, na_value=False))
    f = fac.loc[live].reset_index(drop=True)
    n = len(f)
    fidx = pd.Index(f["facility_id"].astype("string"), name="facility_id")
    clients = tables["clients"].drop_duplicates("client_id")
    cpos = client_codes(pd.Index(clients["client_id"].astype("string")), f["client_id"])

    def client_col(col: str) -> pd.Series:  # an Arrow take: no Python str per facility
        if col not in clients.columns:
            return pd.Series(pd.NA, index=range(n), dtype="string")
        return pd.Series(clients[col].astype("string").array.take(cpos, allow_fill=True))

    amount = f["amount"].astype(float)
    out = pd.DataFrame({
        "client_id": f["client_id"].astype("string"),
        "client_name": client_col("client_name"),
        "relationship_manager": client_col("relationship_manager"),
        "product": f["product"].astype("string"),
        "status": f["status"].astype("string"),
        "amount": amount,
        "outstanding": f["outstanding"].astype(float),
        "exposure": f["outstanding"].astype(float).fillna(amount),
        "interest_rate": f["interest_rate"].astype(float),
        "start_date": f["start_date"].astype("datetime64[ns]"),
        "maturity_date": f["maturity_date"].astype("datetime64[ns]"),
        "days_to_maturity": to_days(f["maturity_date"] - as_of),
        "dpd_current": np.full(n, np.nan),
        "dpd_max": np.full(n, np.nan),
        "project_id": f["project_id"].astype("string"),
    })
    rep = table_or_none(tables, "repayments")
    if rep is not None:
        pos = lookup(fidx, rep["facility_id"])
        due = (rep["due_date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        keep = (pos >= 0) & due
        due_date, paid_date = rep["due_date"][keep], rep["paid_date"][keep]  # 2 columns only
        paid = (paid_date <= as_of).to_numpy(dtype=bool, na_value=False)
        since_due = to_days(as_of - due_date)
        late = np.maximum(np.where(paid, to_days(paid_date - due_date), since_due), 0.0)
        out["dpd_current"] = by_client(pos[keep], np.where(paid, 0.0, since_due), "max", n, 0.0)
        out["dpd_max"] = by_client(pos[keep], late, "max", n, 0.0)
    out.index = fidx
    return out
