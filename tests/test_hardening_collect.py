"""Issue 17, collect defects: empty tables (6), ragged CSV (4), implausible repayments (7),
encodings and headers (10), values (11), quarantine masking (12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from crmkit.collect import load_clean, run
from crmkit.core.errors import CollectError
from crmkit.params import load_params

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _portfolio(tmp_path: Path, **extra: object) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"portfolio": "h", "as_of": "2026-09-30",
                                    "output_dir": "out", "sources": {"default": {"path": "data"}},
                                    **extra}), encoding="utf-8")
    return path


def _keep_header(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def test_defect6_header_only_clients_file_stops_at_collect(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path)
    _keep_header(tmp_path / "data" / "clients.csv")
    params = load_params(pfile)
    with pytest.raises(CollectError, match=r"clients\.csv: table 'clients'.*only a header row"):
        run(params)
    # the quality files are written all the same, for the user to look at
    assert (params.stage_dir("collect") / "summary.csv").is_file()


def test_defect6_all_rows_quarantined_names_the_quarantine_file(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path)
    lines = (tmp_path / "data" / "repayments.csv").read_text(encoding="utf-8").splitlines()
    body = [line.split(",") for line in lines[1:4]]
    header = lines[0].split(",")
    i = header.index("client_id") if "client_id" in header else 1
    for cells in body:
        cells[i] = "NOBODY"  # orphans: every row is quarantined
    (tmp_path / "data" / "repayments.csv").write_text(
        "\n".join([lines[0], *(",".join(c) for c in body)]) + "\n", encoding="utf-8")
    with pytest.raises(CollectError, match=r"all 3 rows were quarantined.*quarantine\.csv"):
        run(load_params(pfile))


def test_defect6_later_stages_fail_with_a_message_not_a_keyerror(tmp_path: Path) -> None:
    from crmkit.score import run as score

    pfile = _portfolio(tmp_path)
    params = load_params(pfile)
    run(params)
    import pandas as pd

    path = params.stage_dir("collect") / "clients.parquet"
    pd.read_parquet(path).head(0).to_parquet(path)  # an empty table left by some other tool
    with pytest.raises(CollectError, match="table 'clients'.*no usable rows"):
        load_clean(params)
    with pytest.raises(CollectError, match="no usable rows"):
        score(params)
