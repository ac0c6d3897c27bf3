"""Stage 6, report: the client-facing report (content, HTML, PDF), the Excel workbook, PII
masking for exports, sanitising, and the roll-up across portfolios.

``run(params)`` writes the workbook and returns the run's tables for the report notebook;
:func:`export_report` turns the executed notebook into HTML and PDF.
"""

from __future__ import annotations

from crmkit.report.content import (
    RunData,
    executive_summary,
    first_column_as_index,
    format_numbers,
    heading,
    load_run,
    method_note,
)
from crmkit.report.export import REPORT_FORMATS, export_report
from crmkit.report.html import export_html
from crmkit.report.mask import mask_frame, pii_columns
from crmkit.report.pdf import export_pdf
from crmkit.report.rollup import rollup_table, write_rollup
from crmkit.report.sanitize import sanitize_html
from crmkit.report.stage import run
from crmkit.report.workbook import workbook_path, write_run_workbook
from crmkit.report.xlsx import write_workbook

__all__ = ["run", "RunData", "load_run", "heading", "executive_summary", "method_note",
           "format_numbers", "first_column_as_index", "export_report", "export_html",
           "export_pdf", "write_workbook", "write_run_workbook", "workbook_path", "mask_frame",
           "pii_columns", "sanitize_html", "rollup_table", "write_rollup", "REPORT_FORMATS"]
