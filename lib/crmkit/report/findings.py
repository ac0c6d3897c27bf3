"""The report's findings: what the data say, quarter on quarter, with three actions; plus the
data-quality appendix and the disclaimer with its version and parameter stamp."""

from __future__ import annotations

import hashlib
import html
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import Markdown

from crmkit.collect.contract_doc import QUARANTINE_REASONS
from crmkit.core.contract import TABLES, code_label
from crmkit.core.i18n import register, t
from crmkit.diagnose.labels import fmt_money
from crmkit.warn.history import load_snapshot, previous_as_of

if TYPE_CHECKING:
    from crmkit.report.content import RunData

__all__ = ["findings", "quality_appendix", "disclaimer"]

register({
    "report.f.title": ("**主要发现与建议**", "**Findings and recommendations**"),
    "report.f.risk": (
        "**风险：** {n_def} 户违约、{n_watch} 户在关注名单，合计敞口 {exp}（占 {share}）；"
        "敞口最大的问题客户是 {top}。",
        "**Risk:** {n_def} clients in default and {n_watch} on the watch list hold {exp} "
        "({share} of exposure); the largest is {top}."),
    "report.f.concentration": (
        "**集中度：** 前 10 大客户占敞口 {top10}，最大行业（{ind}）占 {ind_share}。",
        "**Concentration:** the 10 largest clients hold {top10} of exposure; the largest "
        "industry ({ind}) {ind_share}."),
    "report.f.movers": (
        "**较上期（{prev}）：** 敞口 {d_exp}，违约客户 {d_def}，层级下调 {down} 户、上调 {up} 户；"
        "违约概率上升最多的是 {mover}。",
        "**Since {prev}:** exposure {d_exp}, clients in default {d_def}, {down} tier downgrades "
        "and {up} upgrades; the largest PD increase is {mover}."),
    "report.f.no_prev": ("**较上期：** 本组合尚无上期快照，下次运行起显示季度变化。",
                         "**Since last quarter:** no earlier snapshot yet; the next run shows "
                         "the changes."),
    "report.f.value": (
        "**价值：** 风险可控且可拓展的客户 {n_grow} 户，风险调整客户终身价值合计 {clv}；"
        "价值最高的细分是“{seg}”。",
        "**Value:** {n_grow} clients are open for growth, with risk-adjusted lifetime value of "
        "{clv}; the most valuable segment is '{seg}'."),
    "report.f.actions": ("**建议行动：**", "**Recommended actions:**"),
    "report.f.a1": ("对 {n} 户违约客户成立清收小组，本月内完成抵质押物评估与处置方案。",
                    "Set up workout for the {n} clients in default and value their collateral "
                    "this month."),
    "report.f.a2": ("对 {n} 户关注名单客户逐户重新测算现金流，需要时重组或追加担保，按月监测。",
                    "Re-forecast the cash flows of the {n} watch-list clients, restructure or "
                    "add collateral where needed, and review them monthly."),
    "report.f.a3": ("对 {n} 户风险可控的高价值客户制定交叉销售计划，优先 {top}。",
                    "Plan cross-selling for the {n} high-value clients with contained risk, "
                    "starting with {top}."),
    "report.q.intro": (
        "本次共读取 {read} 行数据，清洗后保留 {kept} 行，隔离 {quar} 行（{share}）。"
        "隔离行逐行列明原因，见运行目录 collect/quarantine.csv。",
        "{read} rows were read, {kept} kept after cleaning and {quar} quarantined ({share}), each "
        "with its reason in the run folder's collect/quarantine.csv."),
    "report.q.table": ("数据表", "Table"), "report.q.read": ("读取行数", "Rows read"),
    "report.q.kept": ("保留", "Kept"), "report.q.quarantined": ("隔离", "Quarantined"),
    "report.q.reasons": ("隔离原因", "Reasons"),
    "report.h.quality": ("附：数据质量", "Appendix: data quality"),
    "report.disclaimer": (
        "本报告由 crmkit {version} 根据参数文件 {params}（校验码 {digest}）于 {as_of} 数据生成，"
        "仅供内部管理参考，不构成授信决策或会计计量的唯一依据；模型结果须经信贷与风险管理人员复核。",
        "Produced by crmkit {version} from the parameters file {params} (checksum {digest}) on "
        "data as of {as_of}. For internal management use only: it is not the sole basis of a "
        "credit decision or an accounting measurement, and model results must be reviewed by "
        "credit and risk staff."),
})
#: Quarantine reasons, in the contract's order (totals rows included).
_REASONS = tuple(QUARANTINE_REASONS)


def _pct(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:.1%}"


def _name(diag: pd.DataFrame, cid: object) -> str:
    return str(diag.loc[cid, "client_name"]) if cid in diag.index else str(cid)


