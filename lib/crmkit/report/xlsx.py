"""Stage tables as a formatted Excel workbook (XlsxWriter, rows streamed to disk).

One sheet per frame, named from :data:`SHEET_LABELS` in the report language. Each sheet has a
styled, frozen header row with an autofilter, number formats by column kind (money ``#,##0``,
rates and shares ``0.0%``, dates ``yyyy-mm-dd``, scores ``0.0``), column widths fitted to the
content (a CJK character counts as two), and coloured fills for tiers (A/B/C) and alert
severities wherever a ``tier`` or ``severity`` column appears (under its code or translated
header). With ``mask_pii`` every personal column is masked (:func:`crmkit.report.mask.mask_frame`).

A text cell that starts with ``=`` is stored as text, never as a formula, so a client named
``=HYPERLINK(...)`` cannot run anything when the workbook is opened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name

from crmkit.core.contract import TABLES
from crmkit.core.errors import CrmkitError
from crmkit.core.i18n import LABELS, LANGS, check_lang, header, register, t
from crmkit.core.store import atomic_write
from crmkit.report.mask import mask_frame
from crmkit.warn.labels import WARNING_LABELS  # noqa: F401  (registers warn.severity.*)

__all__ = ["write_workbook", "sheet_title", "column_format", "FORMATS", "FORMAT_RULES",
           "TIER_FILLS", "SEVERITY_FILLS", "SHEET_LABELS", "MAX_ROWS"]

register({"report.xlsx.capped": (
    "仅列出前 {shown:,} 行（共 {total:,} 行）；全部数据见 {where}",
    "First {shown:,} of {total:,} rows; every row is in {where}")})

#: Number format of each column kind; ``formats=`` may name a kind or give a format string.
FORMATS: dict[str, str] = {
    "money": "#,##0", "percent": "0.0%", "rate": "0.0%", "share": "0.0%",
    "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "score": "0.0",
    "int": "#,##0", "float": "#,##0.00", "text": "@",
}
#: Column-name patterns -> kind, for numeric columns the data contract does not define.
FORMAT_RULES: tuple[tuple[str, str], ...] = (
    (r"(share|_rate$|^rate$|^pd$|_pd$|_pct$|growth|^roa$|^roe$|margin|debt_to_assets|"
     r"on_time|probability)", "percent"),
    (r"(score|^total$|points|^csat|^nps)", "score"),
    (r"(exposure|income|amount|outstanding|balance|capital|revenue|assets|liabilities|"
     r"clv|ebitda|cash_flow|fees|investment|debt_service|limit|profit|loss)", "money"),
)
_CONTRACT_KIND = {"money": "money", "rate": "percent", "int": "int", "float": "float",
                  "date": "date"}

#: Fill and font colours (hex RGB) of tiers and severities in conditional formats.
TIER_FILLS: dict[str, tuple[str, str]] = {
    "A": ("1F4E79", "FFFFFF"), "B": ("D6E4F0", "1D2731"), "C": ("EEF1F4", "1D2731"),
}
SEVERITY_FILLS: dict[str, tuple[str, str]] = {
    "critical": ("922B21", "FFFFFF"), "high": ("F5B7B1", "641E16"),
    "medium": ("FDEBD0", "7E5109"), "low": ("D6EAF8", "1B4F72"),
}
#: Sheet key -> (中文, English) sheet names; other keys fall back to the contract's table names.
SHEET_LABELS: dict[str, tuple[str, str]] = {
    "diagnostic_table": ("诊断表", "Diagnostics"),
    "alerts": ("预警清单", "Alerts"),
    "action_plan": ("行动计划", "Action plan"),
    "tiers": ("客户分层", "Tiers"),
    "matrix": ("风险能力矩阵", "Risk-capacity matrix"),
    "scores": ("综合评分", "Scores"),
    "credit": ("信用评级", "Credit grades"),
    "strategies": ("服务策略", "Strategies"),
    "quality": ("数据质量", "Data quality"),
    "quarantine": ("隔离记录", "Quarantine"),
    "summary": ("汇总", "Summary"),
}
for _k, _pair in SHEET_LABELS.items():
    LABELS.setdefault(f"sheet.{_k}", _pair)

#: Data rows per sheet Excel can hold (1,048,576 rows minus the header).
MAX_ROWS = 1_048_575
#: The header row's look: white bold text on the house blue, centred, a dark rule below.
_HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "pattern": 1,
           "align": "center", "valign": "vcenter", "text_wrap": True, "bottom": 2,
           "bottom_color": "#0F2A44"}
#: Control characters an .xlsx cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE).
_ILLEGAL = r"[\000-\010]|[\013-\014]|[\016-\037]"
_WIDE = r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f" \
        r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(key: str, lang: str) -> str:
    """The sheet name of ``key`` in ``lang`` (at most 31 characters, none of ``[]:*?/\\``)."""
    if f"sheet.{key}" in LABELS:
        name = t(f"sheet.{key}", lang)
    elif key in TABLES:
        name = TABLES[key].zh if lang == "zh" else TABLES[key].en
    else:
        name = str(key)
    return _BAD_SHEET_CHARS.sub("_", name).strip("'").strip()[:31] or "Sheet"


_COL_KEY = re.compile(r"^(?:[a-z_]+\.)?col\.(\w+)$")


def _header(col: str, lang: str) -> str:
    """Display header: ``col.<c>``, else a stage's ``<ns>.col.<c>`` label, else the contract's."""
    if f"col.{col}" not in LABELS:
        for key in LABELS:
            m = _COL_KEY.match(key)
            if m and m.group(1) == col:
                return t(key, lang)
    return header(col, lang)


def _canonical(col: str) -> str:
    """The code name behind a (possibly translated) header."""
    if f"col.{col}" in LABELS or any(col in tb.names for tb in TABLES.values()):
        return col
    for key, pair in LABELS.items():
        m = _COL_KEY.match(key)
        if m and col in pair:
            return m.group(1)
    for table in TABLES.values():
        for c in table.columns:
            if col in (c.zh, c.en, c.header):
                return c.name
    return col


def column_format(name: str, s: pd.Series, formats: Mapping[str, str] | None = None
                  ) -> str | None:
    """The Excel number format of a column, or None for General.

    ``formats[name]`` wins (a kind of :data:`FORMATS` or a literal format string); then the
    dtype (dates), the data contract's column kind, and the patterns of :data:`FORMAT_RULES`.
    """
    given = (formats or {}).get(name)
    if given is not None:
        return FORMATS.get(given, given)
    if pd.api.types.is_datetime64_any_dtype(s):
        return FORMATS["date"]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return None
    code = _canonical(name)
    for table in TABLES.values():
        if code in table.names:
            kind = _CONTRACT_KIND.get(table.column(code).kind)
            if kind:
                return FORMATS[kind]
    for pattern, kind in FORMAT_RULES:
        if re.search(pattern, code):
            return FORMATS[kind]
    return FORMATS["int"] if pd.api.types.is_integer_dtype(s) else FORMATS["float"]


def _text_width(s: pd.Series) -> int:
    text = s.dropna().astype("string")
    if text.empty:
        return 0
    return int((text.str.len() + text.str.count(_WIDE)).max())


def _width(title: str, s: pd.Series, fmt: str | None) -> float:
    head = _text_width(pd.Series([title])) + 3  # room for the filter button
    if fmt in (FORMATS["date"], FORMATS["datetime"]):
        body = len(fmt)
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = pd.to_numeric(s, errors="coerce").abs().max()
        v = 0.0 if pd.isna(v) else float(v)
        body = 8 if fmt and "%" in fmt else len(f"{v:,.2f}") + 1
    else:
        body = _text_width(s)
    return float(min(max(head, body + 2, 6), 60))


def _python_values(s: pd.Series) -> list:
    """Column values as Python objects the writer takes (None for missing)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return [None if pd.isna(v) else v.to_pydatetime() for v in s]
    if pd.api.types.is_string_dtype(s) or s.dtype == object:
        s = s.astype("string").str.replace(_ILLEGAL, "", regex=True)
    elif pd.api.types.is_float_dtype(s):
        s = s.where(np.isfinite(s.astype("float64")))  # Excel has no inf
    arr = s.astype(object).where(s.notna(), None).to_numpy()
    return [v.item() if isinstance(v, np.generic) else v for v in arr]


