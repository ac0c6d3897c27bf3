"""Issue 17, batch defects: kernel stalls (1), interruption (3), full or read-only output (5),
secrets in the manifest (8), the kernel's TCP warning in the terminal (12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from crmkit.batch import read_manifest, run_portfolio

# A cell whose execute_reply the kernel "loses" (it goes idle, the reply never leaves), as in
# the stalls seen in pooled batches; with ONCE set, only on the first attempt.
LOSE_REPLY = """
import os
import signal
from pathlib import Path
from crmkit import load_params
p = load_params(params_file)
marker = p.run_dir / "stalled-once"
k = get_ipython().kernel
if not (ONCE and marker.exists()):
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("x")
    real = k.session.send
    def send(stream, kind, *a, **kw):
        if kind == "execute_reply" and not getattr(k, "_lost", False):
            k._lost = True
            return {"content": {"status": "ok"}}
        return real(stream, kind, *a, **kw)
    k.session.send = send
"""
WRITE = """
from crmkit import load_params
p = load_params(params_file)
(p.run_dir / "collect").mkdir(parents=True, exist_ok=True)
(p.run_dir / "collect" / "done.txt").write_text("ok")
"""
SLEEP = """
import time
time.sleep(float(SLEEP))
"""


def _book(folder: Path, name: str, *cells: str) -> None:
    folder.mkdir(exist_ok=True)
    nb = new_notebook(cells=[new_code_cell('params_file = ""', metadata={"tags": ["parameters"]}),
                             *(new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / name)


def _params(folder: Path, name: str, **extra: object) -> Path:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "clients.csv").write_text("client_id\nC1\n", encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "portfolio": name, "as_of": "2026-09-30", "output_dir": "out",
        "sources": {"default": {"path": "data"}}, **extra}), encoding="utf-8")
    return path


def test_defect1_kernel_stall_detected_within_seconds_and_retried_once(tmp_path: Path) -> None:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", "ONCE = True" + LOSE_REPLY, WRITE)
    pfile = _params(tmp_path, "stall", batch={"cell_timeout_seconds": 90,
                                              "silent_kernel_seconds": 3})
    t0 = time.monotonic()
    run = run_portfolio(pfile, notebooks=books)
    took = time.monotonic() - t0
    assert run.ok, run.stages
    assert took < 60, f"the stall was only noticed at the cell timeout ({took:.0f} s)"
    stage = read_manifest(Path(run.run_dir))["stages"]["collect"]
    assert stage["status"] == "ok" and stage["attempts"] == 2  # recorded honestly


def test_defect1_a_kernel_that_always_stalls_is_never_reported_ok(tmp_path: Path) -> None:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", "ONCE = False" + LOSE_REPLY, WRITE)
    pfile = _params(tmp_path, "stall2", batch={"cell_timeout_seconds": 90,
                                               "silent_kernel_seconds": 3})
    t0 = time.monotonic()
    run = run_portfolio(pfile, notebooks=books)
    assert time.monotonic() - t0 < 60
    (stage,) = run.stages
    assert not run.ok and stage.attempts == 2
    assert "silent kernel" in stage.error
    assert read_manifest(Path(run.run_dir))["stages"]["collect"]["status"] == "failed"


def test_defect1_a_long_quiet_cell_is_not_a_stall(tmp_path: Path) -> None:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", "SLEEP = 6" + SLEEP, WRITE)
    pfile = _params(tmp_path, "slowcell", batch={"silent_kernel_seconds": 2})
    run = run_portfolio(pfile, notebooks=books)
    assert run.ok and run.stages[0].attempts == 1, run.stages


def test_defect12_kernel_tcp_warning_not_in_the_terminal(tmp_path: Path) -> None:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", WRITE)
    pfile = _params(tmp_path, "quiet")
    env = {**os.environ, "CRMKIT_NOTEBOOKS": str(books)}
    proc = subprocess.run([sys.executable, "-m", "crmkit.cli", "run", str(pfile),
                           "--workers", "1"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "without encryption" not in proc.stdout + proc.stderr


SLEEPY = """
import time
from crmkit import load_params
p = load_params(params_file)
time.sleep(float(p.title))
(p.run_dir / "score").mkdir(parents=True, exist_ok=True)
"""


def _alive(procs: list) -> list:
    import psutil

    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("how", ["sigint_parent", "ctrl_c_group", "sigterm_parent"])
def test_defect3_interruption_stops_workers_and_kernels(tmp_path: Path, how: str) -> None:
    import psutil

    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", WRITE)
    _book(books, "02_score.ipynb", SLEEPY)
    files = [_params(tmp_path, name, title=sleep)
             for name, sleep in (("quick", "0"), ("slow1", "120"), ("slow2", "120"))]
    env = {**os.environ, "CRMKIT_NOTEBOOKS": str(books)}
    proc = subprocess.Popen([sys.executable, "-m", "crmkit.cli", "run", *map(str, files),
                             "--workers", "2"], env=env, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = tmp_path / "out"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not (
            read_manifest(out / "quick" / "2026-09-30").get("ok")
            and len(list(out.glob("slow*/*/notebooks/.02_score*"))) == 2):
        time.sleep(0.3)
    assert len(list(out.glob("slow*/*/notebooks/.02_score*"))) == 2, "slow stages never started"
    tree = psutil.Process(proc.pid).children(recursive=True)
    assert sum("ipykernel" in " ".join(p.cmdline()) for p in tree) >= 2
    sig = signal.SIGTERM if how == "sigterm_parent" else signal.SIGINT
    t0 = time.monotonic()
    if how == "ctrl_c_group":
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    try:
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    took = time.monotonic() - t0
    assert proc.returncode == 128 + sig, (proc.returncode, stderr[-2000:])
    assert took < 15, f"took {took:.0f} s to stop"
    assert "quick" in stdout and "interrupted" in stdout and "slow1" in stdout
    time.sleep(1)
    assert not _alive(tree), [p.cmdline() for p in _alive(tree)]
    assert not list(out.glob("slow*/*/notebooks/02_score.ipynb"))  # nothing half-written


def test_defect5_full_disk_is_one_clear_message(tmp_path: Path, monkeypatch) -> None:
    import errno

    from crmkit.core import store
    from crmkit.core.errors import OutputError

    def full(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    with pytest.raises(OutputError, match=r"cannot write the outputs.*disk is full"):
        store.atomic_write(tmp_path / "x" / "t.csv", full)
    assert not list((tmp_path / "x").iterdir())  # no temporary file left


def test_defect5_unwritable_output_folder_fails_that_portfolio_only(tmp_path: Path, capsys,
                                                                    monkeypatch) -> None:
    from crmkit.batch import run_portfolios

    monkeypatch.chdir(tmp_path)  # two output roots: the roll-up goes to the working folder

    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", WRITE)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    bad = _params(tmp_path, "bad", output_dir="blocked/out")
    good = _params(tmp_path, "good")
    results = run_portfolios([bad, good], workers=2, notebooks=books)
    by = {Path(r.params_file).stem: r for r in results}
    assert by["good"].ok
    assert not by["bad"].ok and "cannot write the outputs" in by["bad"].error
    assert "blocked" in by["bad"].error and "output_dir" in by["bad"].error
    out = capsys.readouterr().out
    assert "1 of 2 portfolios succeeded" in out and "Traceback" not in out


def test_defect5_disk_full_inside_a_stage_fails_the_portfolio_clearly(tmp_path: Path,
                                                                      monkeypatch) -> None:
    import errno

    from crmkit.batch import runner

    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", WRITE)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "x.ipynb"))

    monkeypatch.setattr(runner, "execute_notebook", full)
    run = runner.run_portfolio(_params(tmp_path, "full"), notebooks=books)
    assert not run.ok
    assert "disk is full" in run.stages[0].error and str(tmp_path / "out") in run.stages[0].error


def test_defect8_database_password_never_written_in_clear(tmp_path: Path) -> None:
    books = tmp_path / "nb"
    _book(books, "01_collect.ipynb", WRITE)
    url = "postgresql://loans:s3cr3t-pw@db.example:5432/core"
    pfile = _params(tmp_path, "secret", sources={"default": {"path": "data"},
                                                "facilities": {"url": url}})
    run = run_portfolio(pfile, notebooks=books)
    text = (Path(run.run_dir) / "manifest.json").read_text(encoding="utf-8")
    assert "s3cr3t-pw" not in text and "postgresql://loans:***@db.example" in text


def test_sql_error_messages_redact_the_password(tmp_path: Path) -> None:
    from crmkit.collect.readers import read_table
    from crmkit.core.errors import CollectError
    from crmkit.params import SourceSpec

    spec = SourceSpec(url="postgresql+nosuchdriver://u:s3cr3t-pw@h/db", table="loans")
    with pytest.raises(CollectError) as err:
        read_table(spec, "facilities")
    assert "s3cr3t-pw" not in str(err.value) and "u:***@h" in str(err.value)


def test_defect8_sql_url_from_an_environment_variable(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    from crmkit.collect.readers import read_table
    from crmkit.core.errors import UnreadableSourceError
    from crmkit.params import SourceSpec

    db = tmp_path / "core.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE loans (client_id TEXT)")
        con.execute("INSERT INTO loans VALUES ('C1')")
    spec = SourceSpec(url_env="CRMKIT_TEST_DB_URL", table="loans")
    monkeypatch.delenv("CRMKIT_TEST_DB_URL", raising=False)
    with pytest.raises(UnreadableSourceError, match="CRMKIT_TEST_DB_URL.*url_env.*not set"):
        read_table(spec, "facilities")
    monkeypatch.setenv("CRMKIT_TEST_DB_URL", f"sqlite:///{db}")
    assert read_table(spec, "facilities").frame["client_id"].tolist() == ["C1"]
