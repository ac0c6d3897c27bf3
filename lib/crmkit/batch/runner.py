"""Batch execution: every stage notebook, for every portfolio, with Papermill.

Each portfolio runs its stage notebooks in order in one worker process; portfolios run in
parallel in a process pool. A failure in one portfolio never stops the others: its executed
notebook is kept with the error, and the summary names the portfolio, stage and error.
Executed notebooks are written to a temporary name and renamed, so an interrupted run leaves
no half-written notebook behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import Manager, get_context
from pathlib import Path
from typing import Any

from crmkit.batch.cards import CardsPrint
from crmkit.batch.interrupt import (
    Interrupted,
    kill_kernels,
    parent_signals,
    stop_processes,
    worker_init,
)
from crmkit.batch.kernels import execute_notebook
from crmkit.batch.manifest import (
    input_hashes,
    package_versions,
    read_manifest,
    stage_fingerprint,
    stage_models,
    write_manifest,
)
from crmkit.batch.progress import Printer, portfolio_done, print_summary
from crmkit.batch.results import PortfolioRun, StageRun
from crmkit.batch.session import KernelSession, kernel_per_portfolio
from crmkit.collect.sql import redact, redact_url
from crmkit.core.errors import CrmkitError, ParametersError
from crmkit.core.resources import resource_path
from crmkit.core.store import ensure_dir, output_error
from crmkit.params import Params, load_params

__all__ = ["NOTEBOOKS", "StageRun", "PortfolioRun", "stage_notebooks",
           "expand_params", "run_portfolio", "run_chain", "chains", "run_portfolios"]

NOTEBOOKS = Path(os.environ.get("CRMKIT_NOTEBOOKS") or resource_path("notebooks"))
_NB = re.compile(r"^(\d\d[a-z]?)_([a-z]+)\.ipynb$")  # 03a_relate runs after 03_tier
REPORT_STAGE = "report"  # its executed notebook is exported to HTML and PDF
_TRANSIENT = ("Address already in use", "ZMQError", "Kernel didn't respond",
              "kernel died", "Timeout waiting for", "Kernel died", "CellTimeoutError",
              "timed out", "DeadKernelError", "KernelStallError")


def stage_notebooks(folder: Path = NOTEBOOKS) -> dict[str, Path]:
    """Stage name -> notebook, in run order (``01_collect.ipynb`` is stage ``collect``;
    ``03a_relate.ipynb`` runs after ``03_tier.ipynb``)."""
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
        run.error = redact_url(str(exc))
        return run
    run.portfolio, run.run_dir = params.portfolio, str(params.run_dir)
    unknown = [s for s in stages or [] if s not in books]
    if unknown:
        run.error = f"unknown stage(s) {unknown}; known: {list(books)}"
        return run
    # one kernel for all the stages (CRMKIT_KERNEL=stage: one per stage, see batch.session)
    session = KernelSession(next(iter(books.values())).parent,
                            params.batch.start_timeout_seconds) if kernel_per_portfolio() else None
    try:
        return _run_stages(run, params, params_file, books, stages, resume, events, session)
    except CrmkitError as exc:  # an unwritable output folder (OutputError) and the like
        run.error = redact_url(str(exc))
    except OSError as exc:
        run.error = str(output_error(exc, params.run_dir))
    finally:
        if session is not None:
            session.close()
    return run


def _run_stages(run: PortfolioRun, params: Params, params_file: Path, books: dict[str, Path],
                stages: list[str] | None, resume: bool, events: Any,
                session: KernelSession | None = None) -> PortfolioRun:
    ensure_dir(params.run_dir / "notebooks")
    for stale in params.run_dir.rglob(".*.part*"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    old = read_manifest(params.run_dir).get("stages", {})
    inputs = input_hashes(params)
    manifest: dict[str, Any] = {
        "portfolio": params.portfolio, "as_of": params.as_of.isoformat(),
        "params_file": str(params_file),
        "parameters": redact(params.model_dump(mode="json")),  # no password in clear
        "inputs": inputs, "packages": package_versions(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "stages": dict(old),
    }
    # the cards PDF prints in a process of its own from the end of diagnose (batch.cards)
    cards = CardsPrint(params, REPORT_STAGE in books and (not stages or REPORT_STAGE in stages))
    try:
        _stage_loop(run, params, params_file, books, stages, resume, events, session, old,
                    inputs, manifest, cards)
    except BaseException:
        cards.stop()
        raise
    cards.wait()  # a print the report stage did not wait for (it failed, or was skipped)
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["ok"] = run.ok
    write_manifest(params.run_dir, manifest)
    return run


def _stage_loop(run: PortfolioRun, params: Params, params_file: Path, books: dict[str, Path],
                stages: list[str] | None, resume: bool, events: Any,
                session: KernelSession | None, old: dict[str, Any], inputs: dict[str, Any],
                manifest: dict[str, Any], cards: CardsPrint) -> None:
    out_dir = params.run_dir / "notebooks"
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
        if stage == REPORT_STAGE:
            cards.start()  # if the diagnose stage did not run now (its cards page is older)
        _emit(events, params.portfolio, stage, "started", 0.0)
        t0 = time.perf_counter()
        attempts, error = 0, ""
        while attempts < 2:
            attempts += 1
            try:  # the cards print starts once diagnose has written its page
                with cards.watching() if stage == "diagnose" else contextlib.nullcontext():
                    execute_notebook(nb, out, params_file, params, session)
                error = ""
                break
            except Exception as exc:  # noqa: BLE001 - isolate every failure
                error = _describe(exc)
                if stage == "diagnose":
                    cards.stop()  # a page of a failed (or retried) diagnose is not printed
                if not any(k in error for k in _TRANSIENT):
                    break
        if stage == "diagnose" and not error:
            cards.start()  # if the watch missed it (a no-op when printing already)
        if not error and stage == REPORT_STAGE:
            error = _export(out, params) or cards.wait()
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
            "models": stage_models(stage_dir),
        }
        write_manifest(params.run_dir, manifest)
        if error:
            break


def _export(executed: Path, params: Params) -> str:
    """Export the executed report notebook to HTML and PDF; return an error text or ''."""
    from crmkit.report.export import export_report

    try:
        export_report(executed, params.stage_dir(REPORT_STAGE), params=params,
                      formats=params.batch.report_formats,
                      stem=f"{params.portfolio}_{params.as_of.isoformat()}")
    except Exception as exc:  # noqa: BLE001 - reported like a failed stage
        return f"export: {_describe(exc)}"
    return ""


def _describe(exc: BaseException) -> str:
    return redact_url(_explain(exc))


def _explain(exc: BaseException) -> str:
    name = type(exc).__name__
    if isinstance(exc, OSError) and exc.filename:
        return str(output_error(exc, Path(exc.filename).parent))
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
        from crmkit.batch.executors import run_dask

        results = run_dask(run_chain, chains(files), len(files), stages, resume, scheduler,
                           progress, notebooks)
    else:
        groups = chains(files)
        workers = max(1, min(workers or os.cpu_count() or 1, len(groups)))
        with Manager() as manager, parent_signals():
            events = manager.Queue() if progress else None
            printer = Printer(events, total) if events is not None else None
            if printer:
                printer.start()
            try:
                _run_local(groups, workers, stages, resume, notebooks, events, printer, results)
            except Interrupted:
                kill_kernels()
                if progress:
                    print_summary(results)
                    left = [str(f) for g in groups for f in g
                            if str(Path(f).resolve()) not in {r.params_file for r in results}]
                    sys.stdout.write(f"interrupted; not finished: {', '.join(left) or 'none'}\n")
                raise
            finally:
                if printer:
                    printer.stop()
    order = {str(Path(f).resolve()): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order.get(r.params_file, 0))
    try:
        rollup, note = _rollup(results), ""
    except CrmkitError as exc:  # e.g. an unwritable output root: the runs themselves stand
        rollup, note = None, f"roll-up not written: {exc}\n"
    if progress:
        print_summary(results)
        sys.stdout.write(note)
        if rollup:
            sys.stdout.write(f"roll-up of {len(results)} portfolios: {rollup['html']}\n")
    return results


def _run_local(groups: list[list[Path]], workers: int, stages: list[str] | None,
               resume: bool, notebooks: Path | None, events: Any, printer: Printer | None,
               results: list[PortfolioRun]) -> None:
    """Run the chains in this process (one worker) or a spawned pool; append to ``results``."""
    if workers == 1:
        for group in groups:
            for r in run_chain(group, stages, resume, notebooks, events):
                results.append(r)
                portfolio_done(printer, r)
        return
    # spawned, not forked: ZeroMQ contexts are not fork-safe
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=worker_init)
    try:
        futs = [pool.submit(run_chain, g, stages, resume, notebooks, events) for g in groups]
        for fut in as_completed(futs):
            for r in fut.result():
                results.append(r)
                portfolio_done(printer, r)
    except BaseException:
        procs = list(getattr(pool, "_processes", {}) or {})
        pool.shutdown(wait=False, cancel_futures=True)
        stop_processes(procs)
        kill_kernels()
        raise
    pool.shutdown(wait=True)


def _rollup(results: list[PortfolioRun]) -> dict[str, Path] | None:
    """With several portfolios, write the comparison beside their output folders."""
    from crmkit.report.rollup import rollup_table, write_rollup

    done = [r for r in results if r.run_dir]
    if len(done) < 2:
        return None
    table = rollup_table([(Path(r.run_dir), r.portfolio, r.ok,
                           r.error or next((s.error for s in r.stages if not s.ok), ""))
                          for r in done])
    roots = {Path(r.run_dir).parents[1] for r in done}
    out = roots.pop() if len(roots) == 1 else Path.cwd()
    from crmkit.core.branding import brand_of

    lang, brand = "zh", None
    try:
        first = load_params(done[0].params_file)
        lang, brand = first.language, brand_of(first)
    except CrmkitError:
        pass
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return write_rollup(table, out / "_rollup" / stamp, lang, brand)


def run_chain(files: list[Path], stages: list[str] | None = None, resume: bool = False,
              notebooks: Path | None = None, events: Any = None) -> list[PortfolioRun]:
    """Run portfolios that share a history store one after another, oldest as-of first.

    Never raises: an unexpected error becomes that portfolio's failure, and the others run.
    """
    out = []
    for f in files:
        try:
            out.append(run_portfolio(f, stages, resume, notebooks, events))
        except Exception as exc:  # noqa: BLE001 - isolate every portfolio
            out.append(PortfolioRun(str(Path(f).resolve()), error=_describe(exc)))
    return out


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
