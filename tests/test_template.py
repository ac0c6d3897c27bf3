"""The collection template workbook and the sheet / header matching used to read it back."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.collect import (
    header_aliases,
    normalise_header,
    parsing,
    sheet_table_name,
    sheet_title,
    write_template,
)
from crmkit.collect.template import BOOL_LABELS, CODES_SHEET, INSTRUCTIONS_SHEET, LAST_ROW
from crmkit.core.contract import CODES, REQUIRED_TABLES, TABLE_ORDER, TABLES
from crmkit.core.errors import CollectError, ParametersError

COMMITTED = Path(__file__).resolve().parents[1] / "templates" / "collection_template.xlsx"
REGENERATE = ("python -c \"from crmkit.collect.template import write_template; "
              "write_template('templates/collection_template.xlsx')\"")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    d = tmp_path_factory.mktemp("tpl")
    return {lang: openpyxl.load_workbook(write_template(d / f"{lang}.xlsx", lang))
            for lang in ("zh", "en")}


def _validations(ws) -> dict[str, object]:
    """Column letter -> the data validation covering that column's data rows."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            m = re.fullmatch(r"([A-Z]+)2:\1(\d+)", rng)
            assert m, f"unexpected validation range {rng}"
            assert int(m.group(2)) == LAST_ROW
            assert m.group(1) not in out, f"two validations on column {m.group(1)}"
            out[m.group(1)] = dv
    return out


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    m = re.fullmatch(r"'(.+)'!\$([A-Z]+)\$(\d+):\$\2\$(\d+)", formula)
    assert m, f"not a range on another sheet: {formula}"
    sheet, col, r1, r2 = m.groups()
    assert sheet == CODES_SHEET
    return [wb[sheet][f"{col}{r}"].value for r in range(int(r1), int(r2) + 1)]


def _summary(wb: openpyxl.Workbook) -> dict:
    """What the template means, not its bytes: sheets, headers, comments, validations."""
    out: dict = {"sheets": wb.sheetnames, "states": [ws.sheet_state for ws in wb]}
    for ws in wb:
        out[ws.title] = {
            "rows": [[c.value for c in row] for row in ws.iter_rows()],
            "comments": [c.comment.text if c.comment else None for c in ws[1]],
            "validations": sorted((str(dv.sqref), dv.type, dv.operator, dv.formula1,
                                   dv.formula2, dv.errorStyle)
                                  for dv in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
            "formats": {k: d.number_format for k, d in ws.column_dimensions.items()},
        }
    return out


# -- the workbook ----------------------------------------------------------------------------

def test_sheets_in_contract_order_with_instructions_first_and_codes_hidden(books):
    wb = books["zh"]
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *map(sheet_title, TABLE_ORDER), CODES_SHEET]
    assert wb.sheetnames[1] == "客户 clients"
    assert wb.sheetnames[4] == "还款计划与记录 repayments"
    assert wb[CODES_SHEET].sheet_state == "hidden"
    assert [ws.sheet_state for ws in wb][:-1] == ["visible"] * (len(TABLE_ORDER) + 1)
    assert all(len(t) <= 31 for t in wb.sheetnames)  # Excel's limit
    assert wb.active.title == INSTRUCTIONS_SHEET


def test_headers_are_exactly_the_bilingual_column_headers(books):
    for lang, wb in books.items():
        for name in TABLE_ORDER:
            ws = wb[sheet_title(name)]
            assert [c.value for c in ws[1]] == [c.header for c in TABLES[name].columns], lang
            assert ws.max_row == 1  # blank: no example rows to delete
    assert books["zh"]["客户 clients"]["A1"].value == "客户编号 / Client ID"


