"""The data-collection Excel template, and the header / sheet matching used to read it back.

:func:`write_template` writes the blank workbook a client fills in: an instructions sheet, one
sheet per contract table titled ``"<中文> <table>"`` whose header row holds exactly
:attr:`crmkit.core.contract.Column.header`, drop-down lists for coded columns (the lists live on the
hidden sheet ``代码表 codes``), checks on dates and numbers, and a comment on every header.

The collect stage reads a filled-in copy back with no mapping (:mod:`crmkit.collect.headers`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from crmkit.collect.contract_doc import (
    KIND_LABELS,
    TABLE_DESCRIPTIONS_ZH,
    range_text,
    unit_text,
)
from crmkit.collect.headers import CODES_SHEET, INSTRUCTIONS_SHEET, sheet_title
from crmkit.core.contract import CODES, REQUIRED_TABLES, TABLE_ORDER, TABLES, Column, Table
from crmkit.core.errors import ParametersError
from crmkit.core.i18n import text_width
from crmkit.core.store import atomic_write

__all__ = ["FIRST_ROW", "LAST_ROW", "BOOL_LABELS", "write_template"]

#: Data rows of each table sheet that carry validations (row 1 is the header).
FIRST_ROW, LAST_ROW = 2, 2001
#: The yes / no labels offered in the drop-down of boolean columns, per language.
BOOL_LABELS: dict[str, tuple[str, str]] = {"zh": ("是", "否"), "en": ("yes", "no")}
#: Date validation window and header fills (required: orange, optional: light blue).
_DATE_MIN, _DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_COMMENT_WIDTH = 360  # px; the height follows the wrapped text
_NUMBER_FORMATS = {"id": "@", "str": "@", "text": "@", "int": "0", "money": "#,##0.00",
                   "rate": "0.00%", "date": "yyyy-mm-dd"}

# -- writing ---------------------------------------------------------------------------------

def _labels(codes: str, lang: str) -> list[str]:
    return [zh if lang == "zh" else en for zh, en in CODES[codes].values()]


def _write_codes(ws: Worksheet, lang: str) -> dict[str, str]:
    """One column per code list (labels in ``lang``); returns list name -> range reference."""
    refs = {}
    for j, name in enumerate(CODES, start=1):
        letter = get_column_letter(j)
        ws.cell(1, j, name).font = Font(bold=True)
        labels = _labels(name, lang)
        for i, label in enumerate(labels, start=2):
            ws.cell(i, j, label)
        ws.column_dimensions[letter].width = max(map(text_width, [name, *labels])) + 2
        refs[name] = f"'{CODES_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    ws.sheet_state = "hidden"
    return refs


def _comment(col: Column, t: Table, lang: str) -> str:
    kzh, ken = KIND_LABELS[col.kind]
    lines = [col.header,
             "必填 Required: " + ("是 yes" if col.required else "否 no"),
             f"类型 Type: {kzh} / {ken}"]
    if col.unit:
        lines.append(f"单位 Unit: {unit_text(col, 'zh')} / {unit_text(col, 'en')}")
        if col.kind == "money":
            lines.append("按万元填写时在表头末尾加“(万元)” / if in 万元, add “(万元)” to the header")
    if rng := range_text(col):
        lines.append(f"范围 Range: {rng}")
    if col.codes:
        lines.append("可选值 Allowed: " + ", ".join(_labels(col.codes, lang)))
    elif col.kind == "bool":
        lines.append("可选值 Allowed: " + " / ".join(BOOL_LABELS[lang]))
    if parent := t.foreign_keys.get(col.name):
        lines.append(f"须存在于 Must exist in: {sheet_title(parent)}")
    if col.name in t.key:
        lines.append("主键 Key: " + " + ".join(t.key) + "（不可重复 unique）")
    if col.note:
        lines.append(f"说明 Note: {col.note}")
    return "\n".join(lines)


def _bounds(col: Column) -> tuple[str, str | None, str | None] | None:
    lo, hi = col.minimum, col.maximum
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None:
        return "between", f"{lo:g}", f"{hi:g}"
    if lo is not None:
        return "greaterThanOrEqual", f"{lo:g}", None
    return "lessThanOrEqual", f"{hi:g}", None


def _validation(col: Column, lang: str, refs: dict[str, str]) -> DataValidation | None:
    """The data validation of a column's data cells, or ``None`` when it has none."""
    kw: dict = {"allow_blank": True, "showErrorMessage": True,
                "errorTitle": "输入无效 Invalid value"}
    if col.kind == "code":
        return DataValidation(type="list", formula1=refs[col.codes], errorStyle="warning",
                              error="请从下拉列表选择。Please pick a value from the list.", **kw)
    if col.kind == "bool":
        return DataValidation(type="list", formula1='"' + ",".join(BOOL_LABELS[lang]) + '"',
                              errorStyle="warning", error="请填 是/否。Please enter yes or no.",
                              **kw)
    if col.kind == "date":
        lo, hi = (f"{to_excel(d):g}" for d in (_DATE_MIN, _DATE_MAX))
        return DataValidation(type="date", operator="between", formula1=lo, formula2=hi,
                              error="请填日期 YYYY-MM-DD。Please enter a date as YYYY-MM-DD.",
                              **kw)
    if col.kind in ("int", "money", "float", "rate") and (b := _bounds(col)):
        op, f1, f2 = b
        kind = "whole" if col.kind == "int" else "decimal"
        what = "整数 whole number" if kind == "whole" else "数值 number"
        rate = " 4.5% = 0.045." if col.kind == "rate" else ""
        return DataValidation(type=kind, operator=op, formula1=f1, formula2=f2,
                              error=f"请填{what}: {range_text(col)}.{rate}", **kw)
    return None


