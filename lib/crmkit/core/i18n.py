"""Shared user-facing labels in Chinese and English: ``t("tier.A", "zh") -> "核心客户"``.

Every label shown to a reader (chart titles, axis labels, segment names, table headers) is a key
of :data:`LABELS` mapped to ``(中文, English)``. Keys are dotted by namespace:

========================  =================================================================
``col.<column>``          table / axis headers (``col.exposure`` -> 敞口 / Exposure); see
                          :func:`header`, which falls back to the data contract's column labels
``tier.<A|B|C>``          A/B/C tier names; ``tier.<X>.short`` the short form ("A 核心")
``risk.<level>``          credit-risk levels ``low | medium | high | unknown``; ``.short``
                          the axis-tick form (低 / Low)
``capacity.<level>``      repayment-capacity levels ``strong | medium | weak | unknown``;
                          ``.short`` the axis-tick form (强 / Strong)
``segment.<risk>_<cap>``  names of the nine cells of the risk x capacity matrix (and
                          ``segment.unknown``); ``segment.<code>.strategy`` the service strategy.
                          These are only the *defaults*: a bank renames them in the parameters
                          file (``tiering.segments``), see :mod:`crmkit.params.tiering`.
``feature.<column>``      noun used to name client profiles (``feature.debt_to_assets`` -> 杠杆)
``level.<high|low>``      adjectives used in profile names (高 / High)
``chart.<name>``          chart titles, axis labels and notes; may hold ``str.format`` fields
``unit.<name>``           money units for display (``unit.yi`` -> 亿元)
========================  =================================================================

Other stages add their keys to :data:`LABELS` (one line per key, both languages), or at import
time with :func:`register`. An unknown key is returned unchanged, so a missing label shows as its
key rather than crashing a report; ``tests/test_tiering.py`` checks every key has both languages.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from crmkit.core.errors import CrmkitError

__all__ = ["LANGS", "LABELS", "t", "header", "register", "check_lang", "text_width"]

#: Supported languages, in the order of the label tuples.
LANGS: tuple[str, ...] = ("zh", "en")

#: key -> (中文, English).
LABELS: dict[str, tuple[str, str]] = {
    # -- common column headers ------------------------------------------------------------
    "col.client_id": ("客户编号", "Client ID"),
    "col.client_name": ("客户名称", "Client name"),
    "col.industry": ("行业", "Industry"),
    "col.group_name": ("所属集团", "Parent group"),
    "col.exposure": ("敞口", "Exposure"),
    "col.income": ("综合收益", "Income"),
    "col.score": ("综合得分", "Composite score"),
    "col.total": ("综合得分", "Composite score"),
    "col.tier": ("客户层级", "Tier"),
    "col.segment": ("细分", "Segment"),
    "col.segment_name": ("细分名称", "Segment name"),
    "col.strategy": ("服务策略", "Service strategy"),
    "col.pd": ("违约概率", "Probability of default"),
    "col.risk": ("信用风险", "Credit risk"),
    "col.capacity": ("还款能力", "Repayment capacity"),
    "col.capacity_basis": ("还款能力依据", "Capacity measure used"),
    "col.capacity_value": ("还款能力指标值", "Capacity measure value"),
    "col.dscr": ("偿债覆盖率", "DSCR"),
    "col.interest_cover": ("利息保障倍数", "Interest cover"),
    "col.debt_to_assets": ("资产负债率", "Debt to assets"),
    "col.count": ("客户数", "Clients"),
    "col.share": ("占比", "Share"),
    "col.cum_share": ("累计贡献占比", "Cumulative contribution share"),
    "col.cum_client_share": ("累计客户占比", "Cumulative client share"),
    "col.rank": ("排名", "Rank"),
    "col.value": ("贡献值", "Contribution"),
    "col.pareto_class": ("帕累托分类", "Pareto class"),
    "col.cluster": ("客户画像", "Profile"),
    "col.cluster_name": ("画像名称", "Profile name"),
    "col.size": ("客户数", "Clients"),
    "col.on_time_share": ("按时还款率", "On-time repayment"),
    "col.csat_latest": ("最新满意度", "Latest CSAT"),
    "col.nps_latest": ("最新NPS", "Latest NPS"),
    "col.tenure_years": ("合作年限", "Tenure (years)"),
    "col.n_products": ("产品数", "Products"),
    "col.current_ratio": ("流动比率", "Current ratio"),
    "col.roa": ("总资产收益率", "ROA"),
    "col.revenue_growth": ("营收增长率", "Revenue growth"),
    "col.dpd_max": ("最长逾期天数", "Max days past due"),
    "col.interactions_12m": ("近12月互动次数", "Interactions (12m)"),
    "col.complaints_12m": ("近12月投诉次数", "Complaints (12m)"),
    # -- A/B/C tiers ------------------------------------------------------------------------
    "tier.A": ("核心客户", "Core clients"),
    "tier.B": ("重点客户", "Key clients"),
    "tier.C": ("一般客户", "Ordinary clients"),
    "tier.A.short": ("A 核心", "A core"),
    "tier.B.short": ("B 重点", "B key"),
    "tier.C.short": ("C 一般", "C ordinary"),
    "tier.none": ("未分层", "No tier"),
    # -- risk and capacity levels -----------------------------------------------------------
    "risk.low": ("低风险", "Low risk"),
    "risk.medium": ("中风险", "Medium risk"),
    "risk.high": ("高风险", "High risk"),
    "risk.unknown": ("风险未知", "Risk unknown"),
    "risk.low.short": ("低", "Low"),
    "risk.medium.short": ("中", "Medium"),
    "risk.high.short": ("高", "High"),
    "capacity.strong": ("还款能力强", "Strong capacity"),
    "capacity.medium": ("还款能力中", "Medium capacity"),
    "capacity.weak": ("还款能力弱", "Weak capacity"),
    "capacity.unknown": ("还款能力未知", "Capacity unknown"),
    "capacity.strong.short": ("强", "Strong"),
    "capacity.medium.short": ("中", "Medium"),
    "capacity.weak.short": ("弱", "Weak"),
    # -- the nine cells of the risk x capacity matrix (defaults of tiering.segments) ----------
    "segment.low_strong": ("优质核心", "Prime core"),
    "segment.low_strong.strategy": ("深化合作、综合金融服务",
                                    "Deepen the relationship; cross-sell integrated services"),
    "segment.low_medium": ("稳健发展", "Steady growth"),
    "segment.low_medium.strategy": ("适度扩大授信、拓展产品覆盖",
                                    "Expand limits moderately; broaden product coverage"),
    "segment.low_weak": ("培育观察", "Nurture & watch"),
    "segment.low_weak.strategy": ("匹配期限结构、支持现金流改善、持续观察",
                                  "Match tenor to cash flows; support cash-flow improvement; "
                                  "watch"),
    "segment.medium_strong": ("价值提升", "Value uplift"),
    "segment.medium_strong.strategy": ("优化定价与结构、提升综合贡献",
                                       "Optimise pricing and structure; grow wallet share"),
    "segment.medium_medium": ("常规维护", "Routine maintenance"),
    "segment.medium_medium.strategy": ("常规贷后管理、定期回访",
                                       "Standard monitoring; periodic reviews"),
    "segment.medium_weak": ("审慎关注", "Cautious watch"),
    "segment.medium_weak.strategy": ("控制新增授信、加强现金流监测",
                                     "Cap new lending; monitor cash flow closely"),
    "segment.high_strong": ("重点服务对象", "Key service target"),
    "segment.high_strong.strategy": ("结构化方案、设置财务约束条款",
                                     "Structured solution with financial covenants"),
    "segment.high_medium": ("风险缓释", "Risk mitigation"),
    "segment.high_medium.strategy": ("追加担保、收紧条款、提高检查频率",
                                     "Add collateral; tighten terms; review more often"),
    "segment.high_weak": ("高关注", "High attention"),
    "segment.high_weak.strategy": ("压降敞口、增加担保、加强贷后监控",
                                   "Reduce exposure; add collateral; intensify monitoring"),
    "segment.unknown": ("信息不足", "Insufficient data"),
    "segment.unknown.strategy": ("补齐违约概率或财务数据后重新分类",
                                 "Complete the PD or financial data, then re-classify"),
    # -- client-profile naming -------------------------------------------------------------
    "level.high": ("高", "High"),
    "level.low": ("低", "Low"),
    "profile.average": ("均衡型", "Average profile"),
    "profile.sep": ("·", " · "),
    "feature.exposure": ("敞口", "exposure"),
    "feature.income": ("收益", "income"),
    "feature.debt_to_assets": ("杠杆", "leverage"),
    "feature.dscr": ("偿债覆盖", "debt service cover"),
    "feature.interest_cover": ("利息保障", "interest cover"),
    "feature.current_ratio": ("流动性", "liquidity"),
    "feature.roa": ("盈利能力", "profitability"),
    "feature.revenue_growth": ("成长性", "growth"),
    "feature.on_time_share": ("按时还款率", "on-time repayment"),
    "feature.dpd_max": ("历史逾期", "past arrears"),
    "feature.csat_latest": ("满意度", "satisfaction"),
    "feature.nps_latest": ("推荐度", "NPS"),
    "feature.tenure_years": ("合作年限", "tenure"),
    "feature.n_products": ("产品渗透", "product depth"),
    "feature.interactions_12m": ("互动频率", "engagement"),
    "feature.complaints_12m": ("投诉", "complaints"),
    "feature.total_assets": ("资产规模", "size"),
    "feature.revenue": ("营收规模", "revenue"),
    "feature.pd": ("违约概率", "PD"),
    "feature.total": ("综合得分", "score"),
    # -- charts ----------------------------------------------------------------------------
    "chart.matrix.title": ("信用风险 × 还款能力矩阵", "Credit risk × repayment capacity"),
    "chart.matrix.cell": ("{n} 户\n{value}", "{n} clients\n{value}"),
    "chart.matrix.colorbar": ("敞口占比", "Share of exposure"),
    "chart.matrix.unknown": ("另有 {n} 户风险或还款能力未知，未列入矩阵",
                             "{n} more clients with unknown risk or capacity are not shown"),
    "chart.treemap.title": ("客户层级树图（面积 = 敞口）", "Client hierarchy (area = exposure)"),
    "chart.treemap.other": ("其他 {n} 户", "{n} others"),
    "chart.treemap.other_legend": ("合并的小客户", "Smaller clients, combined"),
    "chart.treemap.missing": ("违约概率缺失", "PD missing"),
    "chart.treemap.excluded": ("{n} 户敞口为零或缺失，未显示",
                               "{n} clients with zero or missing exposure not shown"),
    "chart.pareto.title": ("客户贡献帕累托曲线", "Pareto curve of client contribution"),
    "chart.pareto.cut": ("前 {share} 客户贡献 {cutoff}", "Top {share} of clients give {cutoff}"),
    "chart.pareto.top": ("前 {top} 客户贡献 {value}", "Top {top} of clients give {value}"),
    "chart.pareto.equal": ("均匀分布", "Equal contribution"),
    "chart.pareto.empty": ("没有正的贡献值", "No positive contribution"),
    "chart.scores.title": ("各层级综合得分分布", "Composite score by tier"),
    "chart.scores.threshold": ("{tier} 门槛 {value:g}", "{tier} cut-off {value:g}"),
    "chart.profiles.title": ("客户画像中心（标准化得分）", "Client profile centroids (z-scores)"),
    "chart.frequency": ("客户数", "Clients"),
    "chart.other": ("其他", "Other"),
    # -- money units -----------------------------------------------------------------------
    "unit.yi": ("亿元", "CNY 100m"),
    "unit.wan": ("万元", "CNY 10k"),
    "unit.yuan": ("元", "CNY"),
    "unit.clients": ("户", "clients"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`CrmkitError` naming the choices."""
    if lang not in LANGS:
        raise CrmkitError(f"lang={lang!r} is not supported; use one of {list(LANGS)}")
    return lang


