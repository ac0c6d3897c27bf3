"""Designing a plan for a client: default terms from its need and financials, then evaluation.

:class:`PlanContext` reads a run folder once (clean tables, features, PDs, the case library) and
serves every plan of the portfolio: :meth:`PlanContext.default_terms` proposes terms from the
client's latest loan need (else its largest live facility), :meth:`PlanContext.evaluate` returns
a :class:`Plan` with the schedule, key figures, RAROC and the similar cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmkit.plan.cases import CaseLibrary, outcome_mix, portfolio_cases, query_from_terms
from crmkit.plan.pricing import raroc
from crmkit.plan.schedules import schedule, summary
from crmkit.plan.terms import PlanError, PlanTerms

if TYPE_CHECKING:
    from crmkit.params import Params
    from crmkit.params.plan import PlanParams

__all__ = ["Plan", "PlanContext", "covenant_dscr", "evaluate", "LOAN_NEEDS", "PLAN_TABLES",
           "PLAN_REPAYMENT_COLUMNS"]

#: Need types a financing plan answers.
LOAN_NEEDS = ("new_loan", "refinancing", "working_capital")
_FALLBACK_COVENANT = 1.10


def covenant_dscr(params: Params) -> float:
    """The DSCR covenant: ``plan.covenant_dscr``, else the warning rule ``dscr_below_110``'s
    threshold, else 1.10."""
    if params.plan.covenant_dscr is not None:
        return params.plan.covenant_dscr
    try:
        value = params.warning.rule("dscr_below_110").threshold
    except KeyError:
        return _FALLBACK_COVENANT
    return float(value) if isinstance(value, int | float) else _FALLBACK_COVENANT


@dataclass
class Plan:
    """One evaluated plan: its terms and everything computed from them."""

    terms: PlanTerms
    schedule: pd.DataFrame
    figures: dict[str, float]
    pricing: dict[str, float | bool] | None = None
    neighbours: pd.DataFrame | None = None
    mix: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def evaluate(terms: PlanTerms, plan: PlanParams, covenant: float, pd_: float | None = None,
             lgd: float | None = None, library: CaseLibrary | None = None,
             client: dict[str, Any] | None = None, k: int = 10) -> Plan:
    """Schedule, figures, RAROC (when a PD is known) and the ``k`` nearest cases."""
    sched = schedule(terms, plan)
    figures = summary(sched, terms, plan, covenant)
    pricing = raroc(sched, terms, plan, pd_, lgd) if pd_ is not None and not pd.isna(pd_) \
        else None
    neighbours = mix = None
    if library is not None:
        neighbours = library.neighbours(query_from_terms(terms, client), k,
                                        exclude_client=terms.client_id)
        mix = outcome_mix(neighbours)
    return Plan(terms, sched, figures, pricing, neighbours, mix,
                {"pd": pd_, "lgd": pricing["lgd"] if pricing else lgd, "covenant": covenant})


def _round_up(months: float, step: int) -> int:
    return max(step, int(math.ceil(months / step)) * step)


#: The clean tables the designer reads (not the interactions, surveys, milestones or
#: relationships: a million clients' interaction notes alone are gigabytes), and the columns
#: of the instalments the case library's repayment structures need.
PLAN_TABLES = ("clients", "facilities", "repayments", "needs", "projects", "financials")
PLAN_REPAYMENT_COLUMNS = ("facility_id", "due_date", "amount_due")


class PlanContext:
    """What the designer needs from one run folder, read once.

    Parameters
    ----------
    params
        The portfolio's parameters (the run must have collect and score outputs).
    tables, features, pds
        Optional preloaded inputs (tests); read from the run folder when omitted.
    """

    def __init__(self, params: Params, tables: dict[str, pd.DataFrame] | None = None,
                 features: pd.DataFrame | None = None, pds: pd.Series | None = None) -> None:
        from crmkit.collect import load_clean
        from crmkit.core.store import load_indexed
        from crmkit.score import load_features

        self.params = params
        self.tables = tables if tables is not None else load_clean(
            params, {"repayments": PLAN_REPAYMENT_COLUMNS}, only=PLAN_TABLES)
        self.features = features if features is not None else load_features(params)
        if pds is None:
            pds = load_indexed(params, "score", "credit")["pd"]
        self.pds = pds
        self.clients = self.tables["clients"].set_index("client_id")
        cases = portfolio_cases(self.tables, self.features)
        if params.plan.cases_file is not None:
            from crmkit.plan.case_file import read_case_file

            path = params.plan.cases_file
            if not path.is_absolute() and params.source_file is not None:
                path = params.source_file.parent / path
            cases = pd.concat([cases, read_case_file(path).assign(source="own_deals")],
                              ignore_index=True)
        self.library = CaseLibrary().fit(cases)
        self.covenant = covenant_dscr(params)

    def client(self, client_id: str) -> dict[str, Any]:
        """The client's row of the ``clients`` table (error naming the id if unknown)."""
        if client_id not in self.clients.index:
            raise PlanError(f"client {client_id!r} is not in portfolio {self.params.portfolio!r}"
                            f" (e.g. {', '.join(map(str, self.clients.index[:3]))})")
        return {"client_id": client_id, **self.clients.loc[client_id].to_dict()}

    def default_terms(self, client_id: str, **overrides: Any) -> PlanTerms:
        """Terms proposed from the client's latest loan need, financials and projects;
        ``overrides`` (any :class:`PlanTerms` field) replace them."""
        from crmkit.plan.terms import parse_terms

        self.client(client_id)
        pp, t = self.params.plan, self.tables
        step = int(overrides.get("period_months", pp.period_months))
        needs = t["needs"][t["needs"]["client_id"].eq(client_id).fillna(False)
                           & t["needs"]["need_type"].isin(LOAN_NEEDS).fillna(False)
                           & t["needs"]["requested_amount"].notna()]
        fac = t["facilities"][t["facilities"]["client_id"].eq(client_id).fillna(False)]
        live = fac[fac["status"].isin(["active", "restructured"]).fillna(False)]
        terms: dict[str, Any] = {"client_id": client_id, "start": self.params.as_of,
                                 "period_months": step, "target_dscr": pp.target_dscr}
        if len(needs):
            need = needs.sort_values("request_date").iloc[-1]
            terms.update(amount=float(need["requested_amount"]), need_id=str(need["need_id"]),
                         tenor_months=int(need["term_months"]) if pd.notna(need["term_months"])
                         else 60, collateral_type=need["collateral_offered"])
            if need["need_type"] == "working_capital":
                terms["product"] = "working_capital"
        elif len(live):
            big = live.sort_values("amount").iloc[-1]
            months = (big["maturity_date"] - big["start_date"]).days / 30.4375
            terms.update(amount=float(big["amount"]), tenor_months=round(months),
                         collateral_type=big["collateral_type"], product=big["product"])
        else:
            terms.update(amount=1e8, tenor_months=60)
        terms["tenor_months"] = _round_up(terms["tenor_months"], step)
        terms["collateral_type"] = (None if pd.isna(terms.get("collateral_type"))
                                    else str(terms.get("collateral_type")))
        projects = t["projects"][t["projects"]["client_id"].eq(client_id).fillna(False)]
        building = projects["status"].isin(["planned", "in_progress"]).fillna(False).any()
        if "product" not in terms:
            terms["product"] = "project_finance" if len(projects) else "long_term"
        terms["preoperational"] = bool(terms["product"] == "project_finance" and building)
        fin = t["financials"][t["financials"]["client_id"].eq(client_id).fillna(False)]
        if len(fin):
            last = fin.sort_values("fiscal_year").iloc[-1]
            cash = last.get("operating_cash_flow")
            cash = last.get("ebitda") if pd.isna(cash) else cash
            if pd.notna(cash):
                terms["cfads_annual"] = float(cash)
            if pd.notna(last.get("debt_service")):
                terms["other_debt_service"] = float(last["debt_service"])
        if terms["tenor_months"] > 2 * step and terms["preoperational"]:
            terms["grace_months"] = _round_up(min(24, terms["tenor_months"] // 3), step)
        if terms["product"] == "project_finance" and terms.get("cfads_annual", 0) > 0:
            terms["profile"] = "sculpted"
        elif terms["tenor_months"] <= 12:
            terms["profile"] = "bullet"
        else:
            terms["profile"] = "equal_principal"
        rates = live["interest_rate"].dropna()
        if len(rates):
            five = terms["tenor_months"] > pp.lpr_5y_from_months
            lpr = pp.lpr[-1].lpr_5y if five else pp.lpr[-1].lpr_1y
            terms["spread"] = round(min(max(float(rates.mean()) - lpr, -0.01), 0.03), 4)
        terms.update(overrides)
        return parse_terms(terms, f"plan terms of client {client_id}")

    def evaluate(self, terms: PlanTerms) -> Plan:
        """:func:`evaluate` with the client's PD, the portfolio's covenant and case library."""
        pd_ = self.pds.get(terms.client_id)
        return evaluate(terms, self.params.plan, self.covenant,
                        None if pd_ is None or pd.isna(pd_) else float(pd_),
                        library=self.library, client=self.client(terms.client_id),
                        k=self.params.plan.neighbours)
