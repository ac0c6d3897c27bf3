"""The similar-case library (案例库): past and current deals, nearest neighbours, outcome mix.

Distance between a query (a client's draft plan) and a case is a weighted **Gower distance**,
which mixes categorical and numeric features on one 0-1 scale:

* categorical (industry, region, size class, product, security, structure): 0 if equal, else 1;
* numeric: ``|x - y| / range`` over the library, capped at 1 — amount on a log scale (a
  100 m and a 200 m loan are as far apart as 1 bn and 2 bn), tenor in months;
* ``d = sum_k w_k d_k / sum_k w_k`` over the features both sides have (a blank is skipped,
  never guessed), weights :data:`WEIGHTS`.

Outcome and realised DSCR are *not* features: they are what the neighbours teach. The query is
vectorised over all cases at once (``numpy``), then the ``k`` nearest are picked with
``argpartition``: 100,000 cases take a few milliseconds (``benchmarks/bench_cases.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmkit.core.i18n import t
from crmkit.plan.case_file import CASE_CODES, OUTCOMES
from crmkit.plan.terms import PlanError

__all__ = ["CaseLibrary", "WEIGHTS", "portfolio_cases", "outcome_mix", "case_cards",
           "query_from_terms"]

#: Feature weights of the distance (categorical, then numeric).
WEIGHTS: dict[str, float] = {"industry": 2.0, "product": 2.0, "collateral_type": 1.0,
                             "structure": 1.0, "region": 1.0, "size_class": 0.5,
                             "log_amount": 2.0, "tenor_months": 1.5}
CATEGORICAL = ("industry", "product", "collateral_type", "structure", "region", "size_class")
NUMERIC = ("log_amount", "tenor_months")
_STATUS_OUTCOME = {"closed": "repaid", "active": "current", "restructured": "restructured",
                   "default": "default"}


class CaseLibrary:
    """Nearest-neighbour search over cases (scikit-learn shape: ``fit`` then ``neighbours``).

    Parameters
    ----------
    weights
        Feature weights; default :data:`WEIGHTS`. A weight of 0 ignores the feature.
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(WEIGHTS if weights is None else weights)

    def fit(self, cases: pd.DataFrame) -> CaseLibrary:
        """Index ``cases`` (columns as in :mod:`crmkit.plan.case_file`); returns ``self``."""
        unknown = set(self.weights) - set(CATEGORICAL) - set(NUMERIC)
        if unknown:
            raise PlanError(f"case weights: unknown feature(s) {sorted(unknown)}; use "
                            f"{[*CATEGORICAL, *NUMERIC]}")
        self.cases_ = cases.reset_index(drop=True)
        self.codes_ = {}
        for c in CATEGORICAL:
            col = self.cases_.get(c, pd.Series(pd.NA, index=self.cases_.index))
            cat = pd.Categorical(col.astype("string"), categories=sorted(CASE_CODES[c]))
            self.codes_[c] = cat.codes.astype(np.int16)  # -1: blank or unknown
        self.numeric_ = {"log_amount": np.log10(np.maximum(
            self.cases_["amount"].to_numpy(dtype=float, na_value=np.nan), 1.0)),
            "tenor_months": self.cases_["tenor_months"].to_numpy(dtype=float, na_value=np.nan)}
        self.ranges_ = {k: float(np.nanmax(v) - np.nanmin(v)) if np.isfinite(v).any() else 0.0
                        for k, v in self.numeric_.items()}
        return self

    def distances(self, query: Mapping[str, Any]) -> np.ndarray:
        """Gower distance of every case to ``query`` (keys: the features, ``amount``)."""
        n = len(self.cases_)
        total, weight = np.zeros(n), np.zeros(n)
        for c in CATEGORICAL:
            w, q = self.weights.get(c, 0.0), query.get(c)
            if not w or q is None or pd.isna(q):
                continue
            cats = sorted(CASE_CODES[c])
            if q not in cats:
                raise PlanError(f"case query: {c} {q!r} is not one of {cats}")
            codes = self.codes_[c]
            have = codes >= 0
            total += w * (have & (codes != cats.index(q)))
            weight += w * have
        q_num = {"log_amount": (np.log10(max(float(query["amount"]), 1.0))
                                if query.get("amount") is not None else None),
                 "tenor_months": query.get("tenor_months")}
        for k in NUMERIC:
            w, q = self.weights.get(k, 0.0), q_num[k]
            if not w or q is None or pd.isna(q):
                continue
            v = self.numeric_[k]
            have = np.isfinite(v)
            span = self.ranges_[k] or 1.0
            d = np.minimum(np.abs(np.where(have, v, q) - float(q)) / span, 1.0)
            total += w * d
            weight += w * have
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(weight > 0, total / weight, 1.0)

    def neighbours(self, query: Mapping[str, Any], k: int = 10,
                   exclude_client: str | None = None) -> pd.DataFrame:
        """The ``k`` cases nearest ``query``, nearest first, with ``distance`` and
        ``similarity = 1 - distance``; cases of ``exclude_client`` are left out."""
        d = self.distances(query)
        if exclude_client is not None and "client_id" in self.cases_:
            d = np.where(self.cases_["client_id"].astype("string").eq(exclude_client)
                         .fillna(False).to_numpy(), np.inf, d)
        k = min(k, int(np.isfinite(d).sum()))
        if k <= 0:
            return self.cases_.iloc[:0].assign(distance=[], similarity=[])
        idx = np.argpartition(d, k - 1)[:k]
        idx = idx[np.lexsort((idx, d[idx]))]
        return self.cases_.iloc[idx].assign(distance=d[idx], similarity=1 - d[idx])


