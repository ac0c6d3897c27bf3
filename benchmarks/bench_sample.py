"""Benchmark: generate and write a synthetic portfolio of N clients, chunk by chunk.

Usage::

    .venv/bin/python benchmarks/bench_sample.py                    # 1,000,000 clients, Parquet
    .venv/bin/python benchmarks/bench_sample.py --clients 100000 --fmt csv

Writes to a temporary folder (deleted afterwards) and prints the wall time, the peak resident
memory of the process (``resource.getrusage``), and rows and file size per table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from crmkit.sample import DEFAULT_AS_OF, write_portfolio


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _rows(path: Path, fmt: str) -> int:
    if fmt == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", "-n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--chunk-size", type=int, default=100_000)
    ap.add_argument("--fmt", choices=("csv", "parquet"), default="parquet")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="crmkit-bench-sample-") as tmp:
        t0 = time.perf_counter()
        files = write_portfolio(tmp, args.clients, args.seed, DEFAULT_AS_OF, fmt=args.fmt,
                                chunk_size=args.chunk_size)
        seconds = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        _say(f"clients={args.clients:,} fmt={args.fmt} chunk_size={args.chunk_size:,} "
              f"seed={args.seed}")
        _say(f"time: {seconds:,.1f} s   peak memory (max RSS): {peak_mb:,.0f} MB   "
              f"python {sys.version.split()[0]}")
        total_rows = total_bytes = 0
        _say(f"{'table':<14}{'rows':>14}{'MB':>10}")
        for name, path in files.items():
            rows, size = _rows(path, args.fmt), path.stat().st_size
            total_rows, total_bytes = total_rows + rows, total_bytes + size
            _say(f"{name:<14}{rows:>14,}{size / 1e6:>10.1f}")
        _say(f"{'total':<14}{total_rows:>14,}{total_bytes / 1e6:>10.1f}")


if __name__ == "__main__":
    main()
