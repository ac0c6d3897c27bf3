"""Tree map of the client hierarchy: tier -> industry -> client, area = exposure, colour = PD.

Layout with ``squarify`` on a fixed canvas, one level inside the other. Only rectangles large
enough are labelled, and labels are shortened (with "…") to the width of their rectangle, so
labels never overlap. Patches carry a ``gid`` (``tier`` / ``industry`` / ``client`` / ``other``)
so tests and tools can count them.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import colormaps, colors
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from crmkit.core.contract import code_label
from crmkit.core.errors import TieringError
from crmkit.core.i18n import check_lang, header, t
from crmkit.core.style import use_style
from crmkit.params.tiering import RISK_LEVELS, UNKNOWN, TieringParams
from crmkit.tier.chart_base import MISSING_COLOR, OTHER_COLOR, RISK_COLORS, ink, money
from crmkit.tier.chart_base import fit_label as _fit
from crmkit.tier.chart_base import squarify_rects as _squarify
from crmkit.tier.tiers import TIERS, tier_names

__all__ = ["tree_map"]

_W, _H = 100.0, 62.0  # canvas in data units (the aspect of the axes)
_OTHER = "__other__"
_DARK = "#1b2631"


def _prepare(frame: pd.DataFrame, value: str, color: str, numeric: bool, max_clients: int,
             lang: str) -> tuple[pd.DataFrame, int, pd.Series, int]:
    """Rows to draw (clients, then one "others" row per tier and industry), the number of
    clients without area, the clients per tier, and the number of combined clients."""
    names = (frame["client_name"] if "client_name" in frame else
             pd.Series(frame.index.astype(str), index=frame.index)).astype("string")
    v = pd.to_numeric(frame[value], errors="coerce")
    d = pd.DataFrame({"tier": frame["tier"].astype("string"),
                      "industry": frame["industry"].astype("string").fillna("?"),
                      "name": names.fillna(""), "v": v,
                      "c": frame[color] if numeric else frame[color].astype("string")})
    d = d[((v > 0) & frame["tier"].notna()).to_numpy()]
    n_excluded = len(frame) - len(d)
    tier_counts = d.groupby("tier").size()
    big = d["v"].rank(method="first", ascending=False) <= max_clients
    rest = d[~big]
    d = d[big].assign(kind="client")
    if len(rest):
        cw = rest["c"].astype("float64") * rest["v"] if numeric else rest["v"]
        agg = rest.assign(cw=cw).groupby(["tier", "industry"], observed=True).agg(
            v=("v", "sum"), cw=("cw", "sum"), n=("v", "size")).reset_index()
        agg["c"] = agg["cw"] / agg["v"] if numeric else _OTHER  # exposure-weighted PD
        agg["name"] = [t("chart.treemap.other", lang).format(n=f"{n:,}") for n in agg["n"]]
        d = pd.concat([d, agg.assign(kind="other")[d.columns.tolist()]])
    return d, n_excluded, tier_counts, len(rest)


def _norm(vals: pd.Series, color: str, params: TieringParams) -> colors.Normalize:
    """PD: 0 to twice the medium band (8 % -> 16 %), so colours match the risk bands;
    another numeric column: its 5th to 95th percentile."""
    if color == "pd":
        return colors.Normalize(0.0, 2 * params.risk.pd_medium_below)
    if not vals.notna().any():
        return colors.Normalize(0.0, 1.0)
    lo, hi = np.nanquantile(vals, [0.05, 0.95])
    return colors.Normalize(lo, hi if hi > lo else lo + 1.0)


def tree_map(frame: pd.DataFrame, params: TieringParams | None = None, lang: str = "zh",
             value: str = "exposure", color: str = "pd", max_clients: int = 300,
             label_min_share: float = 0.012) -> Figure:
    """Tree map of the client hierarchy tier -> industry -> client; area = ``value``.

    Parameters
    ----------
    frame : pd.DataFrame
        Per client: ``tier``, ``industry``, ``value``, ``color`` and optionally
        ``client_name`` (e.g. :func:`crmkit.tier.tiers.tier_table`).
    params : TieringParams, optional
        With ``color="pd"`` the colour scale runs from 0 to twice ``risk.pd_medium_below``
        and the PD bands are marked on the colour bar.
    color : str
        A numeric column (``pd``: green-to-red scale, NaN grey) or a level column
        (``risk``: low / medium / high / unknown colours).
    max_clients : int
        Only the largest clients get their own rectangle; the others of each tier and
        industry share one hatched "N others" rectangle (coloured by their exposure-weighted
        PD). Keeps the chart readable and fast for any portfolio size.
    label_min_share : float
        Rectangles smaller than this share of the canvas are not labelled.

    Clients with zero, negative or missing ``value`` have no area; a note counts them.
    """
    check_lang(lang)
    use_style()
    p = params or TieringParams()
    missing = [c for c in ("tier", "industry", value, color) if c not in frame.columns]
    if missing:
        raise TieringError(f"tree_map: column(s) {missing} not in the frame; pass the tier "
                           "table of crmkit.tier.tiers.tier_table")
    numeric = pd.api.types.is_numeric_dtype(frame[color])
    d, n_excluded, tier_counts, n_rest = _prepare(frame, value, color, numeric, max_clients,
                                                  lang)
    if numeric:
        vals = d["c"].astype("float64")
        norm, cmap = _norm(vals, color, p), colormaps["RdYlGn_r"]
        d["face"] = [cmap(norm(x)) if np.isfinite(x) else colors.to_rgba(MISSING_COLOR)
                     for x in vals]
    else:
        d["face"] = [colors.to_rgba(OTHER_COLOR if x == _OTHER else
                                    RISK_COLORS.get(x, MISSING_COLOR)) for x in d["c"]]

    fig = Figure(figsize=(12, 12 * _H / _W + 0.9))
    ax_w = 0.86 if numeric else 0.98
    ax = fig.add_axes((0.01, 0.07, ax_w, 0.86))
    ppu = fig.get_figwidth() * ax_w * 72 / _W  # points per data unit, for label fitting
    ax.set_xlim(0, _W)
    ax.set_ylim(_H, 0)  # y grows downwards: the largest rectangle is top left
    ax.axis("off")
    tier_order = [x for x in TIERS if x in set(d["tier"])]
    tsum = d.groupby("tier")["v"].sum().reindex(tier_order)
    tn = tier_names(lang, short=True)
    for tier, tr in zip(tier_order, _squarify(tsum.to_numpy(), 0, 0, _W, _H), strict=True):
        n = f"{int(tier_counts.get(tier, 0)):,} {t('unit.clients', lang)}"
        titles = (f"{tn[tier]} · {n} · {money(tsum[tier], lang)}", f"{tn[tier]} · {n}",
                  tn[tier], tier)
        _draw_tier(ax, d[d["tier"] == tier], tr, titles, lang, ppu, label_min_share)
    ax.set_title(t("chart.treemap.title", lang), fontsize=14, pad=8)
    if numeric:
        cax = fig.add_axes((0.89, 0.12, 0.018, 0.72))
        cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, extend="max",
                          format=PercentFormatter(1.0, 0) if color == "pd" else None)
        cb.ax.set_title(textwrap.fill(header(color, lang), 12), fontsize=9, pad=8)
        if color == "pd":  # the risk bands on the colour bar
            for b in (p.risk.pd_low_below, p.risk.pd_medium_below):
                cax.axhline(b, color=_DARK, lw=1.2)
        if not np.isfinite(vals).all():
            fig.patches.append(Rectangle((0.888, 0.078), 0.012, 0.018, fc=MISSING_COLOR,
                                         transform=fig.transFigure, figure=fig))
            fig.text(0.905, 0.087, t("chart.treemap.missing", lang), fontsize=8.5, va="center",
                     color="#566573", gid="note")
    else:
        handles = [Patch(fc=RISK_COLORS[k], label=t(f"risk.{k}", lang))
                   for k in (*RISK_LEVELS, UNKNOWN)]
        if n_rest:
            handles.append(Patch(fc=OTHER_COLOR, ec="#99a3a4", hatch="///",
                                 label=t("chart.treemap.other_legend", lang)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=len(handles), frameon=False)
    if n_excluded:
        fig.text(0.01, 0.015, t("chart.treemap.excluded", lang).format(n=f"{n_excluded:,}"),
                 fontsize=9, color="#566573", gid="note")
    return fig


def _draw_tier(ax: Axes, sub: pd.DataFrame, tr: dict, titles: tuple[str, ...], lang: str,
               ppu: float, label_min_share: float) -> None:
    """One tier: a header strip with its title when tall enough, else the title overlaid at
    the top left (and no industry labels under it); then industries, then clients."""
    canvas = _W * _H
    head = 3.4 if tr["dy"] > 10 and tr["dx"] > 12 else 0.0
    title = next((s for s in titles if _fit(s, tr["dx"] - 1.2, 11, ppu) == s), "")
    pad = min(0.4, tr["dx"] / 4, (tr["dy"] - head) / 4)  # a sliver of a tier gets less
    isum = sub.groupby("industry")["v"].sum().sort_values(ascending=False)
    rects = _squarify(isum.to_numpy(), tr["x"] + pad, tr["y"] + head + pad, tr["dx"] - 2 * pad,
                      tr["dy"] - head - 2 * pad)
    # zip is not strict: a degenerate (zero-size) rectangle has no children to draw
    for ind, ir in zip(isum.index, rects, strict=False):
        cl = sub[sub["industry"] == ind].sort_values("v", ascending=False)
        crs = _squarify(cl["v"].to_numpy(), ir["x"], ir["y"], ir["dx"], ir["dy"])
        for row, cr in zip(cl.itertuples(), crs, strict=False):
            ax.add_patch(Rectangle((cr["x"], cr["y"]), cr["dx"], cr["dy"], fc=row.face,
                                   ec="white", lw=0.4, gid=row.kind,
                                   hatch="///" if row.kind == "other" else None))
            if cr["dx"] * cr["dy"] < label_min_share * canvas or cr["dy"] < 4.5:
                continue
            label = _fit(str(row.name), cr["dx"], 8.5, ppu)
            amount = money(row.v, lang)
            if label and _fit(amount, cr["dx"], 8.5, ppu) == amount:
                label = f"{label}\n{amount}"
            if label:
                ax.text(cr["x"] + cr["dx"] / 2, cr["y"] + cr["dy"] / 2 + 0.6, label,
                        ha="center", va="center", fontsize=8.5, color=ink(row.face),
                        gid="client-label", linespacing=1.3)
        ax.add_patch(Rectangle((ir["x"], ir["y"]), ir["dx"], ir["dy"], fill=False,
                               ec="white", lw=2.2, gid="industry"))
        if head and ir["dx"] * ir["dy"] >= label_min_share * canvas and ir["dx"] > 7:
            ilabel = _fit(code_label("industry", str(ind), lang), ir["dx"] - 1, 8.5, ppu)
            ax.text(ir["x"] + 0.5, ir["y"] + 0.5, ilabel, ha="left", va="top", fontsize=8.5,
                    color="white", gid="industry-label",
                    bbox={"boxstyle": "round,pad=0.15", "fc": _DARK, "alpha": 0.55, "lw": 0})
    ax.add_patch(Rectangle((tr["x"], tr["y"]), tr["dx"], tr["dy"], fill=False, ec=_DARK,
                           lw=2.5, gid="tier"))
    if head:
        ax.text(tr["x"] + 0.6, tr["y"] + head / 2 + 0.2, title, ha="left", va="center",
                fontsize=11, color=_DARK, gid="tier-label")
    elif title:
        ax.text(tr["x"] + 0.6, tr["y"] + min(tr["dy"] / 2, 2.0), title, ha="left",
                va="center", fontsize=10, color=_DARK, gid="tier-label", zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.85, "lw": 0})