def test_required_columns_bold_with_their_own_fill(books):
    ws = books["zh"]["授信业务 facilities"]
    t = TABLES["facilities"]
    fills = {}
    for cell, col in zip(ws[1], t.columns, strict=True):
        assert cell.font.bold is col.required, col.name
        assert "*" not in cell.value
        fills.setdefault(col.required, set()).add(cell.fill.fgColor.rgb)
    assert len(fills[True]) == len(fills[False]) == 1
    assert fills[True] != fills[False]


def test_header_comments_give_type_unit_range_codes_and_required(books):
    ws = books["zh"]["满意度调查 surveys"]
    csat = ws["C1"].comment.text
    assert "必填 Required: 是 yes" in csat and "1 – 5" in csat and "整数" in csat
    assert "否 no" in ws["E1"].comment.text  # feedback is optional
    fac = books["zh"]["授信业务 facilities"]
    amount = fac["E1"].comment.text
    assert "元" in amount and "≥ 0" in amount and "万元" in amount
    assert "0 – 0.5 (0% – 50%)" in fac["I1"].comment.text
    assert "项目融资" in fac["C1"].comment.text
    assert "Project finance" in books["en"]["授信业务 facilities"]["C1"].comment.text
    assert "客户 clients" in fac["B1"].comment.text  # client_id must exist on the clients sheet
    for name in TABLE_ORDER:
        for cell in books["zh"][sheet_title(name)][1]:
            assert cell.comment is not None and cell.comment.text.startswith(cell.value)


@pytest.mark.parametrize("lang,pick", [("zh", 0), ("en", 1)])
def test_every_coded_column_has_a_drop_down_from_the_codes_sheet(books, lang, pick):
    wb = books[lang]
    n = 0
    for name in TABLE_ORDER:
        ws = wb[sheet_title(name)]
        dvs = _validations(ws)
        for j, col in enumerate(TABLES[name].columns, start=1):
            if col.kind != "code":
                continue
            dv = dvs[openpyxl.utils.get_column_letter(j)]
            assert dv.type == "list" and dv.showDropDown is not True  # True would hide it
            labels = [zh_en[pick] for zh_en in CODES[col.codes].values()]
            assert _list_values(wb, dv.formula1) == labels, (name, col.name)
            n += 1
    assert n == sum(c.kind == "code" for t in TABLES.values() for c in t.columns)


def test_bool_lists_follow_the_language(books):
    ws_zh, ws_en = (books[lang]["客户接触 interactions"] for lang in ("zh", "en"))
    assert _validations(ws_zh)["G"].formula1 == '"是,否"'
    assert _validations(ws_en)["G"].formula1 == '"yes,no"'
    assert _list_values(books["en"], _validations(ws_en)["D"].formula1)[0] == "On-site visit"


def test_csat_and_nps_whole_number_ranges(books):
    dvs = _validations(books["zh"]["满意度调查 surveys"])
    assert (dvs["C"].type, dvs["C"].operator, dvs["C"].formula1, dvs["C"].formula2) == (
        "whole", "between", "1", "5")
    assert (dvs["D"].type, dvs["D"].formula1, dvs["D"].formula2) == ("whole", "0", "10")
    assert "B" in dvs and dvs["B"].type == "date"
    assert "E" not in dvs  # free text: no validation


def test_money_rate_and_date_validations(books):
    dvs = _validations(books["zh"]["授信业务 facilities"])
    assert (dvs["E"].type, dvs["E"].operator, dvs["E"].formula1) == (
        "decimal", "greaterThanOrEqual", "0")
    assert (dvs["I"].type, dvs["I"].formula1, dvs["I"].formula2) == ("decimal", "0", "0.5")
    assert (dvs["G"].type, dvs["G"].formula1, dvs["G"].formula2) == ("date", "1", "73415")
    assert "A" not in dvs and "M" not in dvs  # ids are free text
    fin = _validations(books["zh"]["财务报表 financials"])
    assert "H" not in fin  # net income may be negative: no bound, no validation


