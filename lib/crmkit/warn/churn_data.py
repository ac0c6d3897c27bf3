"""The churn label, point-in-time features and rules score behind :mod:`crmkit.warn.churn`.

**Label.** A client has *churned* at date ``D`` when it had a facility by ``D``, none is live at
``D``, and it started no facility and had no need fulfilled in the ``horizon_months`` before
``D``. A facility is *live* at ``D`` when it started on or before ``D`` and either its status is
active / restructured / default with an outstanding balance > 0 (or unknown), or it is closed
but closed after ``D``. Statuses and balances are snapshots taken at the data date, so a closed
facility's closing date is taken as its last payment (``paid_date``), or its maturity when no
payment is recorded (never later than the data date).

**Point-in-time facility features.** ``client_features`` reads facility status and balance as
of the data date, which would leak the label into features dated ``obs_date`` (a churner's
facilities are all closed *now*). :func:`churn_features` therefore recomputes ``exposure``,
``committed``, ``n_products``, ``n_facilities_active``, ``interest_income``, ``fee_income`` and
``income`` from the facilities live at the date, with the committed ``amount`` as the balance
(balances of past dates are not kept): the same definition at ``obs_date`` and at ``as_of``.

**Rules score.** :func:`rules_score` is the documented fallback used with too few churners (see
:class:`crmkit.params.churn.ChurnRules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import ChurnError
from crmkit.core.i18n import check_lang, header
from crmkit.params.churn import ChurnRules
from crmkit.score.aggregate import lookup
from crmkit.score.features import LIVE_STATUSES, client_features

__all__ = ["churn_label", "active_clients", "churn_features", "rules_score", "feature_label",
           "Book", "label_at", "features_at", "FEATURE_LABELS", "RULE_LABELS"]

_MONTH_DAYS = 365.25 / 12
#: Bilingual labels of churn features (used where :func:`crmkit.core.i18n.header` has none).
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "complaints_12m": ("近12个月投诉次数", "Complaints (12 months)"),
    "unresolved_complaints": ("未解决投诉", "Unresolved complaints"),
    "mean_response_hours": ("平均响应时长(小时)", "Mean response time (hours)"),
    "csat_latest": ("最近满意度", "Latest CSAT"),
    "nps_latest": ("最近推荐意愿", "Latest NPS score"),
    "csat_prev": ("上次满意度", "Previous CSAT"),
    "nps_prev": ("上次推荐意愿", "Previous NPS score"),
    "nps_change": ("推荐意愿变化", "Change in NPS score"),
    "interactions_12m": ("近12个月接触次数", "Interactions (12 months)"),
    "interactions_change": ("接触次数同比变化", "Change in interactions (year on year)"),
    "months_since_new_business": ("距最近新业务(月)", "Months since new business"),
    "tenure_years": ("合作年限", "Tenure (years)"),
    "n_products": ("产品数", "Products held"),
    "n_facilities_active": ("存续业务笔数", "Live facilities"),
    "needs_fulfilled_share": ("需求满足率", "Share of needs fulfilled"),
    "dpd_max": ("历史最长逾期天数", "Max days past due"),
    "committed": ("授信金额", "Committed amount"),
    "churn_probability": ("流失概率", "Churn probability"),
}
#: Bilingual labels of the terms of the rules score.
RULE_LABELS: dict[str, tuple[str, str]] = {
    "intercept": ("基准", "Baseline"),
    "per_complaint": ("每次投诉", "Per complaint"),
    "per_unresolved": ("每个未解决投诉", "Per unresolved complaint"),
    "per_nps_point": ("推荐意愿低于阈值每分", "Per NPS point below threshold"),
    "single_product": ("仅一种产品", "Single product"),
    "interaction_drop": ("接触次数下降比例", "Relative fall in interactions"),
    "no_new_business": ("期内无新业务", "No new business in the horizon"),
}


def feature_label(column: str, lang: str = "zh") -> str:
    """Display label of a churn feature in ``lang``."""
    i = ("zh", "en").index(check_lang(lang))
    h = header(column, lang)
    return h if h != column or column not in FEATURE_LABELS else FEATURE_LABELS[column][i]


# -- dates and facilities --------------------------------------------------------------------
def _ts(value: object, name: str) -> pd.Timestamp:
    return as_timestamp(value, name, ChurnError)


def _facilities(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    fac = tables.get("facilities")
    need = ("facility_id", "client_id", "start_date", "maturity_date", "status", "amount")
    if fac is None or any(c not in fac.columns for c in need):
        raise ChurnError("churn needs the 'facilities' table with columns "
                         f"{list(need)}; collect it first (notebook 01_collect)")
    return fac


def _client_index(tables: dict[str, pd.DataFrame]) -> pd.Index:
    clients = tables.get("clients")
    if clients is None or "client_id" not in clients.columns:
        raise ChurnError("churn needs the 'clients' table with a 'client_id' column")
    return pd.Index(clients["client_id"].astype("string"), name="client_id")


@dataclass
class Book:
    """Facility facts used at every date: computed once per set of tables and data date."""

    tables: dict[str, pd.DataFrame]
    snapshot: pd.Timestamp
    idx: pd.Index = field(init=False)          #: client ids
    fac: pd.DataFrame = field(init=False)
    owner: np.ndarray = field(init=False)      #: client position of each facility (-1: none)
    start: pd.Series = field(init=False)
    close: pd.Series = field(init=False)       #: closing date of closed facilities
    open_status: np.ndarray = field(init=False)  #: live status with a balance (or unknown)
    closed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.idx, fac = _client_index(self.tables), _facilities(self.tables)
        self.fac = fac
        self.owner = lookup(self.idx, fac["client_id"])
        self.start = fac["start_date"]
        status = fac["status"]
        bal = fac["outstanding"] if "outstanding" in fac.columns else pd.Series(np.nan,
                                                                                fac.index)
        self.open_status = (status.isin(LIVE_STATUSES).to_numpy(dtype=bool, na_value=False)
                            & ~(bal.astype(float) <= 0).to_numpy(dtype=bool, na_value=False))
        self.closed = status.eq("closed").to_numpy(dtype=bool, na_value=False)
        self.close = self._close_dates()

    def _close_dates(self) -> pd.Series:
        """Last payment on or before the snapshot, else maturity; never after the snapshot."""
        fac, rep = self.fac, self.tables.get("repayments")
        last = pd.Series(pd.NaT, index=fac.index, dtype="datetime64[ns]")
        if rep is not None and len(rep) and "paid_date" in rep.columns:
            ok = (rep["paid_date"] <= self.snapshot).to_numpy(dtype=bool, na_value=False)
            pos = lookup(fac["facility_id"], rep["facility_id"])[ok]
            paid = pd.Series(rep.loc[ok, "paid_date"].to_numpy(dtype="datetime64[ns]"))
            by_fac = paid[pos >= 0].groupby(pos[pos >= 0]).max()
            last.iloc[by_fac.index.to_numpy()] = by_fac.to_numpy()
        close = last.fillna(fac["maturity_date"].astype("datetime64[ns]"))
        return close.where(close <= self.snapshot, self.snapshot)

    def started(self, when: pd.Timestamp) -> np.ndarray:
        return (self.start <= when).to_numpy(dtype=bool, na_value=False)

    def live(self, when: pd.Timestamp) -> np.ndarray:
        """Which facilities are live at ``when`` (see the module docstring)."""
        open_then = (self.close > when).to_numpy(dtype=bool, na_value=False)
        return self.started(when) & (self.open_status | (self.closed & open_then))

    def any_by_client(self, mask: np.ndarray, owner: np.ndarray | None = None) -> np.ndarray:
        pos = (self.owner if owner is None else owner)[mask]
        return np.bincount(pos[pos >= 0], minlength=len(self.idx)) > 0

    def new_business(self, when: pd.Timestamp, months: int) -> np.ndarray:
        """Clients that started a facility or had a need fulfilled in ``(when - months, when]``."""
        lo = when - pd.DateOffset(months=months)
        out = self.any_by_client(self.started(when) & ~self.started(lo))
        needs = self.tables.get("needs")
        if needs is not None and len(needs):
            done = (needs["fulfilled"].astype("boolean").fillna(False)
                    & (needs["request_date"] > lo) & (needs["request_date"] <= when))
            owner = lookup(self.idx, needs["client_id"])
            out |= self.any_by_client(done.to_numpy(dtype=bool, na_value=False), owner)
        return out


def _dates(when: object, snapshot_date: object | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    when = _ts(when, "when")
    return when, (when if snapshot_date is None else _ts(snapshot_date, "snapshot_date"))


def active_clients(tables: dict[str, pd.DataFrame], when: object, *,
                   snapshot_date: object | None = None) -> pd.Series:
    """Whether each client has a live facility at ``when`` (bool, index ``client_id``).

    ``snapshot_date`` is the data date (when statuses were extracted); default ``when``.
    """
    when, snap = _dates(when, snapshot_date)
    book = Book(tables, snap)
    return pd.Series(book.any_by_client(book.live(when)), index=book.idx, name="active")


def label_at(book: Book, when: pd.Timestamp, horizon_months: int) -> pd.Series:
    """:func:`churn_label` on a prepared :class:`Book`."""
    had = book.any_by_client(book.started(when))
    live = book.any_by_client(book.live(when))
    new = book.new_business(when, horizon_months)
    return pd.Series(had & ~live & ~new, index=book.idx, name="churned")


def churn_label(tables: dict[str, pd.DataFrame], when: object, horizon_months: int = 12, *,
                snapshot_date: object | None = None) -> pd.Series:
    """Whether each client has churned at ``when`` (bool, index ``client_id``).

    Churned: had a facility by ``when``, none live at ``when``, and no facility started nor
    need fulfilled in the ``horizon_months`` before ``when``. ``snapshot_date``: the data date
    (default ``when``).
    """
    when, snap = _dates(when, snapshot_date)
    return label_at(Book(tables, snap), when, horizon_months)


# -- features --------------------------------------------------------------------------------
#: Client-feature columns recomputed point in time from the live facilities.
_PIT_COLUMNS = ("committed", "interest_income", "fee_income", "n_products",
                "n_facilities_active", "exposure", "income")


def _pit_facilities(book: Book, when: pd.Timestamp) -> pd.DataFrame:
    live = book.live(when) & (book.owner >= 0)
    f = book.fac.loc[live, [c for c in ("amount", "interest_rate", "fees", "product")
                            if c in book.fac.columns]]  # not every column's live rows
    amount = f["amount"].astype(float).to_numpy()
    rate = (f["interest_rate"].astype(float).to_numpy() if "interest_rate" in f
            else np.full(len(f), np.nan))
    fees = f["fees"].astype(float).fillna(0.0).to_numpy() if "fees" in f else np.zeros(len(f))
    g = pd.DataFrame({"_c": book.owner[live], "amount": amount, "interest": amount * rate,
                      "fees": fees, "product": f["product"].astype("string").to_numpy()
                      if "product" in f else "?"})
    g = g.groupby("_c").agg(
        committed=("amount", "sum"), interest_income=("interest", "sum"),
        fee_income=("fees", "sum"), n_products=("product", "nunique"),
        n_facilities_active=("amount", "size"))
    g = g.reindex(np.arange(len(book.idx))).fillna(0.0)
    g["exposure"] = g["committed"]
    g["income"] = g["interest_income"] + g["fee_income"]
    g.index = book.idx
    return g


def _interactions_between(tables, idx, lo, hi) -> np.ndarray:
    it = tables.get("interactions")
    if it is None or len(it) == 0:
        return np.zeros(len(idx))
    keep = ((it["date"] > lo) & (it["date"] <= hi)).to_numpy(dtype=bool, na_value=False)
    pos = lookup(idx, it["client_id"])[keep]
    return np.bincount(pos[pos >= 0], minlength=len(idx)).astype(float)


def _months_since_new_business(book: Book, when: pd.Timestamp) -> np.ndarray:
    ok = book.started(when) & (book.owner >= 0)
    last = pd.Series(book.start.to_numpy(dtype="datetime64[ns]")[ok]).groupby(
        book.owner[ok]).max()
    latest = last.reindex(np.arange(len(book.idx)))
    needs = book.tables.get("needs")
    if needs is not None and len(needs):
        done = (needs["fulfilled"].astype("boolean").fillna(False)
                & (needs["request_date"] <= when)).to_numpy(dtype=bool, na_value=False)
        owner = lookup(book.idx, needs["client_id"])[done]
        asked = pd.Series(needs.loc[done, "request_date"].to_numpy(dtype="datetime64[ns]"))
        by = asked[owner >= 0].groupby(owner[owner >= 0]).max().reindex(latest.index)
        latest = pd.concat([latest, by], axis=1).max(axis=1)
    return ((when - latest) / pd.Timedelta(days=1)).to_numpy(dtype=float) / _MONTH_DAYS


def features_at(book: Book, when: pd.Timestamp, horizon_months: int,
                features: pd.DataFrame | None = None,
                columns: Iterable[str] | None = None) -> pd.DataFrame:
    """:func:`churn_features` on a prepared :class:`Book`; ``features`` are
    ``client_features(book.tables, when, snapshot_date=book.snapshot)`` when the caller has
    them (the score stage's, at the data date); ``columns``: the only client features the
    caller reads (the others are not computed, see ``client_features``)."""
    tables = book.tables
    ask = None if columns is None else (
        {*columns, "nps_latest", "nps_prev", "interactions_12m"} - set(_PIT_COLUMNS))
    X = (client_features(tables, when, snapshot_date=book.snapshot, columns=ask)
         if features is None
         else features.copy(deep=False))  # copy-on-write: the caller's frame is not changed
    idx = book.idx
    pit = _pit_facilities(book, when)
    for c in pit.columns:
        X[c] = pit[c].to_numpy(dtype=float)
    prev = _interactions_between(tables, idx, when - pd.DateOffset(months=24),
                                 when - pd.DateOffset(months=12))
    X["nps_change"] = X["nps_latest"].astype(float) - X["nps_prev"].astype(float)
    X["interactions_prev_12m"] = prev
    X["interactions_change"] = X["interactions_12m"].astype(float) - prev
    X["months_since_new_business"] = _months_since_new_business(book, when)
    X["new_business"] = book.new_business(when, horizon_months)
    X["active"] = pit["n_facilities_active"].to_numpy() > 0
    return X


def churn_features(tables: dict[str, pd.DataFrame], when: object, *,
                   snapshot_date: object | None = None, horizon_months: int = 12
                   ) -> pd.DataFrame:
    """Client features at ``when`` for the churn model (one row per client).

    :func:`crmkit.score.features.client_features` at ``when`` with point-in-time facility columns
    (see the module docstring), plus ``nps_change``, ``interactions_change``,
    ``interactions_prev_12m``, ``months_since_new_business``, ``new_business`` (a facility
    started or a need fulfilled in the ``horizon_months`` to ``when``) and ``active``.
    ``snapshot_date``: the data date (default ``when``).
    """
    when, snap = _dates(when, snapshot_date)
    return features_at(Book(tables, snap), when, horizon_months)


def rules_score(features: pd.DataFrame, rules: ChurnRules | None = None) -> pd.Series:
    """The rules-based churn probability of each row of :func:`churn_features`."""
    r = rules or ChurnRules()

    def col(name: str) -> pd.Series:
        if name not in features.columns:
            raise ChurnError(f"rules_score needs column {name!r}; pass churn_features(...)")
        return features[name].astype(float)

    cap = float(r.complaint_cap)
    prev = col("interactions_prev_12m")
    drop = (1.0 - col("interactions_12m") / prev.where(prev > 0)).clip(lower=0).fillna(0.0)
    logit = (r.intercept
             + r.per_complaint * col("complaints_12m").fillna(0).clip(upper=cap)
             + r.per_unresolved * col("unresolved_complaints").fillna(0).clip(upper=cap)
             + r.per_nps_point * (r.nps_threshold - col("nps_latest")).clip(lower=0).fillna(0)
             + r.single_product * (col("n_products").fillna(0) <= 1)
             + r.interaction_drop * drop
             + r.no_new_business * (col("new_business").fillna(0) == 0))
    return (1.0 / (1.0 + np.exp(-logit))).rename("churn_probability")
