"""The weight / threshold sliders, exercised headlessly (no browser, no kernel)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crmkit.params import load_params
from crmkit.sample import generate
from crmkit.score import client_features
from crmkit.widgets import TieringExplorer

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return client_features(generate(150, seed=3, as_of=AS_OF), AS_OF)


@pytest.fixture
def params(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({
        "portfolio": "w", "as_of": AS_OF.isoformat(), "sources": {"default": {"path": "."}},
        "scoring": {"missing": "neutral"}}), encoding="utf-8")
    return load_params(path)


def test_sliders_start_from_the_parameters(features, params) -> None:
    ex = TieringExplorer(features, params)
    assert {d: s.value for d, s in ex.weight_sliders.items()} == pytest.approx(
        params.scoring.weights)
    assert ex.threshold_sliders["a_min"].value == params.tiering.abc.a_min
    assert ex.changes().empty and ex.counts()["change"].eq(0).all()
    assert ex.counts()["clients"].sum() == len(features)


def test_moving_a_threshold_retiers_live(features, params) -> None:
    ex = TieringExplorer(features, params)
    ex.widget()
    before_a = int(ex.counts().loc["A", "clients"])
    ex.threshold_sliders["a_min"].value = 60  # the observer fires like in a browser
    after = ex.counts()
    assert after.loc["A", "clients"] > before_a
    changed = ex.changes()
    assert len(changed) == after.loc["A", "change"]
    assert set(changed["tier_now"].astype(str)) == {"A"}
    assert (changed["score_now"] >= 60).all() and (changed["score_before"] < 75).all()


def test_moving_a_weight_rescores(features, params) -> None:
    ex = TieringExplorer(features, params)
    dims = list(ex.weight_sliders)
    for d in dims[1:]:
        ex.weight_sliders[d].value = 0.0
    ex.weight_sliders[dims[0]].value = 1.0
    only_first = ex.state.table["score"]
    assert not np.allclose(only_first, ex.baseline.table["score"], equal_nan=True)


def test_invalid_setting_is_shown_not_raised(features, params) -> None:
    ex = TieringExplorer(features, params)
    ex.threshold_sliders["b_min"].value = 90  # above a_min: invalid
    assert "b_min" in ex.message or "a_min" in ex.message
    assert ex.state.tiering.abc.b_min == params.tiering.abc.b_min  # last valid state kept


def test_save_button_writes_weights_back(features, params) -> None:
    ex = TieringExplorer(features, params)
    dim = next(iter(ex.weight_sliders))
    ex.weight_sliders[dim].value = 0.9
    ex.threshold_sliders["a_min"].value = 70
    ex.save_button.click()
    again = load_params(params.source_file)
    assert again.scoring.weights[dim] == pytest.approx(0.9)
    assert again.tiering.abc.a_min == 70
    assert again.scoring.missing == "neutral"  # the rest of the section is kept
    assert "Saved" in ex.message or "已保存" in ex.message


def test_warning_sliders_update_alert_counts_and_save(params) -> None:
    from crmkit.warn import client_metrics, facility_metrics
    from crmkit.widgets import WarningExplorer

    tables = generate(150, seed=3, as_of=AS_OF)
    ex = WarningExplorer(client_metrics(tables, AS_OF), facility_metrics(tables, AS_OF), params)
    ex.widget()
    before = ex.table().loc["leverage_high", "alerts"]
    ex.sliders["leverage_high"].value = 0.55  # a lower leverage limit flags more clients
    after = ex.table().loc["leverage_high"]
    assert after["alerts"] > before and after["change"] == after["alerts"] - before
    ex.save_button.click()
    rules = {r.id: r for r in load_params(params.source_file).warning.rules}
    assert rules["leverage_high"].threshold == pytest.approx(0.55)


def test_batch_kernels_get_static_panels_and_no_widget(features, params, monkeypatch) -> None:
    """In a headless batch kernel the panel prints its results and builds no Output widget
    (an Output-widget cell once left a pooled batch waiting on an idle kernel for 600 s)."""
    import ipywidgets as w

    from crmkit.batch.kernels import STATIC_WIDGETS_ENV

    shown: list[object] = []
    monkeypatch.setattr("crmkit.widgets.display", lambda *objs: shown.extend(objs))
    ex = TieringExplorer(features, params)
    entered: list[bool] = []
    monkeypatch.setattr(type(ex.out), "__enter__", lambda self: entered.append(True))
    monkeypatch.setenv(STATIC_WIDGETS_ENV, "1")
    assert ex.widget() is None
    assert not entered, "the Output widget must not be used in batch"
    assert not any(isinstance(o, w.Widget) for o in shown[1:]) and len(shown) >= 2
    monkeypatch.delenv(STATIC_WIDGETS_ENV)
    assert isinstance(ex.widget(), w.VBox) and entered
