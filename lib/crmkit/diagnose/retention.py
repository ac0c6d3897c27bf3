"""Client retention by onboarding cohort.

A client's **cohort** is the calendar year of its ``onboarding_date``; clients onboarded after
``as_of`` or without an onboarding date are left out. A client is **retained** at ``as_of`` when

* it holds a live facility: status in ``params.metrics.retention_statuses`` (default active,
  restructured, default — the client still has a relationship, even a troubled one) and a
  ``start_date`` not after ``as_of``; or
* it shows any activity in the ``retention_window_months`` (12) months to ``as_of``: an
  interaction, a survey answer, a need expressed, an instalment paid or a facility started.

Facility status is a snapshot taken at extraction; pass tables extracted at ``as_of``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.params.diagnose import DiagnoseParams

__all__ = ["retained", "retention_by_cohort"]

#: (table, date column) pairs whose records count as activity.
_ACTIVITY: tuple[tuple[str, str], ...] = (
    ("interactions", "date"), ("surveys", "survey_date"), ("needs", "request_date"),
    ("facilities", "start_date"),
)


def _ts(value: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise DiagnoseError(f"as_of must be a date (YYYY-MM-DD); got {value!r}")
    return ts.normalize()


def _mask(df: pd.DataFrame, col: str, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    d = pd.to_datetime(df[col])
    return ((d > lo) & (d <= hi)).to_numpy(dtype=bool, na_value=False)


def _clients(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    clients = tables.get("clients")
    if clients is None or "client_id" not in clients.columns:
        raise DiagnoseError("retention needs the 'clients' table with client_id and "
                            "onboarding_date; collect the portfolio first (notebook 01_collect)")
    if "onboarding_date" not in clients.columns:
        raise DiagnoseError("retention needs clients.onboarding_date (the cohort is its year); "
                            "map that column in the parameters file (columns: clients:)")
    return clients


def retained(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
             params: DiagnoseParams | None = None) -> pd.Series:
    """Whether each client of the clients table is retained at ``as_of`` (see module doc).

    Returns
    -------
    pandas.Series
        bool, index ``client_id``, name ``retained``.
    """
    p = DiagnoseParams() if params is None else params
    ts = _ts(as_of)
    lo = ts - pd.DateOffset(months=p.metrics.retention_window_months)
    clients = _clients(tables)
    idx = pd.Index(clients["client_id"].astype("string"), name="client_id")
    hit = np.zeros(len(idx), dtype=bool)
    keys = _arrow(idx)
    ids: list[pd.Series] = []
    for name, col in _ACTIVITY:
        df = tables.get(name)
        if df is None or len(df) == 0 or col not in df.columns or "client_id" not in df.columns:
            continue
        ids.append(df.loc[_mask(df, col, lo, ts), "client_id"])
    fac = tables.get("facilities")
    if fac is not None and len(fac) and {"client_id", "status"} <= set(fac.columns):
        started = (~(pd.to_datetime(fac["start_date"]) > ts).to_numpy(dtype=bool, na_value=False)
                   if "start_date" in fac.columns else np.ones(len(fac), dtype=bool))
        live = fac["status"].isin(p.metrics.retention_statuses).to_numpy(dtype=bool,
                                                                        na_value=False)
        ids.append(fac.loc[live & started, "client_id"])
        rep = tables.get("repayments")
        if (rep is not None and len(rep) and "paid_date" in rep.columns
                and "facility_id" in fac.columns):
            paid = rep.loc[_mask(rep, "paid_date", lo, ts), "facility_id"]
            owner = fac.drop_duplicates("facility_id")
            at = _positions(paid, _arrow(owner["facility_id"]))  # first facility of an id
            ids.append(owner["client_id"].iloc[at])
    for got in ids:                          # Arrow hash lookups: no string object per row
        hit[_positions(got, keys)] = True
    return pd.Series(hit, index=idx, name="retained")


def _arrow(values: pd.Series | pd.Index):  # noqa: ANN202 - a pyarrow array
    """``values`` as an Arrow string array (no copy for Arrow-backed strings)."""
    import pyarrow as pa

    return pa.array(pd.Series(values).astype("string").array, type=pa.large_string())


def _positions(values: pd.Series, keys) -> np.ndarray:  # noqa: ANN001 - a pyarrow array
    """Positions in ``keys`` of those ``values`` found there (what ``get_indexer`` gives,
    without the misses)."""
    import pyarrow.compute as pc

    pos = pc.index_in(_arrow(values), value_set=keys)
    return pos.drop_null().to_numpy().astype(np.intp)


def retention_by_cohort(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
                        by: pd.Series | None = None,
                        params: DiagnoseParams | None = None) -> pd.DataFrame:
    """Retention rate per onboarding year (and per group when ``by`` is given).

    Parameters
    ----------
    tables
        Clean tables; ``clients`` (with ``onboarding_date``) is required, the others optional.
    as_of
        The analysis date.
    by
        Optional grouping Series indexed by client_id (e.g. the segment): rows become
        ``(group, cohort)``.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (Int64 year) or ``(group, cohort)``; columns ``clients``, ``retained``
        (counts) and ``retention_rate`` (retained / clients).
    """
    ts = _ts(as_of)
    clients = _clients(tables)
    ret = retained(tables, ts, params)
    onboard = pd.to_datetime(clients["onboarding_date"])
    keep = (onboard <= ts).to_numpy(dtype=bool, na_value=False)
    df = pd.DataFrame({"cohort": onboard.dt.year.astype("Int64").to_numpy()[keep],
                       "retained": ret.to_numpy()[keep].astype(int)},
                      index=ret.index[keep])
    keys = ["cohort"]
    if by is not None:
        if not isinstance(by, pd.Series):
            raise DiagnoseError("retention_by_cohort: by must be a Series indexed by client_id "
                                f"(e.g. the segment); got {type(by).__name__}")
        name = by.name if isinstance(by.name, str) and by.name != "cohort" else "group"
        df[name] = by.rename(index=str).reindex(df.index.astype(str)).to_numpy()
        df = df.dropna(subset=[name])
        keys = [name, "cohort"]
    out = df.groupby(keys, sort=True, observed=True).agg(clients=("retained", "size"),
                                                         retained=("retained", "sum"))
    out = out.astype("int64")
    out["retention_rate"] = (out["retained"] / out["clients"]).astype(float)
    return out
