"""ipywidgets controls: weight and tier-threshold sliders that re-score and re-tier live.

The explorer holds no logic of its own: every recomputation calls
:class:`crmkit.tier.live.LiveTiering` (the portfolio scored once; a weight or threshold change
is a weighted row sum and a threshold lookup, identical to :func:`crmkit.score.score_clients`
and :func:`crmkit.tier.tier_table` from scratch). Widget state does not
survive Papermill or nbconvert, so the notebooks always show the static results computed
from the parameters file as well; the *save* button writes the chosen weights and thresholds
back into that file so a batch run reproduces what the consultant settled on.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, clear_output, display

from crmkit.core.i18n import register, t
from crmkit.params import Params, SavedParams, update_params_file
from crmkit.params.scoring import ScoringParams
from crmkit.params.tiering import TieringParams
from crmkit.params.warning import WarningParams
from crmkit.score.difference import label
from crmkit.tier.live import LiveTiering
from crmkit.tier.tiers import TIERS

__all__ = ["TierState", "TieringExplorer", "tier_changes", "static_widgets"]


def static_widgets() -> bool:
    """True in a headless batch kernel (``CRMKIT_STATIC_WIDGETS=1``, set by ``crmkit run``):
    panels then show their results as static output and build no live widget."""
    return os.environ.get("CRMKIT_STATIC_WIDGETS") == "1"

register({
    "widget.weights": ("维度权重", "Dimension weights"),
    "widget.thresholds": ("分层阈值", "Tier thresholds"),
    "widget.a_min": ("A 级最低分", "A from score"),
    "widget.b_min": ("B 级最低分", "B from score"),
    "widget.a_share": ("A 级占比", "A share"),
    "widget.b_share": ("B 级占比", "B share"),
    "widget.save": ("保存到参数文件", "Save to parameters file"),
    "widget.static": ("（批量运行：以下为参数文件设置下的结果；"
                      "在 JupyterLab 中打开本笔记本可拖动滑块实时调整。）",
                      "(Batch run: results at the parameters-file settings; open this notebook in "
                      "JupyterLab to move the sliders live.)"),
    "widget.saved": ("已保存到 {path}", "Saved to {path}"),
    "widget.saved_diff": ("已保存到 {path}（原文件备份为 {backup}），改动如下：",
                          "Saved to {path} (previous file kept as {backup}); what changed:"),
    "widget.unchanged": ("与参数文件相同，未写入", "Same as the parameters file: nothing written"),
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
    bt, at = b["tier"], a["tier"]
    if isinstance(bt.dtype, pd.CategoricalDtype) and bt.dtype == at.dtype:
        bc, ac = bt.cat.codes.to_numpy(), at.cat.codes.to_numpy()
        moved = (bc != ac) & (bc >= 0) & (ac >= 0)  # to or from no tier is not a move
    else:
        moved = bt.astype("string").ne(at.astype("string")).fillna(False).to_numpy()
    pos = np.flatnonzero(moved)  # only the moved rows: a few, of a portfolio of 100,000
    names = a.get("client_name")
    out = pd.DataFrame({
        "client_name": names.array[pos] if names is not None else None,
        "tier_before": bt.array[pos], "tier_now": at.array[pos],
        "score_before": b["score"].array[pos], "score_now": a["score"].array[pos],
    }, index=a.index[pos])
    move = pd.Series(np.abs(out["score_now"].to_numpy(float, na_value=np.nan)
                            - out["score_before"].to_numpy(float, na_value=np.nan)))
    return out.iloc[move.sort_values(ascending=False).index]


def _tier_counts(table: pd.DataFrame) -> dict[str, int]:
    """Clients per tier code (A, B, C) of a tier table, counted on the categorical codes."""
    tier = table["tier"]
    if not isinstance(tier.dtype, pd.CategoricalDtype):
        tier = tier.astype("category")
    codes = tier.cat.codes.to_numpy()
    counts = np.bincount(codes[codes >= 0], minlength=len(tier.cat.categories))
    return {str(c): int(n) for c, n in zip(tier.cat.categories, counts, strict=True)}


def _num(value: float) -> float | int:
    """A slider value as written to the parameters file: 70 not 70.0, 0.55 not 0.5500000001."""
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def _short(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in errors())
        except Exception:  # noqa: BLE001
            pass
    return str(exc)


class _Panel:
    """What both explorers share: a save button, a message line and a live output area.

    Subclasses set ``lang`` and implement ``_recompute`` (from the sliders), ``save`` (to the
    parameters file) and ``_show`` (the live results).
    """

    lang: str

    def _init_panel(self) -> None:
        self.message = ""
        self.last_save: SavedParams | None = None
        self.save_button = w.Button(description=t("widget.save", self.lang), icon="save")
        self.out = w.Output()
        self.save_button.on_click(self._on_save)

    def _recompute(self) -> None:
        raise NotImplementedError

    def save(self) -> Path:
        raise NotImplementedError

    def _show(self) -> None:
        raise NotImplementedError

    def _on_change(self, _change: object = None) -> None:
        try:
            self._recompute()
            self.message = ""
        except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in a callback
            self.message = t("widget.invalid", self.lang).format(error=_short(exc))
        self._render()

    def _on_save(self, _button: object = None) -> None:
        try:
            path = self.save()
            saved = self.last_save
            if saved is not None and not saved.changed:
                self.message = t("widget.unchanged", self.lang)
            elif saved is not None and saved.backup is not None:
                self.message = t("widget.saved_diff", self.lang).format(
                    path=path, backup=saved.backup.name)
            else:
                self.message = t("widget.saved", self.lang).format(path=path)
        except Exception as exc:  # noqa: BLE001
            self.message = t("widget.invalid", self.lang).format(error=_short(exc))
        self._render()

    def _static(self) -> None:
        """The panel's results as plain output (batch runs, exports): no widget, no comm."""
        display(HTML(f"<i>{t('widget.static', self.lang)}</i>"))
        self._show()

    def _render(self) -> None:
        with self.out:
            clear_output(wait=True)
            if self.message:
                display(HTML(f"<b>{html.escape(self.message)}</b>"))
            if self.message and self.last_save is not None and self.last_save.diff:
                display(HTML(f"<pre>{html.escape(self.last_save.diff)}</pre>"))
            self._show()


