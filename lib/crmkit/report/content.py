"""Content of the client-facing report: the run's saved results, headings and the summary text.

The report notebook only reads what the stages saved (:func:`load_run`) and shows it; every
heading and sentence comes from here in Chinese or English, so switching ``language:`` in the
parameters file switches the whole report. Client names are escaped wherever they enter text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from crmkit.collect.tables import load_clean
from crmkit.core.i18n import LABELS, register, t
from crmkit.core.store import load_indexed, load_table, table_path
from crmkit.diagnose.labels import fmt_money
from crmkit.params import Params
from crmkit.report.risk import load_models
from crmkit.score.stage import load_features

__all__ = ["RunData", "CleanTables", "load_run", "heading", "executive_summary", "REPORT_SECTIONS"]

REPORT_SECTIONS = ("summary", "gates", "matrix", "treemap", "pareto", "alerts", "ecl", "gantt",
                   "diagnostic", "segments", "actions", "voice", "method", "quality", "checks")

register({
    "report.heading": ("客户关系诊断报告", "Client relationship diagnostic report"),
    "report.h.summary": ("一、执行摘要", "1. Executive summary"),
    "report.h.matrix": ("三、信用风险 × 还款能力矩阵", "3. Credit risk × repayment capacity"),
    "report.h.treemap": ("四、客户层级树图", "4. The client hierarchy"),
    "report.h.pareto": ("五、收益集中度（帕累托分析）", "5. Income concentration (Pareto)"),
    "report.h.alerts": ("六、风险预警", "6. Early warnings"),
    "report.h.gantt": ("八、项目里程碑进度", "8. Project milestones"),
    "report.h.diagnostic": ("九、客户诊断分析表", "9. Client diagnostic table"),
    "report.h.segments": ("十、分群服务策略", "10. Strategy per segment"),
    "report.h.actions": ("十一、下一步行动", "11. What to do next"),
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
        "逻辑回归评分卡，交叉验证 AUC {auc}；CLV：客户以留存率 r 留下、每年以 1−PD 保持正常，"
        "正常年份赚取扣除资金成本后的收益，违约当年一次性损失 LGD×EAD，按折现率 d 折现"
        "（违约结束客户关系，信用损失合计不超过 LGD×EAD）；预警规则与阈值见参数文件。",
        "Composite score: the difference matrix, indicators scaled to 0–100 and weighted; "
        "PD: a WOE logistic scorecard on repayment history, out-of-fold AUC {auc}; "
        "CLV: the margin after funding cost, earned while the client stays (retention r) and "
        "performs (1−PD a year), the loss LGD×EAD once in the year of default, discounted at d "
        "(a default ends the relationship: losses never add up to more than LGD×EAD); "
        "warning rules and thresholds as in the parameters file."),
    "report.p.method_gates": (
        "风险闸门：违约或第三阶段客户层级最高为 C 且只做不良处置；违反契约（DSCR 低于契约值）、"
        "第二阶段或严重预警的客户进入关注名单，只做风险管控；违约概率高于门槛或有高级别预警的客户"
        "不做交叉销售与增长。",
        "Risk gates: a client in default or Stage 3 is at best tier C and gets a workout "
        "strategy only; a covenant breach (DSCR below the covenant), Stage 2 or a critical alert "
        "puts it on the watch list with risk strategies only; a PD above the threshold or a high "
        "alert rules out cross-sell and growth."),
    "report.p.method_ecl": (
        "预期信用损失：ECL = PD × LGD × EAD，第一阶段取 12 个月 PD，第二阶段按恒定风险率推算存续期"
        "累计违约概率并按合同利率折现，第三阶段 PD 取 100%；LGD 按担保方式取监管基础法参数，EAD 为"
        "余额加循环类未提额度 × 信用转换系数；未加入前瞻性宏观情景调整。",
        "Expected credit loss: ECL = PD × LGD × EAD; Stage 1 uses the 12-month PD, Stage 2 the "
        "lifetime PD under a constant hazard, discounted at the contract rate, Stage 3 a PD of "
        "100 %; LGD by security type from the foundation-IRB values; EAD is the balance plus "
        "undrawn revolving limits × CCF; no forward-looking macro scenarios are applied."),
    "report.p.model_used": ("{model}：采用{method}（交叉验证 AUC {auc}，门槛 {gate}）。",
                            "{model}: {method} used (out-of-fold AUC {auc}, gate {gate})."),
    "report.p.model_fallback": (
        "{model}：模型交叉验证 AUC {auc} 低于门槛 {gate}，未用于决策，改用 {method}。",
        "{model}: the model's out-of-fold AUC {auc} is below the gate {gate}; it is not used "
        "for decisions, {method} instead."),
    "report.model.credit": ("违约概率模型", "PD model"),
    "report.method.scorecard": ("WOE 评分卡", "the WOE scorecard"),
    "report.method.gbm": ("梯度提升树模型", "the gradient-boosting model"),
    "report.method.rules": ("专家规则评分", "the expert rules"),
    "report.method.model": ("流失预测模型", "the churn model"),
    "report.method.base_rates": ("按客户规模分组的历史流失率",
                                 "observed churn rates by client size"),
    "report.model.churn": ("流失模型", "Churn model"),
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
        "去重后共有 **{alerts}** 条预警（严重 {critical}、高 {high}），涉及 {clients} 户客户。",
        "**{alerts}** alerts are open after de-duplication (critical {critical}, high {high}) "
        "on {clients} clients."),
    "report.s.credit": (
        "违约（不良）客户 **{default}** 户（{npl}），关注名单 **{watch}** 户；预期信用损失合计 "
        "**{ecl}**（覆盖率 {cov}）。",
        "**{default}** clients are in default ({npl}) and **{watch}** on the watch list; expected "
        "credit loss totals **{ecl}** ({cov} of exposure)."),
    "report.s.satisfaction": (
        "客户满意度（CSAT，4–5 分占比）为 **{csat}**，净推荐值（NPS）为 **{nps}**。",
        "Satisfaction (CSAT, share rating 4–5) is **{csat}**, net promoter score **{nps}**."),
    "report.s.clv": (
        "风险调整后的客户终身价值合计 **{clv}**。",
        "Risk-adjusted customer lifetime value totals **{clv}**."),
})


class CleanTables(Mapping[str, pd.DataFrame]):
    """The run's clean tables, each read whole on first use: the report shows two of the
    nine (projects and milestones), and at a million clients the others are gigabytes."""

    def __init__(self, params: Params) -> None:
        from crmkit.core.contract import TABLE_ORDER

        self._params, self._names, self._read = params, tuple(TABLE_ORDER), {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = load_clean(self._params, only=[name])[name]
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class RunData:
    """Everything a run saved that the report shows (``tables``: read on first use)."""

    params: Params
    tables: Mapping[str, pd.DataFrame]
    features: pd.DataFrame
    tiers: pd.DataFrame
    diagnostic: pd.DataFrame
    segments: pd.DataFrame
    actions: pd.DataFrame
    alerts: pd.DataFrame
    plan: pd.DataFrame
    kpis: pd.Series
    credit_metrics: pd.DataFrame
    credit: pd.DataFrame | None = None
    ecl: pd.DataFrame | None = None
    stage_migration: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None
    models: dict | None = None
    workbook: Path | None = None  # set by crmkit.report.stage


def load_run(params: Params) -> RunData:
    """Read the results of every stage of this run from its folder."""
    kpis = json.loads((params.run_dir / "diagnose" / "kpis.json").read_text(encoding="utf-8"))
    metrics = params.run_dir / "score" / "credit_metrics.csv"
    quality = params.run_dir / "collect" / "summary.csv"
    return RunData(
        params=params, tables=CleanTables(params), features=load_features(params),
        tiers=load_indexed(params, "tier", "tiers"),
        diagnostic=load_indexed(params, "diagnose", "diagnostic"),
        segments=_for_reading(load_indexed(params, "diagnose", "segments", "segment")),
        actions=_for_reading(load_table(params, "diagnose", "next_actions")),
        alerts=load_table(params, "warn", "alerts"),
        plan=load_table(params, "warn", "action_plan"),
        kpis=pd.Series(kpis, dtype="float64"),
        credit_metrics=pd.read_csv(metrics) if metrics.is_file() else pd.DataFrame(),
        credit=load_table(params, "score", "credit"),
        ecl=_optional(params, "warn", "ecl"),
        stage_migration=_optional(params, "warn", "stage_migration"),
        quality=(pd.read_csv(quality, encoding="utf-8-sig") if quality.is_file() else None),
        models=load_models(params))


#: Columns a bank reader never needs to see: ids and internal codes.
_INTERNAL = ("client_id", "strategy_id", "dominant_strategy_id")
#: Counts that arrive as floats after a sum over groups.
_COUNTS = ("clients", "open_alerts", "rank")


def _for_reading(frame: pd.DataFrame) -> pd.DataFrame:
    """A saved table for the report: no ids or internal codes, counts as whole numbers, no
    column that is empty throughout."""
    out = frame.drop(columns=list(_INTERNAL), errors="ignore")
    for c in _COUNTS:
        if c in out and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    out = out.drop(columns=[c for c in ("saved_plan",) if c in out and out[c].isna().all()])
    if "saved_plan" in out:
        out["saved_plan"] = out["saved_plan"].astype("string").fillna("—")
    return out


def _optional(params: Params, stage: str, name: str) -> pd.DataFrame | None:
    return load_table(params, stage, name) if table_path(params, stage, name).is_file() else None


_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+\.\s+)")
_ZH_DIGITS = "零一二三四五六七八九"
_section_no = [0]


def zh_numeral(n: int) -> str:
    """1..99 in Chinese numerals as section numbers are written: 十二, 二十, 二十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones or not tens else "")


