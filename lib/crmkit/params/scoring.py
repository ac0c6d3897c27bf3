"""Parameters of the scoring stage (section ``scoring:`` of a portfolio's parameters file).

The *difference matrix* scores every client 0-100 on six dimensions, each the weighted mean of
normalised indicators, then combines them with the dimension ``weights``:

=================  ====================================================  =======
dimension          default indicators                                    weight
=================  ====================================================  =======
contribution       income, exposure, n_products, tenure_years            0.30
lifecycle          lifecycle_stage                                       0.20
credit             debt_to_assets, dscr, interest_cover, current_ratio,  0.20
                   on_time_share, dpd_max
relationship       csat_latest, nps_latest, complaints_12m,              0.15
                   interactions_12m, needs_fulfilled_share
risk_appetite      risk_appetite                                         0.10
region_industry    region, industry                                      0.05
=================  ====================================================  =======

Each indicator is normalised to 0-100 by one ``method``:

- ``percentile``: rank percentile within the portfolio (lowest 0, highest 100, ties share);
- ``minmax``: linear between ``lower`` and ``upper`` caps, clipped. A cap is a number or a
  quantile of the portfolio written ``p5`` / ``p95`` (the defaults);
- ``bands``: ``cuts`` ``[c1, ..., ck]`` and ``k + 1`` ``scores``; a value ``v`` with
  ``c_i <= v < c_(i+1)`` gets ``scores[i]`` (below ``c1``: ``scores[0]``). Scores must rise
  (``higher_is_better: true``) or fall (``false``) with the cuts;
- ``map``: a category -> score table (``mapping``); a category not listed is missing.

``higher_is_better: false`` reverses ``percentile`` and ``minmax`` (score 100 - s).

Missing values (``missing``): ``neutral`` (default) scores a missing indicator at
``neutral_score`` (50), so a client without data is neither rewarded nor punished; ``exclude``
drops it and re-normalises the remaining indicator weights of that dimension (a dimension with
no data at all scores ``neutral_score``). Either way the scores table keeps a per-client
``missing`` count.

In a parameters file, ``weights`` lists the dimensions that count (a dimension left out has
weight 0); weights need not sum to 1, they are normalised. ``indicators`` replaces the listed
dimensions' indicator sets as a whole; dimensions not listed keep their defaults.

The category scores below are illustrative defaults from a lender's point of view (a
maintained, conservative client in an attractive sector and region scores high); replace them
with the bank's own policy.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from crmkit.core.contract import CODES
from crmkit.params._base import Section

__all__ = ["ScoringParams", "IndicatorSpec", "DIMENSIONS", "METHODS", "DEFAULT_WEIGHTS",
           "DEFAULT_INDICATORS", "parse_cap", "check_weights"]

#: The dimensions of the difference matrix, in display order.
DIMENSIONS: tuple[str, ...] = ("contribution", "lifecycle", "credit", "relationship",
                               "risk_appetite", "region_industry")
#: Normalisation methods of an indicator.
METHODS: tuple[str, ...] = ("percentile", "minmax", "bands", "map")

DEFAULT_WEIGHTS: dict[str, float] = {
    "contribution": 0.30, "lifecycle": 0.20, "credit": 0.20, "relationship": 0.15,
    "risk_appetite": 0.10, "region_industry": 0.05,
}

_PCT = {"method": "percentile"}
#: Default indicator set per dimension (plain data, validated into :class:`IndicatorSpec`).
DEFAULT_INDICATORS: dict[str, dict[str, dict[str, Any]]] = {
    "contribution": {
        "income": {**_PCT, "weight": 0.35},
        "exposure": {**_PCT, "weight": 0.30},
        "n_products": {"method": "bands", "weight": 0.15, "cuts": [1, 2, 3, 4],
                       "scores": [0, 40, 60, 80, 100]},
        "tenure_years": {"method": "minmax", "weight": 0.20, "lower": 0, "upper": 10},
    },
    "lifecycle": {
        "lifecycle_stage": {"method": "map", "mapping": {
            "maintenance": 80, "execution": 70, "assessment": 50, "acquisition": 40,
            "exit": 10}},
    },
    "credit": {
        "debt_to_assets": {"method": "bands", "weight": 0.20, "higher_is_better": False,
                           "cuts": [0.5, 0.65, 0.8, 0.9], "scores": [100, 75, 50, 25, 0]},
        "dscr": {"method": "bands", "weight": 0.25, "cuts": [1.0, 1.2, 1.5],
                 "scores": [0, 40, 70, 100]},
        "interest_cover": {"method": "minmax", "weight": 0.10, "lower": 1.0, "upper": 6.0},
        "current_ratio": {"method": "minmax", "weight": 0.10, "lower": 0.8, "upper": 2.0},
        "on_time_share": {"method": "minmax", "weight": 0.20, "lower": 0.7, "upper": 1.0},
        "dpd_max": {"method": "bands", "weight": 0.15, "higher_is_better": False,
                    "cuts": [1, 30, 60, 90], "scores": [100, 80, 50, 20, 0]},
    },
    "relationship": {
        "csat_latest": {"method": "minmax", "weight": 0.25, "lower": 1, "upper": 5},
        "nps_latest": {"method": "minmax", "weight": 0.25, "lower": 0, "upper": 10},
        "complaints_12m": {"method": "bands", "weight": 0.15, "higher_is_better": False,
                           "cuts": [1, 2, 4], "scores": [100, 70, 40, 0]},
        "interactions_12m": {"method": "minmax", "weight": 0.15, "lower": "p5",
                             "upper": "p95"},
        "needs_fulfilled_share": {"method": "minmax", "weight": 0.20, "lower": 0, "upper": 1},
    },
    "risk_appetite": {
        "risk_appetite": {"method": "map", "mapping": {
            "conservative": 80, "moderate": 60, "aggressive": 35}},
    },
    "region_industry": {
        "region": {"method": "map", "weight": 0.5, "mapping": {
            "east": 80, "south": 80, "north": 70, "central": 65, "southwest": 60,
            "northwest": 50, "northeast": 45, "overseas": 50}},
        "industry": {"method": "map", "weight": 0.5, "mapping": {
            "renewables": 85, "utilities": 80, "infrastructure": 75, "energy": 70,
            "healthcare": 70, "technology": 70, "transport": 65, "manufacturing": 60,
            "agriculture": 55, "retail": 50, "chemicals": 45, "construction": 40,
            "mining": 40, "real_estate": 30}},
    },
}

_QUANTILE = re.compile(r"^p(\d+(?:\.\d+)?)$", re.IGNORECASE)


def _hint(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(choices)})"


def parse_cap(cap: float | str) -> tuple[Literal["value", "quantile"], float]:
    """Read a min-max cap: a number, or a portfolio quantile ``"p5"`` -> ``("quantile", 0.05)``."""
    if isinstance(cap, str):
        m = _QUANTILE.match(cap.strip())
        if m is None:
            try:
                return "value", float(cap)
            except ValueError:
                raise ValueError(f"cap {cap!r} must be a number or a quantile such as 'p5' "
                                 "or 'p95'") from None
        q = float(m.group(1)) / 100
        if not 0 <= q <= 1:
            raise ValueError(f"quantile cap {cap!r} must lie between p0 and p100")
        return "quantile", q
    if not math.isfinite(cap):
        raise ValueError(f"cap {cap!r} must be a finite number")
    return "value", float(cap)


def check_weights(weights: dict[str, float], what: str | None = "scoring.weights"
                  ) -> dict[str, float]:
    """Validate dimension weights; return them for every dimension (absent -> 0), summing to 1.

    Raises ``ValueError`` naming ``what`` for an unknown dimension, a negative or non-finite
    weight, or when no weight is positive.
    """
    problems = []
    for name, w in weights.items():
        if name not in DIMENSIONS:
            problems.append(f"unknown dimension {name!r}{_hint(name, DIMENSIONS)}")
        elif not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
            problems.append(f"weight of {name!r} must be a number >= 0, got {w!r}")
    if not problems and not any(w > 0 for w in weights.values()):
        problems.append("at least one dimension weight must be positive (all are 0)")
    if problems:
        raise ValueError((f"{what}: " if what else "") + "; ".join(problems))
    total = float(sum(weights.values()))
    return {d: float(weights.get(d, 0.0)) / total for d in DIMENSIONS}


class IndicatorSpec(Section):
    """How one indicator (a feature column) is normalised to 0-100 within its dimension."""

    method: Literal["percentile", "minmax", "bands", "map"] = Field(
        description="percentile | minmax | bands | map")
    weight: float = Field(1.0, ge=0, description="Weight within the dimension (normalised)")
    column: str | None = Field(None, description="Feature column; default: the indicator name")
    higher_is_better: bool = Field(True, description="False for risks (leverage, arrears)")
    lower: float | str | None = Field(None, description="minmax lower cap: number or 'p5'")
    upper: float | str | None = Field(None, description="minmax upper cap: number or 'p95'")
    cuts: list[float] | None = Field(None, description="bands: increasing cut points")
    scores: list[float] | None = Field(None, description="bands: one score per band (k+1)")
    mapping: dict[str, float] | None = Field(None, description="map: category -> score")

    @field_validator("lower", "upper")
    @classmethod
    def _cap(cls, v: float | str | None) -> float | str | None:
        if v is not None:
            parse_cap(v)
        return v

    @model_validator(mode="after")
    def _fits_method(self) -> IndicatorSpec:
        m = self.method
        unused = [k for k, only in (("lower", "minmax"), ("upper", "minmax"), ("cuts", "bands"),
                                    ("scores", "bands"), ("mapping", "map"))
                  if getattr(self, k) is not None and m != only]
        if unused:
            raise ValueError(f"{', '.join(unused)} not used by method {m!r}; remove "
                             f"{'it' if len(unused) == 1 else 'them'} or change the method")
        if m == "minmax":
            lo, hi = parse_cap(self.lower_cap), parse_cap(self.upper_cap)
            if lo[0] == hi[0] and lo[1] >= hi[1]:
                raise ValueError(f"lower cap {self.lower_cap!r} must be below upper cap "
                                 f"{self.upper_cap!r}")
        elif m == "bands":
            self._check_bands()
        elif m == "map":
            if not self.mapping:
                raise ValueError("method 'map' needs a non-empty 'mapping' (category: score)")
            bad = {k: v for k, v in self.mapping.items() if not 0 <= v <= 100}
            if bad:
                raise ValueError(f"mapping scores must lie in 0..100, got {bad}")
        return self

    def _check_bands(self) -> None:
        cuts, scores = self.cuts, self.scores
        if not cuts or scores is None:
            raise ValueError("method 'bands' needs 'cuts' (e.g. [1.0, 1.2, 1.5]) and 'scores' "
                             "(one more, e.g. [0, 40, 70, 100])")
        if len(scores) != len(cuts) + 1:
            raise ValueError(f"bands need one more score than cuts: {len(cuts)} cuts, "
                             f"{len(scores)} scores")
        if any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            raise ValueError(f"cuts must increase strictly, got {cuts}")
        if any(not 0 <= s <= 100 for s in scores):
            raise ValueError(f"band scores must lie in 0..100, got {scores}")
        pairs = list(zip(scores, scores[1:], strict=False))
        if self.higher_is_better and any(b < a for a, b in pairs):
            raise ValueError(f"with higher_is_better: true the band scores must not fall, "
                             f"got {scores}")
        if not self.higher_is_better and any(b > a for a, b in pairs):
            raise ValueError(f"with higher_is_better: false the band scores must not rise, "
                             f"got {scores}")

    @property
    def lower_cap(self) -> float | str:
        """The minmax lower cap (default ``"p5"``)."""
        return "p5" if self.lower is None else self.lower

    @property
    def upper_cap(self) -> float | str:
        """The minmax upper cap (default ``"p95"``)."""
        return "p95" if self.upper is None else self.upper


def _default_indicators() -> dict[str, dict[str, IndicatorSpec]]:
    return {d: {k: IndicatorSpec(**v) for k, v in ind.items()}
            for d, ind in DEFAULT_INDICATORS.items()}


class ScoringParams(Section):
    """Settings of the scoring stage (the difference matrix). Every field has a default."""

    weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="Dimension -> weight (>= 0, normalised to sum 1; absent -> 0)")
    indicators: dict[str, dict[str, IndicatorSpec]] = Field(
        default_factory=_default_indicators,
        description="Dimension -> indicator -> spec; listed dimensions replace the defaults")
    missing: Literal["neutral", "exclude"] = Field(
        "neutral", description="neutral: missing indicator scores neutral_score; exclude: "
        "drop it and re-normalise the dimension's remaining indicator weights")
    neutral_score: float = Field(50.0, ge=0, le=100,
                                 description="Score of a missing indicator / empty dimension")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        check_weights(v, None)
        return v

    @field_validator("indicators", mode="before")
    @classmethod
    def _merge_defaults(cls, v: Any) -> Any:
        if isinstance(v, dict):
            merged: dict[str, Any] = dict(DEFAULT_INDICATORS)
            merged.update(v)
            return merged
        return v

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, v: dict[str, dict[str, IndicatorSpec]]
                    ) -> dict[str, dict[str, IndicatorSpec]]:
        problems, seen = [], {}
        for dim, specs in v.items():
            if dim not in DIMENSIONS:
                problems.append(f"unknown dimension {dim!r}{_hint(dim, DIMENSIONS)}")
                continue
            if not any(s.weight > 0 for s in specs.values()):
                problems.append(f"{dim}: needs at least one indicator with a positive weight")
            for name, spec in specs.items():
                if name in seen:
                    problems.append(f"{dim}.{name}: indicator name already used in "
                                    f"{seen[name]}; rename one (set 'column' to reuse a "
                                    "feature)")
                seen[name] = dim
                col = spec.column or name
                if spec.method == "map" and col in CODES and spec.mapping:
                    codes = CODES[col]
                    for key in spec.mapping:
                        if key not in codes:
                            problems.append(f"{dim}.{name}.mapping: {key!r} is not a "
                                            f"{col} code{_hint(key, codes)}")
        if problems:
            raise ValueError("; ".join(problems))
        return v

    def normalised_weights(self) -> dict[str, float]:
        """Dimension weights for every dimension (absent -> 0), summing to 1."""
        return check_weights(self.weights)
