"""Stage 1, collect: read client files (CSV/GBK, xlsx, Parquet, SQL), map columns, validate,
clean, quarantine bad rows with reasons, and report data quality.

``run(params)`` does it all and saves ``<run_dir>/collect/``; :func:`load_clean` reads it back.
``quality_chart`` is imported on first use (PEP 562): reading and validating need neither
matplotlib nor seaborn, and the batch runner imports this package in every worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmkit.collect.headers import header_aliases, normalise_header, sheet_table_name, sheet_title
from crmkit.collect.outcome import CollectResult, TableOutcome
from crmkit.collect.portfolio import collect, write_outputs
from crmkit.collect.quality import quality_report, summary_table, summary_view
from crmkit.collect.readers import RawTable, read_table
from crmkit.collect.stage import run
from crmkit.collect.tables import ISSUE_COLUMNS, REASONS, collect_table, load_clean
from crmkit.collect.template import write_template

if TYPE_CHECKING:
    from crmkit.collect.charts import quality_chart

__all__ = ["run", "collect", "collect_table", "write_outputs", "load_clean", "CollectResult",
           "TableOutcome", "RawTable", "read_table", "quality_report", "summary_table",
           "summary_view", "quality_chart", "write_template", "sheet_title", "sheet_table_name",
           "header_aliases", "normalise_header", "REASONS", "ISSUE_COLUMNS"]


def __getattr__(name: str) -> Any:
    if name == "quality_chart":
        from crmkit.collect.charts import quality_chart

        globals()[name] = quality_chart
        return quality_chart
    raise AttributeError(f"module 'crmkit.collect' has no attribute {name!r}")
