"""Parameters of the batch stage (section ``batch:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["BatchParams"]


class BatchParams(Section):
    """Settings of the batch stage. Every field has a documented default."""
