"""Batch execution: every stage notebook, for every portfolio, with Papermill.

Each portfolio runs its stage notebooks in order in one worker process; portfolios run in
parallel in a process pool. A failure in one portfolio never stops the others: its executed
notebook is kept with the error, and the summary names the portfolio, stage and error.
Executed notebooks are written to a temporary name and renamed, so an interrupted run leaves
no half-written notebook behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import Manager, get_context
from pathlib import Path
from typing import Any

from crmkit.errors import CrmkitError, ParametersError
from crmkit.manifest import (
    input_hashes,
    package_versions,
    read_manifest,
    stage_fingerprint,
    write_manifest,
)
from crmkit.params import Params, load_params

__all__ = ["PROJECT_ROOT", "NOTEBOOKS", "StageRun", "PortfolioRun", "stage_notebooks",
           "expand_params", "run_portfolio", "run_chain", "chains", "run_portfolios"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("CRMKIT_NOTEBOOKS", PROJECT_ROOT / "notebooks"))
_NB = re.compile(r"^(\d\d)_([a-z]+)\.ipynb$")
REPORT_STAGE = "report"  # its executed notebook is exported to HTML and PDF
_TRANSIENT = ("Address already in use", "ZMQError", "Kernel didn't respond",
              "kernel died", "Timeout waiting for", "Kernel died", "CellTimeoutError",
              "timed out", "DeadKernelError")


@dataclass
class StageRun:
    stage: str
    ok: bool
    seconds: float
    notebook: str
    error: str = ""
    attempts: int = 1
    skipped: bool = False


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


def _ipc_kernel_manager() -> type:
    """A kernel manager on Unix-domain sockets: parallel kernels cannot clash on TCP ports
    (the ``ZMQError: Address already in use`` race), and nothing listens on the network."""
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._sock_dir = tempfile.mkdtemp(prefix="crmkit-kernel-")
            self.transport = "ipc"
            self.ip = os.path.join(self._sock_dir, "k")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._sock_dir, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources

    return IPCKernelManager


def _execute(nb: Path, out: Path, params_file: Path, params: Params) -> None:
    """Run one notebook into ``out``; a failed notebook is kept (with its error), an
    interrupted one is removed, so no half-written notebook is ever left behind."""
    import papermill as pm

    tmp = out.with_name(f".{out.stem}.part.ipynb")
    # TCP kernels: the Unix-socket manager below was seen to lose a reply now and then (the
    # kernel idle, the client waiting), so it is opt-in via CRMKIT_KERNEL_IPC=1.
    ipc = os.environ.get("CRMKIT_KERNEL_IPC") == "1" and os.name == "posix"
    extra = {"kernel_manager_class": _ipc_kernel_manager()} if ipc else {}
    try:
        pm.execute_notebook(
            str(nb), str(tmp), parameters={"params_file": str(params_file)},
            kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
            shutdown_kernel="immediate", start_timeout=params.batch.start_timeout_seconds,
            execution_timeout=params.batch.cell_timeout_seconds, **extra)
    except Exception:
        if tmp.exists():
            os.replace(tmp, out)  # the executed notebook shows the failing cell
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)


def _emit(events: Any, *item: object) -> None:
    if events is not None:
        events.put(item)


def run_portfolio(params_file: str | Path, stages: list[str] | None = None,
                  resume: bool = False, notebooks: Path | None = None,
                  events: Any = None) -> PortfolioRun:
    """Run the stage notebooks for one portfolio; never raises for a failing stage.

    With ``resume``, a stage whose fingerprint (notebook, parameters, inputs, previous stage)
    equals that of its last successful run is skipped. ``events`` (a queue) receives
    ``(portfolio, stage, status, seconds)`` tuples for progress display.
    """
    params_file = Path(params_file).resolve()
    run = PortfolioRun(str(params_file))
    try:
        params: Params = load_params(params_file)
        books = stage_notebooks(notebooks or NOTEBOOKS)
    except CrmkitError as exc:
        run.error = str(exc)
        return run
    run.portfolio, run.run_dir = params.portfolio, str(params.run_dir)
    unknown = [s for s in stages or [] if s not in books]
    if unknown:
        run.error = f"unknown stage(s) {unknown}; known: {list(books)}"
        return run
    out_dir = params.run_dir / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in params.run_dir.rglob(".*.part*"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    old = read_manifest(params.run_dir).get("stages", {})
    inputs = input_hashes(params)
    manifest: dict[str, Any] = {
        "portfolio": params.portfolio, "as_of": params.as_of.isoformat(),
        "params_file": str(params_file),
        "parameters": params.model_dump(mode="json"),
        "inputs": inputs, "packages": package_versions(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "stages": dict(old),
    }
    previous = ""
    for stage, nb in books.items():
        if stages and stage not in stages:
            previous = old.get(stage, {}).get("fingerprint", previous)
            continue
        fp = stage_fingerprint(nb, params_file, inputs, previous)
        previous = fp
        out = out_dir / nb.name
        last = old.get(stage, {})
        if resume and last.get("status") == "ok" and last.get("fingerprint") == fp \
                and out.is_file():
            run.stages.append(StageRun(stage, True, 0.0, str(out), skipped=True))
            _emit(events, params.portfolio, stage, "skipped", 0.0)
            continue
        _emit(events, params.portfolio, stage, "started", 0.0)
        t0 = time.perf_counter()
        attempts, error = 0, ""
        while attempts < 2:
            attempts += 1
            try:
                _execute(nb, out, params_file, params)
                error = ""
                break
            except Exception as exc:  # noqa: BLE001 - isolate every failure
                error = _describe(exc)
                if not any(k in error for k in _TRANSIENT):
                    break
        if not error and stage == REPORT_STAGE:
            error = _export(out, params)
        secs = time.perf_counter() - t0
        run.stages.append(StageRun(stage, not error, secs, str(out), error, attempts))
        _emit(events, params.portfolio, stage, "ok" if not error else "failed", secs)
        stage_dir = params.run_dir / stage
        manifest["stages"][stage] = {
            "status": "ok" if not error else "failed", "fingerprint": fp if not error else "",
            "seconds": round(secs, 3), "attempts": attempts, "notebook": str(out),
            "error": error,
            "outputs": sorted(str(p) for p in stage_dir.rglob("*") if p.is_file()
                              and not p.name.startswith(".")) if stage_dir.is_dir() else [],
        }
        write_manifest(params.run_dir, manifest)
        if error:
            break
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["ok"] = run.ok
    write_manifest(params.run_dir, manifest)
    return run


def _export(executed: Path, params: Params) -> str:
    """Export the executed report notebook to HTML and PDF; return an error text or ''."""
    from crmkit.report import export_report

    try:
        export_report(executed, params.stage_dir(REPORT_STAGE), params=params,
                      formats=params.batch.report_formats,
                      stem=f"{params.portfolio}_{params.as_of.isoformat()}")
    except Exception as exc:  # noqa: BLE001 - reported like a failed stage
        return f"export: {_describe(exc)}"
    return ""


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
                   scheduler: str | None = None, progress: bool = True,
                   notebooks: Path | None = None) -> list[PortfolioRun]:
    """Run every portfolio, in parallel; show progress per portfolio and stage, then a summary.

    ``executor="local"`` uses a process pool of ``workers`` (default: the number of cores);
    ``executor="dask"`` submits each portfolio to the Dask cluster at ``scheduler``.
    """
    files = expand_params([Path(p) for p in paths])
    _check_distinct(files)
    results: list[PortfolioRun] = []
    total = len(files)
    if executor == "dask":
        results = _run_dask(files, stages, resume, scheduler, progress, notebooks)
    else:
        groups = chains(files)
        workers = max(1, min(workers or os.cpu_count() or 1, len(groups)))
        with Manager() as manager:
            events = manager.Queue() if progress else None
            printer = _Printer(events, total) if events is not None else None
            if printer:
                printer.start()
            try:
                if workers == 1:
                    for group in groups:
                        for f in group:
                            results.append(run_portfolio(f, stages, resume, notebooks, events))
                            _done(printer, results[-1])
                else:
                    # spawned, not forked: ZeroMQ contexts are not fork-safe
                    with ProcessPoolExecutor(max_workers=workers,
                                             mp_context=get_context("spawn")) as pool:
                        futs = [pool.submit(run_chain, g, stages, resume, notebooks, events)
                                for g in groups]
                        for fut in as_completed(futs):
                            for r in fut.result():
                                results.append(r)
                                _done(printer, r)
            finally:
                if printer:
                    printer.stop()
    order = {str(Path(f).resolve()): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order.get(r.params_file, 0))
    rollup = _rollup(results)
    if progress:
        _print_summary(results)
        if rollup:
            sys.stdout.write(f"roll-up of {len(results)} portfolios: {rollup['html']}\n")
    return results


def _rollup(results: list[PortfolioRun]) -> dict[str, Path] | None:
    """With several portfolios, write the comparison beside their output folders."""
    from crmkit.rollup import rollup_table, write_rollup

    done = [r for r in results if r.run_dir]
    if len(done) < 2:
        return None
    table = rollup_table([(Path(r.run_dir), r.portfolio, r.ok) for r in done])
    roots = {Path(r.run_dir).parents[1] for r in done}
    out = roots.pop() if len(roots) == 1 else Path.cwd()
    lang = "zh"
    try:
        lang = load_params(done[0].params_file).language
    except CrmkitError:
        pass
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return write_rollup(table, out / "_rollup" / stamp, lang)


def run_chain(files: list[Path], stages: list[str] | None = None, resume: bool = False,
              notebooks: Path | None = None, events: Any = None) -> list[PortfolioRun]:
    """Run portfolios that share a history store one after another, oldest as-of first."""
    return [run_portfolio(f, stages, resume, notebooks, events) for f in files]


def chains(files: list[Path]) -> list[list[Path]]:
    """Group parameters files by history store, each group in as-of order.

    Runs of one portfolio at several dates must see each other's snapshots (score drops,
    migrations), so they run in sequence; different portfolios run in parallel.
    """
    groups: dict[str, list[tuple[str, int, Path]]] = {}
    for i, f in enumerate(files):
        try:
            p = load_params(f)
            key, when = str(p.history_path), p.as_of.isoformat()
        except CrmkitError:
            key, when = f"invalid:{f}", ""
        groups.setdefault(key, []).append((when, i, f))
    return [[f for _, _, f in sorted(g)] for g in groups.values()]


def _check_distinct(files: list[Path]) -> None:
    """Two parameters files writing the same run folder would overwrite each other."""
    seen: dict[tuple[str, str], Path] = {}
    for f in files:
        try:
            p = load_params(f)
        except CrmkitError:
            continue  # reported per portfolio
        key = (str(p.run_dir), p.portfolio)
        if key in seen:
            raise ParametersError(
                f"{f} and {seen[key]} both write {p.run_dir}: give each portfolio its own "
                "'portfolio:' name (or a different output_dir / as_of).")
        seen[key] = f


def _run_dask(files: list[Path], stages: list[str] | None, resume: bool,
              scheduler: str | None, progress: bool,
              notebooks: Path | None) -> list[PortfolioRun]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise CrmkitError("the Dask executor needs dask.distributed: pip install "
                          "'crmkit[dask]'") from None
    if not scheduler:
        raise CrmkitError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise CrmkitError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    results: list[PortfolioRun] = []
    try:
        futs = [client.submit(run_chain, g, stages, resume, notebooks, pure=False)
                for g in chains(files)]
        for fut in dask_completed(futs):
            for r in fut.result():
                results.append(r)
                if progress:
                    _progress(r, len(results), len(files), True)
    finally:
        client.close()
    return results


class _Printer:
    """Prints stage events from worker processes as they arrive."""

    def __init__(self, events: Any, total: int) -> None:
        self.events, self.total, self.done = events, total, 0
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self.events.get()
            if item is None:
                return
            portfolio, stage, status, secs = item
            tail = f" ({secs:.1f}s)" if status in ("ok", "failed") else ""
            sys.stdout.write(f"  {portfolio} · {stage}: {status}{tail}\n")
            sys.stdout.flush()

    def stop(self) -> None:
        self.events.put(None)
        self._thread.join(timeout=5)


def _done(printer: _Printer | None, r: PortfolioRun) -> None:
    if printer is None:
        return
    printer.done += 1
    _progress(r, printer.done, printer.total, True)


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
