"""Stage 3, tier: A/B/C tiers, the 3x3 risk x capacity matrix with strategies, Pareto, k-means
profiles, weight sensitivity and their charts (matrix heat map, tree map, Pareto curve).

``run(params)`` computes and saves ``<run_dir>/tier/``.
"""

from __future__ import annotations

from crmkit.tier.charts import (
    matrix_heatmap,
    pareto_chart,
    profile_heatmap,
    score_distribution,
    tree_map,
)
from crmkit.tier.pareto_analysis import ParetoResult, pareto
from crmkit.tier.profiles import ProfileResult, client_profiles
from crmkit.tier.stage import TierStage, run
from crmkit.tier.tiers import (
    TIERS,
    abc_tiers,
    capacity_level,
    matrix_table,
    risk_capacity_matrix,
    risk_level,
    segment_labels,
    segment_summary,
    tier_names,
    tier_summary,
    tier_table,
    unknown_clients,
)

__all__ = ["run", "TierStage", "TIERS", "abc_tiers", "tier_names", "tier_summary", "risk_level",
           "capacity_level", "risk_capacity_matrix", "matrix_table", "segment_labels",
           "segment_summary", "unknown_clients", "tier_table", "pareto", "ParetoResult",
           "client_profiles", "ProfileResult", "matrix_heatmap", "tree_map", "pareto_chart",
           "score_distribution", "profile_heatmap"]
