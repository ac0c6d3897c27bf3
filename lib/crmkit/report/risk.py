"""Report sections on risk: the gates, IFRS 9 stages and ECL, the alert worklist, and the
sanity checks every portfolio gets (they warn, they never silently pass)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from crmkit.core.i18n import LABELS, register, t
from crmkit.diagnose.labels import fmt_money
from crmkit.params import Params
from crmkit.warn.ecl import ecl_summary
from crmkit.warn.triage import worklist

__all__ = ["load_models", "gate_note", "ecl_tables", "alert_worklist", "migration_table",
           "sanity_checks"]

register({
    "report.h.gates": ("二、风险闸门：先看风险，再看价值", "2. Risk gates: risk before value"),
    "report.h.ecl": ("七、IFRS 9 阶段与预期信用损失", "7. IFRS 9 stages and expected credit loss"),
    "report.h.checks": ("附：数据质量与合理性检查", "Appendix: data quality and sanity checks"),
    "report.p.gates": (
        "任何价值判断之前先过风险闸门：违约（第三阶段）客户 **{default}** 户，层级最高为 C，"
        "只安排不良处置；违反契约、第二阶段或有严重预警的客户 **{watch}** 户列入关注名单，"
        "只安排风险管控类策略；违约概率不低于 {pd_max} 或有高级别预警的客户 **{elevated}** 户，"
        "不安排交叉销售与增长策略。其余 **{normal}** 户方可按价值分层营销。",
        "Every client passes the risk gates before any value judgement: **{default}** clients in "
        "default (Stage 3) are at best tier C and get a workout strategy only; **{watch}** on the "
        "watch list (covenant breach, Stage 2 or a critical alert) get risk strategies only; "
        "**{elevated}** with a PD of {pd_max} or more or a high alert get no cross-sell or "
        "growth strategy. The other **{normal}** may be developed by value."),
    "report.p.ecl": (
        "第一阶段按 12 个月预期损失计提，第二阶段按整个存续期预期损失计提，第三阶段（已违约）按"
        "违约损失率 × 违约风险敞口计提。合计预期信用损失 **{ecl}**，占敞口 **{cov}**。",
        "Stage 1 carries 12-month expected loss, Stage 2 lifetime expected loss, Stage 3 "
        "(in default) LGD × EAD. Expected credit loss totals **{ecl}**, **{cov}** of exposure."),
    "report.p.migration": ("与上期相比的阶段迁移（业务笔数；行为上期，列为本期）：",
                           "Stage migration since the previous run (facilities; rows: then, "
                           "columns: now):"),
    "report.migration.new": ("新增业务", "New"), "report.migration.lost": ("已结清或移出", "Gone"),
    "report.migration.from": ("上期 \\ 本期", "Then \\ now"),
    "report.p.worklist": (
        "下表为全组合最紧急的 {shown} 条预警（共 {total} 条，先按严重程度，再按敞口排序）；"
        "各客户经理的预警数见其后汇总，每人最紧急的 {n} 条列入 Excel 附件的工作清单。",
        "The {shown} most urgent of {total} alerts (severity first, then exposure); the count "
        "per relationship manager follows, and each one's {n} most urgent are listed in the "
        "Excel workbook's worklist."),
    "report.col.owner": ("客户经理", "Relationship manager"),
    "report.col.alerts": ("预警数", "Alerts"), "report.col.shown": ("列入工作清单", "In worklist"),
    "report.col.stage": ("阶段", "Stage"), "report.col.tier": ("客户层级", "Tier"), "report.col.facilities": ("业务笔数", "Facilities"),
    "report.col.clients": ("客户数", "Clients"), "report.col.ead": ("违约风险敞口", "EAD"),
    "report.col.ecl": ("预期信用损失", "ECL"), "report.col.coverage": ("覆盖率", "Coverage"),
    "report.col.total": ("合计", "Total"), "report.col.check": ("检查项", "Check"),
    "report.col.result": ("结果", "Result"), "report.col.detail": ("说明", "Detail"),
    "report.check.ok": ("通过", "OK"), "report.check.warn": ("⚠ 需关注", "⚠ Warning"),
    "report.check.clv": ("风险调整 CLV 合计为正", "Total risk-adjusted CLV is positive"),
    "report.check.alerts": ("预警数不超过客户数", "No more alerts than clients"),
    "report.check.models": ("模型达到使用门槛", "Models pass their gates"),
    "report.check.grades": ("违约概率随信用等级单调", "PD rises monotonically with grade"),
    "report.check.shares": ("层级与阶段占比合计 100%", "Tier and stage shares sum to 100 %"),
    "report.check.gates": ("违约与关注客户未获价值策略", "No value strategy for default or watch"),
    "report.check.quarantine": ("隔离行占比低于 5%", "Under 5 % of rows quarantined"),
})

_SEVERE = ("critical", "high")


def load_models(params: Params) -> dict[str, dict]:
    """The model decisions the stages recorded (``models.json`` of score and warn)."""
    out: dict[str, dict] = {}
    for stage in ("score", "warn"):
        path = Path(params.run_dir) / stage / "models.json"
        if path.is_file():
            out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def gate_note(diag: pd.DataFrame, params: Params, lang: str) -> Markdown:
    """How many clients each gate holds, in a sentence."""
    n = diag["risk_status"].astype("string").value_counts()
    text = t("report.p.gates", lang).format(
        default=int(n.get("default", 0)), watch=int(n.get("watch", 0)),
        elevated=int(n.get("elevated", 0)), normal=int(n.get("normal", 0)),
        pd_max=f"{params.gates.value_pd_max:.0%}")
    return Markdown(html.escape(text, quote=False))


def _stage_label(v: object, lang: str) -> str:
    return t("report.col.total", lang) if v == "total" else t(f"diag.stage.{v}", lang)


def ecl_tables(ecl: pd.DataFrame, tiers: pd.Series, lang: str
               ) -> tuple[Markdown, pd.DataFrame, pd.DataFrame]:
    """The ECL sentence, and the summaries by stage and by tier, formatted for reading."""
    by_stage = ecl_summary(ecl)
    by_tier = ecl_summary(ecl, tiers.rename("tier"))
    total = by_stage.loc["total"]
    note = Markdown(html.escape(t("report.p.ecl", lang).format(
        ecl=fmt_money(float(total["ecl"]), lang),
        cov="—" if pd.isna(total["coverage"]) else f"{total['coverage']:.2%}"), quote=False))

    def show(df: pd.DataFrame, first: str, label) -> pd.DataFrame:
        out = pd.DataFrame({
            t(f"report.col.{first}", lang): [label(i) for i in df.index],
            t("report.col.facilities", lang): df["facilities"].astype(int).to_numpy(),
            t("report.col.clients", lang): df["clients"].astype(int).to_numpy(),
            t("report.col.ead", lang): [fmt_money(float(v), lang) for v in df["ead"]],
            t("report.col.ecl", lang): [fmt_money(float(v), lang) for v in df["ecl"]],
            t("report.col.coverage", lang): ["—" if pd.isna(v) else f"{v:.2%}"
                                             for v in df["coverage"]]})
        return out.set_index(out.columns[0])

    return (note, show(by_stage, "stage", lambda v: _stage_label(v, lang)),
            show(by_tier, "tier", lambda v: t("report.col.total", lang) if v == "total"
                 else (t(f"tier.{v}", lang) if v != "unknown" else "—")))


def alert_worklist(alerts: pd.DataFrame, top_n: int, lang: str
                   ) -> tuple[pd.DataFrame, Markdown, pd.DataFrame]:
    """The ``top_n`` most urgent alerts of the portfolio (``alerts`` ranked), the "15 of 120
    shown" sentence, and per relationship manager: alerts and how many are in their worklist
    (their own top ``top_n``)."""
    _, counts = worklist(alerts, top_n)
    top = alerts.head(top_n)
    note = t("report.p.worklist", lang).format(n=top_n, shown=len(top), total=len(alerts))
    per_rm = pd.DataFrame({t("report.col.alerts", lang): counts["total"].to_numpy(),
                           t("report.col.shown", lang): counts["shown"].to_numpy()},
                          index=pd.Index(counts.index, name=t("report.col.owner", lang)))
    return top, Markdown(html.escape(note, quote=False)), per_rm


def migration_table(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The stage-migration counts with stage names, "new" and "gone" in ``lang``."""
    def name(v: object) -> str:
        v = str(v)
        if v in ("new", "lost"):
            return t(f"report.migration.{v}", lang)
        return t(f"diag.stage.{v}", lang) if v in ("1", "2", "3") else v

    m = moves.set_index(moves.columns[0]) if moves.columns[0] == "from" else moves
    out = m.rename(index=name, columns=name)
    out.index.name = t("report.migration.from", lang)
    return out


