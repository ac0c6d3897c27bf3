"""Every benchmark in one run: each stage's library runner at 1k / 10k / 100k (/ 1M) clients.

Usage::

    .venv/bin/python benchmarks/run_all.py                         # 1k, 10k, 100k clients
    .venv/bin/python benchmarks/run_all.py --sizes 1000,1000000    # add the million
    .venv/bin/python benchmarks/run_all.py --sections stages       # only the stage table
    make bench                                                     # the defaults

Portfolios come from ``crmkit sample`` (seed 7), written once as CSV (and as Parquet for the
"collect from Parquet" row) under ``benchmarks/.cache/`` and reused. Each stage runs in a fresh
subprocess (``crmkit.<stage>.run(params)`` on the portfolio's previous stages' outputs), so its
wall time, CPU time (user + system) and peak resident memory (``getrusage`` maxrss, imports
included) are its own. On a shared machine, wall time includes waiting for a core: compare CPU
time across runs taken under different load.

Sections are a list of ``(name, callable)`` returning markdown; ``benchmarks/bench_overhead.py``
(per-portfolio kernel overhead, batch vs the papermill CLI, the slider event) is included when
present through its ``results()`` and ``table()``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
PARAMS = ROOT / "parameters" / "sample.yaml"
#: Every stage, in the order ``crmkit run`` runs their notebooks.
STAGES = ("collect", "score", "tier", "relate", "needs", "warn", "diagnose", "report")
#: The stages the issue's one-minute target adds up.
ANALYSIS = ("score", "tier", "warn", "diagnose")
DEFAULT_SIZES = (1_000, 10_000, 100_000)


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def portfolio(n: int, fmt: str = "csv") -> Path:
    """The cached ``n``-client sample portfolio's source folder (generated when missing)."""
    folder = CACHE / f"c{n}" / ("data" if fmt == "csv" else "data_parquet")
    done = folder / ".complete"
    if not done.is_file():
        from crmkit.sample import DEFAULT_AS_OF, write_portfolio

        write_portfolio(folder, n, 7, DEFAULT_AS_OF, fmt=fmt)
        done.write_text("ok\n")
    return folder


#: The sample's tier-1 capital (parameters/sample.yaml) is that of a bank lending to its 300
#: clients; a book of ``n`` clients is held against ``n / 300`` times it, so the large-exposure
#: limits breach as rarely as in the sample (with the sample's capital, 1.5 % of a 100k book).
SAMPLE_CLIENTS, SAMPLE_TIER1 = 300, 1.2e11


def _overrides(n: int, fmt: str) -> dict[str, object]:
    tag = f"c{n}" if fmt == "csv" else f"c{n}_pq"
    return {"portfolio": tag, "output_dir": str(CACHE / f"c{n}" / "out"),
            "sources": {"default": {"path": str(portfolio(n, fmt))}},
            "limits": {"tier1_capital": SAMPLE_TIER1 * max(n, SAMPLE_CLIENTS) / SAMPLE_CLIENTS}}


def _worker(n: int, stage: str, fmt: str) -> None:
    """Run one stage (in this fresh process) and print its figures as JSON."""
    import importlib
    import resource

    from crmkit.params import load_params

    params = load_params(PARAMS, _overrides(n, fmt))
    mod = importlib.import_module(f"crmkit.{stage}")
    t0, c0 = time.perf_counter(), os.times()
    mod.run(params)
    c1 = os.times()
    sys.stdout.write(json.dumps({
        "wall": time.perf_counter() - t0,
        "cpu": (c1.user - c0.user) + (c1.system - c0.system),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}) + "\n")


def run_stage(n: int, stage: str, fmt: str = "csv") -> dict[str, float]:
    """Time one stage in a subprocess; ``{"wall", "cpu", "peak_mib", "load"}`` (the 1-minute
    load average when it started) or ``{"error"}``."""
    portfolio(n, fmt)
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--worker", str(n), stage, fmt],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "load": load}


