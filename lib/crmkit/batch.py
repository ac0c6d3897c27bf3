"""Batch execution: every stage notebook, for every portfolio, with Papermill.

Each portfolio runs its stage notebooks in order in one worker process; portfolios run in
parallel in a process pool. A failure in one portfolio never stops the others: its executed
notebook is kept with the error, and the summary names the portfolio, stage and error.
Executed notebooks are written to a temporary name and renamed, so an interrupted run leaves
no half-written notebook behind.
"""

from __future__ import annotations

import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from crmkit.errors import CrmkitError, ParametersError
from crmkit.params import Params, load_params

__all__ = ["PROJECT_ROOT", "NOTEBOOKS", "StageRun", "PortfolioRun", "stage_notebooks",
           "expand_params", "run_portfolio", "run_portfolios"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("CRMKIT_NOTEBOOKS", PROJECT_ROOT / "notebooks"))
_NB = re.compile(r"^(\d\d)_([a-z]+)\.ipynb$")
_TRANSIENT = ("Address already in use", "ZMQError", "Kernel didn't respond",
              "kernel died", "Timeout waiting for", "Kernel died")


@dataclass
class StageRun:
    stage: str
    ok: bool
    seconds: float
    notebook: str
    error: str = ""
    attempts: int = 1


@dataclass
class PortfolioRun:
    params_file: str
    portfolio: str = ""
    run_dir: str = ""
    stages: list[StageRun] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(s.ok for s in self.stages)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)


def stage_notebooks(folder: Path = NOTEBOOKS) -> dict[str, Path]:
    """Stage name -> notebook, in run order (``01_collect.ipynb`` is stage ``collect``)."""
    if not folder.is_dir():
        raise CrmkitError(f"{folder}: notebooks folder not found; set CRMKIT_NOTEBOOKS or run "
                          "from a checkout of crmkit.")
    found = sorted((m.group(1), m.group(2), p) for p in folder.iterdir()
                   if (m := _NB.match(p.name)))
    return {stage: path for _, stage, path in found}


def expand_params(paths: list[Path]) -> list[Path]:
    """Parameters files given directly or as folders of ``*.yaml`` / ``*.yml``."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
        elif p.is_file():
            out.append(p)
        else:
            raise ParametersError(f"{p}: no such parameters file or folder.")
    if not out:
        raise ParametersError(f"no parameters files found in {', '.join(map(str, paths))}.")
    return out


def _execute(nb: Path, out: Path, params_file: Path) -> None:
    import papermill as pm

    tmp = out.with_name(f".{out.stem}.part.ipynb")
    try:
        pm.execute_notebook(
            str(nb), str(tmp), parameters={"params_file": str(params_file)},
            kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
            shutdown_kernel="immediate", start_timeout=120)
    finally:
        if tmp.exists():
            os.replace(tmp, out)


def run_portfolio(params_file: str | Path, stages: list[str] | None = None,
                  notebooks: Path | None = None) -> PortfolioRun:
    """Run the stage notebooks for one portfolio; never raises for a failing stage."""
    params_file = Path(params_file).resolve()
    run = PortfolioRun(str(params_file))
    try:
        params: Params = load_params(params_file)
    except CrmkitError as exc:
        run.error = str(exc)
        return run
    run.portfolio, run.run_dir = params.portfolio, str(params.run_dir)
    books = stage_notebooks(notebooks or NOTEBOOKS)
    unknown = [s for s in stages or [] if s not in books]
    if unknown:
        run.error = f"unknown stage(s) {unknown}; known: {list(books)}"
        return run
    out_dir = params.run_dir / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stage, nb in books.items():
        if stages and stage not in stages:
            continue
        out = out_dir / nb.name
        t0 = time.perf_counter()
        attempts, error = 0, ""
        while attempts < 2:
            attempts += 1
            try:
                _execute(nb, out, params_file)
                error = ""
                break
            except Exception as exc:  # noqa: BLE001 - isolate every failure
                error = _describe(exc)
                if not any(k in error for k in _TRANSIENT):
                    break
        run.stages.append(StageRun(stage, not error, time.perf_counter() - t0, str(out),
                                   error, attempts))
        if error:
            break
    return run


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        ename = getattr(exc, "ename", "")
        evalue = getattr(exc, "evalue", "")
        cell = getattr(exc, "exec_count", None)
        return f"cell {cell}: {ename}: {evalue}"
    return f"{name}: {exc}"


def run_portfolios(paths: list[Path], stages: list[str] | None = None,
                   workers: int | None = None, resume: bool = False, executor: str = "local",
                   scheduler: str | None = None, progress: bool = True) -> list[PortfolioRun]:
    """Run every portfolio; print a progress line per finished portfolio and a summary."""
    files = expand_params([Path(p) for p in paths])
    workers = max(1, min(workers or os.cpu_count() or 1, len(files)))
    results: list[PortfolioRun] = []
    if workers == 1:
        for f in files:
            results.append(run_portfolio(f, stages))
            _progress(results[-1], len(results), len(files), progress)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futs = {pool.submit(run_portfolio, f, stages): f for f in files}
            for fut in as_completed(futs):
                results.append(fut.result())
                _progress(results[-1], len(results), len(files), progress)
    order = {str(Path(f).resolve()): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order.get(r.params_file, 0))
    if progress:
        _print_summary(results)
    return results


def _progress(r: PortfolioRun, done: int, total: int, show: bool) -> None:
    if not show:
        return
    status = "ok" if r.ok else "FAILED"
    stages = " ".join(f"{s.stage}:{'ok' if s.ok else 'FAIL'}({s.seconds:.1f}s)" for s in r.stages)
    sys.stdout.write(f"[{done}/{total}] {r.portfolio or r.params_file}: {status} {stages}\n")
    sys.stdout.flush()


def _print_summary(results: list[PortfolioRun]) -> None:
    lines = ["", f"{'portfolio':<24} {'status':<8} {'time':>7}  detail"]
    for r in results:
        if r.ok:
            detail = r.run_dir
        elif r.error:
            detail = r.error.splitlines()[0]
        else:
            bad = next(s for s in r.stages if not s.ok)
            detail = f"stage {bad.stage}: {bad.error.splitlines()[0] if bad.error else ''}" \
                     f" (see {bad.notebook})"
        lines.append(f"{(r.portfolio or Path(r.params_file).name):<24} "
                     f"{'ok' if r.ok else 'FAILED':<8} {r.seconds:>6.1f}s  {detail}")
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} portfolios succeeded.")
    sys.stdout.write("\n".join(lines) + "\n")
