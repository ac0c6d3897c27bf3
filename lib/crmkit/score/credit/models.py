"""The PD models behind one interface: WOE scorecard and gradient boosting (the expert rules,
same interface, are in :mod:`crmkit.score.credit.rules`).

Each is a scikit-learn classifier (``fit`` returns self, fitted attributes end in ``_``) with

- ``predict_proba(X)``: columns P(non-default), P(default);
- ``score_points(X)``: points on the scale ``offset + factor * ln(odds good:bad)``;
- ``points_lost(X)``: per feature, the points a client is below the best it could get;
- ``reasons(X, n=3)``: the ``n`` features losing the most points, with the points lost.

For the scorecard the points lost are exact (the scorecard is additive). For boosting they are
``factor x`` the drop in log-odds when that feature alone is set to its most favourable value
(found at fit on a sample), so they do not add up to the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from crmkit.core.errors import CreditError
from crmkit.score.credit.binning import OTHER, WoeBinner
from crmkit.score.credit.scaling import Scaling

__all__ = ["Scorecard", "GbmScorer", "reasons_frame"]

_EPS = 1e-9


def reasons_frame(lost: pd.DataFrame, missing: pd.DataFrame, n: int = 3,
                  min_points: float = 0.0) -> pd.DataFrame:
    """The ``n`` columns of ``lost`` with the most points lost per row (vectorised).

    Returns columns ``reason_k`` (feature, or NA when it lost no more than ``min_points``),
    ``reason_k_points`` and ``reason_k_missing`` (the value was missing) for k = 1..n.
    """
    names = np.array(lost.columns, dtype=object)
    vals = lost.to_numpy(dtype=float)
    n_eff = min(n, vals.shape[1])
    order = np.argsort(-vals, axis=1, kind="stable")[:, :n_eff]
    top = np.take_along_axis(vals, order, axis=1)
    miss = np.take_along_axis(missing[lost.columns].to_numpy(dtype=bool), order, axis=1)
    out = {}
    for k in range(n):
        if k < n_eff:
            has = top[:, k] > max(min_points, _EPS)
            out[f"reason_{k + 1}"] = pd.array(np.where(has, names[order[:, k]], None),
                                              dtype="string")
            out[f"reason_{k + 1}_points"] = np.where(has, top[:, k], np.nan)
            out[f"reason_{k + 1}_missing"] = has & miss[:, k]
        else:
            out[f"reason_{k + 1}"] = pd.array([None] * len(lost), dtype="string")
            out[f"reason_{k + 1}_points"] = np.full(len(lost), np.nan)
            out[f"reason_{k + 1}_missing"] = np.zeros(len(lost), dtype=bool)
    return pd.DataFrame(out, index=lost.index)


class _PointsModel(ClassifierMixin, BaseEstimator):
    """Shared scaling, probability and reason methods (subclasses give log-odds of default)."""

    base_points: float
    base_odds: float
    pdo: float

    @property
    def scaling(self) -> Scaling:
        return Scaling(float(self.base_points), float(self.base_odds), float(self.pdo))

    def _check_fitted(self) -> None:
        if not hasattr(self, "features_"):
            raise CreditError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of default, ln(PD / (1 - PD))."""
        raise NotImplementedError

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns P(no default), P(default)."""
        z = self.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def score_points(self, X: pd.DataFrame) -> np.ndarray:
        """Points: ``offset + factor * ln(odds good:bad)``."""
        return self.scaling.points_from_log_odds(-self.decision_function(X))

    def points_lost(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Points below each feature's best (``>= 0``) and whether its value was missing."""
        raise NotImplementedError

    def reasons(self, X: pd.DataFrame, n: int = 3, min_points: float = 0.0) -> pd.DataFrame:
        """The ``n`` features losing the most points (more than ``min_points``) per client
        (see :func:`reasons_frame`)."""
        lost, missing = self.points_lost(X)
        return reasons_frame(lost, missing, n, min_points)


