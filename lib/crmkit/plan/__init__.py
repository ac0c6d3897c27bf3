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
from crmkit.plan.terms import PROFILES, PlanError, PlanTerms, parse_terms

__all__ = ["PlanTerms", "PlanError", "PROFILES", "parse_terms", "schedule", "summary",
           "annual_rates", "cfads_path", "debt_capacity", "SCHEDULE_COLUMNS", "raroc", "lgd_for",
           "CaseLibrary", "WEIGHTS", "case_cards", "outcome_mix", "portfolio_cases",
           "query_from_terms", "CASE_COLUMNS", "OUTCOMES", "read_case_file", "validate_cases",
           "column_label", "profile_label"]
