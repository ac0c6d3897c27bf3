"""Parameters of the collect stage's plausibility checks (section ``checks:``)."""

from __future__ import annotations

from pydantic import Field

from crmkit.params._base import Section

__all__ = ["ChecksParams", "RepaymentChecks"]


class RepaymentChecks(Section):
    """When a repayment is too odd to be true (quarantined as ``inconsistent``)."""

    paid_early_days_max: int = Field(
        366, ge=0, description="A payment more than this many days before its due date")
    paid_ratio_max: float = Field(
        10.0, gt=1, description="A payment more than this multiple of the amount due")


class ChecksParams(Section):
    """Plausibility checks made while collecting, beyond the data contract's ranges."""

    repayments: RepaymentChecks = Field(default_factory=RepaymentChecks)
