"""The report's financing-needs and high-potential section, and its workbook sheets (needs
stage)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Image, Markdown
from matplotlib.figure import Figure

from crmkit.collect import load_clean
from crmkit.core.i18n import register, t
from crmkit.core.store import load_table, table_path
from crmkit.needs import (
    backtest_view,
    client_outlook,
    fmt_amount,
    forecast_view,
    needs_by_month_chart,
    potential_view,
)
from crmkit.params import Params
from crmkit.report.content import first_column_as_index
from crmkit.report.reuse import stage_chart

__all__ = ["needs_tables", "needs_sheets"]

register({
    "report.h.needs": ("十五、融资需求预测与高潜力客户",
                       "15. Financing needs and high-potential clients"),
    "report.p.needs": (
        "根据贷款到期、项目新阶段开工、季节性流动资金和营收增长四类原因，预计未来 {days} 天内有 {n} "
        "户客户会提出融资需求，概率加权金额约 {amount}。{backtest}下表先列出最可能的需求，"
        "再列出通过风险门槛、值得拓展的高潜力客户及其原因；未通过风险门槛的客户不做增长推荐。",
        "From facility maturities, project phases about to start, seasonal working capital and "
        "revenue growth, {n} clients are expected to ask for financing within {days} days, "
        "about {amount} probability-weighted. {backtest}The tables list the likeliest needs, "
        "then the high-potential clients worth growing, with their reasons; clients failing "
        "the risk gates get no growth recommendation."),
    "report.p.needs_backtest": (
        "回测（以一年前为基准日）：预测的 F1 为 {f1:.0%}，“去年同期”基准为 {base:.0%}。",
        "Backtest from a year ago: the forecast's F1 is {f1:.0%}, the same-window-last-year "
        "baseline's {base:.0%}. "),
    "sheet.needs_forecast": ("融资需求预测", "Financing needs"),
    "sheet.high_potential": ("高潜力客户", "High potential"),
})


def needs_tables(params: Params, lang: str, n: int = 15
                 ) -> tuple[Markdown, pd.DataFrame, Figure | Image, pd.DataFrame,
                            pd.DataFrame] | None:
    """The section's sentence, the ``n`` likeliest needs, the needs-by-month chart, the
    backtest figures and the recommended high-potential clients; None when the needs stage
    has not run."""
    if not table_path(params, "needs", "needs_forecast").is_file():
        return None
    forecast = load_table(params, "needs", "needs_forecast")
    potential = load_table(params, "needs", "high_potential")
    clients = load_clean(params, only=["clients"])["clients"]
    outlook = client_outlook(forecast, params)
    bt = (load_table(params, "needs", "backtest").set_index("figure")
          if table_path(params, "needs", "backtest").is_file() else None)
    said = "" if bt is None else t("report.p.needs_backtest", lang).format(
        f1=bt.loc["f1", "model"], base=bt.loc["f1", "baseline"])
    sentence = t("report.p.needs", lang).format(
        days=params.needs.horizon_days, n=int(outlook["forecast"].sum()),
        amount=fmt_amount(float((forecast["p_horizon"] * forecast["amount"]).sum()), lang),
        backtest=said)
    return (Markdown(sentence),
            first_column_as_index(forecast_view(forecast, lang, clients, n=n)),
            stage_chart(params, "needs", "needs_by_month",
                        lambda: needs_by_month_chart(forecast, lang)),
            backtest_view(bt, lang),
            first_column_as_index(potential_view(potential, lang, clients,
                                                 n=params.needs.top_n)))


def needs_sheets(params: Params, lang: str) -> dict[str, pd.DataFrame]:
    """Workbook sheets of the needs stage (every expected need, every client's potential);
    empty when the needs stage has not run."""
    if not table_path(params, "needs", "needs_forecast").is_file():
        return {}
    clients = load_clean(params, only=["clients"])["clients"]
    return {
        "needs_forecast": forecast_view(load_table(params, "needs", "needs_forecast"), lang,
                                        clients, n=None),
        "high_potential": potential_view(load_table(params, "needs", "high_potential"), lang,
                                         clients, n=None, which="all")}
