"""Content of the client-facing report: the run's saved results, headings and the summary text.

The report notebook only reads what the stages saved (:func:`load_run`) and shows it; every
heading and sentence comes from here in Chinese or English, so switching ``language:`` in the
parameters file switches the whole report. Client names are escaped wherever they enter text.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crmkit.collect.tables import load_clean
from crmkit.core.i18n import register, t
from crmkit.core.store import load_indexed, load_table
from crmkit.diagnose.labels import fmt_money
from crmkit.params import Params
from crmkit.score.stage import load_features

__all__ = ["RunData", "load_run", "heading", "executive_summary", "REPORT_SECTIONS"]

REPORT_SECTIONS = ("summary", "matrix", "treemap", "pareto", "alerts", "gantt", "diagnostic",
                   "segments", "actions", "method")

register({
    "report.heading": ("客户关系诊断报告", "Client relationship diagnostic report"),
    "report.h.summary": ("一、执行摘要", "1. Executive summary"),
    "report.h.matrix": ("二、信用风险 × 还款能力矩阵", "2. Credit risk × repayment capacity"),
    "report.h.treemap": ("三、客户层级树图", "3. The client hierarchy"),
    "report.h.pareto": ("四、收益集中度（帕累托分析）", "4. Income concentration (Pareto)"),
    "report.h.alerts": ("五、风险预警", "5. Early warnings"),
    "report.h.gantt": ("六、项目里程碑进度", "6. Project milestones"),
    "report.h.diagnostic": ("七、客户诊断分析表", "7. Client diagnostic table"),
    "report.h.segments": ("八、分群服务策略", "8. Strategy per segment"),
    "report.h.actions": ("九、下一步行动", "9. What to do next"),
    "report.h.method": ("附：方法说明", "Appendix: method"),
    "report.p.matrix": (
        "纵轴为信用风险（按违约概率分档），横轴为还款能力（按偿债覆盖率或利息保障倍数分档）。"
        "颜色表示各格敞口占比，格内为细分名称、客户数与敞口。左下角的“高关注”客户需优先压降风险。",
        "Rows: credit risk (PD bands); columns: repayment capacity (DSCR or interest cover). "
        "Colour shows each cell's share of exposure; each cell gives its segment, clients and "
        "exposure. The 'high attention' cell bottom-left needs action first."),
    "report.p.treemap": (
        "每个矩形代表一个客户，按层级、行业分组；面积为敞口，颜色为违约概率（绿色低、红色高）。"
        "大面积的红色矩形即风险集中之处。",
        "Each rectangle is a client, grouped by tier and industry; area is exposure, colour is "
        "PD (green low, red high). Large red rectangles are where risk concentrates."),
    "report.p.pareto": (
        "客户按收益从高到低排列，曲线为累计收益占比。曲线越陡，收益越集中于少数客户。",
        "Clients sorted by income, largest first; the curve is the cumulative share of income. "
        "The steeper it starts, the more income depends on a few clients."),
    "report.p.alerts": (
        "预警按严重程度排序，每条预警列明原因、负责客户经理与处理期限。",
        "Alerts, most severe first, each with its reason, owner and due date."),
    "report.p.gantt": (
        "浅色框为计划工期，实心条为实际进度，颜色表示延误程度；竖线为数据日期。",
        "Outlined bars are the plan, solid bars what happened, coloured by delay; the vertical "
        "line is the as-of date."),
    "report.p.diagnostic": (
        "按风险调整后的客户终身价值（CLV）排列的前 {n} 户客户及推荐策略；完整表格见 Excel 附件。",
        "The top {n} clients by risk-adjusted CLV with their recommended strategy; the full "
        "table is in the Excel workbook."),
    "report.p.method": (
        "综合得分：差异矩阵法，各维度指标标准化至 0–100 后加权；违约概率：基于还款历史的 WOE "
        "逻辑回归评分卡，交叉验证 AUC {auc}；CLV = m·r/(1+d−r)，m 为扣除资金成本与预期损失"
        "（PD×LGD×EAD）后的年度收益；预警规则与阈值见参数文件。",
        "Composite score: the difference matrix, indicators scaled to 0–100 and weighted; "
        "PD: a WOE logistic scorecard on repayment history, out-of-fold AUC {auc}; "
        "CLV = m·r/(1+d−r) with m the yearly margin after funding cost and expected loss "
        "(PD×LGD×EAD); warning rules and thresholds as in the parameters file."),
    "report.s.portfolio": (
        "截至 **{as_of}**，组合共有 **{clients}** 户客户，授信敞口 **{exposure}**。",
        "As of **{as_of}** the portfolio holds **{clients}** clients with exposure of "
        "**{exposure}**."),
    "report.s.tiers": (
        "核心客户（A）{a} 户、重点客户（B）{b} 户、一般客户（C）{c} 户；前 {share} 的客户贡献了 "
        "**{top}** 的收益。",
        "Core (A) {a}, key (B) {b} and ordinary (C) {c} clients; the top {share} of clients "
        "bring **{top}** of income."),
    "report.s.risk": (
        "“高关注”细分（高风险、弱还款能力）有 **{n}** 户，占敞口 **{share}**。",
        "The 'high attention' segment (high risk, weak capacity) holds **{n}** clients and "
        "**{share}** of exposure."),
    "report.s.alerts": (
        "共有 **{alerts}** 条预警（严重 {critical}、高 {high}），涉及 {clients} 户客户。",
        "**{alerts}** alerts are open (critical {critical}, high {high}) on {clients} clients."),
    "report.s.satisfaction": (
        "客户满意度（CSAT，4–5 分占比）为 **{csat}**，净推荐值（NPS）为 **{nps}**。",
        "Satisfaction (CSAT, share rating 4–5) is **{csat}**, net promoter score **{nps}**."),
    "report.s.clv": (
        "风险调整后的客户终身价值合计 **{clv}**。",
        "Risk-adjusted customer lifetime value totals **{clv}**."),
})


@dataclass
class RunData:
    """Everything a run saved that the report shows."""

    params: Params
    tables: dict[str, pd.DataFrame]
    features: pd.DataFrame
    tiers: pd.DataFrame
    diagnostic: pd.DataFrame
    segments: pd.DataFrame
    actions: pd.DataFrame
    alerts: pd.DataFrame
    plan: pd.DataFrame
    kpis: pd.Series
    credit_metrics: pd.DataFrame
    workbook: Path | None = None  # set by crmkit.report.stage


def load_run(params: Params) -> RunData:
    """Read the results of every stage of this run from its folder."""
    kpis = json.loads((params.run_dir / "diagnose" / "kpis.json").read_text(encoding="utf-8"))
    metrics = params.run_dir / "score" / "credit_metrics.csv"
    return RunData(
        params=params, tables=load_clean(params), features=load_features(params),
        tiers=load_indexed(params, "tier", "tiers"),
        diagnostic=load_indexed(params, "diagnose", "diagnostic"),
        segments=load_indexed(params, "diagnose", "segments", "segment"),
        actions=load_table(params, "diagnose", "next_actions").drop(columns="client_id"),
        alerts=load_table(params, "warn", "alerts"),
        plan=load_table(params, "warn", "action_plan"),
        kpis=pd.Series(kpis, dtype="float64"),
        credit_metrics=pd.read_csv(metrics) if metrics.is_file() else pd.DataFrame())


def heading(section: str, lang: str) -> Markdown:
    """A section heading (level 2) in ``lang``."""
    return Markdown(f"## {t(f'report.h.{section}', lang)}")


def _pct(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:.0%}"


def executive_summary(run: RunData, lang: str) -> Markdown:
    """The key figures of the run as a few sentences (bullets) in ``lang``."""
    k, tiers = run.kpis, run.tiers
    counts = tiers["tier"].astype("string").value_counts()
    exposure = run.features["exposure"]
    high = tiers["segment"].astype("string").eq("high_weak")
    sev = run.alerts["severity"].astype("string").value_counts() if len(run.alerts) else {}
    share = f"{run.params.diagnose.metrics.top_share:.0%}"
    lines = [
        t("report.s.portfolio", lang).format(
            as_of=run.params.as_of, clients=int(k.get("clients", len(tiers))),
            exposure=fmt_money(float(exposure.sum()), lang)),
        t("report.s.tiers", lang).format(a=int(counts.get("A", 0)), b=int(counts.get("B", 0)),
                                          c=int(counts.get("C", 0)), share=share,
                                          top=_pct(k.get("top_share"))),
        t("report.s.risk", lang).format(
            n=int(high.sum()),
            share=_pct(exposure[high.reindex(exposure.index, fill_value=False)].sum()
                       / exposure.sum() if exposure.sum() else float("nan"))),
        t("report.s.alerts", lang).format(
            alerts=len(run.alerts), critical=int(sev.get("critical", 0)),
            high=int(sev.get("high", 0)), clients=run.alerts["client_id"].nunique()
            if len(run.alerts) else 0),
        t("report.s.satisfaction", lang).format(
            csat=_pct(k.get("csat_share")),
            nps="—" if pd.isna(k.get("nps")) else f"{k.get('nps'):+.0f}"),
        t("report.s.clv", lang).format(clv=fmt_money(float(k.get("clv_total", 0.0)), lang)),
    ]
    return Markdown("\n".join(f"- {html.escape(line, quote=False)}" for line in lines))


def method_note(run: RunData, lang: str) -> Markdown:
    """The appendix paragraph, with the credit model's out-of-fold AUC."""
    m = run.credit_metrics
    oof = m[(m.get("basis") == "out_of_fold")] if len(m) else m
    auc = f"{oof['auc'].iloc[0]:.2f}" if len(oof) and "auc" in oof else "—"
    return Markdown(t("report.p.method", lang).format(auc=auc))


__all__ += ["method_note"]


_MONEY_COLS = {"exposure", "income", "clv", "clv_at_risk", "interest_income", "fee_income",
               "margin", "expected_loss", "funding_cost", "clv_sum", "exposure_sum"}
_SHARE_COLS = {"pd", "churn_probability", "needs_fulfilled_share", "csat_share", "share",
               "exposure_share", "retention_rate", "fulfilment_rate"}


def format_numbers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Money in 万元/亿元 (or CNY m/bn), shares and PDs as percentages, other decimals to one
    place: a copy for reading, by column name."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        if col in _MONEY_COLS:
            out[col] = s.map(lambda v: "—" if pd.isna(v) else fmt_money(float(v), lang))
        elif col in _SHARE_COLS:
            out[col] = s.map(lambda v: "—" if pd.isna(v) else f"{v:.1%}")
        else:
            out[col] = s.round(1)
    return out


def first_column_as_index(df: pd.DataFrame) -> pd.DataFrame:
    """Use the first column (the client or segment) as the index, so no row numbers show."""
    return df.set_index(df.columns[0]) if len(df.columns) else df


__all__ += ["format_numbers", "first_column_as_index"]
