"""The financing-need forecast: each client's expected needs, and its chance of one soon.

A candidate need (:mod:`crmkit.needs.causes`) is expected in a window ``[ws, we]`` of ``L``
days with ask rate ``p``. Timing inside the window is taken as uniform, so at ``as_of``, with
``e`` days of the window elapsed and no request yet:

* ``probability`` (in the window at all) ``= p (L - e) / L / (1 - p e / L)``;
* ``p_horizon`` (in ``(as_of, as_of + horizon_days]``) ``= p o / L / (1 - p e / L)``, where
  ``o`` is the overlap of the horizon with the rest of the window.

A client needs financing within the horizon with ``P = 1 - prod(1 - p_horizon)`` over its
candidates; it is *forecast* to when ``P >= decision_probability``, for the expected amount
``sum(p_horizon * amount) / P``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.needs.causes import (
    CANDIDATE_COLUMNS,
    growth,
    project_capex,
    refinancing,
    seasonal_working_capital,
)
from crmkit.needs.history import as_ts, check_columns, known_at
from crmkit.params.needs import NeedsParams

__all__ = ["FORECAST_COLUMNS", "forecast_needs", "client_outlook", "needs_params"]

#: The columns of :func:`forecast_needs` (the relate stage and the report read these).
FORECAST_COLUMNS = ["client_id", "need_type", "amount", "window_start", "window_end",
                    "days_until", "cause", "probability", "p_horizon", "source_id"]
_RULES = (refinancing, project_capex, seasonal_working_capital, growth)


def needs_params(params: object | None) -> NeedsParams:
    """The ``needs`` section of a :class:`crmkit.params.Params`, a :class:`NeedsParams` itself,
    or the defaults for ``None``."""
    if params is None:
        return NeedsParams()
    if isinstance(params, NeedsParams):
        return params
    return params.needs  # type: ignore[attr-defined]


def _window_probabilities(ws: pd.Series, we: pd.Series, p_ask: pd.Series, as_of: pd.Timestamp,
                          horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    day = np.timedelta64(1, "D")
    ws_, we_ = ws.to_numpy("datetime64[ns]"), we.to_numpy("datetime64[ns]")
    a = np.datetime64(as_of.to_datetime64(), "ns")
    length = np.maximum((we_ - ws_) / day + 1.0, 1.0)
    elapsed = np.clip((a - ws_) / day, 0.0, length)
    rest_start = np.maximum(ws_, a)
    end_h = a + np.timedelta64(horizon_days, "D")
    overlap = np.clip((np.minimum(we_, end_h) - rest_start) / day, 0.0, None)
    overlap = np.minimum(overlap, length - elapsed)
    p = p_ask.to_numpy(dtype=float)
    still = np.maximum(1.0 - p * elapsed / length, 1e-9)
    return (p * (length - elapsed) / length / still, p * overlap / length / still)


def forecast_needs(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
                   params: object | None = None) -> pd.DataFrame:
    """Each client's expected financing needs at ``as_of``, from the tables known then.

    Parameters
    ----------
    tables : the collected tables (``facilities``, ``projects``, ``needs``, ``financials`` ...);
        rows dated after ``as_of`` are ignored (:func:`crmkit.needs.history.known_at`).
    as_of : the forecast date.
    params : the run's :class:`crmkit.params.Params` (its ``needs`` section is used), a
        :class:`crmkit.params.needs.NeedsParams`, or None for the defaults.

    Returns
    -------
    pandas.DataFrame
        One row per expected need: ``client_id``, ``need_type`` (contract code), ``amount``
        (yuan), ``window_start`` / ``window_end`` (when the request is expected),
        ``days_until`` (days from as_of to the window end; negative: the window has passed
        without a request, overdue), ``cause`` (refinancing / project_capex /
        seasonal_working_capital / growth), ``probability`` (of a request in the window,
        0..1), ``p_horizon`` (of one within ``horizon_days``) and ``source_id`` (the
        facility, project, quarter or fiscal year behind it). Sorted by client and window.
    """
    p = needs_params(params)
    ts = as_ts(as_of)
    check_columns(tables)
    known = known_at(tables, ts, p.statement_lag_days)
    parts = [rule(known, ts, p) for rule in _RULES]
    cand = pd.concat([x for x in parts if len(x)], ignore_index=True) if any(
        len(x) for x in parts) else parts[0]
    cand = cand.reindex(columns=CANDIDATE_COLUMNS)
    in_window, in_horizon = _window_probabilities(
        cand["window_start"], cand["window_end"], cand["p_ask"], ts, p.horizon_days)
    days = ((cand["window_end"] - ts) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    out = pd.DataFrame({
        "client_id": cand["client_id"].astype("string"),
        "need_type": cand["need_type"].astype("string"),
        "amount": cand["amount"].astype(float),
        "window_start": pd.to_datetime(cand["window_start"]),
        "window_end": pd.to_datetime(cand["window_end"]),
        "days_until": np.floor(days).astype(np.int64) if len(days) else
        np.zeros(0, np.int64),
        "cause": cand["cause"].astype("string"),
        "probability": np.clip(in_window, 0.0, 1.0),
        "p_horizon": np.clip(in_horizon, 0.0, 1.0),
        "source_id": cand["source_id"].astype("string"),
    }, columns=FORECAST_COLUMNS)
    return out.sort_values(["client_id", "window_end", "cause"], kind="stable"
                           ).reset_index(drop=True)


def client_outlook(forecast: pd.DataFrame, params: object | None = None) -> pd.DataFrame:
    """Per client with a forecast need: ``p_need`` (of a need within the horizon),
    ``expected_amount`` (given one), ``forecast`` (``p_need >= decision_probability``) and
    ``main_cause`` (the cause with the largest ``p_horizon``). Index ``client_id``."""
    p = needs_params(params)
    if forecast.empty:
        return pd.DataFrame(columns=["p_need", "expected_amount", "forecast", "main_cause"],
                            index=pd.Index([], name="client_id", dtype="string"))
    f = forecast.assign(_log=np.log1p(-forecast["p_horizon"].clip(upper=1 - 1e-12)),
                        _pa=forecast["p_horizon"] * forecast["amount"].fillna(0.0))
    g = f.groupby("client_id", sort=True)
    p_need = 1.0 - np.exp(g["_log"].sum())
    expected = g["_pa"].sum() / p_need.where(p_need > 0)
    main = f.sort_values("p_horizon", ascending=False, kind="stable").drop_duplicates(
        "client_id").set_index("client_id")["cause"]
    out = pd.DataFrame({"p_need": p_need, "expected_amount": expected})
    out["forecast"] = out["p_need"] >= p.decision_probability
    out["main_cause"] = main.reindex(out.index)
    out.index.name = "client_id"
    return out
