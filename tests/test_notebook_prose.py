"""The notebooks teach, in Chinese then English, end with a "try it" section, and show tables a
bank reader can read: no internal snake_case headers, no <NA> / nan, no scientific notation.

The static checks read the committed notebooks; the table checks read the notebooks the sample
run of ``tests/conftest.py`` (``deliverables``, zh and en) executed, so nothing runs twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["01_collect", "02_score", "03_tier", "04_warn", "05_diagnose", "06_report"]
BOOKS = [*STAGES, "plan_designer"]

CJK = re.compile(r"[\u4e00-\u9fff]")
EN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
MISSING = re.compile(r"^(<NA>|nan|NaN|None|NaT)$")
SCIENTIFIC = re.compile(r"\d\.\d+e[+-]\d+", re.IGNORECASE)


def _cells(name: str) -> list[dict]:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return nb["cells"]


def _markdown(name: str) -> list[str]:
    return ["".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("name", BOOKS)
def test_narrative_in_chinese_and_english(name: str) -> None:
    text = "\n".join(_markdown(name))
    assert len(CJK.findall(text)) >= 300, f"{name}: too little Chinese narrative"
    assert len(EN_WORD.findall(text)) >= 150, f"{name}: too little English narrative"
    # every explaining cell (not a bare heading) speaks both languages, Chinese first
    for cell in _markdown(name):
        body = "\n".join(line for line in cell.splitlines() if not line.startswith("#"))
        if len(body) < 120:
            continue
        zh, en = CJK.search(body), re.search(r"[A-Za-z]{4,}(?: [a-z]{2,}){3}", body)
        assert zh and en, f"{name}: a cell in one language only: {body[:80]!r}"
        assert zh.start() < en.start(), f"{name}: English before Chinese in {body[:80]!r}"


@pytest.mark.parametrize("name", BOOKS)
def test_ends_with_a_try_it_section(name: str) -> None:
    cells = _cells(name)
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             and "动手试试" in "".join(c["source"]) and "Try it" in "".join(c["source"])]
    assert heads, f"{name}: no 动手试试 / Try it section"
    exercises = "".join(cells[heads[-1]]["source"])
    assert len(re.findall(r"^\d\. ", exercises, re.MULTILINE)) >= 2, "two or three exercises"
    code = [c for c in cells[heads[-1]:] if c["cell_type"] == "code"]
    assert code and "# <- exercise" in "".join(code[0]["source"]), \
        f"{name}: the try-it cell names the variable to change with a '# <- exercise' comment"


def test_collect_chart_text_matches_the_chart() -> None:
    """The quarantine chart has a linear axis of quarantined rows only (issue 14)."""
    text = "\n".join(_markdown("01_collect"))
    assert "logarithmic" not in text and "对数" not in text and "grey part" not in text


def test_report_teaching_cells_stay_out_of_the_export() -> None:
    """06's own explanations and exercises are tagged, so the exported report never shows them."""
    from crmkit.report.html import REMOVE_CELL_TAGS

    for c in _cells("06_report"):
        source = "".join(c["source"])
        if c["cell_type"] == "markdown" or "# <- exercise" in source:
            assert REMOVE_CELL_TAGS & set(c.get("metadata", {}).get("tags", [])), source[:60]


def _table_defects(executed: Path) -> list[str]:
    found = []
    nb = json.loads(executed.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            page = "".join(out.get("data", {}).get("text/html", ""))
            if "<table" not in page:
                continue
            soup = BeautifulSoup(page, "html.parser")
            for tag in soup(["style", "script"]):
                tag.decompose()
            for th in soup.find_all("th"):
                if SNAKE.match(th.get_text(strip=True)):
                    found.append(f"{executed.name} cell {i}: header {th.get_text(strip=True)!r}")
            for td in soup.find_all(["td", "th"]):
                s = td.get_text(strip=True)
                if MISSING.match(s) or SCIENTIFIC.search(s):
                    found.append(f"{executed.name} cell {i}: cell {s[:40]!r}")
    return found


@pytest.mark.notebook
@pytest.mark.parametrize("name", STAGES)
def test_executed_notebook_tables_read_as_finished(deliverables, name: str) -> None:
    executed = deliverables.run_dir / "notebooks" / f"{name}.ipynb"
    defects = _table_defects(executed)
    assert not defects, "\n".join(defects[:20])
