"""Parameters of the scoring stage (section ``scoring:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["ScoringParams"]


class ScoringParams(Section):
    """Settings of the scoring stage. Every field has a documented default."""
