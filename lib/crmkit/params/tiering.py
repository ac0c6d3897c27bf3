"""Parameters of the tiering stage (section ``tiering:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["TieringParams"]


class TieringParams(Section):
    """Settings of the tiering stage. Every field has a documented default."""
