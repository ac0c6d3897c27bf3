"""Weight-of-evidence (WOE) binning for the credit scorecard, vectorised.

Numeric features are cut at quantiles (``n_prebins`` pre-bins; a feature with at most
``n_prebins`` distinct values gets one pre-bin per value), then adjacent bins are pooled
until the default rate is strictly monotone in the feature's direction (pool-adjacent-
violators). With ``shrinkage`` (the default) the rates pooled are the pre-bins' rates shrunk
towards the feature's trend (:mod:`crmkit.score.credit.shrinkage`), and the bins' WOE is that
of the shrunk rates: the WOE is strictly monotone, while the observed rates in the binning
table may wiggle within their noise. Then the smallest bins are merged into their closest
neighbour until every bin holds at least ``min_bin_share`` of the sample (which keeps the
rates monotone); a missing or "other" bin smaller than that gets WOE 0 (pooled with the whole
sample, see :func:`_neutral_small`); a larger missing bin's WOE is shrunk towards 0 by how
little its rate stands out from noise. Categorical features get one bin per category;
categories rarer than ``rare_category_share`` (and categories first seen when scoring) share
the ``(other)`` bin. Missing values always have their own bin.

WOE follows the scorecard convention (Siddiqi): ``WOE = ln(%good / %bad)``, so a high WOE is a
safe bin; with pseudo-count ``a`` (``smoothing``) and ``k`` non-empty bins of a feature::

    WOE_i = ln( ((g_i + a) / (G + a k)) / ((b_i + a) / (B + a k)) )
    IV    = sum_i ((g_i + a) / (G + a k) - (b_i + a) / (B + a k)) * WOE_i

An empty bin (e.g. no missing values in training) gets WOE 0, the sample average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from crmkit.core.errors import CreditError
from crmkit.score.aggregate import lookup
from crmkit.score.credit.shrinkage import shrink_single, trend_shrunk_events

__all__ = ["WoeBinner", "FeatureBins", "woe_iv", "MISSING", "OTHER", "DIRECTIONS"]

MISSING = "(missing)"
OTHER = "(other)"
DIRECTIONS = ("auto", "ascending", "descending")
_WOE_CLIP = 10.0  # |WOE| cap when smoothing = 0 meets a bin with no goods or no bads


def woe_iv(events: np.ndarray, n: np.ndarray, smoothing: float = 0.5
           ) -> tuple[np.ndarray, np.ndarray]:
    """WOE and IV contribution of each bin from its counts (``events`` = defaults = bads).

    Empty bins get WOE 0 and IV 0. With ``smoothing=0`` this is the textbook formula.
    """
    n = np.asarray(n, dtype=float)
    bad = np.asarray(events, dtype=float)
    good = n - bad
    used = n > 0
    k = int(used.sum())
    a = float(smoothing)
    pg = (good + a) / (good.sum() + a * k)
    pb = (bad + a) / (bad.sum() + a * k)
    with np.errstate(divide="ignore", invalid="ignore"):
        woe = np.clip(np.log(pg / pb), -_WOE_CLIP, _WOE_CLIP)
    woe = np.where(used, woe, 0.0)
    return woe, np.where(used, (pg - pb) * woe, 0.0)


@dataclass
class FeatureBins:
    """The fitted bins of one feature: layout, training counts and WOE.

    Numeric: bins ``(-inf, cuts[0]], (cuts[0], cuts[1]], ..., (cuts[-1], inf)``, then missing.
    Categorical: one bin per kept category, then ``(other)``, then missing.
    """

    feature: str
    kind: str
    direction: str
    cuts: np.ndarray = field(default_factory=lambda: np.empty(0))
    categories: list[str] = field(default_factory=list)
    n: np.ndarray = field(default_factory=lambda: np.empty(0))
    events: np.ndarray = field(default_factory=lambda: np.empty(0))
    woe: np.ndarray = field(default_factory=lambda: np.empty(0))
    iv: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n_bins(self) -> int:
        return (len(self.cuts) + 2) if self.kind == "numeric" else (len(self.categories) + 2)

    @property
    def missing_index(self) -> int:
        return self.n_bins - 1

    @property
    def labels(self) -> list[str]:
        if self.kind == "categorical":
            return [*self.categories, OTHER, MISSING]
        edges = ["-inf", *(_fmt(c) for c in self.cuts), "inf"]
        out = [f"({lo}, {hi}]" for lo, hi in zip(edges[:-2], edges[1:-1], strict=True)]
        return [*out, f"({edges[-2]}, inf)", MISSING]

    def index(self, s: pd.Series) -> np.ndarray:
        """Bin index of every value of ``s`` (vectorised)."""
        if self.kind == "numeric":
            x = s.to_numpy(dtype=float, na_value=np.nan)
            idx = np.searchsorted(self.cuts, x, side="left")
            idx[np.isnan(x)] = self.missing_index
            return idx
        st = s.astype("string")
        codes = lookup(pd.Index(self.categories, dtype="string"), st)
        missing = st.isna().to_numpy()
        return np.where(codes >= 0, codes,
                        np.where(missing, self.missing_index, self.missing_index - 1))


def _neutral_small(fb: FeatureBins, total: int, min_share: float,
                   bins: tuple[int, ...]) -> FeatureBins:
    """Give the missing / other bins smaller than ``min_share`` of the sample WOE 0.

    Such a bin cannot be merged with a neighbour (it has none on the value axis), and its
    own counts are too few to estimate a rate: two missing rows that both defaulted would
    otherwise earn a WOE of -2.5 and a heavy penalty. WOE 0 pools it with the whole sample
    (neither reward nor penalty); its IV contribution is 0.
    """
    for i in bins:
        if 0 < fb.n[i] < min_share * total:
            fb.woe[i], fb.iv[i] = 0.0, 0.0
    return fb


def _shrunk_woe(gn: np.ndarray, ge: np.ndarray, pseudo: np.ndarray, woe: np.ndarray,
                iv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WOE and IV of numeric bins from their shrunk (pseudo) events; the missing bin (last)
    keeps its own counts, shrunk towards 0 by :func:`shrink_single`."""
    woe, iv = woe.copy(), iv.copy()
    bad, good = ge.sum(), gn.sum() - ge.sum()
    k = len(pseudo)
    rate = np.clip(pseudo / gn[:k], 1e-12, 1 - 1e-12)
    woe[:k] = np.clip(np.log((1 - rate) / rate) - np.log(good / bad), -_WOE_CLIP, _WOE_CLIP)
    iv[:k] = (gn[:k] * (1 - rate) / good - gn[:k] * rate / bad) * woe[:k]
    raw = woe[-1]
    woe[-1] = shrink_single(raw, ge[-1], gn[-1])
    iv[-1] = iv[-1] * (woe[-1] / raw) if raw else 0.0
    return woe, iv


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _pav(n: np.ndarray, e: np.ndarray, increasing: bool) -> list[list[float]]:
    """Pool adjacent pre-bins until the event rate is strictly monotone: [[n, e, start]]."""
    st: list[list[float]] = []
    for j in range(len(n)):
        st.append([float(n[j]), float(e[j]), j])
        while len(st) >= 2:
            a, b = st[-2], st[-1]
            lhs, rhs = a[1] * b[0], b[1] * a[0]  # rate(a) vs rate(b), no division
            tol = 1e-9 * max(abs(lhs), abs(rhs))  # rates equal but for rounding are pooled
            if (lhs >= rhs - tol) if increasing else (lhs <= rhs + tol):
                a[0] += b[0]
                a[1] += b[1]
                st.pop()
            else:
                break
    return st


