"""Parameters of the financing-plan designer (section ``plan:`` of a portfolio's parameters file).

Example (every key optional; these are the defaults and where they come from)::

    plan:
      lpr:                          # Loan Prime Rate path: each point holds from its date on
        - {date: 2025-05-20, lpr_1y: 0.030, lpr_5y: 0.035}   # LPR published 2025-05-20
      lpr_5y_from_months: 60        # tenors above 60 months price off the 5-year LPR
      funding_rate: 0.020           # funds-transfer price: ~ cost of interest-bearing
                                    #   liabilities of large Chinese banks (2024 reports, 1.9-2.1 %)
      operating_cost_rate: 0.004    # operating cost per year, fraction of the average balance
      tax_rate: 0.25                # PRC enterprise income tax
      capital_ratio: 0.105          # NFRA minimum total CAR 8 % + 2.5 % conservation buffer
      risk_weight: 1.0              # corporate exposures (NFRA 2023 capital rules)
      preoperational_risk_weight: 1.3   # project finance before operation (same rules)
      hurdle_rate: 0.10             # cost of equity the bank allocates capital against
      lgd:                          # Basel III foundation-IRB LGD (CRE32), as adopted by the
        unsecured: 0.40             #   NFRA 2023 rules: senior unsecured non-financial corporate
        guarantee: 0.40             #   guarantees: no LGD relief (PD substitution not modelled)
        mortgage: 0.20              #   fully secured by real estate
        pledge: 0.20                #   fully secured by receivables / pledged rights
        project_assets: 0.25        #   other physical collateral
      lgd_missing: 0.45             # blank or unknown security: the conservative F-IRB value
      covenant_dscr: null           # null: the warning rule dscr_below_110's threshold (1.10)
      target_dscr: 1.30             # sculpting target; 1.20-1.35 is usual for infrastructure
      period_months: 6              # repayment every 6 months (Chinese project loans: 半年还本)
      reprice_months: 12            # floating rates reset yearly (LPR contracts: 每年重定价)
      cases_file: null              # CSV of the firm's own past deals (see docs/plans.md)
      neighbours: 10                # similar cases shown per plan

Every figure is a fraction per year (0.02 = 2 %). Replace the LPR path with the latest
publication (www.chinamoney.com.cn) and the funding, cost and hurdle rates with the bank's own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, field_validator

from crmkit.params._base import Section

__all__ = ["PlanParams", "LprPoint", "DEFAULT_LGD"]

#: Loss given default per security type (see the module docstring for the source).
DEFAULT_LGD: dict[str, float] = {"unsecured": 0.40, "guarantee": 0.40, "mortgage": 0.20,
                                 "pledge": 0.20, "project_assets": 0.25}


class LprPoint(Section):
    """One published Loan Prime Rate fixing; it holds from ``date`` until the next point."""

    date: dt.date
    lpr_1y: float = Field(ge=0, le=0.3, description="1-year LPR, fraction per year")
    lpr_5y: float = Field(ge=0, le=0.3, description="5-year-and-above LPR, fraction per year")


class PlanParams(Section):
    """Market, cost and capital inputs of the plan designer and the RAROC calculation."""

    lpr: list[LprPoint] = Field(default_factory=lambda: [
        LprPoint(date=dt.date(2025, 5, 20), lpr_1y=0.030, lpr_5y=0.035)], min_length=1)
    lpr_5y_from_months: int = Field(60, ge=1, description="tenor above this -> 5-year LPR")
    funding_rate: float = Field(0.020, ge=0, le=0.3)
    operating_cost_rate: float = Field(0.004, ge=0, le=0.1)
    tax_rate: float = Field(0.25, ge=0, lt=1)
    capital_ratio: float = Field(0.105, gt=0, le=1)
    risk_weight: float = Field(1.0, gt=0, le=12.5)
    preoperational_risk_weight: float = Field(1.3, gt=0, le=12.5)
    hurdle_rate: float = Field(0.10, ge=0, le=1)
    lgd: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LGD))
    lgd_missing: float = Field(0.45, ge=0, le=1)
    covenant_dscr: float | None = Field(None, gt=0, description="null: warning dscr_below_110")
    target_dscr: float = Field(1.30, gt=0)
    period_months: int = Field(6, description="1, 3, 6 or 12")
    reprice_months: int = Field(12, ge=1, le=120)
    cases_file: Path | None = Field(None, description="CSV of own past deals; relative to the "
                                                      "parameters file")
    neighbours: int = Field(10, ge=1, le=200)

    @field_validator("lpr")
    @classmethod
    def _sorted(cls, v: list[LprPoint]) -> list[LprPoint]:
        dates = [p.date for p in v]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("lpr points must have distinct dates in increasing order")
        return v

    @field_validator("lgd")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not 0 <= x <= 1}
        if bad:
            raise ValueError(f"LGD must be a fraction between 0 and 1; got {bad}")
        return v

    @field_validator("period_months")
    @classmethod
    def _period(cls, v: int) -> int:
        if v not in (1, 3, 6, 12):
            raise ValueError("period_months must be 1, 3, 6 or 12")
        return v
