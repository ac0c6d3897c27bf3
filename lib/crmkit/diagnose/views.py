"""Diagnose tables for reading: codes translated, zh/en pairs merged, headers in the language."""

from __future__ import annotations

import pandas as pd

from crmkit.core.contract import CODES, code_label
from crmkit.core.i18n import check_lang, t
from crmkit.diagnose.labels import band_label, col_header, fmt_value
from crmkit.diagnose.metrics import KPI_UNITS
from crmkit.params.diagnose import DiagnoseParams

__all__ = ["display", "kpi_table"]


def _code_labeller(col: str, lang: str):
    """code -> label function for a code column, or None when ``col`` holds no codes."""
    kind = {"value_band": "value", "satisfaction_band": "satisfaction", "risk_band": "risk",
            "churn_band": "churn"}.get(col)
    if kind:
        return lambda v: band_label(kind, v, lang)
    prefix = {"nps_class": "diag.nps.", "worst_severity": "diag.severity.", "tier": "tier.",
              "segment": "segment.", "risk": "risk.", "risk_status": "diag.status.",
              "strategy_kind": "diag.kind.", "ifrs9_stage": "diag.stage.",
              "covenant_breach": "diag.bool.", "potential": "diag.potential."}.get(col)
    if prefix:
        return lambda v: t(f"{prefix}{v}", lang)
    if col in CODES:
        return lambda v: code_label(col, v, lang)
    return None


def display(df: pd.DataFrame, lang: str = "zh", *, codes: bool = True,
            labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """A copy of a diagnose table for reading: named index as first column, ``x_zh`` / ``x_en``
    pairs merged into ``x`` in ``lang``, codes translated (``codes=True``), headers renamed.

    ``labels`` overrides code labels per column, e.g. ``{"segment":
    crmkit.tier.tiers.segment_labels(params.tiering, lang)}`` for a bank's own segment names.
    """
    check_lang(lang)
    out = df.reset_index() if df.index.name is not None else df.copy()
    for col in list(out.columns):
        if isinstance(col, str) and col.endswith("_zh") and f"{col[:-3]}_en" in out.columns:
            base = col[:-3]
            out[base] = out[f"{base}_{lang}"]
            out = out.drop(columns=[col, f"{base}_en"])
    if codes:
        for col in out.columns:
            fn = _code_labeller(col, lang) if isinstance(col, str) else None
            own = (labels or {}).get(col)
            if fn is None and own is None:
                continue
            s = out[col].astype("object")
            uniq = pd.unique(s.dropna())
            mapping = {v: (own or {}).get(v) or (fn(v) if fn else v) for v in uniq}
            out[col] = s.map(mapping)
    return out.rename(columns=lambda c: col_header(c, lang) if isinstance(c, str) else c)


def kpi_table(kpis: pd.Series, lang: str = "zh",
              params: DiagnoseParams | None = None) -> pd.DataFrame:
    """The headline figures of :func:`portfolio_kpis` as a two-column table of text."""
    check_lang(lang)
    share = f"{(params or DiagnoseParams()).metrics.top_share:.0%}"
    rows = [(t(f"diag.kpi.{k}", lang).format(share=share),
             fmt_value(float(v), KPI_UNITS.get(k, "number"), lang)) for k, v in kpis.items()]
    return pd.DataFrame(rows, columns=[col_header("kpi", lang), col_header("value", lang)])
