"""Charts of the scoring stage: score distribution by dimension, why the top clients scored as
they did (stacked contributions), and the weight-sensitivity table.

Every function takes the outputs of :mod:`crmkit.score.difference` (no computation of its own beyond
layout), a ``lang`` ("zh" | "en"), applies :func:`crmkit.core.style.use_style` and returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot, so batch runs leak no figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.i18n import check_lang
from crmkit.core.style import PALETTE, use_style
from crmkit.params.scoring import DIMENSIONS
from crmkit.score.difference import ScoreResult, label

__all__ = ["dimension_distribution", "contribution_bars", "sensitivity_bars",
           "DIMENSION_COLORS", "CHART_LABELS"]

#: One colour per dimension, shared by every scoring chart.
DIMENSION_COLORS: dict[str, str] = dict(zip(DIMENSIONS, PALETTE, strict=False))
_TOTAL_COLOR = "#1b2631"
#: Showing every outlier of a large portfolio only blurs the chart.
_MAX_FLIERS = 5000

#: Chart texts: key -> (中文, English).
CHART_LABELS: dict[str, tuple[str, str]] = {
    "dist.title": ("各维度得分分布", "Score distribution by dimension"),
    "dist.x": ("得分（0-100）", "Score (0-100)"),
    "dist.note": ("{n} 户客户；括号内为维度权重；菱形为均值",
                  "{n} clients; dimension weight in brackets; diamond = mean"),
    "bars.title": ("综合得分前 {n} 名客户的得分构成",
                   "What makes up the score of the top {n}"),
    "bars.x": ("对综合得分的贡献（权重 × 维度得分）",
               "Contribution to the composite score (weight x dimension score)"),
    "sens.title": ("维度权重 ±{step} 时层级变化的客户占比",
                   "Clients changing tier when a weight moves ±{step}"),
    "sens.x": ("层级变化客户占比", "Share of clients changing tier"),
    "sens.down": ("权重 -{step}", "Weight -{step}"),
    "sens.up": ("权重 +{step}", "Weight +{step}"),
}


def _t(key: str, lang: str) -> str:
    return CHART_LABELS[key][0 if lang == "zh" else 1]


def _short(name: str, width: int = 14) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def dimension_distribution(result: ScoreResult, lang: str = "zh") -> Figure:
    """Box plot of each dimension score and of the total (0-100), weights in the labels."""
    check_lang(lang)
    use_style()
    cols = [d for d in DIMENSIONS if result.scores[d].notna().any()] + ["total"]
    data = [result.scores[c].dropna().to_numpy() for c in cols]
    names = [f"{label(c, lang)} ({result.weights[c]:.0%})" if c in result.weights
             else label(c, lang) for c in cols]
    fig = Figure(figsize=(9, 0.55 * len(cols) + 2.2))
    ax = fig.add_subplot()
    pos = np.arange(len(cols))[::-1]
    box = ax.boxplot(data, positions=pos, orientation="horizontal", widths=0.6, patch_artist=True,
                     showfliers=len(result.scores) <= _MAX_FLIERS, showmeans=True,
                     meanprops={"marker": "D", "markerfacecolor": "white",
                                "markeredgecolor": _TOTAL_COLOR, "markersize": 5},
                     medianprops={"color": _TOTAL_COLOR},
                     flierprops={"marker": ".", "markersize": 3, "alpha": 0.4})
    for patch, c in zip(box["boxes"], cols, strict=True):
        patch.set_facecolor(DIMENSION_COLORS.get(c, "#d5d8dc"))
        patch.set_alpha(0.85)
    ax.set_yticks(pos, names)
    ax.set_xlim(-2, 102)
    ax.set_xlabel(_t("dist.x", lang))
    ax.set_title(_t("dist.title", lang), fontsize=14, pad=10)
    fig.text(0.01, 0.01, _t("dist.note", lang).format(n=f"{len(result.scores):,}"),
             fontsize=9, color="#566573")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def contribution_bars(result: ScoreResult, n: int = 15, names: pd.Series | None = None,
                      lang: str = "zh") -> Figure:
    """Stacked bars of the top-``n`` clients by total: one segment per dimension's
    contribution (weight x dimension score), the total at the end of each bar.

    ``names`` (client_id -> display name, e.g. ``features["client_name"]``) labels the bars;
    default: the client ids.
    """
    check_lang(lang)
    use_style()
    top = result.scores["total"].nlargest(n).index
    contrib = result.contributions.loc[top]
    dims = [d for d in DIMENSIONS if (result.weights.get(d, 0) > 0)]
    ylabels = [_short(str(names.get(c, c))) if names is not None else str(c) for c in top]
    fig = Figure(figsize=(10, 0.38 * len(top) + 2.6))
    ax = fig.add_subplot()
    y = np.arange(len(top))[::-1]
    left = np.zeros(len(top))
    for d in dims:
        v = contrib[d].to_numpy()
        ax.barh(y, v, left=left, color=DIMENSION_COLORS[d], label=label(d, lang), height=0.7,
                edgecolor="white", linewidth=0.6)
        left += v
    for yi, total in zip(y, result.scores.loc[top, "total"], strict=True):
        ax.text(total + 0.8, yi, f"{total:.1f}", va="center", fontsize=9, color=_TOTAL_COLOR)
    ax.set_yticks(y, ylabels)
    ax.set_xlim(0, 105)
    ax.set_xlabel(_t("bars.x", lang))
    ax.set_title(_t("bars.title", lang).format(n=len(top)), fontsize=14, pad=10)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1 - 0.6 / (len(top) + 6)),
              ncol=min(len(dims), 3), frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def sensitivity_bars(table: pd.DataFrame, lang: str = "zh") -> Figure:
    """Grouped bars of :func:`crmkit.score.difference.weight_sensitivity`: per dimension, the share of
    clients whose tier changes when its weight moves down / up."""
    check_lang(lang)
    use_style()
    dims = list(dict.fromkeys(table["dimension"]))
    dirs = list(dict.fromkeys(table["direction"]))
    step = dirs[-1].lstrip("+-") if dirs else ""
    share = table.pivot(index="dimension", columns="direction", values="share_changed"
                        ).reindex(index=dims, columns=dirs)
    fig = Figure(figsize=(9, 0.6 * len(dims) + 2))
    ax = fig.add_subplot()
    y = np.arange(len(dims))[::-1]
    h = 0.38
    for k, (d, key) in enumerate(zip(dirs, ("sens.down", "sens.up"), strict=False)):
        ax.barh(y + (h / 2 if k == 0 else -h / 2), share[d].to_numpy(), height=h,
                color=PALETTE[2] if k == 0 else PALETTE[0],
                label=_t(key, lang).format(step=step))
    for yi, d in zip(y, dims, strict=True):
        for k, dr in enumerate(dirs):
            v = share.loc[d, dr]
            ax.text(v, yi + (h / 2 if k == 0 else -h / 2), f" {v:.1%}", va="center",
                    fontsize=8.5, color="#566573")
    ax.set_yticks(y, [label(d, lang) for d in dims])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))  # 0.5%, 1.0% ... not 0%, 0%, 1%
    ax.set_xlim(0, max(float(np.nanmax(share.to_numpy(), initial=0)) * 1.25, 0.01))
    ax.set_xlabel(_t("sens.x", lang))
    ax.set_title(_t("sens.title", lang).format(step=step), fontsize=14, pad=10)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=True, fontsize=9)
    fig.tight_layout()
    return fig
