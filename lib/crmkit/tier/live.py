"""Re-scoring and re-tiering one portfolio fast, for sliders that move weights and thresholds.

Dimension weights do not change the dimension scores, and tier thresholds do not change the
risk gates: :class:`LiveTiering` scores the portfolio once (:func:`crmkit.score.score_clients`),
keeps the ``clients x dimensions`` matrix and each client's best tier allowed by the gates, and
then answers a new setting with one weighted row sum (the same arithmetic as
``score_clients``, so totals are identical) and a ``searchsorted`` on the tier thresholds. A
setting that changes anything else (indicators, risk levels, capacity measures) goes through
:func:`crmkit.tier.tier_table` in full. At 100,000 clients a weight change takes a few
milliseconds instead of ~130 ms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.params.gates import RiskGates
from crmkit.params.scoring import DIMENSIONS, ScoringParams
from crmkit.params.tiering import TieringParams
from crmkit.score.difference import score_clients
from crmkit.tier.tiers import _EPS, TIER_DTYPE, tier_table

__all__ = ["LiveTiering", "tier_codes"]

# TIER_DTYPE categories are ["C", "B", "A"]: code 2 is A. A gate's cap is a highest code.
_A, _B, _C = 2, 1, 0


def tier_codes(total: np.ndarray, tiering: TieringParams) -> np.ndarray:
    """Tier codes of :data:`crmkit.tier.TIER_DTYPE` (``C=0, B=1, A=2``, ``-1`` for a NaN score)
    by ``tiering.abc``, exactly as :func:`crmkit.tier.abc_tiers` assigns them."""
    abc = tiering.abc
    known = ~np.isnan(total)
    if abc.method == "thresholds":  # >= b_min is B, >= a_min is A: ties go up
        codes = np.searchsorted(np.array([abc.b_min, abc.a_min]), total, side="right")
    else:  # clients scoring strictly higher, against the shares of scored clients
        ranked = np.sort(total[known])
        n = len(ranked)
        higher = n - np.searchsorted(ranked, total, side="right")
        limits = np.array([abc.a_share * n - _EPS, (abc.a_share + abc.b_share) * n - _EPS])
        codes = np.where(higher < limits[0], _A, np.where(higher < limits[1], _B, _C))
    return np.where(known, codes, -1).astype(np.int8)


class LiveTiering:
    """The portfolio scored once; :meth:`table` for any weights and tier thresholds.

    Parameters
    ----------
    features
        Client features (index client_id), as given to :func:`crmkit.score.score_clients`.
    scoring, tiering
        The starting sections; a later setting may change ``scoring.weights`` and
        ``tiering.abc`` on the fast path, anything else is computed in full.
    pd_
        Probability of default per client.
    gates
        The risk gates (default :class:`RiskGates`).
    """

    def __init__(self, features: pd.DataFrame, scoring: ScoringParams, tiering: TieringParams,
                 pd_: pd.Series, gates: RiskGates | None = None) -> None:
        self.features, self.pd_, self.gates = features, pd_, gates
        self.scoring, self.tiering = scoring, tiering
        result = score_clients(features, scoring)
        # one contiguous column per dimension: the weighted sum is six vector operations
        self.dims = np.asfortranarray(result.scores[list(DIMENSIONS)].to_numpy(dtype=float))
        self.base = tier_table(result.scores["total"], pd_, features, tiering, gates=gates)
        by_value = self.base["tier_by_value"].cat.codes.to_numpy()
        self._cap = _gate_caps(self.base, gates)  # each client's best tier under the gates
        # the fast path only where it reproduces crmkit.tier.gates.cap_tiers on this portfolio
        self._exact = np.array_equal(np.where(by_value >= 0, np.minimum(by_value, self._cap), -1),
                                     self.base["tier"].cat.codes.to_numpy()) and np.array_equal(
            self.totals(scoring), result.scores["total"].to_numpy(), equal_nan=True)
        self._absent = {d for d, specs in scoring.indicators.items()
                        if any((s.column or k) not in features for k, s in specs.items())}
        self._same_scoring = scoring.model_dump(exclude={"weights"})
        self._same_tiering = tiering.model_dump(exclude={"abc"})

    def fast(self, scoring: ScoringParams, tiering: TieringParams) -> bool:
        """Whether ``scoring`` and ``tiering`` differ from the start only in weights and
        tier thresholds (and no dimension without its data gets a weight)."""
        weights = scoring.normalised_weights()
        return (self._exact and not any(weights.get(d, 0) > 0 for d in self._absent)
                and scoring.model_dump(exclude={"weights"}) == self._same_scoring
                and tiering.model_dump(exclude={"abc"}) == self._same_tiering)

    def totals(self, scoring: ScoringParams) -> np.ndarray:
        """The composite score per client under ``scoring``'s weights.

        ``score_clients`` sums ``where(w > 0, dims * w, 0)`` along each row, which numpy adds
        left to right; so does this, column by column (a zero-weight column adds exactly 0 and
        is skipped). :meth:`fast` is False unless the start's totals come out identical.
        """
        weights = scoring.normalised_weights()
        total: np.ndarray | None = None
        for j, dim in enumerate(DIMENSIONS):
            w = weights.get(dim, 0.0)
            if w > 0:
                part = self.dims[:, j] * w
                total = part if total is None else np.add(total, part, out=total)
        assert total is not None  # check_weights: at least one weight is positive
        return np.clip(total, 0.0, 100.0, out=total)

    def table(self, scoring: ScoringParams, tiering: TieringParams) -> pd.DataFrame:
        """:func:`crmkit.tier.tier_table` under this setting (the fast path when it can)."""
        if not self.fast(scoring, tiering):
            total = score_clients(self.features, scoring).scores["total"]
            return tier_table(total, self.pd_, self.features, tiering, gates=self.gates)
        total = self.totals(scoring)
        by_value = tier_codes(total, tiering)
        tier = np.where(by_value >= 0, np.minimum(by_value, self._cap), -1)
        out = self.base.copy(deep=False)
        out["score"] = total
        out["tier"] = pd.Categorical.from_codes(tier, dtype=TIER_DTYPE)
        out["tier_by_value"] = pd.Categorical.from_codes(by_value, dtype=TIER_DTYPE)
        return out


def _gate_caps(table: pd.DataFrame, gates: RiskGates | None) -> np.ndarray:
    """Each client's best tier code allowed by the gates (``A`` when no gate applies)."""
    g = gates or RiskGates()
    cap = np.full(len(table), _A, dtype=np.int8)
    if g.breach_max_tier is not None:
        breach = table["covenant_breach"].to_numpy(dtype=bool, na_value=False)
        cap[breach] = 2 - "ABC".index(g.breach_max_tier)
    default = (table["risk_status"].astype("string") == "default").to_numpy(
        dtype=bool, na_value=False)
    cap[default] = 2 - "ABC".index(g.default_max_tier)
    return cap
