"""Stage 4, warn: warning metrics and rules, IFRS 9 staging, the snapshot history and tier
migration, the churn model, alerts with owners, the action plan (.csv, .ics) and their charts.

``run(params)`` computes and saves ``<run_dir>/warn/`` and the run's snapshot in the history.
"""

from __future__ import annotations

from crmkit.warn.actions import action_plan, write_ics, write_plan_csv
from crmkit.warn.alerting import ALERT_COLUMNS, SEVERITY_DTYPE, alert_summary, alerts
from crmkit.warn.charts import alert_counts_chart, migration_heatmap, milestone_gantt
from crmkit.warn.churn import ChurnResult, fit_churn
from crmkit.warn.ecl import ecl_summary, expected_credit_loss, lifetime_pd
from crmkit.warn.history import (
    changes,
    load_snapshot,
    migration_matrix,
    previous_as_of,
    save_snapshot,
    snapshot_dates,
    trend,
)
from crmkit.warn.labels import display_frame, warn_header
from crmkit.warn.metrics import client_metrics, facility_metrics
from crmkit.warn.rules import RuleEvaluation, evaluate_rules, missing_values, rule_notes
from crmkit.warn.stage import WarnStage, current_snapshot, run
from crmkit.warn.staging import ifrs9_stages, origination_pd, stage_summary
from crmkit.warn.triage import dedupe_alerts, rank_alerts, worklist

__all__ = ["run", "WarnStage", "current_snapshot", "client_metrics", "facility_metrics",
           "evaluate_rules", "RuleEvaluation", "rule_notes", "missing_values", "alerts",
           "alert_summary", "ALERT_COLUMNS", "SEVERITY_DTYPE", "ifrs9_stages", "origination_pd",
           "stage_summary", "action_plan", "write_plan_csv", "write_ics", "display_frame",
           "warn_header", "fit_churn", "ChurnResult", "save_snapshot", "load_snapshot",
           "snapshot_dates", "previous_as_of", "changes", "migration_matrix", "trend",
           "milestone_gantt", "migration_heatmap", "alert_counts_chart", "expected_credit_loss",
           "ecl_summary", "lifetime_pd", "dedupe_alerts", "rank_alerts", "worklist"]
