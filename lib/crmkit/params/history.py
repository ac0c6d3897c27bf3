"""Parameters of the history step (section ``history:`` of a portfolio's parameters file).

The snapshot store itself lives at ``Params.history_path`` (``history_db:`` at the top level of
the file, default ``<output_dir>/<portfolio>/history.duckdb``). Example (every key optional;
these are the defaults)::

    history:
      backend: auto               # auto (by file suffix) | duckdb | sqlite
      lock_timeout_seconds: 30    # wait this long for another process to release the file
      score_column: total         # the composite score compared between snapshots
      pd_column: pd               # the probability of default compared between snapshots
      tier_column: tier           # the A/B/C tier compared between snapshots
      tier_order: [A, B, C]       # best tier first: A -> B is a downgrade, B -> A an upgrade
      trend_metric: total         # the default metric of the trend chart

``backend: auto`` picks DuckDB for ``.duckdb`` files and SQLite for ``.db``, ``.sqlite`` and
``.sqlite3`` files (DuckDB for any other suffix).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from crmkit.params._base import Section

__all__ = ["HistoryParams", "BACKENDS", "SQLITE_SUFFIXES"]

#: Storage engines of the snapshot store.
BACKENDS: tuple[str, ...] = ("auto", "duckdb", "sqlite")
#: File suffixes that ``backend: auto`` opens with SQLite (any other suffix: DuckDB).
SQLITE_SUFFIXES: tuple[str, ...] = (".db", ".sqlite", ".sqlite3")


class HistoryParams(Section):
    """Settings of the history step. Every field has a documented default."""

    backend: Literal["auto", "duckdb", "sqlite"] = Field(
        "auto", description="auto: DuckDB for .duckdb files, SQLite for .db/.sqlite/.sqlite3")
    lock_timeout_seconds: float = Field(
        30.0, gt=0, description="seconds to wait while another process holds the store")
    score_column: str = Field("total", min_length=1,
                              description="composite-score column compared between snapshots")
    pd_column: str = Field("pd", min_length=1,
                           description="probability-of-default column compared between snapshots")
    tier_column: str = Field("tier", min_length=1,
                             description="tier column compared between snapshots")
    tier_order: list[str] = Field(
        default_factory=lambda: ["A", "B", "C"],
        description="tiers from best to worst; a move to the right is a downgrade")
    trend_metric: str = Field("total", min_length=1, description="default metric of trend()")

    @field_validator("tier_order")
    @classmethod
    def _distinct_tiers(cls, v: list[str]) -> list[str]:
        if len(v) < 2:
            raise ValueError("tier_order needs at least two tiers, best first (e.g. [A, B, C])")
        dup = sorted({x for x in v if v.count(x) > 1})
        if dup:
            raise ValueError(f"tier_order lists {dup} more than once; list each tier once")
        return v
