"""Charts of the diagnose stage: NPS and CSAT by segment, CLV by tier, retention by cohort.

Every function takes the tables of :mod:`crmkit.diagnose.table` (no computation beyond layout and
summary statistics for drawing), a ``lang`` ("zh" | "en"), applies
:func:`crmkit.core.style.use_style` and returns a :class:`matplotlib.figure.Figure` (not registered
with pyplot, so batch runs do not leak figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.contract import CODES, code_label
from crmkit.core.errors import DiagnoseError
from crmkit.core.i18n import check_lang, t
from crmkit.core.style import PALETTE, use_style
from crmkit.diagnose.labels import col_header

__all__ = ["satisfaction_by_segment", "clv_by_tier", "retention_chart", "group_label"]

_TIER_COLORS = {"A": PALETTE[0], "B": PALETTE[1], "C": PALETTE[3]}
_POS, _NEG = "#2e86c1", "#cb4335"


def group_label(by: str | None, code: object, lang: str) -> str:
    """Display name of a group code: segments, tiers, bands, contract codes; else the code."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return "-"
    code = str(code)
    if code == "all":
        return t("diag.all", lang)
    key = {"segment": f"segment.{code}", "tier": f"tier.{code}", "risk": f"risk.{code}",
           "nps_class": f"diag.nps.{code}"}.get(by or "")
    if by and by.endswith("_band"):
        key = f"diag.band.{by[:-5]}.{code}"
    if key:
        return t(key, lang)
    if by in CODES:
        return code_label(by, code, lang)
    return code


def _empty(fig: Figure, ax, lang: str) -> Figure:
    ax.text(0.5, 0.5, t("diag.chart.empty", lang), ha="center", va="center",
            transform=ax.transAxes, fontsize=12, color="#85929e")
    ax.set_axis_off()
    return fig


def satisfaction_by_segment(summary: pd.DataFrame, lang: str = "zh") -> Figure:
    """Horizontal bars of NPS (points, -100..100) and CSAT (share rating 4-5) per group.

    ``summary`` is :func:`crmkit.diagnose.table.segment_summary` (or ``nps(...).join(csat(...))``):
    index = group codes, columns ``nps`` and ``csat_share``; ``clients`` or ``respondents``
    is shown as ``n``.
    """
    check_lang(lang)
    use_style()
    missing = [c for c in ("nps", "csat_share") if c not in summary.columns]
    if missing:
        raise DiagnoseError(f"satisfaction_by_segment needs columns {missing}; pass "
                            "segment_summary(diag) or nps(...).join(csat(...))")
    by = summary.index.name
    data = summary.loc[summary[["nps", "csat_share"]].notna().any(axis=1)]
    fig = Figure(figsize=(11, 0.45 * max(len(data), 3) + 1.8))
    ax, bx = fig.subplots(1, 2, sharey=True)
    if data.empty:
        bx.set_axis_off()
        return _empty(fig, ax, lang)
    data = data.iloc[::-1]  # first group on top
    y = np.arange(len(data))
    labels = [group_label(by, c, lang) for c in data.index]
    count_col = next((c for c in ("clients", "respondents", "answers") if c in data.columns),
                     None)
    nps_v = data["nps"].astype(float).to_numpy()
    ax.barh(y, np.nan_to_num(nps_v), color=np.where(nps_v >= 0, _POS, _NEG), height=0.6)
    ax.axvline(0, color="#1b2631", lw=0.8)
    ax.set_xlim(-100, 100)
    for yi, v in zip(y, nps_v, strict=True):
        if np.isfinite(v):
            ax.text(v + (2 if v >= 0 else -2), yi, f"{v:+.0f}", va="center",
                    ha="left" if v >= 0 else "right", fontsize=9)
    ax.set_yticks(y, labels)
    ax.set_xlabel(t("diag.chart.nps.axis", lang))
    cs = data["csat_share"].astype(float).to_numpy()
    bx.barh(y, np.nan_to_num(cs), color=PALETTE[0], height=0.6)
    bx.set_xlim(0, 1.12)
    bx.xaxis.set_major_formatter(PercentFormatter(1.0))
    for yi, v, k in zip(y, cs, range(len(y)), strict=True):
        if np.isfinite(v):
            n = (f"  ({t('diag.chart.n', lang).format(n=int(data[count_col].iloc[k]))})"
                 if count_col else "")
            bx.text(v + 0.01, yi, f"{v:.0%}{n}", va="center", fontsize=9)
    bx.set_xlabel(t("diag.chart.csat.axis", lang))
    ax.set_ylabel(col_header(by, lang) if by else "")
    group = col_header(by, lang) if by else t("diag.all", lang)
    fig.suptitle(t("diag.chart.satisfaction.title", lang).format(
        group=group if lang == "zh" else group.lower()), fontsize=14)
    fig.tight_layout()
    return fig


