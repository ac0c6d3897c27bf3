"""Parameters of the tiering stage (section ``tiering:`` of a portfolio's parameters file).

Example (every key optional; these are the defaults)::

    tiering:
      abc:
        method: thresholds        # thresholds | quantiles
        a_min: 75                 # thresholds: score >= a_min -> A (核心客户)
        b_min: 55                 #             score >= b_min -> B (重点客户), else C
        a_share: 0.20             # quantiles: top 20 % of clients -> A
        b_share: 0.30             #            next 30 % -> B, the rest C
      risk:
        basis: pd                 # pd (probability of default) | score (higher = safer)
        pd_low_below: 0.02        # pd < 2 % -> low risk
        pd_medium_below: 0.08     # pd < 8 % -> medium, else high
        score_low_min: 70         # basis score: score >= 70 -> low risk
        score_medium_min: 50      #              score >= 50 -> medium, else high
      capacity:
        measures:                 # tried in order; the first non-missing value decides
          - {column: dscr, strong_min: 1.5, medium_min: 1.2}
          - {column: interest_cover, strong_min: 3.0, medium_min: 1.5}
      segments:                   # rename any cell / strategy; unspecified ones keep defaults
        high_weak: {name_zh: 高关注, name_en: High attention}
      pareto: {value: income, cutoff: 0.8, top_share: 0.2, b_cutoff: 0.95}
      profiles: {features: [exposure, income, ...], k: 4, seed: 7, name_features: 2}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from crmkit.core.i18n import LABELS
from crmkit.params._base import Section

__all__ = [
    "TieringParams",
    "AbcParams",
    "RiskParams",
    "CapacityParams",
    "CapacityMeasure",
    "SegmentLabel",
    "ParetoParams",
    "ProfileParams",
    "RISK_LEVELS",
    "CAPACITY_LEVELS",
    "SEGMENTS",
    "UNKNOWN",
    "default_segments",
]

#: Credit-risk levels, safest first.
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")
#: Repayment-capacity levels, strongest first.
CAPACITY_LEVELS: tuple[str, ...] = ("strong", "medium", "weak")
#: The level / segment code of a client whose risk or capacity cannot be determined.
UNKNOWN = "unknown"
#: The nine matrix cells ``<risk>_<capacity>`` (risk-major order), then ``unknown``.
SEGMENTS: tuple[str, ...] = tuple(
    f"{r}_{c}" for r in RISK_LEVELS for c in CAPACITY_LEVELS) + (UNKNOWN,)


class AbcParams(Section):
    """A/B/C tiers from the composite score (0-100)."""

    method: Literal["thresholds", "quantiles"] = Field(
        "thresholds", description="thresholds: fixed score cut-offs; quantiles: shares of clients")
    a_min: float = Field(75.0, description="thresholds: score >= a_min is tier A")
    b_min: float = Field(55.0, description="thresholds: b_min <= score < a_min is tier B")
    a_share: float = Field(0.20, description="quantiles: share of clients in tier A")
    b_share: float = Field(0.30, description="quantiles: share of clients in tier B")

    @model_validator(mode="after")
    def _ordered(self) -> AbcParams:
        problems = []
        if not 0 <= self.b_min < self.a_min <= 100:
            problems.append(
                f"thresholds must satisfy 0 <= b_min < a_min <= 100 (score >= a_min is A, "
                f">= b_min is B); got a_min={self.a_min:g}, b_min={self.b_min:g}")
        for name in ("a_share", "b_share"):
            v = getattr(self, name)
            if not 0 < v < 1:
                problems.append(f"{name}={v:g} must be a share strictly between 0 and 1")
        if self.a_share + self.b_share >= 1:
            problems.append(
                f"a_share + b_share must be < 1 so that tier C is not empty; got "
                f"a_share={self.a_share:g} + b_share={self.b_share:g} = "
                f"{self.a_share + self.b_share:g}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RiskParams(Section):
    """Credit-risk level bands (low / medium / high)."""

    basis: Literal["pd", "score"] = Field(
        "pd", description="pd: probability of default (higher = riskier); score: a risk score "
                          "where higher = safer (e.g. scorecard points)")
    pd_low_below: float = Field(0.02, description="pd < pd_low_below is low risk")
    pd_medium_below: float = Field(0.08, description="pd < pd_medium_below is medium, else high")
    score_low_min: float = Field(70.0, description="basis score: score >= this is low risk")
    score_medium_min: float = Field(50.0, description="basis score: >= this is medium, else high")

    @model_validator(mode="after")
    def _ordered(self) -> RiskParams:
        problems = []
        if not 0 < self.pd_low_below < self.pd_medium_below <= 1:
            problems.append(
                f"PD bands must satisfy 0 < pd_low_below < pd_medium_below <= 1 (fractions: "
                f"0.02 for 2 %); got pd_low_below={self.pd_low_below:g}, "
                f"pd_medium_below={self.pd_medium_below:g}")
        if not self.score_medium_min < self.score_low_min:
            problems.append(
                f"score bands must satisfy score_medium_min < score_low_min; got "
                f"score_low_min={self.score_low_min:g}, "
                f"score_medium_min={self.score_medium_min:g}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CapacityMeasure(Section):
    """One repayment-capacity measure: value >= strong_min is strong, >= medium_min medium."""

    column: str = Field(description="a client-features column, e.g. dscr or interest_cover")
    strong_min: float
    medium_min: float

    @model_validator(mode="after")
    def _ordered(self) -> CapacityMeasure:
        if not self.medium_min < self.strong_min:
            raise ValueError(
                f"{self.column}: medium_min must be < strong_min; got "
                f"strong_min={self.strong_min:g}, medium_min={self.medium_min:g}")
        return self


def _default_measures() -> list[CapacityMeasure]:
    return [CapacityMeasure(column="dscr", strong_min=1.5, medium_min=1.2),
            CapacityMeasure(column="interest_cover", strong_min=3.0, medium_min=1.5)]


class CapacityParams(Section):
    """Repayment capacity (strong / medium / weak) from the first available measure."""

    measures: list[CapacityMeasure] = Field(
        default_factory=_default_measures,
        description="tried in order per client: DSCR first, interest cover when DSCR is missing")

    @field_validator("measures")
    @classmethod
    def _non_empty(cls, v: list[CapacityMeasure]) -> list[CapacityMeasure]:
        if not v:
            raise ValueError("give at least one capacity measure (e.g. {column: dscr, "
                             "strong_min: 1.5, medium_min: 1.2})")
        cols = [m.column for m in v]
        if len(set(cols)) != len(cols):
            raise ValueError(f"each capacity measure column may appear once; got {cols}")
        return v


class SegmentLabel(Section):
    """Name and service strategy of one matrix cell, in Chinese and English."""

    name_zh: str
    name_en: str
    strategy_zh: str
    strategy_en: str

    def name(self, lang: str) -> str:
        """The cell name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en

    def strategy(self, lang: str) -> str:
        """The service strategy in ``lang``."""
        return self.strategy_zh if lang == "zh" else self.strategy_en