class TieringExplorer(_Panel):
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
        self.live = LiveTiering(features, params.scoring, params.tiering, self.pd_, params.gates)
        self.baseline = TierState(params.scoring, params.tiering, self.live.base)
        self._baseline_counts = _tier_counts(self.baseline.table)
        self.state = self.baseline
        self._init_panel()
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
        for s in [*self.weight_sliders.values(), *self.threshold_sliders.values()]:
            s.observe(self._on_change, names="value")

    # -- pure parts (tested without a front end) ---------------------------------------------
    def compute(self, scoring: ScoringParams, tiering: TieringParams) -> TierState:
        """Score and tier the portfolio under one setting."""
        return TierState(scoring, tiering, self.live.table(scoring, tiering))

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
        now, before = _tier_counts(self.state.table), self._baseline_counts
        rows = [(k, now.get(k, 0), now.get(k, 0) - before.get(k, 0)) for k in TIERS]
        return pd.DataFrame(rows, columns=["tier", "clients", "change"]).set_index("tier")

    def save(self, path: str | Path | None = None) -> Path:
        """Write the weights and tier thresholds that changed into the parameters file
        (comments and layout kept, previous file backed up; ``last_save`` holds the diff)."""
        path = Path(path or self.params.source_file or "")
        scoring, _ = self.settings()
        weights = {k: _num(v) for k, v in scoring.weights.items()}
        abc = {k: _num(s.value) for k, s in self.threshold_sliders.items()}
        self.last_save = update_params_file(
            path, {"scoring": {"weights": weights}, "tiering": {"abc": abc}})
        return path

    # -- the front end ----------------------------------------------------------------------
    def _recompute(self) -> None:
        self.state = self.compute(*self.settings())

    def _show(self) -> None:
        counts = self.counts()
        display(HTML("<b>" + t("widget.counts", self.lang) + "</b>: " + ", ".join(
            f"{k} {r.clients} ({r.change:+d})" for k, r in counts.iterrows())))
        changes = self.changes()
        display(HTML("<b>" + t("widget.changed", self.lang).format(n=len(changes)) + "</b>"))
        if len(changes):
            display(changes.head(30).round(1).rename(columns=lambda c: t(f"col.{c}", self.lang)))

    def widget(self) -> w.Widget | None:
        """The panel: weight sliders, threshold sliders, save button and live results
        (static results only, and ``None``, in a headless batch kernel)."""
        if static_widgets():
            return self._static()
        self._render()
        return w.VBox([
            w.HTML(f"<b>{t('widget.weights', self.lang)}</b>"),
            *self.weight_sliders.values(),
            w.HTML(f"<b>{t('widget.thresholds', self.lang)}</b>"),
            *self.threshold_sliders.values(), self.save_button, self.out])


