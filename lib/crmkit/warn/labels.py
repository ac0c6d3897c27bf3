"""Labels of the warning stage in Chinese and English, registered into :mod:`crmkit.core.i18n`.

Keys live under ``warn.`` so they never collide with other stages' labels:
``warn.col.<column>`` (headers of the alert, staging and action-plan tables),
``warn.severity.<level>``, ``warn.stage.<n>``, ``warn.reason.<code>`` (staging reasons),
``warn.note.<kind>`` (data-quality notes), ``warn.kind.<kind>`` / ``warn.title.<kind>`` /
``warn.detail.<kind>`` (action-plan items). Templates use ``str.format`` fields.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from crmkit.core.i18n import LABELS, check_lang, header, register, t

__all__ = ["WARNING_LABELS", "warn_header", "display_frame"]

WARNING_LABELS: dict[str, tuple[str, str]] = {
    # -- column headers --------------------------------------------------------------------
    "warn.col.client_id": ("客户编号", "Client ID"),
    "warn.col.client_name": ("客户名称", "Client name"),
    "warn.col.facility_id": ("业务编号", "Facility ID"),
    "warn.col.rule_id": ("规则编号", "Rule ID"),
    "warn.col.rule_name": ("预警规则", "Rule"),
    "warn.col.level": ("层级", "Level"),
    "warn.col.metric": ("指标", "Metric"),
    "warn.col.value": ("指标值", "Value"),
    "warn.col.threshold": ("阈值", "Threshold"),
    "warn.col.threshold_upper": ("阈值上限", "Upper threshold"),
    "warn.col.severity": ("严重程度", "Severity"),
    "warn.col.reason": ("预警原因", "Reason"),
    "warn.col.owner": ("客户经理", "Relationship manager"),
    "warn.col.due_date": ("应办日期", "Due date"),
    "warn.col.tier": ("客户层级", "Tier"),
    "warn.col.group": ("规则组", "Rule group"),
    "warn.col.date": ("日期", "Date"),
    "warn.col.kind": ("事项类型", "Kind"),
    "warn.col.title": ("事项", "Title"),
    "warn.col.detail": ("说明", "Detail"),
    "warn.col.ref": ("关联", "Reference"),
    "warn.col.uid": ("日历编号", "Calendar UID"),
    "warn.col.stage": ("减值阶段", "IFRS 9 stage"),
    "warn.col.stage_reason": ("分阶段原因", "Stage reason"),
    "warn.col.reason_codes": ("原因代码", "Reason codes"),
    "warn.col.pd_now": ("当前违约概率", "PD now"),
    "warn.col.pd_origination": ("发放时违约概率", "PD at origination"),
    "warn.col.pd_origination_source": ("发放时 PD 来源", "Origination PD source"),
    "warn.col.pd_ratio": ("PD 倍数", "PD ratio"),
    "warn.col.pd_change": ("PD 变动", "PD change"),
    "warn.col.sicr": ("信用风险显著增加", "SICR"),
    "warn.col.dpd_current": ("当前逾期天数", "Days past due"),
    "warn.col.status": ("状态", "Status"),
    "warn.col.product": ("产品类型", "Product"),
    "warn.col.kind_note": ("问题类型", "Problem"),
    "warn.col.n_missing": ("缺失数", "Missing"),
    "warn.col.n_rows": ("总数", "Rows"),
    "warn.col.share_missing": ("缺失占比", "Share missing"),
    "warn.col.note": ("说明", "Note"),
    "warn.col.alerts": ("预警数", "Alerts"),
    "warn.col.clients": ("客户数", "Clients"),
    "warn.col.first_due": ("最早应办日期", "First due date"),
    "warn.col.critical": ("严重", "Critical"),
    "warn.col.high": ("高", "High"),
    "warn.col.medium": ("中", "Medium"),
    "warn.col.low": ("低", "Low"),
    "warn.col.info": ("提示", "Info"),
    "warn.col.facilities": ("业务数", "Facilities"),
    "warn.col.exposure": ("敞口", "Exposure"),
    "warn.col.share": ("占比", "Share"),
    # -- severities and stages -------------------------------------------------------------
    "warn.severity.critical": ("严重", "Critical"),
    "warn.severity.high": ("高", "High"),
    "warn.severity.medium": ("中", "Medium"),
    "warn.severity.low": ("低", "Low"),
    "warn.severity.info": ("提示", "Info"),
    "warn.unassigned": ("未分配", "Unassigned"),
    "warn.level.client": ("客户", "Client"),
    "warn.level.facility": ("业务", "Facility"),
    "warn.stage.1": ("第一阶段（正常）", "Stage 1 (performing)"),
    "warn.stage.2": ("第二阶段（信用风险显著增加）",
                     "Stage 2 (significant increase in credit risk)"),
    "warn.stage.3": ("第三阶段（已发生信用减值）", "Stage 3 (credit-impaired)"),
    # -- staging reasons (codes in reason_codes) ---------------------------------------------
    "warn.reason.dpd_stage3": ("逾期 ≥ {stage3_dpd} 天", "{stage3_dpd}+ days past due"),
    "warn.reason.status_default": ("业务状态为违约", "facility status is default"),
    "warn.reason.obligor_default": ("同一客户其他业务已信用减值",
                                    "another facility of the client is credit-impaired"),
    "warn.reason.dpd_stage2": ("逾期 ≥ {stage2_dpd} 天", "{stage2_dpd}+ days past due"),
    "warn.reason.sicr_pd": (
        "信用风险显著增加：当前 PD ≥ 发放时 {sicr_ratio:g} 倍且上升 ≥ {sicr_pp:g} 个百分点",
        "significant increase in credit risk: PD now >= {sicr_ratio:g}x PD at origination and "
        "up >= {sicr_pp:g} pp"),
    "warn.reason.watch_status": ("业务状态为重组或关注", "facility restructured / watch status"),
    "warn.reason.watchlist": ("列入关注名单", "on the watch-list"),
    "warn.reason.performing": ("正常履约", "performing"),
    "warn.reason.no_pd_origination": (
        "无发放时 PD，未评估违约概率显著上升，仅按逾期和状态判断",
        "no PD at origination: SICR by PD not assessable; only the days-past-due and status "
        "backstops apply"),
    "warn.reason.no_pd_now": (
        "无当前 PD，未评估违约概率显著上升，仅按逾期和状态判断",
        "no current PD: SICR by PD not assessable; only the days-past-due and status "
        "backstops apply"),
    "warn.reason.sep": ("；", "; "),
    # -- data-quality notes ----------------------------------------------------------------
    "warn.note.missing_values": ("{n} 个{unit}缺少指标 {metric}，规则 {rule} 未对其评估",
                                 "{n} {unit} lack metric {metric}; rule {rule} was not "
                                 "evaluated for them"),
    "warn.note.missing_column": ("指标列 {metric} 不存在，规则 {rule} 未执行：请提供该列（如通过 "
                                 "extra 传入）或停用该规则",
                                 "metric column {metric} does not exist, so rule {rule} was not "
                                 "run: provide the column (e.g. via extra) or disable the rule"),
    "warn.note.not_numeric": ("指标列 {metric} 不是数值（{dtype}），规则 {rule} 未执行",
                              "metric column {metric} is not numeric ({dtype}), so rule {rule} "
                              "was not run"),
    "warn.note.no_facility_metrics": ("未提供业务层指标，业务层规则 {rule} 未执行",
                                      "no facility metrics given, so facility rule {rule} was "
                                      "not run"),
    "warn.unit.client": ("客户", "clients"),
    "warn.unit.facility": ("业务", "facilities"),
    # -- action plan -----------------------------------------------------------------------
    "warn.kind.alert": ("预警跟进", "Alert follow-up"),
    "warn.kind.maturity": ("业务到期", "Maturity"),
    "warn.kind.covenant_test": ("财务契约测试", "Covenant test"),
    "warn.kind.annual_review": ("年度审查", "Annual review"),
    "warn.kind.anniversary": ("合作周年", "Anniversary"),
    "warn.title.alert": ("预警：{rule}", "Alert: {rule}"),
    "warn.title.maturity": ("业务到期：{product}", "Facility maturity: {product}"),
    "warn.title.covenant_test": ("财务契约测试", "Financial covenant test"),
    "warn.title.annual_review": ("年度授信审查", "Annual credit review"),
    "warn.title.anniversary": ("合作 {years} 周年", "{years}-year relationship anniversary"),
    "warn.detail.alert_facility": ("业务 {facility_id}：{reason}", "Facility {facility_id}: "
                                                                   "{reason}"),
    "warn.detail.maturity": ("业务 {facility_id} 于 {date} 到期，余额 {balance}：安排续贷或再融资",
                             "Facility {facility_id} matures on {date}, balance {balance}: "
                             "arrange renewal or refinancing"),
    "warn.detail.covenant_test": ("测试日 {date}：复核 {facilities} 的财务契约（DSCR、LLCR、"
                                  "资产负债率）",
                                  "Test date {date}: check the financial covenants (DSCR, LLCR, "
                                  "leverage) of {facilities}"),
    "warn.detail.annual_review": ("合作满 {years} 年：年度授信审查与评级更新",
                                  "{years} years of relationship: annual credit review and "
                                  "rating update"),
    "warn.detail.anniversary": ("自 {onboarding} 建立合作关系，可安排高层拜访",
                                "Client since {onboarding}; consider a senior visit"),
    "warn.money": ("{wan:,.0f} 万元", "CNY {m:,.1f}m"),
    "warn.money.missing": ("未知", "unknown"),
}
register(WARNING_LABELS)


def warn_header(column: str, lang: str) -> str:
    """Display header of a warning-stage column (falls back to :func:`crmkit.core.i18n.header`)."""
    key = f"warn.col.{column}"
    return t(key, lang) if key in LABELS else header(column, lang)


def display_frame(df: pd.DataFrame, lang: str, *, columns: Iterable[str] | None = None
                  ) -> pd.DataFrame:
    """A copy of ``df`` for display: severity / stage / kind codes as labels, headers in ``lang``.

    The index is kept as a column; ``columns`` picks and orders columns (default: all).
    """
    check_lang(lang)
    out = df.reset_index() if df.index.name is not None else df.copy()
    if columns is not None:
        out = out[list(columns)]
    codes = {"severity": "warn.severity", "kind": "warn.kind", "level": "warn.level",
             "stage": "warn.stage"}
    for col, ns in codes.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, ns=ns: v if pd.isna(v) else t(f"{ns}.{v}", lang))
    return out.rename(columns={c: warn_header(c, lang) for c in out.columns})
