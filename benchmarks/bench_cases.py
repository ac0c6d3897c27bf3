"""Benchmark: nearest neighbours in the similar-case library; prints fit and query times for
100,000 synthetic cases (the issue's target: a query under 50 ms).

    .venv/bin/python benchmarks/bench_cases.py [--cases 100000] [--queries 200] [--k 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd

from crmkit.plan import OUTCOMES, PROFILES, CaseLibrary
from crmkit.plan.case_file import CASE_CODES


def synthetic_cases(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` random cases over the contract's code lists, with a few blanks."""
    rng = np.random.default_rng(seed)
    pick = {c: rng.choice(sorted(CASE_CODES[c]), n) for c in
            ("industry", "region", "size_class", "product", "collateral_type")}
    df = pd.DataFrame({"case_id": [f"K{i:07d}" for i in range(n)], **pick,
                       "structure": rng.choice(PROFILES, n),
                       "amount": np.round(10 ** rng.uniform(6, 10, n), -3),
                       "tenor_months": rng.integers(6, 301, n),
                       "outcome": rng.choice(list(OUTCOMES), n, p=[0.5, 0.4, 0.06, 0.04]),
                       "realised_dscr": rng.gamma(6, 0.25, n)})
    df.loc[rng.random(n) < 0.05, "region"] = None
    return df


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args(argv)
    cases = synthetic_cases(a.cases)
    queries = synthetic_cases(a.queries, seed=11).to_dict("records")
    t0 = time.perf_counter()
    lib = CaseLibrary().fit(cases)
    fit = time.perf_counter() - t0
    times = []
    for q in queries:
        t0 = time.perf_counter()
        lib.neighbours(q, a.k)
        times.append(time.perf_counter() - t0)
    ms = sorted(x * 1e3 for x in times)
    out = sys.stdout
    out.write(f"cases: {a.cases:,}  queries: {a.queries}  k: {a.k}\n")
    out.write(f"fit: {fit * 1e3:.1f} ms\n")
    out.write(f"query: median {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * len(ms)) - 1]:.2f}"
              f" ms, max {ms[-1]:.2f} ms (target < 50 ms)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
