"""The parameters file: validation collects every problem at once, with hints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crmkit.core.errors import ParametersError
from crmkit.params import load_params, update_params_file

ROOT = Path(__file__).resolve().parents[1]
GOOD = {"portfolio": "p1", "as_of": "2026-09-30", "sources": {"default": {"path": "data"}}}


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "p.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_sample_parameters_load() -> None:
    p = load_params(ROOT / "parameters" / "sample.yaml")
    assert p.portfolio == "sample" and p.language in ("zh", "en")
    assert p.sources["default"].path == ROOT / "data" / "sample"
    assert p.run_dir == ROOT / "outputs" / "sample" / "2026-09-30"


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    p = load_params(_write(tmp_path, {**GOOD, "sources": {
        "default": {"url": "sqlite:///db/x.db"}, "clients": {"path": "c.csv"}}}))
    assert p.sources["clients"].path == tmp_path / "c.csv"
    assert p.sources["default"].url == f"sqlite:///{tmp_path / 'db' / 'x.db'}"


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    bad = {**GOOD, "as_of": "30/09/2026", "languag": "zh", "language": "fr",
           "columns": {"clients": {"客户号": "clinet_id"}}}
    with pytest.raises(ParametersError) as err:
        load_params(_write(tmp_path, bad))
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path / 'p.yaml'}: 4 problems")
    assert "as_of" in msg and "languag: unknown key (did you mean 'language'?)" in msg
    assert "language:" in msg and "'fr'" in msg
    assert "maps to 'clinet_id'" in msg and "did you mean 'client_id'" in msg


@pytest.mark.parametrize("name", ["../x", "/abs", "a b", "a/b", "..", ""])
def test_unsafe_portfolio_names_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ParametersError, match="portfolio"):
        load_params(_write(tmp_path, {**GOOD, "portfolio": name}))


def test_source_needs_exactly_one_location(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match="exactly one of 'path'"):
        load_params(_write(tmp_path, {**GOOD, "sources": {"clients": {}}}))
    with pytest.raises(ParametersError, match=r"unknown table 'client' \(did you mean 'clients'"):
        load_params(_write(tmp_path, {**GOOD, "sources": {"client": {"path": "x"}}}))


def test_units_validated(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match="unknown unit 'lakh'"):
        load_params(_write(tmp_path, {**GOOD, "units": {"facilities": {"amount": "lakh"}}}))
    with pytest.raises(ParametersError, match="facilities.status is not a money column"):
        load_params(_write(tmp_path, {**GOOD, "units": {"facilities": {"status": "万元"}}}))


def test_yaml_is_data_not_code(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("portfolio: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(ParametersError, match="not valid YAML"):
        load_params(p)


def test_missing_and_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match="parameters file not found"):
        load_params(tmp_path / "none.yaml")
    with pytest.raises(ParametersError, match="expected a mapping"):
        load_params(_write(tmp_path, [1, 2]))


def test_update_params_file_validates_before_writing(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    update_params_file(path, {"language": "en"})
    assert load_params(path).language == "en"
    with pytest.raises(ParametersError, match="language"):
        update_params_file(path, {"language": "fr"})
    assert load_params(path).language == "en"