def test_frozen_header_widths_and_number_formats(books):
    wb = books["zh"]
    for name in TABLE_ORDER:
        ws = wb[sheet_title(name)]
        assert ws.freeze_panes == "A2"
        for j, col in enumerate(TABLES[name].columns, start=1):
            dim = ws.column_dimensions[openpyxl.utils.get_column_letter(j)]
            assert dim.width >= len(col.header)
    fac = wb["授信业务 facilities"].column_dimensions
    assert (fac["A"].number_format, fac["E"].number_format, fac["G"].number_format,
            fac["I"].number_format) == ("@", "#,##0.00", "yyyy-mm-dd", "0.00%")


def test_instructions_cover_units_formats_and_required_sheets(books):
    ws = books["zh"][INSTRUCTIONS_SHEET]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for needle in ("万元", "4.5%", "0.045", "YYYY-MM-DD", "是", "否", ".xlsx", "Required"):
        assert needle in text, needle
    for name in TABLE_ORDER:
        assert sheet_title(name) in text
    sheets_row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "工作表 Sheets")
    assert all(sheet_title(t) in sheets_row[1] for t in REQUIRED_TABLES)


def test_regeneration_is_semantically_identical(books, tmp_path):
    again = openpyxl.load_workbook(write_template(tmp_path / "sub" / "again.xlsx"))
    assert _summary(again) == _summary(books["zh"])


def test_committed_template_is_current_and_small(books):
    assert COMMITTED.stat().st_size < 100_000
    committed = openpyxl.load_workbook(COMMITTED)
    current = books["zh"]
    assert _summary(committed) == _summary(current), (
        f"templates/collection_template.xlsx is out of date; regenerate it with {REGENERATE}")


def test_unknown_language_is_rejected(tmp_path):
    with pytest.raises(ParametersError, match="'zh' or 'en' \\(got 'fr'\\)"):
        write_template(tmp_path / "x.xlsx", lang="fr")
    assert not (tmp_path / "x.xlsx").exists()


def test_filled_template_headers_and_sheets_map_back(books, tmp_path):
    """Read the blank template with pandas, as collect will: every sheet and header maps."""
    frames = pd.read_excel(write_template(tmp_path / "t.xlsx"), sheet_name=None)
    found = {}
    for title, df in frames.items():
        name = sheet_table_name(title)
        if name is None:
            assert title in (INSTRUCTIONS_SHEET, CODES_SHEET)
            continue
        aliases = header_aliases(name)
        found[name] = [aliases[normalise_header(h)] for h in df.columns]
    assert found == {name: TABLES[name].names for name in TABLE_ORDER}


# -- sheet and header matching ---------------------------------------------------------------

@pytest.mark.parametrize("title,expected", [
    ("客户 clients", "clients"),
    ("clients", "clients"),
    ("客户", "clients"),
    ("Clients", "clients"),
    ("  客户   Clients ", "clients"),
    ("客户clients", "clients"),
    ("还款计划与记录 repayments", "repayments"),
    ("授信业务", "facilities"),
    (INSTRUCTIONS_SHEET, None),
    (CODES_SHEET, None),
    ("Sheet1", None),
    ("客户 facilities", None),
])
def test_sheet_table_name(title, expected):
    assert sheet_table_name(title) == expected


def test_every_template_sheet_title_maps_back():
    assert {sheet_table_name(sheet_title(n)) for n in TABLE_ORDER} == set(TABLE_ORDER)