def _merge_small(groups: list[list[float]], total: float, min_share: float
                 ) -> list[list[float]]:
    """Merge the smallest group into its closer-rate neighbour until all reach min_share."""
    groups = [g[:] for g in groups]
    while len(groups) > 1:
        sizes = np.array([g[0] for g in groups])
        i = int(np.argmin(sizes))
        if sizes[i] / total >= min_share:
            break
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            r = [g[1] / g[0] for g in groups]
            dl, dr = abs(r[i] - r[i - 1]), abs(r[i + 1] - r[i])
            j = i - 1 if (dl, sizes[i - 1]) <= (dr, sizes[i + 1]) else i + 1
        lo = min(i, j)
        groups[lo] = [groups[lo][0] + groups[lo + 1][0], groups[lo][1] + groups[lo + 1][1],
                      groups[lo][2]]
        del groups[lo + 1]
    return groups


class WoeBinner(TransformerMixin, BaseEstimator):
    """Monotone WOE binning of numeric and categorical features.

    Parameters
    ----------
    numeric, categorical
        Column names; if both are None, numeric dtypes are numeric and the rest categorical.
    directions
        ``{feature: "auto" | "ascending" | "descending"}``: how the default rate must move
        as a numeric feature grows; unlisted features are "auto" (the direction with the
        higher IV).
    n_prebins, min_bin_share, rare_category_share, smoothing
        See the module docstring.
    shrinkage
        Shrink numeric pre-bins' WOE towards their trend before pooling, and the missing
        bin's towards 0 (:mod:`crmkit.score.credit.shrinkage`); False: raw counts.

    Attributes
    ----------
    bins_ : dict[str, FeatureBins]
    iv_ : pandas.Series
        Information value per feature, highest first.
    direction_ : dict[str, str]
        The direction used for each numeric feature ("auto" resolved).
    binning_table_ : pandas.DataFrame
        One row per bin: feature, kind, direction, bin, n, events, share, event_rate, woe, iv.
    """

    def __init__(self, numeric: Sequence[str] | None = None,
                 categorical: Sequence[str] | None = None,
                 directions: Mapping[str, str] | None = None, n_prebins: int = 10,
                 min_bin_share: float = 0.05, rare_category_share: float = 0.02,
                 smoothing: float = 0.5, shrinkage: bool = True):
        self.numeric = numeric
        self.categorical = categorical
        self.directions = directions
        self.n_prebins = n_prebins
        self.min_bin_share = min_bin_share
        self.rare_category_share = rare_category_share
        self.smoothing = smoothing
        self.shrinkage = shrinkage

    # -- fitting ---------------------------------------------------------------------------
    def _validate(self, X: pd.DataFrame, y: object) -> np.ndarray:
        checks = [
            ("n_prebins", isinstance(self.n_prebins, int | np.integer) and self.n_prebins >= 2,
             "an int >= 2"),
            ("min_bin_share", 0 < self.min_bin_share < 0.5, "a float in (0, 0.5)"),
            ("rare_category_share", 0 <= self.rare_category_share < 0.5,
             "a float in [0, 0.5)"),
            ("smoothing", self.smoothing >= 0, "a float >= 0"),
        ]
        for name, ok, want in checks:
            if not ok:
                raise CreditError(f"The {name!r} parameter of WoeBinner must be {want}. "
                                  f"Got {getattr(self, name)!r} instead.")
        bad = {f: d for f, d in (self.directions or {}).items() if d not in DIRECTIONS}
        if bad:
            raise CreditError(f"The 'directions' parameter of WoeBinner must map features to "
                              f"one of {DIRECTIONS}. Got {bad} instead.")
        if not isinstance(X, pd.DataFrame):
            raise CreditError("WoeBinner.fit expects a pandas DataFrame of features")
        yv = np.asarray(y, dtype=float)
        if yv.shape != (len(X),):
            raise CreditError(f"y has {yv.size} values for {len(X)} rows of X")
        if np.isnan(yv).any() or not np.isin(yv, [0.0, 1.0]).all():
            raise CreditError("y must be 0/1 (1 = default) with no missing values")
        if yv.sum() == 0 or yv.sum() == len(yv):
            raise CreditError("y holds a single class; WOE needs both defaults and "
                              "non-defaults")
        return yv

    def fit(self, X: pd.DataFrame, y: object) -> WoeBinner:
        """Fit the bins of every feature on ``X`` and the 0/1 default flag ``y``."""
        yv = self._validate(X, y)
        if self.numeric is None and self.categorical is None:
            num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                   and not pd.api.types.is_bool_dtype(X[c])]
            cat = [c for c in X.columns if c not in num]
        else:
            num, cat = list(self.numeric or []), list(self.categorical or [])
        absent = [c for c in [*num, *cat] if c not in X.columns]
        if absent:
            raise CreditError(f"WoeBinner: X has no column {absent}")
        self.bins_: dict[str, FeatureBins] = {}
        self.direction_: dict[str, str] = {}
        for c in num:
            self.bins_[c] = self._fit_numeric(c, X[c], yv)
            self.direction_[c] = self.bins_[c].direction
        for c in cat:
            self.bins_[c] = self._fit_categorical(c, X[c], yv)
        self.feature_names_in_ = np.array([*num, *cat], dtype=object)
        self.iv_ = pd.Series({c: float(b.iv.sum()) for c, b in self.bins_.items()},
                             name="iv").sort_values(ascending=False)
        self.binning_table_ = self._table(len(yv))
        return self

    def _fit_numeric(self, name: str, s: pd.Series, y: np.ndarray) -> FeatureBins:
        x = s.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(x)
        xv, yv = x[ok], y[ok]
        want = (self.directions or {}).get(name, "auto")
        if xv.size == 0:
            cuts = np.empty(0)
        else:
            values = np.unique(xv)
            if values.size <= self.n_prebins:  # few distinct values: one pre-bin each
                cuts = values[:-1]
            else:
                cuts = np.unique(np.quantile(xv, np.linspace(0, 1, self.n_prebins + 1)[1:-1],
                                             method="inverted_cdf"))
                cuts = cuts[cuts < values[-1]]
        idx = np.searchsorted(cuts, xv, side="left")
        n = np.bincount(idx, minlength=len(cuts) + 1).astype(float)
        e = np.bincount(idx, weights=yv, minlength=len(cuts) + 1)
        n_miss, e_miss = float((~ok).sum()), float(y[~ok].sum())
        # shrunk pre-bin events (see crmkit.score.credit.shrinkage): noise does not cut bins
        shrink = self.shrinkage and xv.size > 0 and 0 < yv.sum() < yv.size and (n > 0).all()
        es = (trend_shrunk_events(n, e, pd.Series(xv).groupby(idx).median().to_numpy())
              if shrink else e)
        options = ["ascending", "descending"] if want == "auto" else [want]
        best: FeatureBins | None = None
        for d in options:
            groups = _merge_small(_pav(n, es, d == "ascending"), len(y), self.min_bin_share)
            starts = [int(g[2]) for g in groups]
            gn = np.array([*np.add.reduceat(n, starts), n_miss])
            ge = np.array([*np.add.reduceat(e, starts), e_miss])
            woe, iv = woe_iv(ge, gn, self.smoothing)
            if shrink:
                woe, iv = _shrunk_woe(gn, ge, np.add.reduceat(es, starts), woe, iv)
            fb = _neutral_small(FeatureBins(name, "numeric", d,
                                            cuts=cuts[[s - 1 for s in starts[1:]]],
                                            n=gn, events=ge, woe=woe, iv=iv),
                                len(y), self.min_bin_share, (len(gn) - 1,))
            if best is None or fb.iv.sum() > best.iv.sum() + 1e-12:
                best = fb
        assert best is not None
        return best

    def _fit_categorical(self, name: str, s: pd.Series, y: np.ndarray) -> FeatureBins:
        st = s.astype("string")
        counts = st.value_counts(dropna=True)
        keep = sorted(str(c) for c in counts.index[counts / len(st) >= self.rare_category_share]
                      if str(c) not in (OTHER, MISSING))
        fb = FeatureBins(name, "categorical", "", categories=keep)
        idx = fb.index(st)
        fb.n = np.bincount(idx, minlength=fb.n_bins).astype(float)
        fb.events = np.bincount(idx, weights=y, minlength=fb.n_bins)
        fb.woe, fb.iv = woe_iv(fb.events, fb.n, self.smoothing)
        return _neutral_small(fb, len(y), self.min_bin_share, (fb.missing_index - 1,
                                                               fb.missing_index))

    def _table(self, total: int) -> pd.DataFrame:
        parts = []
        for c, b in self.bins_.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(b.n > 0, b.events / b.n, np.nan)
            parts.append(pd.DataFrame({
                "feature": c, "kind": b.kind, "direction": b.direction,
                "bin_index": np.arange(b.n_bins), "bin": b.labels, "n": b.n.astype(int),
                "events": b.events.astype(int), "share": b.n / total, "event_rate": rate,
                "woe": b.woe, "iv": b.iv, "feature_iv": b.iv.sum()}))
        return pd.concat(parts, ignore_index=True)

    # -- applying --------------------------------------------------------------------------
    def _check(self, X: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
        if not hasattr(self, "bins_"):
            raise CreditError("this WoeBinner is not fitted yet; call fit(X, y) first")
        cols = list(self.bins_) if columns is None else list(columns)
        unknown = [c for c in cols if c not in self.bins_]
        if unknown:
            raise CreditError(f"the binner was not fitted on {unknown}; it knows "
                              f"{list(self.bins_)}")
        absent = [c for c in cols if c not in X.columns]
        if absent:
            raise CreditError(f"X has no column {absent} that the binner was fitted on")
        return cols

    def bin_indices(self, X: pd.DataFrame, columns: Sequence[str] | None = None
                    ) -> pd.DataFrame:
        """Bin index of every value of ``columns`` (default: all fitted features)."""
        cols = self._check(X, columns)
        return pd.DataFrame({c: self.bins_[c].index(X[c]) for c in cols}, index=X.index)

    def transform(self, X: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """WOE of every value of ``columns`` (default: all fitted features)."""
        cols = self._check(X, columns)
        return pd.DataFrame({c: self.bins_[c].woe[self.bins_[c].index(X[c])] for c in cols},
                            index=X.index)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(list(self.bins_), dtype=object)
