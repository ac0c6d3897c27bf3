"""The collect stage's runner: read, validate, clean and save every table of a portfolio."""

from __future__ import annotations

from crmkit.collect.outcome import CollectResult
from crmkit.collect.portfolio import collect, write_outputs
from crmkit.collect.tables import require_rows
from crmkit.params import Params

__all__ = ["run"]


def run(params: Params) -> CollectResult:
    """Collect the portfolio and write the clean tables, quarantine and quality report.

    The written files are in ``result.paths`` (by table name, plus ``quarantine`` ...). A
    required table left without rows stops the portfolio here, after the quarantine and
    quality files are written, with a message saying why (see :func:`require_rows`).
    """
    result = collect(params)
    result.paths = write_outputs(result, params)
    require_rows(result.tables, params, result)
    return result
