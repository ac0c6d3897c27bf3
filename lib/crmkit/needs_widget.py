"""The forecast-window explorer of notebook 03b_needs: sliders for the horizon, the decision
probability and the length of the high-potential list; the backtest and the list follow.

No logic of its own: the figures come from :func:`crmkit.needs.backtest` (against the same
baseline) and :func:`crmkit.needs.potential_view`; *save* writes the three settings into the
parameters file (:func:`crmkit.params.update_params_file`). In a headless batch kernel
(``CRMKIT_STATIC_WIDGETS=1``) the panel shows the results at the file's settings as static
output and builds no widget.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pandas as pd
from IPython.display import display

from crmkit.core.i18n import register, t
from crmkit.needs import Backtest, NeedsStage, backtest, backtest_view, potential_view
from crmkit.params import Params, update_params_file
from crmkit.params.needs import NeedsParams
from crmkit.widgets import _Panel, static_widgets

__all__ = ["NeedsExplorer"]

register({
    "needs.w.horizon": ("预测窗口（天）", "Forecast window (days)"),
    "needs.w.decision": ("判定概率", "Decision probability"),
    "needs.w.top_n": ("推荐客户数", "Clients recommended"),
})
_SLIDERS = {"horizon_days": "horizon", "decision_probability": "decision", "top_n": "top_n"}


class NeedsExplorer(_Panel):
    """Sliders for ``needs.horizon_days``, ``needs.decision_probability`` and ``needs.top_n``.

    Parameters
    ----------
    stage : the needs stage's result (:func:`crmkit.needs.run`).
    tables : the clean tables (the backtest is recomputed from them).
    params : the portfolio's parameters (``needs`` is the start).
    """

    def __init__(self, stage: NeedsStage, tables: dict[str, pd.DataFrame], params: Params,
                 lang: str | None = None) -> None:
        self.stage, self.tables, self.params = stage, tables, params
        self.lang = lang or params.language
        self._init_panel()
        p = params.needs
        self.sliders = {
            "horizon_days": w.IntSlider(value=p.horizon_days, min=30, max=365, step=15),
            "decision_probability": w.FloatSlider(value=p.decision_probability, min=0.1,
                                                  max=0.9, step=0.05, readout_format=".2f"),
            "top_n": w.IntSlider(value=p.top_n, min=5, max=100, step=5)}
        for key, s in self.sliders.items():
            s.description = t(f"needs.w.{_SLIDERS[key]}", self.lang)
            s.continuous_update = False
            s.style = {"description_width": "10em"}
            s.observe(self._on_change, names="value")
        self.needs = p

    # -- pure parts (tested without a front end) ---------------------------------------------
    def settings(self) -> NeedsParams:
        """The sliders' values as a validated ``needs`` section."""
        v = {k: s.value for k, s in self.sliders.items()}
        return NeedsParams.model_validate({
            **self.params.needs.model_dump(), "horizon_days": int(v["horizon_days"]),
            "decision_probability": round(float(v["decision_probability"]), 4),
            "top_n": int(v["top_n"])})

    def backtest(self, needs: NeedsParams | None = None) -> Backtest:
        """The backtest from one year before as_of at ``needs`` (default: the sliders')."""
        earlier = pd.Timestamp(self.params.as_of) - pd.DateOffset(years=1)
        return backtest(self.tables, earlier, params=needs or self.needs)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the three settings into the parameters file (backed up first)."""
        path = Path(path or self.params.source_file or "")
        p = self.settings()
        self.last_save = update_params_file(path, {"needs": {
            "horizon_days": p.horizon_days, "decision_probability": p.decision_probability,
            "top_n": p.top_n}})
        return path

    # -- the front end ----------------------------------------------------------------------
    def _recompute(self) -> None:
        self.needs = self.settings()

    def _show(self) -> None:
        display(backtest_view(self.backtest(), self.lang))
        clients = self.tables["clients"]
        display(potential_view(self.stage.potential, self.lang, clients, n=self.needs.top_n))

    def widget(self) -> w.Widget | None:
        """The panel (static results only, and ``None``, in a headless batch kernel)."""
        if static_widgets():
            return self._static()
        self._render()
        return w.VBox([*self.sliders.values(), self.save_button, self.out])
