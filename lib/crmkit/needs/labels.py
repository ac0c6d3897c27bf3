"""Chinese and English labels of the needs stage, registered with :mod:`crmkit.core.i18n`.

Namespaces: ``needs.module.<need_type>`` (the need modules of the relationship map: 中长期贷款,
流动资金贷款 ...), ``needs.cause.<cause>``, ``needs.col.<column>``, ``needs.component.<name>``
(high-potential score parts), ``needs.reason.<name>`` (reason phrases with ``str.format``
fields), ``needs.status.<risk status>`` and ``needs.metric.<name>`` (backtest figures).
"""

from __future__ import annotations

from crmkit.core.i18n import register, t
from crmkit.core.units import amount_text

__all__ = ["NEEDS_LABELS", "module_label", "cause_label", "fmt_amount"]

NEEDS_LABELS: dict[str, tuple[str, str]] = {
    # -- need modules: what the client will ask for ----------------------------------------
    "needs.module.new_loan": ("中长期贷款", "Long-term loan"),
    "needs.module.refinancing": ("续贷/再融资", "Refinancing"),
    "needs.module.working_capital": ("流动资金贷款", "Working-capital loan"),
    "needs.module.fx_hedging": ("汇率避险", "FX hedging"),
    "needs.module.cash_management": ("现金管理", "Cash management"),
    "needs.module.advisory": ("财务顾问", "Advisory"),
    "needs.module.guarantee": ("保函", "Guarantee"),
    "needs.module.trade_finance": ("贸易融资", "Trade finance"),
    # -- causes ----------------------------------------------------------------------------
    "needs.cause.refinancing": ("贷款到期续作", "Facility maturing"),
    "needs.cause.project_capex": ("项目新阶段资本支出", "Next project phase capex"),
    "needs.cause.seasonal_working_capital": ("季节性流动资金", "Seasonal working capital"),
    "needs.cause.growth": ("营收增长", "Revenue growth"),
    # -- columns ---------------------------------------------------------------------------
    "needs.col.client_id": ("客户编号", "Client ID"),
    "needs.col.need_type": ("需求模块", "Need module"),
    "needs.col.amount": ("预计金额", "Expected amount"),
    "needs.col.window_start": ("预计提出起", "Expected from"),
    "needs.col.window_end": ("预计提出止", "Expected by"),
    "needs.col.days_until": ("距需求天数", "Days until the need"),
    "needs.col.cause": ("需求原因", "Cause"),
    "needs.col.probability": ("发生概率", "Probability"),
    "needs.col.p_horizon": ("窗口内发生概率", "Probability within the window"),
    "needs.col.score": ("潜力得分", "Potential score"),
    "needs.col.rank": ("排名", "Rank"),
    "needs.col.reasons": ("主要原因", "Main reasons"),
    "needs.col.risk_status": ("风险状态", "Risk status"),
    "needs.col.recommended": ("推荐增长", "Recommended for growth"),
    "needs.col.client_name": ("客户名称", "Client name"),
    "needs.col.amount_wan": ("预计金额（万元）", "Expected amount (CNY 10k)"),
    "needs.col.window": ("预计提出时间", "Expected window"),
    "needs.col.probability_pct": ("发生概率（%）", "Probability (%)"),
    "needs.col.p_horizon_pct": ("窗口内概率（%）", "Within the window (%)"),
    "needs.col.figure": ("指标", "Figure"),
    "needs.yes": ("是", "Yes"),
    "needs.no": ("否", "No"),
    # -- high-potential components ---------------------------------------------------------
    "needs.component.growth": ("成长性", "Growth"),
    "needs.component.needs": ("融资需求", "Financing needs"),
    "needs.component.product_gap": ("产品缺口", "Product gap"),
    "needs.component.headroom": ("风险空间", "Risk headroom"),
    # -- reason phrases --------------------------------------------------------------------
    "needs.reason.growth": ("营收增长{value}", "revenue up {value}"),
    "needs.reason.needs": ("预计{cause}需求{amount}", "expected need of {amount} ({cause})"),
    "needs.reason.unmet": ("未满足需求{amount}", "unmet requests of {amount}"),
    "needs.reason.product_gap": ("同业常用而未持有：{products}",
                                 "peers hold, the client lacks: {products}"),
    "needs.reason.headroom": ("风险空间充足", "ample risk headroom"),
    "needs.reason.gated": ("未通过风险门槛（{status}），不推荐增长",
                           "fails the risk gates ({status}): no growth recommendation"),
    "needs.reason.sep": ("；", "; "),
    "needs.reason.list_sep": ("、", ", "),
    # -- risk statuses ---------------------------------------------------------------------
    "needs.status.default": ("违约", "in default"),
    "needs.status.watch": ("关注", "on watch"),
    "needs.status.elevated": ("风险偏高", "elevated risk"),
    "needs.status.normal": ("正常", "normal"),
    # -- charts ----------------------------------------------------------------------------
    "needs.chart.backtest": ("回测：{as_of} 起 {days} 天内有无融资需求",
                             "Backtest: a financing need within {days} days of {as_of}"),
    "needs.chart.by_month": ("预计融资需求（按月、按原因，概率加权）",
                             "Expected financing needs by month and cause (probability-weighted)"),
    "needs.chart.expected_yi": ("预计金额（亿元）", "Expected amount (CNY m)"),
    "needs.chart.none": ("没有预计的融资需求", "No expected financing need"),
    # -- backtest figures ------------------------------------------------------------------
    "needs.metric.precision": ("精确率", "Precision"),
    "needs.metric.recall": ("召回率", "Recall"),
    "needs.metric.f1": ("F1 值", "F1"),
    "needs.metric.mae": ("金额平均绝对误差（万元）", "Amount MAE (CNY 10k)"),
    "needs.metric.tp": ("命中", "True positives"),
    "needs.metric.fp": ("误报", "False positives"),
    "needs.metric.fn": ("漏报", "Missed"),
    "needs.metric.model": ("预测模型", "Forecast"),
    "needs.metric.baseline": ("基准（去年同期）", "Baseline (same window last year)"),
}
register(NEEDS_LABELS)


def module_label(need_type: str, lang: str) -> str:
    """The need module's name (``new_loan`` -> 中长期贷款)."""
    return t(f"needs.module.{need_type}", lang)


def cause_label(cause: str, lang: str) -> str:
    """The cause's name (``refinancing`` -> 贷款到期续作)."""
    return t(f"needs.cause.{cause}", lang)


def fmt_amount(yuan: float, lang: str) -> str:
    """Money for a sentence: 亿元 from 100 million, else 万元 (CNY bn / CNY m in English)."""
    return amount_text(yuan, lang)
