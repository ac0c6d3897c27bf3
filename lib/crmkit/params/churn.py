"""Parameters of the churn step (section ``churn:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["ChurnParams"]


class ChurnParams(Section):
    """Settings of the churn step. Every field has a documented default."""
