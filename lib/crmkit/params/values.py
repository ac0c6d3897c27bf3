"""The per-column value mapping of section ``values:``: a client's own words for coded values.

``values: {clients: {industry: {能源: energy, 科技: technology}}}`` reads 能源 as ``energy``
before the collect stage validates the column. Keys are compared after Unicode NFKC
normalisation, trimming and case folding; a coded column's targets must be known codes.
"""

from __future__ import annotations

import difflib

from crmkit.core.contract import CODES, TABLES

__all__ = ["value_problems"]


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(str(name), choices, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(choices)})" if choices else ""


def value_problems(values: dict[str, dict[str, dict[str, str]]]) -> list[str]:
    """Every problem of a ``values:`` section: unknown tables or columns, unknown codes."""
    problems = []
    for tname, cols in values.items():
        if tname not in TABLES:
            problems.append(f"unknown table {tname!r}{_hint(tname, list(TABLES))}")
            continue
        t = TABLES[tname]
        for col, mapping in cols.items():
            if col not in t.names:
                problems.append(f"{tname}: {col!r} is not a column of {tname}"
                                f"{_hint(col, list(t.names))}")
                continue
            c = t.column(col)
            if c.kind != "code" or c.codes is None:
                continue
            codes = list(CODES[c.codes])
            for word, code in mapping.items():
                if code not in codes:
                    problems.append(f"{tname}.{col}: {word!r} maps to {code!r}, which is not a "
                                    f"code of {col}{_hint(code, codes)}")
    return problems
