"""Per-client features at an observation date, vectorised (one row per client).

:func:`client_features` turns the clean tables into one row per client of the ``clients`` table,
using only records dated on or before ``as_of`` so the same code gives training features at an
earlier observation date. :func:`default_flag` is the credit-model target over a window.

Conventions (the column list is :data:`crmkit.core.feature_columns.FEATURE_COLUMNS`):

- A ratio whose denominator is zero or missing is NaN, never ``inf``.
- An absent or empty optional table gives NaN features (counts from it are 0). A client with no
  record in a present table gets 0 for counts and sums, NaN for means, ratios and maxima.
- Counts are ``Int64``; flags are ``boolean``; codes and names are ``string``; the rest float64.
- Facility ``status``, ``outstanding`` and need ``fulfilled`` are snapshots taken when the data
  were extracted. Pass ``snapshot_date`` when ``as_of`` is earlier, so a facility's *current*
  "default" status does not leak into features dated before it.
- An instalment paid (``paid_date``) with no ``amount_paid`` counts as paid in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit.core.dates import STATEMENT_LAG_DAYS, as_timestamp, published_year
from crmkit.core.feature_columns import (
    BOOL_FEATURES,
    COUNT_FEATURES,
    FEATURE_COLUMNS,
    FINANCIAL,
    IDENTITY,
    NEEDS,
    PROJECTS,
    REPAYMENT,
    SATISFACTION,
    STRING_FEATURES,
    VALUE,
)
from crmkit.score.aggregate import (
    by_client,
    client_codes,
    client_index,
    days,
    facility_clients,
    lookup,
    nan_array,
    safe_div,
    table_or_none,
)
from crmkit.score.inputs import FEATURE_INPUTS
from crmkit.score.target import default_flag

__all__ = ["client_features", "default_flag", "FEATURE_COLUMNS", "LIVE_STATUSES"]

#: Facility statuses that carry exposure (everything but "closed").
LIVE_STATUSES: tuple[str, ...] = ("active", "restructured", "default")
#: Rounding tolerance (yuan) when comparing amount paid with amount due: half a fen.
_PAID_TOLERANCE = 0.005
_DAY = np.timedelta64(1, "D")
#: Columns of the facilities and the interactions blocks.
_FACILITY = (*VALUE, "n_products", "n_facilities_active")
_CONTACT = ("interactions_12m", "complaints_12m", "unresolved_complaints", "mean_response_hours")


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    """:func:`table_or_none` adding (as NA) only the absent columns the features read."""
    return table_or_none(tables, name, FEATURE_INPUTS[name])


# -- blocks ----------------------------------------------------------------------------------
def _financial(tables, idx, as_of,
               lag_days: int = STATEMENT_LAG_DAYS) -> dict[str, np.ndarray]:
    """The latest annual statement known at ``as_of`` (published: year end + ``lag_days``), and
    the revenue growth against the year before it."""
    n = len(idx)
    fin = _table(tables, "financials")
    out = {c: nan_array(n) for c in FINANCIAL}
    if fin is None:
        return out
    codes = client_codes(idx, fin["client_id"])
    year = pd.to_numeric(fin["fiscal_year"], errors="coerce").to_numpy(dtype=float,
                                                                        na_value=np.nan)
    keep = (codes >= 0) & (year <= published_year(as_of, lag_days))
    cols = ["total_assets", "total_liabilities", "current_assets", "current_liabilities",
            "revenue", "net_income", "ebitda", "operating_cash_flow", "interest_expense",
            "debt_service"]
    f = fin.loc[keep, cols].astype(float).assign(_c=codes[keep], _y=year[keep])
    f = f.sort_values(["_c", "_y"], kind="stable")
    last = f.drop_duplicates("_c", keep="last")
    prev = f[["_c", "_y", "revenue"]].assign(_y=lambda d: d["_y"] + 1)
    last = last.merge(prev.rename(columns={"revenue": "_prev_rev"}), on=["_c", "_y"],
                      how="left")
    pos = last["_c"].to_numpy()
    cash = last["operating_cash_flow"].fillna(last["ebitda"])
    derived = {
        "fiscal_year": last["_y"],
        "total_assets": last["total_assets"],
        "revenue": last["revenue"],
        "ebitda": last["ebitda"],
        "debt_to_assets": safe_div(last["total_liabilities"], last["total_assets"]),
        "current_ratio": safe_div(last["current_assets"], last["current_liabilities"]),
        "interest_cover": safe_div(last["ebitda"], last["interest_expense"]),
        "dscr": safe_div(cash, last["debt_service"]),
        "roa": safe_div(last["net_income"], last["total_assets"]),
        "revenue_growth": safe_div(last["revenue"], last["_prev_rev"]) - 1.0,
    }
    for c, v in derived.items():
        out[c][pos] = np.asarray(v, dtype=float)
    return out


def _instalments(tables, idx, as_of) -> dict[str, np.ndarray] | None:
    """Instalments due on or before ``as_of``: client position (``_c``) and lateness in days
    (arrays, not a frame: at 1M clients a frame would copy 4 x 20M values)."""
    rep, fac = _table(tables, "repayments"), _table(tables, "facilities")
    if rep is None or fac is None:
        return None
    codes = facility_clients(idx, fac, rep["facility_id"])
    t = np.datetime64(as_of.to_datetime64(), "ns")
    due = rep["due_date"].to_numpy(dtype="datetime64[ns]")
    keep = (codes >= 0) & (due <= t)  # NaT compares False, as a missing date is not due
    due, when = due[keep], rep["paid_date"].to_numpy(dtype="datetime64[ns]")[keep]
    due_amt = rep["amount_due"].to_numpy(dtype=float, na_value=np.nan)[keep]
    got = rep["amount_paid"].to_numpy(dtype=float, na_value=np.nan)[keep]
    paid = when <= t
    full = np.where(np.isnan(got), due_amt, got) + _PAID_TOLERANCE >= due_amt
    return {
        "_c": codes[keep],
        "late": np.maximum((np.where(paid, when, t) - due) / _DAY, 0.0),
        "dpd_now": np.where(paid, 0.0, (t - due) / _DAY),
        "on_time": (paid & (when <= due) & full).astype(float),
    }


def _repayment(tables, idx, as_of, snapshot) -> dict[str, np.ndarray]:
    n = len(idx)
    inst = _instalments(tables, idx, as_of)
    if inst is None:
        out = {c: nan_array(n) for c in REPAYMENT}
        out["n_instalments_due"] = np.zeros(n)
        out["late_30_count"] = np.zeros(n)
    else:
        c = inst["_c"]
        out = {
            "n_instalments_due": by_client(c, inst["late"], "size", n, 0),
            "dpd_current": by_client(c, inst["dpd_now"], "max", n, 0),
            "dpd_max": by_client(c, inst["late"], "max", n, 0),
            "on_time_share": by_client(c, inst["on_time"], "mean", n),
            "late_30_count": by_client(c, (inst["late"] > 30).astype(float), "sum", n, 0),
        }
        out["ever_90dpd"] = np.where(np.isnan(out["dpd_max"]), np.nan, out["dpd_max"] >= 90)
    in_default = np.nan_to_num(out["dpd_current"], nan=0.0) >= 90
    fac = _table(tables, "facilities")
    if fac is not None and (snapshot is None or snapshot <= as_of):
        started = ~(fac["start_date"] > as_of).to_numpy(dtype=bool, na_value=False)
        bad = started & fac["status"].eq("default").to_numpy(dtype=bool, na_value=False)
        codes = client_codes(idx, fac.loc[bad, "client_id"])
        in_default[codes[codes >= 0]] = True
    out["in_default"] = in_default
    return out


def _facilities(tables, idx, as_of) -> dict[str, np.ndarray]:
    n = len(idx)
    fac = _table(tables, "facilities")
    if fac is None:
        out = {c: nan_array(n) for c in VALUE}
        out.update(n_products=np.zeros(n), n_facilities_active=np.zeros(n))
        return out
    codes = client_codes(idx, fac["client_id"])
    live = (fac["status"].isin(LIVE_STATUSES).to_numpy(dtype=bool, na_value=False)
            & ~(fac["start_date"] > as_of).to_numpy(dtype=bool, na_value=False) & (codes >= 0))
    f = fac.loc[live, ["amount", "outstanding", "interest_rate", "fees", "product"]]
    c = codes[live]
    amount = f["amount"].astype(float)
    balance = f["outstanding"].astype(float).fillna(amount)
    interest = by_client(c, balance * f["interest_rate"].astype(float), "sum", n, 0)
    fees = by_client(c, f["fees"].astype(float), "sum", n, 0)
    return {
        "exposure": by_client(c, balance, "sum", n, 0),
        "committed": by_client(c, amount, "sum", n, 0),
        "interest_income": interest,
        "fee_income": fees,
        "income": interest + fees,
        "n_products": by_client(c, f["product"].astype("string"), "nunique", n, 0),
        "n_facilities_active": by_client(c, amount, "size", n, 0),
    }


def _interactions(tables, idx, as_of) -> dict[str, np.ndarray]:
    n = len(idx)
    it = _table(tables, "interactions")
    if it is None:
        out = {c: np.zeros(n) for c in ("interactions_12m", "complaints_12m",
                                         "unresolved_complaints")}
        out["mean_response_hours"] = nan_array(n)
        return out
    # masks over the whole table (no copy of its rows), counts of the rows each selects
    codes = client_codes(idx, it["client_id"])
    keep = (codes >= 0) & (it["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    recent = keep & (it["date"] > as_of - pd.DateOffset(months=12)).to_numpy(dtype=bool,
                                                                              na_value=False)
    kind = it["type"].astype("string")
    complaint = kind.eq("complaint").to_numpy(dtype=bool, na_value=False)
    service = kind.isin(["complaint", "service"]).to_numpy(dtype=bool, na_value=False)
    resolved = (it["resolved"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                & ~(it["resolved_date"] > as_of).to_numpy(dtype=bool, na_value=False))
    hours = it["response_hours"].astype(float).to_numpy()

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype(float)

    timed = recent & service
    return {
        "interactions_12m": count(recent),
        "complaints_12m": count(recent & complaint),
        "unresolved_complaints": count(keep & complaint & ~resolved),
        "mean_response_hours": by_client(codes[timed], hours[timed], "mean", n),
    }


def _surveys(tables, idx, as_of) -> dict[str, np.ndarray]:
    n = len(idx)
    out = {c: nan_array(n) for c in ("csat_latest", "nps_latest", "csat_prev", "nps_prev")}
    sv = _table(tables, "surveys")
    if sv is not None:
        codes = client_codes(idx, sv["client_id"])
        keep = (codes >= 0) & (sv["survey_date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        s = pd.DataFrame({"_c": codes[keep], "_d": sv.loc[keep, "survey_date"].to_numpy(),
                          "csat": sv.loc[keep, "csat"].astype(float).to_numpy(),
                          "nps": sv.loc[keep, "nps"].astype(float).to_numpy()})
        s = s.sort_values(["_c", "_d"], kind="stable")
        is_last = ~s["_c"].duplicated(keep="last").to_numpy()
        for rows, tag in ((s[is_last], "latest"), (s[~is_last].drop_duplicates(
                "_c", keep="last"), "prev")):
            pos = rows["_c"].to_numpy()
            out[f"csat_{tag}"][pos] = rows["csat"].to_numpy()
            out[f"nps_{tag}"][pos] = rows["nps"].to_numpy()
    nps = out["nps_latest"]
    cls = np.full(n, None, dtype=object)
    cls[nps >= 0] = "detractor"
    cls[nps >= 7] = "passive"
    cls[nps >= 9] = "promoter"
    out["nps_class"] = cls
    return out


def _projects(tables, idx, as_of) -> dict[str, np.ndarray]:
    n = len(idx)
    out = {"projects_count": np.zeros(n), "max_milestone_delay_days": nan_array(n),
           "delayed_milestones": np.zeros(n)}
    pr = _table(tables, "projects")
    if pr is None:
        return out
    codes = client_codes(idx, pr["client_id"])
    started = (codes >= 0) & (pr["planned_start"] <= as_of).to_numpy(dtype=bool, na_value=False)
    out["projects_count"] = by_client(codes[started], np.ones(started.sum()), "sum", n, 0)
    ms = _table(tables, "milestones")
    if ms is None:
        return out
    pr = pr.drop_duplicates("project_id")
    ppos = lookup(pr["project_id"], ms["project_id"])
    mcodes = np.append(client_codes(idx, pr["client_id"]), -1)[ppos]
    delay, due = milestone_delay_days(ms, as_of)
    eligible = (mcodes >= 0) & due
    c, d = mcodes[eligible], delay[eligible]
    out["max_milestone_delay_days"] = by_client(c, d, "max", n)
    out["delayed_milestones"] = by_client(c, (d > 30).astype(float), "sum", n, 0)
    return out


def milestone_delay_days(ms: pd.DataFrame, as_of: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Delay in days of each milestone at ``as_of`` and whether it counts yet.

    Delay = (actual end if finished by ``as_of``, else the later of ``as_of`` and the planned
    end) - planned end, floored at 0; NaN for a milestone marked done without a completion
    date (unknown, not zero). A milestone counts once its planned end has passed or it is late.
    """
    planned = ms["planned_end"]
    done = (ms["actual_end"] <= as_of).to_numpy(dtype=bool, na_value=False)
    open_end = planned.where(planned > as_of, as_of)
    delay = np.maximum(days(ms["actual_end"].where(done, open_end) - planned), 0.0)
    unknown = (ms["status"].eq("done").to_numpy(dtype=bool, na_value=False)
               & ms["actual_end"].isna().to_numpy())
    delay[unknown] = np.nan
    due = (planned <= as_of).to_numpy(dtype=bool, na_value=False) | (delay > 0)
    return delay, due


