"""Charts of the credit stage: ROC curve, KS curve, calibration by decile, points distribution
of defaulters vs non-defaulters, information value by feature.

Each function takes arrays or the tables of :class:`crmkit.score.credit.fit.CreditResult`, a ``lang``
("zh" | "en"), applies :func:`crmkit.core.style.use_style` and returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot). :func:`credit_charts` draws all
of them from a result (out-of-fold predictions of the training clients).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from crmkit.core.errors import CreditError
from crmkit.core.i18n import check_lang, register, t
from crmkit.core.style import PALETTE, use_style
from crmkit.score.credit.metrics import calibration_table, discrimination, ks_table, roc_table
from crmkit.score.credit.scaling import feature_label

__all__ = ["roc_chart", "ks_chart", "calibration_chart", "points_distribution", "iv_chart",
           "credit_charts"]

register({
    "chart.credit.roc.title": ("ROC 曲线（样本外）", "ROC curve (out of fold)"),
    "chart.credit.roc.x": ("误报率（非违约客户被判为高风险的比例）",
                           "False-positive rate (non-defaulters flagged)"),
    "chart.credit.roc.y": ("命中率（违约客户被识别的比例）",
                           "True-positive rate (defaulters caught)"),
    "chart.credit.roc.legend": ("{model}：AUC {auc:.3f}，基尼 {gini:.3f}",
                                "{model}: AUC {auc:.3f}, Gini {gini:.3f}"),
    "chart.credit.random": ("随机排序", "Random order"),
    "chart.credit.ks.title": ("KS 曲线：{model}", "KS curve: {model}"),
    "chart.credit.ks.x": ("按违约概率从高到低审阅的客户比例",
                          "Share of clients reviewed, riskiest first"),
    "chart.credit.ks.y": ("累计占比", "Cumulative share"),
    "chart.credit.ks.bad": ("违约客户", "Defaulters"),
    "chart.credit.ks.good": ("非违约客户", "Non-defaulters"),
    "chart.credit.ks.max": ("KS = {ks:.3f}", "KS = {ks:.3f}"),
    "chart.credit.cal.title": ("校准：预测违约概率与实际违约率（按十分位）",
                               "Calibration: predicted PD vs observed default rate (deciles)"),
    "chart.credit.cal.x": ("平均预测违约概率", "Mean predicted PD"),
    "chart.credit.cal.y": ("实际违约率", "Observed default rate"),
    "chart.credit.cal.ideal": ("完全校准", "Perfect calibration"),
    "chart.credit.cal.point": ("十分位组", "Decile"),
    "chart.credit.points.title": ("评分分布：违约与非违约客户", "Points: defaulters vs others"),
    "chart.credit.points.x": ("评分（分数越高风险越低）", "Points (higher = safer)"),
    "chart.credit.points.y": ("客户占比", "Share of clients"),
    "chart.credit.iv.title": ("各指标信息值（IV）", "Information value by feature"),
    "chart.credit.iv.x": ("信息值", "Information value"),
    "chart.credit.iv.selected": ("入模", "In the model"),
    "chart.credit.iv.dropped": ("未入模", "Left out"),
})


def _model_name(name: str, lang: str) -> str:
    label = t(f"credit.model.{name}", lang)
    return name if label == f"credit.model.{name}" else label


def _fig(size: tuple[float, float] = (6.4, 4.8)) -> tuple[Figure, object]:
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def roc_chart(y: object, pds: Mapping[str, object], lang: str = "zh") -> Figure:
    """ROC curves of one or more models (``{model name: PDs}``), AUC and Gini in the legend."""
    check_lang(lang)
    use_style()
    fig, ax = _fig()
    for i, (name, p) in enumerate(pds.items()):
        r = roc_table(y, p)
        m = discrimination(y, p)
        ax.plot(r["fpr"], r["tpr"], color=PALETTE[i % len(PALETTE)], lw=2,
                label=t("chart.credit.roc.legend", lang).format(model=_model_name(name, lang),
                                                                **m))
    ax.plot([0, 1], [0, 1], ls="--", color="#aab7b8", label=t("chart.credit.random", lang))
    ax.set(xlim=(0, 1), ylim=(0, 1.01), title=t("chart.credit.roc.title", lang),
           xlabel=t("chart.credit.roc.x", lang), ylabel=t("chart.credit.roc.y", lang))
    ax.legend(loc="lower right", fontsize="small")
    return fig


def ks_chart(y: object, pd_: object, lang: str = "zh", model: str = "scorecard") -> Figure:
    """Cumulative shares of defaulters and non-defaulters, riskiest clients first; the KS
    statistic is the widest vertical gap, marked on the chart."""
    check_lang(lang)
    use_style()
    k = ks_table(y, pd_)
    i = int(k["gap"].idxmax())
    fig, ax = _fig()
    ax.plot(k["population"], k["bad"], color=PALETTE[4], lw=2,
            label=t("chart.credit.ks.bad", lang))
    ax.plot(k["population"], k["good"], color=PALETTE[0], lw=2,
            label=t("chart.credit.ks.good", lang))
    x, lo, hi = k.loc[i, "population"], k.loc[i, "good"], k.loc[i, "bad"]
    ax.vlines(x, lo, hi, color="#1b2631", ls=":", lw=1.5)
    ax.annotate(t("chart.credit.ks.max", lang).format(ks=hi - lo), (x, (lo + hi) / 2),
                xytext=(8, 0), textcoords="offset points", va="center")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0, 1), ylim=(0, 1.01),
           title=t("chart.credit.ks.title", lang).format(model=_model_name(model, lang)),
           xlabel=t("chart.credit.ks.x", lang), ylabel=t("chart.credit.ks.y", lang))
    ax.legend(loc="lower right")
    return fig


def calibration_chart(calibration: pd.DataFrame, lang: str = "zh") -> Figure:
    """Mean predicted PD vs observed default rate per bin (a :func:`calibration_table`);
    points on the diagonal are well calibrated. Marker size shows the bin's clients."""
    check_lang(lang)
    use_style()
    need = {"mean_pd", "observed", "n", "bin"}
    if not need <= set(calibration.columns):
        raise CreditError(f"calibration_chart needs columns {sorted(need)} (from "
                          f"calibration_table); got {list(calibration.columns)}")
    fig, ax = _fig((6.0, 5.4))
    top = float(max(calibration["mean_pd"].max(), calibration["observed"].max(), 0.01)) * 1.1
    # Square-root axes spread the many low-PD deciles without hiding an observed rate of 0.
    ax.set_xscale("function", functions=(np.sqrt, np.square))
    ax.set_yscale("function", functions=(np.sqrt, np.square))
    ax.plot([0, top], [0, top], ls="--", color="#aab7b8", label=t("chart.credit.cal.ideal", lang))
    size = 12 + 48 * calibration["n"] / calibration["n"].max()
    ax.plot(calibration["mean_pd"], calibration["observed"], color=PALETTE[1], lw=1, zorder=2)
    ax.scatter(calibration["mean_pd"], calibration["observed"], s=size, color=PALETTE[0],
               zorder=3, label=t("chart.credit.cal.point", lang))
    for _, r in calibration.iterrows():
        ax.annotate(str(int(r["bin"])), (r["mean_pd"], r["observed"]), xytext=(5, 4),
                    textcoords="offset points", fontsize="x-small")
    ticks = [v for v in (0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0) if v <= top]
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set(xlim=(0, top), ylim=(0, top), aspect="equal", title=t("chart.credit.cal.title", lang),
           xlabel=t("chart.credit.cal.x", lang), ylabel=t("chart.credit.cal.y", lang))
    ax.title.set_fontsize("medium")
    ax.legend(loc="upper left")
    return fig


