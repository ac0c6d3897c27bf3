"""Charts of the tiering stage: risk x capacity matrix, client tree map, Pareto curve, score
distributions by tier, profile centroids.

Every function takes the tables of :mod:`crmkit.tier.tiers` (no computation of its own beyond
layout), a ``lang`` ("zh" | "en"), applies :func:`crmkit.core.style.use_style` and returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot, so batch runs do not leak
figures; Jupyter displays it when it is the last expression of a cell).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.i18n import LABELS, check_lang, header, t
from crmkit.core.style import PALETTE, use_style
from crmkit.params.tiering import CAPACITY_LEVELS, RISK_LEVELS, TieringParams
from crmkit.tier.chart_base import RISK_COLORS, TIER_COLORS, ink, money
from crmkit.tier.pareto_analysis import ParetoResult
from crmkit.tier.profiles import ProfileResult
from crmkit.tier.tiers import TIERS, matrix_table, segment_labels, tier_names
from crmkit.tier.treemap import tree_map

__all__ = ["matrix_heatmap", "tree_map", "pareto_chart", "score_distribution",
           "profile_heatmap", "money", "TIER_COLORS", "RISK_COLORS"]

# -- the 3x3 matrix ------------------------------------------------------------------------
def matrix_heatmap(frame: pd.DataFrame, params: TieringParams | None = None, lang: str = "zh",
                   value: str = "exposure") -> Figure:
    """Heat map of the risk x capacity matrix: colour = share of ``value``; each cell shows its
    name, client count, ``value`` sum and share. Clients with unknown risk or capacity are
    counted in a note under the chart.

    ``frame`` is per client with columns ``risk``, ``capacity`` and ``value`` (e.g. from
    :func:`crmkit.tier.tiers.tier_table`).
    """
    check_lang(lang)
    use_style()
    tab = matrix_table(frame, value=value, include_unknown=True)
    rows, cols = list(RISK_LEVELS), list(reversed(CAPACITY_LEVELS))  # prime core top right
    counts = tab["count"].loc[rows, cols]
    sums = tab[value].loc[rows, cols]
    total = float(tab[value].to_numpy().sum())
    share = sums / total if total > 0 else sums * 0.0
    n_unknown = int(tab["count"].to_numpy().sum() - counts.to_numpy().sum())
    names = segment_labels(params, lang)

    fig = Figure(figsize=(9.5, 6.8))
    ax = fig.add_subplot()
    cmap = colormaps["Blues"]
    vmax = max(float(share.to_numpy().max()), 1e-9)
    im = ax.imshow(share.to_numpy(), cmap=cmap, vmin=0, vmax=vmax * 1.15, aspect="auto")
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            fg = ink(cmap(share.iloc[i, j] / (vmax * 1.15)))
            ax.text(j, i - 0.2, names[f"{r}_{c}"], ha="center", va="center", fontsize=13,
                    color=fg, gid="cell-name")
            body = t("chart.matrix.cell", lang).format(n=f"{int(counts.iloc[i, j]):,}",
                                                       value=money(sums.iloc[i, j], lang))
            ax.text(j, i + 0.17, f"{body} ({share.iloc[i, j]:.0%})", ha="center", va="center",
                    fontsize=9.5, color=fg, linespacing=1.4, gid="cell-body")
    ax.set_xticks(range(3), [t(f"capacity.{c}.short", lang) for c in cols])
    ax.set_yticks(range(3), [t(f"risk.{r}.short", lang) for r in rows])
    ax.set_xlabel(header("capacity", lang), labelpad=8)
    ax.set_ylabel(header("risk", lang), labelpad=14)
    ax.grid(False)
    for k in range(4):  # cell borders
        ax.axhline(k - 0.5, color="white", lw=3)
        ax.axvline(k - 0.5, color="white", lw=3)
    ax.set_title(t("chart.matrix.title", lang), fontsize=14, pad=12)
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.03, format=PercentFormatter(1.0, 0))
    cb.ax.set_title(t("chart.matrix.colorbar", lang), fontsize=9, pad=8)
    if n_unknown:
        fig.text(0.01, 0.01, t("chart.matrix.unknown", lang).format(n=f"{n_unknown:,}"),
                 fontsize=9, color="#566573", gid="note")
    fig.tight_layout(rect=(0, 0.03 if n_unknown else 0, 1, 1))
    return fig


# -- Pareto curve --------------------------------------------------------------------------
def pareto_chart(result: ParetoResult, lang: str = "zh", value: str | None = "income") -> Figure:
    """Cumulative contribution against cumulative client share, with the ``cutoff`` line, a
    marker where the curve reaches it and one at the top ``top_share`` of clients."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(8, 6))
    ax = fig.add_subplot()
    title = t("chart.pareto.title", lang)
    if value:
        title += f"（{header(value, lang)}）" if lang == "zh" else f" ({header(value, lang)})"
    ax.set_title(title, fontsize=14)
    x, y = result.curve()
    ax.plot([0, 1], [0, 1], ls=":", color="#95a5a6", label=t("chart.pareto.equal", lang))
    if result.total > 0:
        ax.plot(x, y, color=PALETTE[0], lw=2.2, label=header("cum_share", lang))
        ax.fill_between(x, y, x, color=PALETTE[2], alpha=0.25)
        cx, cy = result.client_share_at_cutoff, float(y[result.n_cut])
        ax.axhline(result.cutoff, color=PALETTE[4], lw=1.2, ls="--")
        ax.plot([cx, cx], [0, cy], color=PALETTE[4], lw=1.2, ls="--")
        ax.plot([cx], [cy], "o", ms=9, color=PALETTE[4], zorder=5, gid="cut-marker")
        # Labels sit below the diagonal, which the (concave) curve never enters.
        # The label of the higher marker goes on top, so the two arrows never cross.
        box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.9}
        tx, ty = result.top_share, result.top_share_value
        cut_y, top_y = (0.36, 0.24) if cy >= ty else (0.24, 0.36)
        ax.annotate(t("chart.pareto.cut", lang).format(share=f"{cx:.0%}",
                                                       cutoff=f"{result.cutoff:.0%}"),
                    (cx, cy), xytext=(0.52, cut_y), fontsize=11, color=PALETTE[4], bbox=box,
                    arrowprops={"arrowstyle": "->", "color": PALETTE[4]}, gid="cut-label")
        ax.plot([tx], [ty], "s", ms=8, color=PALETTE[1], zorder=5, gid="top-marker")
        ax.annotate(t("chart.pareto.top", lang).format(top=f"{tx:.0%}", value=f"{ty:.0%}"),
                    (tx, ty), xytext=(0.52, top_y), fontsize=11, color=PALETTE[1], bbox=box,
                    arrowprops={"arrowstyle": "->", "color": PALETTE[1]}, gid="top-label")
    else:
        ax.text(0.5, 0.5, t("chart.pareto.empty", lang), ha="center", fontsize=13)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, 0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, 0))
    ax.set_xlabel(header("cum_client_share", lang))
    ax.set_ylabel(header("cum_share", lang))
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


