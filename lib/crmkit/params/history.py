"""Parameters of the history step (section ``history:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["HistoryParams"]


class HistoryParams(Section):
    """Settings of the history step. Every field has a documented default."""
