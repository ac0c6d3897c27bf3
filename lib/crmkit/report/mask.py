"""Masking personal data in any frame an export writes, whatever its headers.

:mod:`crmkit.core.masking` holds the masking rules (:func:`~crmkit.core.masking.mask_name`: ``张三丰`` ->
``张**``; :func:`~crmkit.core.masking.mask_id`: ``91110000100000000X`` -> ``9111**********000X``) and
masks columns under their contract names. Frames on their way to a workbook or a report often
carry translated headers (``法定代表人``, ``Legal representative``, ``法定代表人 / Legal
representative``), so :func:`mask_frame` here finds every column the data contract marks
``pii=True`` under any of those headers and applies the same rules.

A personal column outside :data:`crmkit.core.masking.PII_MASKS` masks as an identifier when its name
ends in one of :data:`ID_SUFFIXES`, else as a name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from crmkit.core.contract import TABLES
from crmkit.core.i18n import LANGS, header
from crmkit.core.masking import PII_MASKS, mask_id, mask_name

__all__ = ["mask_frame", "pii_columns", "ID_SUFFIXES"]

#: Contract column names with these endings are identifiers (credit codes, ID numbers).
ID_SUFFIXES: tuple[str, ...] = ("_code", "_id", "_no", "_number")

Masker = Callable[[pd.Series], pd.Series]


def pii_columns() -> dict[str, Masker]:
    """Every header a personal contract column may carry -> its masking function."""
    out: dict[str, Masker] = {}
    for table in TABLES.values():
        for col in table.columns:
            if not col.pii:
                continue
            fn = PII_MASKS.get(col.name) or (
                mask_id if col.name.endswith(ID_SUFFIXES) else mask_name)
            for alias in (col.name, col.zh, col.en, col.header,
                          *(header(col.name, lang) for lang in LANGS)):
                out[alias] = fn
    return out


def mask_frame(df: pd.DataFrame, columns: Mapping[str, Masker] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with its personal columns masked.

    Parameters
    ----------
    df : DataFrame
        Any table: a contract table, a stage output, or a display frame with translated headers.
    columns : mapping, optional
        Header -> masking function (:func:`~crmkit.core.masking.mask_name`,
        :func:`~crmkit.core.masking.mask_id` or your own); default :func:`pii_columns`.

    Returns
    -------
    DataFrame
        Same shape, index and column order; only personal columns differ (as ``string``).
    """
    maskers = pii_columns() if columns is None else dict(columns)
    out = df.copy()
    for c in df.columns:
        if isinstance(c, str) and c in maskers:
            out[c] = maskers[c](df[c])
    return out
