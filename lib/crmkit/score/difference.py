"""The difference matrix: indicators normalised to 0-100, dimension scores, a weighted total.

:func:`score_clients` takes the client features (:func:`crmkit.score.features.client_features`) and
the ``scoring:`` parameters (:class:`crmkit.params.scoring.ScoringParams`, which documents the
methods, defaults and the missing-value policy) and returns a :class:`ScoreResult`:

- ``indicators``: each indicator normalised to 0-100 (NaN where the value is missing);
- ``scores``: one 0-100 column per dimension, ``total`` (0-100) and ``missing`` (how many
  weighted indicators of the client were missing);
- ``contributions``: dimension weight x dimension score; the row sums equal ``total``.

:func:`top_drivers` names the dimensions that lift or pull down each client's total most against
the portfolio average; :func:`weight_sensitivity` counts how many clients change tier when one
dimension weight moves by +/- 10 %. Everything is vectorised over clients.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit.core.errors import CrmkitError, ParametersError
from crmkit.params.scoring import (
    DIMENSIONS,
    IndicatorSpec,
    ScoringParams,
    check_weights,
    parse_cap,
)

__all__ = ["ScoreResult", "score_clients", "normalise", "top_drivers", "weight_sensitivity",
           "DIMENSIONS", "DIMENSION_LABELS", "INDICATOR_LABELS", "label"]

#: Dimension -> (中文, English).
DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "contribution": ("业务贡献", "Business contribution"),
    "lifecycle": ("生命周期", "Lifecycle stage"),
    "credit": ("信用状况", "Credit standing"),
    "relationship": ("客户关系", "Relationship"),
    "risk_appetite": ("风险偏好", "Risk appetite"),
    "region_industry": ("区域与行业", "Region & industry"),
    "total": ("综合得分", "Composite score"),
    "missing": ("缺失指标数", "Missing indicators"),
}

#: Indicator (feature column) -> (中文, English), for the default indicators.
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "income": ("综合收益", "Income"),
    "exposure": ("敞口", "Exposure"),
    "n_products": ("产品数", "Products held"),
    "tenure_years": ("合作年限", "Tenure (years)"),
    "lifecycle_stage": ("生命周期阶段", "Lifecycle stage"),
    "debt_to_assets": ("资产负债率", "Debt to assets"),
    "dscr": ("偿债覆盖率", "DSCR"),
    "interest_cover": ("利息保障倍数", "Interest cover"),
    "current_ratio": ("流动比率", "Current ratio"),
    "on_time_share": ("按时还款率", "On-time repayment share"),
    "dpd_max": ("最长逾期天数", "Max days past due"),
    "csat_latest": ("最近满意度", "Latest CSAT"),
    "nps_latest": ("最近推荐意愿", "Latest NPS score"),
    "complaints_12m": ("近12个月投诉", "Complaints (12 m)"),
    "interactions_12m": ("近12个月接触", "Interactions (12 m)"),
    "needs_fulfilled_share": ("需求满足率", "Needs fulfilled share"),
    "risk_appetite": ("风险偏好", "Risk appetite"),
    "region": ("地区", "Region"),
    "industry": ("行业", "Industry"),
}

_EPS = 1e-9


def _hint(name: str, choices: pd.Index) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def label(name: str, lang: str = "zh") -> str:
    """The Chinese or English label of a dimension or indicator (the name itself if unknown)."""
    if lang not in ("zh", "en"):
        raise CrmkitError(f"lang must be 'zh' or 'en', got {lang!r}")
    pair = DIMENSION_LABELS.get(name) or INDICATOR_LABELS.get(name)
    return name if pair is None else pair[0 if lang == "zh" else 1]


@dataclass(frozen=True)
class ScoreResult:
    """The output of :func:`score_clients`; every frame is indexed by ``client_id``.

    Attributes
    ----------
    scores
        One column per dimension (0-100), ``total`` (0-100) and ``missing`` (count of
        missing indicator values in weighted dimensions). A dimension with weight 0 whose
        columns are absent from the features is NaN.
    contributions
        Weight x dimension score per dimension; each row sums to ``total``.
    indicators
        Each indicator normalised to 0-100; NaN where the client's value is missing.
    weights
        The normalised dimension weights (sum 1), indexed by dimension.
    """

    scores: pd.DataFrame
    contributions: pd.DataFrame
    indicators: pd.DataFrame
    weights: pd.Series


def normalise(values: pd.Series, spec: IndicatorSpec, name: str = "indicator") -> np.ndarray:
    """Normalise one indicator to 0-100 by ``spec.method``; NaN stays NaN (missing).

    Raises
    ------
    ParametersError
        When a numeric method is given a non-numeric column.
    """
    if spec.method == "map":
        codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
        table = np.array([spec.mapping.get(str(u), np.nan) for u in uniques] + [np.nan],
                         dtype=float)
        return table[codes]  # code -1 (missing) picks the trailing NaN
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        raise ParametersError(
            f"scoring.indicators: {name} uses method {spec.method!r} but column "
            f"{values.name!r} is not numeric ({values.dtype}); use method 'map' for categories")
    x = values.to_numpy(dtype=float, na_value=np.nan)
    x = np.where(np.isfinite(x), x, np.nan)
    ok = ~np.isnan(x)
    if spec.method == "bands":
        s = np.asarray(spec.scores, dtype=float)[
            np.searchsorted(np.asarray(spec.cuts, dtype=float), np.where(ok, x, 0), "right")]
        return np.where(ok, s, np.nan)
    if spec.method == "percentile":
        n = int(ok.sum())
        ranks = pd.Series(x).rank(method="average").to_numpy()
        s = (ranks - 1) / (n - 1) * 100 if n > 1 else np.where(ok, 50.0, np.nan)
    else:  # minmax
        lo, hi = (_cap(spec.lower_cap, x[ok]), _cap(spec.upper_cap, x[ok]))
        if hi > lo:
            s = np.clip((x - lo) / (hi - lo), 0.0, 1.0) * 100
        else:  # a degenerate range: above it 100, below 0, on it 50
            s = np.where(x > lo, 100.0, np.where(x < lo, 0.0, 50.0))
        s = np.where(ok, s, np.nan)
    return s if spec.higher_is_better else 100.0 - s


def _cap(cap: float | str, valid: np.ndarray) -> float:
    kind, v = parse_cap(cap)
    if kind == "value":
        return v
    return float(np.quantile(valid, v)) if len(valid) else np.nan


def score_clients(features: pd.DataFrame, params: ScoringParams | None = None) -> ScoreResult:
    """Score every client on the difference matrix.

    Parameters
    ----------
    features
        One row per client (index ``client_id``), e.g. from
        :func:`crmkit.score.features.client_features`; must hold every indicator's column.
    params
        The ``scoring:`` section; default :class:`ScoringParams()`.

    Returns
    -------
    ScoreResult

    Raises
    ------
    ParametersError
        An indicator's column is not in ``features`` (with a did-you-mean hint) or a numeric
        method meets a non-numeric column.
    """
    params = params or ScoringParams()
    weights = pd.Series(params.normalised_weights())
    absent = {d: [s.column or k for k, s in specs.items() if (s.column or k) not in features]
              for d, specs in params.indicators.items()}
    needed = [f"scoring.indicators.{d}: features have no column {c!r}"
              f"{_hint(c, features.columns)}"
              for d, cols in absent.items() if weights[d] > 0 for c in cols]
    if needed:
        raise ParametersError("; ".join(needed) + ". Fix the column names, give the "
                              "dimension weight 0, or compute the features with "
                              "crmkit.score.features.client_features.")
    n, neutral = len(features), params.neutral_score
    ind_cols: dict[str, np.ndarray] = {}
    dims = np.full((n, len(DIMENSIONS)), neutral, dtype=float)
    missing = np.zeros(n, dtype=np.int64)
    for j, dim in enumerate(DIMENSIONS):
        specs = params.indicators.get(dim, {})
        if absent.get(dim):  # a zero-weight dimension without its data: not scored
            dims[:, j] = np.nan
            ind_cols.update({k: np.full(n, np.nan) for k in specs})
            continue
        num, den = np.zeros(n), np.zeros(n)
        for name, spec in specs.items():
            s = normalise(features[spec.column or name], spec, f"{dim}.{name}")
            ind_cols[name] = s
            if spec.weight == 0:
                continue
            present = ~np.isnan(s)
            if weights[dim] > 0:
                missing += ~present
            if params.missing == "neutral":
                num += spec.weight * np.where(present, s, neutral)
                den += spec.weight
            else:
                num += spec.weight * np.where(present, s, 0.0)
                den += spec.weight * present
        with np.errstate(invalid="ignore", divide="ignore"):
            dims[:, j] = np.where(den > 0, num / np.where(den > 0, den, 1), neutral)
    dims = np.clip(dims, 0.0, 100.0)
    w = weights.reindex(DIMENSIONS).to_numpy()
    contrib = np.where(w > 0, dims * w, 0.0)
    index = features.index.rename("client_id")
    scores = pd.DataFrame(dims, index=index, columns=list(DIMENSIONS))
    scores["total"] = np.clip(contrib.sum(axis=1), 0.0, 100.0)
    scores["missing"] = missing
    return ScoreResult(
        scores=scores,
        contributions=pd.DataFrame(contrib, index=index, columns=list(DIMENSIONS)),
        indicators=pd.DataFrame(ind_cols, index=index),
        weights=weights.rename("weight"),
    )


def top_drivers(result: ScoreResult, n: int = 3) -> pd.DataFrame:
    """The dimensions that lift or pull down each client's total most, against the average.

    A dimension's *effect* on a client is its contribution minus the portfolio's mean
    contribution of that dimension (points of ``total``); the effects of a client sum to its
    total minus the portfolio's mean total.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per client and driver: ``client_id``, ``kind`` ("lift" or
        "drag"), ``rank`` (1 = strongest), ``dimension``, ``effect`` (points), ``label_zh``,
        ``label_en``. Up to ``n`` lifts (effect > 0) and ``n`` drags (effect < 0) per client.
    """
    if n < 1:
        raise CrmkitError(f"top_drivers: n must be at least 1, got {n}")
    contrib = result.contributions
    eff = (contrib - contrib.mean(axis=0)).to_numpy()
    k = min(n, eff.shape[1])
    # Per client: k lifts (largest effects first), then k drags (most negative first).
    top = np.concatenate([np.argsort(-eff, axis=1, kind="stable")[:, :k],
                          np.argsort(eff, axis=1, kind="stable")[:, :k]], axis=1)
    val = np.take_along_axis(eff, top, axis=1)
    lift = np.repeat([[True] * k + [False] * k], len(eff), axis=0)
    keep = np.where(lift, val > _EPS, val < -_EPS).ravel()
    rows = np.repeat(np.arange(len(eff)), 2 * k)[keep]
    dims = list(contrib.columns)
    dim_codes = top.ravel()[keep]
    out = pd.DataFrame({
        "client_id": contrib.index.take(rows),
        "kind": pd.Categorical.from_codes(np.where(lift.ravel()[keep], 0, 1),
                                          categories=["lift", "drag"]),
        "rank": np.tile(np.r_[1:k + 1, 1:k + 1], len(eff))[keep],
        "dimension": pd.Categorical.from_codes(dim_codes, categories=dims),
        "effect": val.ravel()[keep],
    })
    for lang in ("zh", "en"):
        out[f"label_{lang}"] = pd.Categorical.from_codes(
            dim_codes, categories=[label(d, lang) for d in dims])
    return out


def _tier_array(tier_fn: Callable, totals: pd.Series) -> np.ndarray | pd.Categorical:
    tiers = tier_fn(totals)
    if isinstance(tiers, pd.Series) and not tiers.index.equals(totals.index) \
            and len(tiers) == len(totals) and tiers.index.isin(totals.index).all():
        tiers = tiers.reindex(totals.index)
    if isinstance(getattr(tiers, "dtype", None), pd.CategoricalDtype):
        arr = pd.Categorical(tiers)  # compared by codes: fast for a million clients
    else:
        arr = np.asarray(tiers)
    if arr.shape != (len(totals),):
        raise CrmkitError(f"weight_sensitivity: tier_fn must return one tier per client "
                          f"({len(totals)}), got shape {arr.shape}")
    return arr


def _n_changed(a: np.ndarray | pd.Categorical, b: np.ndarray | pd.Categorical) -> int:
    """How many positions differ (two missing tiers count as equal)."""
    if isinstance(a, pd.Categorical) and isinstance(b, pd.Categorical) \
            and a.categories.equals(b.categories):
        return int((a.codes != b.codes).sum())
    a, b = np.asarray(a), np.asarray(b)
    na_a, na_b = pd.isna(a), pd.isna(b)
    both = ~na_a & ~na_b
    same = na_a & na_b
    same[both] = np.asarray(a[both] == b[both], dtype=bool)
    return int((~same).sum())


def weight_sensitivity(features: pd.DataFrame, params: ScoringParams | None,
                       tier_fn: Callable[[pd.Series], pd.Series | np.ndarray],
                       step: float = 0.10) -> pd.DataFrame:
    """How many clients change tier when one dimension weight moves down or up by ``step``.

    Each dimension weight in turn is multiplied by ``1 - step`` and ``1 + step``, the weights
    are re-normalised, every client re-scored and tiered with ``tier_fn(total) -> tiers``
    (a Series or array, one tier per client), and the tiers compared with the base tiers.

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``direction`` ("-10%" / "+10%"), ``clients_changed``,
        ``share_changed`` (of all clients); two rows per dimension.
    """
    if not 0 < step < 1:
        raise CrmkitError(f"weight_sensitivity: step must lie strictly between 0 and 1 "
                          f"(0.10 moves each weight by 10 %), got {step!r}")
    params = params or ScoringParams()
    base = score_clients(features, params)
    dims = np.nan_to_num(base.scores[list(DIMENSIONS)].to_numpy())  # NaN only at weight 0
    w = base.weights.reindex(DIMENSIONS).to_numpy()
    index = base.scores.index
    base_t = _tier_array(tier_fn, base.scores["total"])
    n = len(index)
    rows = []
    for j, dim in enumerate(DIMENSIONS):
        for sign in (-1, 1):
            w2 = w.copy()
            w2[j] *= 1 + sign * step
            w2 = pd.Series(check_weights(dict(zip(DIMENSIONS, w2, strict=True)))).to_numpy()
            total = pd.Series(np.clip(dims @ w2, 0.0, 100.0), index=index, name="total")
            new_t = _tier_array(tier_fn, total)
            changed = _n_changed(base_t, new_t)
            rows.append({"dimension": dim, "direction": f"{sign * step:+.0%}",
                         "clients_changed": changed,
                         "share_changed": changed / n if n else np.nan})
    return pd.DataFrame(rows)