def query_from_terms(terms: Any, client: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The case query of a draft plan: its terms plus the client's industry, region, size."""
    client = client or {}
    return {"industry": client.get("industry"), "region": client.get("region"),
            "size_class": client.get("size_class"), "product": terms.product,
            "collateral_type": terms.collateral_type, "structure": terms.profile,
            "amount": terms.amount, "tenor_months": terms.tenor_months}


def _structure(rep: pd.DataFrame) -> pd.Series:
    """Repayment structure of each facility from its instalments (bullet, annuity ...)."""
    g = rep.sort_values("due_date").groupby("facility_id", observed=True)["amount_due"]
    stats = pd.DataFrame({"n": g.size(), "cv": g.std() / g.mean(), "last": g.last(),
                          "median": g.median(), "first": g.first()})
    out = pd.Series("custom", index=stats.index, dtype="string")
    out[stats["last"] > 2 * stats["median"]] = "balloon"
    out[stats["first"] > stats["last"] * 1.02] = "equal_principal"
    out[stats["cv"].fillna(0) < 0.02] = "annuity"
    out[stats["n"] == 1] = "bullet"
    return out


def portfolio_cases(tables: Mapping[str, pd.DataFrame],
                    features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every facility of the portfolio as a case (outcome from its status: closed -> repaid,
    active -> current, restructured, default); realised DSCR from the client's features."""
    fac, cli = tables["facilities"], tables["clients"].set_index("client_id")
    start, end = pd.to_datetime(fac["start_date"]), pd.to_datetime(fac["maturity_date"])
    months = ((end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month).clip(lower=1)
    out = pd.DataFrame({
        "case_id": fac["facility_id"].astype("string"),
        "client_id": fac["client_id"].astype("string"),
        "industry": fac["client_id"].map(cli["industry"]),
        "region": fac["client_id"].map(cli["region"]),
        "size_class": fac["client_id"].map(cli.get("size_class", pd.Series(dtype="string"))),
        "product": fac["product"], "amount": fac["amount"].astype(float),
        "tenor_months": months.astype("Int64"), "collateral_type": fac["collateral_type"],
        "structure": fac["facility_id"].map(_structure(tables["repayments"])),
        "outcome": fac["status"].map(_STATUS_OUTCOME).astype("string"),
        "realised_dscr": (fac["client_id"].map(features["dscr"]) if features is not None
                          and "dscr" in features else np.nan),
        "start_year": start.dt.year.astype("Int64"),
        "description": pd.Series(pd.NA, index=fac.index, dtype="string"),
        "source": "portfolio"})
    return out.reset_index(drop=True)


def outcome_mix(neighbours: pd.DataFrame) -> pd.DataFrame:
    """Share of each outcome among the neighbours, plain and similarity-weighted, and their
    mean realised DSCR."""
    w = neighbours["similarity"].clip(lower=0)
    rows = []
    for code in OUTCOMES:
        hit = neighbours["outcome"].astype("string").eq(code).fillna(False)
        rows.append({"outcome": code, "cases": int(hit.sum()),
                     "share": float(hit.mean()) if len(hit) else np.nan,
                     "weighted_share": float(w[hit].sum() / w.sum()) if w.sum() else np.nan})
    out = pd.DataFrame(rows).set_index("outcome")
    out.attrs["mean_realised_dscr"] = float(neighbours["realised_dscr"].mean()) if (
        "realised_dscr" in neighbours and neighbours["realised_dscr"].notna().any()) else np.nan
    return out


def _label(col: str, code: Any, lang: str) -> str:
    if code is None or pd.isna(code):
        return "—"
    pair = CASE_CODES[col].get(str(code))
    return pair[0 if lang == "zh" else 1] if pair else str(code)


def case_cards(neighbours: pd.DataFrame, lang: str = "zh") -> list[str]:
    """One short line per case: who, what, how much, how long, how it ended."""
    cards = []
    for r in neighbours.itertuples(index=False):
        amount = (f"{r.amount / 1e8:,.2f} 亿元" if lang == "zh" else f"CNY {r.amount / 1e6:,.1f} m")
        dscr = getattr(r, "realised_dscr", np.nan)
        tail = (f", {t('col.dscr', lang)} {dscr:.2f}" if pd.notna(dscr) else "")
        desc = getattr(r, "description", pd.NA)
        cards.append(
            f"{r.case_id}: {_label('industry', r.industry, lang)} · "
            f"{_label('region', r.region, lang)} · {_label('product', r.product, lang)} · "
            f"{amount} · {r.tenor_months} {t('plan.months', lang)} · "
            f"{_label('collateral_type', r.collateral_type, lang)} · "
            f"{_label('structure', r.structure, lang)} → {_label('outcome', r.outcome, lang)}"
            f"{tail} ({t('plan.similarity', lang)} {r.similarity:.0%})"
            + (f" — {desc}" if isinstance(desc, str) and desc else ""))
    return cards