class Scorecard(_PointsModel):
    """WOE binning + logistic regression, presented as attribute points.

    Bins and WOE are those of :class:`~crmkit.score.credit.binning.WoeBinner` (with
    ``shrinkage``: WOE shrunk against noise). Features with IV below ``min_iv`` are left out;
    with ``drop_wrong_sign`` a feature whose coefficient has the wrong sign (a safer bin
    scoring riskier, which happens with collinear features) is dropped and the model
    refitted, one at a time.

    Attributes
    ----------
    binner_ : WoeBinner
    features_ : list[str]
        Features in the model.
    dropped_ : dict[str, str]
        Features left out and why ("iv" or "sign").
    coef_ : pandas.Series
        Coefficient per feature on WOE (negative: a higher WOE lowers the PD).
    intercept_ : float
    points_table_ : pandas.DataFrame
        The attribute-points table: feature, bin, n, share, event_rate, woe, coefficient, points.
        A client's points are the sum of the points of its bins.
    """

    def __init__(self, numeric: Sequence[str] | None = None,
                 categorical: Sequence[str] | None = None,
                 directions: Mapping[str, str] | None = None, n_prebins: int = 10,
                 min_bin_share: float = 0.05, rare_category_share: float = 0.02,
                 smoothing: float = 0.5, min_iv: float = 0.02, drop_wrong_sign: bool = True,
                 C: float = 1.0, base_points: float = 600.0, base_odds: float = 50.0,
                 pdo: float = 20.0, shrinkage: bool = True):
        self.numeric = numeric
        self.categorical = categorical
        self.directions = directions
        self.n_prebins = n_prebins
        self.min_bin_share = min_bin_share
        self.rare_category_share = rare_category_share
        self.smoothing = smoothing
        self.shrinkage = shrinkage
        self.min_iv = min_iv
        self.drop_wrong_sign = drop_wrong_sign
        self.C = C
        self.base_points = base_points
        self.base_odds = base_odds
        self.pdo = pdo

    def fit(self, X: pd.DataFrame, y: object) -> Scorecard:
        """Bin, select features and fit the logistic model on WOE."""
        if not self.C > 0:
            raise CreditError(f"The 'C' parameter of Scorecard must be > 0. Got {self.C!r} "
                              "instead.")
        self.scaling  # validates base_odds and pdo  # noqa: B018
        self.binner_ = WoeBinner(self.numeric, self.categorical, self.directions,
                                 self.n_prebins, self.min_bin_share, self.rare_category_share,
                                 self.smoothing, self.shrinkage).fit(X, y)
        yv = np.asarray(y, dtype=int)
        woe = self.binner_.transform(X)
        iv = self.binner_.iv_
        order = list(self.binner_.bins_)
        keep = {f for f in order if iv[f] >= self.min_iv} or {iv.index[0]}
        sel = [f for f in order if f in keep]
        self.dropped_ = {f: "iv" for f in order if f not in keep}
        while True:
            lr = LogisticRegression(C=self.C, solver="newton-cholesky", max_iter=200)
            lr.fit(woe[sel].to_numpy(), yv)
            coef = lr.coef_[0]
            if not self.drop_wrong_sign or len(sel) == 1 or coef.max() <= 0:
                break
            worst = sel[int(np.argmax(coef))]
            self.dropped_[worst] = "sign"
            sel.remove(worst)
        self.logit_ = lr
        self.features_ = sel
        self.coef_ = pd.Series(coef, index=sel, name="coefficient")
        self.intercept_ = float(lr.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.points_table_ = self._points_table()
        return self

    def _points_table(self) -> pd.DataFrame:
        s, m = self.scaling, len(self.features_)
        t = self.binner_.binning_table_
        t = t[t["feature"].isin(self.features_)].copy()
        t["coefficient"] = t["feature"].map(self.coef_).astype(float)
        t["points"] = (s.offset / m
                       - s.factor * (t["coefficient"] * t["woe"] + self.intercept_ / m))
        t["max_points"] = t.groupby("feature")["points"].transform("max")
        order = {f: i for i, f in enumerate(self.features_)}
        t = t.sort_values(["feature", "bin_index"], key=lambda c: c.map(order)
                          if c.name == "feature" else c)
        cols = ["feature", "kind", "bin_index", "bin", "n", "share", "event_rate", "woe",
                "coefficient", "points", "max_points"]
        return t[cols].reset_index(drop=True)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        woe = self.binner_.transform(X, self.features_)
        return self.intercept_ + woe[self.features_].to_numpy() @ self.coef_.to_numpy()

    def points_lost(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        self._check_fitted()
        idx = self.binner_.bin_indices(X, self.features_)
        lost, missing = {}, {}
        pt = self.points_table_
        for f in self.features_:
            p = pt.loc[pt["feature"] == f, "points"].to_numpy()
            i = idx[f].to_numpy()
            lost[f] = p.max() - p[i]
            missing[f] = i == self.binner_.bins_[f].missing_index
        return pd.DataFrame(lost, index=X.index), pd.DataFrame(missing, index=X.index)


class GbmScorer(_PointsModel):
    """Histogram gradient boosting with native categorical and missing-value support.

    Numeric features with a direction ("ascending" / "descending") are monotone-constrained
    when ``monotone`` is true. Categories rarer than ``rare_category_share`` share one level.
    ``n_threads`` caps the OpenMP threads (0: all cores); one thread is fastest below ~100k
    rows or on a busy machine, where thread contention makes boosting many times slower.
    ``reference_rows`` training rows are used to find each feature's most favourable value
    (``reference_``, for reasons); 0 skips this (then no reasons are given), e.g. in
    cross-validation.
    """

    def _threads(self) -> threadpool_limits:
        return threadpool_limits(self.n_threads if self.n_threads else None, user_api="openmp")

    def __init__(self, numeric: Sequence[str] | None = None,
                 categorical: Sequence[str] | None = None,
                 directions: Mapping[str, str] | None = None, max_iter: int = 200,
                 learning_rate: float = 0.05, max_leaf_nodes: int = 15,
                 min_samples_leaf: int = 20, l2_regularization: float = 1.0,
                 monotone: bool = True, rare_category_share: float = 0.02,
                 random_state: int = 7, n_threads: int = 1, reference_rows: int = 100,
                 base_points: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0):
        self.reference_rows = reference_rows
        self.numeric = numeric
        self.categorical = categorical
        self.directions = directions
        self.n_threads = n_threads
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.monotone = monotone
        self.rare_category_share = rare_category_share
        self.random_state = random_state
        self.base_points = base_points
        self.base_odds = base_odds
        self.pdo = pdo

    def _encode(self, X: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=X.index)
        for c in self.numeric_:
            out[c] = X[c].to_numpy(dtype=float, na_value=np.nan)
        for c in self.categorical_:
            cats = self.categories_[c]
            s = X[c].astype("string")
            known = s.isin(cats).to_numpy(dtype=bool, na_value=False)
            vals = np.where(known, s.to_numpy(dtype=object, na_value=None),
                            np.where(s.isna().to_numpy(), None, OTHER))
            out[c] = pd.Categorical(vals, categories=[*cats, OTHER])
        return out

    def fit(self, X: pd.DataFrame, y: object) -> GbmScorer:
        """Fit the boosted trees and the reference values used for reasons."""
        self.scaling  # noqa: B018
        yv = np.asarray(y, dtype=float)
        if yv.shape != (len(X),) or not np.isin(yv, [0.0, 1.0]).all():
            raise CreditError("y must be 0/1 (1 = default), one value per row of X")
        self.numeric_ = list(self.numeric or [])
        self.categorical_ = list(self.categorical or [])
        absent = [c for c in [*self.numeric_, *self.categorical_] if c not in X.columns]
        if absent:
            raise CreditError(f"GbmScorer: X has no column {absent}")
        self.categories_ = {}
        for c in self.categorical_:
            share = X[c].astype("string").value_counts(dropna=True) / len(X)
            self.categories_[c] = sorted(str(v) for v in share.index[
                share >= self.rare_category_share] if str(v) != OTHER)
        dirs = self.directions or {}
        sign = {"ascending": 1, "descending": -1}
        cst = [sign.get(dirs.get(c, "auto"), 0) if self.monotone else 0 for c in self.numeric_]
        enc = self._encode(X)
        with self._threads():
            self._fit_trees(enc, yv, cst)
        self.features_ = [*self.numeric_, *self.categorical_]
        self.classes_ = np.array([0, 1])
        with self._threads():
            self.reference_ = self._references(enc)
        return self

    def _fit_trees(self, enc: pd.DataFrame, yv: np.ndarray, cst: list[int]) -> None:
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization, categorical_features="from_dtype",
            monotonic_cst=cst + [0] * len(self.categorical_), early_stopping=False,
            random_state=self.random_state).fit(enc, yv.astype(int))

    def _references(self, enc: pd.DataFrame, n_grid: int = 10) -> dict:
        """Per feature, the value giving the lowest mean log-odds over a sample of rows.

        All (feature, grid value, sample row) combinations are scored in one batch.
        """
        refs: dict[str, object] = {c: None for c in self.features_}
        if self.reference_rows <= 0:
            return refs
        rng = np.random.default_rng(self.random_state)
        sample = enc.iloc[rng.choice(len(enc), min(self.reference_rows, len(enc)),
                                     replace=False)]
        grids: dict[str, list] = {}
        for c in self.features_:
            if c in self.categorical_:
                grids[c] = list(enc[c].cat.categories)
            else:
                v = enc[c].dropna().to_numpy()
                grids[c] = list(np.unique(np.quantile(v, np.linspace(0, 1, n_grid),
                                                      method="inverted_cdf"))) if v.size else []
        blocks = []
        for c, grid in grids.items():
            if not grid:
                continue
            big = pd.concat([sample] * len(grid), ignore_index=True)
            vals = np.repeat(np.array(grid, dtype=object), len(sample))
            big[c] = (pd.Categorical(vals, categories=enc[c].cat.categories)
                      if c in self.categorical_ else vals.astype(float))
            blocks.append(big)
        if not blocks:
            return refs
        z = self.model_.decision_function(pd.concat(blocks, ignore_index=True))
        start = 0
        for c, grid in grids.items():
            if not grid:
                continue
            size = len(grid) * len(sample)
            means = z[start:start + size].reshape(len(grid), len(sample)).mean(axis=1)
            refs[c] = grid[int(np.argmin(means))]
            start += size
        return refs

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        with self._threads():
            return np.asarray(self.model_.decision_function(self._encode(X)), dtype=float)

    def points_lost(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        self._check_fitted()
        enc = self._encode(X)
        z = self.decision_function(X)
        lost, missing = {}, {}
        for c in self.features_:
            ref = self.reference_.get(c)
            missing[c] = X[c].isna().to_numpy()
            if ref is None:
                lost[c] = np.zeros(len(X))
                continue
            alt = enc.copy()
            alt[c] = (pd.Categorical([ref] * len(X), categories=enc[c].cat.categories)
                      if c in self.categorical_ else float(ref))
            with self._threads():
                z_alt = self.model_.decision_function(alt)
            lost[c] = np.clip(self.scaling.factor * (z - z_alt), 0, None)
        return pd.DataFrame(lost, index=X.index), pd.DataFrame(missing, index=X.index)
