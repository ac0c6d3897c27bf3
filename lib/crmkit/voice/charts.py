"""Charts of the voice analysis: theme shares by group, sentiment trend, theme associations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit.core.i18n import check_lang, register, t
from crmkit.core.style import use_style

__all__ = ["theme_share_chart", "sentiment_trend_chart", "association_chart", "theme_label"]

register({
    "voice.chart.shares": ("各组客户声音主题占比", "Theme shares by group"),
    "voice.chart.share": ("占比", "Share of texts"),
    "voice.chart.trend": ("各主题情感趋势（按季度）", "Sentiment by theme and quarter"),
    "voice.chart.sentiment": ("平均情感 (-1 负面 … +1 正面)",
                              "Mean sentiment (-1 negative … +1 positive)"),
    "voice.chart.quarter": ("季度", "Quarter"),
    "voice.chart.assoc": ("负面提及该主题的客户 vs 其他客户",
                          "Clients with a negative text on the theme vs other clients"),
    "voice.chart.rate": ("发生率", "Rate"),
    "voice.outcome.low_csat": ("低满意度", "Low CSAT"),
    "voice.outcome.detractor": ("NPS 贬损者", "NPS detractor"),
    "voice.outcome.churned": ("流失", "Churned"),
    "voice.with": ("提及", "with"),
    "voice.without": ("未提及", "without"),
    "voice.none": ("无数据", "No data"),
})


def theme_label(themes: pd.DataFrame, code: str, lang: str) -> str:
    """The display name of a theme code from the theme table."""
    row = themes.loc[themes["theme"] == code]
    return code if row.empty else str(row.iloc[0][f"name_{lang}"])


def theme_share_chart(shares: pd.DataFrame, themes: pd.DataFrame, lang: str = "zh") -> Figure:
    """Stacked horizontal bars: theme shares per group (``shares`` from ``theme_shares``)."""
    check_lang(lang)
    use_style()
    data = shares.drop(columns="n_texts", errors="ignore").iloc[::-1]
    fig = Figure(figsize=(10, 0.45 * max(len(data), 3) + 1.8))
    ax = fig.subplots()
    left = np.zeros(len(data))
    for col in data.columns:
        ax.barh([str(i) for i in data.index], data[col], left=left,
                label=theme_label(themes, col, lang))
        left += data[col].fillna(0).to_numpy()
    ax.set_xlabel(t("voice.chart.share", lang))
    ax.set_xlim(0, 1)
    ax.set_title(t("voice.chart.shares", lang))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8)
    fig.tight_layout()
    return fig


def sentiment_trend_chart(trend: pd.DataFrame, themes: pd.DataFrame, lang: str = "zh",
                          last_quarters: int = 8) -> Figure:
    """One line per theme: mean sentiment per quarter (``trend`` from ``theme_trend``)."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(10, 4.5))
    ax = fig.subplots()
    quarters = sorted(trend["quarter"].unique())[-last_quarters:]
    d = trend.loc[trend["quarter"].isin(quarters)]
    for code, grp in d.groupby("theme"):
        ax.plot(grp["quarter"], grp["sentiment"], marker="o", label=theme_label(themes, code,
                                                                               lang))
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(t("voice.chart.quarter", lang))
    ax.set_ylabel(t("voice.chart.sentiment", lang))
    ax.set_title(t("voice.chart.trend", lang))
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def association_chart(assoc: pd.DataFrame, themes: pd.DataFrame, lang: str = "zh") -> Figure:
    """Per outcome, paired bars: rate among clients with vs without a negative text on each
    theme, with the client counts in the labels."""
    check_lang(lang)
    use_style()
    outcomes = [o for o in ("low_csat", "detractor", "churned") if o in set(assoc["outcome"])]
    fig = Figure(figsize=(12, 4.5))
    axes = fig.subplots(1, max(len(outcomes), 1), sharey=True, squeeze=False)[0]
    if not outcomes:
        axes[0].text(0.5, 0.5, t("voice.none", lang), ha="center")
        return fig
    for ax, outcome in zip(axes, outcomes, strict=True):
        d = assoc.loc[assoc["outcome"] == outcome]
        y = np.arange(len(d))
        ax.barh(y + 0.2, d["rate_with"], height=0.4, label=t("voice.with", lang))
        ax.barh(y - 0.2, d["rate_without"], height=0.4, label=t("voice.without", lang))
        ax.set_yticks(y, [f"{theme_label(themes, c, lang)} ({a}/{n})" for c, a, n in
                          zip(d["theme"], d["events_with"], d["n_with"], strict=True)])
        ax.set_title(t(f"voice.outcome.{outcome}", lang))
        ax.set_xlabel(t("voice.chart.rate", lang))
    axes[0].legend(fontsize=8)
    fig.suptitle(t("voice.chart.assoc", lang))
    fig.tight_layout()
    return fig
