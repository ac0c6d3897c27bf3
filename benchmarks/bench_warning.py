"""Benchmark: the default warning rules over N clients, the alert table and IFRS 9 staging.

Usage::

    .venv/bin/python benchmarks/bench_warning.py             # 1,000,000 clients
    .venv/bin/python benchmarks/bench_warning.py -n 100000 --repeat 3

The metrics frames are synthesised with numpy (no raw tables): realistic distributions of DSCR
(log-normal around 1.6), LLCR (project-finance clients only), leverage (beta), days past due
(mostly 0, a tail past 30 and 90), score and CSAT changes, NPS, open complaints, milestone
delays (clients with projects only), churn probability; ~1.5 live facilities per client with
maturities spread over ten years. Prints seconds per step; the target for evaluating the rules
is under 2 s for 1,000,000 clients.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from crmkit.params.warning import WarningParams
from crmkit.warn import alert_summary, alerts, evaluate_rules, ifrs9_stages, rule_notes

AS_OF = pd.Timestamp("2026-09-30")


def _with_nan(x: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    x = x.astype(float)
    x[rng.random(len(x)) < share] = np.nan
    return x


def synthetic_metrics(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Client metrics (index client_id) and facility metrics (index facility_id)."""
    rng = np.random.default_rng(seed)
    ids = pd.Index("C" + pd.Series(np.arange(n)).astype("string").str.zfill(7),
                   name="client_id")
    rm = np.char.add("RM", np.arange(500).astype(str))[rng.integers(0, 500, n)]
    dpd = np.zeros(n)
    u = rng.random(n)
    dpd[u < 0.08] = rng.integers(1, 30, (u < 0.08).sum())
    dpd[u < 0.03] = rng.integers(30, 90, (u < 0.03).sum())
    dpd[u < 0.015] = rng.integers(90, 720, (u < 0.015).sum())
    has_project = rng.random(n) < 0.3
    delay = np.where(has_project, rng.exponential(40, n), np.nan)
    duration = rng.uniform(60, 720, n)
    score_change = _with_nan(rng.normal(0, 5, n), 0.1, rng)
    metrics = pd.DataFrame({
        "client_name": ("客户" + pd.Series(ids)).array,
        "relationship_manager": pd.array(rm, dtype="string"),
        "tier": pd.array(rng.choice(["A", "B", "C"], n, p=[0.2, 0.3, 0.5]), dtype="string"),
        "dscr": _with_nan(rng.lognormal(np.log(1.6), 0.35, n), 0.05, rng),
        "llcr": np.where(has_project, rng.lognormal(np.log(1.5), 0.25, n), np.nan),
        "debt_to_assets": _with_nan(rng.beta(6, 4, n), 0.02, rng),
        "dpd_current": dpd,
        "score_change": score_change,
        "tier_downgrade": np.where(np.isnan(score_change), np.nan, rng.random(n) < 0.05),
        "csat_change": _with_nan(rng.choice([-2, -1, 0, 1, 2], n, p=[.05, .15, .5, .2, .1]),
                                 0.4, rng),
        "nps_latest": _with_nan(rng.choice(11, n, p=[.01, .01, .02, .02, .03, .05, .08, .18,
                                                     .25, .2, .15]), 0.2, rng),
        "oldest_open_complaint_days": np.where(rng.random(n) < 0.1, rng.exponential(40, n), 0.0),
        "max_milestone_delay_days": delay,
        "milestone_delay_share": delay / duration,
        "churn_probability": _with_nan(rng.beta(1.5, 6, n), 0.05, rng),
    }, index=ids)
    nf = int(n * 1.5)
    owner = np.sort(rng.integers(0, n, nf))
    fids = pd.Index("F" + pd.Series(np.arange(nf)).astype("string").str.zfill(8),
                    name="facility_id")
    facilities = pd.DataFrame({
        "client_id": ids.array.take(owner),
        "client_name": metrics["client_name"].array.take(owner),
        "relationship_manager": metrics["relationship_manager"].array.take(owner),
        "product": rng.choice(["project_finance", "long_term", "working_capital"], nf),
        "status": rng.choice(["active", "restructured", "default"], nf, p=[.96, .03, .01]),
        "exposure": rng.lognormal(18, 1, nf),
        "days_to_maturity": rng.integers(-30, 3650, nf).astype(float),
        "dpd_current": dpd[owner],
    }, index=fids)
    return metrics, facilities


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="number of clients")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (best is shown)")
    args = ap.parse_args()
    params = WarningParams()
    t0 = time.perf_counter()
    metrics, facilities = synthetic_metrics(args.n)
    print(f"synthesise {args.n:,} clients / {len(facilities):,} facilities: "  # noqa: T201
          f"{time.perf_counter() - t0:.2f} s")

    def best(fn):
        times, out = [], None
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return min(times), out

    t_eval, ev = best(lambda: evaluate_rules(metrics, facilities, params))
    t_alerts, table = best(lambda: alerts(metrics, facilities, params, AS_OF, "zh",
                                          evaluation=ev))
    t_total, _ = best(lambda: alerts(metrics, facilities, params, AS_OF, "zh"))
    t_sum, _ = best(lambda: (alert_summary(table, "rule"), alert_summary(table, "owner"),
                             rule_notes(ev)))
    pd_now = pd.Series(np.random.default_rng(1).beta(1, 30, args.n), index=metrics.index)
    t_stage, stages = best(lambda: ifrs9_stages(facilities, pd_now, pd_now / 2, params,
                                                lang="zh"))
    lines = [
        f"rules evaluated ({len(params.active_rules)} default rules): {t_eval:.3f} s "
        f"(target < 2 s)",
        f"alert table from the evaluation ({len(table):,} alerts): {t_alerts:.3f} s",
        f"evaluate + alert table: {t_total:.3f} s",
        f"summaries (by rule, by owner, notes): {t_sum:.3f} s",
        f"IFRS 9 stages ({len(stages):,} facilities): {t_stage:.3f} s",
        "alerts per rule: " + ", ".join(f"{k}={v:,}" for k, v in ev.counts().items()),
    ]
    for line in lines:
        print(line)  # noqa: T201


if __name__ == "__main__":
    main()
