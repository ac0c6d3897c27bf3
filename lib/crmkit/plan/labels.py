"""Labels (zh, en) of the plan designer: schedule columns, figures, profiles, outcomes."""

from __future__ import annotations

from crmkit.core.i18n import register, t

__all__ = ["PLAN_LABELS", "profile_label", "column_label"]

PLAN_LABELS: dict[str, tuple[str, str]] = {
    "plan.col.period": ("期次", "Period"),
    "plan.col.date": ("日期", "Date"),
    "plan.col.rate": ("年利率", "Rate"),
    "plan.col.drawdown": ("提款", "Drawdown"),
    "plan.col.opening": ("期初余额", "Opening balance"),
    "plan.col.interest": ("利息", "Interest"),
    "plan.col.principal": ("本金", "Principal"),
    "plan.col.debt_service": ("本息合计", "Debt service"),
    "plan.col.fees": ("费用", "Fees"),
    "plan.col.closing": ("期末余额", "Closing balance"),
    "plan.col.cfads": ("可偿债现金流", "CFADS"),
    "plan.col.other_debt_service": ("其他债务本息", "Other debt service"),
    "plan.col.llcr": ("贷款期偿债覆盖率", "LLCR"),
    "plan.col.outcome": ("结果", "Outcome"),
    "plan.col.cases": ("案例数", "Cases"),
    "plan.col.weighted_share": ("相似度加权占比", "Similarity-weighted share"),
    "plan.months": ("个月", "months"),
    "plan.similarity": ("相似度", "similarity"),
    "plan.schedule": ("还款计划", "Repayment schedule"),
    "plan.figures": ("方案关键指标", "Key figures of the plan"),
    "plan.pricing": ("风险调整收益（RAROC）", "Risk-adjusted return (RAROC)"),
    "plan.cases": ("相似案例", "Similar cases"),
    "plan.mix": ("相似案例的结果分布", "Outcomes of the similar cases"),
    "plan.dscr_chart": ("偿债覆盖率与约束条款", "DSCR against the covenant"),
    "plan.covenant": ("约束条款 DSCR {value:.2f}", "Covenant DSCR {value:.2f}"),
    "plan.target": ("目标 DSCR {value:.2f}", "Target DSCR {value:.2f}"),
    "plan.saved": ("已保存方案 {path}", "Plan saved to {path}"),
    "plan.client": ("客户", "Client"),
    "plan.no_cases": ("没有可比案例", "No comparable cases"),
    "plan.card": ("已存方案 {n}：{amount} · {tenor} 个月 · {profile} · 最低DSCR {dscr} · "
                  "RAROC {raroc}", "Saved plan {n}: {amount} · {tenor} months · {profile} · "
                  "min DSCR {dscr} · RAROC {raroc}"),
    # figures (summary and pricing keys)
    "fig.amount": ("金额", "Amount"),
    "fig.total_interest": ("利息合计", "Total interest"),
    "fig.total_fees": ("费用合计", "Total fees"),
    "fig.total_debt_service": ("本息合计", "Total debt service"),
    "fig.average_life_years": ("平均期限(年)", "Average life (years)"),
    "fig.average_balance": ("平均余额", "Average balance"),
    "fig.first_rate": ("首期利率", "First-period rate"),
    "fig.min_dscr": ("最低 DSCR", "Minimum DSCR"),
    "fig.avg_dscr": ("平均 DSCR", "Average DSCR"),
    "fig.llcr": ("LLCR", "LLCR"),
    "fig.covenant_dscr": ("约束条款 DSCR", "Covenant DSCR"),
    "fig.covenant_headroom": ("条款余量（现金流可下降）", "Covenant headroom (CFADS may fall)"),
    "fig.periods_below_covenant": ("低于条款的期数", "Periods below covenant"),
    "fig.target_dscr": ("目标 DSCR", "Target DSCR"),
    "fig.debt_capacity": ("目标 DSCR 下的最大贷款额", "Debt capacity at target DSCR"),
    "fig.pd": ("违约概率 PD", "Probability of default"),
    "fig.lgd": ("违约损失率 LGD", "Loss given default"),
    "fig.risk_weight": ("风险权重", "Risk weight"),
    "fig.interest_income": ("利息收入/年", "Interest income / year"),
    "fig.fee_income": ("费用收入/年", "Fee income / year"),
    "fig.funding_cost": ("资金成本/年", "Funding cost / year"),
    "fig.operating_cost": ("运营成本/年", "Operating cost / year"),
    "fig.expected_loss": ("预期损失/年", "Expected loss / year"),
    "fig.capital": ("占用资本", "Capital"),
    "fig.pre_tax_profit": ("税前利润/年", "Pre-tax profit / year"),
    "fig.net_profit": ("税后利润/年", "Net profit / year"),
    "fig.raroc": ("RAROC", "RAROC"),
    "fig.hurdle_rate": ("最低资本回报率", "Hurdle rate"),
    "fig.capital_charge": ("资本成本/年", "Capital charge / year"),
    "fig.economic_profit": ("经济利润/年", "Economic profit / year"),
    "fig.break_even_rate": ("达标所需利率", "Rate that meets the hurdle"),
    "fig.meets_hurdle": ("是否达标", "Meets the hurdle"),
}
register(PLAN_LABELS)


def profile_label(profile: str, lang: str = "zh") -> str:
    """The name of a repayment profile (等额本息 / Annuity ...)."""
    from crmkit.plan.case_file import STRUCTURES

    pair = STRUCTURES.get(profile)
    return pair[0 if lang == "zh" else 1] if pair else t(profile, lang)


def column_label(column: str, lang: str = "zh") -> str:
    """Header of a plan table column: ``plan.col.<column>``, else the kit's ``col.<column>``."""
    key = f"plan.col.{column}"
    return t(key, lang) if t(key, lang) != key else t(f"col.{column}", lang)