def _check(key: str, ok: bool, detail: str, lang: str) -> dict[str, str]:
    return {t("report.col.check", lang): t(f"report.check.{key}", lang),
            t("report.col.result", lang): t(f"report.check.{'ok' if ok else 'warn'}", lang),
            t("report.col.detail", lang): detail}


def sanity_checks(*, diag: pd.DataFrame, alerts: pd.DataFrame, credit: pd.DataFrame,
                  tiers: pd.DataFrame, ecl: pd.DataFrame | None, models: dict[str, dict],
                  quality: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """Checks that every portfolio gets; each row says OK or ⚠ with the figure behind it."""
    rows = []
    clv = float(pd.to_numeric(diag.get("clv"), errors="coerce").sum())
    rows.append(_check("clv", clv > 0, fmt_money(clv, lang), lang))
    rows.append(_check("alerts", len(alerts) <= len(diag), f"{len(alerts)} / {len(diag)}", lang))
    def name(k: str) -> str:
        return t(f"report.model.{k}", lang) if f"report.model.{k}" in LABELS else k

    below = [f"{name(k)}: AUC {v.get('auc'):.2f} < {v.get('min_auc'):.2f}"
             for k, v in models.items() if v.get("fallback") and v.get("auc") is not None]
    rows.append(_check("models", not below, "; ".join(below) or ", ".join(
        f"{name(k)}: AUC {v['auc']:.2f}" for k, v in models.items()
        if v.get("auc") is not None), lang))
    perf = credit[~credit["in_default"].astype(bool)] if "in_default" in credit else credit
    order = [g for g in ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "C")
             if g in set(perf["grade"].astype("string"))]
    means = perf.groupby(perf["grade"].astype("string"))["pd"].mean().reindex(order)
    mono = bool(np.all(np.diff(means.to_numpy()) >= 0))
    rows.append(_check("grades", mono, " < ".join(f"{g} {p:.2%}" for g, p in means.items()),
                       lang))
    tshare = tiers["tier"].astype("string").value_counts(normalize=True).sum()
    sshare = (ecl["ead"].groupby(ecl["stage"]).sum() / ecl["ead"].sum()).sum() if (
        ecl is not None and ecl["ead"].sum() > 0) else 1.0
    rows.append(_check("shares", abs(tshare - 1) < 1e-9 and abs(sshare - 1) < 1e-9,
                       f"{tshare:.1%} / {sshare:.1%}", lang))
    gated = diag["risk_status"].astype("string").isin(["default", "watch"])
    wrong = int((gated & diag["strategy_kind"].astype("string").eq("value")).sum())
    rows.append(_check("gates", wrong == 0, str(wrong), lang))
    if quality is not None and {"rows_read", "rows_quarantined"} <= set(quality.columns):
        share = quality["rows_quarantined"].sum() / max(quality["rows_read"].sum(), 1)
        rows.append(_check("quarantine", share < 0.05, f"{share:.2%}", lang))
    out = pd.DataFrame(rows)
    return out.set_index(out.columns[0])
