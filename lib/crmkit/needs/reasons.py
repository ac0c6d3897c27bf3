"""The high-potential reasons in words: the two or three largest weighted components of each
client's score, built column by column (no loop over clients, so a million rows stay fast)."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from crmkit.core.contract import code_label
from crmkit.core.i18n import t
from crmkit.core.units import amount_texts
from crmkit.needs.labels import cause_label
from crmkit.params.needs import NEED_CAUSES, POTENTIAL_COMPONENTS

__all__ = ["reasons", "join_columns", "amount_words"]


def _obj(values: object, n: int) -> np.ndarray:
    if isinstance(values, str):
        return np.full(n, values, dtype=object)
    return np.asarray(values, dtype=object)


def _fill(template: str, n: int, **fields: object) -> np.ndarray:
    """``template.format(**fields)`` for ``n`` rows at once (fields: strings or arrays)."""
    out = np.full(n, "", dtype=object)
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            out = out + literal
        if field:
            out = out + _obj(fields[field], n)
    return out


def join_columns(columns: list[np.ndarray], sep: str, n: int | None = None) -> np.ndarray:
    """Row-wise join of ``n`` rows of string columns with ``sep``, skipping empty strings."""
    n = (len(columns[0]) if columns else 0) if n is None else n
    out = np.full(n, "", dtype=object)
    for col in columns:
        col = _obj(col, n)
        out = np.where(col == "", out, np.where(out == "", col, out + sep + col))
    return out


def amount_words(yuan: np.ndarray, lang: str) -> np.ndarray:
    """Money for a sentence, row-wise: 亿元 from 100 million, else 万元 (CNY bn / CNY m)."""
    return amount_texts(yuan, lang)


def reasons(comp: pd.DataFrame, weights: dict[str, float], growth: np.ndarray,
            cause: np.ndarray, forecast_amount: np.ndarray, unmet: np.ndarray,
            missing: pd.DataFrame, status: np.ndarray, lang: str) -> np.ndarray:
    """One sentence per client: a gate flag first when its status is not normal, then the
    largest (at most three) weighted components with their figures.

    ``cause`` holds each client's main forecast cause (None without a forecast need, then the
    unmet requests are named); ``missing`` is the client x product table of usual products
    the client lacks.
    """
    n = len(comp)
    contrib = comp[list(POTENTIAL_COMPONENTS)].to_numpy() * np.array(
        [weights[k] for k in POTENTIAL_COMPONENTS])
    cause = np.asarray(cause, dtype=object)
    has_cause = np.array([isinstance(c, str) for c in cause], dtype=bool) if n else \
        np.zeros(0, bool)
    cause_words = np.full(n, "", dtype=object)
    for c in NEED_CAUSES:
        cause_words[cause == c] = cause_label(c, lang)
    need_text = np.where(
        has_cause,
        _fill(t("needs.reason.needs", lang), n, cause=cause_words,
              amount=amount_words(forecast_amount, lang)),
        _fill(t("needs.reason.unmet", lang), n, amount=amount_words(unmet, lang)))
    products = join_columns([np.where(missing[c].to_numpy(dtype=bool),
                                      code_label("product", str(c), lang), "")
                             for c in missing.columns], t("needs.reason.list_sep", lang), n)
    texts = np.stack([
        _fill(t("needs.reason.growth", lang), n,
              value=pd.Series(growth).map("{:,.0%}".format).to_numpy(dtype=object)),
        need_text,
        _fill(t("needs.reason.product_gap", lang), n, products=products),
        _fill(t("needs.reason.headroom", lang), n)], axis=1) if n else np.zeros((0, 4), object)
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :3]
    picked = np.take_along_axis(texts, order, axis=1)
    picked = np.where(np.take_along_axis(contrib, order, axis=1) > 0, picked, "")
    status = np.asarray(status, dtype=object)
    words = np.full(n, "", dtype=object)
    for st in ("default", "watch", "elevated"):
        words[status == st] = t(f"needs.status.{st}", lang)
    gated = np.where(status != "normal", _fill(t("needs.reason.gated", lang), n, status=words),
                     "")
    return join_columns([gated, *picked.T], t("needs.reason.sep", lang))
