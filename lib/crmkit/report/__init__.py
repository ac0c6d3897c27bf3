"""Stage 6, report: the client-facing report (content, HTML, PDF), the Excel workbook, PII
masking for exports, sanitising, and the roll-up across portfolios.

``run(params)`` writes the workbook and returns the run's tables for the report notebook;
:func:`export_report` turns the executed notebook into HTML and PDF.

The names below are imported on first use (PEP 562): the batch runner's export needs only the
HTML and PDF modules, not the report content's matplotlib, seaborn and scikit-learn chain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Exported name -> the module that defines it.
_WHERE = {
    **dict.fromkeys(("RunData", "executive_summary", "first_column_as_index", "format_numbers",
                     "heading", "load_run", "method_note"), "content"),
    "REPORT_FORMATS": "export", "export_report": "export", "export_html": "html",
    "mask_frame": "mask", "pii_columns": "mask", "export_pdf": "pdf",
    "rollup_table": "rollup", "write_rollup": "rollup", "sanitize_html": "sanitize",
    "run": "stage", "workbook_path": "workbook", "write_run_workbook": "workbook",
    "write_workbook": "xlsx",
}

__all__ = ["run", "RunData", "load_run", "heading", "executive_summary", "method_note",
           "format_numbers", "first_column_as_index", "export_report", "export_html",
           "export_pdf", "write_workbook", "write_run_workbook", "workbook_path", "mask_frame",
           "pii_columns", "sanitize_html", "rollup_table", "write_rollup", "REPORT_FORMATS"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'crmkit.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"crmkit.report.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