def _unit(values: np.ndarray, lang: str) -> tuple[float, str]:
    big = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 0.0
    if lang == "zh":
        return (1e8, t("diag.unit.yi", lang)) if big >= 1e8 else (1e4, t("diag.unit.wan", lang))
    return (1e9, "CNY bn") if big >= 1e10 else (1e6, "CNY m")


def clv_by_tier(diag: pd.DataFrame, lang: str = "zh", value: str = "clv",
                tier: str = "tier") -> Figure:
    """Distribution of the risk-adjusted CLV per A/B/C tier: box = quartiles, whiskers = 5th-95th
    percentiles (outliers not drawn, so one giant client does not flatten the boxes), diamond =
    mean, with the client count under each tier."""
    check_lang(lang)
    use_style()
    for c in (value, tier):
        if c not in diag.columns:
            raise DiagnoseError(f"clv_by_tier needs column {c!r} in the diagnostic table")
    v = pd.to_numeric(diag[value], errors="coerce").astype(float)
    tiers = diag[tier].astype("string")
    codes = [k for k in ("A", "B", "C") if (tiers == k).any()]
    fig = Figure(figsize=(8.5, 5.2))
    ax = fig.subplots()
    groups = [v[(tiers == k).to_numpy(dtype=bool, na_value=False)].dropna().to_numpy()
              for k in codes]
    if not any(len(g) for g in groups):
        return _empty(fig, ax, lang)
    div, unit = _unit(v.to_numpy(), lang)
    scaled = [g / div if len(g) else np.array([np.nan]) for g in groups]
    box = ax.boxplot(scaled, whis=(5, 95), showfliers=False, patch_artist=True, widths=0.55,
                     medianprops={"color": "#1b2631"},
                     tick_labels=[f"{t(f'tier.{k}.short', lang)}\n"
                                  f"{t('diag.chart.n', lang).format(n=len(g))}"
                                  for k, g in zip(codes, groups, strict=True)])
    for patch, k in zip(box["boxes"], codes, strict=True):
        patch.set_facecolor(_TIER_COLORS[k])
        patch.set_alpha(0.85)
    means = [np.nanmean(g) if len(g) else np.nan for g in scaled]
    ax.scatter(np.arange(1, len(codes) + 1), means, marker="D", color="#1b2631", zorder=3, s=28)
    ax.axhline(0, color="#85929e", lw=0.8, ls="--")
    ax.set_ylabel(t("diag.chart.clv.axis", lang).format(unit=unit))
    ax.set_xlabel(col_header(tier, lang))
    ax.set_title(t("diag.chart.clv.title", lang), fontsize=14)
    fig.text(0.99, 0.01, t("diag.chart.clv.note", lang), ha="right", va="bottom", fontsize=8,
             color="#5d6d7e")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def retention_chart(table: pd.DataFrame, lang: str = "zh") -> Figure:
    """Retention rate by onboarding cohort (line, left axis) with the cohort sizes (bars, right
    axis). ``table`` is :func:`crmkit.diagnose.table.retention_by_cohort`; with a ``(group,
    cohort)`` index there is one line per group and the bars show all groups together."""
    check_lang(lang)
    use_style()
    for c in ("clients", "retention_rate"):
        if c not in table.columns:
            raise DiagnoseError(f"retention_chart needs column {c!r}; pass "
                                "retention_by_cohort(tables, as_of)")
    fig = Figure(figsize=(10, 5))
    ax = fig.subplots()
    if table.empty:
        return _empty(fig, ax, lang)
    bars = ax.twinx()
    if isinstance(table.index, pd.MultiIndex):
        by = table.index.names[0]
        sizes = table.groupby(level="cohort")["clients"].sum()
        lines = [(group_label(by, g, lang), sub.droplevel(0)["retention_rate"])
                 for g, sub in table.groupby(level=0, sort=False)]
    else:
        sizes = table["clients"]
        lines = [(t("diag.chart.retention.axis", lang), table["retention_rate"])]
    x = sizes.index.astype(int)
    bars.bar(x, sizes.to_numpy(), color="#d5d8dc", width=0.7,
             label=t("diag.chart.retention.clients", lang))
    bars.set_ylabel(t("diag.chart.retention.clients", lang), color="#85929e")
    bars.set_ylim(0, sizes.max() * 3)  # bars stay in the lower third, under the lines
    bars.grid(False)
    for i, (name, s) in enumerate(lines):
        ax.plot(s.index.astype(int), s.to_numpy(), marker="o", lw=2,
                color=PALETTE[i % len(PALETTE)], label=name)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(t("diag.chart.retention.axis", lang))
    ax.set_xlabel(col_header("cohort", lang))
    step = max(1, int(np.ceil(len(x) / 12)))
    ax.set_xticks(list(x)[::step])
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = bars.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", fontsize=9)
    ax.set_title(t("diag.chart.retention.title", lang), fontsize=14)
    fig.tight_layout()
    return fig
