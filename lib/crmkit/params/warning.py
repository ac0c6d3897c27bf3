"""Parameters of the warning stage (section ``warning:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["WarningParams"]


class WarningParams(Section):
    """Settings of the warning stage. Every field has a documented default."""
