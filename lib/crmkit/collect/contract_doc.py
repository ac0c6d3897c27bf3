"""The data-contract documentation page, rendered from :mod:`crmkit.core.contract`.

``docs/data-contract.md`` is this module's output, committed; a test compares the two, so the
page cannot drift from the code. Regenerate it with::

    crmkit contract --out docs/data-contract.md

The bilingual descriptions of column kinds, units, ranges and quarantine reasons defined here
are also used by the collection template (:mod:`crmkit.collect.template`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from crmkit.collect.headers import CODES_SHEET, INSTRUCTIONS_SHEET, sheet_title
from crmkit.core.contract import CLEAN_DTYPES, CODES, REQUIRED_TABLES, TABLE_ORDER, TABLES, Column
from crmkit.params import UNITS

__all__ = [
    "KIND_LABELS",
    "UNIT_LABELS",
    "TABLE_DESCRIPTIONS_ZH",
    "QUARANTINE_REASONS",
    "BOOL_TOKENS",
    "range_text",
    "unit_text",
    "render_markdown",
    "main",
]

#: Column kind -> (中文, English) description.
KIND_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号（文本）", "ID (text)"),
    "str": ("文本", "text"),
    "text": ("长文本", "long text"),
    "int": ("整数", "whole number"),
    "float": ("数值", "number"),
    "money": ("金额", "amount of money"),
    "rate": ("比率", "rate (fraction)"),
    "date": ("日期 YYYY-MM-DD", "date YYYY-MM-DD"),
    "bool": ("是/否", "yes/no"),
    "code": ("代码（下拉选择）", "code (pick from list)"),
}

#: ``Column.unit`` -> (中文, English) description.
UNIT_LABELS: dict[str, tuple[str, str]] = {
    "CNY": ("元（人民币）", "CNY yuan"),
    "fraction per year": ("年化，4.5% 或 0.045", "per year, 4.5% or 0.045"),
    "hours": ("小时", "hours"),
    "months": ("月", "months"),
    "fraction": ("比例，60% 或 0.6", "fraction, 60% or 0.6"),
}

#: Table -> Chinese description (the English one is ``Table.description``).
TABLE_DESCRIPTIONS_ZH: dict[str, str] = {
    "clients": "每个企业客户一行。",
    "financials": "每个客户每个会计年度一行。",
    "facilities": "每笔贷款或授信业务一行。",
    "repayments": "每期应还款一行，已还款的同时填写实还信息。",
    "projects": "每个融资项目一行。",
    "milestones": "每个项目里程碑一行（用于甘特图和延期预警）。",
    "interactions": "每次客户接触一行：拜访、电话、服务请求和投诉。",
    "surveys": "每份满意度调查答卷一行。",
    "needs": "客户提出的每项融资或服务需求一行。",
    "relationships": "两个客户之间的每条关联一行：持股、担保或供应链（可选；否则集团仅按客户表的"
                     "所属集团划分）。",
}

#: Quarantine reason code -> (中文, English) meaning. A bad row is never dropped silently.
QUARANTINE_REASONS: dict[str, tuple[str, str]] = {
    "missing_required": ("必填字段为空", "a required value is blank"),
    "invalid_type": ("无法解析为该列类型（数字、日期、是/否）",
                     "the value cannot be read as the column's type (number, date, yes/no)"),
    "invalid_category": ("不在代码表中", "the value is not in the column's code list"),
    "out_of_range": ("超出允许范围", "the value is outside the column's range"),
    "inconsistent": ("字段之间相互矛盾（如到期日早于起始日）",
                     "values contradict each other (e.g. maturity before start)"),
    "duplicate_row": ("完全重复的行", "an exact duplicate of another row"),
    "duplicate_key": ("主键重复但内容不同", "same key as another row, different content"),
    "orphan": ("引用了不存在的上级编号", "refers to a parent ID that does not exist"),
    "totals_row": ("合计行（合计、总计、小计、Total），不是一条记录",
                   "a totals row (合计, 总计, 小计, Total), not a record"),
}

#: Spellings of booleans accepted by the collect stage (case-insensitive).
BOOL_TOKENS: dict[bool, tuple[str, ...]] = {
    True: ("是", "yes", "true", "1"),
    False: ("否", "no", "false", "0"),
}


def _num(x: float, pct: bool = False) -> str:
    return f"{x * 100:g}%" if pct else f"{x:g}"


def range_text(col: Column) -> str:
    """The inclusive range of ``col`` as text (``"≥ 0"``, ``"1 – 5"``), ``""`` if unbounded.

    Rates also show the range in percent: ``"0 – 0.5 (0% – 50%)"``.
    """
    lo, hi = col.minimum, col.maximum
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None:
        text = f"{_num(lo)} – {_num(hi)}"
        pct = f"{_num(lo, True)} – {_num(hi, True)}"
    elif lo is not None:
        text, pct = f"≥ {_num(lo)}", f"≥ {_num(lo, True)}"
    else:
        text, pct = f"≤ {_num(hi)}", f"≤ {_num(hi, True)}"  # type: ignore[arg-type]
    return f"{text} ({pct})" if col.kind == "rate" else text


def unit_text(col: Column, lang: str = "en") -> str:
    """The unit of ``col`` in Chinese (``lang="zh"``) or English, ``""`` if none."""
    if not col.unit:
        return ""
    zh, en = UNIT_LABELS.get(col.unit, (col.unit, col.unit))
    return zh if lang == "zh" else en


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _parent_key(parent: str) -> str:
    return ", ".join(f"`{k}`" for k in TABLES[parent].key)


def _intro() -> list[str]:

    tbl_rows = []
    for name in TABLE_ORDER:
        t = TABLES[name]
        tbl_rows.append((
            f"[`{name}`](#{name})", t.zh, t.en,
            "**required**" if name in REQUIRED_TABLES else "optional",
            ", ".join(f"`{k}`" for k in t.key),
            ", ".join(f"`{c}` → `{p}`" for c, p in t.foreign_keys.items()),
        ))
    units = ", ".join(f"`{u}`" for u in UNITS)
    reasons = [(f"`{code}`", zh, en) for code, (zh, en) in QUARANTINE_REASONS.items()]
    kinds = [(f"`{k}`", zh, en, f"`{CLEAN_DTYPES[k]}`") for k, (zh, en) in KIND_LABELS.items()]
    return [
        "# Data contract / 数据契约",
        "",
        "<!-- Generated from lib/crmkit/core/contract.py; do not edit by hand. Regenerate with:",
        "     crmkit contract --out docs/data-contract.md -->",
        "",
        "This page lists every table, column, unit and code list crmkit reads. It is generated "
        "from `lib/crmkit/core/contract.py`, the single definition the collect stage, the synthetic "
        "sample and the collection template also use.",
        "",
        "## What a portfolio is",
        "",
        "A **portfolio** is one set of corporate clients analysed together — a branch, a "
        "region, an industry book or a whole bank — as of one analysis date (`as_of`). It is "
        "described by one parameters file (`parameters/<portfolio>.yaml`) that says where each "
        "table below comes from (CSV in UTF-8 or GBK, xlsx, Parquet or a SQL database) and how "
        "its columns are named. The collect stage reads the sources, checks them against this "
        "contract and writes *clean tables*: exactly the columns below, with the types below.",
        "",
        "The easiest way to provide the data is the collection template: "
        "`crmkit template --out FILE.xlsx --lang zh` (or `--lang en`) writes a workbook with "
        f"an instructions sheet (`{INSTRUCTIONS_SHEET}`), one sheet per table named "
        "`<中文> <table>` (e.g. `客户 clients`), drop-down lists for coded columns and checks "
        f"on dates and numbers (code lists on the hidden sheet `{CODES_SHEET}`). A filled-in "
        "template is read back with no column mapping.",
        "",
        "## Units, rates, dates and booleans",
        "",
        "- **Money** is in CNY yuan (元). A source in 万元 or 亿元 declares it per column, "
        "either in the parameters file (`units:`, see [the mapping section](#mapping-your-own-"
        "column-names)) or in the header itself, e.g. `合同金额(万元)` or "
        "`合同金额 / Committed amount(万元)`. Units accepted under `units:`: " + units + ". "
        "Currencies other than CNY are taken as given; no FX conversion is made.",
        "- **Rates** (interest rates, returns) are fractions per year: `0.045` means 4.5 %. "
        "`4.5%` is also accepted and read as 0.045.",
        "- **Dates** are `YYYY-MM-DD` (`2026-09-30`); Excel date cells are read as dates.",
        "- **Booleans**: " + ", ".join(f"`{t}`" for t in BOOL_TOKENS[True]) + " mean yes; "
        + ", ".join(f"`{t}`" for t in BOOL_TOKENS[False]) + " mean no (case-insensitive).",
        "- **Codes** (columns of type `code`) may be given as the code, its Chinese label or its "
        "English label (case-insensitive); see [Code lists](#code-lists).",
        "- **IDs** are text: leading zeros are kept, so store them as text in Excel.",
        "",
        "Column types and the pandas dtype of each in a clean table:",
        "",
        *_md_table(("type", "中文", "English", "clean dtype"), kinds),
        "",
        "## Tables",
        "",
        "A portfolio **must** provide the tables "
        + ", ".join(f"`{t}`" for t in REQUIRED_TABLES)
        + ". The others are optional: when one is absent or empty, the analysis steps that "
        "need it are skipped.",
        "",
        *_md_table(("table", "中文", "English", "required", "primary key", "foreign keys"),
                   tbl_rows),
        "",
        "## Keys and referential integrity",
        "",
        "- **Primary key**: the listed columns identify a row; no two rows of a table may share "
        "a key.",
        "- **Foreign keys**: `column → parent` means every value of the column must exist in the "
        "parent table's key (e.g. every `client_id` of `facilities` must be a `client_id` of "
        "`clients`). Parents are checked before children, in the order of the table list above.",
        "",
        "## Bad rows: quarantine, never silent drops",
        "",
        "A row that breaks the contract is moved to the **quarantine** table with a reason "
        "code; it is never dropped silently. The quality report counts the quarantined rows, "
        "so they can be sent back to the data owner and fixed.",
        "",
        *_md_table(("reason", "中文", "English"), reasons),
        "",
    ]


def _column_row(col: Column) -> tuple[str, ...]:
    codes = ""
    if col.codes:
        codes = ", ".join(f"`{c}` ({zh})" for c, (zh, _en) in CODES[col.codes].items())
    notes = [col.note] if col.note else []
    if col.kind == "bool":
        notes.append("是/否 or yes/no.")
    if col.pii:
        notes.append("Personal data: masked in exports when `mask_pii: true`.")
    return (f"`{col.name}`", col.zh, col.en, col.kind, unit_text(col),
            "**yes**" if col.required else "no", range_text(col), codes, " ".join(notes))


def _tables() -> list[str]:

    out: list[str] = []
    for name in TABLE_ORDER:
        t = TABLES[name]
        children = [f"`{c}`" for c in TABLE_ORDER if name in TABLES[c].foreign_keys.values()]
        fks = [f"`{c}` → `{p}` ({_parent_key(p)})" for c, p in t.foreign_keys.items()]
        status = "required" if name in REQUIRED_TABLES else "optional"
        out += [
            f'<a id="{name}"></a>',
            "",
            f"### `{name}` — {t.zh} / {t.en}",
            "",
            f"{t.description} {TABLE_DESCRIPTIONS_ZH[name]}",
            "",
            f"- Table: **{status}**; template sheet: `{sheet_title(name)}`",
            "- Primary key: " + ", ".join(f"`{k}`" for k in t.key),
            "- Foreign keys: " + ("; ".join(fks) if fks else "none"),
            "- Referenced by: " + (", ".join(children) if children else "none"),
            "",
            *_md_table(("column", "中文", "English", "type", "unit", "required", "range",
                        "allowed codes", "notes"),
                       [_column_row(c) for c in t.columns]),
            "",
        ]
    return out


def _code_lists() -> list[str]:
    out = ["## Code lists", "",
           "A coded value may be written as the code, the Chinese label or the English label.",
           ""]
    for name, codes in CODES.items():
        used = [f"`{t}.{c.name}`" for t in TABLE_ORDER for c in TABLES[t].columns
                if c.codes == name]
        out += [f"### `{name}`", "", "Used by: " + (", ".join(used) or "none"), "",
                *_md_table(("code", "中文", "English"),
                           [(f"`{c}`", zh, en) for c, (zh, en) in codes.items()]),
                ""]
    return out


def _mapping() -> list[str]:
    return [
        "## Mapping your own column names",
        "",
        "Headers are recognised automatically when they equal the column name (`client_id`), "
        "the Chinese label (`客户编号`), the English label (`Client ID`) or the template's "
        "bilingual header (`客户编号 / Client ID`); case, spaces and full-width brackets or "
        "slashes do not matter. Sheets are recognised by `<中文> <table>`, `<table>` or "
        "`<中文>`. Any other header is mapped in the parameters file, under `columns:` "
        "(your header → contract column), and money in 万元 or 亿元 is declared under `units:`:",
        "",
        "```yaml",
        "columns:",
        "  clients:",
        "    客户号: client_id",
        "    企业名称: client_name",
        "units:",
        "  facilities:",
        "    amount: 万元",
        "```",
        "",
        "A mapping to a column that does not exist, or a unit on a column that is not money, is "
        "reported when the parameters file is loaded, before any data is read.",
        "",
    ]


def render_markdown() -> str:
    """The full text of ``docs/data-contract.md``, built from the contract definitions."""
    lines = [*_intro(), "## Tables in detail", "", *_tables(), *_code_lists(), *_mapping()]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the page to stdout, or to the file given as the only argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0].startswith("-"):
        sys.stderr.write("usage: crmkit contract [--out FILE]  (writes docs/data-contract.md)\n")
        return 2
    data = render_markdown().encode("utf-8")
    if args:
        from pathlib import Path

        Path(args[0]).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
