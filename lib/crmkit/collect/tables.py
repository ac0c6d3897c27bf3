"""The collect stage: read every table, map columns, validate, clean and quarantine.

``rows read = rows kept + rows quarantined`` for every table: a row that fails any check goes
to the quarantine table with a reason code and a message naming its source, row and column —
no row is ever dropped silently. Reason codes:

``missing_required``  a required cell is blank
``invalid_type``      a cell cannot be read as a number / date / yes-no
``invalid_category``  a coded cell is not in the contract's code list
``out_of_range``      a value outside the column's range (a negative amount, CSAT 7, ...)
``inconsistent``      columns contradict each other (maturity before start, ...)
``duplicate_row``     an exact copy of an earlier row
``duplicate_key``     the same key as an earlier row with different content
``orphan``            refers to a parent (client, facility, project) that is not in the data
``totals_row``        a totals row (合计 / 总计 / 小计 / Total), never a record of the table

A row with several problems has an issue for each (a totals row only that one); the summary
counts it under each of its reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.collect import parsing
from crmkit.collect.duplicates import exact_copies as _exact_copies
from crmkit.collect.duplicates import key_text as _key_text
from crmkit.collect.layout import totals_rows
from crmkit.collect.messages import fix_hint as _fix_hint
from crmkit.collect.messages import range_text as _range_text
from crmkit.collect.outcome import TableOutcome
from crmkit.collect.readers import RawTable
from crmkit.collect.required import load_clean, require_rows
from crmkit.collect.values import apply_values, values_hint
from crmkit.core.contract import Column, Table
from crmkit.core.errors import MissingColumnError
from crmkit.core.i18n import register
from crmkit.params import UNITS

__all__ = ["collect_table", "load_clean", "require_rows", "REASONS", "ISSUE_COLUMNS"]

REASONS = ("missing_required", "invalid_type", "invalid_category", "out_of_range",
           "inconsistent", "duplicate_row", "duplicate_key", "orphan", "totals_row")
register({  # the reasons in words, wherever a quarantined row is shown (charts, display)
    "reason.missing_required": ("必填项缺失", "Missing required value"),
    "reason.invalid_type": ("格式错误", "Unreadable value"),
    "reason.invalid_category": ("代码不在代码表中", "Unknown code"),
    "reason.out_of_range": ("数值超出范围", "Out of range"),
    "reason.inconsistent": ("字段间矛盾", "Inconsistent columns"),
    "reason.duplicate_row": ("完全重复行", "Exact duplicate"),
    "reason.duplicate_key": ("主键重复", "Duplicate key"),
    "reason.orphan": ("关联主体不存在", "Unknown parent (orphan)"),
    "reason.totals_row": ("合计行", "Totals row"),
})
ISSUE_COLUMNS = ["table", "source", "row", "column", "reason", "value", "message"]

#: Cross-column checks per table: (later column, earlier column) that must not be earlier.
_ORDERED_DATES: dict[str, tuple[tuple[str, str], ...]] = {
    "facilities": (("maturity_date", "start_date"),),
    "projects": (("planned_end", "planned_start"), ("actual_end", "actual_start")),
    "milestones": (("planned_end", "planned_start"), ("actual_end", "actual_start")),
    "interactions": (("resolved_date", "date"),),
}
#: Kinds whose cells, once all read, cannot hold a totals label (合计, Total, ...).
_READ_AS_VALUES = ("int", "float", "money", "rate", "date", "bool")


# --------------------------------------------------------------------------- mapping
def _map_columns(raw: RawTable, t: Table, mapping: dict[str, str],
                 units: dict[str, str]) -> tuple[pd.DataFrame, dict[str, float], list[str]]:
    """Rename source headers to contract names; return factors of money columns and the
    source columns that were ignored."""
    from crmkit.collect.headers import header_aliases, normalise_header

    aliases = header_aliases(t.name)
    user = {normalise_header(k): v for k, v in mapping.items()}
    rename: dict[str, str] = {}
    factors: dict[str, float] = {}
    ignored: list[str] = []
    for col in raw.frame.columns:
        key = normalise_header(str(col))
        stripped = normalise_header(parsing._HEADER_UNIT.sub("", str(col)))
        target = user.get(key) or aliases.get(key) or aliases.get(stripped)
        if target is None or target in rename.values():
            ignored.append(str(col))
            continue
        rename[col] = target
        unit = parsing.header_unit(str(col))
        if unit is not None and t.column(target).kind == "money":
            factors[target] = unit
    for col, unit in units.items():
        factors[col] = UNITS[unit]
    frame = raw.frame[list(rename)].rename(columns=rename)
    missing = [c for c in t.required if c not in frame.columns]
    if missing:
        c = t.column(missing[0])
        found = ", ".join(map(str, raw.frame.columns)) or "(none)"
        more = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        if raw.header_row is not None:
            found += (f" (headers read from row {raw.header_row}; if they are on another row, "
                      f"set 'header_row:' for this source in the parameters file)")
        raise MissingColumnError(
            f"{raw.source}: required column {c.name!r} ({c.zh} / {c.en}) of table {t.name!r} "
            f"is missing{more}. Columns found: {found}. Rename the column to '{c.header}', "
            f"or map it in the parameters file under 'columns: {t.name}: {{<your header>: "
            f"{c.name}}}'.")
    return frame, factors, ignored


# --------------------------------------------------------------------------- cleaning
def _parse_column(s: pd.Series, c: Column, factor: float,
                  text: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    if c.kind in ("money", "float"):
        return parsing.parse_number(s, factor=factor, text=text)
    if c.kind == "rate":
        return parsing.parse_number(s, percent=True, text=text)
    if c.kind == "int":
        return parsing.parse_int(s, text=text)
    if c.kind == "date":
        return parsing.parse_date(s, text=text)
    if c.kind == "bool":
        return parsing.parse_bool(s, text=text)
    if c.kind == "code":
        assert c.codes is not None
        return parsing.parse_code(s, c.codes, text=text)
    return parsing.parse_text(s, identifier=c.kind == "id", text=text)


def _issue(t: Table, source: str, rows: pd.Series, mask: np.ndarray, col: str, reason: str,
           values: pd.Series, message: str) -> pd.DataFrame:
    idx = np.flatnonzero(mask)
    if not len(idx):
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    vals = values.iloc[idx].astype("string").fillna("")
    return pd.DataFrame({
        "table": t.name, "source": source, "row": rows.iloc[idx].to_numpy(), "column": col,
        "reason": reason, "value": vals.to_numpy(),
        "message": [message.format(row=r, value=v) for r, v in
                    zip(rows.iloc[idx], vals, strict=True)],
    }, index=idx)


def collect_table(raw: RawTable, t: Table, mapping: dict[str, str] | None = None,
                  units: dict[str, str] | None = None,
                  values: dict[str, dict[str, str]] | None = None) -> TableOutcome:
    """Map, parse and validate one table; cross-table checks are made by :func:`collect`.

    ``values`` (the table's ``values:`` section) turns a client's words into codes first.
    """
    frame, factors, ignored = _map_columns(raw, t, mapping or {}, units or {})
    frame = frame.reset_index(drop=True)
    cells = apply_values(frame, values or {})
    rows = raw.rows.reset_index(drop=True)
    src = raw.source
    parsed: dict[str, pd.Series] = {}
    issues: list[pd.DataFrame] = []
    completeness: dict[str, float] = {}
    n = len(frame)
    no_label: set[str] = set()  # columns whose every cell was read as a number, date or yes-no
    for c in t.columns:
        if c.name not in frame:
            completeness[c.name] = 0.0
            continue
        s = frame[c.name]
        text = parsing.text_view(s)  # once per column, shared with the parser
        missing = parsing.is_missing(s, text).to_numpy(dtype=bool)
        completeness[c.name] = float(1 - missing.mean()) if n else 1.0
        vals, bad = _parse_column(cells[c.name], c, factors.get(c.name, 1.0),
                                  None if c.name in (values or {}) else text)
        bad = bad.to_numpy(dtype=bool)
        if c.kind in _READ_AS_VALUES and c.name not in (values or {}) and not bad.any():
            no_label.add(c.name)
        parsed[c.name] = vals
        where = f"{src} row {{row}}, column '{c.header}'"
        if c.required:
            issues.append(_issue(t, src, rows, missing, c.name, "missing_required", s,
                                 f"{where}: required value is blank; fill it in"))
        if c.kind == "code":
            issues.append(_issue(t, src, rows, bad, c.name, "invalid_category", s,
                                 f"{where}: {{value!r}} is not a known code; {_fix_hint(c)}"
                                 + values_hint(t.name, c.name)))
        else:
            issues.append(_issue(t, src, rows, bad, c.name, "invalid_type", s,
                                 f"{where}: cannot read {{value!r}}; {_fix_hint(c)}"))
        if c.minimum is not None or c.maximum is not None:
            num = vals.astype("float64") if c.kind != "date" else None
            if num is not None:
                lo = -np.inf if c.minimum is None else c.minimum
                hi = np.inf if c.maximum is None else c.maximum
                out = (num.notna() & ((num < lo) | (num > hi))).to_numpy(dtype=bool)
                # the value as shown, for the reported rows only
                shown = num[out].map(lambda v: f"{v:g}").reindex(num.index) if out.any() \
                    else num
                pct = "; for a percentage write it with %, e.g. 4.5%" if c.kind == "rate" else ""
                issues.append(_issue(
                    t, src, rows, out, c.name, "out_of_range", shown,
                    f"{where}: {{value}} is outside {_range_text(c)}; correct the value{pct}"))
    for later, earlier in _ORDERED_DATES.get(t.name, ()):
        if later in parsed and earlier in parsed:
            bad = (parsed[later] < parsed[earlier]).fillna(False).to_numpy(dtype=bool)
            shown = parsed[later][bad].dt.strftime("%Y-%m-%d").reindex(
                parsed[later].index) if bad.any() else parsed[later]
            issues.append(_issue(
                t, src, rows, bad, later, "inconsistent", shown,
                f"{src} row {{row}}: {later} {{value}} is before {earlier}; check both dates"))
    clean = pd.DataFrame(parsed, index=frame.index)
    del parsed  # copied into ``clean``
    # exact duplicates (on the mapped cells as written) -> keep the first copy
    dup, first_rows = _exact_copies(frame, rows, [k for k in t.key if k in frame])
    issues.append(_issue(t, src, rows, dup, "*", "duplicate_row", first_rows,
                         f"{src} row {{row}}: exact copy of row {{value}}; delete the copy"))
    issue_frame = _totals_first(t, raw, rows, _concat(issues), {  # source names of no_label
        col for col, name in zip([c for c in raw.frame.columns if str(c) not in set(ignored)],
                                 frame.columns, strict=True) if name in no_label})
    bad_rows = np.zeros(n, dtype=bool)
    bad_rows[issue_frame.index.unique()] = True
    # key duplicates among rows that are otherwise valid
    key = list(t.key)
    keyed = clean.loc[~bad_rows, key]
    kdup = keyed.duplicated(keep="first")
    kdup_mask = np.zeros(n, dtype=bool)
    kdup_mask[keyed.index[kdup.to_numpy()]] = True
    keytext = _key_text(clean.loc[kdup_mask, key], n)
    issue_frame = _concat([issue_frame, _issue(
        t, src, rows, kdup_mask, "+".join(key), "duplicate_key", keytext,
        f"{src} row {{row}}: key {{value}} already used by an earlier row with different "
        f"content; keep one row per {'+'.join(key)}")])
    bad_rows |= kdup_mask
    keep = clean.loc[~bad_rows] if bad_rows.any() else clean
    return TableOutcome(t.name, src, keep, n, issue_frame, frame, rows, ignored,
                        pd.Series(completeness, name=t.name))


def _totals_first(t: Table, raw: RawTable, rows: pd.Series, issues: pd.DataFrame,
                  no_label: set[object]) -> pd.DataFrame:
    """A totals row gets one issue, ``totals_row``, instead of its blank or odd cells'."""
    mask, label, column = totals_rows(raw.frame.reset_index(drop=True), no_label)
    if not mask.any():
        return issues
    where = column[mask].iloc[0]
    found = _issue(t, raw.source, rows, mask, str(where), "totals_row", label,
                   f"{raw.source} row {{row}}: {{value!r}} marks a totals row, not a {t.name} "
                   "record; it is set aside (crmkit adds up the rows itself). Delete it from "
                   "the source to silence this")
    found["column"] = column[mask].to_numpy()
    return _concat([found, issues[~mask[issues.index.to_numpy(dtype=int)]]])


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.concat(frames)
