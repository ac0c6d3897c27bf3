"""The clean-table columns the client features read, per table.

:func:`crmkit.score.features.client_features` and :func:`~crmkit.score.features.default_flag`
read these columns and no others; a table missing one of them gets it as NA
(:func:`crmkit.score.aggregate.table_or_none`), a column not listed is neither read nor added.
The score stage loads exactly these (``crmkit.score.stage.SCORE_COLUMNS``), the warn stage
these and its own: a column used in the feature code but missing here would silently be NA,
so add it here with the code that reads it (``tests/test_stage_columns.py`` compares features
from these columns with features from whole tables).
"""

from __future__ import annotations

from crmkit.core.feature_columns import IDENTITY

__all__ = ["FEATURE_INPUTS"]

#: Table -> the columns the feature code reads.
FEATURE_INPUTS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", *IDENTITY, "onboarding_date"),
    "financials": ("client_id", "fiscal_year", "total_assets", "total_liabilities",
                   "current_assets", "current_liabilities", "revenue", "net_income", "ebitda",
                   "operating_cash_flow", "interest_expense", "debt_service"),
    "facilities": ("facility_id", "client_id", "product", "amount", "outstanding", "start_date",
                   "interest_rate", "fees", "status"),
    "repayments": ("facility_id", "due_date", "amount_due", "paid_date", "amount_paid"),
    "projects": ("project_id", "client_id", "planned_start"),
    "milestones": ("project_id", "planned_end", "actual_end", "status"),
    "interactions": ("client_id", "date", "type", "response_hours", "resolved",
                     "resolved_date"),
    "surveys": ("client_id", "survey_date", "csat", "nps"),
    "needs": ("client_id", "request_date", "fulfilled"),
}