# -- scores by tier ------------------------------------------------------------------------
def score_distribution(frame: pd.DataFrame, params: TieringParams | None = None,
                       lang: str = "zh", score: str = "score", tier: str = "tier") -> Figure:
    """Histogram of the composite score stacked by tier (with the tier cut-offs) and a box plot
    per tier. With the quantile method the cut-offs drawn are the lowest A and B scores."""
    check_lang(lang)
    use_style()
    p = params or TieringParams()
    s = pd.to_numeric(frame[score], errors="coerce")
    tiers = frame[tier].astype("string")
    tn = tier_names(lang, short=True)
    fig = Figure(figsize=(12, 5.2))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1]})
    groups = [s[tiers == k].dropna().to_numpy() for k in TIERS]
    labels = [f"{tn[k]} (n={len(g):,})" for k, g in zip(TIERS, groups, strict=True)]
    bins = np.linspace(min(0.0, np.nanmin(s) if s.notna().any() else 0.0),
                       max(100.0, np.nanmax(s) if s.notna().any() else 100.0), 41)
    ax.hist(groups[::-1], bins=bins, stacked=True, label=labels[::-1],
            color=[TIER_COLORS[k] for k in TIERS[::-1]], edgecolor="white", lw=0.4)
    if p.abc.method == "thresholds":
        cuts = {"A": p.abc.a_min, "B": p.abc.b_min}
    else:
        cuts = {k: float(g.min()) for k, g in zip(TIERS[:2], groups[:2], strict=True) if len(g)}
    top = ax.get_ylim()[1]
    for k, c in cuts.items():
        ax.axvline(c, color="#1b2631", ls="--", lw=1.1)
        ax.text(c + 0.6, top * 0.97, t("chart.scores.threshold", lang).format(tier=k, value=c),
                rotation=90, va="top", ha="left", fontsize=9, color="#1b2631")
    ax.set_xlabel(header("score", lang))
    ax.set_ylabel(t("chart.frequency", lang))
    ax.legend(loc="upper left", fontsize=9)
    bx.boxplot([g if len(g) else [np.nan] for g in groups], tick_labels=[tn[k] for k in TIERS],
               patch_artist=True, medianprops={"color": "#1b2631"},
               boxprops={"alpha": 0.85}, widths=0.55)
    for patch, k in zip(bx.patches, TIERS, strict=False):
        patch.set_facecolor(TIER_COLORS[k])
    bx.set_ylabel(header("score", lang))
    bx.set_xlabel(header("tier", lang))
    fig.suptitle(t("chart.scores.title", lang), fontsize=14)
    fig.tight_layout()
    return fig


# -- profiles ------------------------------------------------------------------------------
def profile_heatmap(result: ProfileResult, lang: str = "zh") -> Figure:
    """Centroids of the client profiles in z-scores (rows: named profiles with their size)."""
    check_lang(lang)
    use_style()
    zc = result.z_centroids
    rows = [f"{n} (n={int(k)})" for n, k in zip(result.name(lang), result.centroids["size"],
                                                 strict=True)]
    cols = [_feature_header(c, lang) for c in zc.columns]
    fig = Figure(figsize=(1.3 * len(cols) + 3.5, 0.7 * len(rows) + 2.2))
    ax = fig.add_subplot()
    lim = max(float(np.nanmax(np.abs(zc.to_numpy()))), 0.5)
    im = ax.imshow(zc.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    cmap = colormaps["RdBu_r"]
    for i in range(zc.shape[0]):
        for j in range(zc.shape[1]):
            z = zc.iat[i, j]
            ax.text(j, i, f"{round(z, 1) + 0.0:+.1f}", ha="center", va="center", fontsize=9,
                    color=ink(cmap((z + lim) / (2 * lim))))
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.grid(False)
    ax.set_title(t("chart.profiles.title", lang), fontsize=13)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    fig.tight_layout()
    return fig


def _feature_header(column: str, lang: str) -> str:
    if f"col.{column}" not in LABELS and f"feature.{column}" in LABELS:
        return t(f"feature.{column}", lang)
    return header(column, lang)
