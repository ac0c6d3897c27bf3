"""Benchmark: N sample-sized portfolios end to end, `crmkit run` (process pool) against a plain
sequential loop of papermill over the same notebooks; prints both times, their ratio and the
per-notebook overhead (kernel start and shutdown with an empty notebook).

    .venv/bin/python benchmarks/bench_batch.py [--portfolios 20] [--workers 2] [--stages collect,score]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from crmkit.batch import run_portfolios, stage_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _portfolios(folder: Path, n: int, out: str) -> list[Path]:
    base = yaml.safe_load((ROOT / "parameters" / "sample.yaml").read_text("utf-8"))
    files = []
    for i in range(n):
        data = dict(base, portfolio=f"bench{i:02d}", output_dir=str(folder / out),
                    sources={"default": {"path": str(ROOT / "data" / "sample")}})
        path = folder / f"bench{i:02d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        files.append(path)
    return files


def _overhead(folder: Path, runs: int = 5) -> float:
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pm.execute_notebook(str(path), str(folder / "empty.out.ipynb"), progress_bar=False,
                            kernel_name="python3", shutdown_kernel="immediate")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portfolios", type=int, default=20)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--stages", default=None)
    a = ap.parse_args()
    stages = a.stages.split(",") if a.stages else None
    books = {k: v for k, v in stage_notebooks().items() if not stages or k in stages}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        overhead = _overhead(folder)
        files = _portfolios(folder, a.portfolios, "pool")
        t0 = time.perf_counter()
        results = run_portfolios(files, stages=stages, workers=a.workers, progress=False)
        pooled = time.perf_counter() - t0
        failed = [r.portfolio for r in results if not r.ok]
        seq_files = _portfolios(folder, a.portfolios, "seq")
        t0 = time.perf_counter()
        for f in seq_files:
            (folder / "seq-nb").mkdir(exist_ok=True)
            for stage, nb in books.items():
                pm.execute_notebook(str(nb), str(folder / "seq-nb" / f"{f.stem}-{stage}.ipynb"),
                                    parameters={"params_file": str(f)}, cwd=str(nb.parent),
                                    progress_bar=False, kernel_name="python3")
        sequential = time.perf_counter() - t0
    n_nb = a.portfolios * len(books)
    out = sys.stdout
    out.write(f"portfolios: {a.portfolios}, notebooks each: {len(books)} ({', '.join(books)}), "
              f"workers: {a.workers}, cores: {os.cpu_count()}\n")
    out.write(f"crmkit run (process pool):   {pooled:8.1f} s  ({pooled / n_nb:.2f} s/notebook)\n")
    out.write(f"sequential papermill loop:   {sequential:8.1f} s  "
              f"({sequential / n_nb:.2f} s/notebook)\n")
    out.write(f"speed-up:                    {sequential / pooled:8.2f} x  (target >= 1.7 on 2 cores)\n")
    out.write(f"per-notebook overhead (empty notebook, kernel start + shutdown): {overhead:.2f} s\n")
    if failed:
        out.write(f"FAILED portfolios: {failed}\n")


if __name__ == "__main__":
    main()
