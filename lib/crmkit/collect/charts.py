"""Charts of the collect stage: where rows went, and how complete each column is."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from crmkit.collect.quality import SUMMARY_REASONS
from crmkit.core.contract import TABLES
from crmkit.core.i18n import register, t
from crmkit.core.style import use_style

__all__ = ["quality_chart", "REASON_COLORS"]

register({
    "chart.collect.title": ("数据质量概览", "Data quality overview"),
    "chart.collect.rows": ("各表隔离行数（按原因）", "Quarantined rows per table, by reason"),
    "chart.collect.none_quarantined": ("没有被隔离的行", "No row was quarantined"),
    "chart.collect.rows_x": ("隔离行数，一行有多个问题时每个原因各计一次（标签：隔离 / 读取）",
                             "Rows quarantined, a row under each of its reasons "
                             "(label: quarantined / read)"),
    "chart.collect.kept": ("保留", "Kept"),
    "chart.collect.completeness": ("填写完整度最低的字段", "Least complete columns"),
    "chart.collect.completeness_x": ("完整度（已填写行占比）", "Completeness (share of rows filled)"),
    "chart.collect.all_complete": ("所有字段均已填写完整", "Every column is fully filled in"),
})

REASON_COLORS = dict(zip(SUMMARY_REASONS, ["#cb4335", "#e67e22", "#f5b041", "#af7ac5",
                                            "#5dade2", "#7f8c8d", "#566573", "#922b21",
                                            "#b7950b"],
                         strict=True))


def quality_chart(summary: pd.DataFrame, quality: pd.DataFrame, lang: str = "zh",
                  n_columns: int = 15) -> Figure:
    """Two panels: quarantined rows per table, by reason; the least complete columns.

    Left: one bar per table, as long as the number of rows sent back to the data owner, split
    by reason; the label gives quarantined / read rows. Right: the columns with the most
    blank cells (red = required, blue = optional).
    """
    use_style()
    fig = Figure(figsize=(13, 5.2))
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.1])
    s = summary.set_index("table")
    labels = [TABLES[n].zh if lang == "zh" else TABLES[n].en for n in s.index]
    left = np.zeros(len(s))
    ax1.barh(labels, left)  # fixes the table order on the axis even when nothing is quarantined
    for reason in SUMMARY_REASONS:
        vals = s[reason].to_numpy(dtype=float)
        if vals.sum() == 0:
            continue
        ax1.barh(labels, vals, left=left, color=REASON_COLORS[reason],
                 label=t(f"reason.{reason}", lang))
        left = left + vals
    top = max(float(left.max()), 1.0)
    for y, (q, n) in enumerate(zip(s["rows_quarantined"], s["rows_read"], strict=True)):
        ax1.text(left[y] + top * 0.01, y, f"{q:,} / {n:,}", va="center", fontsize=9)
    ax1.set_xlim(0, top * 1.35)
    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.invert_yaxis()
    ax1.set_title(t("chart.collect.rows", lang))
    ax1.set_xlabel(t("chart.collect.rows_x", lang))
    if left.sum():
        ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8,
                   frameon=False)
    else:
        ax1.text(0.5, -0.18, t("chart.collect.none_quarantined", lang), ha="center",
                 transform=ax1.transAxes, color="#229954")
    q = quality[quality["present"]].copy()
    q = q[q["completeness"] < 1].sort_values("completeness").head(n_columns)
    if q.empty:
        ax2.text(0.5, 0.5, t("chart.collect.all_complete", lang), ha="center", va="center")
        ax2.set_axis_off()
    else:
        lab = q["label_zh"] if lang == "zh" else q["label_en"]
        tab = q["table"].map(lambda n: TABLES[n].zh if lang == "zh" else TABLES[n].en)
        names = [f"{a} · {b}" for a, b in zip(tab, lab, strict=True)]
        colors = ["#cb4335" if r else "#2e86c1" for r in q["required"]]
        ax2.barh(names, q["completeness"], color=colors)
        ax2.set_xlim(0, 1)
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax2.invert_yaxis()
        ax2.set_xlabel(t("chart.collect.completeness_x", lang))
    ax2.set_title(t("chart.collect.completeness", lang))
    fig.suptitle(t("chart.collect.title", lang), fontsize=14)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.24, top=0.86, wspace=0.55)
    return fig
