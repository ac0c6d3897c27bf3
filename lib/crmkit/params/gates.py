"""The ``gates:`` section: risk before value — the rules every tier, segment and strategy obeys.

Example (every key optional; these are the defaults)::

    gates:
      covenant_dscr_below: 1.0       # DSCR below this is a covenant breach
      default_max_tier: C            # a client in default (IFRS 9 Stage 3) is at best tier C
      breach_max_tier: B             # a covenant breach caps the tier at B (null: no cap)
      watch_stage: 2                 # IFRS 9 stage at or above which a client is on watch
      watch_severities: [critical]   # an open alert of these severities puts it on watch
      value_block_severities: [critical, high]  # ... of these blocks value strategies
      value_pd_max: 0.03             # cross-sell / growth only below this PD (grade BB or better)

A client's **risk status** is, from worst to best: ``default`` (in default, or Stage 3),
``watch`` (covenant breach, Stage 2, or an open alert of a watch severity), ``elevated`` (PD at
or above ``value_pd_max``, or an open alert of a value-blocking severity) and ``normal``.
Defaults follow common practice at Chinese banks: the five-category loan classification puts
a borrower 90+ days past due in the non-performing classes, and special-mention (关注类)
borrowers are not targets for new business.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = ["RiskGates", "RISK_STATUSES", "SEVERITY_NAMES"]

#: Risk statuses, worst first.
RISK_STATUSES: tuple[str, ...] = ("default", "watch", "elevated", "normal")
SEVERITY_NAMES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
Severity = Literal["critical", "high", "medium", "low", "info"]


class RiskGates(Section):
    """Risk gates applied before any value-based tier or strategy."""

    covenant_dscr_below: float = Field(1.0, ge=0, le=5, description=(
        "DSCR below this is a covenant breach"))
    default_max_tier: Literal["A", "B", "C"] = Field("C", description=(
        "Best tier a client in default (Stage 3) can hold"))
    breach_max_tier: Literal["A", "B", "C"] | None = Field("B", description=(
        "Best tier a client in covenant breach can hold; null: no cap"))
    watch_stage: int = Field(2, ge=2, le=3, description=(
        "IFRS 9 stage at or above which a client is on watch"))
    watch_severities: list[Severity] = Field(default_factory=lambda: ["critical"], description=(
        "An open alert of these severities puts the client on watch"))
    value_block_severities: list[Severity] = Field(
        default_factory=lambda: ["critical", "high"], description=(
            "An open alert of these severities blocks cross-sell and growth strategies"))
    value_pd_max: float = Field(0.03, gt=0, le=1, description=(
        "Cross-sell and growth strategies only for clients with a PD below this"))

    @model_validator(mode="after")
    def _consistent(self) -> RiskGates:
        order = "ABC"
        if (self.breach_max_tier is not None
                and order.index(self.breach_max_tier) > order.index(self.default_max_tier)):
            raise ValueError(f"breach_max_tier {self.breach_max_tier!r} is worse than "
                             f"default_max_tier {self.default_max_tier!r}: a default is worse "
                             "than a covenant breach")
        missing = set(self.watch_severities) - set(self.value_block_severities)
        if missing:
            raise ValueError(f"watch_severities {sorted(missing)} must also be in "
                             "value_block_severities (a watch-list alert blocks growth too)")
        return self