@pytest.mark.parametrize("table,header,expected", [
    ("clients", "客户编号 / Client ID", "client_id"),
    ("clients", "客户编号", "client_id"),
    ("clients", "Client ID", "client_id"),
    ("clients", "client_id", "client_id"),
    ("clients", "CLIENT ID", "client_id"),
    ("clients", "客户编号／Client ID", "client_id"),
    ("clients", "  客户编号 /  Client  ID ", "client_id"),
    ("clients", "客户编号/Client ID", "client_id"),
    ("clients", "Client ID / 客户编号", "client_id"),
    ("clients", "统一社会信用代码", "credit_code"),
    ("interactions", "响应时长（小时）", "response_hours"),
    ("interactions", "Response time (hours)", "response_hours"),
    ("interactions", "响应时长(小时) / Response time (hours)", "response_hours"),
    ("surveys", "满意度（1-5）", "csat"),
    ("surveys", "nps score (0-10)", "nps"),
    ("facilities", "年利率", "interest_rate"),
])
def test_header_aliases_accept_every_spelling(table, header, expected):
    assert header_aliases(table)[normalise_header(header)] == expected


def test_header_aliases_reject_other_tables_headers_and_are_copies():
    aliases = header_aliases("clients")
    assert normalise_header("合同金额") not in aliases
    aliases.clear()
    assert header_aliases("clients")  # the cached mapping is not affected


def test_header_aliases_cover_every_column_without_clashes():
    for name, t in TABLES.items():
        aliases = header_aliases(name)
        assert set(aliases.values()) == set(t.names)
        for c in t.columns:
            for spelling in (c.name, c.zh, c.en, c.header):
                assert aliases[normalise_header(spelling)] == c.name


def test_header_aliases_unknown_table():
    with pytest.raises(CollectError, match="unknown table 'client'; the contract tables"):
        header_aliases("client")


@pytest.mark.parametrize("raw,expected", [
    ("客户编号／Client ID", "客户编号/clientid"),
    ("客户编号 / Client ID", "客户编号/clientid"),
    ("\u3000响应时长（小时）\t", "响应时长(小时)"),
    ("金额【万元】", "金额(万元)"),
    ("Client_ID *", "client_id"),
    ("ＣＳＡＴ", "csat"),
])
def test_normalise_header(raw, expected):
    assert normalise_header(raw) == expected


_FULL = str.maketrans({"/": "／", "(": "（", ")": "）", " ": "\u3000"})


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_header_matching_ignores_case_spacing_and_width(data):
    name = data.draw(st.sampled_from(TABLE_ORDER))
    col = data.draw(st.sampled_from(TABLES[name].columns))
    text = data.draw(st.sampled_from([col.name, col.zh, col.en, col.header]))
    if data.draw(st.booleans()):
        text = text.upper()
    if data.draw(st.booleans()):
        text = text.translate(_FULL)
    pad = data.draw(st.text(" \t\u3000", max_size=3))
    assert header_aliases(name)[normalise_header(pad + text + pad)] == col.name
    assert normalise_header(normalise_header(text)) == normalise_header(text)


def test_code_labels_are_unambiguous():
    """A drop-down label (or code) must read back as exactly one code of its list."""
    for name, codes in CODES.items():
        seen: dict[str, str] = {}
        for code, (zh, en) in codes.items():
            for spelling in {code, zh, en}:
                assert seen.setdefault(spelling.casefold(), code) == code, (name, spelling)


# -- the template against the collect stage's parsers -----------------------------------------

@pytest.mark.parametrize("lang,pick", [("zh", 0), ("en", 1)])
def test_drop_down_labels_parse_back_to_codes(lang, pick):
    for name, codes in CODES.items():
        labels = pd.Series([zh_en[pick] for zh_en in codes.values()])
        parsed, bad = parsing.parse_code(labels, name)
        assert not bad.any() and parsed.tolist() == list(codes), name
    parsed, bad = parsing.parse_bool(pd.Series(BOOL_LABELS[lang]))
    assert not bad.any() and parsed.tolist() == [True, False]


def test_instructed_unit_header_is_understood():
    """The instructions say: append "(万元)" to a money header filled in 万元."""
    header = "合同金额 / Committed amount(万元)"
    assert parsing.header_unit(header) == 1e4
    base = header.removesuffix("(万元)")
    assert header_aliases("facilities")[normalise_header(base)] == "amount"
