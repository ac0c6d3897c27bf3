"""Expert-rules credit score: the documented fallback when there are too few defaults to fit.

Points come from value bands of a few features (defaults in :data:`crmkit.params.credit.
DEFAULT_RULES`: DSCR, debt to assets, interest cover, worst days past due, on-time share) and
add to a base; PD follows from the points through the same scaling formula as the scorecard,
so grades, slotting and reasons work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmkit.core.errors import CreditError
from crmkit.score.credit.binning import MISSING
from crmkit.score.credit.models import _PointsModel

__all__ = ["RulesScorer"]


class RulesScorer(_PointsModel):
    """Expert points from value bands (no learning): ``base + sum of band points``.

    ``rules`` maps a feature to ``{"edges": [...], "points": [...], "missing_points": p}``
    (or a :class:`crmkit.params.credit.RuleBands`): ``value < edges[0]`` scores
    ``points[0]``, ..., ``value >= edges[-1]`` scores ``points[-1]``. PD follows from the
    points through the scaling formula. Rule features absent from ``X`` at fit are skipped
    (listed in ``absent_``).
    """

    def __init__(self, rules: Mapping[str, object] | None = None, base: float = 480.0,
                 base_points: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0):
        self.rules = rules
        self.base = base
        self.base_points = base_points
        self.base_odds = base_odds
        self.pdo = pdo

    def fit(self, X: pd.DataFrame, y: object = None) -> RulesScorer:
        """Check the rules against ``X``'s columns (nothing is learnt from ``y``)."""
        self.scaling  # noqa: B018
        self.bands_: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for f, r in (self.rules or {}).items():
            d = r.model_dump() if hasattr(r, "model_dump") else dict(r)  # type: ignore[call-overload]
            edges, pts = np.asarray(d["edges"], float), np.asarray(d["points"], float)
            if len(pts) != len(edges) + 1 or np.any(np.diff(edges) <= 0):
                raise CreditError(f"rule {f!r}: edges must increase and points have one more "
                                  f"value than edges; got edges={list(edges)}, "
                                  f"points={list(pts)}")
            self.bands_[f] = (edges, pts, float(d.get("missing_points", 0.0)))
        self.features_ = [f for f in self.bands_ if f in X.columns]
        self.absent_ = [f for f in self.bands_ if f not in X.columns]
        if not self.features_:
            raise CreditError(f"none of the rule features {list(self.bands_)} is a column of "
                              "the data; rename columns with credit.columns or edit "
                              "credit.rules")
        self.classes_ = np.array([0, 1])
        rows = []
        for f in self.features_:
            edges, pts, miss = self.bands_[f]
            e = [f"{v:.4g}" for v in edges]
            labels = [f"< {e[0]}", *(f"[{a}, {b})" for a, b in zip(e[:-1], e[1:], strict=True)),
                      f">= {e[-1]}", MISSING]
            best = max(pts.max(), miss)
            rows += [{"feature": f, "bin_index": i, "bin": lab, "points": p, "max_points": best}
                     for i, (lab, p) in enumerate(zip(labels, [*pts, miss], strict=True))]
        self.points_table_ = pd.DataFrame(rows)
        return self

    def _points(self, X: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for f in self.features_:
            edges, pts, miss = self.bands_[f]
            x = X[f].to_numpy(dtype=float, na_value=np.nan)
            p = pts[np.searchsorted(edges, np.nan_to_num(x), side="right")]
            out[f] = np.where(np.isnan(x), miss, p)
        return pd.DataFrame(out, index=X.index)

    def score_points(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        return self.base + self._points(X).sum(axis=1).to_numpy()

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        s = self.scaling
        return -(self.score_points(X) - s.offset) / s.factor

    def points_lost(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        self._check_fitted()
        pts = self._points(X)
        best = {f: max(self.bands_[f][1].max(), self.bands_[f][2]) for f in self.features_}
        lost = pd.DataFrame({f: best[f] - pts[f] for f in self.features_}, index=X.index)
        missing = pd.DataFrame({f: X[f].isna().to_numpy() for f in self.features_},
                               index=X.index)
        return lost, missing