def default_segments() -> dict[str, SegmentLabel]:
    """The default cell names and strategies (from :data:`crmkit.core.i18n.LABELS`)."""
    out = {}
    for code in SEGMENTS:
        (nz, ne), (sz, se) = LABELS[f"segment.{code}"], LABELS[f"segment.{code}.strategy"]
        out[code] = SegmentLabel(name_zh=nz, name_en=ne, strategy_zh=sz, strategy_en=se)
    return out


class ParetoParams(Section):
    """Pareto (ABC-curve) analysis of client contribution."""

    value: str = Field("income", description="client-features column measuring contribution")
    cutoff: float = Field(0.8, description="contribution share whose client share is reported")
    b_cutoff: float = Field(0.95, description="pareto_class: A up to cutoff, B up to b_cutoff")
    top_share: float = Field(0.2, description="report the contribution of this top client share")

    @model_validator(mode="after")
    def _shares(self) -> ParetoParams:
        if not 0 < self.cutoff < self.b_cutoff <= 1:
            raise ValueError(f"need 0 < cutoff < b_cutoff <= 1; got cutoff={self.cutoff:g}, "
                             f"b_cutoff={self.b_cutoff:g}")
        if not 0 < self.top_share < 1:
            raise ValueError(f"top_share={self.top_share:g} must be strictly between 0 and 1")
        return self


