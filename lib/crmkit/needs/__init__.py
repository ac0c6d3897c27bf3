"""Financing needs: each client's next expected needs (refinancing, project capex, seasonal
working capital, growth), an honest backtest against a last-year baseline, and high-potential
clients (高潜力客户) behind the risk gates (issue 11, parts 4 and 5; ``docs/needs.md``).

``run(params)`` computes and saves ``<run_dir>/needs/``; the functions work on tables alone.
"""

from __future__ import annotations

from crmkit.needs.charts import backtest_chart, needs_by_month_chart
from crmkit.needs.evaluate import (
    Backtest,
    Scores,
    actual_needs,
    backtest,
    baseline_prediction,
    classification_scores,
)
from crmkit.needs.forecast import FORECAST_COLUMNS, client_outlook, forecast_needs
from crmkit.needs.history import NeedsError, known_at
from crmkit.needs.labels import NEEDS_LABELS, cause_label, fmt_amount, module_label
from crmkit.needs.potential import POTENTIAL_COLUMNS, high_potential, product_gaps, products_held
from crmkit.needs.stage import STAGE, NeedsStage, needs_tables, run
from crmkit.needs.views import backtest_view, forecast_view, potential_view

__all__ = ["run", "NeedsStage", "STAGE", "needs_tables", "forecast_needs", "client_outlook",
           "FORECAST_COLUMNS",
           "backtest", "Backtest", "Scores", "classification_scores", "actual_needs",
           "baseline_prediction", "high_potential", "POTENTIAL_COLUMNS", "products_held",
           "product_gaps", "known_at", "NeedsError", "NEEDS_LABELS", "module_label",
           "cause_label", "fmt_amount", "forecast_view", "backtest_view", "potential_view",
           "backtest_chart", "needs_by_month_chart"]
