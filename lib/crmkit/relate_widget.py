"""The limits and need-window explorer of notebook 03a_relate: sliders, breaches, tree map.

No logic of its own: breaches come from :func:`crmkit.relate.limit_table`, the map from
:func:`crmkit.relate.need_modules` and :func:`crmkit.relate.relationship_tree_map`; *save*
writes the limits and the window into the parameters file
(:func:`crmkit.params.update_params_file`). In a headless batch kernel
(``CRMKIT_STATIC_WIDGETS=1``) the panel shows the results at the file's settings as static
output and builds no widget.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, display

from crmkit.core.i18n import register, t
from crmkit.params import Params, update_params_file
from crmkit.params.limits import LimitsParams
from crmkit.params.relate import RelateParams
from crmkit.relate import RelateStage, limit_table, need_modules, relationship_tree_map
from crmkit.relate.views import breach_count, limit_view
from crmkit.widgets import _Panel, static_widgets

__all__ = ["LimitsExplorer"]

register({
    "relate.w.capital": ("一级资本净额（亿元）", "Tier-1 capital (CNY bn)"),
    "relate.w.single": ("单一客户限额", "Single-client limit"),
    "relate.w.group": ("集团限额", "Group limit"),
    "relate.w.window": ("需求窗口（天）", "Need window (days)"),
})
#: The capital slider's unit: 亿元, or CNY bn in English.
_CAPITAL_UNIT = {"zh": 1e8, "en": 1e9}


class LimitsExplorer(_Panel):
    """Sliders for tier-1 capital, the two limit shares and the need window.

    Parameters
    ----------
    stage : the relate stage's result (:func:`crmkit.relate.run`).
    needs : the needs drawn on the map (:func:`crmkit.relate.expected_needs`).
    clients : the clean clients table.
    params : the portfolio's parameters (``limits`` and ``relate`` are the start).
    """

    def __init__(self, stage: RelateStage, needs: pd.DataFrame, clients: pd.DataFrame,
                 params: Params, lang: str | None = None) -> None:
        self.stage, self.needs, self.clients, self.params = stage, needs, clients, params
        self.lang = lang or params.language
        self._init_panel()
        lim = params.limits
        self._unit = _CAPITAL_UNIT[self.lang]
        capital = (lim.tier1_capital or 1e11) / self._unit
        style = {"description_width": "12em"}
        self.sliders = {
            "tier1_capital": w.FloatSlider(value=capital, min=capital / 4, max=capital * 4,
                                           step=capital / 40, readout_format=",.0f"),
            "single_client": w.FloatSlider(value=lim.single_client, min=0.01, max=0.5,
                                           step=0.01, readout_format=".0%"),
            "group": w.FloatSlider(value=lim.group, min=0.01, max=0.6, step=0.01,
                                   readout_format=".0%"),
            "window_days": w.IntSlider(value=params.relate.window_days, min=30, max=730,
                                       step=15)}
        keys = {"tier1_capital": "capital", "single_client": "single", "group": "group",
                "window_days": "window"}
        for key, s in self.sliders.items():
            s.description = t(f"relate.w.{keys[key]}", self.lang)
            s.continuous_update = False
            s.style = style
            s.observe(self._on_change, names="value")
        self.limits, self.relate = lim, params.relate

    # -- pure parts (tested without a front end) ---------------------------------------------
    def settings(self) -> tuple[LimitsParams, RelateParams]:
        """The sliders' values as validated parameter sections."""
        v = {k: s.value for k, s in self.sliders.items()}
        limits = LimitsParams.model_validate({
            **self.params.limits.model_dump(), "tier1_capital": v["tier1_capital"] * self._unit,
            "single_client": round(v["single_client"], 4), "group": round(v["group"], 4)})
        relate = RelateParams.model_validate({**self.params.relate.model_dump(),
                                              "window_days": int(v["window_days"])})
        return limits, relate

    def breaches(self, limits: LimitsParams | None = None) -> pd.DataFrame:
        """Every client and group against the limits of ``limits`` (default: the sliders')."""
        lim = limits or self.limits
        per_client = self.stage.clients.set_index("client_id")[["client_name", "exposure"]]
        return limit_table(per_client, self.stage.groups, lim)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the limits and the window into the parameters file (backed up first)."""
        path = Path(path or self.params.source_file or "")
        limits, relate = self.settings()
        self.last_save = update_params_file(path, {
            "limits": {"tier1_capital": float(limits.tier1_capital or 0),
                       "single_client": limits.single_client, "group": limits.group},
            "relate": {"window_days": relate.window_days}})
        return path

    # -- the front end ----------------------------------------------------------------------
    def _recompute(self) -> None:
        self.limits, self.relate = self.settings()

    def _show(self) -> None:
        table = self.breaches()
        display(HTML("<b>" + breach_count(table, self.lang) + "</b>"))
        display(limit_view(table, self.lang, n=5, tier1_capital=self.limits.tier1_capital,
                           index=True))
        groups = self.stage.clients.set_index("client_id")[["group_id", "group_name",
                                                            "in_group"]]
        modules = need_modules(self.needs, self.clients, groups, self.relate, self.lang)
        display(relationship_tree_map(modules, self.relate, self.lang))

    def widget(self) -> w.Widget | None:
        """The panel (static results only, and ``None``, in a headless batch kernel)."""
        if static_widgets():
            return self._static()
        self._render()
        return w.VBox([*self.sliders.values(), self.save_button, self.out])
