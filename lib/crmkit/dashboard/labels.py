"""Labels of the dashboard (``dash.*``), Chinese and English, and small display helpers."""

from __future__ import annotations

import pandas as pd

from crmkit.core.contract import code_label
from crmkit.core.i18n import register, t
from crmkit.diagnose import labels as _diag_labels  # noqa: F401 - severities, stages, units

__all__ = ["value_label", "FILTER_KEYS"]

#: Filterable client columns and the label key of each.
FILTER_KEYS: dict[str, str] = {
    "relationship_manager": "dash.filter.relationship_manager",
    "industry": "dash.filter.industry",
    "region": "dash.filter.region",
    "group_name": "dash.filter.group_name",
    "tier": "dash.filter.tier",
}

register({
    "dash.title": ("客户关系管理看板", "Client relationship dashboard"),
    "dash.portfolio": ("组合", "Portfolio"),
    "dash.as_of": ("数据日期", "As of"),
    "dash.filter.relationship_manager": ("客户经理", "Relationship manager"),
    "dash.filter.industry": ("行业", "Industry"),
    "dash.filter.region": ("地区", "Region"),
    "dash.filter.group_name": ("所属集团", "Group"),
    "dash.filter.tier": ("客户层级", "Tier"),
    "dash.filter.hint": ("可多选（按住 Ctrl / ⌘）；不选即全部",
                         "Pick several with Ctrl / ⌘; none = all"),
    "dash.filter.clear": ("清除筛选", "Clear filters"),
    "dash.no_group": ("（无集团）", "(no group)"),
    "dash.summary": ("已选 {n} 户客户 · 敞口 {exposure} · 未处理预警 {alerts} 条",
                     "{n} clients selected · exposure {exposure} · {alerts} open alerts"),
    "dash.tab.matrix": ("风险 × 还款能力", "Risk × capacity"),
    "dash.tab.treemap": ("层级树图", "Tree map"),
    "dash.tab.card": ("客户视图", "Client view"),
    "dash.tab.trends": ("趋势", "Trends"),
    "dash.tab.worklist": ("预警工作清单", "Alert worklist"),
    "dash.matrix.note": ("纵向为信用风险，横向为还款能力；点击格子列出该格客户。",
                         "Rows: credit risk; columns: repayment capacity. Click a cell to list "
                         "its clients."),
    "dash.matrix.cell": ("{name}\n{n} 户 · {exposure}", "{name}\n{n} clients · {exposure}"),
    "dash.matrix.unknown": ("另有 {n} 户风险或还款能力未知（不在矩阵内）",
                            "{n} more clients with unknown risk or capacity (not in the matrix)"),
    "dash.treemap.note": ("按层级分行、按行业分块，宽度为敞口，颜色为平均违约概率（绿低红高）；"
                          "点击色块列出其客户。",
                          "One row per tier, one tile per industry; width is exposure, colour the "
                          "mean PD (green low, red high). Click a tile to list its clients."),
    "dash.list.title": ("{what}：{n} 户客户", "{what}: {n} clients"),
    "dash.list.pick": ("点击上方格子或色块查看客户名单。", "Click a cell or tile above to list "
                       "its clients."),
    "dash.list.open": ("查看客户卡片", "Open client card"),
    "dash.card.pick": ("选择客户", "Client"),
    "dash.card.none": ("请选择一位客户。", "Choose a client."),
    "dash.trend.exposure": ("敞口（亿元）", "Exposure (CNY m)"),
    "dash.trend.tiers": ("客户层级占比", "Tier mix"),
    "dash.trend.stages": ("IFRS 9 阶段（敞口占比）", "IFRS 9 stages (share of exposure)"),
    "dash.trend.alerts": ("预警条数", "Alerts"),
    "dash.trend.nps": ("平均 NPS", "Mean NPS"),
    "dash.trend.note": ("随数据日期的变化（只含当前筛选的客户）；只有一个日期时为单点。",
                        "Change across as-of dates (the filtered clients only); a single point "
                        "when there is one date."),
    "dash.trend.empty": ("历史库中还没有快照：先运行 crmkit run。",
                         "No snapshots in the history store yet: run crmkit run first."),
    "dash.work.note": ("未处理的预警按紧急程度排序。勾选预警、填写处理说明后点击“确认”，"
                       "确认记录（确认人、时间、说明）写入历史库，并在下期报告中列出。",
                       "Open alerts, most urgent first. Tick alerts, write what was done and "
                       "press 'Acknowledge': who, when and the note are written to the history "
                       "store and listed in the next report."),
    "dash.work.show_acked": ("显示已确认的预警", "Show acknowledged alerts"),
    "dash.work.user": ("确认人", "Your name"),
    "dash.work.note_field": ("处理说明", "Note"),
    "dash.work.note_placeholder": ("例如：已约见财务总监，下周提交还款计划",
                                   "e.g. met the CFO, repayment plan due next week"),
    "dash.work.ack": ("确认", "Acknowledge"),
    "dash.work.done": ("已确认 {n} 条预警（确认人：{user}），记录已写入历史库。",
                       "Acknowledged {n} alert(s) as {user}; recorded in the history store."),
    "dash.work.none": ("没有未处理的预警。", "No open alerts."),
    "dash.work.acked_by": ("已确认：{user}，{when}，{note}", "Acknowledged by {user}, {when}: "
                           "{note}"),
    "dash.work.more": ("另有 {n} 条未列出（按紧急程度显示前 {top} 条）。",
                       "{n} more not listed (the {top} most urgent are shown)."),
    "dash.col.client": ("客户", "Client"),
    "dash.col.rm": ("客户经理", "RM"),
    "dash.col.industry": ("行业", "Industry"),
    "dash.col.tier": ("层级", "Tier"),
    "dash.col.exposure": ("敞口", "Exposure"),
    "dash.col.pd": ("违约概率", "PD"),
    "dash.col.alerts": ("未处理预警", "Open alerts"),
    "dash.col.alert": ("预警", "Alert"),
    "dash.col.severity": ("严重程度", "Severity"),
    "dash.col.due": ("处理期限", "Due"),
    "dash.error": ("看板出错：{msg}", "Dashboard error: {msg}"),
})


def value_label(column: str, value: object, lang: str) -> str:
    """What a reader sees for a filter value: industry/region codes as words, tiers named."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("dash.no_group", lang) if column == "group_name" else "—"
    v = str(value)
    if column in ("industry", "region"):
        return code_label(column, v, lang)
    if column == "tier":
        return f"{v} {t(f'tier.{v}', lang)}" if v in ("A", "B", "C") else v
    return v
