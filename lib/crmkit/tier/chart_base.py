"""Shared pieces of the tiering charts: colours, money formatting, tree-map layout and label
fitting (also used by the relationship tree map of :mod:`crmkit.relate`)."""

from __future__ import annotations

import numpy as np
import squarify
from matplotlib import colors

from crmkit.core.i18n import t
from crmkit.core.style import PALETTE
from crmkit.params.tiering import UNKNOWN

__all__ = ["TIER_COLORS", "RISK_COLORS", "MISSING_COLOR", "OTHER_COLOR", "money", "ink",
           "squarify_rects", "fit_label"]

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


def squarify_rects(sizes: np.ndarray, x: float, y: float, dx: float, dy: float) -> list[dict]:
    """Squarified rectangles (dicts x, y, dx, dy) of ``sizes`` inside the given box."""
    if dx <= 0 or dy <= 0 or len(sizes) == 0:
        return []
    return squarify.squarify(squarify.normalize_sizes(list(sizes), dx, dy), x, y, dx, dy)


def fit_label(text: str, width_units: float, fontsize: float, pt_per_unit: float) -> str:
    """Truncate ``text`` to what fits in ``width_units`` ("" if nothing useful fits).

    Widths are estimated: CJK glyphs and the ellipsis ~1 em, Latin ~0.6 em, with a margin.
    """
    room = width_units * pt_per_unit / fontsize - 1.0
    widths = [1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text]
    if sum(widths) <= room:
        return text
    out, used = "", 0.0
    for ch, w in zip(text, widths, strict=True):
        if used + w > room - 1.0:
            break
        out, used = out + ch, used + w
    return out + "…" if len(out) >= 2 else ""
