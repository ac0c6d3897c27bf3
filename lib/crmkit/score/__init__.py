"""Stage 2, score: per-client features, the difference-matrix score with contributions, and the
credit model (WOE scorecard PD, points, grades, slotting, reasons) in :mod:`crmkit.score.credit`.

``run(params)`` computes and saves ``<run_dir>/score/``; :func:`load_features` reads the
features back for later stages.
"""

from __future__ import annotations

from crmkit.score.charts import contribution_bars, dimension_distribution, sensitivity_bars
from crmkit.score.difference import (
    DIMENSIONS,
    ScoreResult,
    label,
    normalise,
    score_clients,
    top_drivers,
    weight_sensitivity,
)
from crmkit.score.features import LIVE_STATUSES, client_features, default_flag, milestone_delay_days
from crmkit.score.stage import ScoreStage, load_features, run

__all__ = ["run", "load_features", "ScoreStage", "client_features", "default_flag",
           "milestone_delay_days", "LIVE_STATUSES", "ScoreResult", "score_clients", "normalise",
           "top_drivers", "weight_sensitivity", "label", "DIMENSIONS", "dimension_distribution",
           "contribution_bars", "sensitivity_bars"]
