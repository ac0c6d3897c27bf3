"""Every crmkit chart, one sub-module per stage; all share :mod:`crmkit.charts._style`."""

from __future__ import annotations

from crmkit.charts._style import PALETTE, SEVERITY_COLORS, cjk_font_family, use_style

__all__ = ["PALETTE", "SEVERITY_COLORS", "cjk_font_family", "use_style"]
