"""The plan designer widget: pick a client, set terms with sliders, see and save the plan.

No logic of its own: terms come from :meth:`crmkit.plan.PlanContext.default_terms`, every
recomputation calls :meth:`crmkit.plan.PlanContext.evaluate`, the *save* button calls
:func:`crmkit.plan.save_plan`. In a headless batch kernel (``CRMKIT_STATIC_WIDGETS=1``) the panel
shows the plan at the proposed terms as static output and builds no widget.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import HTML, display

from crmkit.core.codes import CODES
from crmkit.core.i18n import register, t
from crmkit.plan import (
    PROFILES,
    Plan,
    PlanContext,
    PlanTerms,
    case_cards,
    dscr_chart,
    figures_table,
    mix_table,
    pricing_table,
    profile_label,
    save_plan,
    schedule_table,
)
from crmkit.widgets import _Panel, static_widgets

__all__ = ["PlanDesigner"]

register({
    "plan.w.client": ("客户", "Client"),
    "plan.w.amount": ("金额(百万元)", "Amount (CNY m)"),
    "plan.w.tenor": ("期限(月)", "Tenor (months)"),
    "plan.w.grace": ("宽限期(月)", "Grace (months)"),
    "plan.w.period": ("还款间隔(月)", "Every (months)"),
    "plan.w.profile": ("还款方式", "Repayment"),
    "plan.w.rate_type": ("利率", "Rate"),
    "plan.w.fixed": ("固定", "Fixed"),
    "plan.w.floating": ("LPR 浮动", "LPR floating"),
    "plan.w.fixed_rate": ("固定利率", "Fixed rate"),
    "plan.w.spread": ("LPR 加点", "Spread over LPR"),
    "plan.w.fee": ("前端费率", "Upfront fee"),
    "plan.w.target": ("目标 DSCR", "Target DSCR"),
    "plan.w.collateral": ("担保方式", "Security"),
    "plan.w.save": ("保存方案", "Save plan"),
    "plan.w.none": ("（无）", "(none)"),
})

#: Controls and the :class:`~crmkit.plan.PlanTerms` field each sets.
FIELDS = ("amount", "tenor_months", "grace_months", "period_months", "profile", "rate_type",
          "fixed_rate", "spread", "upfront_fee_rate", "target_dscr", "collateral_type")


class PlanDesigner(_Panel):
    """Sliders for one client's plan terms; schedule, DSCR chart, RAROC and similar cases.

    Parameters
    ----------
    context
        The portfolio's :class:`~crmkit.plan.PlanContext`.
    client_id
        The client shown first (default: the first client with a loan need).
    lang
        ``zh`` or ``en``; default the portfolio's language.
    """

    def __init__(self, context: PlanContext, client_id: str | None = None,
                 lang: str | None = None) -> None:
        self.context, self.params = context, context.params
        self.lang = lang or self.params.language
        self.last_saved: Path | None = None
        ids = list(context.clients.index)
        self._init_panel()
        self.save_button.description = t("plan.w.save", self.lang)
        names = context.clients.get("client_name")
        self.client = w.Dropdown(options=[(f"{c} {names[c]}" if names is not None else c, c)
                                          for c in ids], value=client_id or ids[0],
                                 description=t("plan.w.client", self.lang))
        lang_i = 0 if self.lang == "zh" else 1
        self.controls: dict[str, w.ValueWidget] = {
            "amount": w.BoundedFloatText(min=0.01, max=1e6, step=1),
            "tenor_months": w.IntSlider(min=6, max=360, step=6),
            "grace_months": w.IntSlider(min=0, max=120, step=6),
            "period_months": w.Dropdown(options=[1, 3, 6, 12]),
            "profile": w.Dropdown(options=[(profile_label(p, self.lang), p) for p in PROFILES]),
            "rate_type": w.ToggleButtons(options=[(t("plan.w.floating", self.lang), "floating"),
                                                  (t("plan.w.fixed", self.lang), "fixed")]),
            "fixed_rate": w.FloatSlider(min=0.0, max=0.15, step=0.0005, readout_format=".2%"),
            "spread": w.FloatSlider(min=-0.02, max=0.05, step=0.0005, readout_format=".2%"),
            "upfront_fee_rate": w.FloatSlider(min=0.0, max=0.03, step=0.0005,
                                              readout_format=".2%"),
            "target_dscr": w.FloatSlider(min=1.0, max=2.5, step=0.05),
            "collateral_type": w.Dropdown(options=[(t("plan.w.none", self.lang), None)] + [
                (pair[lang_i], code) for code, pair in CODES["collateral_type"].items()]),
        }
        keys = {"amount": "amount", "tenor_months": "tenor", "grace_months": "grace",
                "period_months": "period", "profile": "profile", "rate_type": "rate_type",
                "fixed_rate": "fixed_rate", "spread": "spread", "upfront_fee_rate": "fee",
                "target_dscr": "target", "collateral_type": "collateral"}
        for name, c in self.controls.items():
            c.description = t(f"plan.w.{keys[name]}", self.lang)
            c.style = {"description_width": "8em"}
            if hasattr(c, "continuous_update"):
                c.continuous_update = False
        self.load_client(self.client.value)
        self.client.observe(lambda ch: self._on_client(ch["new"]), names="value")
        for c in self.controls.values():
            c.observe(self._on_change, names="value")

    # -- pure parts (tested without a front end) ---------------------------------------------
    def load_client(self, client_id: str) -> None:
        """Set every control to the terms proposed for ``client_id`` and evaluate them."""
        self.base = self.context.default_terms(client_id)
        self._quiet = True
        for name, c in self.controls.items():
            value = getattr(self.base, name)
            if name == "amount":
                value = self.base.amount / 1e6
            elif name == "fixed_rate" and value is None:
                value = float(self.context.params.plan.lpr[-1].lpr_1y + self.base.spread)
            c.value = value
        self._quiet = False
        self.plan: Plan = self.context.evaluate(self.terms())

    def set(self, **values: Any) -> Plan:
        """Set controls programmatically (``amount`` in CNY millions) and recompute."""
        self._quiet = True
        for name, value in values.items():
            if name not in self.controls:
                raise KeyError(f"no control {name!r}; controls: {list(self.controls)}")
            self.controls[name].value = value
        self._quiet = False
        self._recompute()
        return self.plan

    def terms(self) -> PlanTerms:
        """The controls' values as validated plan terms."""
        v = {n: c.value for n, c in self.controls.items()}
        v["amount"] = round(v["amount"] * 1e6, 2)
        if v["rate_type"] == "floating":
            v["fixed_rate"] = None
        return self.base.model_validate({**self.base.model_dump(), **v})

    def save(self) -> Path:
        """Write the current plan to ``<output_dir>/<portfolio>/plans/<client>_<n>.yaml``."""
        self.last_saved = save_plan(self.params, self.plan)
        return self.last_saved

    # -- the front end ----------------------------------------------------------------------
    def _on_client(self, client_id: str) -> None:
        self.load_client(client_id)
        self._render()

    def _on_change(self, _change: object = None) -> None:
        if not getattr(self, "_quiet", False):
            super()._on_change(_change)

    def _recompute(self) -> None:
        self.plan = self.context.evaluate(self.terms())

    def _show(self) -> None:
        show_plan(self.plan, self.lang)

    def widget(self) -> w.Widget | None:
        """The panel (static results only, and ``None``, in a headless batch kernel)."""
        if static_widgets():
            return self._static()
        self._render()
        return w.HBox([w.VBox([self.client, *self.controls.values(), self.save_button],
                              layout=w.Layout(min_width="24em")), self.out])


def show_plan(plan: Plan, lang: str = "zh", rows: int = 12) -> None:
    """Display a plan statically: key figures, RAROC, DSCR chart, schedule, similar cases."""
    display(HTML(f"<h4>{t('plan.figures', lang)}</h4>"), figures_table(plan, lang))
    if plan.pricing:
        display(HTML(f"<h4>{t('plan.pricing', lang)}</h4>"), pricing_table(plan, lang))
    display(dscr_chart(plan, lang))
    display(HTML(f"<h4>{t('plan.schedule', lang)}</h4>"), schedule_table(plan, lang, rows))
    if plan.neighbours is not None:
        display(HTML(f"<h4>{t('plan.mix', lang)}</h4>"), mix_table(plan, lang))
        cards = case_cards(plan.neighbours, lang) or [t("plan.no_cases", lang)]
        display(HTML(f"<h4>{t('plan.cases', lang)}</h4><ul>"
                     + "".join(f"<li>{html.escape(c)}</li>" for c in cards) + "</ul>"))


__all__ += ["show_plan", "FIELDS"]
