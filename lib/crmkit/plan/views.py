"""Presenting a plan: the DSCR chart and display tables (labels in zh/en, readable numbers).

Computing lives in :mod:`crmkit.plan.schedules` and :mod:`crmkit.plan.pricing`; this module only
shapes their results for a notebook, the designer widget and the ``crmkit plan`` command.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit.core.i18n import check_lang, t
from crmkit.core.style import PALETTE, use_style
from crmkit.plan.cases import case_cards
from crmkit.plan.design import Plan
from crmkit.plan.labels import column_label

__all__ = ["dscr_chart", "schedule_table", "figures_table", "pricing_table", "mix_table",
           "plan_text"]

_RATIOS = {"min_dscr", "avg_dscr", "llcr", "covenant_dscr", "target_dscr", "lgd",
           "risk_weight", "average_life_years"}
_PERCENT = {"first_rate", "covenant_headroom", "pd", "raroc", "hurdle_rate", "break_even_rate"}


def dscr_chart(plan: Plan, lang: str = "zh") -> Figure:
    """Debt service and CFADS per period (bars, line) and DSCR against the covenant line."""
    check_lang(lang)
    use_style()
    s = plan.schedule
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    x = s["period"].to_numpy()
    ax.bar(x - 0.2, s["interest"] / 1e6, 0.4, color=PALETTE[2], label=column_label("interest",
                                                                                    lang))
    ax.bar(x - 0.2, s["principal"] / 1e6, 0.4, bottom=s["interest"] / 1e6, color=PALETTE[0],
           label=column_label("principal", lang))
    if s["other_debt_service"].gt(0).any():
        ax.bar(x + 0.2, s["other_debt_service"] / 1e6, 0.4, color=PALETTE[3],
               label=column_label("other_debt_service", lang))
    if s["cfads"].notna().any():
        ax.plot(x, s["cfads"] / 1e6, color=PALETTE[6], marker="o", ms=3,
                label=column_label("cfads", lang))
    ax.set_xlabel(column_label("period", lang))
    ax.set_ylabel("百万元" if lang == "zh" else "CNY m")
    ax2 = ax.twinx()
    dscr = s["dscr"].where(s["repaying"])
    if dscr.notna().any():
        ax2.plot(x, dscr, color=PALETTE[4], lw=2, label="DSCR")
        cov = plan.figures["covenant_dscr"]
        ax2.axhline(cov, color=PALETTE[4], ls="--", lw=1,
                    label=t("plan.covenant", lang).format(value=cov))
        ax2.axhline(plan.terms.target_dscr, color=PALETTE[5], ls=":", lw=1,
                    label=t("plan.target", lang).format(value=plan.terms.target_dscr))
        top = np.nanmax([dscr.max(), cov, plan.terms.target_dscr])
        ax2.set_ylim(0, top * 1.25)
    ax2.set_ylabel("DSCR")
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left", ncols=2)
    ax.set_title(f"{t('plan.dscr_chart', lang)} — {plan.terms.client_id}")
    fig.tight_layout()
    return fig


def schedule_table(plan: Plan, lang: str = "zh", n: int | None = None) -> pd.DataFrame:
    """The schedule for display: money in yuan to the cent, rates in %, ratios to 2 dp."""
    s = plan.schedule.drop(columns="repaying").copy()
    if s["cfads"].isna().all():
        s = s.drop(columns=["cfads", "dscr", "llcr"])
    if not s["other_debt_service"].any():
        s = s.drop(columns="other_debt_service")
    s["date"] = s["date"].dt.date
    s["rate"] = (s["rate"] * 100).round(3).astype(str) + "%"
    money = [c for c in ("drawdown", "opening", "interest", "principal", "debt_service", "fees",
                         "closing", "cfads", "other_debt_service") if c in s]
    s[money] = s[money].round(2)
    for c in ("dscr", "llcr"):
        if c in s:
            s[c] = s[c].round(2)
    s = s.head(n) if n else s
    s.columns = [column_label(c, lang) for c in s.columns]
    return s.set_index(column_label("period", lang))


def _format(key: str, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if key in _PERCENT:
        return f"{float(value):.2%}"
    if key in _RATIOS:
        return f"{float(value):.2f}"
    if key == "periods_below_covenant":
        return str(int(value))
    return f"{float(value):,.0f}"


def _table(values: dict[str, object], lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("plan.figures", lang): [_format(k, v) for k, v in values.items()]},
                        index=[t(f"fig.{k}", lang) for k in values])


def figures_table(plan: Plan, lang: str = "zh") -> pd.DataFrame:
    """The plan's key figures (amount, totals, DSCR, LLCR, headroom, capacity)."""
    return _table(plan.figures, lang)


def pricing_table(plan: Plan, lang: str = "zh") -> pd.DataFrame:
    """The RAROC build-up, or an empty table when the client has no PD."""
    return _table(plan.pricing or {}, lang)


def mix_table(plan: Plan, lang: str = "zh") -> pd.DataFrame:
    """Outcome mix of the similar cases, with labels."""
    from crmkit.plan.case_file import OUTCOMES

    if plan.mix is None:
        return pd.DataFrame()
    m = plan.mix.copy()
    m.index = [OUTCOMES[c][0 if lang == "zh" else 1] for c in m.index]
    m["share"] = m["share"].map("{:.0%}".format)
    m["weighted_share"] = m["weighted_share"].map("{:.0%}".format)
    m.columns = [column_label(c, lang) for c in m.columns]
    return m


def plan_text(plan: Plan, lang: str = "zh", rows: int | None = None) -> str:
    """The plan as plain text: schedule, key figures, RAROC, similar cases (for the CLI)."""
    parts = [f"== {t('plan.schedule', lang)}: {plan.terms.client_id} ==",
             schedule_table(plan, lang, rows).to_string(),
             f"\n== {t('plan.figures', lang)} ==",
             figures_table(plan, lang).to_string(header=False)]
    if plan.pricing:
        parts += [f"\n== {t('plan.pricing', lang)} ==",
                  pricing_table(plan, lang).to_string(header=False)]
    if plan.neighbours is not None:
        parts += [f"\n== {t('plan.cases', lang)} ==",
                  *(case_cards(plan.neighbours, lang) or [t("plan.no_cases", lang)])]
    return "\n".join(parts)
