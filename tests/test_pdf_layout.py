"""The PDFs of the sample run are laid out as printed deliverables.

Report: a cover page, then a contents page whose page numbers are the pages the sections start
on, page numbers in every footer, wide tables on landscape pages, a sane page count. Client
cards: exactly one A4 page per client.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from pypdf import PdfReader

_ENTRY = re.compile(r"^(?P<title>.+?)\s*\.{3,}\s*(?P<page>\d+)\s*$")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_report_contents_page_numbers_match_the_sections(deliverables) -> None:
    reader = PdfReader(deliverables.report_pdf)
    pages = [p.extract_text() or "" for p in reader.pages]
    n = len(pages)
    assert 8 <= n <= 60, n
    footer = "第 {i} 页 / 共 {n} 页" if deliverables.lang == "zh" else "Page {i} of {n}"
    assert all(footer.format(i=i, n=n) in pages[i - 1] for i in range(1, n + 1))
    entries = [m.groupdict() for line in pages[1].splitlines()
               if (m := _ENTRY.match(line.strip()))]
    soup = BeautifulSoup(deliverables.report_html.read_text("utf-8"), "html.parser")
    assert len(entries) == len(soup.select("nav#crm-toc li")) >= 10
    wrong = [(e["title"], e["page"]) for e in entries
             if _squash(e["title"]) not in _squash(pages[int(e["page"]) - 1])]
    assert wrong == [], "contents entries not on the page they name"
    assert all(int(a["page"]) <= int(b["page"]) for a, b in zip(entries, entries[1:]))


def test_report_wide_tables_print_on_landscape_pages(deliverables) -> None:
    reader = PdfReader(deliverables.report_pdf)
    shapes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    assert shapes[0][0] < shapes[0][1]  # the cover is portrait A4
    landscape = [i + 1 for i, (w, h) in enumerate(shapes) if w > h]
    assert landscape, "no wide table went on a landscape page"
    text = _squash(reader.pages[landscape[0] - 1].extract_text())
    assert re.search(r"C\d{7}", text), "the landscape page holds no client table"


def test_cards_pdf_has_one_page_per_card(deliverables) -> None:
    html = deliverables.cards_html.read_text(encoding="utf-8")
    cards = len(re.findall(r'<section class="card[ "]', html))
    reader = PdfReader(deliverables.cards_pdf)
    assert cards >= 10 and len(reader.pages) == cards
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    first = _squash(reader.pages[0].extract_text())
    name = BeautifulSoup(html, "html.parser").select_one("section.card h1").get_text()
    assert _squash(name) in first
