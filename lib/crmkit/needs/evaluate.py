"""An honest backtest of the need forecast, beside a no-skill baseline.

From an earlier ``as_of``, the forecast sees only the tables known then
(:func:`crmkit.needs.history.known_at`); the truth is the financing needs (``need_types``)
actually requested in ``(as_of, as_of + horizon_days]``. Per client, "a need within the
horizon" is scored by precision, recall and F1; the amount by the mean absolute error over
the true positives (forecast amount against the sum requested in the window).

The **baseline** is last year's same window: a client is predicted to need financing iff it
asked in ``(as_of - 1 year, as_of - 1 year + horizon_days]``, for the amount it asked then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from crmkit.needs.forecast import client_outlook, forecast_needs, needs_params
from crmkit.needs.history import as_ts

__all__ = ["Scores", "Backtest", "backtest", "classification_scores", "actual_needs",
           "baseline_prediction"]


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 of "a need within the horizon" and the MAE of the amount."""

    precision: float
    recall: float
    f1: float
    mae: float          #: yuan, over true positives (NaN without any)
    tp: int
    fp: int
    fn: int

    def as_dict(self) -> dict[str, float]:
        """The figures as a plain dict."""
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "mae": self.mae, "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Backtest:
    """The backtest's result: the model's and the baseline's scores and the per-client table."""

    as_of: pd.Timestamp
    horizon_days: int
    model: Scores
    baseline: Scores
    n_clients: int
    clients: pd.DataFrame = field(repr=False)   #: per client: actual, predicted, amounts

    def table(self) -> pd.DataFrame:
        """Model and baseline side by side, one row per figure."""
        return pd.DataFrame({"model": self.model.as_dict(), "baseline": self.baseline.as_dict()})


def classification_scores(actual: pd.Series, predicted: pd.Series,
                          actual_amount: pd.Series | None = None,
                          predicted_amount: pd.Series | None = None) -> Scores:
    """Scores of boolean ``predicted`` against ``actual`` (same index); MAE on true positives.

    Precision with no positive prediction and recall with no actual positive are 0; F1 is 0
    when both are.
    """
    a = actual.astype(bool).to_numpy()
    p = predicted.reindex(actual.index).fillna(False).astype(bool).to_numpy()
    tp, fp, fn = int((a & p).sum()), int((~a & p).sum()), int((a & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mae = float("nan")
    if tp and actual_amount is not None and predicted_amount is not None:
        err = (predicted_amount.reindex(actual.index) - actual_amount.reindex(actual.index)).abs()
        mae = float(err[a & p].mean())
    return Scores(precision, recall, f1, mae, tp, fp, fn)


def actual_needs(tables: dict[str, pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp,
                 need_types: list[str]) -> pd.Series:
    """Sum requested per client of the needs of ``need_types`` dated in ``(start, end]``."""
    n = tables.get("needs")
    if n is None or n.empty:
        return pd.Series(dtype=float, name="amount")
    d = pd.to_datetime(n["request_date"])
    keep = (d > start) & (d <= end) & n["need_type"].astype("string").isin(need_types)
    sel = n.loc[keep.to_numpy()]
    amount = pd.to_numeric(sel["requested_amount"], errors="coerce").fillna(0.0)
    return amount.groupby(sel["client_id"].astype("string").to_numpy()).sum().rename("amount")


def baseline_prediction(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                        horizon_days: int, need_types: list[str]) -> pd.Series:
    """Last year's same window: the amount each client asked then (only clients who did)."""
    start = as_of - pd.DateOffset(years=1)
    return actual_needs(tables, start, start + pd.Timedelta(days=horizon_days), need_types)


def backtest(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
             horizon_days: int | None = None, params: object | None = None) -> Backtest:
    """Forecast from ``as_of`` and score it against the needs that arrived afterwards.

    Parameters
    ----------
    tables : the full collected tables (the forecast itself only sees what was known at as_of).
    as_of : the earlier date to forecast from; the tables must reach ``horizon_days`` beyond.
    horizon_days : the window; default ``needs.horizon_days`` (90).
    params : the run's parameters, a ``NeedsParams`` or None (defaults).

    Returns
    -------
    Backtest
        ``model`` and ``baseline`` :class:`Scores`, and per client ``actual``,
        ``actual_amount``, ``p_need``, ``predicted``, ``predicted_amount``,
        ``baseline``, ``baseline_amount``.
    """
    p = needs_params(params)
    if horizon_days is not None:
        p = p.model_copy(update={"horizon_days": int(horizon_days)})
    ts = as_ts(as_of)
    end = ts + pd.Timedelta(days=p.horizon_days)
    clients = tables["clients"]
    onb = pd.to_datetime(clients["onboarding_date"]) if "onboarding_date" in clients else None
    known = clients if onb is None else clients.loc[(onb.isna() | (onb <= ts)).to_numpy()]
    idx = pd.Index(known["client_id"].astype("string").unique(), name="client_id")
    truth = actual_needs(tables, ts, end, p.need_types).reindex(idx)
    outlook = client_outlook(forecast_needs(tables, ts, p), p).reindex(idx)
    base = baseline_prediction(tables, ts, p.horizon_days, p.need_types).reindex(idx)
    per = pd.DataFrame({
        "actual": truth.notna(), "actual_amount": truth,
        "p_need": outlook["p_need"].fillna(0.0),
        "predicted": outlook["forecast"].astype("boolean").fillna(False).astype(bool),
        "predicted_amount": outlook["expected_amount"],
        "baseline": base.notna(), "baseline_amount": base,
    }, index=idx)
    model = classification_scores(per["actual"], per["predicted"], per["actual_amount"],
                                  per["predicted_amount"])
    baseline = classification_scores(per["actual"], per["baseline"], per["actual_amount"],
                                     per["baseline_amount"])
    return Backtest(ts, p.horizon_days, model, baseline, len(idx), per)