register({
    "widget.warn.title": ("预警阈值", "Warning thresholds"),
    "widget.warn.counts": ("各规则预警数（括号内为相对参数文件的变化）",
                           "Alerts per rule (change from the parameters file in brackets)"),
})

#: Rules given a slider by default: (rule id, min, max, step).
WARN_SLIDERS: tuple[tuple[str, float, float, float], ...] = (
    ("dscr_below_100", 0.5, 1.5, 0.05), ("dscr_below_110", 0.8, 1.6, 0.05),
    ("leverage_high", 0.5, 0.95, 0.01), ("dpd_30", 1, 90, 1),
    ("complaint_open", 5, 120, 5), ("milestone_delay_90", 30, 365, 5),
    ("churn_risk", 0.1, 0.9, 0.05),
)
__all__ += ["WarningExplorer", "WARN_SLIDERS"]


class WarningExplorer(_Panel):
    """Sliders for the main warning thresholds; alert counts per rule update live.

    Calls :func:`crmkit.warn.alerting.evaluate_rules` on the metrics the warn stage computed; the
    *save* button writes the thresholds into the parameters file (``warning.rules``).
    """

    def __init__(self, metrics: pd.DataFrame, facilities: pd.DataFrame, params: Params,
                 rules: tuple[tuple[str, float, float, float], ...] = WARN_SLIDERS,
                 lang: str | None = None) -> None:
        from crmkit.warn.alerting import evaluate_rules

        self._evaluate = evaluate_rules
        self.metrics, self.facilities, self.params = metrics, facilities, params
        self.lang = lang or params.language
        by_id = {r.id: r for r in params.warning.rules}
        self.sliders = {
            rid: w.FloatSlider(value=float(by_id[rid].threshold), min=lo, max=hi, step=step,
                               description=by_id[rid].label(self.lang), continuous_update=False,
                               style={"description_width": "11em"})
            for rid, lo, hi, step in rules
            if rid in by_id and isinstance(by_id[rid].threshold, int | float)}
        self.baseline = self.counts_for(params.warning)
        self.current = self.baseline
        self._init_panel()
        for s in self.sliders.values():
            s.observe(self._on_change, names="value")

    def settings(self) -> WarningParams:
        """The warning section with the sliders' thresholds (validated)."""
        return self.params.warning.with_thresholds({k: s.value for k, s in self.sliders.items()})

    def counts_for(self, warning: WarningParams) -> pd.Series:
        """Clients or facilities flagged by each rule under ``warning``."""
        ev = self._evaluate(self.metrics, self.facilities, warning)
        return ev.counts() if hasattr(ev, "counts") else pd.Series(
            {k: int(v.sum()) for k, v in ev.fired.items()})

    def table(self) -> pd.DataFrame:
        """Alerts per rule now, and the change from the parameters file's thresholds."""
        now, base = _as_counts(self.current), _as_counts(self.baseline)
        out = pd.DataFrame({"alerts": now, "change": now - base.reindex(now.index).fillna(0)})
        return out.astype(int)

    def save(self) -> Path:
        """Write the thresholds that changed into the parameters file, as ``warning.rules``
        entries merged by id (never the whole default rule set); ``last_save`` holds the diff."""
        path = Path(self.params.source_file or "")
        rules = [{"id": rid, "threshold": _num(s.value)} for rid, s in self.sliders.items()]
        self.last_save = update_params_file(path, {"warning": {"rules": rules}})
        return path

    def _recompute(self) -> None:
        self.current = self.counts_for(self.settings())

    def _show(self) -> None:
        display(HTML(f"<b>{t('widget.warn.counts', self.lang)}</b>"))
        names = {r.id: r.label(self.lang) for r in self.params.warning.rules}
        display(self.table().rename(index=names))  # rules by name, as on the sliders

    def widget(self) -> w.Widget | None:
        """The panel: one slider per rule threshold, save button, live counts (static counts
        only, and ``None``, in a headless batch kernel)."""
        if static_widgets():
            return self._static()
        self._render()
        return w.VBox([w.HTML(f"<b>{t('widget.warn.title', self.lang)}</b>"),
                       *self.sliders.values(), self.save_button, self.out])


def _as_counts(counts: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(counts, pd.DataFrame):
        col = "alerts" if "alerts" in counts else counts.columns[-1]
        key = "rule_id" if "rule_id" in counts else None
        s = counts.set_index(key)[col] if key else counts[col]
        return s.astype(int)
    return counts.astype(int)
