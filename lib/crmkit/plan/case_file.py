"""The ``cases`` table: the firm's own past deals as a CSV, validated with every problem named.

Columns (bilingual headers ``中文 / English`` or the Chinese or English label are accepted too):

================  =========  ======================================================
``case_id``       required   text
``industry``      required   code of the contract's ``industry`` list
``product``       required   code of the contract's ``product`` list
``amount``        required   CNY yuan (``amount(万元)`` in the header converts)
``tenor_months``  required   whole months, 1-600
``outcome``       required   ``repaid | current | restructured | default``
``region``, ``size_class``, ``collateral_type``   optional codes
``structure``     optional   a repayment profile (``annuity``, ``sculpted`` ...)
``realised_dscr`` optional   number >= 0
``start_year``    optional   1990-2100
``description``   optional   free text shown on the case card
================  =========  ======================================================

The table is kept out of the collect stage's contract on purpose: it is reference data of the
firm, not of a portfolio, and is read only by the plan designer (``plan.cases_file``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.codes import CODES
from crmkit.core.contract import Column
from crmkit.plan.terms import PROFILES, PlanError

__all__ = ["CASE_COLUMNS", "OUTCOMES", "CASE_CODES", "read_case_file", "validate_cases"]

#: Case outcomes: code -> (中文, English).
OUTCOMES: dict[str, tuple[str, str]] = {
    "repaid": ("已结清", "Repaid"), "current": ("正常履约", "Performing"),
    "restructured": ("已重组", "Restructured"), "default": ("已违约", "Defaulted")}
#: Repayment structures: code -> (中文, English).
STRUCTURES: dict[str, tuple[str, str]] = {
    "equal_principal": ("等额本金", "Equal principal"), "annuity": ("等额本息", "Annuity"),
    "balloon": ("气球贷", "Balloon"), "bullet": ("到期一次还本", "Bullet"),
    "custom": ("自定义", "Custom"), "sculpted": ("按现金流塑形", "Sculpted")}
assert set(STRUCTURES) == set(PROFILES)
#: Code lists of the case table's coded columns.
CASE_CODES: dict[str, dict[str, tuple[str, str]]] = {
    "industry": CODES["industry"], "region": CODES["region"], "size_class": CODES["size_class"],
    "product": CODES["product"], "collateral_type": CODES["collateral_type"],
    "structure": STRUCTURES, "outcome": OUTCOMES}

CASE_COLUMNS: tuple[Column, ...] = (
    Column("case_id", "id", "案例编号", "Case ID", required=True),
    Column("industry", "code", "行业", "Industry", required=True, codes="industry"),
    Column("region", "code", "地区", "Region", codes="region"),
    Column("size_class", "code", "企业规模", "Size class", codes="size_class"),
    Column("product", "code", "产品类型", "Product", required=True, codes="product"),
    Column("amount", "money", "金额", "Amount", required=True, minimum=0),
    Column("tenor_months", "int", "期限(月)", "Tenor (months)", required=True, minimum=1,
           maximum=600),
    Column("collateral_type", "code", "担保方式", "Collateral type", codes="collateral_type"),
    Column("structure", "code", "还款结构", "Repayment structure", codes="structure"),
    Column("outcome", "code", "结果", "Outcome", required=True, codes="outcome"),
    Column("realised_dscr", "float", "实际偿债覆盖率", "Realised DSCR", minimum=0),
    Column("start_year", "int", "起始年份", "Start year", minimum=1990, maximum=2100),
    Column("description", "text", "案例说明", "Description"),
)
_UNITS = {"万元": 1e4, "万": 1e4, "亿元": 1e8, "亿": 1e8, "元": 1.0}


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "", str(text)).replace("（", "(").replace("）", ")").lower()


def _header_map(headers: list[str]) -> tuple[dict[str, str], dict[str, float], list[str]]:
    """Map raw headers to case columns; also unit factors from ``(万元)`` and unknown headers."""
    names, factors, unknown = {}, {}, []
    for raw in headers:
        unit = re.search(r"\((万元|万|亿元|亿|元)\)\s*$", _norm(raw))
        base = _norm(raw)[: unit.start()] if unit else _norm(raw)
        for col in CASE_COLUMNS:
            forms = {_norm(col.name), _norm(col.zh), _norm(col.en), _norm(col.header)}
            if base in forms:
                names[raw] = col.name
                if unit:
                    factors[col.name] = _UNITS[unit.group(1)]
                break
        else:
            unknown.append(raw)
    return names, factors, unknown


def validate_cases(raw: pd.DataFrame, source: str = "cases") -> pd.DataFrame:
    """Check and type a table of cases; every problem is collected into one error.

    Raises
    ------
    PlanError
        Naming ``source``, and each bad row (spreadsheet row number), column and value with the
        allowed codes or range.
    """
    names, factors, unknown = _header_map([str(c) for c in raw.columns])
    problems = [f"unknown column {u!r}" for u in unknown]
    df = raw.rename(columns=names)
    missing = [c.name for c in CASE_COLUMNS if c.required and c.name not in df.columns]
    problems += [f"required column {m!r} is missing" for m in missing]
    if missing:
        raise PlanError(_message(source, problems))
    out = pd.DataFrame(index=df.index)
    for col in CASE_COLUMNS:
        values = (df[col.name] if col.name in df.columns else pd.Series(pd.NA, index=df.index)
                  ).astype("string").str.strip().replace("", pd.NA)
        if col.required:
            for i in values.index[values.isna()]:
                problems.append(f"row {i + 2}, {col.name}: required value is blank")
        if col.kind == "code":
            lookup = {_norm(v): k for k, (zh, en) in CASE_CODES[col.codes].items()
                      for v in (k, zh, en)}
            coded = values.map(lambda v, lk=lookup: lk.get(_norm(v)) if pd.notna(v) else pd.NA)
            for i in values.index[values.notna() & coded.isna()]:
                problems.append(f"row {i + 2}, {col.name}: {values[i]!r} is not one of "
                                f"{sorted(CASE_CODES[col.codes])}")
            out[col.name] = coded.astype("string")
        elif col.kind in ("money", "float", "int"):
            num = pd.to_numeric(values.str.replace(",", ""), errors="coerce")
            for i in values.index[values.notna() & num.isna()]:
                problems.append(f"row {i + 2}, {col.name}: {values[i]!r} is not a number")
            num = num * factors.get(col.name, 1.0)
            lo = -np.inf if col.minimum is None else col.minimum
            hi = np.inf if col.maximum is None else col.maximum
            for i in num.index[num.notna() & ~num.between(lo, hi)]:
                problems.append(f"row {i + 2}, {col.name}: {values[i]} is outside [{lo}, {hi}]")
            out[col.name] = num.round().astype("Int64") if col.kind == "int" else num
        else:
            out[col.name] = values
    dup = out["case_id"][out["case_id"].duplicated(keep=False) & out["case_id"].notna()]
    problems += [f"case_id {v!r} appears more than once" for v in dup.unique()]
    if problems:
        raise PlanError(_message(source, problems))
    return out.reset_index(drop=True)


def _message(source: str, problems: list[str]) -> str:
    head = (f"{source}: {len(problems)} problem(s) in the cases table; fix them and rerun "
            "(columns and codes: docs/plans.md#the-cases-table):")
    shown = problems[:30] + ([f"... and {len(problems) - 30} more"] if len(problems) > 30 else [])
    return head + "\n" + "\n".join(f"  - {p}" for p in shown)


def read_case_file(path: str | Path) -> pd.DataFrame:
    """Read and validate a CSV (UTF-8 or GBK) or xlsx of past deals."""
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"{path}: cases file not found; check plan.cases_file in the parameters "
                        "file (relative paths are relative to it)")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=str)
    else:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                raw = pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PlanError(f"{path}: cannot decode the file; save it as UTF-8 or GBK CSV")
    return validate_cases(raw, str(path))
