"""Matching sheet titles and column headers of client files to the data contract.

A filled-in template (or the client's own workbook) is read back with no mapping: a sheet is
found by :func:`sheet_table_name`, a header by :func:`header_aliases`, both compared after
:func:`normalise_header`; a money unit in a header (``合同金额 / Committed amount(万元)``) is
read by :func:`crmkit.collect.parsing.header_unit`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from crmkit.core.contract import TABLE_ORDER, TABLES, Table
from crmkit.core.errors import CollectError

__all__ = ["INSTRUCTIONS_SHEET", "CODES_SHEET", "sheet_title", "normalise_header",
           "sheet_table_name", "header_aliases", "table_spec"]

INSTRUCTIONS_SHEET = "填写说明 Instructions"
CODES_SHEET = "代码表 codes"

_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "【": "(", "】": ")",
                           "〔": "(", "〕": ")", "〖": "(", "〗": ")", "<": "(", ">": ")",
                           "\\": "/", "∕": "/", "⁄": "/", "*": None})
_SPACE = re.compile(r"\s+")


def sheet_title(table_name: str) -> str:
    """The template sheet title of a table: ``"客户 clients"``."""
    t = table_spec(table_name)
    return f"{t.zh} {t.name}"


def normalise_header(s: str) -> str:
    """A header or sheet title reduced for matching.

    Unicode NFKC (full-width ``（）／`` become ``()/``), other brackets unified to ``()``,
    backslashes to ``/``, ``*`` marks and all whitespace removed, case folded.
    """
    s = unicodedata.normalize("NFKC", str(s)).translate(_BRACKETS)
    return _SPACE.sub("", s).casefold()


@cache
def _sheet_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for t in TABLES.values():
        for alias in (f"{t.zh} {t.name}", f"{t.name} {t.zh}", t.name, t.zh, t.en):
            out[normalise_header(alias)] = t.name
    return out


def sheet_table_name(sheet_title: str) -> str | None:
    """The contract table a sheet holds, or ``None`` (instructions, codes or unknown sheets).

    Accepted titles: ``"<zh> <name>"`` (the template's), ``"<name>"`` or ``"<zh>"``, compared
    after :func:`normalise_header` (so ``"客户clients"`` and ``"Clients"`` also match).
    """
    return _sheet_names().get(normalise_header(sheet_title))


@cache
def _aliases(table_name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in table_spec(table_name).columns:
        for alias in (c.name, c.zh, c.en, c.header, f"{c.en} / {c.zh}"):
            key = normalise_header(alias)
            if out.setdefault(key, c.name) != c.name:  # a contract bug, caught by the tests
                raise ValueError(f"{table_name}: header {alias!r} matches both {out[key]!r} "
                                 f"and {c.name!r}")
    return out


def header_aliases(table_name: str) -> dict[str, str]:
    """Every accepted header spelling of a table, normalised, -> contract column name.

    A header is accepted when it equals the column name, its Chinese or English label or the
    bilingual template header (either order), after :func:`normalise_header`.
    """
    return dict(_aliases(table_name))


def table_spec(name: str) -> Table:
    """The contract table ``name``; a clear error for an unknown name."""
    if name not in TABLES:
        raise CollectError(f"unknown table {name!r}; the contract tables are "
                           f"{', '.join(TABLE_ORDER)}")
    return TABLES[name]
