"""Exact copies among a table's rows (found without comparing every row on every column) and
the text of repeated keys."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["exact_copies", "key_text"]


def _as_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as written, for comparing rows: text, a blank as ``\x00``."""
    return frame.astype("string").fillna("\x00")


def _same_if_equal_text(s: pd.Series) -> bool:
    """Whether equal text implies equal values in ``s`` (numbers, dates, yes-no: one text per
    value), so its values can find the rows that might repeat without writing them as text."""
    return s.dtype.kind in "biufM"


def exact_copies(frame: pd.DataFrame, rows: pd.Series, key: list[str]
                 ) -> tuple[np.ndarray, pd.Series]:
    """Which rows of the mapped raw ``frame`` are exact copies of an earlier row (every cell
    the same as written), and for each copy the source row of the first row with its cells
    (``<NA>`` elsewhere). Copies share their key, so only the rows whose key repeats are
    written as text and compared on every column."""
    n = len(frame)
    dup = np.zeros(n, dtype=bool)
    first_rows = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if frame.empty or not len(frame.columns):
        return dup, first_rows
    if key:
        keys = pd.DataFrame({k: frame[k] if _same_if_equal_text(frame[k]) else
                             _as_cells(frame[[k]])[k] for k in key}, index=frame.index)
        cand = keys.duplicated(keep=False).to_numpy()
    else:
        cand = np.ones(n, dtype=bool)
    if not cand.any():
        return dup, first_rows
    filled = _as_cells(frame[cand])
    dup[cand] = filled.duplicated(keep="first").to_numpy()
    if not dup.any():
        return dup, first_rows
    involved = np.zeros(n, dtype=bool)
    involved[cand] = filled.duplicated(keep=False).to_numpy()
    sub = filled[involved[cand]]
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    first_rows[involved] = rows[involved].groupby(group).transform("first").to_numpy()
    return dup, first_rows


def key_text(keys: pd.DataFrame, n: int) -> pd.Series:
    """``key1/key2`` text of the given rows (blank for a missing part), on a length-``n``
    positional index: built only for the rows that are reported, column by column."""
    parts = [keys[c].astype("string").fillna("") for c in keys.columns]
    text = parts[0].str.cat(parts[1:], sep="/") if len(parts) > 1 else parts[0]
    return text.reindex(pd.RangeIndex(n))
