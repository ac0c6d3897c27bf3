"""Display helpers for notebooks: translated headers, rounded numbers, escaped text.

Tables are returned as plain DataFrames (not Stylers): pandas escapes every cell in its HTML,
so a client name such as ``<script>`` shows as text in Jupyter and in the exported report.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from crmkit.core.i18n import LABELS, header
from crmkit.diagnose.labels import fmt_money

__all__ = ["view"]

#: Money columns (yuan) shown in 万元 / 亿元 rather than as raw numbers.
_MONEY = {"exposure", "income", "committed", "clv", "clv_at_risk", "ecl", "ead", "amount",
          "outstanding", "interest_income", "fee_income", "total_assets", "revenue", "ebitda",
          "exposure_sum", "clv_sum"}


def _register_missing() -> None:
    """Headers for the stage outputs' columns, where no module defined one."""
    import crmkit.score.credit.fit  # noqa: F401 - registers its own labels first
    from crmkit.score.difference import DIMENSION_LABELS, INDICATOR_LABELS

    extra: dict[str, tuple[str, str]] = {
        "reasons": ("主要扣分原因", "Main reasons"), "profile_name": ("客户画像", "Profile"),
        "profile": ("画像编号", "Profile no."), "points": ("评分卡分数", "Scorecard points"),
        "grade": ("信用等级", "Rating grade"), "slotting": ("监管分类", "Slotting category"),
        "missing": ("缺失指标数", "Missing indicators"),
    }
    extra.update({k: v for k, v in {**INDICATOR_LABELS, **DIMENSION_LABELS}.items()})
    for key, pair in extra.items():
        LABELS.setdefault(f"col.{key}", tuple(pair))


_register_missing()


def view(df: pd.DataFrame, lang: str = "zh", columns: Iterable[str] | None = None,
         digits: int = 2, index: bool = True, n: int | None = None) -> pd.DataFrame:
    """A copy of ``df`` for display: chosen ``columns``, numbers rounded, headers in ``lang``.

    The index name is translated too (``client_id`` -> 客户编号); ``n`` keeps the first rows.
    """
    out = df if columns is None else df[[c for c in columns if c in df.columns]]
    if n is not None:
        out = out.head(n)
    out = out.copy()
    money = [c for c in out.columns if c in _MONEY and pd.api.types.is_numeric_dtype(out[c])]
    for c in money:  # 1.218292e+11 -> 1,218.3 亿元
        out[c] = [fmt_money(float(v), lang) if pd.notna(v) else "—" for v in out[c]]
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(digits)
    text = [c for c in out.columns if out[c].dtype == object or str(out[c].dtype) == "string"]
    for c in text:  # blanks read as a dash, never <NA>
        out[c] = out[c].astype(object).where(out[c].notna(), "—")
    out.columns = [header(str(c), lang) for c in out.columns]
    if index and out.index.name:
        out.index.name = header(str(out.index.name), lang)
    return out if index else out.reset_index(drop=True)
