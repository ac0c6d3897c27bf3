"""Every exported artefact of the sample run reads as a finished product, in Chinese and English.

The report (HTML and PDF text), the client cards (HTML and PDF), every cell of every workbook and
the roll-up page are scanned for what a bank reader must never see: internal snake_case
identifiers, counts printed as floats ("246.0"), missing-value markers (nan, <NA>, None, NaT)
and local file paths.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

#: lower_snake tokens: an internal column, code or rule id (urls, e-mails and CSS removed first)
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-]|\.(?:yaml|yml|csv|"
                   r"xlsx|parquet|html|pdf)\b)")
#: a label key shown instead of its words ("diag.bool.True", "tier.A.short")
LABEL_KEY = re.compile(r"(?<![\w./@-])[a-z]+\.[a-z_]+\.[^\s.,;:)）]+")
MISSING = re.compile(r"(?<![\w-])(nan|NaN|<NA>|None|NaT|null)(?![\w-])")
PATH = re.compile(r"(/work/|/tmp/|/home/|/root/|[A-Za-z]:\\)")
URL = re.compile(r"(https?://|data:|file:)\S+|\S+@\S+\.\w+")
#: a whole cell that is a float with a zero fraction: a count printed as a float
FLOAT_COUNT = re.compile(r"^[+\-−]?\d[\d,]*\.0$")
#: a count printed as a float in running text: "246.0 户", "12.0 clients"
FLOAT_IN_TEXT = re.compile(r"(?<![\d.,])\d[\d,]*\.0\s*(?:户|家|笔|条|个|位|名|次|clients?\b|"
                           r"alerts?\b|facilities\b|loans?\b|complaints?\b)")


#: headers of columns whose values are decimals by nature (money in a unit, scores, ratios)
DECIMAL_HEADER = re.compile(r"元|CNY|得分|[Ss]core|%|率|DSCR|倍|年|years|均|[Mm]ean|[Aa]verage")


def _leaks(text: str, where: str) -> list[str]:
    text = URL.sub(" ", text)
    found = [f"{where}: identifier {m.group(0)!r}" for m in SNAKE.finditer(text)]
    found += [f"{where}: missing-value marker {m.group(0)!r} in …{_around(text, m)}…"
              for m in MISSING.finditer(text)]
    found += [f"{where}: local path in …{_around(text, m)}…" for m in PATH.finditer(text)]
    found += [f"{where}: label key {m.group(0)!r}" for m in LABEL_KEY.finditer(text)]
    found += [f"{where}: float count in …{_around(text, m)}…"
              for m in FLOAT_IN_TEXT.finditer(text)]
    return found


def _around(text: str, m: re.Match) -> str:
    return text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")


def _html_leaks(path: Path, where: str) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    found = []
    for table in soup.find_all("table"):  # a column of whole numbers printed as floats
        rows = table.find_all("tr")
        heads = rows[0].find_all(["td", "th"], recursive=False) if rows else []
        if not heads or any(c.name != "th" for c in heads):
            continue  # a key-value table has no columns of its own kind
        columns: dict[int, list[str]] = {}
        for row in rows[1:]:
            for j, cell in enumerate(row.find_all(["td", "th"], recursive=False)):
                columns.setdefault(j, []).append(cell.get_text(strip=True))
        for j, values in columns.items():
            head = heads[j].get_text(strip=True) if j < len(heads) else ""
            if DECIMAL_HEADER.search(head):
                continue  # amounts in 万元, scores, ratios: one decimal is their format
            nums = [v for v in values if re.match(r"^[+\-−]?\d[\d,]*(\.\d+)?$", v)]
            if nums and all(FLOAT_COUNT.match(v) for v in nums):
                found.append(f"{where}: column {head!r}: whole numbers as floats {nums[:4]}")
    alts = " ".join(img.get("alt", "") for img in soup.find_all("img"))
    if "No description has been provided" in alts:
        found.append(f"{where}: image without a description")
    text = soup.get_text("\n") + "\n" + alts
    return found + _leaks(text, where)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _workbook_leaks(path: Path, where: str) -> list[str]:
    import openpyxl

    found = []
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows())
        if not rows:
            continue
        header = [c.value for c in rows[0]]
        for j, h in enumerate(header):
            if h is None or str(h).strip() == "":
                found.append(f"{where}/{ws.title}: column {j + 1} has no header")
        for row in rows:
            for c in row:
                v = c.value
                if isinstance(v, str):
                    found += _leaks(v, f"{where}/{ws.title}!{c.coordinate}")
                    head = str(header[c.column - 1]) if c.column <= len(header) else ""
                    if FLOAT_COUNT.match(v.strip()) and not DECIMAL_HEADER.search(head):
                        found.append(f"{where}/{ws.title}!{c.coordinate}: float count {v!r}")
        # numbers: a column of whole numbers shown with decimals is a count printed as float
        for j, h in enumerate(header):
            cells = [r[j] for r in rows[1:] if j < len(r) and isinstance(r[j].value, float)]
            if (cells and all(float(c.value).is_integer() for c in cells) and len(cells) > 3
                    and any(".0" in (c.number_format or "") for c in cells)
                    and not re.search(r"%|率|得分|score|Score|分|元|CNY|PD|LGD|概率", str(h))):
                found.append(f"{where}/{ws.title}: column {h!r} holds whole numbers shown "
                             "with decimals")
            money = re.search(r"(敞口|收益|金额|价值|损失|Exposure|Income|CLV|ECL|EAD|"
                              r"Amount|Committed|loss)", str(h))
            unit = re.search(r"万元|亿元|CNY|元|%|率|档|[Bb]and|Coverage|share", str(h))
            if money and not unit:
                found.append(f"{where}/{ws.title}: money column {h!r} states no unit")
    return found


def test_report_html_reads_clean(deliverables) -> None:
    assert _html_leaks(deliverables.report_html, "report.html") == []


def test_report_pdf_reads_clean(deliverables) -> None:
    assert _leaks(_pdf_text(deliverables.report_pdf), "report.pdf") == []


def test_cards_read_clean(deliverables) -> None:
    found = _html_leaks(deliverables.cards_html, "client_cards.html")
    if deliverables.cards_pdf.is_file():
        found += _leaks(_pdf_text(deliverables.cards_pdf), "client_cards.pdf")
    assert found == []


def test_rollup_reads_clean(deliverables) -> None:
    assert _html_leaks(deliverables.rollup_html, "rollup.html") == []


def test_every_workbook_cell_reads_clean(deliverables) -> None:
    books = deliverables.workbooks
    assert len(books) >= 3  # each quarter's workbook and the roll-up's
    found = []
    for book in books:
        found += _workbook_leaks(book, book.relative_to(deliverables.root).as_posix())
    assert found == []


@pytest.mark.parametrize("text, leaks", [
    ("策略 deepen_cross_sell 与 rule_id", 2), ("客户数 246.0 户", 1), ("3.0 亿元", 0),
    ("参数文件 sample_2026q2.yaml", 0), ("DSCR 低于 1.0", 0), ("12.0 clients", 1),
    ("12.0%", 0), ("见 https://example.com/a_b", 0), ("值为 <NA>", 1), ("/work/main/x", 1),
    ("Nantong", 0), ("Exposure (CNY 100m)", 0), ("违反契约 diag.bool.否", 1),
    ("见 client_cards.pdf 与 sample.yaml", 0)])
def test_the_scanner_itself(text: str, leaks: int) -> None:
    assert len(_leaks(text, "t")) == leaks
