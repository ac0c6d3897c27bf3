"""The default early-warning rules (every threshold can be overridden by id in the YAML).

Inclusive / exclusive edges, as the tests check them: ``<`` and ``>`` exclude the threshold
(DSCR exactly 1.10 does not fire ``dscr_below_110``), ``<=``, ``>=`` and ``==`` include it
(exactly 30 days past due fires ``dpd_30``); the DSCR lock-up band is ``1.10 <= dscr < 1.25``
and the maturity window ``0 <= days_to_maturity <= 90``.
"""

from __future__ import annotations

from typing import Any

from crmkit.params.warning_rule import LocalText, WarningRule

__all__ = ["default_rules", "DEFAULT_RULES"]


def _r(id: str, metric: str, op: str, threshold: float | tuple[float, float], severity: str,
       name: tuple[str, str], message: tuple[str, str], **kw: Any) -> WarningRule:
    return WarningRule(id=id, metric=metric, op=op, threshold=threshold, severity=severity,
                       name=LocalText(zh=name[0], en=name[1]),
                       message=LocalText(zh=message[0], en=message[1]), **kw)


def default_rules() -> list[WarningRule]:
    """The default rule set (a fresh copy; every threshold can be overridden by id)."""
    return [
        _r("dscr_lockup", "dscr", "between", (1.10, 1.25), "medium",
           ("DSCR 锁定区间", "DSCR lock-up band"),
           ("偿债覆盖率 {value:.2f} 处于锁定区间 [{lower:.2f}, {upper:.2f})："
            "限制分红，加强现金流监测",
            "DSCR {value:.2f} in the lock-up band [{lower:.2f}, {upper:.2f}): distributions "
            "locked up; monitor cash flow"), group="dscr"),
        _r("dscr_below_110", "dscr", "<", 1.10, "high",
           ("DSCR 低于 1.10", "DSCR below 1.10"),
           ("偿债覆盖率 {value:.2f} 低于 {threshold:.2f}，还款能力承压",
            "DSCR {value:.2f} below {threshold:.2f}: debt service under strain"), group="dscr"),
        _r("dscr_below_100", "dscr", "<", 1.00, "critical",
           ("DSCR 低于 1.0（违反契约）", "DSCR below 1.0 (covenant breach)"),
           ("偿债覆盖率 {value:.2f} 低于 {threshold:.2f}：经营现金流不足以偿债，构成契约违约",
            "DSCR {value:.2f} below {threshold:.2f}: cash flow does not cover debt service; "
            "covenant default"), group="dscr"),
        _r("llcr_below_covenant", "llcr", "<", 1.20, "high",
           ("LLCR 低于契约", "LLCR below covenant"),
           ("贷款期偿债覆盖率 {value:.2f} 低于契约要求 {threshold:.2f}",
            "LLCR {value:.2f} below the covenant of {threshold:.2f}")),
        _r("leverage_high", "debt_to_assets", ">", 0.75, "high",
           ("资产负债率过高", "Leverage above limit"),
           ("资产负债率 {value:.1%} 高于上限 {threshold:.0%}",
            "Debt to assets {value:.1%} above the limit of {threshold:.0%}")),
        _r("dpd_30", "dpd_current", ">=", 30, "high",
           ("逾期 30 天以上", "30+ days past due"),
           ("当前逾期 {value:.0f} 天（≥ {threshold:.0f} 天），需催收并核实原因",
            "{value:.0f} days past due (>= {threshold:.0f}): collect and find the cause"),
           group="dpd"),
        _r("dpd_90", "dpd_current", ">=", 90, "critical",
           ("逾期 90 天以上", "90+ days past due"),
           ("当前逾期 {value:.0f} 天（≥ {threshold:.0f} 天）：不良认定，启动处置",
            "{value:.0f} days past due (>= {threshold:.0f}): non-performing; start workout"),
           group="dpd"),
        _r("score_drop", "score_change", "<=", -10, "medium",
           ("评分下降", "Score drop"),
           ("综合得分较上期下降 {value:.1f} 分（阈值 {threshold:.0f}）",
            "Composite score changed by {value:.1f} points since the last run (limit "
            "{threshold:.0f})"), group="rating"),
        _r("tier_downgrade", "tier_downgrade", "==", 1, "medium",
           ("层级下调", "Tier downgrade"),
           ("客户层级较上期下调", "Client tier downgraded since the last run"),
           group="rating"),
        _r("csat_drop", "csat_change", "<=", -2, "medium",
           ("满意度下降", "CSAT drop"),
           ("满意度较上次调查下降 {value:.0f} 分", "CSAT changed by {value:.0f} since the "
                                                 "previous survey"), group="satisfaction"),
        _r("nps_detractor", "nps_latest", "<=", 4, "low",
           ("NPS 强烈贬损者", "NPS strong detractor"),
           ("最近一次推荐意愿 {value:.0f} 分（≤ {threshold:.0f}，强烈贬损者）",
            "Latest NPS score {value:.0f} (<= {threshold:.0f}: strong detractor)"),
           group="satisfaction"),
        _r("complaint_open", "oldest_open_complaint_days", ">", 30, "high",
           ("投诉超期未解决", "Complaint unresolved"),
           ("投诉已 {value:.0f} 天未解决（超过 {threshold:.0f} 天）",
            "Complaint unresolved for {value:.0f} days (over {threshold:.0f})")),
        _r("milestone_delay_90", "open_milestone_delay_days", ">", 90, "high",
           ("项目里程碑严重延误", "Milestone delay over 90 days"),
           ("项目里程碑延误 {value:.0f} 天（超过 {threshold:.0f} 天）",
            "Project milestone {value:.0f} days late (over {threshold:.0f})"),
           group="milestone"),
        _r("milestone_delay_30", "open_milestone_delay_days", ">", 30, "medium",
           ("项目里程碑延误", "Milestone delay over 30 days"),
           ("项目里程碑延误 {value:.0f} 天（超过 {threshold:.0f} 天）",
            "Project milestone {value:.0f} days late (over {threshold:.0f})"),
           group="milestone"),
        _r("milestone_delay_share", "milestone_delay_share", ">", 0.2, "medium",
           ("里程碑延误超计划工期比例", "Milestone delay beyond share of plan"),
           ("里程碑延误达计划工期的 {value:.0%}（超过 {threshold:.0%}）",
            "Milestone delay is {value:.0%} of its planned duration (over {threshold:.0%})"),
           group="milestone"),
        _r("maturity_90d", "days_to_maturity", "between", (0, 90), "medium",
           ("90 天内到期（再融资）", "Maturity within 90 days (refinancing)"),
           ("业务 {facility_id} 将于 {value:.0f} 天后到期：提前安排续贷或再融资",
            "Facility {facility_id} matures in {value:.0f} days: arrange renewal or "
            "refinancing"), level="facility", inclusive="both", enabled=False),
        _r("churn_risk", "churn_probability", ">=", 0.5, "medium",
           ("流失风险", "Churn risk"),
           ("流失概率 {value:.0%}（≥ {threshold:.0%}），安排客户回访",
            "Churn probability {value:.0%} (>= {threshold:.0%}): schedule a retention visit")),
        # large exposures (CBIRC 2018): the metric is exposure / limit; the limit itself (a
        # share of tier-1 capital) is in the limits: section, so the two never drift apart
        _r("large_exposure_client", "client_limit_use", ">", 1.0, "high",
           ("单一客户大额风险暴露超限", "Single-client large-exposure limit breached"),
           ("风险暴露达到单一客户限额的 {value:.0%}（不得超过 {threshold:.0%}）：压降敞口或报批",
            "Exposure is {value:.0%} of the single-client limit (at most {threshold:.0%}): "
            "reduce it or seek approval")),
        _r("large_exposure_group", "group_limit_use", ">", 1.0, "high",
           ("集团客户大额风险暴露超限", "Group large-exposure limit breached"),
           ("所属集团风险暴露达到集团限额的 {value:.0%}（不得超过 {threshold:.0%}）："
            "统筹压降集团授信",
            "The group's exposure is {value:.0%} of the group limit (at most {threshold:.0%}): "
            "reduce the group's facilities")),
    ]


#: The default rules (see :func:`default_rules` for a fresh copy).
DEFAULT_RULES: tuple[WarningRule, ...] = tuple(default_rules())
