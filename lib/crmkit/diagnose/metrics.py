"""Relationship metrics per client, per segment and for the portfolio: CSAT, NPS, retention by
onboarding cohort, needs fulfilment, complaint resolution time and the top-client share.

Grouping (the ``by`` argument of every metric):

* ``None``: the whole portfolio, one row labelled ``"all"`` (index name ``group``);
* a column name of the input table, e.g. ``"client_id"`` for one row per client;
* a Series indexed by ``client_id`` (a segment, tier, industry, ...): each record takes its
  client's group. Every group of the Series appears in the result, with zero counts and NaN
  rates when it has no records; records of clients absent from the Series (or with a missing
  group) are left out.

Conventions (documented, tested):

* Dates: only records dated on or before ``as_of`` count when ``as_of`` is given; with
  ``params.metrics.window_months`` set, only the last N months to ``as_of``.
* **CSAT** counts every survey answer (``latest=True``: each client's latest answer only):
  ``csat_share`` = answers rated ``>= csat_satisfied_min`` (4) / answers; ``csat_mean`` their mean.
* **NPS** uses each client's *latest* answer, so a client who answered often does not weigh
  more: promoters answer 9-10, detractors 0-6; NPS = 100 x (promoters - detractors) /
  respondents, in points from -100 to 100. Per client (``by="client_id"``) it is +100, 0 or -100.
* **Needs**: rate = fulfilled / needs whose status is known (a blank ``fulfilled`` is left out).
* **Complaints**: a complaint is resolved at ``as_of`` when ``resolved`` is true (or blank with a
  ``resolved_date``) and its ``resolved_date`` is not after ``as_of``. Days to resolve =
  ``resolved_date - date``; a resolved complaint without a date, or with a date before the
  complaint, is resolved but has no duration. Unresolved complaints are counted separately.
* **Top share** follows :mod:`crmkit.tier.pareto_analysis`: NaN excluded, negatives clipped at 0,
  read off the Pareto curve by linear interpolation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.diagnose.retention import retained, retention_by_cohort
from crmkit.params.diagnose import DiagnoseParams

__all__ = [
    "csat",
    "nps",
    "nps_class",
    "needs_fulfilment",
    "complaint_resolution",
    "retained",
    "retention_by_cohort",
    "top_share",
    "portfolio_kpis",
    "KPI_UNITS",
    "ALL",
]

#: Label of the single row of a portfolio-level metric.
ALL = "all"
#: Unit of each headline figure of :func:`portfolio_kpis` (for formatting).
KPI_UNITS: dict[str, str] = {
    "clients": "count", "exposure": "money", "income": "money", "csat_share": "share",
    "csat_mean": "number", "nps": "points", "retention_rate": "share",
    "needs_fulfilment": "share", "complaints": "count", "complaints_unresolved": "count",
    "resolution_days_mean": "days", "resolution_days_median": "days", "top_share": "share",
    "clv_total": "money", "open_alerts": "count", "clients_with_alerts": "count",
}


# -- helpers -------------------------------------------------------------------------------
def _params(params: DiagnoseParams | None) -> DiagnoseParams:
    return DiagnoseParams() if params is None else params


def _ts(value: dt.date | pd.Timestamp | str | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise DiagnoseError(f"{name} must be a date (YYYY-MM-DD); got {value!r}")
    return ts.normalize()


def _table(df: pd.DataFrame | None, name: str, required: tuple[str, ...]) -> pd.DataFrame | None:
    """``df`` if it has rows, None if absent or empty; a clear error if a column is missing."""
    if df is None or len(df) == 0:
        return None
    if not isinstance(df, pd.DataFrame):
        raise DiagnoseError(f"{name} must be a pandas DataFrame (the clean {name!r} table); "
                            f"got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DiagnoseError(f"the {name} table lacks column(s) {missing}; it needs "
                            f"{list(required)} (see docs/data-contract.md)")
    return df


def _window(df: pd.DataFrame, col: str, as_of: pd.Timestamp | None,
            months: int | None) -> pd.DataFrame:
    """Rows dated on or before ``as_of`` (and within ``months`` of it when given)."""
    if as_of is None:
        return df
    d = pd.to_datetime(df[col])
    keep = (d <= as_of).to_numpy(dtype=bool, na_value=False).copy()
    if months is not None:
        keep &= (d > as_of - pd.DateOffset(months=months)).to_numpy(dtype=bool, na_value=False)
    return df.loc[keep]


def _keys(df: pd.DataFrame, by: str | pd.Series | None,
          what: str) -> tuple[pd.Series, pd.Index | None, str]:
    """Group key of each row of ``df``, the groups to report (None: those present), index name."""
    if by is None:
        return pd.Series(ALL, index=df.index), pd.Index([ALL]), "group"
    if isinstance(by, str):
        if by not in df.columns:
            raise DiagnoseError(f"{what}: by={by!r} is not a column of the table (columns: "
                                f"{list(df.columns)}); pass a column name or a Series indexed "
                                "by client_id")
        return df[by], None, by
    if isinstance(by, pd.Series):
        if by.index.has_duplicates:
            raise DiagnoseError(f"{what}: the 'by' Series must have one value per client_id; "
                                "duplicated ids: "
                                f"{by.index[by.index.duplicated()].unique()[:5].tolist()}")
        mapped = df["client_id"].astype("string").map(by.rename(index=str))
        if isinstance(by.dtype, pd.CategoricalDtype):
            groups = pd.Index(by.cat.categories)
        else:
            groups = pd.Index(by.dropna().unique())
            try:
                groups = groups.sort_values()
            except TypeError:
                pass
        return mapped, groups, by.name if isinstance(by.name, str) else "group"
    raise DiagnoseError(f"{what}: by must be None, a column name or a Series indexed by "
                        f"client_id; got {type(by).__name__}")


def _grouped(df: pd.DataFrame, by: str | pd.Series | None, what: str,
             agg: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """``df.groupby(by).agg(**agg)`` over the groups of ``by`` (empty groups kept)."""
    keys, groups, name = _keys(df, by, what)
    g = df.assign(_key=keys.to_numpy()).dropna(subset=["_key"])
    out = g.groupby("_key", sort=True, observed=True).agg(**agg)
    if groups is not None:
        out = out.reindex(groups)
    out.index.name = name
    counts = [c for c, (_, how) in agg.items() if how in ("size", "sum", "count")]
    out[counts] = out[counts].fillna(0).astype("int64")
    return out


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


# -- survey metrics ------------------------------------------------------------------------
def _answers(surveys: pd.DataFrame | None, col: str, as_of, params: DiagnoseParams,
             latest: bool) -> pd.DataFrame:
    s = _table(surveys, "surveys", ("client_id", "survey_date", col))
    if s is None:
        return pd.DataFrame({"client_id": pd.Series(dtype="string"),
                             "survey_date": pd.Series(dtype="datetime64[ns]"),
                             col: pd.Series(dtype=float)})
    s = _window(s, "survey_date", _ts(as_of, "as_of"), params.metrics.window_months)
    s = s.assign(**{col: pd.to_numeric(s[col], errors="coerce").astype(float)}).dropna(
        subset=[col])
    if latest:
        s = s.sort_values(["client_id", "survey_date"], kind="stable").drop_duplicates(
            "client_id", keep="last")
    return s


def csat(surveys: pd.DataFrame | None, by: str | pd.Series | None = None, *,
         as_of: dt.date | pd.Timestamp | None = None, params: DiagnoseParams | None = None,
         latest: bool = False) -> pd.DataFrame:
    """Customer satisfaction: share of answers rated 4-5 and the mean rating (1-5).

    Returns
    -------
    pandas.DataFrame
        One row per group; columns ``answers``, ``satisfied``, ``csat_share`` (NaN without
        answers), ``csat_mean``.
    """
    p = _params(params)
    s = _answers(surveys, "csat", as_of, p, latest)
    s = s.assign(_sat=(s["csat"] >= p.metrics.csat_satisfied_min).astype(int))
    out = _grouped(s, by, "csat", {"answers": ("csat", "size"), "satisfied": ("_sat", "sum"),
                                   "csat_mean": ("csat", "mean")})
    out.insert(2, "csat_share", _rate(out["satisfied"], out["answers"]))
    return out


def nps_class(score: pd.Series, params: DiagnoseParams | None = None) -> pd.Series:
    """``promoter`` / ``passive`` / ``detractor`` of 0-10 answers (NA stays NA)."""
    m = _params(params).metrics
    v = pd.to_numeric(score, errors="coerce").astype(float)
    cls = np.select([v >= m.nps_promoter_min, v > m.nps_detractor_max, v >= 0],
                    ["promoter", "passive", "detractor"], "")
    return pd.Series(cls, index=score.index, name="nps_class").replace("", pd.NA).astype(
        "string")


def nps(surveys: pd.DataFrame | None, by: str | pd.Series | None = None, *,
        as_of: dt.date | pd.Timestamp | None = None,
        params: DiagnoseParams | None = None) -> pd.DataFrame:
    """Net promoter score over each client's latest answer, in points (-100 to 100).

    Returns
    -------
    pandas.DataFrame
        One row per group; columns ``respondents``, ``promoters``, ``passives``,
        ``detractors``, ``nps`` (NaN without respondents).
    """
    p = _params(params)
    s = _answers(surveys, "nps", as_of, p, latest=True)
    cls = nps_class(s["nps"], p)
    s = s.assign(_pro=cls.eq("promoter").astype(int), _pas=cls.eq("passive").astype(int),
                 _det=cls.eq("detractor").astype(int))
    out = _grouped(s, by, "nps", {"respondents": ("nps", "size"), "promoters": ("_pro", "sum"),
                                  "passives": ("_pas", "sum"), "detractors": ("_det", "sum")})
    out["nps"] = 100.0 * _rate(out["promoters"] - out["detractors"], out["respondents"])
    return out


# -- needs and complaints ------------------------------------------------------------------
def needs_fulfilment(needs: pd.DataFrame | None, by: str | pd.Series | None = None, *,
                     as_of: dt.date | pd.Timestamp | None = None,
                     params: DiagnoseParams | None = None) -> pd.DataFrame:
    """Share of expressed needs that were fulfilled.

    Returns
    -------
    pandas.DataFrame
        One row per group; columns ``needs`` (with a known status), ``fulfilled``,
        ``fulfilment_rate``.
    """
    p = _params(params)
    n = _table(needs, "needs", ("client_id", "request_date", "fulfilled"))
    if n is None:
        n = pd.DataFrame({"client_id": pd.Series(dtype="string"),
                          "fulfilled": pd.Series(dtype="boolean")})
    else:
        n = _window(n, "request_date", _ts(as_of, "as_of"), p.metrics.window_months)
    ful = n["fulfilled"].astype("boolean")
    n = n.loc[ful.notna().to_numpy()].assign(_f=ful.dropna().astype(int).to_numpy())
    out = _grouped(n, by, "needs_fulfilment", {"needs": ("_f", "size"),
                                               "fulfilled": ("_f", "sum")})
    out["fulfilment_rate"] = _rate(out["fulfilled"], out["needs"])
    return out


def complaint_resolution(interactions: pd.DataFrame | None,
                         as_of: dt.date | pd.Timestamp,
                         by: str | pd.Series | None = None, *,
                         params: DiagnoseParams | None = None) -> pd.DataFrame:
    """How fast complaints are resolved, and how many are still open at ``as_of``.

    Returns
    -------
    pandas.DataFrame
        One row per group; columns ``complaints``, ``resolved``, ``unresolved``, ``mean_days``
        and ``median_days`` (days from the complaint to its ``resolved_date``, resolved ones).
    """
    p = _params(params)
    ts = _ts(as_of, "as_of")
    it = _table(interactions, "interactions", ("client_id", "date", "type"))
    if it is None:
        it = pd.DataFrame({"client_id": pd.Series(dtype="string"),
                           "date": pd.Series(dtype="datetime64[ns]"),
                           "type": pd.Series(dtype="string")})
    cols = [c for c in ("client_id", "date", "type", "resolved", "resolved_date")
            if c in it.columns] + ([by] if isinstance(by, str) and by in it.columns else [])
    it = it[list(dict.fromkeys(cols))]                 # complaints first: a few rows to copy
    it = it.loc[it["type"].astype("string").eq("complaint").to_numpy(dtype=bool, na_value=False)]
    c = _window(it, "date", ts, p.metrics.window_months)
    flag = (c["resolved"].astype("boolean") if "resolved" in c.columns
            else pd.Series(pd.NA, index=c.index, dtype="boolean"))
    rdate = (pd.to_datetime(c["resolved_date"]) if "resolved_date" in c.columns
             else pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]"))
    not_later = ~(rdate > ts).to_numpy(dtype=bool, na_value=False)
    has_date = rdate.notna().to_numpy()
    done = (flag.eq(True).to_numpy(dtype=bool, na_value=False)
            | (flag.isna().to_numpy() & has_date)) & not_later
    days = ((rdate - pd.to_datetime(c["date"])) / pd.Timedelta(days=1)).to_numpy(
        dtype=float, na_value=np.nan)
    days = np.where(done & (days >= 0), days, np.nan)
    c = c.assign(_done=done.astype(int), _open=(~done).astype(int), _days=days)
    return _grouped(c, by, "complaint_resolution", {
        "complaints": ("_done", "size"), "resolved": ("_done", "sum"),
        "unresolved": ("_open", "sum"), "mean_days": ("_days", "mean"),
        "median_days": ("_days", "median")})


# -- contribution concentration ------------------------------------------------------------
def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Share of the total contributed by the top ``share`` of clients (0.2: the top 20 %).

    NaN values are excluded, negative ones count as 0 (the client still counts); the share is
    read off the Pareto curve by linear interpolation between clients, so with 10 clients and
    ``share=0.2`` it is exactly the two largest values over the total. NaN if the total is not
    positive.
    """
    if not 0 < share <= 1:
        raise DiagnoseError(f"top_share: share={share!r} must be in (0, 1] (0.2 for 20 %)")
    v = pd.to_numeric(pd.Series(np.asarray(values, dtype=float)), errors="coerce").dropna()
    v = np.sort(np.clip(v.to_numpy(dtype=float), 0.0, None))[::-1]
    total = v.sum()
    if len(v) == 0 or total <= 0:
        return float("nan")
    x = np.r_[0.0, np.arange(1, len(v) + 1) / len(v)]
    y = np.r_[0.0, np.cumsum(v) / total]
    return float(np.interp(share, x, y))


