"""Charts of the tiering stage: risk x capacity matrix, client tree map, Pareto curve, score
distributions by tier, profile centroids.

Every function takes the tables of :mod:`crmkit.tiering` (no computation of its own beyond
layout), a ``lang`` ("zh" | "en"), applies :func:`crmkit.charts.use_style` and returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot, so batch runs do not leak
figures; Jupyter displays it when it is the last expression of a cell).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import squarify
from matplotlib import colormaps, colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from crmkit.charts._style import PALETTE, use_style
from crmkit.contract import code_label
from crmkit.errors import TieringError
from crmkit.i18n import LABELS, check_lang, header, t
from crmkit.params.tiering import CAPACITY_LEVELS, RISK_LEVELS, UNKNOWN, TieringParams
from crmkit.tiering import TIERS, matrix_table, segment_labels, tier_names
from crmkit.tiering_pareto import ParetoResult
from crmkit.tiering_profiles import ProfileResult

__all__ = ["matrix_heatmap", "tree_map", "pareto_chart", "score_distribution",
           "profile_heatmap", "money", "TIER_COLORS", "RISK_COLORS"]

TIER_COLORS = {"A": PALETTE[0], "B": PALETTE[1], "C": PALETTE[3]}
RISK_COLORS = {"low": "#229954", "medium": "#f5b041", "high": "#cb4335", UNKNOWN: "#aab7b8"}
_MISSING_COLOR = "#d5d8dc"
_OTHER, _OTHER_COLOR = "__other__", "#f2f3f4"


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


def _ink(rgba: tuple) -> str:
    """Black or white text, whichever reads better on ``rgba``."""
    r, g, b = colors.to_rgb(rgba)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else "#1b2631"


# -- the 3x3 matrix ------------------------------------------------------------------------
def matrix_heatmap(frame: pd.DataFrame, params: TieringParams | None = None, lang: str = "zh",
                   value: str = "exposure") -> Figure:
    """Heat map of the risk x capacity matrix: colour = share of ``value``; each cell shows its
    name, client count, ``value`` sum and share. Clients with unknown risk or capacity are
    counted in a note under the chart.

    ``frame`` is per client with columns ``risk``, ``capacity`` and ``value`` (e.g. from
    :func:`crmkit.tiering.tier_table`).
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
            ink = _ink(cmap(share.iloc[i, j] / (vmax * 1.15)))
            ax.text(j, i - 0.2, names[f"{r}_{c}"], ha="center", va="center", fontsize=13,
                    color=ink, gid="cell-name")
            body = t("chart.matrix.cell", lang).format(n=int(counts.iloc[i, j]),
                                                       value=money(sums.iloc[i, j], lang))
            ax.text(j, i + 0.17, f"{body} ({share.iloc[i, j]:.0%})", ha="center", va="center",
                    fontsize=9.5, color=ink, linespacing=1.4, gid="cell-body")
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
        fig.text(0.01, 0.01, t("chart.matrix.unknown", lang).format(n=n_unknown), fontsize=9,
                 color="#566573", gid="note")
    fig.tight_layout(rect=(0, 0.03 if n_unknown else 0, 1, 1))
    return fig


# -- tree map ------------------------------------------------------------------------------
_W, _H = 100.0, 62.0  # canvas in data units (aspect of the figure)


def _squarify(sizes: np.ndarray, x: float, y: float, dx: float, dy: float) -> list[dict]:
    if dx <= 0 or dy <= 0 or len(sizes) == 0:
        return []
    return squarify.squarify(squarify.normalize_sizes(list(sizes), dx, dy), x, y, dx, dy)


def _fit(text: str, width_units: float, fontsize: float, pt_per_unit: float) -> str:
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


