"""Masking personal data in the collect stage's quality files when ``mask_pii: true``."""

from __future__ import annotations

import json

import pandas as pd

from crmkit.core.masking import PII_MASKS

__all__ = ["mask_issue_file"]


def _mask_raw(text: object) -> object:
    if not isinstance(text, str) or not text.startswith("{"):
        return text
    try:
        cells = json.loads(text)
    except ValueError:
        return text
    for col, fn in PII_MASKS.items():
        if isinstance(cells.get(col), str):
            cells[col] = fn(cells[col])
    return json.dumps(cells, ensure_ascii=False)


def mask_issue_file(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a quarantine or issues table with personal data masked.

    The failing value of a PII column (``legal_rep``, ``credit_code`` ...) is masked in the
    ``value`` column and in the message quoting it; PII cells of the ``raw`` row are masked.
    """
    out = df.copy()
    if "column" in out and "value" in out:
        for col, fn in PII_MASKS.items():
            rows = out.index[out["column"] == col]
            for i in rows:
                value = out.at[i, "value"]
                if not isinstance(value, str) or not value:
                    continue
                masked = fn(value)
                out.at[i, "value"] = masked
                for text_col in ("detail", "message"):
                    if text_col in out and isinstance(out.at[i, text_col], str):
                        out.at[i, text_col] = out.at[i, text_col].replace(value, masked)
    if "raw" in out:
        out["raw"] = out["raw"].map(_mask_raw)
    return out
