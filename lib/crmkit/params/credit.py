"""Parameters of the credit stage (section ``credit:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["CreditParams"]


class CreditParams(Section):
    """Settings of the credit stage. Every field has a documented default."""
