"""Client tiering: A/B/C tiers, the credit-risk x repayment-capacity matrix, Pareto, profiles.

Every function takes plain Series / DataFrames indexed by ``client_id`` (the composite score
``total`` of :mod:`crmkit.score.difference`, the ``pd`` of :mod:`crmkit.score.credit.fit`, the client features of
:mod:`crmkit.score.features`) and the :class:`~crmkit.params.tiering.TieringParams` section. Tiers,
levels and segments are returned as *codes* (``"A"``, ``"high"``, ``"high_weak"``); display names
come from :func:`tier_names`, :func:`segment_labels` and :mod:`crmkit.core.i18n`.

The Pareto analysis lives in :mod:`crmkit.tier.pareto_analysis`, client profiles in
:mod:`crmkit.tier.profiles`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit.core.errors import TieringError
from crmkit.core.i18n import check_lang, t
from crmkit.params.gates import RiskGates
from crmkit.params.tiering import (
    CAPACITY_LEVELS,
    RISK_LEVELS,
    SEGMENTS,
    UNKNOWN,
    TieringParams,
)
from crmkit.tier.gates import cap_tiers, covenant_breach, gated_risk, risk_status
from crmkit.tier.pareto_analysis import ParetoResult, pareto
from crmkit.tier.profiles import ProfileResult, client_profiles

__all__ = [
    "TIERS",
    "TIER_DTYPE",
    "RISK_DTYPE",
    "CAPACITY_DTYPE",
    "SEGMENT_DTYPE",
    "abc_tiers",
    "tier_names",
    "tier_summary",
    "risk_level",
    "capacity_detail",
    "capacity_level",
    "risk_capacity_matrix",
    "matrix_table",
    "segment_labels",
    "segment_summary",
    "unknown_clients",
    "tier_table",
    "pareto",
    "ParetoResult",
    "client_profiles",
    "ProfileResult",
]

#: Tier codes, best first.
TIERS: tuple[str, ...] = ("A", "B", "C")
#: Ordered categorical of tiers: ``"A" > "B" > "C"`` (so ``tier >= "B"`` selects A and B).
TIER_DTYPE = pd.CategoricalDtype(list(reversed(TIERS)), ordered=True)
#: Categorical of credit-risk levels, with the explicit ``"unknown"``.
RISK_DTYPE = pd.CategoricalDtype([*RISK_LEVELS, UNKNOWN])
#: Categorical of repayment-capacity levels, with the explicit ``"unknown"``.
CAPACITY_DTYPE = pd.CategoricalDtype([*CAPACITY_LEVELS, UNKNOWN])
#: Categorical of the nine ``<risk>_<capacity>`` segments and ``"unknown"``.
SEGMENT_DTYPE = pd.CategoricalDtype(list(SEGMENTS))

#: Tolerance for share comparisons (0.7 * 10 is 7.000000000000001 in floating point).
_EPS = 1e-9


def _params(params: TieringParams | None) -> TieringParams:
    return TieringParams() if params is None else params


def _numeric(s: pd.Series, what: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise TieringError(f"{what} must be a pandas Series indexed by client_id; "
                           f"got {type(s).__name__}")
    if not (pd.api.types.is_numeric_dtype(s) or s.isna().all()):
        raise TieringError(f"{what} ({s.name!r}) must be numeric; got dtype {s.dtype}. Convert "
                           "it with pd.to_numeric first.")
    return s.astype("float64")


# -- A/B/C tiers ---------------------------------------------------------------------------
def abc_tiers(score: pd.Series, params: TieringParams | None = None) -> pd.Series:
    """A/B/C tier of each client from its composite score.

    ``params.abc.method == "thresholds"``: ``score >= a_min`` is A, ``score >= b_min`` is B,
    else C. ``"quantiles"``: with ``r`` the number of clients scoring strictly higher and ``n``
    the number of scored clients, ``r < a_share * n`` is A, ``r < (a_share + b_share) * n`` is
    B, else C. Both rules are monotone in the score and give tied scores the same tier (ties
    at a quantile boundary go to the better tier, so a tier may exceed its share).

    Parameters
    ----------
    score : pd.Series
        Composite score (0-100), indexed by client_id. NaN scores get no tier (NA).
    params : TieringParams, optional
        The ``tiering`` section; defaults when omitted.

    Returns
    -------
    pd.Series
        Ordered categorical ``"C" < "B" < "A"`` named ``tier``, same index as ``score``.
    """
    abc = _params(params).abc
    s = _numeric(score, "score")
    codes = np.full(len(s), np.nan, dtype=object)
    known = s.notna().to_numpy()
    v = s.to_numpy()
    if abc.method == "thresholds":
        cond = [v >= abc.a_min, v >= abc.b_min]
    else:
        higher = s.rank(method="min", ascending=False).to_numpy() - 1  # clients strictly above
        n = known.sum()
        cond = [higher < abc.a_share * n - _EPS,
                higher < (abc.a_share + abc.b_share) * n - _EPS]
    codes[known] = np.select([c[known] for c in cond], ["A", "B"], "C")
    return pd.Series(pd.Categorical(codes, dtype=TIER_DTYPE), index=s.index, name="tier")


def tier_names(lang: str = "zh", short: bool = False) -> dict[str, str]:
    """``{"A": "核心客户", ...}`` (or the short "A 核心" form) in ``lang``."""
    check_lang(lang)
    return {c: t(f"tier.{c}.short" if short else f"tier.{c}", lang) for c in TIERS}


def tier_summary(frame: pd.DataFrame, value: str = "exposure", tier: str = "tier",
                 score: str = "score") -> pd.DataFrame:
    """Per tier (A, B, C): clients, their share, score range and mean, ``value`` sum and share."""
    _require(frame, [tier, score, value], "tier_summary")
    g = frame.groupby(frame[tier].astype(TIER_DTYPE), observed=False)
    out = pd.DataFrame({
        "count": g.size(),
        "score_min": g[score].min(),
        "score_mean": g[score].mean(),
        "score_max": g[score].max(),
        value: g[value].sum(min_count=0),
    }).reindex(list(TIERS))
    out["count_share"] = out["count"] / max(out["count"].sum(), 1)
    total = out[value].sum()
    out[f"{value}_share"] = out[value] / total if total else np.nan
    out.index.name = "tier"
    return out


# -- credit risk x repayment capacity ------------------------------------------------------
def risk_level(values: pd.Series, params: TieringParams | None = None) -> pd.Series:
    """Credit-risk level ``low | medium | high`` per client; ``unknown`` when the input is NaN.

    ``params.risk.basis == "pd"``: ``values`` is a probability of default (fraction);
    ``pd < pd_low_below`` is low, ``pd < pd_medium_below`` medium, else high.
    ``"score"``: ``values`` is a risk score where higher is safer; ``>= score_low_min`` is low,
    ``>= score_medium_min`` medium, else high.

    Returns
    -------
    pd.Series
        Categorical (:data:`RISK_DTYPE`) named ``risk``, same index as ``values``.
    """
    rp = _params(params).risk
    v = _numeric(values, "pd" if rp.basis == "pd" else "risk score")
    if rp.basis == "pd":
        bad = v[(v < 0) | (v > 1)]
        if len(bad):
            raise TieringError(
                f"pd must be a probability in [0, 1] (a fraction: 0.05 for 5 %); {len(bad)} "
                f"client(s) out of range, e.g. {bad.index[0]}={bad.iloc[0]:g}. If these are risk "
                "scores, set tiering.risk.basis: score.")
        cond = [v < rp.pd_low_below, v < rp.pd_medium_below]
    else:
        cond = [v >= rp.score_low_min, v >= rp.score_medium_min]
    levels = np.select(cond, ["low", "medium"], "high").astype(object)
    levels[v.isna().to_numpy()] = UNKNOWN
    return pd.Series(pd.Categorical(levels, dtype=RISK_DTYPE), index=v.index, name="risk")


def capacity_detail(features: pd.DataFrame, params: TieringParams | None = None) -> pd.DataFrame:
    """Repayment capacity per client with the measure that decided it.

    The measures of ``params.capacity.measures`` are tried in order (default: DSCR, then
    interest cover when DSCR is missing); the first non-missing value gives ``strong``
    (``>= strong_min``), ``medium`` (``>= medium_min``) or ``weak``. A client with every measure
    missing is ``unknown`` -- never assigned a level silently; list them with
    :func:`unknown_clients`.

    Returns
    -------
    pd.DataFrame
        Columns ``capacity`` (:data:`CAPACITY_DTYPE`), ``capacity_basis`` (categorical: the
        measure's column name, NA when unknown) and ``capacity_value`` (its value), index of
        ``features``.
    """
    measures = _params(params).capacity.measures
    _require(features, [m.column for m in measures], "capacity (tiering.capacity.measures)")
    n = len(features)
    level = np.full(n, CAPACITY_DTYPE.categories.get_loc(UNKNOWN), dtype=np.int8)
    basis = np.full(n, -1, dtype=np.int8)
    value = np.full(n, np.nan)
    todo = np.ones(n, dtype=bool)
    for k, m in enumerate(measures):
        v = _numeric(features[m.column], f"features[{m.column!r}]").to_numpy()
        use = todo & ~np.isnan(v)
        level[use] = np.select([v[use] >= m.strong_min, v[use] >= m.medium_min], [0, 1], 2)
        basis[use] = k
        value[use] = v[use]
        todo &= ~use
    return pd.DataFrame({
        "capacity": pd.Categorical.from_codes(level, dtype=CAPACITY_DTYPE),
        "capacity_basis": pd.Categorical.from_codes(basis, [m.column for m in measures]),
        "capacity_value": value,
    }, index=features.index)


def capacity_level(features: pd.DataFrame, params: TieringParams | None = None) -> pd.Series:
    """Repayment capacity ``strong | medium | weak | unknown``; see :func:`capacity_detail`."""
    return capacity_detail(features, params)["capacity"].rename("capacity")


def risk_capacity_matrix(risk: pd.Series, capacity: pd.Series) -> pd.Series:
    """Segment ``<risk>_<capacity>`` (one of nine) per client, ``unknown`` if either is unknown.

    The two Series are aligned on client_id (outer join); a client missing from one of them
    is ``unknown``.

    Returns
    -------
    pd.Series
        Categorical (:data:`SEGMENT_DTYPE`) named ``segment``.
    """
    r, c = risk.astype(RISK_DTYPE).align(capacity.astype(CAPACITY_DTYPE), join="outer")
    rc, cc = r.cat.codes.to_numpy(), c.cat.codes.to_numpy()  # -1 (absent) or 3 (unknown)
    known = (rc >= 0) & (rc < len(RISK_LEVELS)) & (cc >= 0) & (cc < len(CAPACITY_LEVELS))
    seg = np.where(known, rc * len(CAPACITY_LEVELS) + cc, SEGMENTS.index(UNKNOWN))
    return pd.Series(pd.Categorical.from_codes(seg, dtype=SEGMENT_DTYPE), index=r.index,
                     name="segment")


def matrix_table(frame: pd.DataFrame, value: str = "exposure", risk: str = "risk",
                 capacity: str = "capacity", include_unknown: bool = False) -> pd.DataFrame:
    """The 3x3 matrix: clients and ``value`` sum per (risk, capacity) cell.

    Returns
    -------
    pd.DataFrame
        Index ``risk`` (low, medium, high), columns a MultiIndex ``(stat, capacity)`` with
        ``stat`` in ``("count", value)`` and capacity strong, medium, weak: ``t["count"]`` is
        the 3x3 table of counts, ``t[value]`` the 3x3 of sums (NaN values count as 0). With
        ``include_unknown`` an ``unknown`` row and column are added (4x4).
    """
    _require(frame, [risk, capacity, value], "matrix_table")
    rows = [*RISK_LEVELS, UNKNOWN] if include_unknown else list(RISK_LEVELS)
    cols = [*CAPACITY_LEVELS, UNKNOWN] if include_unknown else list(CAPACITY_LEVELS)
    r = frame[risk].astype(RISK_DTYPE)
    c = frame[capacity].astype(CAPACITY_DTYPE)
    v = _numeric(frame[value], f"frame[{value!r}]").fillna(0.0)
    g = v.groupby([r, c], observed=False)
    counts = g.size().unstack().reindex(index=rows, columns=cols).fillna(0).astype("int64")
    sums = g.sum().unstack().reindex(index=rows, columns=cols).fillna(0.0)
    out = pd.concat({"count": counts, value: sums}, axis=1, names=["stat", "capacity"])
    out.index.name = "risk"
    return out


def segment_labels(params: TieringParams | None = None, lang: str = "zh",
                   what: str = "name") -> dict[str, str]:
    """``{segment code: name}`` (``what="name"``) or strategy (``what="strategy"``) in ``lang``."""
    check_lang(lang)
    if what not in ("name", "strategy"):
        raise TieringError(f"what={what!r}: use 'name' or 'strategy'")
    return {code: getattr(lab, what)(lang) for code, lab in _params(params).segments.items()}


def segment_summary(frame: pd.DataFrame, params: TieringParams | None = None, lang: str = "zh",
                    value: str = "exposure", segment: str = "segment") -> pd.DataFrame:
    """One row per segment (nine cells + unknown): name, strategy, clients, ``value`` and shares.

    Index: segment code; columns ``risk``, ``capacity``, ``name``, ``strategy``, ``count``,
    ``count_share``, ``value``, ``value_share`` (shares of the whole portfolio, unknown
    included, so the unknown row says how much is not classified).
    """
    _require(frame, [segment, value], "segment_summary")
    seg = frame[segment].astype(SEGMENT_DTYPE)
    v = _numeric(frame[value], f"frame[{value!r}]").fillna(0.0)
    g = v.groupby(seg, observed=False)
    out = pd.DataFrame({"count": g.size(), value: g.sum()}).reindex(list(SEGMENTS))
    out["count_share"] = out["count"] / max(len(frame), 1)
    total = out[value].sum()
    out[f"{value}_share"] = out[value] / total if total else np.nan
    parts = [s.rsplit("_", 1) if s != UNKNOWN else [UNKNOWN, UNKNOWN] for s in SEGMENTS]
    out.insert(0, "risk", [p[0] for p in parts])
    out.insert(1, "capacity", [p[1] for p in parts])
    out.insert(2, "name", pd.Series(segment_labels(params, lang, "name")))
    out.insert(3, "strategy", pd.Series(segment_labels(params, lang, "strategy")))
    out.index.name = "segment"
    return out


def unknown_clients(frame: pd.DataFrame, risk: str = "risk",
                    capacity: str = "capacity") -> pd.DataFrame:
    """The clients left out of the matrix, with a stable ``reason`` code.

    ``reason`` is ``risk_unknown`` (no PD / risk score), ``capacity_unknown`` (every capacity
    measure missing) or ``both_unknown``. Other columns of ``frame`` are kept.
    """
    _require(frame, [risk, capacity], "unknown_clients")
    ru = ~frame[risk].astype(RISK_DTYPE).isin(RISK_LEVELS)  # unknown or missing
    cu = ~frame[capacity].astype(CAPACITY_DTYPE).isin(CAPACITY_LEVELS)
    out = frame[ru | cu].copy()
    reason = np.select([ru[ru | cu] & cu[ru | cu], ru[ru | cu]],
                       ["both_unknown", "risk_unknown"], "capacity_unknown")
    out.insert(0, "reason", pd.array(reason, dtype="string"))
    return out


_KEEP = ("client_name", "industry", "group_name", "exposure", "income")


def tier_table(score: pd.Series, pd_: pd.Series, features: pd.DataFrame,
               params: TieringParams | None = None, keep: Iterable[str] = _KEEP,
               gates: RiskGates | None = None) -> pd.DataFrame:
    """Everything per client in one frame: tier, risk, capacity and segment, with context.

    The client universe is ``features.index`` (client_id); ``score`` and ``pd_`` are aligned to
    it (a client without a score has no tier, without a PD an ``unknown`` risk). The risk
    gates apply first (:mod:`crmkit.tier.gates`): a client in default is at best tier C and
    high risk, one in covenant breach at best tier B and high risk, whatever its value.

    Returns
    -------
    pd.DataFrame
        Index client_id; columns ``score``, ``tier`` (after the gates), ``tier_by_value``
        (before), ``pd``, ``risk`` (after the gates), ``risk_status``, ``covenant_breach``,
        ``capacity``, ``capacity_basis``, ``capacity_value``, ``segment``, then the ``keep``
        columns of ``features`` that exist.
    """
    p = _params(params)
    g = gates or RiskGates()
    idx = features.index
    sc = _numeric(score, "score").reindex(idx)
    pdv = _numeric(pd_, "pd").reindex(idx)
    breach = (covenant_breach(features["dscr"], g) if "dscr" in features.columns
              else pd.Series(False, index=idx, name="covenant_breach"))
    status = risk_status(idx, in_default=features.get("in_default"), breach=breach, pd_=pdv,
                         gates=g)
    risk = gated_risk(risk_level(pdv, p), status)
    cap = capacity_detail(features, p)
    by_value = abc_tiers(sc, p)
    cols = {"score": sc, "tier": cap_tiers(by_value, status, breach, g),
            "tier_by_value": by_value, "pd": pdv, "risk": risk, "risk_status": status,
            "covenant_breach": breach.astype("boolean"),
            **{c: cap[c] for c in cap.columns},
            "segment": risk_capacity_matrix(risk, cap["capacity"])}
    cols |= {k: features[k] for k in keep if k in features.columns and k not in cols}
    # every column already has the index idx: build without joins (fast for 1M clients)
    return pd.DataFrame({k: v.array for k, v in cols.items()}, index=idx)


def _require(frame: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:30]))
        raise TieringError(f"{where}: column(s) {missing} not found in the frame (it has: "
                           f"{have}). Pass the client-features frame or name the column.")