def heading(section: str, lang: str) -> Markdown:
    """A section heading (level 2) in ``lang``.

    Numbered sections are numbered in the order the report shows them, from 1 at the
    executive summary, so an optional section left out (no acknowledged alerts, no survey)
    leaves no gap; the number in the label only marks the section as numbered. Appendices
    (附 / Appendix) are not numbered."""
    text = t(f"report.h.{section}", lang)
    if _NUMBERED.match(text):
        _section_no[0] = 1 if section == "summary" else _section_no[0] + 1
        n, title = _section_no[0], _NUMBERED.sub("", text)
        text = f"{zh_numeral(n)}、{title}" if lang == "zh" else f"{n}. {title}"
    return Markdown(f"## {text}")


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
        _credit_line(run, lang),
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


def method_label(method: object, lang: str) -> str:
    """A model method code (``scorecard``, ``base_rates`` ...) in words."""
    key = f"report.method.{method}"
    return t(key, lang) if key in LABELS else str(method)


def _credit_line(run: RunData, lang: str) -> str:
    status = run.diagnostic["risk_status"].astype("string").value_counts()
    n = max(len(run.diagnostic), 1)
    ecl = run.ecl
    total = float(ecl["ecl"].sum()) if ecl is not None else float("nan")
    ead = float(ecl["ead"].sum()) if ecl is not None else float("nan")
    return t("report.s.credit", lang).format(
        default=int(status.get("default", 0)), npl=f"{status.get('default', 0) / n:.1%}",
        watch=int(status.get("watch", 0)),
        ecl="—" if np.isnan(total) else fmt_money(total, lang),
        cov="—" if not ead else f"{total / ead:.2%}")