def _cell(r: dict[str, float], key: str, fmt: str) -> str:
    return "failed" if "error" in r else format(r[key], fmt)


def stage_table(sizes: tuple[int, ...]) -> str:
    """Markdown: wall, CPU and peak memory of each stage at each size."""
    lines = ["| clients | stage | wall s | CPU s | peak MiB | load |",
             "|---:|---|---:|---:|---:|---:|"]

    def row(n: int, what: str, r: dict[str, float]) -> None:
        lines.append(f"| {n:,} | {what} | {_cell(r, 'wall', '.1f')} | {_cell(r, 'cpu', '.1f')} "
                     f"| {_cell(r, 'peak_mib', ',.0f')} | {_cell(r, 'load', '.1f')} |")
        _progress(lines[-1])
        if "error" in r:
            _progress(f"  {what} failed: {r['error']}")

    for n in sizes:
        runs: dict[str, dict[str, float]] = {}
        for stage in STAGES:
            runs[stage] = run_stage(n, stage)
            row(n, stage, runs[stage])
        row(n, "collect (from Parquet)", run_stage(n, "collect", "parquet"))
        for label, group in (("**score+tier+warn+diagnose**", ANALYSIS),
                             ("every stage after collect", STAGES[1:])):
            part = [runs[s] for s in group]
            if not any("error" in r for r in part):
                lines.append(f"| {n:,} | {label} | {sum(r['wall'] for r in part):.1f} | "
                             f"{sum(r['cpu'] for r in part):.1f} | "
                             f"{max(r['peak_mib'] for r in part):,.0f} (max) | |")
                _progress(lines[-1])
    return "\n".join(lines)


def _script(name: str, *args: str) -> str:
    """Run ``benchmarks/<name>.py args`` and return its output as a code block."""
    proc = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    out = proc.stdout.strip() or proc.stderr.strip().splitlines()[-1]
    return f"`{name}.py {' '.join(args)}`\n\n```\n{out}\n```"


def overhead_section() -> str:
    """The other speed work's figures (bench_overhead.py), when that module is present."""
    sys.path.insert(0, str(HERE))
    import bench_overhead  # type: ignore[import-not-found]

    if hasattr(bench_overhead, "results") and hasattr(bench_overhead, "table"):
        return bench_overhead.table(bench_overhead.results())
    return _script("bench_overhead")


def sections(sizes: tuple[int, ...]) -> list[tuple[str, Callable[[], str]]]:
    """The benchmark sections, in order; each returns markdown."""
    micro = str(min(max(sizes), 1_000_000))
    out: list[tuple[str, Callable[[], str]]] = [
        ("stages", lambda: stage_table(sizes)),
        ("scoring", lambda: _script("bench_scoring", "-n", micro)),
        ("warning", lambda: _script("bench_warning", "-n", micro, "--repeat", "1")),
    ]
    if (HERE / "bench_overhead.py").is_file():
        out.append(("overhead", overhead_section))
    return out


def machine() -> str:
    """One line: date, cores, memory, Python, load average."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
            f"{mem:.0f} GiB RAM; Python {platform.python_version()}; load average at start "
            f"{load}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(int(argv[1]), argv[2], argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated client counts (1000000 is slow to generate)")
    ap.add_argument("--sections", default=None,
                    help="comma-separated: stages, scoring, warning, overhead (default: all)")
    a = ap.parse_args(argv)
    sizes = tuple(int(s) for s in a.sizes.split(","))
    wanted = None if a.sections is None else set(a.sections.split(","))
    _say(f"# crmkit benchmarks\n\n{machine()}\n")
    for name, fn in sections(sizes):
        if wanted is not None and name not in wanted:
            continue
        _say(f"## {name}\n")
        try:
            _say(fn())
        except Exception as exc:  # noqa: BLE001 - one failing section must not hide the rest
            _say(f"(section failed: {type(exc).__name__}: {exc})")
        _say()
    return 0


if __name__ == "__main__":
    sys.exit(main())
