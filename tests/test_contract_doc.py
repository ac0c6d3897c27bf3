"""docs/data-contract.md is rendered from the contract and must not drift from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crmkit.collect import parsing
from crmkit.collect.contract_doc import (
    BOOL_TOKENS,
    KIND_LABELS,
    QUARANTINE_REASONS,
    TABLE_DESCRIPTIONS_ZH,
    UNIT_LABELS,
    main,
    range_text,
    render_markdown,
)
from crmkit.core.contract import CLEAN_DTYPES, CODES, REQUIRED_TABLES, TABLE_ORDER, TABLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"


@pytest.fixture(scope="module")
def page() -> str:
    return render_markdown()


def _section(page: str, name: str) -> str:
    """The part of the page about one table (from its anchor to the next heading of its rank)."""
    start = page.index(f'<a id="{name}"></a>')
    ends = [i for i in (page.find('<a id="', start + 1), page.find("\n## ", start)) if i > 0]
    return page[start:min(ends)]


def _row(section: str, column: str) -> list[str]:
    line = next(ln for ln in section.splitlines() if ln.startswith(f"| `{column}` |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_committed_page_is_current(page):
    assert DOC.read_text(encoding="utf-8") == page, (
        "docs/data-contract.md is out of date with lib/crmkit/core/contract.py; regenerate it with "
        "`crmkit contract --out docs/data-contract.md`")


def test_command_writes_the_page_to_stdout(page):
    out = subprocess.run([sys.executable, "-m", "crmkit.cli", "contract"], capture_output=True,
                         check=True).stdout
    assert out.decode("utf-8") == page


def test_main_writes_to_a_file(page, tmp_path):
    assert main([str(tmp_path / "c.md")]) == 0
    assert (tmp_path / "c.md").read_bytes() == page.encode("utf-8")


def test_one_section_per_table_with_every_column(page):
    for name in TABLE_ORDER:
        sec = _section(page, name)
        t = TABLES[name]
        assert f"### `{name}` — {t.zh} / {t.en}" in sec
        assert t.description in sec and TABLE_DESCRIPTIONS_ZH[name] in sec
        assert "Primary key: " + ", ".join(f"`{k}`" for k in t.key) in sec
        status = "required" if name in REQUIRED_TABLES else "optional"
        assert f"Table: **{status}**; template sheet: `{t.zh} {name}`" in sec
        for c in t.columns:
            row = _row(sec, c.name)
            assert row[1:4] == [c.zh, c.en, c.kind]
            assert row[5] == ("**yes**" if c.required else "no")


def test_column_rows_show_unit_range_codes_and_notes(page):
    fac = _section(page, "facilities")
    assert _row(fac, "amount")[4:7] == ["CNY yuan", "**yes**", "≥ 0"]
    assert _row(fac, "interest_rate")[6] == "0 – 0.5 (0% – 50%)"
    assert _row(fac, "product")[7].startswith("`project_finance` (项目融资), `long_term` (中长期贷款)")
    assert "no FX conversion" in _row(fac, "currency")[8]
    assert "Foreign keys: `client_id` → `clients` (`client_id`)" in fac
    assert "Referenced by: `repayments`" in fac
    rep = _section(page, "repayments")
    assert "Foreign keys: `facility_id` → `facilities` (`facility_id`)" in rep
    assert "mask_pii" in _row(_section(page, "clients"), "legal_rep")[8]
    assert _row(_section(page, "surveys"), "nps")[6] == "0 – 10"


def test_intro_explains_units_tables_keys_and_quarantine(page):
    intro = page[:page.index("## Tables in detail")]
    for needle in ("万元", "亿元", "units:", "`4.5%`", "`YYYY-MM-DD`", "`是`", "`否`",
                   "quarantine", "never dropped silently", "Primary key", "Foreign keys"):
        assert needle in intro, needle
    assert "must** provide the tables `clients`, `facilities`, `repayments`" in intro
    for reason in ("missing_required", "invalid_type", "invalid_category", "out_of_range",
                   "inconsistent", "duplicate_row", "duplicate_key", "orphan"):
        assert f"| `{reason}` |" in intro
    for kind, dtype in CLEAN_DTYPES.items():
        assert f"| `{kind}` |" in intro and f"`{dtype}`" in intro


def test_code_lists_and_mapping_example(page):
    for name, codes in CODES.items():
        assert f"### `{name}`" in page
        for code, (zh, en) in codes.items():
            assert f"| `{code}` | {zh} | {en} |" in page
    assert "Used by: `facilities.collateral_type`, `needs.collateral_offered`" in page
    assert ("```yaml\ncolumns:\n  clients:\n    客户号: client_id\n    企业名称: client_name\n"
            "units:\n  facilities:\n    amount: 万元\n```") in page


def test_descriptions_cover_the_contract():
    assert set(TABLE_DESCRIPTIONS_ZH) == set(TABLES)
    assert set(KIND_LABELS) == set(CLEAN_DTYPES)
    units = {c.unit for t in TABLES.values() for c in t.columns if c.unit}
    assert units <= set(UNIT_LABELS)
    from crmkit.collect import REASONS

    assert list(QUARANTINE_REASONS) == list(REASONS)


@pytest.mark.parametrize("table,column,expected", [
    ("facilities", "interest_rate", "0 – 0.5 (0% – 50%)"),
    ("projects", "expected_return", "-1 – 1 (-100% – 100%)"),
    ("surveys", "csat", "1 – 5"),
    ("financials", "fiscal_year", "1990 – 2100"),
    ("clients", "registered_capital", "≥ 0"),
    ("clients", "client_id", ""),
])
def test_range_text(table, column, expected):
    assert range_text(TABLES[table].column(column)) == expected


def test_markdown_tables_are_well_formed(page):
    """Every table row has as many cells as its header (no stray pipes in labels or notes)."""
    width = None
    for line in page.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        n = len(line.replace("\\|", "").strip("|").split("|"))
        width = width or n
        assert n == width, line


def test_documented_spellings_are_what_the_parsers_accept():
    for value, tokens in BOOL_TOKENS.items():
        parsed, bad = parsing.parse_bool(pd.Series([*tokens, *(t.upper() for t in tokens)]))
        assert not bad.any() and parsed.tolist() == [value] * 2 * len(tokens)
    assert parsing.header_unit("合同金额(万元)") == 1e4
    parsed, bad = parsing.parse_number(pd.Series(["4.5%", "0.045"]), percent=True)
    assert not bad.any() and parsed.tolist() == pytest.approx([0.045, 0.045])
    parsed, bad = parsing.parse_code(pd.Series(["energy", "能源电力", "ENERGY & POWER"]), "industry")
    assert not bad.any() and parsed.tolist() == ["energy"] * 3
