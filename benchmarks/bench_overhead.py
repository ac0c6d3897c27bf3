"""Benchmark: per-portfolio overhead of `crmkit run` and the slider event at 100,000 clients.

Four measurements (issue 16, points 2 and 3):

1. one 300-client portfolio, every stage notebook with the PDF, by `crmkit run` with one kernel per
   stage (``CRMKIT_KERNEL=stage``, the old path) and one kernel per portfolio (the new path);
2. where the seconds go, read from the executed notebooks' Papermill timings: kernel start and
   shutdown, the set-up cell (imports, parameters), analysis cells, chart cells (cells with a
   PNG output), and the HTML/PDF export;
3. `crmkit run` over N portfolios (default 6; the issue's figure is 20) against a sequential
   loop of the `papermill` command over the same notebooks (which exports no report;
   ``--cli-portfolios K`` loops over the first K only and scales its time to N);
4. a slider event at 100,000 clients (re-score + re-tier + counts + changes table), before (the
   full recompute) and after (:class:`crmkit.tier.live.LiveTiering`).

Wall times on a shared machine are noisy: compare the ratios measured within one run, and the
CPU seconds (this process's children), which load moves less.

    .venv/bin/python benchmarks/bench_overhead.py [--portfolios 6] [--cli-portfolios K]
                                                  [--skip portfolio,batch,slider]

Portfolios are generated with `crmkit sample` (300 clients, one seed each) into
``benchmarks/.cache/overhead`` (gitignored) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "overhead"
BIN = Path(sys.executable).parent


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _fresh_font_cache() -> dict[str, str]:
    """A font cache of the benchmark's own, without glyph subsets: every run builds its own
    (the extracted face is kept: a one-off per machine)."""
    folder = CACHE / "font-cache"
    shutil.rmtree(folder / "fonts" / "subsets", ignore_errors=True)
    return {"CRMKIT_CACHE": str(folder)}


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``cmd``; (wall seconds, CPU seconds of it and its children)."""
    env = {**os.environ, **_fresh_font_cache(), **(env or {})}
    t0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - c0


def portfolios(n: int, clients: int = 300, prefix: str = "p") -> list[Path]:
    """``n`` parameters files of generated portfolios (cached), outputs under ``CACHE/out``."""
    base = yaml.safe_load((ROOT / "parameters" / "sample.yaml").read_text("utf-8"))
    files = []
    for i in range(n):
        data = CACHE / f"p{i:02d}" / "data"
        if not (data / "clients.csv").is_file():
            subprocess.run([str(BIN / "crmkit"), "sample", "--clients", str(clients), "--seed",
                            str(100 + i), "--out", str(data)], check=True,
                           stdout=subprocess.DEVNULL)
        path = CACHE / f"{prefix}{i:02d}.yaml"
        path.write_text(yaml.safe_dump(dict(
            base, portfolio=f"{prefix}{i:02d}", title=f"bench {i}", output_dir=str(CACHE / "out"),
            sources={"default": {"path": str(data)}}), allow_unicode=True), encoding="utf-8")
        files.append(path)
    return files


def _clean(*names: str) -> None:
    for name in names:
        shutil.rmtree(CACHE / "out" / name, ignore_errors=True)


