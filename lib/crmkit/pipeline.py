"""Stage runners: what each notebook computes and saves, in one call each.

The notebooks stay thin (narrative, a call, charts); the batch runner, the report and the tests
use the same functions. Each runner reads the earlier stages' tables from the run folder and
writes its own under ``<run_dir>/<stage>/`` (see :mod:`crmkit.store`).

====================  ======================================================================
stage                 writes
====================  ======================================================================
``score``             ``features``, ``scores`` (dimension scores, total, contributions),
                      ``drivers``, ``credit`` (PD, points, grade, slotting, reasons),
                      ``credit_metrics.csv``, ``credit_model.joblib`` (+ ``.json``)
``tier``              ``tiers`` (tier, risk, capacity, segment), ``pareto``, ``profiles``,
                      ``sensitivity``
====================  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmkit.collect import load_clean
from crmkit.credit import CreditResult, fit_credit_model, save_model
from crmkit.features import client_features
from crmkit.params import Params
from crmkit.scoring import ScoreResult, score_clients, top_drivers, weight_sensitivity
from crmkit.store import atomic_write, load_table, save_table
from crmkit.tiering import abc_tiers, tier_table
from crmkit.tiering_pareto import ParetoResult, pareto
from crmkit.tiering_profiles import ProfileResult, client_profiles

__all__ = ["ScoreStage", "TierStage", "run_score", "run_tier", "load_features"]


@dataclass
class ScoreStage:
    """Outputs of the score stage."""

    tables: dict[str, pd.DataFrame]
    features: pd.DataFrame
    scores: ScoreResult
    drivers: pd.DataFrame
    credit: CreditResult


@dataclass
class TierStage:
    """Outputs of the tier stage."""

    table: pd.DataFrame
    pareto: ParetoResult
    profiles: ProfileResult
    sensitivity: pd.DataFrame


def _indexed(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("client_id") if "client_id" in df.columns else df


def run_score(params: Params) -> ScoreStage:
    """Features, difference-matrix scores and the credit model; saves the score tables."""
    tables = load_clean(params)
    features = client_features(tables, params.as_of)
    scores = score_clients(features, params.scoring)
    drivers = top_drivers(scores)
    credit = fit_credit_model(tables, params.as_of, params.credit)
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
    return ScoreStage(tables, features, scores, drivers, credit)


def load_features(params: Params) -> pd.DataFrame:
    """The client features the score stage saved (index client_id)."""
    return _indexed(load_table(params, "score", "features"))


def run_tier(params: Params) -> TierStage:
    """A/B/C tiers, the risk x capacity matrix, Pareto, profiles and weight sensitivity."""
    features = load_features(params)
    scores = _indexed(load_table(params, "score", "scores"))
    credit = _indexed(load_table(params, "score", "credit"))
    table = tier_table(scores["total"], credit["pd"], features, params.tiering)
    pp = params.tiering.pareto
    par = pareto(features[pp.value], cutoff=pp.cutoff, top_share=pp.top_share,
                 b_cutoff=pp.b_cutoff)
    profiles = client_profiles(features, params.tiering)
    table["profile"] = profiles.labels.reindex(table.index)
    table["profile_name"] = profiles.client_names(params.language).reindex(table.index)
    sens = weight_sensitivity(features, params.scoring,
                              lambda s: abc_tiers(s, params.tiering))
    save_table(params, "tier", "tiers", table.reset_index())
    save_table(params, "tier", "pareto", par.table.reset_index())
    save_table(params, "tier", "profiles",
               profiles.names.join(profiles.centroids).reset_index(names="profile"))
    save_table(params, "tier", "sensitivity", sens)
    return TierStage(table, par, profiles, sens)
