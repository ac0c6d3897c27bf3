"""The report's groups and large-exposures section, and its workbook sheets (relate stage)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Image, Markdown
from matplotlib.figure import Figure

from crmkit.core.i18n import register, t
from crmkit.core.store import load_table, table_path
from crmkit.params import Params
from crmkit.relate import (
    concentration_view,
    group_view,
    limit_view,
    relationship_tree_map,
)
from crmkit.report.reuse import stage_chart
from crmkit.tier.chart_base import money

__all__ = ["group_tables", "group_sheets"]

register({
    "report.h.groups": ("十四、集团客户与大额风险暴露", "14. Groups and large exposures"),
    "report.p.groups": (
        "同一集团或控股关联的客户合并为集团（集团内相互担保只计一次）。组合按客户、集团、行业、"
        "地区的集中度（HHI）如下，其后为客户关系树图（集团 → 客户 → 需求模块，面积为金额，"
        "颜色为紧迫度）。{limits}本节最后列出最大的集团与限额使用情况。",
        "Clients of one group, or controlled by one another, are added up as a group (a guarantee "
        "between members counted once). Concentration (HHI) by client, group, industry and "
        "region follows, then the relationship map (group → client → need; area = amount, "
        "colour = urgency). {limits}The largest groups and the use of the limits close the "
        "section."),
    "report.p.groups_limits": (
        "按一级资本净额（{capital}）计，单一客户限额为 {single:.0%}、集团限额为 {group:.0%}"
        "（《商业银行大额风险暴露管理办法》），超限 {n} 个。",
        "Against tier-1 capital of {capital}, the limits are {single:.0%} for a single "
        "client and {group:.0%} for a group (CBIRC large-exposure rules, 2018); breaches: {n}. "),
    "report.p.groups_more": (
        "表中列出使用率最高的 {shown} 个超限；全部 {n} 个见 Excel 工作簿“大额风险暴露”表。",
        "The table lists the {shown} breaches with the highest use; all {n} are in the "
        "workbook's \"Large exposures\" sheet. "),
    "sheet.groups": ("集团客户", "Groups"),
    "sheet.large_exposures": ("大额风险暴露", "Large exposures"),
    "sheet.concentration": ("集中度", "Concentration"),
})


def _limits_sentence(params: Params, limits: pd.DataFrame, lang: str, shown: int) -> str:
    lim = params.limits
    if lim.tier1_capital is None:
        return t("relate.no_capital", lang) + ("。" if lang == "zh" else ". ")
    n = int(limits["breach"].sum())
    more = (t("report.p.groups_more", lang).format(shown=shown, n=n) if n > shown else "")
    return t("report.p.groups_limits", lang).format(
        capital=money(lim.tier1_capital, lang), single=lim.single_client, group=lim.group,
        n=n) + more


def group_tables(params: Params, lang: str, n: int = 10
                 ) -> tuple[Markdown, pd.DataFrame, Figure | Image, pd.DataFrame,
                            pd.DataFrame] | None:
    """The section's sentence, the concentration table, the relationship tree map, the ``n``
    largest groups and the limits table; None when the relate stage has not run.

    The portrait-width blocks come first and the two wide tables (landscape pages in the PDF,
    :mod:`crmkit.report.layout`) last, so the page before the landscape ones is filled rather
    than cut off after the short concentration table. The tables are indexed by their first
    column in words: no row numbers."""
    if not table_path(params, "relate", "groups").is_file():
        return None
    limits = load_table(params, "relate", "limits")
    sentence = t("report.p.groups", lang).format(
        limits=_limits_sentence(params, limits, lang, shown=n))
    return (Markdown(sentence),
            concentration_view(load_table(params, "relate", "concentration"), lang, index=True),
            stage_chart(params, "relate", "relationship_treemap", lambda: relationship_tree_map(
                load_table(params, "relate", "need_modules"), params.relate, lang)),
            group_view(load_table(params, "relate", "groups"), lang, n=n, index=True),
            limit_view(limits, lang, n=n, tier1_capital=params.limits.tier1_capital,
                       index=True))


def group_sheets(params: Params, lang: str) -> dict[str, pd.DataFrame]:
    """Workbook sheets of the relate stage (every group, every client and group against its
    limit, concentration); empty when the relate stage has not run."""
    if not table_path(params, "relate", "groups").is_file():
        return {}
    return {
        "groups": group_view(load_table(params, "relate", "groups"), lang, n=None),
        "large_exposures": limit_view(load_table(params, "relate", "limits"), lang, n=None,
                                      tier1_capital=params.limits.tier1_capital),
        "concentration": concentration_view(load_table(params, "relate", "concentration"),
                                            lang)}
