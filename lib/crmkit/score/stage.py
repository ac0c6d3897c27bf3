"""The score stage's runner: features, difference-matrix scores and the credit model.

It reads the clean tables that collect saved and writes ``features``, ``scores`` (dimension
scores, total, contributions), ``drivers``, ``credit`` (PD, points, grade, slotting, reasons),
``credit_metrics.csv`` and ``credit_model.joblib`` (+ ``.json``) under ``<run_dir>/score/``.
With ``credit.training`` set, the credit model is not refitted: the one ``crmkit fit`` saved
(:mod:`crmkit.score.credit.training`) scores the clients.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmkit.collect.tables import load_clean
from crmkit.core.store import atomic_write, load_indexed, record_model, save_table
from crmkit.params import Params
from crmkit.score.aggregate import shared_lookups
from crmkit.score.credit.fit import CreditResult, fit_credit_model, save_model
from crmkit.score.difference import ScoreResult, score_clients, top_drivers
from crmkit.score.features import client_features
from crmkit.score.inputs import FEATURE_INPUTS

__all__ = ["ScoreStage", "run", "load_features", "SCORE_COLUMNS", "merge_columns"]

#: The clean-table columns the score stage reads: those of the client features (at every
#: date), the default flag and the credit model's rows (:data:`FEATURE_INPUTS`); the other
#: contract columns are not loaded.
SCORE_COLUMNS: dict[str, tuple[str, ...]] = {
    **FEATURE_INPUTS, "relationships": ("parent_id",)}  # relationships: not read at all


def merge_columns(*parts: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The union of several ``{table: columns}`` maps (first-seen order)."""
    out: dict[str, tuple[str, ...]] = {}
    for part in parts:
        for name, cols in part.items():
            out[name] = tuple(dict.fromkeys([*out.get(name, ()), *cols]))
    return out


@dataclass
class ScoreStage:
    """Outputs of the score stage."""

    tables: dict[str, pd.DataFrame]
    features: pd.DataFrame
    scores: ScoreResult
    drivers: pd.DataFrame
    credit: CreditResult


def run(params: Params) -> ScoreStage:
    """Features, difference-matrix scores and the credit model; saves the score tables."""
    tables = load_clean(params, SCORE_COLUMNS)
    with shared_lookups():  # features at as_of and at each cohort's date: ids mapped once
        features = client_features(tables, params.as_of)
        scores = score_clients(features, params.scoring)
        drivers = top_drivers(scores)
        if params.credit.training is not None:  # crmkit fit saved a model: score with it
            from crmkit.score.credit.training import fitted_credit

            credit = fitted_credit(tables, params, features)
        else:
            credit = fit_credit_model(tables, params.as_of, params.credit, features=features)
    save_table(params, "score", "features", features.reset_index())
    contrib = scores.contributions.add_prefix("contrib_")
    save_table(params, "score", "scores", scores.scores.join(contrib).reset_index())
    save_table(params, "score", "drivers", drivers)
    reasons = credit.reasons(params.language)[["reasons"]]
    save_table(params, "score", "credit", credit.scores.join(reasons).reset_index())
    folder = params.stage_dir("score")
    atomic_write(folder / "credit_metrics.csv",
                 lambda tmp: credit.metrics.to_csv(tmp, index=False, encoding="utf-8-sig"))
    save_model(credit.model, folder / "credit_model.joblib")
    record_model(params, "score", "credit", {
        "method": credit.method, "auc": credit.summary.get("model_auc"),
        "min_auc": params.credit.min_auc, "n_defaults": credit.summary.get("n_defaults"),
        "fallback": credit.method == "rules", "warnings": credit.warnings})
    return ScoreStage(tables, features, scores, drivers, credit)


def load_features(params: Params) -> pd.DataFrame:
    """The client features the score stage saved (index client_id)."""
    return load_indexed(params, "score", "features")
