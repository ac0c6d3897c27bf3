"""What was known at a date: every table cut at ``as_of``, and the history the forecast learns.

The forecast and its backtest must only see information dated on or before ``as_of``.
:func:`known_at` enforces it once, for every table, by its date columns:

==============  ==========================================================================
clients         onboarded on or before as_of (a missing date is kept)
facilities      started on or before as_of
repayments      due on or before as_of; a payment made later is not yet made
financials      statements published: fiscal year end + ``statement_lag_days`` <= as_of
projects,       kept (plans are known in advance), but actual start / end dates later than
milestones      as_of are blanked
needs           requested on or before as_of
interactions,   dated on or before as_of
surveys
==============  ==========================================================================

Status columns (facility, project, milestone status) describe the day the data were extracted,
not as_of: the forecast never reads them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.dates import published_year
from crmkit.core.errors import CrmkitError

__all__ = ["NeedsError", "known_at", "as_ts", "first_hits", "smoothed_rate", "published_year",
           "USED_COLUMNS", "check_columns"]


class NeedsError(CrmkitError):
    """The need forecast cannot use its input."""


#: Table -> date column a row must not be later than as_of.
_ROW_DATES = {"clients": "onboarding_date", "facilities": "start_date", "needs": "request_date",
              "interactions": "date", "surveys": "survey_date", "repayments": "due_date"}
#: Table -> date columns blanked when later than as_of (the row itself is kept).
_BLANK_DATES = {"projects": ("actual_start", "actual_end"),
                "milestones": ("actual_start", "actual_end"),
                "repayments": ("paid_date",)}


#: The columns the forecast reads, per table (a table may be absent; then its cause is skipped).
USED_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id",),
    "facilities": ("facility_id", "client_id", "amount", "start_date", "maturity_date"),
    "projects": ("project_id", "client_id", "planned_start", "investment"),
    "needs": ("client_id", "request_date", "need_type", "requested_amount"),
    "financials": ("client_id", "fiscal_year", "revenue"),
    "repayments": ("facility_id", "due_date", "paid_date"),
}


def check_columns(tables: dict[str, pd.DataFrame]) -> None:
    """Raise one :class:`NeedsError` naming every missing column the forecast needs."""
    missing = [f"{name}.{col}" for name, cols in USED_COLUMNS.items()
               if tables.get(name) is not None for col in cols
               if col not in tables[name].columns]
    if "clients" not in tables:
        missing.insert(0, "the clients table")
    if missing:
        raise NeedsError(f"the need forecast cannot read {', '.join(missing)}: pass the tables "
                         "the collect stage wrote (crmkit.collect.load_clean), whose columns "
                         "follow the data contract (docs/data-contract.md)")


def as_ts(value: dt.date | str | pd.Timestamp, what: str = "as_of") -> pd.Timestamp:
    """A date as a midnight :class:`pandas.Timestamp`; a clear error otherwise."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise NeedsError(f"{what} must be a date written YYYY-MM-DD; got {value!r}") from None
    if pd.isna(ts):
        raise NeedsError(f"{what} must be a date written YYYY-MM-DD; got {value!r}")
    return ts.normalize()


def _dates(df: pd.DataFrame, col: str, table: str) -> pd.Series:
    try:
        return pd.to_datetime(df[col])
    except (ValueError, TypeError):
        raise NeedsError(f"{table}.{col}: not a date column; collect the tables first "
                         "(crmkit collect) so dates are parsed") from None


def known_at(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
             statement_lag_days: int = 120) -> dict[str, pd.DataFrame]:
    """Every table as it was known at ``as_of`` (see the module docstring).

    Tables not listed pass through unchanged; missing tables stay missing.
    """
    ts = as_ts(as_of)
    out: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        if df is None:
            continue
        df = df.copy(deep=False)  # copy-on-write: the caller's columns are never changed
        col = _ROW_DATES.get(name)
        if col is not None and col in df.columns:
            d = _dates(df, col, name)
            keep = ((d <= ts) | (d.isna() & (name == "clients"))).to_numpy(dtype=bool)
            if not keep.all():  # else no copy of the rows (22.6M repayments at 1M clients)
                df = df.loc[keep]
        for c in _BLANK_DATES.get(name, ()):
            if c in df.columns:
                later = (_dates(df, c, name) > ts).to_numpy()
                df[c] = df[c].mask(later)
                if name == "repayments" and "amount_paid" in df.columns:
                    df["amount_paid"] = df["amount_paid"].mask(later)
        if name == "financials" and "fiscal_year" in df.columns:
            fy = pd.to_numeric(df["fiscal_year"], errors="coerce")
            df = df.loc[(fy <= published_year(ts, statement_lag_days)).to_numpy()]
        out[name] = df.reset_index(drop=True)
    return out


def first_hits(events: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """For each event (``eid``, ``client_id``, ``window_start``, ``window_end``) the first
    request (``client_id``, ``request_date``, ``requested_amount``) dated inside its window.

    Returns ``events`` with ``hit_date`` (NaT if none) and ``hit_amount``.
    """
    out = events.copy()
    out["hit_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["hit_amount"] = np.nan
    if events.empty or requests.empty:
        return out
    r = requests[["client_id", "request_date", "requested_amount"]]
    m = events[["eid", "client_id", "window_start", "window_end"]].merge(r, on="client_id")
    m = m[(m["request_date"] >= m["window_start"]) & (m["request_date"] <= m["window_end"])]
    first = m.sort_values(["eid", "request_date"], kind="stable").drop_duplicates("eid")
    pos = pd.Index(first["eid"]).get_indexer(out["eid"])
    found = pos >= 0
    out.loc[found, "hit_date"] = pd.to_datetime(first["request_date"]).to_numpy()[pos[found]]
    out.loc[found, "hit_amount"] = first["requested_amount"].to_numpy(float)[pos[found]]
    return out


def smoothed_rate(hits: int, n: int) -> float:
    """Share of events followed by a request, with one success and one failure added
    (Laplace): 0.5 with no history, never exactly 0 or 1."""
    return (hits + 1.0) / (n + 2.0)
