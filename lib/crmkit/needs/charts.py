"""Charts of the needs stage: the backtest (forecast against the baseline) and the expected
financing needs by cause and month."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.i18n import check_lang, t
from crmkit.core.style import PALETTE, use_style
from crmkit.core.units import fixed_unit
from crmkit.needs.evaluate import Backtest
from crmkit.needs.labels import cause_label
from crmkit.params.needs import NEED_CAUSES

__all__ = ["backtest_chart", "needs_by_month_chart"]

_RATES = ("precision", "recall", "f1")


def backtest_chart(bt: Backtest, lang: str = "zh") -> Figure:
    """Precision, recall and F1 of the forecast beside the last-year baseline."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    x = np.arange(len(_RATES))
    for k, (who, s, colour) in enumerate((("model", bt.model, PALETTE[0]),
                                          ("baseline", bt.baseline, PALETTE[3]))):
        vals = [getattr(s, r) for r in _RATES]
        bars = ax.bar(x + (k - 0.5) * 0.38, vals, 0.38, color=colour, gid=f"bt-{who}",
                      label=t(f"needs.metric.{who}", lang))
        ax.bar_label(bars, labels=[f"{v:.0%}" for v in vals], fontsize=9, padding=2)
    ax.set_xticks(x, [t(f"needs.metric.{r}", lang) for r in _RATES])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, 0))
    ax.set_ylim(0, 1.08)
    ax.set_title(t("needs.chart.backtest", lang).format(
        as_of=bt.as_of.date().isoformat(), days=bt.horizon_days), fontsize=12)
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def _monthly(ahead: pd.DataFrame, divisor: float) -> pd.DataFrame:
    """Probability x amount (亿元) spread over the months of the rest of each window, in
    proportion to its days (timing is uniform in the window): months x causes."""
    as_of = (ahead["window_end"] - pd.to_timedelta(ahead["days_until"], unit="D")).min()
    start = np.maximum(ahead["window_start"].to_numpy("datetime64[D]"),
                       np.datetime64(as_of.date(), "D"))
    end = ahead["window_end"].to_numpy("datetime64[D]") + 1
    months = pd.period_range(as_of.to_period("M"), ahead["window_end"].max().to_period("M"),
                             freq="M")
    m0 = months.to_timestamp().to_numpy("datetime64[D]")
    m1 = (months + 1).to_timestamp().to_numpy("datetime64[D]")
    days = (np.minimum(end[:, None], m1[None, :]) - np.maximum(start[:, None], m0[None, :]))
    days = np.clip(days.astype(np.int64), 0, None).astype(float)
    share = days / np.maximum(days.sum(axis=1, keepdims=True), 1.0)
    value = (ahead["probability"] * ahead["amount"].fillna(0.0)).to_numpy() / divisor
    per = pd.DataFrame(share * value[:, None], columns=[str(m) for m in months])
    out = per.groupby(ahead["cause"].to_numpy()).sum().T
    return out.reindex(columns=[c for c in NEED_CAUSES if c in out.columns])


def needs_by_month_chart(forecast: pd.DataFrame, lang: str = "zh") -> Figure:
    """Expected financing needs (probability x amount, 亿元 / CNY m) by month, stacked by
    cause: each need spread over the months left in its window."""
    check_lang(lang)
    use_style()
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot()
    ax.set_title(t("needs.chart.by_month", lang), fontsize=12)
    ahead = forecast[(forecast["probability"] > 0) & (forecast["days_until"] >= 0)]
    if ahead.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, t("needs.chart.none", lang), ha="center", va="center",
                transform=ax.transAxes, gid="note")
        return fig
    table = _monthly(ahead.reset_index(drop=True), fixed_unit(lang).divisor)
    bottom = np.zeros(len(table))
    for k, cause in enumerate(table.columns):
        ax.bar(table.index, table[cause], bottom=bottom, color=PALETTE[k % len(PALETTE)],
               label=cause_label(cause, lang), gid=f"cause-{k}")
        bottom += table[cause].to_numpy()
    ax.set_ylabel(t("needs.chart.expected_yi", lang))
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.legend(fontsize=9, frameon=False)
    fig.tight_layout()
    return fig
