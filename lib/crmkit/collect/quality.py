"""The data-quality report of the collect stage: completeness, invalid values, quarantine counts."""

from __future__ import annotations

import pandas as pd

from crmkit.collect.outcome import TableOutcome
from crmkit.core.contract import TABLES

__all__ = ["quality_report", "summary_table", "SUMMARY_REASONS"]

SUMMARY_REASONS = ("missing_required", "invalid_type", "invalid_category", "out_of_range",
                   "inconsistent", "duplicate_row", "duplicate_key", "orphan", "totals_row")


def quality_report(outcomes: dict[str, TableOutcome], issues: pd.DataFrame) -> pd.DataFrame:
    """One row per table and contract column: completeness and counts of each issue kind.

    ``completeness`` is the share of rows read whose cell is filled in (before any row is
    quarantined); ``present`` says whether the source had the column at all.
    """
    counts = (issues.groupby(["table", "column", "reason"]).size().unstack(fill_value=0)
              if len(issues) else pd.DataFrame())
    rows = []
    for name, oc in outcomes.items():
        t = TABLES[name]
        for c in t.columns:
            rec = {
                "table": name, "column": c.name, "label_zh": c.zh, "label_en": c.en,
                "required": c.required, "present": c.name in oc.raw.columns,
                "rows": oc.rows_read,
                "completeness": float(oc.completeness.get(c.name, 0.0))
                if oc.completeness is not None else 0.0,
            }
            for reason in ("missing_required", "invalid_type", "invalid_category",
                           "out_of_range", "inconsistent", "orphan"):
                key = (name, c.name)
                rec[reason] = (int(counts.loc[key, reason])
                               if reason in counts.columns and key in counts.index else 0)
            rows.append(rec)
    return pd.DataFrame(rows)


def summary_table(outcomes: dict[str, TableOutcome], quarantine: pd.DataFrame,
                  issues: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per table: rows read, kept and quarantined, and quarantined rows by reason.

    By construction ``rows_read == rows_kept + rows_quarantined``. With ``issues``, a row with
    several problems counts under each of its reasons (once per reason), so the reason columns
    may add up to more than ``rows_quarantined``; without, under its first reason only.
    """
    if issues is not None:
        per_row = issues.drop_duplicates(["table", "source", "row", "reason"])
    else:
        per_row = quarantine
    by_reason = (per_row.groupby(["table", "reason"]).size().unstack(fill_value=0)
                 if len(per_row) else pd.DataFrame())
    rows = []
    for name, oc in outcomes.items():
        quarantined = int((quarantine["table"] == name).sum()) if len(quarantine) else 0
        rec = {"table": name, "label_zh": TABLES[name].zh, "source": oc.source,
               "rows_read": oc.rows_read, "rows_kept": len(oc.clean),
               "rows_quarantined": quarantined,
               "ignored_columns": ", ".join(oc.ignored_columns)}
        for reason in SUMMARY_REASONS:
            rec[reason] = (int(by_reason.loc[name, reason])
                           if reason in by_reason.columns and name in by_reason.index else 0)
        rows.append(rec)
    return pd.DataFrame(rows)


_SUMMARY_HEADERS = {
    "table": ("表", "Table"), "label_zh": ("表名", "Table (zh)"), "source": ("来源", "Source"),
    "rows_read": ("读取行数", "Rows read"), "rows_kept": ("保留行数", "Rows kept"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "ignored_columns": ("忽略的列", "Ignored columns"),
    "missing_required": ("必填缺失", "Missing required"), "invalid_type": ("格式错误", "Invalid type"),
    "invalid_category": ("代码错误", "Unknown code"), "out_of_range": ("超出范围", "Out of range"),
    "inconsistent": ("字段矛盾", "Inconsistent"), "duplicate_row": ("重复行", "Duplicate rows"),
    "duplicate_key": ("主键重复", "Duplicate keys"), "orphan": ("孤立记录", "Orphans"),
    "totals_row": ("合计行", "Totals rows"),
}
__all__ += ["summary_view"]


def summary_view(summary: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The summary table with headers in ``lang``, for display and export."""
    i = 0 if lang == "zh" else 1
    out = summary.drop(columns=["label_zh"] if lang == "en" else [])
    return out.rename(columns={k: v[i] for k, v in _SUMMARY_HEADERS.items()})