def _fill_rule(letter: str, n: int, values: Mapping[str, tuple[str, ...]],
               fills: Mapping[str, tuple[str, str]]) -> list[tuple[str, dict]]:
    rules = []
    for code, (bg, fg) in fills.items():
        alts = sorted({v for v in values[code] if v})
        cond = ",".join(f'${letter}2="{v.replace(chr(34), chr(34) * 2)}"' for v in alts)
        rules.append((f"{letter}2:{letter}{max(n, 1) + 1}", {
            "type": "formula", "criteria": f"=OR({cond})", "stop_if_true": True,
            "format": {"bg_color": f"#{bg}", "fg_color": f"#{bg}", "pattern": 1,
                       "font_color": f"#{fg}"}}))
    return rules


def _labels(prefix: str, codes: Mapping[str, object], extra: tuple[str, ...] = ()
            ) -> dict[str, tuple[str, ...]]:
    """Each code with its labels in every language (``tier.A``, ``tier.A.short``, ...)."""
    out = {}
    for c in codes:
        keys = [f"{prefix}.{c}{x}" for x in ("", *extra)]
        out[c] = (c, *(t(k, lang) for k in keys if k in LABELS for lang in LANGS))
    return out


def _fill_rules(letter: str, n: int, code: str, head: str) -> list[tuple[str, dict]]:
    """Tier or severity fills for a column whose code or header says it holds one."""
    kinds = {_canonical(code), _canonical(head)}
    if "tier" in kinds:
        return _fill_rule(letter, n, _labels("tier", TIER_FILLS, (".short",)), TIER_FILLS)
    if "severity" in kinds:
        return _fill_rule(letter, n, _labels("warn.severity", SEVERITY_FILLS), SEVERITY_FILLS)
    return []


