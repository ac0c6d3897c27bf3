"""Vectorised parsing of raw cells into the contract's clean types.

Each parser takes a column as read (text, numbers or timestamps) and returns the parsed values
and a boolean mask of cells that could not be parsed. Blank cells (and ``NA``, ``N/A``, ``-``,
``null``, ``无``) are missing, not errors: whether a missing value is allowed is decided by the
caller. Nothing is guessed silently: ``01/02/2024`` (day or month first?) and ``4.5`` for a rate
(4.5 % or 450 %?) are flagged for the user to fix, not read one way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.collect import fastparse
from crmkit.core.contract import CODES

__all__ = [
    "MISSING_TOKENS",
    "text_view",
    "is_missing",
    "parse_number",
    "parse_int",
    "parse_date",
    "parse_bool",
    "parse_code",
    "parse_text",
    "header_unit",
]

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "—", "无", "#n/a"})
_TRUE = {"true", "t", "yes", "y", "1", "是", "已解决", "已满足", "√", "✓"}
_FALSE = {"false", "f", "no", "n", "0", "否", "未解决", "未满足", "×", "✗"}
_CELL_UNITS = {"万元": 1e4, "万": 1e4, "亿元": 1e8, "亿": 1e8, "千元": 1e3, "元": 1.0}
_HEADER_UNIT = re.compile(r"[（(]\s*(万元|亿元|千元|元|万|亿|百万元)\s*[)）]")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_FIRST_DAY, _LAST_DAY = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


_TOKEN_LEN = max(map(len, MISSING_TOKENS))


def _as_text(s: pd.Series) -> pd.Series:
    """Text view of a column: stripped strings, ``<NA>`` where missing."""
    out = s.astype("string")
    arr = fastparse.arrow_text(out)
    if arr is None:
        return _as_text_pandas(out.str.strip())
    if fastparse.needs_strip(arr):
        out = out.str.strip()
        arr = fastparse.arrow_text(out)
        assert arr is not None
    # only a short cell can case-fold to a token (case folding never shortens a string): the
    # exact test runs once per distinct short cell
    short = pc.less_equal(pc.utf8_length(arr), _TOKEN_LEN)
    distinct = pc.unique(arr.filter(pc.fill_null(short, False))).to_pylist()
    tokens = [v for v in distinct if v.casefold() in MISSING_TOKENS]
    if not tokens:
        return out
    missing = pc.is_in(arr, value_set=pa.array(tokens, type=arr.type))
    kept = pc.if_else(missing, pa.scalar(None, arr.type), arr)
    return pd.Series(pd.arrays.ArrowStringArray(kept), index=s.index, name=s.name)


def _as_text_pandas(out: pd.Series) -> pd.Series:
    """:func:`_as_text` of a stripped column not backed by Arrow."""
    lower = out.str.lower()
    maybe = ((out.str.len() <= _TOKEN_LEN)
             & (lower.isin(MISSING_TOKENS) | ~out.str.isascii())).fillna(False)
    if not maybe.any():
        return out
    missing = pd.Series(False, index=out.index)
    missing[maybe] = out[maybe].str.casefold().isin(MISSING_TOKENS).to_numpy(dtype=bool)
    return out.mask(missing)


def _halfwidth(text: pd.Series) -> pd.Series:
    """Full-width digits, signs and letters (３２００, －５, ％) as their ASCII forms (NFKC);
    only for numbers and dates, so that names keep their own characters."""
    return text.map(lambda v: unicodedata.normalize("NFKC", v), na_action="ignore"
                    ).astype("string")


def text_view(s: pd.Series) -> pd.Series | None:
    """A raw column's text view (stripped strings, ``<NA>`` where blank or a missing-value
    token), computed once and shared by :func:`is_missing` and the parsers' ``text=``;
    ``None`` for a column of numbers, timestamps or dates."""
    if s.dtype.kind in "fiumM" or isinstance(s.dtype, pd.DatetimeTZDtype):
        return None
    return _as_text(s)


def is_missing(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """True where a raw cell is blank or a missing-value token (``text``: its text view)."""
    if text is None:
        text = text_view(s)
    return s.isna() if text is None else text.isna()


def _combine(s: pd.Series, text: pd.Series, plain: np.ndarray,
             vals: np.ndarray | pa.Array | pa.ChunkedArray,
             careful: Callable[[pd.Series], tuple[pd.Series, pd.Series]],
             dtype: str) -> tuple[pd.Series, pd.Series]:
    """The fast path's values for the ``plain`` cells (``vals``: numpy, for those cells; or
    Arrow, for every cell), missing for blank ones, and the careful parser's result
    (``careful`` of the sub-column) for every other cell."""
    rest = ~plain & text.notna().to_numpy(dtype=bool)
    bad = np.zeros(len(s), dtype=bool)
    sub = careful(s[rest]) if rest.any() else None
    if sub is not None:
        bad[rest] = sub[1].to_numpy(dtype=bool)
    if dtype == "string":
        out = pd.Series(pd.arrays.ArrowStringArray(vals), index=s.index)
    elif dtype == "boolean":
        known = pc.fill_null(vals, False).to_numpy(zero_copy_only=False)
        out = pd.Series(pd.arrays.BooleanArray(known, ~plain), index=s.index)
    else:
        arr = np.full(len(s), np.datetime64("NaT") if dtype[0] == "d" else np.nan,
                      dtype=dtype)
        arr[plain] = vals
        if sub is not None:
            arr[rest] = sub[0].to_numpy(dtype=dtype)
        return pd.Series(arr, index=s.index), pd.Series(bad, index=s.index)
    if sub is not None:
        out.iloc[np.flatnonzero(rest)] = sub[0].to_numpy(dtype=object)
    return out, pd.Series(bad, index=s.index)


def header_unit(header: str) -> float | None:
    """The money factor a header declares, e.g. ``合同金额(万元)`` -> 10000."""
    from crmkit.params import UNITS

    m = _HEADER_UNIT.search(str(header))
    return UNITS.get(m.group(1)) if m else None


def parse_number(s: pd.Series, *, percent: bool = False, factor: float = 1.0,
                 text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse numbers such as ``1,234.5``, ``(1,234)``, ``¥2,000``, ``12.5%``, ``3.2万``.

    ``percent`` allows a trailing ``%`` (divided by 100); ``factor`` scales plain numbers into
    yuan (e.g. 1e4 for a column declared in 万元). A number followed by 万/亿 in the cell uses
    that unit instead. ``text`` is the column's :func:`text_view` if the caller has it.
    """
    if s.dtype.kind in "fiu" or s.dtype == bool or s.dtype.kind == "M":
        return _number_careful(s, percent=percent, factor=factor)
    text = _as_text(s) if text is None else text
    arr = fastparse.arrow_text(text)
    if arr is None:
        return _number_careful(s, percent=percent, factor=factor)
    plain, vals = fastparse.plain_numbers(arr)
    return _combine(s, text, plain, vals * factor,
                    lambda sub: _number_careful(sub, percent=percent, factor=factor), "float64")


