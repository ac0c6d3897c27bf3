"""The HTML report and the client cards as A4 PDFs (WeasyPrint), with the bundled CJK font.

:func:`export_pdf` prints the report (page numbers, running title, contents with page numbers,
landscape pages for wide tables: see :mod:`crmkit.report.layout`); :func:`export_cards_pdf`
prints the client cards, one page per client.

The HTML names its fonts and embeds none (a reader's browser has CJK fonts of its own). For the
PDF, an ``@font-face`` points at the Simplified Chinese face of the bundled Noto Sans CJK
collection (OFL). WeasyPrint can read the ``.ttc`` itself, but fontconfig then picks a face by
language, and for ``lang="en"`` it picks the Japanese one (different glyph shapes for 直, 骨 ...);
so the SC face is extracted once with fontTools into ``~/.cache/crmkit/fonts`` (the OFL allows
this) and the PDF always uses it.

Nothing outside the report is fetched: the URL fetcher serves ``data:`` URIs and that font file
only, so an output that slipped an ``<img src="file:///etc/passwd">`` or an ``http://`` link past
the sanitiser still cannot pull anything into the PDF.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crmkit.core.errors import CrmkitError
from crmkit.core.fonts import pdf_font_path
from crmkit.core.i18n import t
from crmkit.core.store import atomic_write

__all__ = ["export_pdf", "export_cards_pdf", "page_css", "PDF_FONT_FAMILY", "CARDS_PDF_ENV"]

log = logging.getLogger(__name__)

#: ``runner`` in a batch kernel's environment: the report stage leaves the client cards PDF to
#: the batch runner, which prints it in a process of its own while the report notebook runs.
CARDS_PDF_ENV = "CRMKIT_CARDS_PDF"

#: The family the report's CSS names first; the PDF maps it to the bundled font.
PDF_FONT_FAMILY = "Noto Sans CJK SC"

_LANG = re.compile(r"<html[^>]*\blang=[\"']?([A-Za-z\-]+)", re.IGNORECASE)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_css(lang: str, font: Path | None = None) -> str:
    """The PDF-only style sheet: A4 pages, margins, the page footer and the CJK font.

    The footer is the label ``report.page`` ("第 {page} 页 / 共 {pages} 页" / "Page {page} of
    {pages}") with ``{page}`` and ``{pages}`` turned into CSS page counters.
    """
    parts = re.split(r"(\{page\}|\{pages\})", t("report.page", lang))
    counter = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    footer = " ".join(counter.get(p) or _css_string(p) for p in parts if p)
    face = ""
    if font is not None:
        face = (f"@font-face {{ font-family: {_css_string(PDF_FONT_FAMILY)}; "
                f"src: url({_css_string(font.resolve().as_uri())}); }}\n")
    return face + f"""
@page {{
  size: A4;
  margin: 20mm 16mm 22mm 16mm;
  @bottom-center {{ content: {footer}; font-family: {_css_string(PDF_FONT_FAMILY)}, sans-serif;
                    font-size: 8pt; color: #5d6d7e; }}
  @top-right {{ content: string(crm-title); font-family: {_css_string(PDF_FONT_FAMILY)},
                sans-serif; font-size: 8pt; color: #5d6d7e; }}
}}
@page :first {{ @top-right {{ content: none; }} }}
.crm-cover-title {{ string-set: crm-title content(); }}
img {{ max-width: 100% !important; height: auto !important; }}
"""


def _fetcher(allowed: set[Path]):
    from weasyprint import URLFetcher

    class _ReportFetcher(URLFetcher):
        """Serve ``data:`` URIs and the allowed local files; refuse everything else."""

        def fetch(self, url: str, headers: dict | None = None):  # type: ignore[override]
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file" and Path(unquote(parts.path)).resolve() in allowed:
                return super().fetch(url, headers)
            raise ValueError(f"crmkit reports fetch nothing outside the report: {url[:80]}")

    return _ReportFetcher(allowed_protocols={"data", "file"})


_EMBEDDED_FONT = re.compile(r'<style id="crm-embedded-font">.*?</style>', re.S)


def export_pdf(html_path: Path, out: Path) -> Path:
    """Print an HTML report made by :func:`crmkit.report.html.export_html` to an A4 PDF.

    The footer language follows the page's ``<html lang>`` (``zh*`` -> Chinese). Tables repeat
    their header row on each page, rows are not split, images are scaled to the page width and
    the contents list carries page numbers. Written atomically.
    """
    html_path = Path(html_path)
    if not html_path.is_file():
        raise CrmkitError(f"{html_path}: no such HTML report; make it first with "
                          "crmkit.report.export.export_html(...).")
    CSS, HTML, FontConfiguration = _weasy()
    head = html_path.read_text(encoding="utf-8", errors="replace")[:4000]
    m = _LANG.search(head)
    lang = "zh" if m and m.group(1).lower().startswith("zh") else "en"
    font = pdf_font_path()
    fetcher = _fetcher({font.resolve()})
    fonts = FontConfiguration()
    css = CSS(string=page_css(lang, font), font_config=fonts, url_fetcher=fetcher)
    # the screen's embedded glyph subset is dropped: print uses the whole bundled face
    text = _EMBEDDED_FONT.sub("", html_path.read_text(encoding="utf-8"))
    document = HTML(string=text, base_url=str(html_path.parent), encoding="utf-8",
                    url_fetcher=fetcher, media_type="print")
    return atomic_write(Path(out), lambda tmp: document.write_pdf(
        str(tmp), stylesheets=[css], font_config=fonts))


def _weasy():
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError as exc:  # pango / harfbuzz missing
        raise CrmkitError(f"PDF export needs the pango and harfbuzz system libraries ({exc}); "
                          "run `make system-deps` (Debian: apt-get install libpango-1.0-0 "
                          "libpangoft2-1.0-0 libharfbuzz-subset0).") from exc
    return CSS, HTML, FontConfiguration


def export_cards_pdf(html_path: Path, out: Path | None = None) -> Path:
    """Print the client cards page (:func:`crmkit.diagnose.client_cards_html`) to an A4 PDF,
    one page per client, beside it (``client_cards.pdf``) unless ``out`` is given.

    The cards' own ``@page`` rule sets the paper; the PDF uses the whole bundled CJK face (not the
    page's glyph subset) and fetches nothing but ``data:`` URIs and that font. Written atomically.
    """
    html_path = Path(html_path)
    if not html_path.is_file():
        raise CrmkitError(f"{html_path}: no client cards page; run the diagnose stage first "
                          "(crmkit run PARAMS.yaml --stages diagnose).")
    CSS, HTML, FontConfiguration = _weasy()
    font = pdf_font_path()
    fetcher = _fetcher({font.resolve()})
    fonts = FontConfiguration()
    family = _css_string(PDF_FONT_FAMILY)
    css = CSS(string=(f"@font-face {{ font-family: {family}; "
                      f"src: url({_css_string(font.resolve().as_uri())}); }}\n"
                      f"body {{ font-family: {family}, sans-serif !important; }}"),
              font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html_path.read_text(encoding="utf-8"), base_url=str(html_path.parent),
                    encoding="utf-8", url_fetcher=fetcher, media_type="print")
    out = Path(out) if out is not None else html_path.with_suffix(".pdf")
    return atomic_write(out, lambda tmp: document.write_pdf(
        str(tmp), stylesheets=[css], font_config=fonts))