def _write_sheet(wb: Workbook, title: str, df: pd.DataFrame, lang: str,
                 formats: Mapping[str, str], translate: bool) -> None:
    """One sheet: styled frozen header with a filter, column formats and widths, fills."""
    ws = wb.add_worksheet(title)
    made: dict[tuple, object] = wb.crmkit_formats  # type: ignore[attr-defined]

    def fmt_of(props: dict) -> object:  # one shared format per distinct set of properties
        key = tuple(sorted(props.items()))
        if key not in made:
            made[key] = wb.add_format(props)
        return made[key]

    n = len(df)
    names = [str(c) for c in df.columns]
    heads = [_header(c, lang) if translate else c for c in names]
    for i, (code, head) in enumerate(zip(names, heads, strict=True)):
        given = formats.get(code, formats.get(head))  # keyed by code or by header
        fmt = column_format(code, df.iloc[:, i], None if given is None else {code: given})
        letter = xl_col_to_name(i)
        # the column's format applies to every cell written without one of its own
        ws.set_column(i, i, _width(head, df.iloc[:, i], fmt),
                      fmt_of({"num_format": fmt}) if fmt else None)
        for ref, rule in _fill_rules(letter, n, code, head):
            ws.conditional_format(ref, {**rule, "format": fmt_of(rule["format"])})
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, n, max(len(names), 1) - 1)
    ws.repeat_rows(0)
    ws.write_row(0, 0, heads, fmt_of(_HEADER))
    columns = [_python_values(df.iloc[:, i]) for i in range(len(names))]
    for r, row in enumerate(zip(*columns, strict=True), 1):
        ws.write_row(r, 0, row)  # text stays text: the workbook never reads '=' as a formula


