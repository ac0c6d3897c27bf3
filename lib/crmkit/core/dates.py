"""Dates given by users or callers (``as_of`` and the like), read one way everywhere."""

from __future__ import annotations

import pandas as pd

from crmkit.core.errors import CrmkitError

__all__ = ["as_timestamp"]


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
