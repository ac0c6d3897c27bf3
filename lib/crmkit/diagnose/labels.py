"""Chinese and English labels of the diagnose stage, registered with :mod:`crmkit.core.i18n`.

Keys live in their own namespaces so they cannot clash with other stages' labels:
``diag.col.<column>`` (table headers), ``diag.band.<kind>.<level>`` (value / satisfaction / risk /
churn bands), ``diag.nps.<class>``, ``diag.severity.<code>``, ``diag.kpi.<code>``,
``diag.card.<field>`` and ``diag.chart.<name>``.
"""

from __future__ import annotations

import numpy as np

from crmkit.core.i18n import LABELS, header, register, t

__all__ = ["DIAG_LABELS", "col_header", "band_label", "fmt_money", "fmt_value"]

DIAG_LABELS: dict[str, tuple[str, str]] = {
    # -- headers of the diagnostic table and the summaries ----------------------------------
    "diag.col.client_id": ("客户编号", "Client ID"),
    "diag.col.client_name": ("客户名称", "Client name"),
    "diag.col.relationship_manager": ("客户经理", "Relationship manager"),
    "diag.col.owner": ("负责人", "Owner"),
    "diag.col.industry": ("行业", "Industry"),
    "diag.col.region": ("地区", "Region"),
    "diag.col.lifecycle_stage": ("生命周期阶段", "Lifecycle stage"),
    "diag.col.tier": ("客户层级", "Tier"),
    "diag.col.segment": ("矩阵细分", "Matrix segment"),
    "diag.col.score": ("综合得分", "Composite score"),
    "diag.col.pd": ("违约概率", "PD"),
    "diag.col.grade": ("信用等级", "Grade"),
    "diag.col.risk": ("信用风险", "Credit risk"),
    "diag.col.exposure": ("敞口", "Exposure"),
    "diag.col.income": ("综合收益", "Income"),
    "diag.col.csat_latest": ("最新满意度", "Latest CSAT"),
    "diag.col.nps_latest": ("最新推荐值", "Latest NPS answer"),
    "diag.col.nps_class": ("推荐类别", "NPS class"),
    "diag.col.clv": ("风险调整客户价值", "Risk-adjusted CLV"),
    "diag.col.clv_at_risk": ("流失风险价值", "CLV at risk"),
    "diag.col.needs_fulfilled_share": ("需求满足率", "Needs met"),
    "diag.col.open_alerts": ("未结预警数", "Open alerts"),
    "diag.col.worst_severity": ("最高预警级别", "Worst alert"),
    "diag.col.churn_probability": ("流失概率", "Churn probability"),
    "diag.col.value_band": ("价值档", "Value band"),
    "diag.col.satisfaction_band": ("满意度档", "Satisfaction band"),
    "diag.col.risk_band": ("风险档", "Risk band"),
    "diag.col.churn_band": ("流失风险档", "Churn band"),
    "diag.col.strategy_id": ("策略编号", "Strategy ID"),
    "diag.col.strategy": ("建议策略", "Recommended strategy"),
    "diag.col.strategy_priority": ("策略优先级", "Strategy priority"),
    "diag.col.clients": ("客户数", "Clients"),
    "diag.col.mean_score": ("平均得分", "Mean score"),
    "diag.col.nps": ("净推荐值", "NPS"),
    "diag.col.csat_share": ("满意率", "CSAT (share 4-5)"),
    "diag.col.csat_mean": ("平均满意度", "Mean CSAT"),
    "diag.col.clv_sum": ("客户价值合计", "CLV total"),
    "diag.col.rank": ("序号", "Rank"),
    "diag.col.answers": ("答卷数", "Answers"),
    "diag.col.satisfied": ("满意数", "Satisfied"),
    "diag.col.respondents": ("受访客户", "Respondents"),
    "diag.col.promoters": ("推荐者", "Promoters"),
    "diag.col.passives": ("中立者", "Passives"),
    "diag.col.detractors": ("贬损者", "Detractors"),
    "diag.col.cohort": ("建立关系年份", "Onboarding cohort"),
    "diag.col.retained": ("留存客户", "Retained"),
    "diag.col.retention_rate": ("留存率", "Retention rate"),
    "diag.col.needs": ("需求数", "Needs"),
    "diag.col.fulfilled": ("已满足", "Fulfilled"),
    "diag.col.fulfilment_rate": ("需求满足率", "Fulfilment rate"),
    "diag.col.complaints": ("投诉数", "Complaints"),
    "diag.col.resolved": ("已解决", "Resolved"),
    "diag.col.unresolved": ("未解决", "Unresolved"),
    "diag.col.mean_days": ("平均解决天数", "Mean days to resolve"),
    "diag.col.median_days": ("解决天数中位数", "Median days to resolve"),
    "diag.col.margin": ("年度风险调整收益", "Yearly risk-adjusted margin"),
    "diag.col.interest_income": ("利息收入", "Interest income"),
    "diag.col.fee_income": ("费用收入", "Fee income"),
    "diag.col.funding_cost": ("资金成本", "Funding cost"),
    "diag.col.expected_loss": ("预期损失", "Expected loss"),
    "diag.col.lgd": ("违约损失率", "LGD"),
    "diag.col.retention": ("年留存率", "Yearly retention"),
    "diag.col.kpi": ("指标", "Indicator"),
    "diag.col.score_contribution": ("业务贡献得分", "Contribution score"),
    "diag.col.score_lifecycle": ("生命周期得分", "Lifecycle score"),
    "diag.col.score_credit": ("信用状况得分", "Credit score"),
    "diag.col.score_relationship": ("客户关系得分", "Relationship score"),
    "diag.col.score_risk_appetite": ("风险偏好得分", "Risk appetite score"),
    "diag.col.score_region_industry": ("区域与行业得分", "Region & industry score"),
    "diag.col.dominant_strategy_id": ("主要策略编号", "Main strategy ID"),
    "diag.col.dominant_strategy": ("主要策略", "Main strategy"),
    "diag.col.alert": ("主要预警", "Main alert"),
    "diag.col.tenure_years": ("合作年限", "Tenure (years)"),
    "diag.col.unresolved_complaints": ("未解决投诉", "Unresolved complaints"),
    "diag.col.group_name": ("所属集团", "Parent group"),
    "diag.col.severity": ("级别", "Severity"),
    "diag.col.message": ("内容", "Message"),
    "diag.col.rule": ("规则", "Rule"),
    "diag.col.action": ("行动", "Action"),
    "diag.col.due_date": ("完成期限", "Due date"),
    "diag.col.rule_name": ("预警规则", "Warning rule"),
    "diag.col.reason": ("预警原因", "Reason"),
    "diag.col.kind": ("事项类型", "Type"),
    "diag.col.title": ("事项", "Item"),
    "diag.col.detail": ("说明", "Detail"),
    "diag.col.value": ("数值", "Value"),
    # -- bands and classes ------------------------------------------------------------------
    "diag.band.value.high": ("高价值", "High value"),
    "diag.band.value.medium": ("中价值", "Medium value"),
    "diag.band.value.low": ("低价值", "Low value"),
    "diag.band.value.unknown": ("价值未知", "Value unknown"),
    "diag.band.satisfaction.high": ("满意度高", "High satisfaction"),
    "diag.band.satisfaction.medium": ("满意度中", "Medium satisfaction"),
    "diag.band.satisfaction.low": ("满意度低", "Low satisfaction"),
    "diag.band.satisfaction.unknown": ("满意度未知", "Satisfaction unknown"),
    "diag.col.ifrs9_stage": ("IFRS 9 阶段", "IFRS 9 stage"),
    "diag.col.risk_status": ("风险状态", "Risk status"),
    "diag.col.potential": ("高潜力客户", "High-potential client"),
    "diag.potential.high": ("是", "Yes"),
    "diag.potential.other": ("否", "No"),
    "diag.col.covenant_breach": ("违反契约", "Covenant breach"),
    "diag.col.ecl": ("预期信用损失", "Expected credit loss"),
    "diag.col.strategy_kind": ("策略类型", "Strategy type"),
    "diag.status.default": ("违约（不良）", "In default"),
    "diag.status.watch": ("关注名单", "Watch list"),
    "diag.status.elevated": ("风险偏高", "Elevated risk"),
    "diag.status.normal": ("正常", "Normal"),
    "diag.kind.workout": ("不良处置", "Workout"),
    "diag.kind.risk": ("风险管控", "Risk control"),
    "diag.kind.service": ("服务维护", "Service"),
    "diag.kind.value": ("价值提升", "Value growth"),
    "diag.stage.1": ("第一阶段", "Stage 1"),
    "diag.stage.2": ("第二阶段", "Stage 2"),
    "diag.stage.3": ("第三阶段", "Stage 3"),
    "diag.bool.True": ("是", "Yes"),
    "diag.bool.False": ("否", "No"),
    "diag.band.risk.high": ("高风险", "High risk"),
    "diag.band.risk.medium": ("中风险", "Medium risk"),
    "diag.band.risk.low": ("低风险", "Low risk"),
    "diag.band.risk.unknown": ("风险未知", "Risk unknown"),
    "diag.band.churn.high": ("流失风险高", "High churn risk"),
    "diag.band.churn.medium": ("流失风险中", "Medium churn risk"),
    "diag.band.churn.low": ("流失风险低", "Low churn risk"),
    "diag.band.churn.unknown": ("流失风险未知", "Churn risk unknown"),
    "diag.nps.promoter": ("推荐者", "Promoter"),
    "diag.nps.passive": ("中立者", "Passive"),
    "diag.nps.detractor": ("贬损者", "Detractor"),
    "diag.severity.critical": ("严重", "Critical"),
    "diag.severity.high": ("高", "High"),
    "diag.severity.medium": ("中", "Medium"),
    "diag.severity.low": ("低", "Low"),
    "diag.severity.info": ("提示", "Info"),
    "diag.all": ("全部", "All"),
    "diag.unit.yi": ("亿元", "CNY 100m"),
    "diag.unit.wan": ("万元", "CNY 10k"),
    "diag.unit.yuan": ("元", "CNY"),
    "diag.unit.days": ("{x:.1f} 天", "{x:.1f} days"),
    # -- headline figures -------------------------------------------------------------------
    "diag.kpi.clients": ("客户数", "Clients"),
    "diag.kpi.exposure": ("敞口合计", "Total exposure"),
    "diag.kpi.income": ("年综合收益", "Yearly income"),
    "diag.kpi.csat_share": ("满意率（4-5分占比）", "CSAT (share rating 4-5)"),
    "diag.kpi.csat_mean": ("平均满意度（1-5）", "Mean CSAT (1-5)"),
    "diag.kpi.nps": ("净推荐值 NPS", "Net promoter score"),
    "diag.kpi.retention_rate": ("客户留存率", "Client retention"),
    "diag.kpi.needs_fulfilment": ("需求满足率", "Needs fulfilment"),
    "diag.kpi.complaints": ("投诉数", "Complaints"),
    "diag.kpi.complaints_unresolved": ("未解决投诉", "Unresolved complaints"),
    "diag.kpi.resolution_days_mean": ("投诉平均解决天数", "Mean days to resolve a complaint"),
    "diag.kpi.resolution_days_median": ("投诉解决天数中位数",
                                        "Median days to resolve a complaint"),
    "diag.kpi.top_share": ("前{share}客户贡献占比", "Contribution of the top {share} of clients"),
    "diag.kpi.clv_total": ("风险调整客户价值合计", "Total risk-adjusted CLV"),
    "diag.kpi.open_alerts": ("未结预警", "Open alerts"),
    "diag.kpi.clients_with_alerts": ("有预警客户数", "Clients with alerts"),
    # -- client cards -----------------------------------------------------------------------
    "diag.card.title": ("客户360视图", "Client 360"),
    "diag.card.identity": ("基本信息", "Identity"),
    "diag.card.legal_rep": ("法定代表人", "Legal representative"),
    "diag.card.credit_code": ("统一社会信用代码", "Unified credit code"),
    "diag.card.business": ("业务与价值", "Business and value"),
    "diag.card.committed": ("授信合同金额", "Committed"),
    "diag.card.score": ("评分与分层", "Score and tier"),
    "diag.card.lifts": ("加分项", "Lifts"),
    "diag.card.drags": ("减分项", "Drags"),
    "diag.card.risk": ("风险", "Risk"),
    "diag.card.alerts": ("预警", "Alerts"),
    "diag.card.no_alerts": ("无未结预警", "No open alerts"),
    "diag.card.satisfaction": ("满意度与服务", "Satisfaction and service"),
    "diag.card.complaints_12m": ("近12月投诉", "Complaints (12m)"),
    "diag.card.strategy": ("建议策略", "Recommended strategy"),
    "diag.card.next_actions": ("下一步行动", "Next actions"),
    "diag.card.plans": ("已保存的融资方案", "Saved financing plans"),
    "diag.card.voice": ("客户声音（最近留言）", "What the client says (latest)"),
    "diag.voice.positive": ("正面", "positive"), "diag.voice.negative": ("负面", "negative"),
    "diag.voice.neutral": ("中性", "neutral"), "diag.voice.None": ("—", "—"),
    "diag.col.saved_plan": ("已保存方案", "Saved plan"),
    "diag.card.no_actions": ("暂无", "None"),
    "diag.card.as_of": ("数据日期", "As of"),
    "diag.card.points": ("分", "pts"),
    # -- charts ---------------------------------------------------------------------------
    "diag.chart.satisfaction.title": ("按{group}的客户满意度", "Satisfaction by {group}"),
    "diag.chart.nps.axis": ("净推荐值 NPS（-100 至 100）", "NPS (-100 to 100)"),
    "diag.chart.csat.axis": ("满意率（4-5分占比）", "CSAT (share rating 4-5)"),
    "diag.chart.n": ("n={n}", "n={n}"),
    "diag.chart.clv.title": ("各层级风险调整客户价值分布", "Risk-adjusted CLV by tier"),
    "diag.chart.clv.axis": ("风险调整客户价值（{unit}）", "Risk-adjusted CLV ({unit})"),
    "diag.chart.clv.note": ("箱体：四分位；竖线：5%-95%；◆：均值",
                            "Box: quartiles; whiskers: 5th-95th percentile; ◆: mean"),
    "diag.chart.retention.title": ("按建立关系年份的客户留存率", "Client retention by cohort"),
    "diag.chart.retention.axis": ("留存率", "Retention rate"),
    "diag.chart.retention.clients": ("客户数", "Clients"),
    "diag.chart.empty": ("没有可用数据", "No data available"),
}