def _capped(df: pd.DataFrame, key: str, max_rows: int | None,
            full: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The first ``max_rows`` rows, and a last row saying how many there are and where."""
    if max_rows is None or len(df) <= max_rows:
        return df
    where = full.get(key, "")
    note = t("report.xlsx.capped", lang).format(shown=max_rows, total=len(df), where=where)
    tail = pd.DataFrame({df.columns[0]: [note]}).astype(object)
    head = df.iloc[:max_rows]
    return pd.concat([head.astype({df.columns[0]: object}), tail], ignore_index=True)


def write_workbook(sheets: Mapping[str, pd.DataFrame], out: Path, lang: str = "zh",
                   formats: Mapping[str, str] | None = None, *, mask_pii: bool = False,
                   translate_headers: bool = True, max_rows: int | None = None,
                   full_tables: Mapping[str, str] | None = None) -> Path:
    """Write frames to one formatted ``.xlsx`` workbook, one sheet each, atomically.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        Sheet key (``"diagnostic_table"``, ``"alerts"``, ``"action_plan"``, a contract table
        name, ...) -> frame. The key is translated by :func:`sheet_title`.
    out : Path
        The ``.xlsx`` to write.
    lang : {"zh", "en"}
        Language of sheet names and (with ``translate_headers``) column headers.
    formats : mapping, optional
        Column (code or header) -> a kind of :data:`FORMATS` or an Excel format string;
        overrides the inferred format (:func:`column_format`).
    mask_pii : bool
        Mask the contract's personal columns (:func:`crmkit.report.mask.mask_frame`).
    translate_headers : bool
        Show headers as :func:`crmkit.core.i18n.header` labels instead of code names.
    max_rows : int, optional
        Rows written per sheet: a longer frame keeps its first ``max_rows`` rows and gains a
        last row saying so and naming ``full_tables[key]`` (the file holding every row).
        Writing is cell by cell (≈ 7 µs a cell), so this bounds the time at large portfolios.

    Returns
    -------
    Path
        ``out``.
    """
    check_lang(lang)
    if not sheets:
        raise CrmkitError(f"{out}: no tables to write; pass at least one frame in 'sheets'.")
    formats = dict(formats or {})
    ready: list[tuple[str, pd.DataFrame]] = []
    used: set[str] = set()
    for key, df in sheets.items():
        if not isinstance(df, pd.DataFrame):
            raise CrmkitError(f"sheet {key!r}: expected a pandas DataFrame, got "
                              f"{type(df).__name__}.")
        if max_rows is not None and len(df) > max_rows:
            df = _capped(df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df,
                         key, max_rows, full_tables or {}, lang)
        if len(df) > MAX_ROWS:
            raise CrmkitError(f"sheet {key!r} has {len(df):,} rows; Excel holds {MAX_ROWS:,}. "
                              "Filter it (e.g. one tier or region per sheet) or export Parquet.")
        if not isinstance(df.index, pd.RangeIndex):
            df = df.reset_index()
        if isinstance(df.columns, pd.MultiIndex):
            df = df.set_axis([" / ".join(map(str, c)) for c in df.columns], axis=1)
        if mask_pii:
            df = mask_frame(df)
        title = base = sheet_title(key, lang)
        k = 2
        while title.lower() in used:
            title = f"{base[:27]} ({k})"
            k += 1
        used.add(title.lower())
        ready.append((title, df))

    def write(tmp: Path) -> None:
        wb = Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                 "strings_to_urls": False, "strings_to_numbers": False})
        wb.set_properties({"author": "crmkit"})
        wb.crmkit_formats = {}  # type: ignore[attr-defined]
        for title, df in ready:
            _write_sheet(wb, title, df, lang, formats, translate_headers)
        wb.close()

    return atomic_write(Path(out), write)
