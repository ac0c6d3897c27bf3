"""Executors other than the local process pool: chains of portfolios on a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crmkit.batch.progress import progress_line
from crmkit.batch.results import PortfolioRun
from crmkit.core.errors import CrmkitError

__all__ = ["run_dask"]


def run_dask(run_chain: Callable[..., list[PortfolioRun]], groups: list[list[Path]],
             total: int, stages: list[str] | None, resume: bool, scheduler: str | None,
             progress: bool, notebooks: Path | None) -> list[PortfolioRun]:
    """Submit ``run_chain(group, ...)`` for each chain of portfolios to the Dask scheduler at
    ``scheduler``; the runs in the order they finish (``total``: portfolios, for progress)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise CrmkitError("the Dask executor needs dask.distributed: pip install "
                          "'crmkit[dask]'") from None
    if not scheduler:
        raise CrmkitError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise CrmkitError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    results: list[PortfolioRun] = []
    try:
        futs = [client.submit(run_chain, g, stages, resume, notebooks, pure=False)
                for g in groups]
        for fut in dask_completed(futs):
            for r in fut.result():
                results.append(r)
                if progress:
                    progress_line(r, len(results), total, True)
    finally:
        client.close()
    return results