def _number_careful(s: pd.Series, *, percent: bool = False,
                    factor: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_number` cell by cell in every written form (the fast path's reference)."""
    if s.dtype.kind in "fiu":
        vals = s.astype("float64") * factor
        return vals, pd.Series(False, index=s.index)
    if s.dtype == bool or s.dtype.kind == "M":
        return pd.Series(np.nan, index=s.index), s.notna()
    text = _halfwidth(_as_text(s))
    t = text.str.replace(r"[,，\s¥￥$]", "", regex=True)
    neg = t.str.match(r"^\(.*\)$", na=False)
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    pct = t.str.endswith("%", na=False) | t.str.endswith("％", na=False)
    t = t.str.rstrip("%％")
    mult = pd.Series(float(factor), index=s.index)
    for suffix, f in _CELL_UNITS.items():
        has = t.str.endswith(suffix, na=False)
        if has.any():
            mult = mult.mask(has, f)
            t = t.mask(has, t.str.slice(stop=-len(suffix)))
    vals = pd.to_numeric(t, errors="coerce").astype("float64")
    vals = vals.mask(pct, vals / 100.0).mask(~pct, vals * mult)
    vals = vals.mask(neg, -vals)
    bad = text.notna() & (vals.isna() | (pct & (not percent)) | ~np.isfinite(vals.fillna(0)))
    return vals.mask(bad), bad.fillna(False).astype(bool)


def parse_int(s: pd.Series, text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse whole numbers; ``3.0`` is 3, ``3.5`` is an error."""
    vals, bad = parse_number(s, text=text)
    frac = vals.notna() & (vals != vals.round())
    bad = bad | frac
    return vals.mask(bad).round().astype("Int64"), bad


_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y-%m")


def parse_date(s: pd.Series, text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse dates: ``2024-03-31``, ``2024/3/31``, ``2024.03.31``, ``2024年3月31日``,
    ``20240331``, timestamps, and Excel serial day numbers. Day-first forms are errors."""
    if s.dtype.kind in "Mfiu":
        return _date_careful(s)
    text = _as_text(s) if text is None else text
    arr = fastparse.arrow_text(text)
    if arr is None:
        return _date_careful(s)
    plain, vals = fastparse.plain_dates(arr)
    return _combine(s, text, plain, vals, _date_careful, "datetime64[ns]")


def _date_careful(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_date` cell by cell in every written form (the fast path's reference)."""
    if s.dtype.kind == "M":
        return pd.Series(s.to_numpy(dtype="datetime64[ns]"), index=s.index), pd.Series(
            False, index=s.index)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if s.dtype.kind in "fiu":
        num = s.astype("float64")
        text = pd.Series(pd.NA, index=s.index, dtype="string")
    else:
        raw = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v,
                    na_action="ignore") if s.dtype == object else s
        text = _halfwidth(_as_text(raw))
        num = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(\.\d+)?", na=False)),
                            errors="coerce").astype("float64")
    serial = num.between(20000, 80000).fillna(False).astype(bool)  # Excel serials: 1954..2119
    if serial.any():
        out[serial] = _EXCEL_EPOCH + pd.to_timedelta(num[serial].round(), unit="D")
    t = (text.str.replace(r"[T\s].*$", "", regex=True)
         .str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False))
    todo = text.notna().to_numpy(dtype=bool) & ~serial.to_numpy()
    todo = pd.Series(todo, index=s.index)
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(t[todo], format=fmt, errors="coerce")
        # a year pandas' nanosecond dates cannot hold (1600-01-01: a typo) is unreadable
        ok = parsed.notna() & parsed.between(_FIRST_DAY, _LAST_DAY)
        out.loc[ok[ok].index] = parsed[ok].to_numpy().astype("datetime64[ns]")
        todo = todo & out.isna()
    bad = (text.notna() | (s.notna() if s.dtype.kind in "fiu" else False)) & out.isna()
    return out, pd.Series(np.asarray(bad, dtype=bool), index=s.index)


