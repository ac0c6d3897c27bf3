"""The relate stage's labels (中文, English), registered with :mod:`crmkit.core.i18n`."""

from __future__ import annotations

from crmkit.core.i18n import register

__all__ = ["RELATE_LABELS"]

RELATE_LABELS: dict[str, tuple[str, str]] = {
    "relate.group.controlled": ("{name}（控股关联）", "{name} (controlled companies)"),
    "relate.group.standalone": ("独立客户", "Stand-alone clients"),
    "relate.group.others": ("其他集团", "Other groups"),
    "relate.others": ("其他 {n} 户", "{n} others"),
    "relate.others_legend": ("合并的小客户", "Smaller clients, combined"),
    "relate.level.client": ("单一客户", "Single client"),
    "relate.level.group": ("集团客户", "Group"),
    "relate.dim.client": ("客户", "Client"),
    "relate.dim.group": ("集团", "Group"),
    "relate.dim.industry": ("行业", "Industry"),
    "relate.dim.region": ("地区", "Region"),
    "relate.breach.yes": ("超限", "Breach"),
    "relate.breach.no": ("未超限", "Within limit"),
    "relate.no_capital": ("未设置一级资本净额，大额风险暴露限额未评估",
                          "Tier-1 capital is not set: the large-exposure limits are not assessed"),
    "relate.card.members": ("同集团其他成员", "Other members of this group"),
    # -- urgency bands of the need modules --------------------------------------------------
    "relate.urgency.overdue": ("已逾期", "Overdue"),
    "relate.urgency.within": ("{lo}–{hi} 天内", "In {lo}–{hi} days"),
    "relate.urgency.first": ("{hi} 天内", "Within {hi} days"),
    "relate.urgency.later": ("{lo} 天以后", "After {lo} days"),
    "relate.urgency.unknown": ("时间未知", "Date unknown"),
    "relate.urgency.title": ("需求紧迫度", "Urgency of the need"),
    # -- charts -----------------------------------------------------------------------------
    "relate.chart.treemap": ("客户关系树图：集团 → 客户 → 需求模块（面积 = 金额，颜色 = 紧迫度）",
                             "Relationship map: group → client → need "
                             "(area = amount, colour = urgency)"),
    "relate.chart.empty": ("窗口内没有融资需求", "No financing need in the window"),
    "relate.chart.window": ("需求窗口：{days} 天内（含已逾期）",
                            "Needs due within {days} days (overdue included)"),
    "relate.chart.hhi": ("集中度（HHI）", "Concentration (HHI)"),
    "relate.chart.limits": ("大额风险暴露：限额使用率", "Large exposures: use of the limit"),
    "relate.chart.limit_line": ("限额", "Limit"),
    "relate.chart.use": ("占限额比例", "Share of the limit"),
    "relate.source.forecast": ("需求预测", "need forecast"),
    "relate.source.open": ("未满足的客户需求（需求预测尚不可用）",
                           "open client requests (the need forecast is not available yet)"),
    # -- table headers ----------------------------------------------------------------------
    "relate.col.group_name": ("集团", "Group"),
    "relate.col.members": ("成员数", "Members"),
    "relate.col.member_names": ("成员", "Members (names)"),
    "relate.col.direct_exposure": ("直接敞口（亿元）", "Direct exposure (CNY m)"),
    "relate.col.guarantees_given": ("对外担保（亿元）", "Guarantees given (CNY m)"),
    "relate.col.guarantees_inside": ("集团内担保，不重复计（亿元）",
                                     "Guarantees inside the group, not added (CNY m)"),
    "relate.col.guarantees_outside": ("为集团外担保（亿元）",
                                      "Guarantees to outsiders (CNY m)"),
    "relate.col.exposure": ("风险暴露（亿元）", "Exposure (CNY m)"),
    "relate.col.worst_grade": ("最差评级", "Worst grade"),
    "relate.col.worst_stage": ("最差阶段（IFRS 9）", "Worst stage (IFRS 9)"),
    "relate.col.level": ("口径", "Level"),
    "relate.col.name": ("名称", "Name"),
    "relate.col.limit": ("限额（亿元）", "Limit (CNY m)"),
    "relate.col.utilisation": ("限额使用率（%）", "Use of the limit (%)"),
    "relate.col.headroom": ("剩余额度（亿元）", "Headroom (CNY m)"),
    "relate.col.breach": ("是否超限", "Breach"),
    "relate.col.dimension": ("维度", "Dimension"),
    "relate.col.units": ("个数", "Units"),
    "relate.col.hhi": ("HHI", "HHI"),
    "relate.col.effective_number": ("等效个数（1/HHI）", "Effective number (1/HHI)"),
    "relate.col.largest_share": ("最大占比（%）", "Largest share (%)"),
    "relate.col.top_share": ("前五占比（%）", "Top-five share (%)"),
    "relate.col.share_of_tier1": ("占一级资本（%）", "Share of tier-1 capital (%)"),
    "relate.breaches": ("超限：{n} 个（单一客户 {c}，集团 {g}）",
                        "Breaches: {n} ({c} clients, {g} groups)"),
}
register(RELATE_LABELS)
