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
        "颜色为紧迫度）。{limits}{close}",
        "Clients of one group, or controlled by one another, are added up as a group (a guarantee "
        "between members counted once). Concentration (HHI) by client, group, industry and "
        "region follows, then the relationship map (group → client → need; area = amount, "
        "colour = urgency). {limits}{close}"),
    "report.p.groups_close": ("本节最后列出最大的集团与限额使用情况。",
                              "The largest groups and the use of the limits close the section."),
    "report.p.groups_close_under": (
        "本节最后列出最大的集团，以及超限者和使用率最高的 {m} 个未超限者。",
        "The largest groups, then the breaches and the {m} highest uses within the limit, "
        "close the section."),
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


#: Rows under the limit in the report's limits table (the highest uses: the next to watch).
UNDER_LIMIT_ROWS = 5


def _limits_sentence(params: Params, limits: pd.DataFrame, lang: str, shown: int) -> str:
    lim = params.limits
    if lim.tier1_capital is None:
        return t("relate.no_capital", lang) + ("。" if lang == "zh" else ". ")
    n = int(limits["breach"].sum())
    more = (t("report.p.groups_more", lang).format(shown=shown, n=n) if n > shown else "")
    return t("report.p.groups_limits", lang).format(
        capital=money(lim.tier1_capital, lang), single=lim.single_client, group=lim.group,
        n=n) + more


def _closing_sentence(limits: pd.DataFrame, lang: str, under: int) -> str:
    """What the section ends with: when the limits table leaves rows within the limit out,
    that it shows the ``under`` highest of them (the workbook sheet has every row)."""
    assessed = limits["utilisation"].notna()
    within = int((assessed & ~limits["breach"].astype("boolean").fillna(False)).sum())
    if within > under:
        return t("report.p.groups_close_under", lang).format(m=under)
    return t("report.p.groups_close", lang)


def group_tables(params: Params, lang: str, n: int = 10
                 ) -> tuple[Markdown, pd.DataFrame, Figure | Image, pd.DataFrame,
                            pd.DataFrame] | None:
    """The section's sentence, the concentration table, the relationship tree map, the ``n``
    largest groups and the limits table (the ``n`` highest uses over the limit and the
    :data:`UNDER_LIMIT_ROWS` highest under it: with the group table on one landscape page);
    None when the relate stage has not run. Numbers are text grouped in thousands.

    The portrait-width blocks come first and the two wide tables (landscape pages in the PDF,
    :mod:`crmkit.report.layout`) last, so the page before the landscape ones is filled rather
    than cut off after the short concentration table. The tables are indexed by their first
    column in words: no row numbers."""
    if not table_path(params, "relate", "groups").is_file():
        return None
    limits = load_table(params, "relate", "limits")
    sentence = t("report.p.groups", lang).format(
        limits=_limits_sentence(params, limits, lang, shown=n),
        close=_closing_sentence(limits, lang, UNDER_LIMIT_ROWS))
    return (Markdown(sentence),
            concentration_view(load_table(params, "relate", "concentration"), lang, index=True,
                               text=True),
            stage_chart(params, "relate", "relationship_treemap", lambda: relationship_tree_map(
                load_table(params, "relate", "need_modules"), params.relate, lang)),
            group_view(load_table(params, "relate", "groups"), lang, n=n, index=True,
                       text=True),
            limit_view(limits, lang, n=n, tier1_capital=params.limits.tier1_capital,
                       index=True, text=True, n_under=UNDER_LIMIT_ROWS))


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
