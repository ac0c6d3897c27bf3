"""The columns of the per-client feature table (one row per client), grouped by source.

They are part of the data contract between the score stage, which builds them, and the stages
and parameters that read them (the churn model's feature list, for example).
"""

from __future__ import annotations

__all__ = ["FEATURE_COLUMNS", "COUNT_FEATURES", "STRING_FEATURES", "BOOL_FEATURES", "IDENTITY",
           "FINANCIAL", "REPAYMENT", "RELATIONSHIP", "VALUE", "SATISFACTION", "PROJECTS", "NEEDS"]

IDENTITY = ("client_name", "industry", "region", "size_class", "lifecycle_stage",
             "risk_appetite", "relationship_manager", "group_name")
FINANCIAL = ("fiscal_year", "total_assets", "revenue", "ebitda", "debt_to_assets",
              "current_ratio", "interest_cover", "dscr", "roa", "revenue_growth")
REPAYMENT = ("n_instalments_due", "dpd_current", "dpd_max", "on_time_share", "late_30_count",
              "ever_90dpd", "in_default")
RELATIONSHIP = ("tenure_years", "n_products", "n_facilities_active", "interactions_12m",
                 "complaints_12m", "unresolved_complaints", "mean_response_hours")
VALUE = ("exposure", "committed", "interest_income", "fee_income", "income")
SATISFACTION = ("csat_latest", "nps_latest", "csat_prev", "nps_prev", "nps_class")
PROJECTS = ("projects_count", "max_milestone_delay_days", "delayed_milestones")
NEEDS = ("needs_count", "needs_fulfilled_share")

#: Every column of :func:`crmkit.score.client_features`, in order.
FEATURE_COLUMNS: tuple[str, ...] = (IDENTITY + FINANCIAL + REPAYMENT + RELATIONSHIP + VALUE
                                    + SATISFACTION + PROJECTS + NEEDS)
COUNT_FEATURES: frozenset[str] = frozenset({"fiscal_year", "n_instalments_due", "late_30_count", "n_products",
           "n_facilities_active", "interactions_12m", "complaints_12m", "unresolved_complaints",
           "projects_count", "delayed_milestones", "needs_count"})
STRING_FEATURES: frozenset[str] = frozenset(IDENTITY) | {"nps_class"}
BOOL_FEATURES: frozenset[str] = frozenset({"ever_90dpd", "in_default"})
