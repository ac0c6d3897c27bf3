"""Benchmark: the financing-need forecast's backtest against the last-year baseline.

Reads the committed sample (``data/sample``) through the collect stage, forecasts from one year
before its as-of date (and from the other quarter ends with 90 days of hindsight), and prints
precision, recall, F1 and the amount MAE of the model and of the baseline; then the same on
other seeds of the generator, and the forecast's run time on a larger book.

    .venv/bin/python benchmarks/bench_needs.py [--seeds 8,9,10] [--clients 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from crmkit.collect import collect
from crmkit.needs import backtest, forecast_needs
from crmkit.params import load_params
from crmkit.sample import generate

ROOT = Path(__file__).resolve().parents[1]
ORIGINS = ("2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30")


def _row(label: str, bt) -> dict[str, object]:
    m, b = bt.model, bt.baseline
    return {"book": label, "as_of": bt.as_of.date().isoformat(), "clients": bt.n_clients,
            "actual": m.tp + m.fn,
            "P model": m.precision, "P base": b.precision, "R model": m.recall,
            "R base": b.recall, "F1 model": m.f1, "F1 base": b.f1,
            "MAE model (万元)": m.mae / 1e4, "MAE base (万元)": b.mae / 1e4}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="8,9,10", help="other generator seeds (comma-separated)")
    ap.add_argument("--clients", type=int, default=20000, help="book size for the timing")
    a = ap.parse_args(argv)
    params = load_params(ROOT / "parameters" / "sample.yaml")
    tables = collect(params).tables
    rows = [_row("data/sample", backtest(tables, o, params=params)) for o in ORIGINS]
    for seed in (int(s) for s in a.seeds.split(",") if s):
        book = generate(300, seed=seed)
        rows.append(_row(f"seed {seed}", backtest(book, "2025-09-30", params=params)))
    out = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    sys.stdout.write(f"# bench_needs {dt.date.today().isoformat()}: horizon "
                     f"{params.needs.horizon_days} days, decision probability "
                     f"{params.needs.decision_probability}\n")
    sys.stdout.write(out.to_string(index=False, float_format=lambda x: f"{x:.3f}") + "\n")
    wins = (out["F1 model"] > out["F1 base"]).sum()
    sys.stdout.write(f"model F1 above the baseline in {wins} of {len(out)} backtests; mean F1 "
                     f"{out['F1 model'].mean():.3f} vs {out['F1 base'].mean():.3f}\n")
    if a.clients:
        big = generate(a.clients, seed=7)
        t0 = time.perf_counter()
        f = forecast_needs(big, "2026-09-30", params)
        sys.stdout.write(f"forecast on {a.clients} clients: {len(f)} needs in "
                         f"{time.perf_counter() - t0:.2f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
