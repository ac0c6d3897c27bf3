"""Saving from the slider panels edits only the changed lines of a commented parameters file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmkit.core.errors import ParametersError
from crmkit.params import load_params, update_params_file
from crmkit.params.warning import DEFAULT_RULES
from crmkit.sample import generate
from crmkit.score import client_features
from crmkit.widgets import TieringExplorer, WarningExplorer

AS_OF = dt.date(2026, 9, 30)
SAMPLE = Path(__file__).resolve().parents[1] / "parameters" / "sample.yaml"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(150, seed=3, as_of=AS_OF)


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    """The shipped sample parameters file: comments, flow lists wrapped over lines, aligned."""
    path = tmp_path / "sample.yaml"
    shutil.copy(SAMPLE, path)
    return path


def _changed_lines(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    assert len(before) == len(after)
    return [(b, a) for b, a in zip(before, after, strict=True) if b != a]


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


def test_tiering_panel_save_changes_only_the_edited_lines(tables, commented) -> None:
    before = commented.read_text(encoding="utf-8")
    ex = TieringExplorer(client_features(tables, AS_OF), load_params(commented))
    ex.weight_sliders["contribution"].value = 0.25
    ex.threshold_sliders["a_min"].value = 70
    ex.save_button.click()
    after = commented.read_text(encoding="utf-8")
    assert _changed_lines(before.splitlines(), after.splitlines()) == [
        ("    a_min: 75                       # thresholds: composite score >= 75 -> A 核心客户",
         "    a_min: 70                       # thresholds: composite score >= 75 -> A 核心客户"),
        ("    contribution: 0.30              # 业务贡献: income, exposure, products, tenure",
         "    contribution: 0.25              # 业务贡献: income, exposure, products, tenure"),
    ]
    [backup] = _backups(commented)
    assert backup.read_text(encoding="utf-8") == before
    assert "-    a_min: 75" in ex.last_save.diff and "+    a_min: 70" in ex.last_save.diff
    assert ex.last_save.keys == ["scoring.weights.contribution", "tiering.abc.a_min"]
    assert backup.name in ex.message
    again = load_params(commented)
    assert again.tiering.abc.a_min == 70 and again.scoring.weights["contribution"] == 0.25


def test_warning_panel_save_writes_one_rule_not_the_default_set(tables, commented) -> None:
    from crmkit.warn import client_metrics, facility_metrics

    before = commented.read_text(encoding="utf-8").splitlines()
    params = load_params(commented)
    ex = WarningExplorer(client_metrics(tables, AS_OF), facility_metrics(tables, AS_OF), params)
    ex.sliders["leverage_high"].value = 0.8
    ex.save_button.click()
    after = commented.read_text(encoding="utf-8").splitlines()
    assert after[:len(before)] == before
    assert after[len(before):] == [
        "warning:", "  rules:", "    - {id: leverage_high, threshold: 0.8}"]
    assert len(_backups(commented)) == 1
    rules = load_params(commented).warning.rules
    assert len(rules) == len(DEFAULT_RULES)
    assert {r.id: r for r in rules}["leverage_high"].threshold == 0.8
    assert [r for r in rules if r.id != "leverage_high"] == [
        r for r in params.warning.rules if r.id != "leverage_high"]

    ex.sliders["leverage_high"].value = 0.75  # a second save edits the entry in place
    ex.sliders["dpd_30"].value = 45
    ex.save_button.click()
    assert commented.read_text(encoding="utf-8").splitlines()[len(before):] == [
        "warning:", "  rules:", "    - {id: leverage_high, threshold: 0.75}",
        "    - {id: dpd_30, threshold: 45}"]
    assert len(_backups(commented)) == 2


def test_a_rule_already_in_the_file_is_edited_in_place(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    text = ("portfolio: p   # the name\nas_of: 2026-09-30\nsources: {default: {path: d}}\n"
            "warning:\n  rules:          # only what differs from the defaults\n"
            "    - id: dpd_30\n      threshold: 60     # agreed with risk, 2026-05\n"
            "    - {id: nps_detractor, enabled: false}\n  worklist_top_n: 20\n")
    path.write_text(text, encoding="utf-8")
    saved = update_params_file(path, {"warning": {"rules": [
        {"id": "dpd_30", "threshold": 45}, {"id": "leverage_high", "threshold": 0.8}]}})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "portfolio: p   # the name", "as_of: 2026-09-30", "sources: {default: {path: d}}",
        "warning:", "  rules:          # only what differs from the defaults",
        "    - id: dpd_30", "      threshold: 45     # agreed with risk, 2026-05",
        "    - {id: nps_detractor, enabled: false}",
        "    - {id: leverage_high, threshold: 0.8}", "  worklist_top_n: 20"]
    assert saved.keys == ["warning.rules[dpd_30].threshold",
                          "warning.rules[leverage_high].threshold"]
    assert not load_params(path).warning.rule("nps_detractor").enabled


def test_same_values_write_nothing_and_bad_values_never_land(commented) -> None:
    before = commented.read_text(encoding="utf-8")
    saved = update_params_file(commented, {"tiering": {"abc": {"a_min": 75}},
                                           "warning": {"rules": [{"id": "dpd_30",
                                                                  "threshold": 30}]}})
    assert not saved.changed and saved.diff == "" and saved.backup is None
    assert commented.read_text(encoding="utf-8") == before and not _backups(commented)
    with pytest.raises(ParametersError, match=r"(?s)sample\.yaml.*b_min"):
        update_params_file(commented, {"tiering": {"abc": {"b_min": 90}}})
    assert commented.read_text(encoding="utf-8") == before and not _backups(commented)


def test_new_keys_go_under_their_section_and_lists_are_replaced_in_place(commented) -> None:
    import difflib

    before = commented.read_text(encoding="utf-8").splitlines()
    update_params_file(commented, {"credit": {"features": ["dscr", "roa"], "min_auc": 0.65},
                                   "tiering": {"pareto": {"cutoff": 0.75}}})
    after = commented.read_text(encoding="utf-8").splitlines()
    removed = [ln[1:] for ln in difflib.unified_diff(before, after, n=0, lineterm="")
               if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in difflib.unified_diff(before, after, n=0, lineterm="")
             if ln.startswith("+") and not ln.startswith("+++")]
    assert removed == [
        "  features: [debt_to_assets, current_ratio, interest_cover, dscr, roa, revenue_growth,",
        "             on_time_share, dpd_max, late_30_count, complaints_12m, "
        "max_milestone_delay_days,",
        "             tenure_years]",
        "  pareto: {value: income, cutoff: 0.8, top_share: 0.2, b_cutoff: 0.95}"]
    assert added == ["  features: [dscr, roa]", "  min_auc: 0.65",
                     "  pareto: {value: income, cutoff: 0.75, top_share: 0.2, b_cutoff: 0.95}"]
    p = load_params(commented)
    assert p.credit.features == ["dscr", "roa"] and p.credit.min_auc == 0.65
    assert p.tiering.pareto.cutoff == 0.75
