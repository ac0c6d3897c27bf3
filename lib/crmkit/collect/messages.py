"""Pieces of the collect stage's issue messages: how to fix a value, a column's range."""

from __future__ import annotations

from crmkit.core.contract import Column

__all__ = ["fix_hint", "range_text"]


def fix_hint(c: Column) -> str:
    """How to write a value of column ``c`` so it can be read (the end of a message)."""
    if c.kind == "date":
        return "write dates as YYYY-MM-DD"
    if c.kind == "rate":
        return "write rates as 4.5% or 0.045"
    if c.kind in ("money", "float", "int"):
        return "write a plain number such as 1234.5"
    if c.kind == "bool":
        return "write 是/否 or yes/no"
    if c.kind == "code" and c.codes:
        from crmkit.core.contract import CODES

        opts = ", ".join(f"{k} ({v[0]})" for k, v in CODES[c.codes].items())
        return f"use one of: {opts}"
    return "fix the value"


def range_text(c: Column) -> str:
    """The allowed range of column ``c`` in words, for an ``out_of_range`` message."""
    if c.minimum is not None and c.maximum is not None:
        return f"the range {c.minimum:g} to {c.maximum:g}"
    if c.minimum is not None:
        return f"the range >= {c.minimum:g}"
    return f"the range <= {c.maximum:g}"