def _write_table(ws: Worksheet, t: Table, lang: str, refs: dict[str, str]) -> None:
    for j, col in enumerate(t.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(1, j, col.header)
        cell.font = Font(bold=col.required)
        cell.fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        cell.alignment = Alignment(vertical="center")
        text = _comment(col, t, lang)
        lines = sum(-(-text_width(line) * 7 // _COMMENT_WIDTH) or 1 for line in text.split("\n"))
        cell.comment = Comment(text, "crmkit", height=18 * lines + 12, width=_COMMENT_WIDTH)
        dim = ws.column_dimensions[letter]
        dim.width = min(max(text_width(col.header) + 4, 12), 60)
        if col.kind in _NUMBER_FORMATS:
            dim.number_format = _NUMBER_FORMATS[col.kind]
        if (dv := _validation(col, lang, refs)) is not None:
            dv.add(f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _instructions(ws: Worksheet) -> None:
    bold = Font(bold=True)
    req_zh = "、".join(sheet_title(t) for t in REQUIRED_TABLES)
    req_en = ", ".join(sheet_title(t) for t in REQUIRED_TABLES)
    rules = [
        ("行 Rows", "每个工作表对应一类数据，每行一条记录（一个客户、一笔授信、一期还款……）。"
         "不要合并单元格，不要插入合计或小计行。",
         "Each sheet holds one kind of record, one row per record (a client, a facility, an "
         "instalment ...). Do not merge cells or add total or subtotal rows."),
        ("表头 Headers", "请勿修改工作表名称和表头文字，也不要删除表头行；无法提供的选填列留空即可。",
         "Do not rename sheets or header cells and do not delete the header row; leave optional "
         "columns you cannot fill blank."),
        ("必填 Required", "橙色粗体表头为必填列，浅蓝色表头为选填列。鼠标悬停在表头上可查看类型、"
         "单位、范围和可选值。",
         "Bold headers on orange are required columns; light-blue headers are optional. Hover "
         "over a header to see its type, unit, range and allowed values."),
        ("工作表 Sheets", f"必须填写：{req_zh}；其余工作表如无数据可留空。",
         f"Required sheets: {req_en}. Leave the other sheets empty if you have no data for them."),
        ("金额 Money", "金额单位为元（人民币）。如按万元（或亿元）填写，请在该列表头末尾加注"
         "“(万元)”，例如“合同金额 / Committed amount(万元)”——这是唯一允许的表头改动；"
         "也可在参数文件 units: 中声明。",
         "Amounts are in yuan (CNY). If a column is in 万元 (10,000 yuan) or 亿元, add “(万元)” "
         "at the end of its header, e.g. “合同金额 / Committed amount(万元)” — the only header "
         "change allowed — or declare it under units: in the parameters file."),
        ("比率 Rates", "利率、收益率可填百分数或小数：4.5% 或 0.045。",
         "Rates may be a percentage or a fraction: 4.5% or 0.045."),
        ("日期 Dates", "日期格式 YYYY-MM-DD，例如 2026-09-30。",
         "Dates as YYYY-MM-DD, e.g. 2026-09-30."),
        ("是否 Yes/no", "是否类字段填“是”或“否”（也接受 yes/no）。",
         "Yes/no columns: 是 or 否 (yes / no are accepted too)."),
        ("代码 Codes", "带下拉列表的列请从列表中选择；也接受对应的英文名称或代码。",
         "Columns with a drop-down list: pick a value from the list; the English label or "
         "the code is accepted too."),
        ("编号 IDs", "编号按文本填写（保留前导零）。同一客户在各工作表使用同一客户编号；其他工作表"
         "中的编号必须在其上级工作表中存在（见下表“关联”列）。",
         "IDs are text (leading zeros are kept). Use the same client ID on every sheet; an ID "
         "on a sheet must exist on its parent sheet (see “Links to” below)."),
        ("问题行 Bad rows", "有问题的行不会被静默删除，而会连同原因（如必填为空、不在代码表中、"
         "编号重复、上级编号不存在）列入隔离清单，返回给您核对。",
         "Rows with problems are never dropped silently: they are set aside (quarantined) with "
         "a reason and returned to you for checking."),
        ("交回 Return", "填写完成后保存为 .xlsx 格式（不要另存为 .xls 或 .csv），文件名注明机构名称"
         "和数据日期，通过约定的安全渠道交回项目组；含个人信息的文件不要用普通邮件发送。",
         "When done, save as .xlsx (not .xls or .csv), name the file with your institution and "
         "the data date, and return it to the project team through the agreed secure channel; "
         "do not send files holding personal data by ordinary e-mail."),
    ]
    ws.append(["客户数据采集模板", "Client data collection template"])
    ws["A1"].font = ws["B1"].font = Font(bold=True, size=14)
    ws.append(["", "由 crmkit 生成；字段定义见 docs/data-contract.md。",
               "Generated by crmkit; field definitions in docs/data-contract.md."])
    ws.append([])
    ws.append(["填写规则", "说明", "How to fill in"])
    heads = [ws.max_row]
    for row in rules:
        ws.append(list(row))
        if row[0] == "必填 Required":  # doubles as the colour legend
            ws.cell(ws.max_row, 1).fill = _REQUIRED_FILL
    ws.append([])
    ws.append(["工作表 Sheet", "说明", "Description", "必填 Required", "主键 Key",
               "关联 Links to"])
    heads.append(ws.max_row)
    for name in TABLE_ORDER:
        t = TABLES[name]
        links = "; ".join(f"{t.column(c).zh} {c} → {sheet_title(p)}"
                          for c, p in t.foreign_keys.items())
        ws.append([sheet_title(name), TABLE_DESCRIPTIONS_ZH[name], t.description,
                   "必填 required" if name in REQUIRED_TABLES else "选填 optional",
                   " + ".join(f"{t.column(k).zh} {k}" for k in t.key), links])
    for r in heads:
        for cell in ws[r]:
            cell.font = bold
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (26, 50, 60, 16, 30, 40), strict=True):
        ws.column_dimensions[letter].width = width


def _workbook(lang: str) -> Workbook:
    if lang not in BOOL_LABELS:
        raise ParametersError(f"template language must be 'zh' or 'en' (got {lang!r}); use "
                              "--lang zh or --lang en")
    wb = Workbook()
    wb.properties.creator = "crmkit"
    _instructions(wb.active)
    wb.active.title = INSTRUCTIONS_SHEET
    sheets = {name: wb.create_sheet(sheet_title(name)) for name in TABLE_ORDER}
    refs = _write_codes(wb.create_sheet(CODES_SHEET), lang)
    for name, ws in sheets.items():
        _write_table(ws, TABLES[name], lang, refs)
    wb.active = 0
    return wb


def write_template(path: str | Path, lang: str = "zh") -> Path:
    """Write the blank data-collection workbook to ``path`` (.xlsx) and return the path.

    Parameters
    ----------
    path : str or Path
        The workbook to write; parent folders are created, an existing file is replaced.
    lang : {"zh", "en"}
        Language of the drop-down labels (code lists and yes/no). Sheet titles, headers,
        comments and instructions are bilingual either way.

    Raises
    ------
    ParametersError
        If ``lang`` is neither ``"zh"`` nor ``"en"``.
    """
    wb = _workbook(lang)
    return atomic_write(Path(path), lambda tmp: wb.save(tmp))
