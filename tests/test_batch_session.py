"""One kernel per portfolio (crmkit.batch.session): reuse, isolation between stages, recovery."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from test_hardening_batch import _book, _params

from crmkit.batch import run_portfolio
from crmkit.batch.session import KERNEL_MODE_ENV, KernelSession, kernel_per_portfolio

# Each stage notes its kernel's pid and what it can see of the stage before it.
STAGE = """
import os, json
import matplotlib
from crmkit import load_params
p = load_params(params_file)
seen = {{"pid": os.getpid(), "leaked": "secret_{prev}" in globals(),
        "out": "Out" in globals() and bool(Out), "cwd": os.getcwd(),
        "linewidth": matplotlib.rcParams["lines.linewidth"]}}
secret_{name} = 42
os.chdir("/")
matplotlib.rcParams["lines.linewidth"] = 7.0
p.run_dir.mkdir(parents=True, exist_ok=True)
(p.run_dir / "{name}.json").write_text(json.dumps(seen))
"""
# The kernel dies in the first attempt of this stage only (a marker file remembers).
DIE_ONCE = """
import os
from crmkit import load_params
p = load_params(params_file)
marker = p.run_dir / "died-once"
if not marker.exists():
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("x")
    os._exit(1)
"""
FAIL = 'raise ValueError("planted")'


def _stage(name: str, prev: str) -> str:
    return STAGE.format(name=name, prev=prev)


def _seen(run_dir: str, name: str) -> dict:
    return json.loads((Path(run_dir) / f"{name}.json").read_text())


@pytest.fixture
def three(tmp_path: Path) -> Path:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", _stage("collect", "none"), "x = 1\nx")
    _book(books, "02_score.ipynb", _stage("score", "collect"))
    _book(books, "03_tier.ipynb", _stage("tier", "score"))
    return books


def test_one_kernel_runs_every_stage_and_no_name_leaks(tmp_path: Path, three: Path,
                                                       monkeypatch) -> None:
    monkeypatch.delenv(KERNEL_MODE_ENV, raising=False)
    run = run_portfolio(_params(tmp_path, "iso"), notebooks=three)
    assert run.ok, run.stages
    seen = {s: _seen(run.run_dir, s) for s in ("collect", "score", "tier")}
    assert len({v["pid"] for v in seen.values()}) == 1  # one kernel for the portfolio
    assert not any(v["leaked"] for v in seen.values())  # secret_collect not seen in score
    assert not seen["score"]["out"]  # Out of the stage before is cleared too
    assert {v["cwd"] for v in seen.values()} == {str(three)}  # chdir("/") undone
    assert {v["linewidth"] for v in seen.values()} == {1.5}  # rc settings as in a new kernel
    # each executed notebook is a record of its own stage: counts from 1, papermill metadata
    nb = nbformat.read(Path(run.stages[1].notebook), as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert nb.metadata["papermill"]["parameters"] == {"params_file": str(tmp_path / "iso.yaml")}
    assert "injected-parameters" in nb.cells[1].metadata["tags"]


def test_one_kernel_per_stage_when_asked(tmp_path: Path, three: Path, monkeypatch) -> None:
    monkeypatch.setenv(KERNEL_MODE_ENV, "stage")
    assert not kernel_per_portfolio()
    run = run_portfolio(_params(tmp_path, "per_stage"), notebooks=three)
    assert run.ok
    pids = {_seen(run.run_dir, s)["pid"] for s in ("collect", "score", "tier")}
    assert len(pids) == 3


def test_a_dead_kernel_is_replaced_and_the_stage_retried(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(KERNEL_MODE_ENV, raising=False)
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", _stage("collect", "none"))
    _book(books, "02_score.ipynb", DIE_ONCE, _stage("score", "collect"))
    _book(books, "03_tier.ipynb", _stage("tier", "score"))
    run = run_portfolio(_params(tmp_path, "dies"), notebooks=books)
    assert run.ok, run.stages
    assert [s.attempts for s in run.stages] == [1, 2, 1]
    pid = {s: _seen(run.run_dir, s)["pid"] for s in ("collect", "score", "tier")}
    assert pid["collect"] != pid["score"] == pid["tier"]  # a new kernel, then kept


def test_a_failed_notebook_discards_the_kernel(tmp_path: Path) -> None:
    from crmkit.batch.kernels import execute_notebook
    from crmkit.params import load_params

    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", "import os\nos.getpid()", FAIL)
    _book(books, "02_score.ipynb", "leftover = 1")
    _book(books, "03_tier.ipynb", "assert 'leftover' not in globals()")
    pfile = _params(tmp_path, "fails")
    params = load_params(pfile)
    out = tmp_path / "executed"
    out.mkdir()
    with KernelSession(books, 60) as session:
        with pytest.raises(Exception, match="planted"):
            execute_notebook(books / "01_collect.ipynb", out / "01.ipynb", pfile, params,
                             session)
        assert session.km is None and session.starts == 1
        execute_notebook(books / "02_score.ipynb", out / "02.ipynb", pfile, params, session)
        execute_notebook(books / "03_tier.ipynb", out / "03.ipynb", pfile, params, session)
        assert session.starts == 2  # a fresh kernel after the failure, then reused
        assert session.km is not None
    assert session.km is None
    failed = nbformat.read(out / "01.ipynb", as_version=4)
    assert "planted" in json.dumps(failed.cells[-1].outputs)