def _when(stamp: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def breakdown(run_dir: Path) -> dict[str, float]:
    """Seconds per kind of work in one run, from its manifest and executed notebooks."""
    import nbformat

    stages = json.loads((run_dir / "manifest.json").read_text("utf-8"))["stages"]
    out = dict.fromkeys(("kernel", "imports_and_run", "other_cells", "charts", "export"), 0.0)
    for stage in stages:
        nb = nbformat.read(run_dir / "notebooks" / Path(stages[stage]["notebook"]).name, 4)
        meta = nb.metadata["papermill"]
        cells = [c for c in nb.cells if c.cell_type == "code"
                 and c.metadata.get("papermill", {}).get("duration") is not None]
        tags = [set(c.metadata.get("tags", [])) for c in cells]
        body = [c for c, t in zip(cells, tags, strict=True)
                if not t & {"parameters", "injected-parameters"}]
        nb_secs = _when(meta["end_time"]) - _when(meta["start_time"])
        run_secs = sum(c.metadata.papermill.duration for c in cells)
        export = stages[stage]["seconds"] - nb_secs if stage == "report" else 0.0
        out["export"] += max(export, 0.0)
        out["kernel"] += stages[stage]["seconds"] - run_secs - max(export, 0.0)
        # the first cell imports, loads the parameters and calls the stage's run()
        out["imports_and_run"] += body[0].metadata.papermill.duration if body else 0.0
        for c in body[1:]:
            png = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
            out["charts" if png else "other_cells"] += c.metadata.papermill.duration
    return {k: round(v, 2) for k, v in out.items()}


def one_portfolio(mode: str, pfile: Path) -> dict[str, Any]:
    """One `crmkit run` of ``pfile`` with ``CRMKIT_KERNEL=mode``: times and breakdown."""
    name = pfile.stem
    _clean(name)
    wall, cpu = _timed([str(BIN / "crmkit"), "run", str(pfile), "--workers", "1", "--quiet"],
                       {"CRMKIT_KERNEL": mode})
    run_dir = next((CACHE / "out" / name).glob("????-??-??"))
    return {"mode": mode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            **breakdown(run_dir)}


FLOOR = """
import importlib, json, sys
from time import perf_counter as wall, process_time as cpu
c0, w0 = cpu(), wall()
from crmkit.batch import stage_notebooks
from crmkit.params import load_params
stages = list(stage_notebooks())
mods = {s: importlib.import_module(f"crmkit.{s}") for s in stages}
import crmkit.display, crmkit.widgets
out = {"imports_cpu_s": cpu() - c0, "imports_wall_s": wall() - w0}
p = load_params(sys.argv[1])
c0, w0 = cpu(), wall()
for s, m in mods.items():
    c1 = cpu()
    m.run(p)
    out[f"{s}_cpu_s"] = cpu() - c1
out |= {"runs_cpu_s": cpu() - c0, "runs_wall_s": wall() - w0}
print(json.dumps({k: round(v, 2) for k, v in out.items()}))
"""


def floor(pfile: Path) -> dict[str, Any]:
    """The floor without notebooks: importing every stage package once, and every stage's
    ``run(params)`` in turn in one process (no charts, no export), with each stage's CPU
    seconds (the report stage's include the client cards PDF, which ``crmkit run`` prints in
    a process of its own beside the report notebook: :mod:`crmkit.batch.cards`)."""
    proc = subprocess.run([sys.executable, "-c", FLOOR, str(pfile)], check=True, cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ,
                                                               **_fresh_font_cache()})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def kernel_imports() -> dict[str, Any]:
    """CPU seconds a fresh interpreter spends importing what a kernel and each stage notebook's
    first cell import: paid once per notebook by the old path, once per portfolio by the new."""
    import re

    import nbformat

    from crmkit.batch import stage_notebooks

    per: dict[str, float] = {}
    for stage, path in stage_notebooks().items():
        first = [c for c in nbformat.read(path, 4).cells if c.cell_type == "code"][1].source
        imports = "\n".join(b for b in re.split(r"\n(?=\S)", first)
                            if b.startswith(("import ", "from ")))
        prog = ("import resource\nimport IPython, ipykernel.ipkernel, zmq, tornado\n"
                f"{imports}\nr = resource.getrusage(resource.RUSAGE_SELF)\n"
                "print(r.ru_utime + r.ru_stime)")
        out = subprocess.run([sys.executable, "-c", prog], check=True, capture_output=True,
                             text=True, cwd=ROOT)
        per[stage] = float(out.stdout.strip().splitlines()[-1])
    return {"notebooks": len(per), "per_stage_kernels_cpu_s": round(sum(per.values()), 1),
            "largest_one_cpu_s": round(max(per.values()), 1)}