def _paren(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _previous(run: RunData) -> tuple[object, pd.DataFrame] | None:
    """The previous snapshot of this portfolio (date, client frame), if the store has one."""
    p = run.params
    path = p.history_path
    prev = previous_as_of(path, p.portfolio, p.as_of) if path.exists() else None
    if prev is None:
        return None
    snap = load_snapshot(path, p.portfolio, prev)
    return prev, snap.set_index("client_id") if "client_id" in snap.columns else snap


def findings(run: RunData, lang: str) -> Markdown:
    """Four findings (risk, concentration, change since last quarter, value) and three actions,
    written from the run's tables."""
    d, exp = run.diagnostic, run.features["exposure"].astype(float)
    total = float(exp.sum()) or float("nan")
    status = d["risk_status"].astype("string")
    bad = status.isin(["default", "watch"])
    bad_exp = exp.reindex(d.index[bad.to_numpy()]).sum()
    top_bad = exp.reindex(d.index[bad.to_numpy()]).sort_values(ascending=False)
    lines = [t("report.f.risk", lang).format(
        n_def=int((status == "default").sum()), n_watch=int((status == "watch").sum()),
        exp=fmt_money(float(bad_exp), lang), share=_pct(bad_exp / total),
        top=(_name(d, top_bad.index[0]) + _paren(fmt_money(float(top_bad.iloc[0]), lang), lang)
             if len(top_bad) else "—"))]
    ind = run.features.groupby("industry")["exposure"].sum().sort_values(ascending=False)
    lines.append(t("report.f.concentration", lang).format(
        top10=_pct(exp.nlargest(10).sum() / total),
        ind=code_label("industry", str(ind.index[0]), lang) if len(ind) else "—",
        ind_share=_pct(ind.iloc[0] / total) if len(ind) else "—"))
    prev = _previous(run)
    if prev is None:
        lines.append(t("report.f.no_prev", lang))
    else:
        day, snap = prev
        was_exp = float(pd.to_numeric(snap.get("exposure"), errors="coerce").sum())
        was_def = int((pd.to_numeric(snap.get("pd"), errors="coerce") >= 1).sum())
        now_def = int((status == "default").sum())
        tier_now = d["tier"].astype("string")
        tier_was = snap["tier"].astype("string").reindex(d.index)
        rank = {"A": 0, "B": 1, "C": 2}
        steps = tier_now.map(rank).astype(float) - tier_was.map(rank).astype(float)
        dpd = (d["pd"] - pd.to_numeric(snap["pd"], errors="coerce").reindex(d.index))
        dpd = dpd[d["pd"] < 1].dropna()
        mover = (_name(d, dpd.idxmax()) + _paren(f"{dpd.max():+.1%}", lang)
                 if len(dpd) and dpd.max() > 0 else "—")
        lines.append(t("report.f.movers", lang).format(
            prev=day, d_exp=f"{(total - was_exp) / was_exp:+.1%}" if was_exp else "—",
            d_def=f"{now_def - was_def:+d}", down=int((steps > 0).sum()),
            up=int((steps < 0).sum()), mover=mover))
    grow = d["strategy_kind"].astype("string").eq("value")
    seg = run.segments["clv_sum"].astype(float).idxmax() if "clv_sum" in run.segments else "—"
    lines.append(t("report.f.value", lang).format(
        n_grow=int(grow.sum()), clv=fmt_money(float(d.loc[grow, "clv"].sum()), lang),
        seg=t(f"segment.{seg}", lang)))
    high = grow & d["value_band"].astype("string").eq("high")
    top_grow = d.loc[high].sort_values("clv", ascending=False)
    acts = [t("report.f.a1", lang).format(n=int((status == "default").sum())),
            t("report.f.a2", lang).format(n=int((status == "watch").sum())),
            t("report.f.a3", lang).format(
                n=int(high.sum()), top="、".join(top_grow["client_name"].head(3).astype(str))
                if lang == "zh" else ", ".join(top_grow["client_name"].head(3).astype(str)))]
    text = "\n".join([t("report.f.title", lang), "", *(f"- {x}" for x in lines), "",
                      t("report.f.actions", lang), "",
                      *(f"{i}. {a}" for i, a in enumerate(acts, 1))])
    return Markdown(html.escape(text, quote=False))


def _counts(s: pd.Series) -> list[str]:
    """Row counts as a reader writes them: 7,189."""
    return [f"{int(v):,}" for v in s]


def quality_appendix(run: RunData, lang: str) -> tuple[Markdown, pd.DataFrame] | None:
    """What was read, kept and quarantined per table, with the reasons in words."""
    q = run.quality
    if q is None or not {"rows_read", "rows_kept", "rows_quarantined"} <= set(q.columns):
        return None
    read, kept, quar = (int(q[c].sum()) for c in ("rows_read", "rows_kept", "rows_quarantined"))
    note = t("report.q.intro", lang).format(read=f"{read:,}", kept=f"{kept:,}",
                                            quar=f"{quar:,}", share=f"{quar / max(read, 1):.2%}")

    def reasons(row: pd.Series) -> str:
        k = 0 if lang == "zh" else 1
        parts = [f"{QUARANTINE_REASONS[r][k]} {int(row[r])}" for r in _REASONS
                 if r in row and pd.notna(row[r]) and int(row[r]) > 0]
        return "；".join(parts) if lang == "zh" else "; ".join(parts) or "—"

    table = pd.DataFrame({
        t("report.q.table", lang): [(TABLES[n].zh if lang == "zh" else TABLES[n].en)
                                    if n in TABLES else str(n) for n in q["table"]],
        t("report.q.read", lang): _counts(q["rows_read"]),
        t("report.q.kept", lang): _counts(q["rows_kept"]),
        t("report.q.quarantined", lang): _counts(q["rows_quarantined"]),
        t("report.q.reasons", lang): [reasons(r) or "—" for _, r in q.iterrows()]})
    return Markdown(html.escape(note, quote=False)), table.set_index(table.columns[0])


def disclaimer(run: RunData, lang: str) -> Markdown:
    """The disclaimer, with crmkit's version and the parameters file's name and checksum."""
    from crmkit import __version__

    src = run.params.source_file
    digest = (hashlib.sha256(src.read_bytes()).hexdigest()[:12]
              if src is not None and src.is_file() else "—")
    text = t("report.disclaimer", lang).format(
        version=__version__, params=src.name if src is not None else "—", digest=digest,
        as_of=run.params.as_of)
    return Markdown(f"*{html.escape(text, quote=False)}*")


