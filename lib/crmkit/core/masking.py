"""Masking of personal data for exports: names ``张**`` and ID numbers ``9131****1234``.

Both helpers are vectorised over a pandas Series (or take one string) and keep missing values
missing. The data contract marks the columns to mask with ``pii=True`` (``clients.legal_rep``,
``clients.credit_code``); :data:`PII_MASKS` says which helper applies to each.
"""

from __future__ import annotations

from typing import overload

import pandas as pd

__all__ = ["mask_name", "mask_id", "mask_frame", "PII_MASKS", "MASK_CHAR"]

MASK_CHAR = "*"


def _series(s: pd.Series | str | None) -> tuple[pd.Series, bool]:
    if isinstance(s, pd.Series):
        return s.astype("string"), False
    return pd.Series([s], dtype="string"), True


@overload
def mask_name(s: pd.Series) -> pd.Series: ...
@overload
def mask_name(s: str | None) -> str | None: ...
def mask_name(s):
    """Keep the first character of a name, mask the rest: ``张三丰 -> 张**``, ``Li Lei -> L*****``.

    A one-character name is masked entirely (``*``); surrounding spaces are dropped first.
    """
    v, scalar = _series(s)
    v = v.str.strip()
    n = v.str.len()
    keep = v.str.slice(0, 1).where(n > 1, "")
    stars = pd.Series(MASK_CHAR, index=v.index, dtype="string").str.repeat(
        (n - keep.str.len()).fillna(0).astype(int).tolist())
    out = (keep + stars).where(v.notna())
    return (None if pd.isna(out.iloc[0]) else str(out.iloc[0])) if scalar else out


@overload
def mask_id(s: pd.Series) -> pd.Series: ...
@overload
def mask_id(s: str | None) -> str | None: ...
def mask_id(s):
    """Keep the first 4 and last 4 characters of an ID number, mask the middle:
    ``91310000MA1FL4X12K -> 9131**********X12K``. IDs of 8 characters or fewer are masked
    entirely (keeping 4 + 4 would show them whole)."""
    v, scalar = _series(s)
    v = v.str.strip()
    n = v.str.len().fillna(0).astype(int)
    long = n > 8
    mid = pd.Series(MASK_CHAR, index=v.index, dtype="string").str.repeat(
        (n - 8).where(long, n).tolist())
    head = v.str.slice(0, 4).where(long, "")
    tail = v.str.slice(-4).where(long, "")
    out = (head + mid + tail).where(v.notna())
    return (None if pd.isna(out.iloc[0]) else str(out.iloc[0])) if scalar else out


#: Contract PII column -> masking helper.
PII_MASKS = {"legal_rep": mask_name, "credit_code": mask_id}


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every :data:`PII_MASKS` column present masked."""
    out = df.copy()
    for col, fn in PII_MASKS.items():
        if col in out.columns:
            out[col] = fn(out[col])
    return out
