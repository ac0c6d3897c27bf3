"""Shared pieces of the tiering charts: colours and money formatting."""

from __future__ import annotations

import numpy as np
from matplotlib import colors

from crmkit.core.i18n import t
from crmkit.core.style import PALETTE
from crmkit.params.tiering import UNKNOWN

__all__ = ["TIER_COLORS", "RISK_COLORS", "MISSING_COLOR", "OTHER_COLOR", "money", "ink"]

TIER_COLORS = {"A": PALETTE[0], "B": PALETTE[1], "C": PALETTE[3]}
RISK_COLORS = {"low": "#229954", "medium": "#f5b041", "high": "#cb4335", UNKNOWN: "#aab7b8"}
MISSING_COLOR = "#d5d8dc"
OTHER_COLOR = "#f2f3f4"


def money(x: float, lang: str = "zh") -> str:
    """A yuan amount for display: ``12.3 亿元`` / ``CNY 1.23 bn``."""
    if not np.isfinite(x):
        return "-"
    if lang == "zh":
        for div, key in ((1e8, "unit.yi"), (1e4, "unit.wan")):
            if abs(x) >= div:
                return f"{x / div:,.1f} {t(key, lang)}"
        return f"{x:,.0f} {t('unit.yuan', lang)}"
    for div, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= div:
            return f"CNY {x / div:,.1f} {unit}"
    return f"CNY {x:,.0f}"


def ink(rgba: tuple) -> str:
    """Black or white text, whichever reads better on ``rgba``."""
    r, g, b = colors.to_rgb(rgba)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else "#1b2631"