def tree_map(frame: pd.DataFrame, lang: str = "zh", value: str = "exposure", color: str = "pd",
             max_clients: int = 300, label_min_share: float = 0.012) -> Figure:
    """Tree map of the client hierarchy tier -> industry -> client; area = ``value``.

    Colour is ``color``: a numeric column (``pd``: continuous green-to-red scale, NaN grey) or
    a level column (``risk``: low / medium / high / unknown). Only the ``max_clients`` largest
    clients get their own rectangle; the rest of each industry is one "others" rectangle.
    Clients with zero or missing ``value`` have no area and are counted in a note. Only
    rectangles of at least ``label_min_share`` of the canvas are labelled. Patches carry
    ``gid`` ``tier`` / ``industry`` / ``client`` / ``other`` (for tests and tooling).
    """
    check_lang(lang)
    use_style()
    need = ["tier", "industry", value, color]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise TieringError(f"tree_map: column(s) {missing} not in the frame; pass the tier table")
    names = (frame["client_name"] if "client_name" in frame else
             pd.Series(frame.index.astype(str), index=frame.index)).astype("string")
    v = pd.to_numeric(frame[value], errors="coerce")
    ok = (v > 0) & frame["tier"].notna()
    numeric = pd.api.types.is_numeric_dtype(frame[color])
    d = pd.DataFrame({"tier": frame["tier"].astype("string"), "industry":
                      frame["industry"].astype("string").fillna("?"), "name": names.fillna(""),
                      "v": v, "c": frame[color] if numeric else frame[color].astype("string")})
    d = d[ok.to_numpy()]
    n_excluded = int(len(frame) - len(d))
    tier_counts = d.groupby("tier").size()
    big = d["v"].rank(method="first", ascending=False) <= max_clients
    rest = d[~big]
    if len(rest):
        cw = (rest["c"] * rest["v"]) if numeric else rest["v"]
        agg = rest.assign(cw=cw).groupby(["tier", "industry"], observed=True).agg(
            v=("v", "sum"), cw=("cw", "sum"), n=("v", "size")).reset_index()
        agg["c"] = agg["cw"] / agg["v"] if numeric else _OTHER
        agg["name"] = [t("chart.treemap.other", lang).format(n=n) for n in agg["n"]]
        agg["kind"] = "other"
        d = pd.concat([d[big].assign(kind="client"), agg[d.columns.tolist() + ["kind"]]])
    else:
        d = d.assign(kind="client")

    if numeric:
        vals = d["c"].astype("float64")
        vmax = float(np.nanquantile(vals, 0.95)) if vals.notna().any() else 1.0
        norm = colors.Normalize(0.0, max(vmax, 1e-9))
        cmap = colormaps["RdYlGn_r"]
        face = [cmap(norm(x)) if np.isfinite(x) else colors.to_rgba(_MISSING_COLOR)
                for x in vals]
    else:
        face = [colors.to_rgba(_OTHER_COLOR if x == _OTHER else RISK_COLORS.get(x, _MISSING_COLOR))
                for x in d["c"]]
    d["face"] = face

    fig = Figure(figsize=(12, 12 * _H / _W + 0.9))
    ax_w = 0.86 if numeric else 0.98
    ax = fig.add_axes((0.01, 0.07, ax_w, 0.86))
    ppu = fig.get_figwidth() * ax_w * 72 / _W  # points per data unit, for label fitting
    ax.set_xlim(0, _W)
    ax.set_ylim(_H, 0)  # y grows downwards, so the first rectangle is top left
    ax.axis("off")
    canvas = _W * _H
    tier_order = [x for x in TIERS if x in set(d["tier"])]
    tsum = d.groupby("tier")["v"].sum().reindex(tier_order)
    tiers_rect = _squarify(tsum.to_numpy(), 0, 0, _W, _H)
    tn = tier_names(lang, short=True)
    for tier, tr in zip(tier_order, tiers_rect, strict=True):
        sub = d[d["tier"] == tier]
        head = 3.4 if tr["dy"] > 10 and tr["dx"] > 12 else 0.0
        x0, y0, dx0, dy0 = tr["x"] + 0.4, tr["y"] + head + 0.4, tr["dx"] - 0.8, tr["dy"] - head - 0.8
        isum = sub.groupby("industry")["v"].sum().sort_values(ascending=False)
        for ind, ir in zip(isum.index, _squarify(isum.to_numpy(), x0, y0, dx0, dy0), strict=True):
            cl = sub[sub["industry"] == ind].sort_values("v", ascending=False)
            for row, cr in zip(cl.itertuples(), _squarify(cl["v"].to_numpy(), ir["x"], ir["y"],
                                                          ir["dx"], ir["dy"]), strict=True):
                ax.add_patch(Rectangle((cr["x"], cr["y"]), cr["dx"], cr["dy"], fc=row.face,
                                       ec="white", lw=0.4, gid=row.kind,
                                       hatch="///" if row.kind == "other" else None))
                if cr["dx"] * cr["dy"] >= label_min_share * canvas and cr["dy"] >= 4.5:
                    label = _fit(str(row.name), cr["dx"], 8.5, ppu)
                    amount = money(row.v, lang)
                    if label and _fit(amount, cr["dx"], 8.5, ppu) == amount:
                        label = f"{label}\n{amount}"
                    if label:
                        ax.text(cr["x"] + cr["dx"] / 2, cr["y"] + cr["dy"] / 2 + 0.6,
                                label, ha="center", va="center",
                                fontsize=8.5, color=_ink(row.face), gid="client-label",
                                linespacing=1.3)
            ax.add_patch(Rectangle((ir["x"], ir["y"]), ir["dx"], ir["dy"], fill=False,
                                   ec="white", lw=2.2, gid="industry"))
            if ir["dx"] * ir["dy"] >= label_min_share * canvas and ir["dx"] > 7:
                ilabel = _fit(code_label("industry", str(ind), lang), ir["dx"] - 1, 8.5, ppu)
                ax.text(ir["x"] + 0.5, ir["y"] + 0.5, ilabel, ha="left", va="top", fontsize=8.5,
                        color="white", gid="industry-label",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "#1b2631", "alpha": 0.55,
                              "lw": 0})
        ax.add_patch(Rectangle((tr["x"], tr["y"]), tr["dx"], tr["dy"], fill=False,
                               ec="#1b2631", lw=2.5, gid="tier"))
        if head:
            n = f"{int(tier_counts.get(tier, 0))} {t('unit.clients', lang)}"
            for ttl in (f"{tn[tier]} · {n} · {money(tsum[tier], lang)}", f"{tn[tier]} · {n}",
                        tn[tier], tier):
                if _fit(ttl, tr["dx"] - 1.2, 11, ppu) == ttl:
                    break
            ax.text(tr["x"] + 0.6, tr["y"] + head / 2 + 0.2, ttl, ha="left", va="center",
                    fontsize=11, color="#1b2631", gid="tier-label")
    ax.set_title(t("chart.treemap.title", lang), fontsize=14, pad=8)
    if numeric:
        cax = fig.add_axes((0.89, 0.12, 0.018, 0.72))
        cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, extend="max",
                          format=PercentFormatter(1.0, 1) if color == "pd" else None)
        cb.ax.set_title(textwrap.fill(header(color, lang), 12), fontsize=9, pad=8)
        if not np.isfinite(vals).all():
            fig.patches.append(Rectangle((0.888, 0.078), 0.012, 0.018, fc=_MISSING_COLOR,
                                         transform=fig.transFigure, figure=fig))
            fig.text(0.905, 0.087, t("chart.treemap.missing", lang), fontsize=8.5, va="center",
                     color="#566573", gid="note")
    else:
        handles = [Patch(fc=RISK_COLORS[k], label=t(f"risk.{k}", lang))
                   for k in (*RISK_LEVELS, UNKNOWN)]
        if len(rest):
            handles.append(Patch(fc=_OTHER_COLOR, ec="#99a3a4", hatch="///",
                                 label=t("chart.treemap.other_legend", lang)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=len(handles), frameon=False)
    if n_excluded:
        fig.text(0.01, 0.015, t("chart.treemap.excluded", lang).format(n=n_excluded),
                 fontsize=9, color="#566573", gid="note")
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
        box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.9}
        ax.annotate(t("chart.pareto.cut", lang).format(share=f"{cx:.0%}",
                                                       cutoff=f"{result.cutoff:.0%}"),
                    (cx, cy), xytext=(0.52, 0.36), fontsize=11, color=PALETTE[4], bbox=box,
                    arrowprops={"arrowstyle": "->", "color": PALETTE[4]}, gid="cut-label")
        tx, ty = result.top_share, result.top_share_value
        ax.plot([tx], [ty], "s", ms=8, color=PALETTE[1], zorder=5, gid="top-marker")
        ax.annotate(t("chart.pareto.top", lang).format(top=f"{tx:.0%}", value=f"{ty:.0%}"),
                    (tx, ty), xytext=(0.52, 0.24), fontsize=11, color=PALETTE[1], bbox=box,
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
    labels = [f"{tn[k]} (n={len(g)})" for k, g in zip(TIERS, groups, strict=True)]
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
                    color=_ink(cmap((z + lim) / (2 * lim))))
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