def t(key: str, lang: str) -> str:
    """The label of ``key`` in ``lang`` ("zh" | "en"); an unknown key is returned unchanged."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[LANGS.index(check_lang(lang))]


def header(column: str, lang: str) -> str:
    """Display header of a column: ``col.<column>``, else the data contract's label, else itself."""
    key = f"col.{column}"
    if key in LABELS:
        return t(key, lang)
    from crmkit.core.contract import TABLES  # local import: i18n stays a leaf module

    i = LANGS.index(check_lang(lang))
    for table in TABLES.values():
        for col in table.columns:
            if col.name == column:
                return (col.zh, col.en)[i]
    return column


def register(labels: Mapping[str, tuple[str, str]], *, overwrite: bool = False) -> None:
    """Add labels ``{key: (中文, English)}``; a key already defined differently is an error."""
    for key, pair in labels.items():
        if not (isinstance(pair, tuple) and len(pair) == len(LANGS)
                and all(isinstance(s, str) and s for s in pair)):
            raise CrmkitError(f"label {key!r} must be a tuple of {len(LANGS)} non-empty strings "
                              f"{LANGS}; got {pair!r}")
        if not overwrite and key in LABELS and LABELS[key] != pair:
            raise CrmkitError(f"label {key!r} is already {LABELS[key]!r}; pass overwrite=True "
                              "to replace it or pick another key")
        LABELS[key] = pair


def text_width(text: str) -> int:
    """Printed width of ``text`` in Latin characters: a wide (CJK, full-width) one counts two
    (column widths of the collection template, short headers of the printed report)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
