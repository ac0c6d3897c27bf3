"""The terms of one financing plan (amount, tenor, grace, profile, pricing, security, CFADS).

:class:`PlanTerms` is what a designer's sliders set, what a ``terms.yaml`` holds and what a saved
plan stores; :func:`parse_terms` validates a mapping and reports *every* problem at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crmkit.core.codes import CODES
from crmkit.core.errors import CrmkitError

__all__ = ["PlanError", "PlanTerms", "PROFILES", "parse_terms"]

#: Repayment profiles: 等额本金, 等额本息, 气球贷, 到期一次还本, 自定义, 按现金流塑形.
PROFILES: tuple[str, ...] = ("equal_principal", "annuity", "balloon", "bullet", "custom",
                             "sculpted")
Profile = Literal["equal_principal", "annuity", "balloon", "bullet", "custom", "sculpted"]


class PlanError(CrmkitError):
    """A plan's terms, a saved plan or a case file cannot be used as given."""


class PlanTerms(BaseModel):
    """The terms of one plan. Money in CNY yuan, rates as fractions per year.

    The loan is drawn in ``drawdowns`` shares at the start of the first periods, pays interest
    every period, repays no principal during ``grace_months`` and repays principal by
    ``profile`` afterwards. CFADS (cash flow available for debt service) is either given per
    period (``cfads``) or grown from ``cfads_annual`` at ``cfads_growth`` a year.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    client_id: str = Field(min_length=1)
    amount: float = Field(gt=0, description="committed amount, CNY yuan")
    start: dt.date
    tenor_months: int = Field(ge=1, le=600)
    grace_months: int = Field(0, ge=0, le=600, description="interest only, no principal")
    period_months: int = Field(6, description="1, 3, 6 or 12")
    profile: Profile = "annuity"
    balloon_share: float = Field(0.3, ge=0, le=1, description="balloon: share repaid at the end")
    custom_shares: list[float] | None = Field(None, description="custom: principal share per "
                                                                "repayment period, sum 1")
    rate_type: Literal["fixed", "floating"] = "floating"
    fixed_rate: float | None = Field(None, ge=0, le=0.5)
    spread: float = Field(0.0, ge=-0.05, le=0.2, description="floating: over the LPR")
    upfront_fee_rate: float = Field(0.0, ge=0, le=0.1)
    annual_fee_rate: float = Field(0.0, ge=0, le=0.1, description="on the opening balance")
    drawdowns: list[float] = Field(default_factory=lambda: [1.0],
                                   description="share drawn at the start of periods 1, 2, ...")
    cfads: list[float] | None = Field(None, description="CFADS per period, CNY yuan")
    cfads_annual: float | None = Field(None, description="CFADS of the first year, CNY yuan")
    cfads_growth: float = Field(0.0, ge=-0.5, le=1.0)
    other_debt_service: float = Field(0.0, ge=0, description="the client's other debt service "
                                                             "per year, CNY yuan")
    target_dscr: float = Field(1.30, gt=0)
    collateral_type: str | None = None
    product: str = "long_term"
    preoperational: bool = Field(False, description="project not yet operating (RW 130 %)")
    need_id: str | None = None
    note: str = ""

    @property
    def n_periods(self) -> int:
        """Number of periods over the tenor."""
        return self.tenor_months // self.period_months

    @property
    def grace_periods(self) -> int:
        """Number of interest-only periods."""
        return self.grace_months // self.period_months

    @model_validator(mode="after")
    def _consistent(self) -> PlanTerms:
        p, problems = self.period_months, []
        if p not in (1, 3, 6, 12):
            problems.append(f"period_months must be 1, 3, 6 or 12 (got {p})")
            p = 1
        if self.tenor_months % p:
            problems.append(f"tenor_months {self.tenor_months} is not a multiple of "
                            f"period_months {p}")
        if self.grace_months % p:
            problems.append(f"grace_months {self.grace_months} is not a multiple of "
                            f"period_months {p}")
        if self.grace_months >= self.tenor_months:
            problems.append(f"grace_months {self.grace_months} must be shorter than tenor_months "
                            f"{self.tenor_months}: leave at least one repayment period")
        n, g = self.tenor_months // p, self.grace_months // p
        if any(x < 0 for x in self.drawdowns) or abs(sum(self.drawdowns) - 1) > 1e-9:
            problems.append(f"drawdowns must be non-negative shares summing to 1 "
                            f"(got {self.drawdowns})")
        if len(self.drawdowns) > g + 1:
            problems.append(f"{len(self.drawdowns)} drawdowns but only {g} grace period(s): draw "
                            "the loan before repayment starts (lengthen grace_months)")
        if self.profile == "custom":
            shares = self.custom_shares or []
            if len(shares) != n - g or any(x < 0 for x in shares) or abs(sum(shares) - 1) > 1e-6:
                problems.append(f"custom profile needs custom_shares: {n - g} non-negative "
                                f"shares (one per repayment period) summing to 1")
        if self.rate_type == "fixed" and self.fixed_rate is None:
            problems.append("rate_type fixed needs fixed_rate (e.g. 0.04 for 4 %)")
        if self.cfads is not None and len(self.cfads) != n:
            problems.append(f"cfads has {len(self.cfads)} values; give one per period ({n})")
        if self.profile == "sculpted" and self.cfads is None and self.cfads_annual is None:
            problems.append("sculpted repayment needs the cash flow: give cfads (per period) or "
                            "cfads_annual")
        codes = CODES["collateral_type"]
        if self.collateral_type is not None and self.collateral_type not in codes:
            problems.append(f"collateral_type {self.collateral_type!r} is not one of "
                            f"{sorted(codes)}")
        if self.product not in CODES["product"]:
            problems.append(f"product {self.product!r} is not one of {sorted(CODES['product'])}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def parse_terms(data: Mapping[str, Any], source: str = "terms") -> PlanTerms:
    """Validate a mapping of terms into :class:`PlanTerms`.

    Raises
    ------
    PlanError
        Naming ``source`` and every invalid, missing or unknown key with how to fix it.
    """
    try:
        return PlanTerms.model_validate(dict(data))
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "terms"
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(loc, list(PlanTerms.model_fields), n=1,
                                                  cutoff=0.5)
                hint = (f"did you mean {close[0]!r}?" if close
                        else f"known: {', '.join(PlanTerms.model_fields)}")
                lines.append(f"  - {loc}: unknown key ({hint})")
            elif err["type"] == "missing":
                lines.append(f"  - {loc}: required key is missing")
            else:
                lines.append(f"  - {loc}: {err['msg'].removeprefix('Value error, ')}")
        raise PlanError(f"{source}: {len(lines)} problem(s) in the plan terms:\n"
                        + "\n".join(lines)) from None
