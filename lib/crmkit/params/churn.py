"""Parameters of the churn step (section ``churn:`` of a portfolio's parameters file).

Example (every key optional; these are the defaults)::

    churn:
      horizon_months: 12          # churned at D: nothing live at D and no new business in the
                                  # 12 months before D; train on features at as_of - 12 months
      features: [complaints_12m, unresolved_complaints, mean_response_hours, csat_latest,
                 nps_latest, nps_change, interactions_12m, interactions_change, tenure_years,
                 n_products, needs_fulfilled_share, exposure, dpd_max]
      log_features: [exposure, committed, income, interest_income, fee_income]  # log(1 + x)
      model: logistic             # logistic (median imputation + standardisation) | gbm
      logistic_c: 0.1             # inverse L2 regularisation strength (small = strong, which
                                  # suits the few churners of a typical portfolio)
      gbm_max_iter: 200           # boosting rounds of the gradient-boosting model
      gbm_learning_rate: 0.05
      gbm_max_leaf_nodes: 15
      cv_folds: 5                 # stratified folds for the out-of-fold AUC
      min_events: 10              # fewer churners (or stayers) -> the rules score, not a model
      min_auc: 0.60               # model gate: out-of-fold AUC below this -> base rates
      seed: 7
      importance_repeats: 5       # gbm: permutation-importance repeats ...
      importance_max_rows: 20000  # ... on at most this many training rows
      n_threads: null             # fitting threads (null: all cores; 1 in parallel batch runs)
      rules:                      # the fallback score: p = sigmoid(logit), see ChurnRules
        intercept: -3.0
        per_complaint: 0.35
        per_unresolved: 0.5
        complaint_cap: 5
        nps_threshold: 7
        per_nps_point: 0.3
        single_product: 0.3
        interaction_drop: 1.0
        no_new_business: 0.5

The churn label and the point-in-time features are described in :mod:`crmkit.warn.churn`.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crmkit.core.feature_columns import FEATURE_COLUMNS
from crmkit.params._base import Section
from crmkit.params.training import TrainingSource

__all__ = ["ChurnParams", "ChurnRules", "DEFAULT_FEATURES", "DERIVED_FEATURES",
           "DEFAULT_LOG_FEATURES", "churn_feature_names"]

#: Features computed by :mod:`crmkit.warn.churn` on top of :func:`crmkit.score.features.client_features`.
DERIVED_FEATURES: tuple[str, ...] = (
    "nps_change",                 # nps_latest - nps_prev
    "interactions_change",        # interactions in the last 12 months - in the 12 before
    "months_since_new_business",  # months since the latest facility start or fulfilled need
)
#: Default model features (all measured at the observation date).
DEFAULT_FEATURES: tuple[str, ...] = (
    "complaints_12m", "unresolved_complaints", "mean_response_hours", "csat_latest",
    "nps_latest", "nps_change", "interactions_12m", "interactions_change", "tenure_years",
    "n_products", "needs_fulfilled_share", "exposure", "dpd_max",
)
#: Skewed money features entered as ``log(1 + max(x, 0))``.
DEFAULT_LOG_FEATURES: tuple[str, ...] = ("exposure", "committed", "income", "interest_income",
                                         "fee_income")
#: Client-feature columns that are text, not numbers (not usable as churn features).
_TEXT_FEATURES = ("client_name", "industry", "region", "size_class", "lifecycle_stage",
                  "risk_appetite", "relationship_manager", "group_name", "nps_class")


def churn_feature_names() -> tuple[str, ...]:
    """Every numeric feature name the churn model accepts."""

    return tuple(c for c in FEATURE_COLUMNS if c not in _TEXT_FEATURES) + DERIVED_FEATURES


class ChurnRules(Section):
    """The rules-based churn score used when there are too few churners to fit a model.

    ``p = 1 / (1 + exp(-logit))`` with ``logit = intercept
    + per_complaint * min(complaints_12m, complaint_cap)
    + per_unresolved * min(unresolved_complaints, complaint_cap)
    + per_nps_point * max(nps_threshold - nps_latest, 0)``  (no survey: 0)
    ``+ single_product * [n_products <= 1]
    + interaction_drop * max(1 - interactions_12m / interactions in the 12 months before, 0)
    + no_new_business * [no facility started and no need fulfilled in the horizon]``.
    With the defaults a client with no warning sign scores 4.7 %.
    """

    intercept: float = Field(-3.0, description="logit of a client with no warning sign")
    per_complaint: float = Field(0.35, ge=0, description="per complaint in the last 12 months")
    per_unresolved: float = Field(0.5, ge=0, description="per unresolved complaint")
    complaint_cap: int = Field(5, ge=1, description="complaint counts are capped here")
    nps_threshold: float = Field(7.0, ge=0, le=10, description="NPS below this adds points")
    per_nps_point: float = Field(0.3, ge=0, description="per NPS point below nps_threshold")
    single_product: float = Field(0.3, ge=0, description="one product or none")
    interaction_drop: float = Field(1.0, ge=0, description="times the relative fall in contacts")
    no_new_business: float = Field(0.5, ge=0, description="nothing new within the horizon")


class ChurnParams(Section):
    """Settings of the churn step. Every field has a documented default."""

    horizon_months: int = Field(12, ge=1, le=60,
                                description="label window and training look-back, months")
    features: list[str] = Field(default_factory=lambda: list(DEFAULT_FEATURES),
                                description="numeric features of the churn model")
    log_features: list[str] = Field(default_factory=lambda: list(DEFAULT_LOG_FEATURES),
                                    description="features entered as log(1 + x)")
    model: Literal["logistic", "gbm"] = Field(
        "logistic", description="logistic regression or histogram gradient boosting")
    logistic_c: float = Field(0.1, gt=0, description="inverse regularisation strength (small "
                                                     "= strong; suits few churners)")
    gbm_max_iter: int = Field(200, ge=10, le=5000)
    gbm_learning_rate: float = Field(0.05, gt=0, le=1)
    gbm_max_leaf_nodes: int = Field(15, ge=2, le=255)
    cv_folds: int = Field(5, ge=2, le=20, description="folds of the out-of-fold AUC")
    fit_max_rows: int | None = Field(100_000, ge=1_000, description=(
        "each model (out-of-fold and final) is fitted on at most this many training clients, "
        "a sample stratified by the label; the out-of-fold AUC still covers every client. "
        "null: all"))
    min_events: int = Field(10, ge=2, description="fewer churners (or stayers): rules score")
    min_auc: float = Field(0.60, ge=0.5, le=1.0, description=(
        "model gate: out-of-fold AUC below this -> churn base rates by client size"))
    base_rate_prior: float = Field(10.0, ge=0, description=(
        "pseudo-clients at the overall churn rate added to each segment's base rate"))
    seed: int = 7
    importance_repeats: int = Field(5, ge=1, le=100)
    importance_max_rows: int = Field(20000, ge=100)
    n_threads: int | None = Field(
        None, ge=1, description="threads for model fitting; None: all cores. Use 1 when several "
                                "runs share a machine (batch), to avoid thread contention")
    rules: ChurnRules = Field(default_factory=ChurnRules)
    training: TrainingSource | None = Field(None, description=(
        "own labelled table: crmkit fit trains on it (see crmkit.params.training)"))

    @field_validator("features")
    @classmethod
    def _known_features(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("list at least one feature")
        known = churn_feature_names()
        problems = []
        for f in v:
            if f in _TEXT_FEATURES:
                problems.append(f"{f!r} is text, not a number; churn features must be numeric")
            elif f not in known:
                close = difflib.get_close_matches(f, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"unknown feature {f!r}{hint}")
        dup = sorted({f for f in v if v.count(f) > 1})
        if dup:
            problems.append(f"{dup} listed more than once")
        if problems:
            raise ValueError("; ".join(problems) + f". Known features: {', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _folds_fit_events(self) -> ChurnParams:
        if self.cv_folds > self.min_events:
            raise ValueError(f"cv_folds={self.cv_folds} must not exceed min_events="
                             f"{self.min_events}: every fold needs a churner")
        return self
