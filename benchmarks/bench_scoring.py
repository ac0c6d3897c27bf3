"""Benchmark: client features and difference-matrix scoring for N clients.

Usage::

    .venv/bin/python benchmarks/bench_scoring.py            # 1,000,000 clients
    .venv/bin/python benchmarks/bench_scoring.py -n 100000

Tables come from ``crmkit.sample.portfolio.generate`` (the realistic sample: ~47 rows per client over
nine tables), or with ``--synthetic`` (or when the sample module is absent) from the lighter
numpy synthesiser below (~26 rows per client: clients, financials, facilities, repayments,
interactions, surveys, needs). Prints seconds per step.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from datetime import date

import numpy as np
import pandas as pd

from crmkit.core.contract import CODES
from crmkit.score import (
    client_features,
    default_flag,
    score_clients,
    top_drivers,
    weight_sensitivity,
)

AS_OF = pd.Timestamp("2026-09-30")


def _cat(rng: np.random.Generator, code: str, n: int) -> pd.Series:
    return pd.Series(rng.choice(list(CODES[code]), n)).astype("string")


def synthetic_tables(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Clean-form tables for ``n`` clients: ~1.6 facilities, ~8 instalments per facility."""
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"C{i:07d}" for i in range(n)], dtype="string")
    day = np.timedelta64(1, "D")
    clients = pd.DataFrame({
        "client_id": ids, "client_name": ids, "industry": _cat(rng, "industry", n),
        "region": _cat(rng, "region", n), "size_class": _cat(rng, "size_class", n),
        "lifecycle_stage": _cat(rng, "lifecycle_stage", n),
        "risk_appetite": _cat(rng, "risk_appetite", n),
        "relationship_manager": pd.Series(rng.integers(0, 500, n)).astype("string"),
        "onboarding_date": AS_OF - rng.integers(30, 7000, n) * day,
        "group_name": pd.Series(pd.NA, index=range(n), dtype="string"),
    })
    years = np.repeat([2024, 2025], n)
    ta = rng.lognormal(20, 1, 2 * n)
    fin = pd.DataFrame({
        "client_id": pd.concat([ids, ids], ignore_index=True),
        "fiscal_year": pd.array(years, dtype="Int64"), "total_assets": ta,
        "total_liabilities": ta * rng.beta(6, 4, 2 * n), "current_assets": ta * 0.3,
        "current_liabilities": ta * rng.uniform(0.1, 0.4, 2 * n),
        "revenue": ta * rng.uniform(0.2, 0.8, 2 * n), "net_income": ta * 0.03,
        "ebitda": ta * 0.1, "operating_cash_flow": ta * rng.uniform(0.03, 0.12, 2 * n),
        "interest_expense": ta * 0.02, "debt_service": ta * 0.06,
    })
    nf = int(n * 1.6)
    owner = np.sort(rng.integers(0, n, nf))
    amount = rng.lognormal(18, 1, nf)
    fac = pd.DataFrame({
        "facility_id": pd.Series([f"F{i:08d}" for i in range(nf)], dtype="string"),
        "client_id": ids.to_numpy()[owner], "product": _cat(rng, "product", nf),
        "amount": amount, "outstanding": amount * rng.uniform(0, 1, nf),
        "start_date": AS_OF - rng.integers(100, 3000, nf) * day,
        "maturity_date": AS_OF + rng.integers(100, 3000, nf) * day,
        "interest_rate": rng.uniform(0.03, 0.07, nf), "fees": amount * 0.002,
        "status": pd.Series(rng.choice(["active", "closed", "restructured", "default"], nf,
                                       p=[0.8, 0.15, 0.04, 0.01])).astype("string"),
    })
    ni = nf * 8
    fi = np.repeat(np.arange(nf), 8)
    due = AS_OF - rng.integers(-180, 720, ni) * day
    late = np.where(rng.random(ni) < 0.85, 0, rng.exponential(40, ni)).astype(int) * day
    paid = pd.Series(due + late).where(rng.random(ni) < 0.97)
    rep = pd.DataFrame({
        "facility_id": fac["facility_id"].to_numpy()[fi], "due_date": due,
        "amount_due": 1e5, "paid_date": paid, "amount_paid": 1e5,
    })
    nx = n * 6
    who = rng.integers(0, n, nx)
    inter = pd.DataFrame({
        "interaction_id": pd.Series(np.arange(nx)).astype("string"),
        "client_id": ids.to_numpy()[who], "date": AS_OF - rng.integers(0, 720, nx) * day,
        "channel": _cat(rng, "channel", nx), "type": _cat(rng, "interaction_type", nx),
        "response_hours": rng.exponential(12, nx),
        "resolved": pd.array(rng.random(nx) < 0.8, dtype="boolean"),
        "resolved_date": pd.Series(AS_OF - rng.integers(0, 700, nx) * day),
    })
    ns = n * 2
    surveys = pd.DataFrame({
        "client_id": pd.concat([ids, ids], ignore_index=True),
        "survey_date": np.r_[np.full(n, AS_OF - 400 * day), np.full(n, AS_OF - 30 * day)],
        "csat": pd.array(rng.integers(1, 6, ns), dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, ns), dtype="Int64"),
    })
    needs = pd.DataFrame({
        "need_id": pd.Series(np.arange(n)).astype("string"), "client_id": ids,
        "request_date": AS_OF - rng.integers(0, 700, n) * day,
        "need_type": _cat(rng, "need_type", n),
        "fulfilled": pd.array(rng.random(n) < 0.6, dtype="boolean"),
    })
    return {"clients": clients, "financials": fin, "facilities": fac, "repayments": rep,
            "interactions": inter, "surveys": surveys, "needs": needs}


def _tiers(total: pd.Series) -> np.ndarray:
    return np.where(total >= 70, "A", np.where(total >= 55, "B", "C"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="number of clients")
    ap.add_argument("--synthetic", action="store_true",
                    help="use the light numpy tables instead of crmkit.sample.portfolio.generate")
    args = ap.parse_args()
    use_sample = not args.synthetic and importlib.util.find_spec("crmkit.sample.portfolio") is not None

    def step(name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        print(f"{name:<28s} {time.perf_counter() - t0:8.2f} s")  # noqa: T201
        return out

    if use_sample:
        from crmkit.sample import generate

        tables = step("sample.generate", lambda: generate(args.n, as_of=date(2026, 9, 30)))
    else:
        tables = step("synthetic tables", lambda: synthetic_tables(args.n))
    rows = sum(len(t) for t in tables.values())
    print(f"{args.n:,} clients, {rows:,} rows in {len(tables)} tables")  # noqa: T201
    feats = step("client_features", lambda: client_features(tables, AS_OF))
    step("default_flag", lambda: default_flag(tables, AS_OF - pd.DateOffset(years=1), AS_OF))
    result = step("score_clients", lambda: score_clients(feats))
    step("top_drivers", lambda: top_drivers(result))
    step("weight_sensitivity", lambda: weight_sensitivity(feats, None, _tiers))
    print(result.scores.describe().round(1).T.to_string())  # noqa: T201


if __name__ == "__main__":
    main()