register(DIAG_LABELS)


def col_header(column: str, lang: str) -> str:
    """Display header of a diagnose column: ``diag.col.<column>``, else :func:`i18n.header`."""
    key = f"diag.col.{column}"
    return t(key, lang) if key in LABELS else header(column, lang)


def band_label(kind: str, level: str, lang: str) -> str:
    """Label of a band level (``band_label("value", "high", "en") -> "High value"``)."""
    return t(f"diag.band.{kind}.{level}", lang)


def fmt_money(x: float, lang: str) -> str:
    """A yuan amount for display: ``12.3 亿元`` / ``CNY 1.2 bn``; NaN -> ``-``."""
    if x is None or not np.isfinite(x):
        return "-"
    if lang == "zh":
        for div, key in ((1e8, "diag.unit.yi"), (1e4, "diag.unit.wan")):
            if abs(x) >= div:
                return f"{x / div:,.1f} {t(key, lang)}"
        return f"{x:,.0f} {t('diag.unit.yuan', lang)}"
    for div, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= div:
            return f"CNY {x / div:,.1f} {unit}"
    return f"CNY {x:,.0f}"


def fmt_value(x: float, unit: str, lang: str) -> str:
    """Format a figure by unit: share (%), points, days, money, count or number."""
    if x is None or not np.isfinite(x):
        return "-"
    if unit == "share":
        return f"{x:.1%}"
    if unit == "money":
        return fmt_money(x, lang)
    if unit == "days":
        return t("diag.unit.days", lang).format(x=x)
    if unit == "count":
        return f"{x:,.0f}"
    if unit == "points":
        return f"{x:+.1f}"
    return f"{x:,.2f}"
