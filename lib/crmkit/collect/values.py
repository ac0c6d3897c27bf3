"""A client's own words for coded values, read as the contract's codes (``values:``).

Applied to the mapped raw cells before they are parsed and validated, so ``能源`` under
``values: {clients: {industry: {能源: energy}}}`` is collected as ``energy``; the quarantine
and issue files keep showing what the source said. Words are compared after Unicode NFKC,
trimming and case folding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import pandas as pd

__all__ = ["apply_values", "values_hint"]


def _key(v: object) -> str:
    return unicodedata.normalize("NFKC", str(v)).strip().casefold()


def apply_values(frame: pd.DataFrame, values: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """A copy of ``frame`` with each column's words replaced by their codes; other cells as
    they were."""
    if not values:
        return frame
    out = frame.copy()
    for col, mapping in values.items():
        if col not in out.columns or not mapping:
            continue
        out[col] = _replace(out[col], {_key(k): v for k, v in mapping.items()})
    return out


def _replace(s: pd.Series, table: dict[str, str]) -> pd.Series:
    found = s.map(lambda v: table.get(_key(v)) if isinstance(v, str) else None)
    return s.where(found.isna(), found)


def values_hint(table: str, column: str) -> str:
    """The end of an ``invalid_category`` message: how to map the value to a code (the value
    itself is filled in later as ``{value}``)."""
    return (f"; or, if it is your word for one of these codes, map it in the parameters file "
            f"under 'values: {table}: {column}:' (e.g. '{{value}}: <code>')")
