"""The relationship tree map: group -> client -> need module; area = amount, colour = urgency.

:func:`need_modules` turns expected needs (``crmkit.needs.forecast_needs``: client_id,
need_type, amount, days_until ...; or open client requests) into the dashboard-ready table,
one row per client and need type in the window; :func:`relationship_tree_map` draws it with the
layout and label fitting of the tier tree map (:mod:`crmkit.tier.chart_base`). The urgency of
a need is the days until it (its window's end): overdue below 0, then the bands of
``relate.urgency_days``. Patches carry a ``gid`` (``group`` / ``client`` / ``need`` /
``other``) so tests and tools can count them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps, colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from crmkit.core.contract import code_label
from crmkit.core.i18n import check_lang, t
from crmkit.core.style import use_style
from crmkit.params.relate import RelateParams
from crmkit.relate.errors import RelateError
from crmkit.relate.labels import RELATE_LABELS  # noqa: F401  (registers the labels)
from crmkit.tier.chart_base import MISSING_COLOR, OTHER_COLOR, fit_label, ink, money
from crmkit.tier.chart_base import squarify_rects as rects_of

__all__ = ["NEED_COLUMNS", "MODULE_COLUMNS", "need_modules", "urgency_bands",
           "relationship_tree_map"]

#: Columns a needs frame must have (those of ``crmkit.needs.forecast_needs`` it uses).
NEED_COLUMNS: tuple[str, ...] = ("client_id", "need_type", "amount", "days_until")
#: Columns of :func:`need_modules` (the dashboard table ``relate/need_modules.parquet``).
MODULE_COLUMNS: tuple[str, ...] = (
    "group_id", "group_name", "in_group", "client_id", "client_name", "need_type",
    "need_label", "amount", "days_until", "urgency", "urgency_label")
_OVERDUE = "#7b241c"
_DARK = "#1b2631"
_W, _H = 100.0, 62.0


def urgency_bands(days: pd.Series, edges: list[int], lang: str = "zh"
                  ) -> tuple[pd.Series, list[str], list[str]]:
    """Band of each ``days`` value (0 overdue, 1 .. len(edges)+1; -1 unknown), the band labels
    and their colours (dark red for overdue, red to green for the later bands)."""
    d = pd.to_numeric(days, errors="coerce").to_numpy(dtype=float)
    band = np.where(d < 0, 0, 1 + np.searchsorted(np.asarray(edges, float), d, side="left"))
    band = np.where(np.isnan(d), -1, band)
    labels = [t("relate.urgency.overdue", lang),
              t("relate.urgency.first", lang).format(hi=edges[0])]
    labels += [t("relate.urgency.within", lang).format(lo=lo + 1, hi=hi)
               for lo, hi in zip(edges, edges[1:], strict=False)]
    labels.append(t("relate.urgency.later", lang).format(lo=edges[-1]))
    cmap = colormaps["RdYlGn"]
    ramp = [colors.to_hex(cmap(x)) for x in np.linspace(0.12, 0.85, len(edges) + 1)]
    return pd.Series(band, index=days.index), labels, [_OVERDUE, *ramp]


def need_modules(needs: pd.DataFrame, clients: pd.DataFrame, groups: pd.DataFrame,
                 params: RelateParams | None = None, lang: str = "zh") -> pd.DataFrame:
    """One row per client and need type with a need in the window (see :data:`MODULE_COLUMNS`).

    ``needs``: at least :data:`NEED_COLUMNS` (days_until negative = overdue); needs more than
    ``window_days`` ahead, or overdue by more than that, and zero amounts are left out. Needs of
    one client and type are added up, the most urgent date kept. ``groups``:
    :func:`crmkit.relate.groups.client_groups`.
    """
    check_lang(lang)
    p = params or RelateParams()
    missing = [c for c in NEED_COLUMNS if c not in needs.columns]
    if missing:
        raise RelateError(f"needs: column(s) {missing} missing; pass crmkit.needs.forecast_needs"
                          f"(...) or a frame with {', '.join(NEED_COLUMNS)}")
    d = pd.DataFrame({"client_id": needs["client_id"].astype("string"),
                      "need_type": needs["need_type"].astype("string"),
                      "amount": pd.to_numeric(needs["amount"], errors="coerce"),
                      "days_until": pd.to_numeric(needs["days_until"], errors="coerce")})
    keep = ((d["amount"] > 0) & (d["days_until"].abs() <= p.window_days)
            & d["client_id"].isin(groups.index)).to_numpy(dtype=bool)
    d = d[keep].groupby(["client_id", "need_type"], as_index=False).agg(
        amount=("amount", "sum"), days_until=("days_until", "min"))
    names = clients.set_index(clients["client_id"].astype("string"))["client_name"]
    g = groups.reindex(d["client_id"])
    band, labels, _ = urgency_bands(d["days_until"], p.urgency_days, lang)
    out = pd.DataFrame({
        "group_id": g["group_id"].to_numpy(), "group_name": g["group_name"].to_numpy(),
        "in_group": g["in_group"].to_numpy(dtype=bool), "client_id": d["client_id"],
        "client_name": d["client_id"].map(names).astype("string"),
        "need_type": d["need_type"],
        "need_label": d["need_type"].map({c: code_label("need_type", str(c), lang)
                                          for c in d["need_type"].dropna().unique()}),
        "amount": d["amount"].astype(float), "days_until": d["days_until"].astype("Int64"),
        "urgency": band.astype("int64"),
        "urgency_label": np.array([*labels, t("relate.urgency.unknown", lang)],
                                  dtype=object)[band.to_numpy()]})
    return out.sort_values("amount", ascending=False, ignore_index=True)[list(MODULE_COLUMNS)]


def _blocks(m: pd.DataFrame, p: RelateParams, lang: str) -> pd.DataFrame:
    """Rows to draw: the block (top groups, other groups, stand-alone clients) and the client
    (its own rectangle, or one hatched "N others" per block) of every need module."""
    m = m.copy()
    gsum = m[m["in_group"]].groupby("group_id")["amount"].sum().sort_values(ascending=False)
    top = set(gsum.index[: p.max_groups])
    m["block"] = np.where(m["group_id"].isin(top), m["group_name"].astype(object),
                          np.where(m["in_group"], t("relate.group.others", lang),
                                   t("relate.group.standalone", lang)))
    csum = m.groupby("client_id")["amount"].sum()
    big = set(csum.rank(method="first", ascending=False).loc[lambda r: r <= p.max_clients]
              .index)
    m["kind"] = np.where(m["client_id"].isin(big), "client", "other")
    rest = m[m["kind"] == "other"]
    n_rest = rest.groupby("block")["client_id"].nunique()
    m["who"] = m["client_name"].astype(object)
    if len(rest):  # the combined clients of a block: one tile per urgency band, no labels
        who = pd.Series({b: t("relate.others", lang).format(n=int(k))
                         for b, k in n_rest.items()})
        tiles = rest.groupby(["block", "urgency"], as_index=False).agg(
            amount=("amount", "sum"), days_until=("days_until", "min"))
        tiles = tiles.assign(kind="other", who=tiles["block"].map(who), need_type="")
        m = pd.concat([m[m["kind"] == "client"], tiles], ignore_index=True)
    return m


def relationship_tree_map(modules: pd.DataFrame, params: RelateParams | None = None,
                          lang: str = "zh", title: str | None = None) -> Figure:
    """Tree map of :func:`need_modules`: group blocks, client rectangles inside (white
    borders), need modules inside those; area = amount, colour = urgency band.

    The largest ``max_groups`` groups have their own block; the other groups and the
    stand-alone clients share one block each. The ``max_clients`` clients with the largest
    needs have their own rectangle; the others of a block are combined (hatched).
    Landscape, sized for an A4 page; labels are shortened to fit their rectangle.
    """
    check_lang(lang)
    use_style()
    p = params or RelateParams()
    fig = Figure(figsize=(11.7, 8.3))
    ax = fig.add_axes((0.01, 0.1, 0.98, 0.83))
    ppu = fig.get_figwidth() * 0.98 * 72 / _W
    ax.set_xlim(0, _W)
    ax.set_ylim(_H, 0)
    ax.axis("off")
    ax.set_title(title or t("relate.chart.treemap", lang), fontsize=14, pad=8)
    _, labels, palette = urgency_bands(pd.Series([0.0]), p.urgency_days, lang)
    if modules.empty:
        ax.text(_W / 2, _H / 2, t("relate.chart.empty", lang), ha="center", va="center",
                fontsize=12, color="#566573", gid="note")
        return fig
    m = _blocks(modules, p, lang)
    m["face"] = [colors.to_rgba(palette[b]) if b >= 0 else colors.to_rgba(MISSING_COLOR)
                 for b in m["urgency"]]
    bsum = m.groupby("block", sort=False)["amount"].sum().sort_values(ascending=False)
    for block, br in zip(bsum.index, rects_of(bsum.to_numpy(), 0, 0, _W, _H), strict=False):
        _draw_block(ax, m[m["block"] == block], br, str(block), bsum[block], lang, ppu)
    used = sorted(set(m["urgency"]))
    handles = [Patch(fc=palette[b] if b >= 0 else MISSING_COLOR,
                     label=labels[b] if b >= 0 else t("relate.urgency.unknown", lang))
               for b in used]
    if (m["kind"] == "other").any():
        handles.append(Patch(fc=OTHER_COLOR, ec="#99a3a4", hatch="///",
                             label=t("relate.others_legend", lang)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
              frameon=False, title=t("relate.urgency.title", lang), fontsize=9.5)
    fig.text(0.01, 0.015, t("relate.chart.window", lang).format(days=p.window_days),
             fontsize=9, color="#566573", gid="note")
    return fig


def _draw_block(ax: Axes, sub: pd.DataFrame, br: dict, name: str, total: float, lang: str,
                ppu: float) -> None:
    """One block: a header strip with its name and total when tall enough, then its clients
    (name at the top left when wide enough), then their need modules."""
    head = 3.2 if br["dy"] > 9 and br["dx"] > 10 else 0.0
    pad = min(0.4, br["dx"] / 4, max(br["dy"] - head, 0) / 4)
    csum = sub.groupby("who", sort=False)["amount"].sum().sort_values(ascending=False)
    inner = rects_of(csum.to_numpy(), br["x"] + pad, br["y"] + head + pad, br["dx"] - 2 * pad,
                     br["dy"] - head - 2 * pad)
    for who, cr in zip(csum.index, inner, strict=False):
        cl = sub[sub["who"] == who].sort_values("amount", ascending=False)
        kind = str(cl["kind"].iloc[0])
        chead = 2.4 if cr["dy"] > 8 and cr["dx"] > 8 else 0.0
        for row, nr in zip(cl.itertuples(), rects_of(cl["amount"].to_numpy(), cr["x"],
                                                      cr["y"] + chead, cr["dx"],
                                                      cr["dy"] - chead), strict=False):
            ax.add_patch(Rectangle((nr["x"], nr["y"]), nr["dx"], nr["dy"], fc=row.face,
                                   ec="white", lw=0.5, gid="need" if kind == "client" else kind,
                                   hatch="///" if kind == "other" else None))
            if kind == "other" or nr["dx"] < 5 or nr["dy"] < 3.5:
                continue
            text = fit_label(code_label("need_type", str(row.need_type), lang), nr["dx"], 8,
                             ppu)
            amount = money(row.amount, lang)
            if text and nr["dy"] >= 6 and fit_label(amount, nr["dx"], 8, ppu) == amount:
                text = f"{text}\n{amount}"
            if text:
                ax.text(nr["x"] + nr["dx"] / 2, nr["y"] + nr["dy"] / 2, text, ha="center",
                        va="center", fontsize=8, color=ink(row.face), gid="need-label",
                        linespacing=1.25)
        ax.add_patch(Rectangle((cr["x"], cr["y"]), cr["dx"], cr["dy"], fill=False, ec="white",
                               lw=2.0, gid="client"))
        if chead:
            ax.add_patch(Rectangle((cr["x"], cr["y"]), cr["dx"], chead, fc="#eaecee",
                                   ec="white", lw=0.5, gid="client-head"))
            label = fit_label(str(who), cr["dx"] - 0.6, 8.5, ppu)
            ax.text(cr["x"] + 0.3, cr["y"] + chead / 2, label, ha="left", va="center",
                    fontsize=8.5, color=_DARK, gid="client-label")
    ax.add_patch(Rectangle((br["x"], br["y"]), br["dx"], br["dy"], fill=False, ec=_DARK, lw=2.4,
                           gid="group"))
    size = 10.5 if head else 9
    title = next((s for s in (f"{name} · {money(total, lang)}", name)
                  if fit_label(s, br["dx"] - 1.2, size, ppu) == s),
                 fit_label(name, br["dx"] - 1.2, size, ppu))
    if head:
        ax.text(br["x"] + 0.6, br["y"] + head / 2 + 0.1, title, ha="left", va="center",
                fontsize=size, color=_DARK, gid="group-label")
    elif title and br["dy"] > 3:  # a small block: its name overlaid at the top left
        ax.text(br["x"] + 0.5, br["y"] + min(br["dy"] / 2, 1.8), title, ha="left",
                va="center", fontsize=size, color=_DARK, gid="group-label", zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.85, "lw": 0})
