"""Batch runs: isolation, parallel kernels, manifest, resume, interruption, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from crmkit.batch import (
    expand_params,
    read_manifest,
    run_portfolio,
    run_portfolios,
    stage_notebooks,
)
from crmkit.cli import main
from crmkit.core.errors import ParametersError

STAGE_1 = """
from crmkit import load_params
p = load_params(params_file)
d = p.run_dir / "collect"
d.mkdir(parents=True, exist_ok=True)
(d / "rows.txt").write_text(p.portfolio, encoding="utf-8")
"""
STAGE_2 = """
import time
from crmkit import load_params
p = load_params(params_file)
time.sleep(float(p.title or 0))
if p.portfolio.startswith("broken"):
    raise ValueError("planted failure in " + p.portfolio)
d = p.run_dir / "score"
d.mkdir(parents=True, exist_ok=True)
(d / "done.txt").write_text("ok", encoding="utf-8")
"""


def _notebook(path: Path, code: str) -> None:
    nb = new_notebook(cells=[new_markdown_cell("# stage"),
                             new_code_cell('params_file = ""', metadata={"tags": ["parameters"]}),
                             new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def books(tmp_path: Path) -> Path:
    folder = tmp_path / "nb"
    folder.mkdir()
    _notebook(folder / "01_collect.ipynb", STAGE_1)
    _notebook(folder / "02_score.ipynb", STAGE_2)
    (folder / "notes.ipynb").write_text("{}")  # not a stage notebook: ignored
    return folder


def _params(folder: Path, name: str, sleep: float = 0, **extra: object) -> Path:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "clients.csv").write_text("client_id\nC1\n", encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "portfolio": name, "as_of": "2026-09-30", "output_dir": "out", "title": str(sleep),
        "sources": {"default": {"path": "data"}}, **extra}), encoding="utf-8")
    return path


def test_stage_notebooks_in_order(books: Path) -> None:
    assert list(stage_notebooks(books)) == ["collect", "score"]


def test_expand_params_folder_and_errors(tmp_path: Path) -> None:
    a, b = _params(tmp_path, "a"), _params(tmp_path, "b")
    assert expand_params([tmp_path]) == [a, b]
    with pytest.raises(ParametersError, match="no such parameters file"):
        expand_params([tmp_path / "missing.yaml"])


def test_failure_is_isolated_and_reported(tmp_path: Path, books: Path, capsys) -> None:
    files = [_params(tmp_path, n) for n in ("good1", "broken", "good2")]
    results = run_portfolios(files, workers=2, notebooks=books)
    status = {r.portfolio: r.ok for r in results}
    assert status == {"good1": True, "broken": False, "good2": True}
    broken = next(r for r in results if r.portfolio == "broken")
    failed = broken.stages[-1]
    assert failed.stage == "score" and "planted failure in broken" in failed.error
    executed = json.loads(Path(failed.notebook).read_text(encoding="utf-8"))
    assert "planted failure" in json.dumps(executed["cells"][-1]["outputs"])
    out = capsys.readouterr().out
    assert "broken" in out and "FAILED" in out and "stage score" in out
    assert "2 of 3 portfolios succeeded" in out
    assert (tmp_path / "out" / "good2" / "2026-09-30" / "score" / "done.txt").is_file()


def test_cli_exit_code_nonzero_when_any_fails(tmp_path: Path, books: Path, monkeypatch) -> None:
    monkeypatch.setenv("CRMKIT_NOTEBOOKS", str(books))
    monkeypatch.setattr("crmkit.batch.runner.NOTEBOOKS", books)
    assert main(["run", str(_params(tmp_path, "ok1")), "--workers", "1", "--quiet"]) == 0
    assert main(["run", str(_params(tmp_path, "broken1")), "--workers", "1", "--quiet"]) == 1


def test_manifest_and_resume(tmp_path: Path, books: Path) -> None:
    pfile = _params(tmp_path, "p1")
    first = run_portfolio(pfile, notebooks=books)
    assert first.ok and not any(s.skipped for s in first.stages)
    m = read_manifest(Path(first.run_dir))
    assert m["portfolio"] == "p1" and m["ok"] is True
    assert list(m["inputs"]) == [str(tmp_path / "data" / "clients.csv")]
    assert m["packages"]["pandas"] and m["stages"]["score"]["seconds"] > 0
    assert any(o.endswith("done.txt") for o in m["stages"]["score"]["outputs"])
    again = run_portfolio(pfile, resume=True, notebooks=books)
    assert [s.skipped for s in again.stages] == [True, True]
    # a changed input re-runs everything downstream of it
    (tmp_path / "data" / "clients.csv").write_text("client_id\nC1\nC2\n", encoding="utf-8")
    third = run_portfolio(pfile, resume=True, notebooks=books)
    assert [s.skipped for s in third.stages] == [False, False]
    # a changed later notebook re-runs only that stage
    _notebook(books / "02_score.ipynb", STAGE_2 + "\n# edited\n")
    fourth = run_portfolio(pfile, resume=True, notebooks=books)
    assert [s.skipped for s in fourth.stages] == [True, False]


def test_parallel_kernels_repeatedly(tmp_path: Path, books: Path) -> None:
    files = [_params(tmp_path, f"par{i}") for i in range(4)]
    for _ in range(2):
        results = run_portfolios(files, workers=2, notebooks=books, progress=False)
        assert all(r.ok for r in results), [(r.portfolio, r.stages) for r in results]


def test_duplicate_run_folders_refused(tmp_path: Path, books: Path) -> None:
    a = _params(tmp_path, "same")
    b = tmp_path / "copy.yaml"
    b.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ParametersError, match="both write"):
        run_portfolios([a, b], notebooks=books, progress=False)


def test_killed_run_leaves_no_partial_output(tmp_path: Path, books: Path) -> None:
    pfile = _params(tmp_path, "slow", sleep=30)
    env = {**os.environ, "CRMKIT_NOTEBOOKS": str(books)}
    proc = subprocess.Popen([sys.executable, "-m", "crmkit.cli", "run", str(pfile),
                             "--workers", "1"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = tmp_path / "out" / "slow" / "2026-09-30"
    deadline = time.time() + 60
    while time.time() < deadline and not list(run_dir.glob("notebooks/.02_score*")):
        time.sleep(0.2)
    assert list(run_dir.glob("notebooks/.02_score*")), "stage 2 never started"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "notebooks" / "02_score.ipynb").exists()  # no half-written notebook
    assert read_manifest(run_dir)["stages"].get("score") is None
    # the next run is correct and cleans the leftovers
    pfile.write_text(pfile.read_text(encoding="utf-8").replace("'30'", "'0'"), encoding="utf-8")
    again = run_portfolio(pfile, resume=True, notebooks=books)
    assert again.ok and [s.skipped for s in again.stages] == [False, False]
    assert not list(run_dir.rglob(".*.part*"))


def test_dask_executor_on_a_local_cluster(tmp_path: Path, books: Path) -> None:
    from distributed import LocalCluster

    files = [_params(tmp_path, f"dask{i}") for i in range(3)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        results = run_portfolios(files, executor="dask", scheduler=cluster.scheduler_address,
                                 notebooks=books, progress=False)
    assert [r.ok for r in results] == [True, True, True], [(r.error, r.stages) for r in results]
    assert [r.portfolio for r in results] == ["dask0", "dask1", "dask2"]


def test_rollup_written_for_several_portfolios(tmp_path: Path, books: Path) -> None:
    import pandas as pd

    files = [_params(tmp_path, f"r{i}") for i in range(2)]
    run_portfolios(files, workers=1, notebooks=books, progress=False)
    pages = list((tmp_path / "out" / "_rollup").glob("*/rollup.xlsx"))
    assert len(pages) == 1
    table = pd.read_excel(pages[0])
    assert table.iloc[:, 0].tolist() == ["r0", "r1"]
    html_page = pages[0].with_name("rollup.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html_page and "多组合汇总" in html_page


def test_a_cell_that_never_answers_times_out_and_is_retried_once(tmp_path: Path, books: Path):
    pfile = _params(tmp_path, "hung", sleep=30, batch={"cell_timeout_seconds": 2})
    run = run_portfolio(pfile, notebooks=books)
    failed = run.stages[-1]
    assert not run.ok and failed.stage == "score" and failed.attempts == 2
    assert "CellTimeoutError" in failed.error or "timed out" in failed.error
