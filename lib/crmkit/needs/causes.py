"""The four causes of a financing need, each a rule on the tables known at as_of.

Every rule returns candidate needs — ``client_id``, ``need_type``, ``cause``, ``amount``,
``window_start``, ``window_end``, ``p_ask`` — where ``[window_start, window_end]`` is when the
request is expected and ``p_ask`` the share of such events the book's own history (the
``calibration_years`` before as_of) saw followed by a request in the window. Amounts are the
event's base (facility amount, project investment, revenue increase) times the median ratio
of requested amount to base seen in that history. See ``docs/needs.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.needs.history import first_hits, published_year, smoothed_rate
from crmkit.params.needs import NeedsParams

__all__ = ["CANDIDATE_COLUMNS", "refinancing", "project_capex", "seasonal_working_capital",
           "growth", "requests_of"]

CANDIDATE_COLUMNS = ["client_id", "need_type", "cause", "amount", "window_start",
                     "window_end", "p_ask", "source_id"]
_DAY = pd.Timedelta(days=1)


def requests_of(tables: dict[str, pd.DataFrame], need_type: str) -> pd.DataFrame:
    """The needs of one type: ``client_id``, ``request_date``, ``requested_amount``."""
    n = tables.get("needs")
    if n is None or n.empty:
        return pd.DataFrame({"client_id": pd.Series(dtype="string"),
                             "request_date": pd.Series(dtype="datetime64[ns]"),
                             "requested_amount": pd.Series(dtype=float)})
    n = n[n["need_type"].astype("string") == need_type]
    return pd.DataFrame({"client_id": n["client_id"].astype("string"),
                         "request_date": pd.to_datetime(n["request_date"]),
                         "requested_amount": pd.to_numeric(n["requested_amount"],
                                                           errors="coerce")})


def _calibrate(past: pd.DataFrame, requests: pd.DataFrame, fallback_ratio: float
               ) -> tuple[float, float]:
    """(ask rate, median requested / base) over past events whose window has closed."""
    if past.empty:
        return smoothed_rate(0, 0), fallback_ratio
    hits = first_hits(past, requests)
    hit = hits["hit_date"].notna()
    ratio = (hits.loc[hit, "hit_amount"] / hits.loc[hit, "base"]).replace(
        [np.inf, -np.inf], np.nan).dropna()
    return (smoothed_rate(int(hit.sum()), len(hits)),
            float(ratio.median()) if len(ratio) else fallback_ratio)


def _open(current: pd.DataFrame, requests: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Current events with no request yet between their window start and as_of."""
    if current.empty:
        return current
    seen = first_hits(current.assign(window_end=current["window_end"].clip(upper=as_of)),
                      requests)
    return current.loc[seen["hit_date"].isna().to_numpy()]


def _frame(ev: pd.DataFrame, need_type: str, cause: str, p: float, ratio: float
           ) -> pd.DataFrame:
    return pd.DataFrame({"client_id": ev["client_id"].astype("string"),
                         "need_type": need_type, "cause": cause,
                         "amount": (ev["base"] * ratio).round(-4),
                         "window_start": ev["window_start"], "window_end": ev["window_end"],
                         "p_ask": p, "source_id": ev["eid"].astype("string")},
                        columns=CANDIDATE_COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        CANDIDATE_COLUMNS, ["string", "string", "string", float, "datetime64[ns]",
                            "datetime64[ns]", float, "string"], strict=True)})


