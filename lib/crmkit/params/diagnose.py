"""Parameters of the diagnose stage (section ``diagnose:`` of a portfolio's parameters file)."""

from __future__ import annotations

from crmkit.params._base import Section

__all__ = ["DiagnoseParams"]


class DiagnoseParams(Section):
    """Settings of the diagnose stage. Every field has a documented default."""
