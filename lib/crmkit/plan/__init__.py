"""Financing plans (方案定制): schedules incl. sculpting, pricing and RAROC, similar cases."""

from __future__ import annotations

from crmkit.plan.case_file import CASE_COLUMNS, OUTCOMES, read_case_file, validate_cases
from crmkit.plan.cases import (
    WEIGHTS,
    CaseLibrary,
    case_cards,
    outcome_mix,
    portfolio_cases,
    query_from_terms,
)
from crmkit.plan.design import LOAN_NEEDS, Plan, PlanContext, covenant_dscr, evaluate
from crmkit.plan.labels import column_label, profile_label
from crmkit.plan.pricing import lgd_for, raroc
from crmkit.plan.schedules import (
    SCHEDULE_COLUMNS,
    annual_rates,
    cfads_path,
    debt_capacity,
    schedule,
    summary,
)
from crmkit.plan.store import list_plans, load_plan, plan_notes, plans_dir, save_plan
from crmkit.plan.terms import PROFILES, PlanError, PlanTerms, parse_terms
from crmkit.plan.views import (
    dscr_chart,
    figures_table,
    mix_table,
    plan_text,
    pricing_table,
    schedule_table,
)

__all__ = ["PlanTerms", "PlanError", "PROFILES", "parse_terms", "schedule", "summary",
           "annual_rates", "cfads_path", "debt_capacity", "SCHEDULE_COLUMNS", "raroc", "lgd_for",
           "CaseLibrary", "WEIGHTS", "case_cards", "outcome_mix", "portfolio_cases",
           "query_from_terms", "CASE_COLUMNS", "OUTCOMES", "read_case_file", "validate_cases",
           "column_label", "profile_label", "Plan", "PlanContext", "covenant_dscr", "evaluate",
           "LOAN_NEEDS", "save_plan", "load_plan", "list_plans", "plan_notes", "plans_dir",
           "dscr_chart", "schedule_table", "figures_table", "pricing_table", "mix_table",
           "plan_text"]
