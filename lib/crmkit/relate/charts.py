"""Charts of the relate stage: use of the large-exposure limits, and concentration by dimension.

The relationship tree map is in :mod:`crmkit.relate.treemap`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.i18n import check_lang, t
from crmkit.core.style import PALETTE, use_style
from crmkit.relate.labels import RELATE_LABELS  # noqa: F401  (registers the labels)

__all__ = ["limit_chart", "concentration_chart"]

_BREACH = "#cb4335"


def limit_chart(limits: pd.DataFrame, lang: str = "zh", top: int = 15) -> Figure:
    """Horizontal bars of the ``top`` highest limit uses (clients and groups), the limit at
    100 %; breaches in red. A note replaces the bars when tier-1 capital is not set."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(10, 0.42 * top + 1.6))
    ax = fig.add_subplot()
    d = limits.dropna(subset=["utilisation"]).head(top).iloc[::-1]
    ax.set_title(t("relate.chart.limits", lang), fontsize=13)
    if d.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, t("relate.no_capital", lang), ha="center", va="center", wrap=True,
                fontsize=11, color="#566573", transform=ax.transAxes, gid="note")
        return fig
    level = [t(f"relate.level.{x}", lang) for x in d["level"]]
    labels = [f"{n}（{lv}）" if lang == "zh" else f"{n} ({lv})"
              for n, lv in zip(d["name"], level, strict=True)]
    face = np.where(d["breach"], _BREACH, np.where(d["level"] == "group", PALETTE[1],
                                                   PALETTE[0]))
    ax.barh(np.arange(len(d)), d["utilisation"], color=face, gid="limit-bar")
    ax.set_yticks(np.arange(len(d)), labels, fontsize=9)
    ax.axvline(1.0, color="#1b2631", lw=1.4, ls="--")
    ax.text(1.0, len(d) - 0.4, f" {t('relate.chart.limit_line', lang)}", fontsize=9,
            va="bottom", color="#1b2631")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, 0))
    ax.set_xlabel(t("relate.chart.use", lang))
    ax.set_xlim(0, max(1.1, float(d["utilisation"].max()) * 1.08))
    fig.tight_layout()
    return fig


def concentration_chart(summary: pd.DataFrame, lang: str = "zh") -> Figure:
    """HHI and effective number of units per dimension (client, group, industry, region)."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    dims = [t(f"relate.dim.{d}", lang) for d in summary["dimension"]]
    bars = ax.bar(dims, summary["hhi"], color=PALETTE[0], gid="hhi-bar")
    for b, h, n in zip(bars, summary["hhi"], summary["effective_number"], strict=True):
        ax.text(b.get_x() + b.get_width() / 2, h, f"{h:.3f}\n1/HHI = {n:.1f}", ha="center",
                va="bottom", fontsize=9)
    ax.set_ylim(0, max(0.05, float(summary["hhi"].max()) * 1.35))
    ax.set_title(t("relate.chart.hhi", lang), fontsize=13)
    fig.tight_layout()
    return fig