def parse_bool(s: pd.Series, text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse yes/no cells: true/false, yes/no, y/n, 1/0, 是/否."""
    if s.dtype == bool or str(s.dtype) == "boolean" or s.dtype.kind in "fiu":
        return _bool_careful(s)
    text = _as_text(s) if text is None else text
    arr = fastparse.arrow_text(text)
    if arr is None:
        return _bool_careful(s)
    plain, vals = fastparse.exact_lookup(arr, _BOOL_WORDS)
    return _combine(s, text, plain, vals, _bool_careful, "boolean")


def _bool_careful(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_bool` cell by cell (the fast path's reference)."""
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.astype("boolean"), pd.Series(False, index=s.index)
    text = _as_text(s.astype("string") if s.dtype.kind in "fiu" else s)
    low = text.str.casefold().str.replace(r"\.0$", "", regex=True)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE).fillna(False)] = True
    out[low.isin(_FALSE).fillna(False)] = False
    bad = text.notna() & out.isna()
    return out, bad.fillna(False).astype(bool)


def _exact_keys(table: dict[str, str]) -> dict[str, str]:
    """The entries of a case-folded lookup that a cell written exactly so would find."""
    return {k: v for k, v in table.items() if k.casefold() == k and k.strip() == k
            and k not in MISSING_TOKENS}


_BOOL_WORDS = _exact_keys({**{w: True for w in _TRUE}, **{w: False for w in _FALSE}})


@cache
def _code_lookup(codes: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (zh, en) in CODES[codes].items():
        for alias in (code, zh, en, code.replace("_", " "), code.replace("_", "-")):
            table[alias.casefold()] = code
    return table


def parse_code(s: pd.Series, codes: str, text: pd.Series | None = None
               ) -> tuple[pd.Series, pd.Series]:
    """Map a code, its Chinese label or its English label (any case) to the code."""
    if s.dtype.kind in "fiu":
        return _code_careful(s, codes)
    text = _as_text(s) if text is None else text
    arr = fastparse.arrow_text(text)
    if arr is None:
        return _code_careful(s, codes)
    plain, vals = fastparse.exact_lookup(arr, _exact_keys(_code_lookup(codes)))
    return _combine(s, text, plain, vals, lambda sub: _code_careful(sub, codes), "string")


def _code_careful(s: pd.Series, codes: str) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_code` cell by cell (the fast path's reference)."""
    text = _as_text(s.astype("string") if s.dtype.kind in "fiu" else s)
    lookup = _code_lookup(codes)
    out = text.str.casefold().map(lookup).astype("string")
    bad = text.notna() & out.isna()
    return out, bad.fillna(False).astype(bool)


def parse_text(s: pd.Series, *, identifier: bool = False,
               text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Strip text; for identifiers also undo Excel's ``1001.0`` for the id ``1001``."""
    if s.dtype.kind in "fiumMb":
        return _text_careful(s, identifier=identifier)
    text = _as_text(s) if text is None else text
    arr = fastparse.arrow_text(text)
    if arr is None:
        return _text_careful(s, identifier=identifier)
    maybe = fastparse.matches(arr, r"\.0$") if identifier else np.zeros(0, dtype=bool)
    if maybe.any():  # only these few can be an Excel ``1001.0``
        text = text.copy()
        text.iloc[np.flatnonzero(maybe)] = _text_careful(s[maybe], identifier=True)[0]
    return text, pd.Series(False, index=s.index)


def _text_careful(s: pd.Series, *, identifier: bool = False) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_text` of a whole column (the fast path's reference)."""
    if s.dtype.kind == "f":
        whole = s.notna() & (s == s.round())
        s = s.astype(object).where(~whole, s.round().astype("Int64").astype("string"))
    text = _as_text(s.astype("string") if s.dtype != "string" else s)
    if identifier:
        text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    return text, pd.Series(False, index=s.index)
