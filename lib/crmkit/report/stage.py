"""The report stage's runner: the run's workbook, and the tables the report notebook shows."""

from __future__ import annotations

import os

from crmkit.params import Params
from crmkit.report.content import RunData, load_run
from crmkit.report.pdf import CARDS_PDF_ENV, export_cards_pdf
from crmkit.report.workbook import write_run_workbook

__all__ = ["run"]


def run(params: Params) -> RunData:
    """Write ``<run_dir>/report/<portfolio>_<as_of>.xlsx`` and the client cards as a PDF
    (``diagnose/client_cards.pdf``, when PDFs are asked for); return the run's tables.

    In a ``crmkit run`` kernel (``CRMKIT_CARDS_PDF=runner``) the runner prints the cards PDF
    instead, on the other core while this notebook runs (:mod:`crmkit.batch.cards`)."""
    data = load_run(params)
    data.workbook = write_run_workbook(params)
    cards = params.stage_dir("diagnose") / "client_cards.html"
    if "pdf" in params.batch.report_formats and cards.is_file() \
            and os.environ.get(CARDS_PDF_ENV) != "runner":
        export_cards_pdf(cards)
    return data