def batch_vs_cli(files: list[Path], workers: int = 2, cli_portfolios: int | None = None
                 ) -> dict[str, Any]:
    """`crmkit run` over ``files`` against a sequential loop of the `papermill` command.

    ``cli_portfolios``: the loop runs over the first that many portfolios only, and its time
    is scaled to all of them (the loop is strictly sequential, one portfolio after another, so
    its time is proportional to their number; an idle machine for 20 portfolios of it is half
    an hour). The figures say how many portfolios each side really ran."""
    from crmkit.batch import stage_notebooks

    _clean(*(f.stem for f in files))
    load_batch = os.getloadavg()[0]
    bw, bc = _timed([str(BIN / "crmkit"), "run", *map(str, files), "--workers", str(workers),
                     "--quiet"])
    looped = files[:cli_portfolios] if cli_portfolios else files
    books = stage_notebooks()
    seq = CACHE / "papermill-cli"
    shutil.rmtree(seq, ignore_errors=True)
    seq.mkdir(parents=True)
    _clean(*(f.stem for f in looped))
    load_cli = os.getloadavg()[0]
    # static slider panels, as crmkit run gives its kernels: a live Output widget in a kernel
    # nobody looks at left plain papermill waiting on an idle kernel for ever (03b_needs)
    env = {**os.environ, **_fresh_font_cache(), "CRMKIT_STATIC_WIDGETS": "1"}
    t0, c0 = time.perf_counter(), _children_cpu()
    for f in looped:
        for stage, nb in books.items():
            subprocess.run([str(BIN / "papermill"), str(nb), str(seq / f"{f.stem}-{stage}.ipynb"),
                            "-p", "params_file", str(f), "--cwd", str(nb.parent), "-k",
                            "python3", "--no-progress-bar", "--execution-timeout", "900"],
                           check=True, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sw, sc = time.perf_counter() - t0, _children_cpu() - c0
    scale = len(files) / len(looped)
    return {"portfolios": len(files), "workers": workers, "batch_wall_s": round(bw, 1),
            "batch_cpu_s": round(bc, 1), "batch_load": round(load_batch, 1),
            "cli_portfolios_run": len(looped), "cli_wall_s": round(sw * scale, 1),
            "cli_cpu_s": round(sc * scale, 1), "cli_load": round(load_cli, 1),
            "wall_per_portfolio_batch_s": round(bw / len(files), 1),
            "wall_per_portfolio_cli_s": round(sw / len(looped), 1),
            "speedup": round(sw * scale / bw, 2), "cpu_ratio": round(sc * scale / bc, 2)}


def slider(n: int = 100_000, events: int = 7) -> dict[str, Any]:
    """Median ms of a slider event at ``n`` clients: full recompute vs the fast path."""
    import numpy as np
    import pandas as pd

    from crmkit.params import Params
    from crmkit.score import score_clients
    from crmkit.tier import tier_table
    from crmkit.widgets import TieringExplorer

    features = _features(n)
    pd_ = pd.Series(np.random.default_rng(1).uniform(0, 0.1, len(features)),
                    index=features.index)
    params = Params.model_validate({"portfolio": "bench", "as_of": "2026-09-30",
                                    "sources": {"default": {"path": "."}}})
    ex = TieringExplorer(features, params, pd_)
    ex._render = lambda: None  # no front end here: the redraw is timed as HTML below
    weights = [0.1, 0.2, 0.3, 0.4, 0.15, 0.25, 0.35]

    def full(scoring: Any, tiering: Any) -> None:  # the event before: all from scratch
        table = tier_table(score_clients(features, scoring).scores["total"], pd_, features,
                           tiering, gates=params.gates)
        b = ex.baseline.table
        table["tier"].astype("string").value_counts()
        b["tier"].astype("string").value_counts()
        moved = b["tier"].astype("string").ne(table["tier"].astype("string")).fillna(False)
        out = pd.DataFrame({"client_name": table.get("client_name"), "tier_before": b["tier"],
                            "tier_now": table["tier"], "score_before": b["score"],
                            "score_now": table["score"]})[moved.to_numpy()]
        out.head(30).round(1).to_html()

    def fast() -> None:  # the event now: what _on_change computes and shows
        ex._recompute()
        ex.counts()
        ex.changes().head(30).round(1).to_html()

    times: dict[str, list[float]] = {k: [] for k in ("bw", "bc", "aw", "ac")}
    dim = next(iter(ex.weight_sliders))
    for v in weights[:events]:
        ex.weight_sliders[dim].value = v  # fires the observer once (not timed)
        scoring, tiering = ex.settings()
        for key, event in (("b", lambda: full(scoring, tiering)), ("a", fast)):
            w0, c0 = time.perf_counter(), time.process_time()
            event()
            times[key + "c"].append(time.process_time() - c0)
            times[key + "w"].append(time.perf_counter() - w0)
    ms = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    return {"clients": len(features), "before_cpu_ms": round(ms["bc"], 1),
            "after_cpu_ms": round(ms["ac"], 1), "before_wall_ms": round(ms["bw"], 1),
            "after_wall_ms": round(ms["aw"], 1), "speedup_cpu": round(ms["bc"] / ms["ac"], 1)}


def _features(n: int) -> Any:
    """Client features of an ``n``-client sample (cached as Parquet)."""
    import datetime as dt

    import pandas as pd

    path = CACHE / f"features-{n}.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    from crmkit.sample import generate
    from crmkit.score import client_features

    as_of = dt.date(2026, 9, 30)
    features = client_features(generate(n, seed=5, as_of=as_of), as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    features.to_parquet(path)
    return features


def results(n_portfolios: int = 6, skip: tuple[str, ...] = (),
            cli_portfolios: int | None = None) -> list[dict[str, Any]]:
    """Every measurement as rows ``{"bench": ..., ...}`` (called by benchmarks/run_all.py)."""
    rows: list[dict[str, Any]] = []
    if "portfolio" not in skip:
        (pfile,) = portfolios(1)
        for mode in ("stage", "portfolio"):
            rows.append({"bench": "one portfolio, all stages + PDF", **one_portfolio(mode, pfile)})
        rows.append({"bench": "floor: imports once, stage runs in one process",
                     **floor(pfile)})
        rows.append({"bench": "kernel start-up + imports (fresh interpreters)",
                     **kernel_imports()})
    if "batch" not in skip:
        rows.append({"bench": "batch vs papermill CLI loop",
                     **batch_vs_cli(portfolios(n_portfolios, prefix="b"),
                                    cli_portfolios=cli_portfolios)})
    if "slider" not in skip:
        rows.append({"bench": "slider event", **slider()})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as markdown tables, one per kind of measurement."""
    out = []
    for bench in dict.fromkeys(r["bench"] for r in rows):
        group = [r for r in rows if r["bench"] == bench]
        cols = [c for c in group[0] if c != "bench"]
        out += [f"**{bench}**", "", "| " + " | ".join(cols) + " |",
                "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in group]
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portfolios", type=int, default=6)
    ap.add_argument("--skip", default="", help="comma-separated: portfolio, batch, slider")
    ap.add_argument("--cli-portfolios", type=int, default=None,
                    help="run the papermill loop over this many portfolios only, scaled")
    a = ap.parse_args()
    rows = results(a.portfolios, tuple(s for s in a.skip.split(",") if s), a.cli_portfolios)
    sys.stdout.write(table(rows) + "\n")


if __name__ == "__main__":
    main()
