"""Batch runs: every stage notebook for every portfolio with Papermill, in a process pool or on
Dask, with a manifest per run, ``--resume`` and a roll-up across portfolios."""

from __future__ import annotations

from crmkit.batch.manifest import read_manifest, write_manifest
from crmkit.batch.runner import (
    NOTEBOOKS,
    PortfolioRun,
    StageRun,
    chains,
    expand_params,
    run_chain,
    run_portfolio,
    run_portfolios,
    stage_notebooks,
)

run = run_portfolios

__all__ = ["run", "run_portfolios", "run_portfolio", "run_chain", "chains", "expand_params",
           "stage_notebooks", "PortfolioRun", "StageRun", "NOTEBOOKS", "read_manifest",
           "write_manifest"]
