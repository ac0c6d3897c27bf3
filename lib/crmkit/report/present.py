"""One presentation layer for the workbook sheets: words for headers, one unit per money column.

:func:`present` turns an analysis table (stable snake_case columns, yuan, fractions) into what a
bank reader gets in a workbook sheet:

- internal columns are dropped (strategy and rule ids, metric names, calendar uids, grouping
  keys): the rule's name, the strategy's text and the reason in words stay;
- every money column is shown in one unit chosen from its scale (万元 or 亿元; CNY m or CNY bn),
  stated in its header ("敞口（亿元）");
- answers on whole-number scales (CSAT 1-5, NPS 0-10, counts) are integers;
- shares and probabilities get a percent format, scores one decimal, dates a date format;
- headers are the label catalogue's words (the ``show`` function of the stage, e.g.
  :func:`crmkit.diagnose.display` or :func:`crmkit.warn.display_frame`), and any header that is
  still a code gets one from :data:`EXTRA_HEADERS` or is dropped.

It returns the frame and the Excel number formats keyed by header, for
:func:`crmkit.report.xlsx.write_workbook` (``formats=``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from crmkit.core.i18n import register, t
from crmkit.core.units import money_header, money_unit

__all__ = ["present", "INTERNAL_COLUMNS", "MONEY_COLUMNS", "SHARE_COLUMNS", "WHOLE_COLUMNS",
           "EXTRA_HEADERS"]

#: Columns a reader never sees: ids of rules and strategies, metric names, technical keys.
INTERNAL_COLUMNS = frozenset({
    "strategy_id", "dominant_strategy_id", "rule_id", "metric", "cause", "uid", "ref",
    "threshold_upper", "strategy_priority", "level"})
#: Money columns (yuan in the analysis tables).
MONEY_COLUMNS = frozenset({
    "exposure", "income", "clv", "clv_at_risk", "clv_sum", "ecl", "ead", "committed", "amount",
    "outstanding", "requested_amount", "interest_income", "fee_income", "margin",
    "expected_loss", "funding_cost", "exposure_sum", "value"})
#: Shares, rates and probabilities (fractions): shown as percentages.
SHARE_COLUMNS = frozenset({
    "pd", "pd_12m", "pd_lifetime", "lgd", "coverage", "churn_probability",
    "needs_fulfilled_share", "csat_share", "share", "exposure_share", "retention_rate",
    "fulfilment_rate", "count_share", "value_share"})
#: Answers and counts on whole-number scales.
WHOLE_COLUMNS = frozenset({
    "csat_latest", "nps_latest", "open_alerts", "clients", "occurrences", "rank", "facilities",
    "answers", "complaints_12m", "unresolved_complaints", "n_products", "stage"})

register({"present.occurrences": ("出现次数", "Occurrences"),
          "present.acknowledged": ("已确认", "Acknowledged")})
#: Headers for columns the stages' labels do not cover.
EXTRA_HEADERS = {"occurrences": "present.occurrences", "acknowledged": "present.acknowledged"}

_CODE_HEADER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _header_of(col: str, show: Callable[[pd.DataFrame], pd.DataFrame]) -> str:
    return str(show(pd.DataFrame({col: pd.Series([], dtype="object")})).columns[0])


def present(frame: pd.DataFrame, lang: str, show: Callable[[pd.DataFrame], pd.DataFrame],
            *, money: frozenset[str] = MONEY_COLUMNS, value_is_money: bool = False
            ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The sheet of ``frame`` for reading, and its number formats by header (see module doc).

    ``show`` translates codes and headers (a stage's display function). ``value`` counts as a
    money column only with ``value_is_money`` (it is a metric's value in the alert tables).
    """
    raw = frame.reset_index() if frame.index.name is not None else frame.copy()
    raw = raw.drop(columns=[c for c in raw.columns if c in INTERNAL_COLUMNS])
    money = money if value_is_money else money - {"value"}
    formats: dict[str, str] = {}
    renames: dict[str, str] = {}
    for col in raw.columns:
        if not isinstance(col, str):
            continue
        s = raw[col]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if col in money and numeric:
            unit = money_unit(s.astype(float).tolist(), lang)
            raw[col] = (s.astype(float) / unit.divisor).round(unit.decimals)
            head = _header_of(col, show)
            renames[head] = money_header(_strip_unit(head), unit, lang)
            formats[renames[head]] = "#,##0." + "0" * unit.decimals
        elif col in SHARE_COLUMNS and numeric:
            formats[_header_of(col, show)] = "0.0%" if col != "pd" else "0.00%"
        elif col in WHOLE_COLUMNS and numeric:
            v = s.astype("Float64").round()
            raw[col] = v.astype("Int64")
            formats[_header_of(col, show)] = "#,##0"
        elif numeric and (col.startswith("score") or col in ("mean_score", "points", "total",
                                                             "nps", "csat_mean")):
            formats[_header_of(col, show)] = "0.0"
        elif numeric and pd.api.types.is_float_dtype(s):
            formats[_header_of(col, show)] = "#,##0.00"
    shown = show(raw).rename(columns=renames)
    for head in shown.columns:  # yes/no in words where the stage's display left booleans
        v = shown[head]
        if pd.api.types.is_bool_dtype(v) or (v.dtype == object and len(v.dropna()) and
                                             v.dropna().map(type).eq(bool).all()):
            shown[head] = v.map(lambda x: x if pd.isna(x) else t(f"diag.bool.{bool(x)}", lang))
    keep = []
    for head in shown.columns:
        h = str(head)
        if _CODE_HEADER.match(h) and "_" in h or h in EXTRA_HEADERS:
            key = EXTRA_HEADERS.get(h)
            if key is None:
                continue  # an internal column no label names: not for readers
            shown = shown.rename(columns={head: t(key, lang)})
            h = t(key, lang)
        keep.append(h)
    return shown[keep], formats


def _strip_unit(head: str) -> str:
    """``预期信用损失（元）`` -> ``预期信用损失``: the unit is stated anew."""
    return re.sub(r"\s*[（(](元|CNY|万元|亿元)[）)]\s*$", "", head)
