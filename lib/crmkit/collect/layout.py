"""The layout of a client's own sheet: where its header row is, and which rows are totals.

Bank workbooks often carry a title row (``2026年三季度对公客户清单``) and a merged band
(``基本信息`` over several columns) above the real headers, and a totals row (合计 / 总计 /
小计 / Total) under the data. :func:`find_header_row` finds the first row whose cells match
enough of the contract's headers (:func:`crmkit.collect.headers.header_aliases`, plus any
``columns:`` mapping); :func:`totals_rows` marks the rows labelled as totals, which the collect
stage quarantines as ``totals_row`` (never a client: crmkit adds up the rows itself).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from crmkit.collect.headers import header_aliases, normalise_header
from crmkit.core.contract import TABLES

__all__ = ["find_header_row", "frame_below", "totals_rows", "HEADER_SCAN_ROWS", "TOTALS_WORDS"]

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SCAN_ROWS = 30
#: Labels of a totals row, compared after NFKC, whitespace removal and case folding; a label
#: may be followed by ``:`` or a bracket (``合计：``, ``合计(万元)``).
TOTALS_WORDS = ("合计", "总计", "小计", "共计", "总合计", "total", "totals", "grandtotal",
                "subtotal")
_TOTALS = "^(?:" + "|".join(TOTALS_WORDS) + r")(?:[:(].*)?$"


def _matches(cells: Iterable[object], known: set[str]) -> int:
    from crmkit.collect.parsing import _HEADER_UNIT

    n = 0
    for v in cells:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        text = str(v)
        if (normalise_header(text) in known
                or normalise_header(_HEADER_UNIT.sub("", text)) in known):
            n += 1
    return n


def find_header_row(grid: pd.DataFrame, table: str, mapped: Iterable[str] = ()) -> int:
    """The position (0 = first row) of the header row of ``grid`` (a sheet read without
    headers): the first of the top :data:`HEADER_SCAN_ROWS` rows matching at least three
    contract headers (or all the required ones, if fewer), else the best match, else 0."""
    known = set(header_aliases(table)) | {normalise_header(k) for k in mapped}
    enough = min(3, len(TABLES[table].required))
    best, best_n = 0, 0
    for i in range(min(len(grid), HEADER_SCAN_ROWS)):
        n = _matches(grid.iloc[i].tolist(), known)
        if n >= enough:
            return i
        if n > best_n:
            best, best_n = i, n
    return best


def frame_below(grid: pd.DataFrame, header: int) -> tuple[pd.DataFrame, pd.Series]:
    """The rows under ``header`` with its cells as column names, and their sheet row numbers
    (1 = the sheet's first row). Blank header cells become ``Unnamed: <n>`` (dropped when the
    column is empty too); repeated headers get ``.1``, ``.2`` as pandas does."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for j, v in enumerate(grid.iloc[header].tolist() if len(grid) else []):
        name = f"Unnamed: {j}" if pd.isna(v) else str(v)
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    body = grid.iloc[header + 1:].copy()
    body.columns = names
    rows = pd.Series(np.arange(header + 2, header + 2 + len(body)), dtype="int64")
    blank = [c for c in names if c.startswith("Unnamed: ") and body[c].isna().all()]
    return body.drop(columns=blank).reset_index(drop=True), rows


#: Prefilter of :func:`totals_rows` (RE2, Arrow): after NFKC, lower case and the removal of
#: every Unicode space, a cell must start like a totals word to be checked exactly.
_TOTALS_START = "^(?:" + "|".join(sorted({w[:2] if not w.isascii() else w[:5]
                                          for w in TOTALS_WORDS})) + ")"
_SPACES = r"[\s\p{Z}\x{1c}-\x{1f}\x{85}]+"


def _text_cells(s: pd.Series) -> pd.Series:
    """The column's text cells (other values and blanks as ``<NA>``), Arrow-backed."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string",
                                                                             "empty"):
        s = s.where(s.map(lambda v: isinstance(v, str)))
    return s.astype("string")


#: Cheaper prefilter on the cells as written: a totals label starts (after spaces) with a
#: totals word's first two letters (to, gr, su, 合, 总, 小, 共) or with characters NFKC may
#: change; an ASCII character or a common CJK ideograph (both NFKC-stable) that cannot begin
#: such a word, or a blank cell, rules a cell out.
_SP = r"[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]*"
_OTHER_START = (
    "^" + _SP + r"(?:$|[0-9a-fh-ru-zA-FH-RU-Z\x{4e00}-\x{5170}\x{5172}-\x{5407}"
    r"\x{5409}-\x{5c0e}\x{5c10}-\x{603a}\x{603c}-\x{9fff}]"
    "|[tT]" + _SP + r"[\x21-\x4e\x50-\x6e\x70-\x7e]"
    "|[gG]" + _SP + r"[\x21-\x51\x53-\x71\x73-\x7e]"
    "|[sS]" + _SP + r"[\x21-\x54\x56-\x74\x76-\x7e])")


def _maybe_totals(text: pd.Series) -> np.ndarray:
    """Positions whose cell may be a totals label: a vectorised superset of the exact test."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array)
    other = pc.fill_null(pc.match_substring_regex(arr, _OTHER_START), True)
    pos = np.flatnonzero(~other.to_numpy(zero_copy_only=False))
    if not len(pos):
        return pos
    arr = arr.take(pa.array(pos))
    key = pc.replace_substring_regex(pc.utf8_lower(pc.utf8_normalize(arr, "NFKC")),
                                     _SPACES, "")
    hit = pc.fill_null(pc.match_substring_regex(key, _TOTALS_START), False)
    return pos[hit.to_numpy(zero_copy_only=False)]


def totals_rows(frame: pd.DataFrame, skip: Collection[object] = ()
                ) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Which rows of a raw table are totals rows: a mask, and for each row the label found and
    the column holding it (``<NA>`` where none). ``skip``: columns known to hold no label (every
    cell read as a number, date or yes-no)."""
    n = len(frame)
    mask = np.zeros(n, dtype=bool)
    label = pd.Series(pd.NA, index=frame.index, dtype="string")
    column = pd.Series(pd.NA, index=frame.index, dtype="string")
    for col in frame.columns:
        s = frame[col]
        if col in skip or not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
            continue
        text = _text_cells(s)
        pos = _maybe_totals(text)  # the exact test below runs on these few cells only
        if not len(pos):
            continue
        sub = text.iloc[pos]
        key = (sub.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.casefold()
               .str.replace("（", "(").str.replace("：", ":"))
        hit = np.zeros(n, dtype=bool)
        hit[pos] = key.str.fullmatch(_TOTALS).fillna(False).to_numpy(dtype=bool)
        hit &= ~mask
        label[hit] = text[hit].str.strip()
        column[hit] = str(col)
        mask |= hit
    return mask, label, column