# -- headline figures ----------------------------------------------------------------------
def _first(df: pd.DataFrame, col: str) -> float:
    return float(df[col].iloc[0]) if len(df) else float("nan")


def portfolio_kpis(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp, *,
                   features: pd.DataFrame | None = None,
                   clv: pd.Series | pd.DataFrame | None = None,
                   alerts: pd.DataFrame | None = None,
                   params: DiagnoseParams | None = None) -> pd.Series:
    """The headline figures of the executive summary, one value per KPI code.

    Codes and units are :data:`KPI_UNITS` (shares are fractions, NPS in points, money in yuan);
    a figure whose input is missing is NaN. Format for display with
    :func:`crmkit.diagnose.table.kpi_table`.
    """
    p = _params(params)
    ts = _ts(as_of, "as_of")
    out = dict.fromkeys(KPI_UNITS, float("nan"))
    clients = tables.get("clients")
    out["clients"] = float(len(clients)) if clients is not None else float("nan")
    if features is not None:
        for col in ("exposure", "income"):
            if col in features.columns:
                out[col] = float(features[col].astype(float).sum())
        if p.metrics.top_value in features.columns:
            out["top_share"] = top_share(features[p.metrics.top_value], p.metrics.top_share)
    c = csat(tables.get("surveys"), as_of=ts, params=p)
    out["csat_share"], out["csat_mean"] = _first(c, "csat_share"), _first(c, "csat_mean")
    out["nps"] = _first(nps(tables.get("surveys"), as_of=ts, params=p), "nps")
    if clients is not None and len(clients):
        r = retention_by_cohort(tables, ts, params=p)
        n = r["clients"].sum()
        out["retention_rate"] = float(r["retained"].sum() / n) if n else float("nan")
    out["needs_fulfilment"] = _first(needs_fulfilment(tables.get("needs"), as_of=ts, params=p),
                                     "fulfilment_rate")
    cr = complaint_resolution(tables.get("interactions"), ts, params=p)
    out["complaints"], out["complaints_unresolved"] = (_first(cr, "complaints"),
                                                       _first(cr, "unresolved"))
    out["resolution_days_mean"] = _first(cr, "mean_days")
    out["resolution_days_median"] = _first(cr, "median_days")
    if clv is not None:
        v = clv["clv"] if isinstance(clv, pd.DataFrame) else clv
        out["clv_total"] = float(v.astype(float).sum(min_count=1))
    if alerts is not None:
        out["open_alerts"] = float(len(alerts))
        out["clients_with_alerts"] = float(alerts["client_id"].nunique()) if len(alerts) else 0.0
    return pd.Series(out, name="value", dtype=float).rename_axis("kpi")
