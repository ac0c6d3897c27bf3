"""Dates given by users or callers (``as_of`` and the like), read one way everywhere."""

from __future__ import annotations

import pandas as pd

from crmkit.core.errors import CrmkitError

__all__ = ["as_timestamp", "published_year", "STATEMENT_LAG_DAYS"]

#: Days after a fiscal year end (31 December) by which its annual statements are known: audited
#: statements of Chinese companies are due by the end of April (about 120 days).
STATEMENT_LAG_DAYS = 120


def as_timestamp(value: object, name: str = "as_of",
                 error: type[CrmkitError] = CrmkitError) -> pd.Timestamp:
    """``value`` (a date, timestamp or ``YYYY-MM-DD`` text) as a midnight Timestamp.

    Raises ``error`` (a :class:`CrmkitError` subclass) naming ``name`` when it is no date.
    """
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise error(f"{name} must be a date (YYYY-MM-DD); got {value!r}")
    return ts.normalize()


def published_year(as_of: pd.Timestamp, lag_days: int = STATEMENT_LAG_DAYS) -> int:
    """The latest fiscal year whose annual statements are known at ``as_of`` (the year end
    plus ``lag_days`` on or before ``as_of``)."""
    year = as_of.year
    while pd.Timestamp(year, 12, 31) + pd.Timedelta(days=lag_days) > as_of:
        year -= 1
    return year