def points_distribution(points: object, y: object, lang: str = "zh", bins: int = 30) -> Figure:
    """Histograms (share of each group) of the points of defaulters and non-defaulters."""
    check_lang(lang)
    use_style()
    pts, yv = np.asarray(points, dtype=float), np.asarray(y, dtype=float)
    ok = ~(np.isnan(pts) | np.isnan(yv))
    pts, yv = pts[ok], yv[ok]
    if pts.size == 0:
        raise CreditError("points_distribution: no client has both points and an outcome")
    edges = np.histogram_bin_edges(pts, bins=bins)
    fig, ax = _fig((7.0, 4.4))
    for flag, color, key in ((0, PALETTE[0], "good"), (1, PALETTE[4], "bad")):
        sel = pts[yv == flag]
        if sel.size:
            ax.hist(sel, bins=edges, weights=np.full(sel.size, 1 / sel.size), alpha=0.55,
                    color=color, label=f"{t(f'chart.credit.ks.{key}', lang)} (n={sel.size})")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=t("chart.credit.points.title", lang), xlabel=t("chart.credit.points.x", lang),
           ylabel=t("chart.credit.points.y", lang))
    ax.legend()
    return fig


def iv_chart(iv: pd.DataFrame, lang: str = "zh") -> Figure:
    """Horizontal bars of each candidate feature's IV, coloured by whether it is in the model."""
    check_lang(lang)
    use_style()
    if iv.empty:
        raise CreditError("iv_chart: no information values (the expert rules fit none)")
    d = iv.sort_values("iv")
    fig, ax = _fig((7.0, 0.9 + 0.32 * len(d)))
    colors = np.where(d["selected"], PALETTE[0], "#aab7b8")
    ax.barh([feature_label(f, lang) for f in d["feature"]], d["iv"], color=colors)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=PALETTE[0], label=t("chart.credit.iv.selected", lang)),
                       Patch(color="#aab7b8", label=t("chart.credit.iv.dropped", lang))],
              loc="lower right")
    ax.set(title=t("chart.credit.iv.title", lang), xlabel=t("chart.credit.iv.x", lang))
    return fig


def credit_charts(result: object, lang: str = "zh") -> dict[str, Figure]:
    """Every credit chart of a :class:`crmkit.score.credit.fit.CreditResult`, keyed by name."""
    oof = result.oof  # type: ignore[attr-defined]
    method = result.method  # type: ignore[attr-defined]
    y = oof["default"]
    pds = {c[3:]: oof[c] for c in oof.columns if c.startswith("pd_")}
    figs: dict[str, Figure] = {}
    if 0 < y.sum() < len(y):
        figs["roc"] = roc_chart(y, pds, lang)
        figs["ks"] = ks_chart(y, pds[method], lang, model=method)
        figs["calibration"] = calibration_chart(
            calibration_table(y, pds[method], len(result.calibration) or 10), lang)
        figs["points"] = points_distribution(oof[f"points_{method}"], y, lang)
    if not result.iv.empty:  # type: ignore[attr-defined]
        figs["iv"] = iv_chart(result.iv, lang)  # type: ignore[attr-defined]
    return figs
