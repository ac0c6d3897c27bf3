"""Reader-facing views of the needs tables: headers in words with their unit, money in 万元,
probabilities in %, codes in words (the notebook, a report section or a workbook sheet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.core.i18n import check_lang, t
from crmkit.needs.evaluate import Backtest
from crmkit.needs.labels import cause_label, module_label

__all__ = ["forecast_view", "backtest_view", "potential_view"]

_WAN = 1e4
_RATES = ("precision", "recall", "f1")


def _headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return df.rename(columns={c: t(f"needs.col.{c}", lang) for c in df.columns})


def _names(ids: pd.Series, clients: pd.DataFrame | None) -> pd.Series:
    if clients is None or "client_name" not in clients.columns:
        return ids.astype(str)
    names = clients.set_index(clients["client_id"].astype("string"))["client_name"]
    return ids.astype("string").map(names).fillna(ids.astype("string")).astype(str)


def forecast_view(forecast: pd.DataFrame, lang: str = "zh",
                  clients: pd.DataFrame | None = None, n: int | None = 20) -> pd.DataFrame:
    """The ``n`` most likely needs within the horizon (then the soonest): client, need module,
    cause, amount in 万元, expected window, days until the need, probabilities in %."""
    check_lang(lang)
    f = forecast.sort_values(["p_horizon", "days_until"], ascending=[False, True],
                             kind="stable")
    f = f.head(n) if n is not None else f
    window = (f["window_start"].dt.strftime("%Y-%m-%d") + " – "
              + f["window_end"].dt.strftime("%Y-%m-%d"))
    out = pd.DataFrame({
        "client_name": _names(f["client_id"], clients).to_numpy(),
        "need_type": [module_label(x, lang) for x in f["need_type"]],
        "cause": [cause_label(x, lang) for x in f["cause"]],
        "amount_wan": (f["amount"] / _WAN).round(0).astype("Int64").to_numpy(),
        "window": window.to_numpy(),
        "days_until": f["days_until"].astype(int).to_numpy(),
        "probability_pct": (f["probability"] * 100).round(1).to_numpy(),
        "p_horizon_pct": (f["p_horizon"] * 100).round(1).to_numpy()})
    return _headers(out, lang)


def backtest_view(bt: Backtest | pd.DataFrame | None, lang: str = "zh") -> pd.DataFrame:
    """Model and baseline side by side: precision, recall, F1 (in %), amount MAE (万元), hits,
    false alarms and misses. ``bt`` is a :class:`Backtest` or the stage's saved ``backtest``
    table (``figure``, ``model``, ``baseline``); None (a book without needs) gives an empty
    frame."""
    check_lang(lang)
    if bt is None:
        return pd.DataFrame()
    if isinstance(bt, pd.DataFrame):
        saved = bt.set_index("figure") if "figure" in bt.columns else bt
        figures = {who: saved[who].astype(float).to_dict() for who in ("model", "baseline")}
    else:
        figures = {"model": bt.model.as_dict(), "baseline": bt.baseline.as_dict()}
    rows = {}
    for who, d in figures.items():
        rows[t(f"needs.metric.{who}", lang)] = [
            *(round(100 * d[k], 1) for k in _RATES),
            None if np.isnan(d["mae"]) else f"{d['mae'] / _WAN:,.0f}",
            *(f"{int(d[k]):,}" for k in ("tp", "fp", "fn"))]
    index = [t(f"needs.metric.{k}", lang) + (" (%)" if k in _RATES else "")
             for k in (*_RATES, "mae", "tp", "fp", "fn")]
    out = pd.DataFrame(rows, index=index, dtype=object)
    out.index.name = t("needs.col.figure", lang)
    return out.fillna("—")


def potential_view(potential: pd.DataFrame, lang: str = "zh",
                   clients: pd.DataFrame | None = None, n: int | None = 20,
                   which: str = "recommended") -> pd.DataFrame:
    """The high-potential list for reading: rank, client, score, risk status in words,
    recommended yes / no, reasons. ``which``: ``recommended`` (the ``n`` best clients passing
    the gates: the stage's list when ``n`` is its ``top_n``), ``gated`` (high scores the gates
    hold back) or ``all``."""
    check_lang(lang)
    passing = potential["risk_status"].astype(str) == "normal"
    keep = {"recommended": passing,
            "gated": potential["risk_status"].astype(str) != "normal",
            "all": pd.Series(True, index=potential.index)}
    if which not in keep:
        raise ValueError(f"which must be one of {list(keep)}; got {which!r}")
    h = potential[keep[which].to_numpy()]
    h = h.head(n) if n is not None else h
    out = pd.DataFrame({
        "rank": h["rank"].astype(int).to_numpy(),
        "client_name": _names(h["client_id"], clients).to_numpy(),
        "score": h["score"].round(1).to_numpy(),
        "risk_status": [t(f"needs.status.{x}", lang) for x in h["risk_status"]],
        "recommended": [t("needs.yes" if x or which == "recommended" else "needs.no", lang)
                        for x in h["recommended"]],
        "reasons": h["reasons"].astype(str).to_numpy()})
    return _headers(out, lang)