def _split(ev: pd.DataFrame, as_of: pd.Timestamp, p: NeedsParams
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(past events of the calibration years, current events worth listing)."""
    cal = as_of - pd.Timedelta(days=365 * p.calibration_years)
    past = ev[(ev["window_end"] <= as_of) & (ev["window_end"] > cal)]
    horizon = pd.Timedelta(days=p.horizon_days)
    current = ev[(ev["window_end"] >= as_of - horizon)
                 & (ev["window_start"] <= as_of + pd.Timedelta(days=p.lookahead_days))]
    return past, current


def _in_arrears(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> set[str]:
    """Facilities with an instalment 90+ days past due and unpaid at as_of."""
    r = tables.get("repayments")
    if r is None or r.empty:
        return set()
    late = (pd.to_datetime(r["due_date"]) <= as_of - pd.Timedelta(days=90)) & (
        pd.to_datetime(r["paid_date"]).isna())
    return set(r.loc[late.to_numpy(), "facility_id"].astype(str))


def refinancing(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, p: NeedsParams
                ) -> pd.DataFrame:
    """A facility maturing: refinancing asked ``refinancing_lead_max_days`` ..
    ``refinancing_lead_min_days`` days before maturity."""
    f = tables.get("facilities")
    if f is None or f.empty:
        return _empty()
    mat = pd.to_datetime(f["maturity_date"])
    ev = pd.DataFrame({"eid": f["facility_id"].astype("string"),
                       "client_id": f["client_id"].astype("string"),
                       "base": pd.to_numeric(f["amount"], errors="coerce"),
                       "window_start": mat - p.refinancing_lead_max_days * _DAY,
                       "window_end": mat - p.refinancing_lead_min_days * _DAY}
                      ).dropna(subset=["window_end"])
    req = requests_of(tables, "refinancing")
    past, current = _split(ev, as_of, p)
    rate, ratio = _calibrate(past, req, 1.0)
    current = current[~current["eid"].isin(_in_arrears(tables, as_of))]
    return _frame(_open(current, req, as_of), "refinancing", "refinancing", rate, ratio)


def project_capex(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, p: NeedsParams
                  ) -> pd.DataFrame:
    """A project phase about to start without a facility: capex asked before the start."""
    pr = tables.get("projects")
    if pr is None or pr.empty:
        return _empty()
    start = pd.to_datetime(pr["planned_start"])
    ev = pd.DataFrame({"eid": pr["project_id"].astype("string"),
                       "client_id": pr["client_id"].astype("string"),
                       "base": pd.to_numeric(pr["investment"], errors="coerce"),
                       "window_start": start - p.capex_lead_days * _DAY,
                       "window_end": start}).dropna(subset=["window_end"])
    req = requests_of(tables, "new_loan")
    past, current = _split(ev, as_of, p)
    rate, ratio = _calibrate(past, req, 0.6)
    f = tables.get("facilities")
    financed = set() if f is None or "project_id" not in f.columns else set(
        f["project_id"].dropna().astype(str))
    current = current[~current["eid"].isin(financed)]
    return _frame(_open(current, req, as_of), "new_loan", "project_capex", rate, ratio)


def _quarter_bounds(year: np.ndarray, q: np.ndarray) -> tuple[pd.Series, pd.Series]:
    months = (year - 1970) * 12 + 3 * q
    start = np.datetime64("1970-01", "M") + months
    return (pd.Series(start.astype("datetime64[ns]")),
            pd.Series((start + 3).astype("datetime64[ns]")) - _DAY)


def seasonal_working_capital(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                             p: NeedsParams) -> pd.DataFrame:
    """Working capital asked in the same quarter in ``seasonal_min_years`` of the last
    ``seasonal_lookback_years`` completed occurrences of that quarter: the next occurrence."""
    req = requests_of(tables, "working_capital")
    if req.empty:
        return _empty()
    d = req["request_date"]
    req = req.assign(q=(d.dt.month.to_numpy() - 1) // 3, y=d.dt.year.to_numpy())
    _, q_end = _quarter_bounds(np.full(4, as_of.year), np.arange(4))
    last_done = np.where(q_end.to_numpy() <= as_of, as_of.year, as_of.year - 1)  # per quarter
    ld = last_done[req["q"].to_numpy()]
    y = req["y"].to_numpy()
    recent = req[(y <= ld) & (y > ld - p.seasonal_lookback_years)]
    g = recent.groupby(["client_id", "q"], observed=True)
    stats = pd.DataFrame({"years": g["y"].nunique(), "amount": g["requested_amount"].median()})
    stats = stats[stats["years"] >= p.seasonal_min_years].reset_index()
    if stats.empty:
        return _empty()
    q = stats["q"].to_numpy()
    year = last_done[q] + 1
    # already asked in the current occurrence (as_of inside it): the one after
    done = req[["client_id", "q", "y"]].drop_duplicates().assign(_asked=True)
    asked = stats[["client_id", "q"]].assign(y=year).merge(
        done, on=["client_id", "q", "y"], how="left")["_asked"].fillna(False).to_numpy(bool)
    year = np.where(asked, year + 1, year)
    ws, we = _quarter_bounds(year, q)
    rate = (stats["years"] + 1.0) / (p.seasonal_lookback_years + 2.0)
    ev = pd.DataFrame({"eid": stats["client_id"].astype(str) + "-Q" + (q + 1).astype(str),
                       "client_id": stats["client_id"], "base": stats["amount"],
                       "window_start": ws.to_numpy(), "window_end": we.to_numpy()})
    ev = ev[ev["window_start"] <= as_of + pd.Timedelta(days=p.lookahead_days)]
    out = _frame(ev, "working_capital", "seasonal_working_capital", 0.0, 1.0)
    out["p_ask"] = rate.loc[ev.index].to_numpy()
    return out


def growth(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, p: NeedsParams
           ) -> pd.DataFrame:
    """Revenue up ``growth_min`` or more: a new loan within ``growth_window_days`` of the
    statements being known, for a share of the revenue increase (at most ``growth_cap`` of
    last year's revenue)."""
    fin = tables.get("financials")
    if fin is None or fin.empty:
        return _empty()
    f = pd.DataFrame({"client_id": fin["client_id"].astype("string"),
                      "y": pd.to_numeric(fin["fiscal_year"], errors="coerce"),
                      "rev": pd.to_numeric(fin["revenue"], errors="coerce")}).dropna()
    f = f.sort_values(["client_id", "y"]).drop_duplicates(["client_id", "y"], keep="last")
    prev = f.assign(y=f["y"] + 1).rename(columns={"rev": "prev"})
    f = f.merge(prev, on=["client_id", "y"])
    f = f[(f["prev"] > 0) & (f["rev"] / f["prev"] - 1 >= p.growth_min)]
    pub = pd.to_datetime(f["y"].astype(int).astype(str) + "-12-31") + \
        p.statement_lag_days * _DAY
    ev = pd.DataFrame({"eid": f["client_id"] + "-FY" + f["y"].astype(int).astype(str),
                       "client_id": f["client_id"],
                       "base": np.minimum(f["rev"] - f["prev"], p.growth_cap * f["prev"]),
                       "window_start": pub, "window_end": pub + p.growth_window_days * _DAY,
                       "y": f["y"]})
    req = requests_of(tables, "new_loan")
    past, current = _split(ev, as_of, p)
    rate, ratio = _calibrate(past, req, 0.45)
    current = current[current["y"] == published_year(as_of, p.statement_lag_days)]
    return _frame(_open(current, req, as_of), "new_loan", "growth", rate, ratio)
