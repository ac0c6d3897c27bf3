"""Parameters of the credit stage (section ``credit:`` of a portfolio's parameters file).

Example (every key optional; these are the defaults, abridged)::

    credit:
      horizon_months: 12          # train on features at as_of - 12 months, default flag after
      cohorts: 3                  # pool 3 yearly cohorts (as_of-12m, -24m, -36m) for training
      features: [debt_to_assets, current_ratio, interest_cover, dscr, roa, revenue_growth,
                 on_time_share, dpd_max, late_30_count, complaints_12m,
                 max_milestone_delay_days, tenure_years]
      categorical: [industry, size_class]
      target: null                # Python only: fit_credit_model(frame); see training
      training: null              # own labelled table: {path, target}; crmkit fit (training.py)
      columns: {}                 # rename your frame's columns first: {资产负债率: debt_to_assets}
      directions: {dscr: descending, debt_to_assets: ascending}  # default rate vs. the feature
      model: scorecard            # scorecard (WOE + logistic) | gbm (gradient boosting)
      cv_folds: 5                 # out-of-fold validation
      min_defaults: 20            # fewer defaults (or non-defaults) -> expert rules, not a model
      min_auc: 0.60               # model gate: out-of-fold AUC below this -> expert rules
      base_points: 600            # points at base_odds (good:bad) ...
      base_odds: 50               # ... 50:1
      pdo: 20                     # points to double the odds
      grades: [[AAA, 0.0003], [AA, 0.001], [A, 0.003], [BBB, 0.01], [BB, 0.03], [B, 0.10],
               [CCC, 0.30]]       # grade if PD < bound; the rest: C; in default: D
      slotting: [[strong, 0.01], [good, 0.03], [satisfactory, 0.10]]   # else weak
      rules:                      # expert points used when there are too few defaults
        dscr: {edges: [1.0, 1.2, 1.5, 2.0], points: [0, 20, 35, 50, 60], missing_points: 20}

Directions say how the *default rate* moves as the feature grows: ``ascending`` (more is
riskier, e.g. debt_to_assets), ``descending`` (more is safer, e.g. dscr) or ``auto`` (the
direction that separates defaulters best in the training data). Features not listed are auto.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from crmkit.params._base import Section
from crmkit.params.training import TrainingSource

__all__ = [
    "CreditParams",
    "RuleBands",
    "DEFAULT_FEATURES",
    "DEFAULT_CATEGORICAL",
    "DEFAULT_DIRECTIONS",
    "DEFAULT_GRADES",
    "DEFAULT_SLOTTING",
    "DEFAULT_RULES",
    "SLOTTING_CODES",
    "LEAKY_FEATURES",
]

Direction = Literal["auto", "ascending", "descending"]

#: Numeric features of the default model: all measured at the observation date.
DEFAULT_FEATURES: tuple[str, ...] = (
    "debt_to_assets", "current_ratio", "interest_cover", "dscr", "roa", "revenue_growth",
    "on_time_share", "dpd_max", "late_30_count", "complaints_12m", "max_milestone_delay_days",
    "tenure_years",
)
DEFAULT_CATEGORICAL: tuple[str, ...] = ("industry", "size_class")
#: Features that restate the default definition itself; never defaults (they would leak).
LEAKY_FEATURES: tuple[str, ...] = ("dpd_current", "in_default", "ever_90dpd")

#: How the default rate moves as each feature grows (the business prior for monotone bins).
DEFAULT_DIRECTIONS: dict[str, Direction] = {
    "debt_to_assets": "ascending", "current_ratio": "descending",
    "interest_cover": "descending", "dscr": "descending", "roa": "descending",
    "revenue_growth": "descending", "on_time_share": "descending", "dpd_max": "ascending",
    "late_30_count": "ascending", "complaints_12m": "ascending",
    "max_milestone_delay_days": "ascending", "tenure_years": "descending",
}

#: (grade, PD upper bound): PD < bound gets the grade; a performing client above the last
#: bound gets ``worst_grade`` (C), a client in default ``default_grade`` (D). AAA < 0.03 %, AA < 0.1 %, A < 0.3 %, BBB < 1 %, BB < 3 %, B < 10 %,
#: CCC < 30 %.
DEFAULT_GRADES: tuple[tuple[str, float], ...] = (
    ("AAA", 0.0003), ("AA", 0.001), ("A", 0.003), ("BBB", 0.01), ("BB", 0.03), ("B", 0.10),
    ("CCC", 0.30),
)

#: Basel supervisory slotting categories for project finance, best first (the last, "weak",
#: takes every PD above the bounds; "default" is for clients in default).
SLOTTING_CODES: tuple[str, ...] = ("strong", "good", "satisfactory", "weak", "default")
#: (category, PD upper bound). Basel maps the categories to external-rating equivalents:
#: strong ~ BBB- or better, good ~ BB+/BB, satisfactory ~ BB-/B+, weak ~ B to C-; with the
#: default grades that is PD < 1 %, < 3 %, < 10 %, and above.
DEFAULT_SLOTTING: tuple[tuple[str, float], ...] = (
    ("strong", 0.01), ("good", 0.03), ("satisfactory", 0.10),
)


class RuleBands(Section):
    """Expert points of one feature: ``value < edges[0]`` gets ``points[0]``, ...,
    ``value >= edges[-1]`` gets ``points[-1]``; a missing value gets ``missing_points``."""

    edges: list[float] = Field(min_length=1, description="Band boundaries, strictly increasing")
    points: list[float] = Field(description="Points per band: one more than edges")
    missing_points: float = Field(0.0, description="Points when the value is missing")

    @model_validator(mode="after")
    def _shape(self) -> RuleBands:
        if len(self.points) != len(self.edges) + 1:
            raise ValueError(f"points needs len(edges) + 1 = {len(self.edges) + 1} values "
                             f"(one per band); got {len(self.points)}")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError(f"edges must be strictly increasing; got {self.edges}")
        return self


def _rb(edges: list[float], points: list[float], missing: float) -> RuleBands:
    return RuleBands(edges=edges, points=points, missing_points=missing)


#: The documented fallback scorecard: points add to ``rules_base_points`` (480). A client at
#: the top of every band scores 480 + 220 = 700 (PD ~0.05 % on the default scale); at the
#: bottom of every band 480 (PD ~56 %); missing data scores in the lower middle of a feature.
def _default_rules() -> dict[str, RuleBands]:
    return {
        "dscr": _rb([1.0, 1.2, 1.5, 2.0], [0, 20, 35, 50, 60], 20),
        "debt_to_assets": _rb([0.5, 0.65, 0.8], [40, 30, 15, 0], 15),
        "interest_cover": _rb([1.5, 3.0, 5.0], [0, 15, 30, 40], 15),
        "dpd_max": _rb([1, 31, 61], [50, 30, 10, 0], 25),
        "on_time_share": _rb([0.8, 0.95, 0.99], [0, 10, 20, 30], 15),
    }


DEFAULT_RULES = _default_rules()


class CreditParams(Section):
    """Settings of the credit stage (PD model, points, grades). Every field has a default."""

    # -- data -------------------------------------------------------------------------------
    cohorts: int = Field(3, ge=1, le=10, description=(
        "Yearly observation cohorts pooled for training (features at as_of - k*horizon - "
        "horizon, default flag in the following horizon, k = 0 .. cohorts-1); a client may "
        "appear once per cohort, and out-of-fold folds keep a client's rows together"))
    horizon_months: int = Field(12, ge=1, le=60, description=(
        "PD horizon: features at as_of minus this many months, default flag in the months "
        "after"))
    features: list[str] = Field(default_factory=lambda: list(DEFAULT_FEATURES),
                                description="Numeric features (after renaming by columns)")
    categorical: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORICAL),
                                   description="Categorical features (one bin per category)")
    target: str | None = Field(None, description=(
        "Python only: the 0/1 default column of a features frame passed to fit_credit_model; "
        "in a parameters file use training (crmkit fit) instead"))
    training: TrainingSource | None = Field(None, description=(
        "Own labelled table: crmkit fit trains on it, crmkit run scores with the saved model"))
    columns: dict[str, str] = Field(default_factory=dict, description=(
        "Rename columns of your own features frame first: {source name: name used here}"))
    id_column: str | None = Field(None, description=(
        "Client-ID column of your own features frame; None: its index"))
    project_finance_column: str = Field("project_finance", description=(
        "Own frame only: boolean column marking project-finance clients (slotting)"))
    # -- binning and model ------------------------------------------------------------------
    directions: dict[str, Direction] = Field(
        default_factory=lambda: dict(DEFAULT_DIRECTIONS),
        description="Default rate vs. feature: ascending | descending | auto (unlisted: auto)")
    n_prebins: int = Field(10, ge=2, le=50, description="Quantile pre-bins per numeric feature")
    min_bin_share: float = Field(0.05, gt=0, lt=0.5, description="Smallest share of a bin")
    rare_category_share: float = Field(0.02, ge=0, lt=0.5, description=(
        "Categories rarer than this share are merged into '(other)'"))
    woe_shrinkage: bool = Field(True, description=(
        "Shrink numeric bins' WOE towards the feature's trend and the missing bin's towards 0 "
        "by how little they stand out from noise (empirical Bayes); false: raw counts"))
    woe_smoothing: float = Field(0.5, ge=0, description=(
        "Pseudo-count added to goods and bads of every bin, so empty classes give no inf"))
    min_iv: float = Field(0.02, ge=0, description=(
        "Features with information value below this are left out of the scorecard"))
    drop_wrong_sign: bool = Field(True, description=(
        "Drop features whose logistic coefficient contradicts their WOE (and refit)"))
    logit_c: float = Field(0.1, gt=0, description=(
        "Inverse L2 strength of the logistic model on WOE; 0.1 shrinks coefficients enough "
        "to steady samples of a few hundred clients (raise it for large portfolios)"))
    model: Literal["scorecard", "gbm"] = Field("scorecard", description=(
        "The model that scores clients: scorecard (transparent) or gbm (comparison)"))
    compare_gbm: bool | Literal["auto"] = Field("auto", description=(
        "Also validate the gradient-boosting model out of fold: true, false, or auto (only "
        "when the training rows are at most compare_gbm_max_rows; it doubles the fitting time)"))
    compare_gbm_max_rows: int = Field(100_000, ge=0, description=(
        "compare_gbm: auto compares only up to this many training rows"))
    gbm_max_iter: int = Field(200, ge=10, le=5000)
    gbm_learning_rate: float = Field(0.05, gt=0, le=1)
    gbm_max_leaf_nodes: int = Field(15, ge=2, le=255)
    gbm_min_samples_leaf: int = Field(20, ge=1)
    gbm_l2: float = Field(1.0, ge=0, description="L2 regularisation of the boosted trees")
    gbm_monotone: bool = Field(True, description=(
        "Constrain the boosted trees to the directions (ascending / descending features)"))
    gbm_threads: int = Field(1, ge=0, description=(
        "OpenMP threads of the boosted trees; 0: all cores (helps only from ~100k clients)"))
    # -- validation ------------------------------------------------------------------------
    cv_folds: int = Field(5, ge=2, le=20, description="Stratified folds for out-of-fold metrics")
    cv_exact_max_groups: int = Field(10_000, ge=0, description=(
        "Up to this many training clients the folds are scikit-learn's StratifiedGroupKFold "
        "(a search per client); above, clients sorted by default rate are dealt into folds "
        "in random blocks (vectorised, crmkit.score.credit.folds)"))
    fit_max_rows: int | None = Field(100_000, ge=1_000, description=(
        "Each model (every out-of-fold model and the final one) is fitted on at most this "
        "many training rows, a sample stratified by the default flag; out-of-fold PDs and "
        "metrics still cover every row. null: fit on all rows"))
    seed: int = Field(7, description="Random seed of the folds and the boosted trees")
    calibration_bins: int = Field(10, ge=2, le=50, description="Bins (deciles) of the "
                                                               "calibration table")
    min_auc: float = Field(0.60, ge=0.5, le=1.0, description=(
        "Model gate: a model whose out-of-fold AUC is below this is not used for decisions; "
        "PDs then come from the expert rules"))
    min_defaults: int = Field(20, ge=1, description=(
        "Fewer training defaults (or non-defaults) than this: no model, expert rules instead"))
    # -- points, grades, reasons ------------------------------------------------------------
    base_points: float = Field(600.0, description="Points at base_odds")
    base_odds: float = Field(50.0, gt=0, description="Good:bad odds that score base_points")
    pdo: float = Field(20.0, gt=0, description="Points to double the odds")
    grades: list[tuple[str, float]] = Field(
        default_factory=lambda: list(DEFAULT_GRADES),
        description="[grade, PD upper bound] pairs, best first; PD < bound gets the grade")
    default_grade: str = Field("D", description="Grade of clients in default (and only them)")
    worst_grade: str = Field("C", description=(
        "Grade of performing clients whose PD is at or above the last bound"))
    slotting: list[tuple[str, float]] = Field(
        default_factory=lambda: list(DEFAULT_SLOTTING),
        description="[category, PD upper bound] for project finance; above: weak")
    n_reasons: int = Field(3, ge=1, le=10, description="Reasons given per client")
    min_reason_points: float = Field(1.0, ge=0, description=(
        "A feature is given as a reason only if it costs the client more points than this"))
    reason_labels: dict[str, tuple[str, str]] = Field(default_factory=dict, description=(
        "Extra or replacement reason phrases: {feature: [中文, English]}"))
    rules: dict[str, RuleBands] = Field(default_factory=_default_rules, description=(
        "Expert points per feature (fallback with too few defaults)"))
    rules_base_points: float = Field(480.0, description="Points every client starts from in "
                                                        "the expert rules")

    @field_validator("grades", "slotting")
    @classmethod
    def _bands(cls, v: list[tuple[str, float]]) -> list[tuple[str, float]]:
        names = [n for n, _ in v]
        bounds = [b for _, b in v]
        if not v:
            raise ValueError("give at least one [name, PD upper bound] pair")
        if len(set(names)) != len(names):
            raise ValueError(f"names must be unique; got {names}")
        if not all(0 < b <= 1 for b in bounds) or any(
                b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValueError(f"PD upper bounds must be fractions in (0, 1], strictly increasing "
                             f"(0.01 for 1 %); got {bounds}")
        return v

    @field_validator("slotting")
    @classmethod
    def _slotting_codes(cls, v: list[tuple[str, float]]) -> list[tuple[str, float]]:
        allowed = SLOTTING_CODES[:3]
        names = [n for n, _ in v]
        if names != list(allowed[: len(names)]):
            raise ValueError(f"slotting names must be {list(allowed)} in this order (or a "
                             f"prefix; the rest is 'weak'); got {names}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> CreditParams:
        problems = []
        both = sorted(set(self.features) & set(self.categorical))
        if both:
            problems.append(f"{both} listed in both features and categorical; keep each in one")
        if not self.features and not self.categorical:
            problems.append("features and categorical are both empty; list at least one feature")
        if self.target is not None and self.target in {*self.features, *self.categorical}:
            problems.append(f"target {self.target!r} is also a feature: the model would see the "
                            "answer; remove it from features / categorical")
        if self.default_grade in {g for g, _ in self.grades}:
            problems.append(f"default_grade {self.default_grade!r} is also in grades")
        if self.worst_grade in {g for g, _ in self.grades} | {self.default_grade}:
            problems.append(f"worst_grade {self.worst_grade!r} is also in grades or is the "
                            "default_grade; performing and defaulted clients need their own grades")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def direction(self, feature: str) -> Direction:
        """The monotone direction of ``feature`` (``auto`` when not listed)."""
        return self.directions.get(feature, "auto")
