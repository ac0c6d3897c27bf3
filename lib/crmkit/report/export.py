"""Report exports: the executed report notebook as HTML and PDF, stage tables as Excel.

=====================================  ========================================================
:func:`export_report`                  executed notebook -> ``{"html": Path, "pdf": Path}``
:func:`export_html`                    sanitised stand-alone HTML (nbconvert, ``templates/report``)
:func:`export_pdf`                     that HTML as an A4 PDF (WeasyPrint, bundled CJK font)
:func:`write_workbook`                 frames -> formatted ``.xlsx`` (one sheet per frame)
:func:`mask_frame`                     personal columns masked under any header (张**)
:func:`sanitize_html`                  the HTML sanitiser the exporter uses
=====================================  ========================================================

The pieces live in ``report_html``, ``report_pdf``, ``report_xlsx``, ``report_mask`` and
``report_sanitize``; import them from here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmkit.core.branding import brand_of
from crmkit.core.errors import CrmkitError
from crmkit.core.i18n import check_lang
from crmkit.report.html import export_html
from crmkit.report.pdf import export_pdf
from crmkit.report.sanitize import sanitize_html

if TYPE_CHECKING:
    from crmkit.params import Params
    from crmkit.report.mask import mask_frame, pii_columns
    from crmkit.report.xlsx import write_workbook

__all__ = ["export_report", "export_html", "export_pdf", "write_workbook", "mask_frame",
           "pii_columns", "sanitize_html", "REPORT_FORMATS"]

#: Formats :func:`export_report` can write.
REPORT_FORMATS: tuple[str, ...] = ("html", "pdf")
#: Re-exported on first use: the workbook writer imports the warn stage's labels (and with
#: them matplotlib), which exporting a report does not need.
_LAZY = {"write_workbook": "xlsx", "mask_frame": "mask", "pii_columns": "mask"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'crmkit.report.export' has no attribute {name!r}")
    return getattr(importlib.import_module(f"crmkit.report.{_LAZY[name]}"), name)


def export_report(executed_notebook: Path, out_dir: Path, lang: str | None = None,
                  formats: Iterable[str] = REPORT_FORMATS, *, title: str | None = None,
                  params: Params | None = None, stem: str | None = None,
                  generated: dt.datetime | None = None) -> dict[str, Path]:
    """Export an executed notebook as ``<out_dir>/<stem>.html`` and/or ``.pdf``.

    Parameters
    ----------
    executed_notebook : Path
        The notebook Papermill executed.
    out_dir : Path
        Folder of the exports (created).
    lang : {"zh", "en"}, optional
        Report language; default ``params.language``, else ``"zh"``.
    formats : iterable of {"html", "pdf"}
        What to write; the PDF is printed from the HTML (a temporary one if ``"html"`` is not
        asked for).
    title : str, optional
        Report title on the cover.
    params : Params, optional
        The portfolio's parameters: the cover shows its ``title`` (or ``portfolio``) and
        ``as_of``. Without it, the cover reads them from the notebook's injected parameters.
    stem : str, optional
        File name without suffix; default the notebook's.
    generated : datetime, optional
        Generation time shown on the cover; default now.

    Returns
    -------
    dict
        Format -> written path, in the order asked.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in REPORT_FORMATS]
    if unknown or not wanted:
        raise CrmkitError(f"report formats {unknown or wanted!r} are not known; choose from "
                          f"{list(REPORT_FORMATS)} (workbooks: crmkit.report.export.write_workbook).")
    lang = check_lang(lang or (params.language if params is not None else "zh"))
    nb = Path(executed_notebook)
    out_dir = Path(out_dir)
    stem = stem or nb.stem
    cover = {}
    if params is not None:
        cover = {"portfolio": params.title or params.portfolio, "as_of": params.as_of,
                 "brand": brand_of(params)}
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="crmkit-report-") as tmp:
        html = out_dir / f"{stem}.html" if "html" in wanted else Path(tmp) / f"{stem}.html"
        export_html(nb, html, lang, title, generated=generated, **cover)
        if "html" in wanted:
            written["html"] = html
        if "pdf" in wanted:
            written["pdf"] = export_pdf(html, out_dir / f"{stem}.pdf")
    return {f: written[f] for f in wanted}