def method_note(run: RunData, lang: str) -> Markdown:
    """The appendix paragraph, with the credit model's out-of-fold AUC."""
    m = run.credit_metrics
    oof = m[(m.get("basis") == "out_of_fold")] if len(m) else m
    auc = f"{oof['auc'].iloc[0]:.2f}" if len(oof) and "auc" in oof else "—"
    parts = [t("report.p.method", lang).format(auc=auc), t("report.p.method_gates", lang),
             t("report.p.method_ecl", lang)]
    for name, info in (run.models or {}).items():
        key = "report.p.model_fallback" if info.get("fallback") else "report.p.model_used"
        parts.append(t(key, lang).format(
            model=t(f"report.model.{name}", lang), method=method_label(info.get("method"), lang),
            auc="—" if info.get("auc") is None else f"{info['auc']:.2f}",
            gate=f"{info.get('min_auc', 0):.2f}"))
    return Markdown("\n\n".join(html.escape(x, quote=False) for x in parts))


__all__ += ["method_note"]


_MONEY_COLS = {"exposure", "income", "clv", "clv_at_risk", "interest_income", "fee_income",
               "margin", "expected_loss", "funding_cost", "clv_sum", "exposure_sum"}
_SHARE_COLS = {"pd", "churn_probability", "needs_fulfilled_share", "csat_share", "share",
               "exposure_share", "retention_rate", "fulfilment_rate"}


def format_numbers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy for reading, by column name: money in one unit per column (万元 or 亿元, CNY m
    or bn: :func:`crmkit.core.units.money_unit`) stated in the header, shares and PDs as
    percentages, answers and counts as whole numbers, other decimals to one place, blanks as
    "—"; internal ids (strategy and rule ids) dropped."""
    from crmkit.core.units import money_header, money_unit
    from crmkit.diagnose.labels import col_header
    from crmkit.report.present import INTERNAL_COLUMNS, WHOLE_COLUMNS

    out = df.drop(columns=[c for c in df.columns if c in INTERNAL_COLUMNS])
    renames = {}
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if col in _MONEY_COLS:
            unit = money_unit(s.astype(float).tolist(), lang)
            out[col] = s.map(unit.text)
            renames[col] = money_header(col_header(col, lang), unit, lang)
        elif col in _SHARE_COLS:
            out[col] = s.map(lambda v: "—" if pd.isna(v) else f"{v:.1%}")
        elif col in WHOLE_COLUMNS or pd.api.types.is_integer_dtype(s):
            out[col] = s.map(lambda v: "—" if pd.isna(v) else f"{v:,.0f}")
        else:
            out[col] = s.map(lambda v: "—" if pd.isna(v) else f"{v:,.1f}")
    return out.rename(columns=renames)


def first_column_as_index(df: pd.DataFrame) -> pd.DataFrame:
    """Use the first column (the client or segment) as the index, so no row numbers show."""
    return df.set_index(df.columns[0]) if len(df.columns) else df


__all__ += ["format_numbers", "first_column_as_index"]
