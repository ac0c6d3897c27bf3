"""Stage 1, collect: read client files (CSV/GBK, xlsx, Parquet, SQL), map columns, validate,
clean, quarantine bad rows with reasons, and report data quality.

``run(params)`` does it all and saves ``<run_dir>/collect/``; :func:`load_clean` reads it back.
"""

from __future__ import annotations

from crmkit.collect.charts import quality_chart
from crmkit.collect.headers import header_aliases, normalise_header, sheet_table_name, sheet_title
from crmkit.collect.outcome import CollectResult, TableOutcome
from crmkit.collect.quality import quality_report, summary_table, summary_view
from crmkit.collect.readers import RawTable, read_table
from crmkit.collect.stage import run
from crmkit.collect.tables import (
           ISSUE_COLUMNS,
           REASONS,
           collect,
           collect_table,
           load_clean,
           write_outputs,
)
from crmkit.collect.template import write_template

__all__ = ["run", "collect", "collect_table", "write_outputs", "load_clean", "CollectResult",
           "TableOutcome", "RawTable", "read_table", "quality_report", "summary_table",
           "summary_view", "quality_chart", "write_template", "sheet_title", "sheet_table_name",
           "header_aliases", "normalise_header", "REASONS", "ISSUE_COLUMNS"]
