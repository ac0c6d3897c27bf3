"""The tier stage's runner: A/B/C tiers, the 3x3 matrix, Pareto, profiles, weight sensitivity.

It reads the score stage's tables and writes ``tiers`` (tier, risk, capacity, segment),
``pareto``, ``profiles`` and ``sensitivity`` under ``<run_dir>/tier/``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmkit.core.store import load_indexed, save_table
from crmkit.params import Params
from crmkit.score import load_features, weight_sensitivity
from crmkit.tier.pareto_analysis import ParetoResult, pareto
from crmkit.tier.profiles import ProfileResult, client_profiles
from crmkit.tier.tiers import abc_tiers, tier_table

__all__ = ["TierStage", "run"]


@dataclass
class TierStage:
    """Outputs of the tier stage."""

    table: pd.DataFrame
    pareto: ParetoResult
    profiles: ProfileResult
    sensitivity: pd.DataFrame


def run(params: Params) -> TierStage:
    """A/B/C tiers, the risk x capacity matrix, Pareto, profiles and weight sensitivity."""
    features = load_features(params)
    scores = load_indexed(params, "score", "scores")
    credit = load_indexed(params, "score", "credit")
    table = tier_table(scores["total"], credit["pd"], features, params.tiering,
                       gates=params.gates)
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