def _needs(tables, idx, as_of) -> dict[str, np.ndarray]:
    n = len(idx)
    nd = _table(tables, "needs")
    if nd is None:
        return {"needs_count": np.zeros(n), "needs_fulfilled_share": nan_array(n)}
    codes = client_codes(idx, nd["client_id"])
    keep = (codes >= 0) & (nd["request_date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    ful = nd.loc[keep, "fulfilled"].astype("boolean").astype("Float64").to_numpy(
        dtype=float, na_value=np.nan)
    return {"needs_count": by_client(codes[keep], ful, "size", n, 0),
            "needs_fulfilled_share": by_client(codes[keep], ful, "mean", n)}


# -- public ----------------------------------------------------------------------------------
def client_features(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp, *,
                    snapshot_date: dt.date | pd.Timestamp | None = None,
                    statement_lag_days: int = STATEMENT_LAG_DAYS,
                    columns: Iterable[str] | None = None) -> pd.DataFrame:
    """One row of features per client, from records dated on or before ``as_of``.

    Parameters
    ----------
    tables
        Clean tables keyed by contract name; ``clients`` is required, the others may be
        absent or empty (their features are then NaN, their counts 0).
    as_of
        The observation date.
    snapshot_date
        The date facility statuses refer to (the data extraction date). When given and later
        than ``as_of``, a facility's "default" status is not used for ``in_default`` (it may
        have defaulted after ``as_of``). Default: statuses are taken to hold at ``as_of``.
    statement_lag_days
        Annual statements count from their fiscal year end plus this many days (120: the end
        of April), so a cohort observed on 30 September 2025 sees FY2024, not the FY2025
        figures published in 2026 (which would carry the default they are to predict).
    columns
        The columns the caller reads: the blocks (financial, repayment, ...) producing none
        of them are skipped and their columns left NA. Default: every column.

    Returns
    -------
    pandas.DataFrame
        Index ``client_id`` (the clients table's order), columns :data:`FEATURE_COLUMNS`.
    """
    as_of = as_timestamp(as_of, "as_of")
    snap = None if snapshot_date is None else as_timestamp(snapshot_date, "snapshot_date")
    idx = client_index(tables)
    clients = tables["clients"]
    n = len(idx)
    cols: dict[str, np.ndarray | pd.Series] = {}
    for c in IDENTITY:  # kept Arrow-backed: no round trip through Python str objects
        cols[c] = (clients[c].astype("string").array if c in clients.columns
                   else np.full(n, pd.NA, dtype=object))
    onboard = clients["onboarding_date"] if "onboarding_date" in clients.columns else None
    want = None if columns is None else set(columns)
    for names, block in ((FINANCIAL, lambda: _financial(tables, idx, as_of, statement_lag_days)),
                         (REPAYMENT, lambda: _repayment(tables, idx, as_of, snap)),
                         (_FACILITY, lambda: _facilities(tables, idx, as_of)),
                         (_CONTACT, lambda: _interactions(tables, idx, as_of)),
                         (SATISFACTION, lambda: _surveys(tables, idx, as_of)),
                         (PROJECTS, lambda: _projects(tables, idx, as_of)),
                         (NEEDS, lambda: _needs(tables, idx, as_of))):
        skip = want is not None and not want & set(names)
        cols.update({c: nan_array(n) for c in names} if skip else block())
    cols["tenure_years"] = (nan_array(n) if onboard is None
                            else days(as_of - pd.to_datetime(onboard)) / 365.25)
    out = pd.DataFrame({c: cols[c] for c in FEATURE_COLUMNS}, index=idx)
    for c in FEATURE_COLUMNS:
        if c in STRING_FEATURES:
            out[c] = out[c].astype("string")
        elif c in COUNT_FEATURES:
            out[c] = pd.array(np.round(out[c].to_numpy(dtype=float)), dtype="Float64"
                              ).astype("Int64")
        elif c in BOOL_FEATURES:
            out[c] = pd.array(out[c].to_numpy(dtype=float), dtype="Float64").astype("boolean")
        else:
            out[c] = out[c].astype(float)
    return out
