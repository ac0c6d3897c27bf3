"""CSV files a person opens in Excel: text cells that Excel would run as formulas are made inert.

Following the OWASP rule for CSV injection, a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading apostrophe, so ``=HYPERLINK(...)`` or ``@SUM(...)``
from a client's data shows as text instead of running. Numbers are untouched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmkit.core.store import atomic_write

__all__ = ["FORMULA_START", "neutralise", "neutralise_text", "write_csv", "text_not_formulas"]

#: Leading characters that make Excel (or LibreOffice) read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: object) -> object:
    """``value`` with a leading apostrophe if it is text Excel would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as formulas (see the module docstring)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col] = s.map(neutralise_text, na_action="ignore")
    out.columns = [neutralise_text(c) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as UTF-8 CSV with a byte-order mark (Excel reads the Chinese), neutralised
    and atomically."""
    safe = neutralise(df)
    return atomic_write(Path(path), lambda tmp: safe.to_csv(tmp, index=False,
                                                            encoding="utf-8-sig"))


def text_not_formulas(ws: object) -> int:
    """Store every cell of worksheet ``ws`` that openpyxl took for a formula as text.

    For sheets crmkit fills from data (never with formulas of its own): ``=HYPERLINK(...)`` in a
    client's name or an error message then shows as text in Excel. Returns the cells changed.
    """
    changed = 0
    for row in ws.iter_rows():  # type: ignore[attr-defined]
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                changed += 1
    return changed
