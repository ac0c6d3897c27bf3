"""ipywidgets controls: weight and tier-threshold sliders that re-score and re-tier live.

The explorer holds no logic of its own: every recomputation calls
:func:`crmkit.scoring.score_clients` and :func:`crmkit.tiering.tier_table`. Widget state does
not survive Papermill or nbconvert, so the notebooks always show the static results computed
from the parameters file as well; the *save* button writes the chosen weights and thresholds
back into that file so a batch run reproduces what the consultant settled on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import pandas as pd
from IPython.display import clear_output, display

from crmkit.i18n import register, t
from crmkit.params import Params, update_params_file
from crmkit.params.scoring import ScoringParams
from crmkit.params.tiering import TieringParams
from crmkit.scoring import label, score_clients
from crmkit.tiering import TIERS, tier_table

__all__ = ["TierState", "TieringExplorer", "tier_changes"]

register({
    "widget.weights": ("维度权重", "Dimension weights"),
    "widget.thresholds": ("分层阈值", "Tier thresholds"),
    "widget.a_min": ("A 级最低分", "A from score"),
    "widget.b_min": ("B 级最低分", "B from score"),
    "widget.a_share": ("A 级占比", "A share"),
    "widget.b_share": ("B 级占比", "B share"),
    "widget.save": ("保存到参数文件", "Save to parameters file"),
    "widget.saved": ("已保存到 {path}", "Saved to {path}"),
    "widget.counts": ("各层级客户数（括号内为变化）", "Clients per tier (change in brackets)"),
    "widget.changed": ("层级发生变化的客户：{n} 户", "Clients whose tier changed: {n}"),
    "widget.invalid": ("参数无效：{error}", "Invalid setting: {error}"),
    "col.tier_before": ("原层级", "Tier before"),
    "col.tier_now": ("现层级", "Tier now"),
    "col.score_before": ("原得分", "Score before"),
    "col.score_now": ("现得分", "Score now"),
})


@dataclass
class TierState:
    """The result of one setting of the sliders."""

    scoring: ScoringParams
    tiering: TieringParams
    table: pd.DataFrame  # tier_table(): score, tier, risk, capacity, segment, ...


def tier_changes(before: TierState, after: TierState) -> pd.DataFrame:
    """Clients whose tier differs between two settings, largest score move first."""
    b, a = before.table, after.table
    moved = b["tier"].astype("string").ne(a["tier"].astype("string")).fillna(False)
    out = pd.DataFrame({
        "client_name": a.get("client_name"),
        "tier_before": b["tier"], "tier_now": a["tier"],
        "score_before": b["score"], "score_now": a["score"],
    })[moved.to_numpy()]
    return out.reindex((out["score_now"] - out["score_before"]).abs()
                       .sort_values(ascending=False).index)


def _short(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in errors())
        except Exception:  # noqa: BLE001
            pass
    return str(exc)


class TieringExplorer:
    """Sliders for every dimension weight and tier threshold of a portfolio.

    Parameters
    ----------
    features
        Client features (index client_id), as given to :func:`score_clients`.
    params
        The portfolio's parameters; its ``scoring`` and ``tiering`` sections are the start.
    pd_
        Probability of default per client (for the risk x capacity segment).
    """

    def __init__(self, features: pd.DataFrame, params: Params, pd_: pd.Series | None = None,
                 lang: str | None = None) -> None:
        self.features, self.params = features, params
        self.pd_ = pd_ if pd_ is not None else pd.Series(float("nan"), index=features.index)
        self.lang = lang or params.language
        self.baseline = self.compute(params.scoring, params.tiering)
        self.state = self.baseline
        self.message = ""
        abc = params.tiering.abc
        self.weight_sliders = {
            dim: w.FloatSlider(value=float(v), min=0.0, max=1.0, step=0.01,
                               description=label(dim, self.lang), continuous_update=False,
                               style={"description_width": "8em"})
            for dim, v in params.scoring.weights.items()}
        if abc.method == "thresholds":
            self.threshold_sliders = {
                "a_min": w.FloatSlider(value=abc.a_min, min=0, max=100, step=1),
                "b_min": w.FloatSlider(value=abc.b_min, min=0, max=100, step=1)}
        else:
            self.threshold_sliders = {
                "a_share": w.FloatSlider(value=abc.a_share, min=0.01, max=0.9, step=0.01),
                "b_share": w.FloatSlider(value=abc.b_share, min=0.01, max=0.9, step=0.01)}
        for key, s in self.threshold_sliders.items():
            s.description = t(f"widget.{key}", self.lang)
            s.continuous_update = False
            s.style = {"description_width": "8em"}
        self.save_button = w.Button(description=t("widget.save", self.lang), icon="save")
        self.out = w.Output()
        for s in [*self.weight_sliders.values(), *self.threshold_sliders.values()]:
            s.observe(self._on_change, names="value")
        self.save_button.on_click(self._on_save)

    # -- pure parts (tested without a front end) ---------------------------------------------
    def compute(self, scoring: ScoringParams, tiering: TieringParams) -> TierState:
        """Score and tier the portfolio under one setting."""
        result = score_clients(self.features, scoring)
        table = tier_table(result.scores["total"], self.pd_, self.features, tiering)
        return TierState(scoring, tiering, table)

    def settings(self) -> tuple[ScoringParams, TieringParams]:
        """The sliders' current values as validated parameter sections."""
        weights = {d: s.value for d, s in self.weight_sliders.items()}
        scoring = self.params.scoring.model_copy(update={"weights": weights})
        ScoringParams.model_validate(scoring.model_dump())
        abc = self.params.tiering.abc.model_copy(
            update={k: s.value for k, s in self.threshold_sliders.items()})
        type(abc).model_validate(abc.model_dump())
        return scoring, self.params.tiering.model_copy(update={"abc": abc})

    def changes(self) -> pd.DataFrame:
        """Clients whose tier moved from the parameters file's setting to the sliders'."""
        return tier_changes(self.baseline, self.state)

    def counts(self) -> pd.DataFrame:
        """Clients per tier now, and the change from the parameters file's setting."""
        now = self.state.table["tier"].astype("string").value_counts()
        before = self.baseline.table["tier"].astype("string").value_counts()
        rows = [(k, int(now.get(k, 0)), int(now.get(k, 0)) - int(before.get(k, 0)))
                for k in TIERS]
        return pd.DataFrame(rows, columns=["tier", "clients", "change"]).set_index("tier")

    def save(self, path: str | Path | None = None) -> Path:
        """Write the current weights and tier thresholds into the parameters file."""
        import yaml

        path = Path(path or self.params.source_file or "")
        scoring, tiering = self.settings()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sc = dict(raw.get("scoring") or {})
        sc["weights"] = {k: round(float(v), 4) for k, v in scoring.weights.items()}
        ti = dict(raw.get("tiering") or {})
        ti["abc"] = {**(ti.get("abc") or {}),
                     **{k: round(float(s.value), 4) for k, s in self.threshold_sliders.items()}}
        update_params_file(path, {"scoring": sc, "tiering": ti})
        return path

    # -- the front end ----------------------------------------------------------------------
    def _on_change(self, _change: object = None) -> None:
        try:
            self.state = self.compute(*self.settings())
            self.message = ""
        except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in a callback
            self.message = t("widget.invalid", self.lang).format(error=_short(exc))
        self._render()

    def _on_save(self, _button: object = None) -> None:
        try:
            self.message = t("widget.saved", self.lang).format(path=self.save())
        except Exception as exc:  # noqa: BLE001
            self.message = t("widget.invalid", self.lang).format(error=_short(exc))
        self._render()

    def _render(self) -> None:
        with self.out:
            clear_output(wait=True)
            if self.message:
                display(w.HTML(f"<b>{self.message}</b>"))
            counts = self.counts()
            display(w.HTML("<b>" + t("widget.counts", self.lang) + "</b>: " + ", ".join(
                f"{k} {r.clients} ({r.change:+d})" for k, r in counts.iterrows())))
            changes = self.changes()
            display(w.HTML("<b>" + t("widget.changed", self.lang).format(n=len(changes))
                           + "</b>"))
            if len(changes):
                display(changes.head(30).round(1).rename(columns=lambda c: t(f"col.{c}", self.lang)))

    def widget(self) -> w.Widget:
        """The panel: weight sliders, threshold sliders, save button and live results."""
        self._render()
        return w.VBox([
            w.HTML(f"<b>{t('widget.weights', self.lang)}</b>"),
            *self.weight_sliders.values(),
            w.HTML(f"<b>{t('widget.thresholds', self.lang)}</b>"),
            *self.threshold_sliders.values(), self.save_button, self.out])
