"""Stage 5, diagnose: satisfaction (CSAT, NPS), retention, needs met, risk-adjusted CLV, the
diagnostic table with a strategy per client, next actions and the client cards.

``run(params)`` computes and saves ``<run_dir>/diagnose/``.
"""

from __future__ import annotations

from crmkit.diagnose.cards import client_card, client_cards
from crmkit.diagnose.cards_html import client_cards_html
from crmkit.diagnose.charts import clv_by_tier, retention_chart, satisfaction_by_segment
from crmkit.diagnose.clv import client_margin, clv_factor, clv_value, risk_adjusted_clv
from crmkit.diagnose.metrics import (
    complaint_resolution,
    csat,
    needs_fulfilment,
    nps,
    nps_class,
    portfolio_kpis,
    top_share,
)
from crmkit.diagnose.retention import retained, retention_by_cohort
from crmkit.diagnose.stage import DiagnoseStage, run
from crmkit.diagnose.strategies import load_strategies, match_strategies, strategy_path
from crmkit.diagnose.table import (
    DIAG_COLUMNS,
    alert_summary,
    diagnostic_table,
    next_actions,
    segment_summary,
    urgency_order,
)
from crmkit.diagnose.views import display, kpi_table

__all__ = ["run", "DiagnoseStage", "diagnostic_table", "alert_summary", "segment_summary",
           "next_actions", "urgency_order", "display", "kpi_table", "DIAG_COLUMNS", "csat", "nps",
           "nps_class", "needs_fulfilment", "complaint_resolution", "retained",
           "retention_by_cohort", "top_share", "portfolio_kpis", "client_margin", "clv_factor",
           "clv_value", "risk_adjusted_clv", "load_strategies", "match_strategies",
           "strategy_path", "client_card", "client_cards", "client_cards_html", "clv_by_tier",
           "retention_chart", "satisfaction_by_segment"]
