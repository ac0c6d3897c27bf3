"""What collecting produces: one :class:`TableOutcome` per table, one :class:`CollectResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TableOutcome", "CollectResult"]


@dataclass
class TableOutcome:
    """One table after cleaning: the kept rows and the issues of the rows that failed."""

    name: str
    source: str
    clean: pd.DataFrame
    rows_read: int
    issues: pd.DataFrame
    raw: pd.DataFrame  # mapped raw cells of every row read (for the quarantine file)
    rows: pd.Series  # source row numbers aligned with ``raw``
    ignored_columns: list[str] = field(default_factory=list)
    completeness: pd.Series | None = None


@dataclass
class CollectResult:
    """Everything the collect stage produces."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    quality: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str]
    paths: dict[str, str] = field(default_factory=dict)  # written files, by table / report