_PROFILE_FEATURES = ["exposure", "income", "debt_to_assets", "dscr", "on_time_share",
                     "csat_latest", "tenure_years", "n_products"]


class ProfileParams(Section):
    """k-means client profiles on standardised features."""

    features: list[str] = Field(default_factory=lambda: list(_PROFILE_FEATURES),
                                description="client-features columns to cluster on")
    log_features: list[str] = Field(
        default_factory=lambda: ["exposure", "income"],
        description="skewed money columns transformed by sign(x)·log1p(|x|) before standardising")
    clip_z: float | None = Field(3.0, description="z-scores are clipped to [-clip_z, clip_z] so "
                                                  "a few outliers cannot claim a profile; null: "
                                                  "no clipping")
    k: int = Field(4, description="number of profiles")
    seed: int = Field(7, description="random seed of k-means (same seed, same profiles)")
    n_init: int = Field(10, description="k-means restarts; the best is kept")
    name_features: int = Field(2, description="features named in a profile's name")
    name_min_z: float = Field(0.25, description="a centroid feature is named only if |z| >= "
                                                "this; a profile with none is 'average'")
    fit_sample: int = Field(200_000, description="fit on at most this many clients (random, "
                                                 "seeded), then assign every client")

    @model_validator(mode="after")
    def _valid(self) -> ProfileParams:
        problems = []
        if len(self.features) < 2:
            problems.append(f"features needs at least 2 columns; got {self.features}")
        if len(set(self.features)) != len(self.features):
            problems.append(f"features lists a column twice: {self.features}")
        extra = sorted(set(self.log_features) - set(self.features))
        if extra:
            problems.append(f"log_features {extra} are not in features {self.features}")
        if self.k < 2:
            problems.append(f"k={self.k} must be at least 2")
        if self.n_init < 1:
            problems.append(f"n_init={self.n_init} must be at least 1")
        if not 1 <= self.name_features <= len(self.features):
            problems.append(f"name_features={self.name_features} must be between 1 and the "
                            f"number of features ({len(self.features)})")
        if self.clip_z is not None and self.clip_z <= 0:
            problems.append(f"clip_z={self.clip_z:g} must be > 0 (or null for no clipping)")
        if self.name_min_z < 0:
            problems.append(f"name_min_z={self.name_min_z:g} must be >= 0")
        if self.fit_sample < self.k:
            problems.append(f"fit_sample={self.fit_sample} must be at least k={self.k}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class TieringParams(Section):
    """Settings of the tiering stage. Every field has a documented default."""

    abc: AbcParams = Field(default_factory=AbcParams)
    risk: RiskParams = Field(default_factory=RiskParams)
    capacity: CapacityParams = Field(default_factory=CapacityParams)
    segments: dict[str, SegmentLabel] = Field(
        default_factory=default_segments,
        description="names and strategies of the nine cells (+ unknown); keys <risk>_<capacity>")
    pareto: ParetoParams = Field(default_factory=ParetoParams)
    profiles: ProfileParams = Field(default_factory=ProfileParams)

    @field_validator("segments", mode="before")
    @classmethod
    def _merge_segments(cls, v: Any) -> Any:
        """Merge a partial mapping over the defaults, field by field."""
        if not isinstance(v, dict):
            return v
        unknown = [k for k in v if k not in SEGMENTS]
        if unknown:
            raise ValueError(f"unknown segment(s) {unknown}; the cells are {list(SEGMENTS)}")
        merged: dict[str, Any] = {k: s.model_dump() for k, s in default_segments().items()}
        for k, label in v.items():
            merged[k] = {**merged[k], **(label.model_dump() if isinstance(label, SegmentLabel)
                                         else dict(label or {}))}
        return merged
