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
    """A copy of ``df`` whose text cells cannot run as formulas (see the module docstring).

    Vectorised: a column of text (``str``, ``string`` or ``object`` holding only text) is tested
    with one ``startswith`` and only its matching cells change; a categorical's categories are
    neutralised (its codes untouched); an ``object`` column mixing text with other values goes
    cell by cell. A million-row action plan takes a second, not the twenty cell by cell took.
    """
    out = df.copy(deep=False)
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or isinstance(cats.dtype, pd.StringDtype):
                safe = pd.Index([neutralise_text(c) for c in cats], dtype=cats.dtype)
                if not safe.equals(cats):
                    out.isetitem(i, s.cat.rename_categories(safe))
        elif s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out.isetitem(i, _neutralise_text_column(s))
    out.columns = [neutralise_text(c) for c in out.columns]
    return out


def _neutralise_text_column(s: pd.Series) -> pd.Series:
    """``s`` with an apostrophe before each text cell that starts like a formula."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        return s.map(neutralise_text, na_action="ignore")  # text mixed with other values
    risky = s.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return s
    s = s.copy()
    s[risky] = "'" + s[risky]
    return s


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
