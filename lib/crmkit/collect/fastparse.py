"""Arrow fast paths of the parsers: the cells already in their plain form, converted column-wise.

Each helper takes a column's text view (stripped strings, ``<NA>`` where missing; see
:func:`crmkit.collect.parsing.text_view`), finds with one RE2 match (Arrow compute) the cells
written the plain way (``1234.5``, ``2024-03-31``, an exact code) and converts only those. It
returns a mask of the cells it converted and their values; the parsers in
:mod:`crmkit.collect.parsing` send every other cell through their careful path, so the result
of each cell is the one the careful path gives (the property tests compare the two).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_text", "needs_strip", "isin", "plain_numbers", "plain_dates", "exact_lookup",
           "matches"]

#: A plain decimal: sign, digits, optional fraction. With at most 15 characters a cell has at
#: most 15 digits, an integer exact in a float, scaled by one power of ten that pandas' parser
#: and Arrow's both round correctly: the two give the same float.
_NUMBER = r"^[+-]?\d+(\.\d+)?$"
_NUMBER_LEN = 15
_DATE = r"^\d{4}-\d{2}-\d{2}$"
#: Years whose every day fits pandas' nanosecond timestamps (1677-09-21 .. 2262-04-11).
_YEARS = (1678, 2261)


def arrow_text(text: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow strings under a text view (no copy), or ``None`` if it is not Arrow-backed."""
    if not isinstance(text.dtype, pd.StringDtype) or text.dtype.storage != "pyarrow":
        return None
    arr = pa.array(text.array)
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def needs_strip(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Whether a cell starts or ends with whitespace (Arrow's ``utf8_trim_whitespace`` set),
    read from its first and last characters: a column without one needs no stripped copy."""
    for part in (pc.utf8_slice_codeunits(arr, 0, 1), pc.utf8_slice_codeunits(arr, -1)):
        if pc.any(pc.utf8_is_space(part)).as_py():
            return True
    return False


def matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Boolean mask of the cells matching an RE2 ``pattern`` (missing cells: False)."""
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return hit.to_numpy(zero_copy_only=False)


def plain_numbers(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the plain decimal cells and their values (float64, for the masked cells)."""
    short = pc.less_equal(pc.binary_length(arr), _NUMBER_LEN)
    plain = matches(arr, _NUMBER) & pc.fill_null(short, False).to_numpy(zero_copy_only=False)
    if not plain.any():
        return plain, np.empty(0)
    vals = pc.cast(arr.filter(pa.array(plain)), pa.float64()).to_numpy(zero_copy_only=False)
    neg_zero = (vals == 0) & np.signbit(vals)
    if neg_zero.any():  # pandas reads ``-0`` as 0 or -0.0 depending on the column
        plain[np.flatnonzero(plain)[neg_zero]] = False
        vals = vals[~neg_zero]
    return plain, vals


def plain_dates(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the valid ``YYYY-MM-DD`` cells (years 1678-2261) and their dates
    (datetime64[ns], for the masked cells); an impossible date such as 2024-02-30 is left to
    the careful path, which reports it."""
    cand = matches(arr, _DATE)
    if not cand.any():
        return cand, np.empty(0, dtype="datetime64[ns]")
    sub = arr.filter(pa.array(cand))
    try:  # Arrow's ISO reader refuses an impossible date: then read the parts and check them
        days = pc.cast(sub, pa.date32()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        days = _checked_days(sub)
    ok = ~np.isnat(days) & (days >= _FIRST) & (days <= _LAST)
    plain = cand.copy()
    plain[cand] = ok
    return plain, days[ok].astype("datetime64[ns]")


_FIRST = np.datetime64(f"{_YEARS[0]}-01-01", "D")
_LAST = np.datetime64(f"{_YEARS[1]}-12-31", "D")


def _checked_days(sub: pa.Array) -> np.ndarray:
    """``YYYY-MM-DD`` cells as days, ``NaT`` where the month or day does not exist."""
    def part(start: int, length: int) -> np.ndarray:
        cut = pc.utf8_slice_codeunits(sub, start, start + length)
        return pc.cast(cut, pa.int64()).to_numpy(zero_copy_only=False)

    y, m, d = part(0, 4), part(5, 2), part(8, 2)
    ok = (y >= _YEARS[0]) & (y <= _YEARS[1]) & (m >= 1) & (m <= 12) & (d >= 1)
    months = np.where(ok, (y - 1970) * 12 + m - 1, 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months  # day 30 of February rolls into March
    return np.where(ok, days, np.datetime64("NaT"))


def exact_lookup(arr: pa.Array | pa.ChunkedArray, table: Mapping[str, str | bool]
                 ) -> tuple[np.ndarray, pa.Array | pa.ChunkedArray]:
    """Mask of the cells that are exactly a key of ``table``, and for every cell its value
    (null where the cell is not a key)."""
    keys = list(table)
    idx = pc.index_in(arr, value_set=pa.array(keys, type=arr.type))
    hit = pc.is_valid(idx).to_numpy(zero_copy_only=False)
    return hit, pc.take(pa.array([table[k] for k in keys]), idx)


def isin(vals: pd.Series, known: pd.Series) -> np.ndarray:
    """Where ``vals`` is one of the non-missing ``known`` values; by Arrow's hash lookup when
    both are Arrow strings (pandas would go through a Python list of the values)."""
    a, k = arrow_text(vals), arrow_text(known)
    if a is None or k is None:
        return vals.isin(known.dropna().unique()).to_numpy(dtype=bool)
    found = pc.is_in(a, value_set=pc.unique(pc.drop_null(k)).cast(a.type), skip_nulls=True)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
