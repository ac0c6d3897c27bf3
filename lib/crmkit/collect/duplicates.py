"""Exact copies among a table's rows (found without comparing every row on every column) and
the text of repeated keys."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["exact_copies", "key_text"]


def exact_copies(filled: pd.DataFrame, rows: pd.Series, key: list[str]
                 ) -> tuple[np.ndarray, pd.Series]:
    """Which rows are exact copies of an earlier row, and for each copy the source row of the
    first row with its cells (``<NA>`` elsewhere). Copies share their key, so only the rows
    whose key repeats are compared on every column."""
    n = len(filled)
    dup = np.zeros(n, dtype=bool)
    first_rows = pd.Series(pd.NA, index=filled.index, dtype="Int64")
    if filled.empty or not len(filled.columns):
        return dup, first_rows
    cand = filled[key].duplicated(keep=False).to_numpy() if key else np.ones(n, dtype=bool)
    if not cand.any():
        return dup, first_rows
    sub = filled[cand]
    dup[cand] = sub.duplicated(keep="first").to_numpy()
    if not dup.any():
        return dup, first_rows
    involved = np.zeros(n, dtype=bool)
    involved[cand] = sub.duplicated(keep=False).to_numpy()
    sub = filled[involved]
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    first_rows[involved] = rows[involved].groupby(group).transform("first").to_numpy()
    return dup, first_rows


def key_text(keys: pd.DataFrame, n: int) -> pd.Series:
    """``key1/key2`` text of the given rows (blank for a missing part), on a length-``n``
    positional index: built only for the rows that are reported, column by column."""
    parts = [keys[c].astype("string").fillna("") for c in keys.columns]
    text = parts[0].str.cat(parts[1:], sep="/") if len(parts) > 1 else parts[0]
    return text.reindex(pd.RangeIndex(n))
