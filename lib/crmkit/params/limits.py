"""Large-exposure limits and the definition of a group (section ``limits:`` of a parameters file).

The default shares are those of the CBIRC 商业银行大额风险暴露管理办法 (2018, No. 1): the
exposure to one non-bank client at most 10 % of tier-1 capital (一级资本净额), to a group of
connected clients at most 15 %. The bank's tier-1 capital has no sensible default: without it
the limits are not assessed (the tables say so and the warning rules do not fire).

Example (every key optional)::

    limits:
      tier1_capital: 1.2e11        # 一级资本净额 in yuan (here 1,200 亿元); null: not assessed
      single_client: 0.10          # a non-bank client's exposure <= 10 % of tier-1 capital
      group: 0.15                  # a group of connected clients' exposure <= 15 %
      control_share: 0.5           # a shareholding above 50 % puts the child in the parent's group
"""

from __future__ import annotations

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = ["LimitsParams", "SINGLE_CLIENT_LIMIT", "GROUP_LIMIT"]

#: CBIRC 2018 large-exposure limits, as shares of tier-1 capital.
SINGLE_CLIENT_LIMIT = 0.10
GROUP_LIMIT = 0.15


class LimitsParams(Section):
    """Large-exposure limits as shares of tier-1 capital, and the control threshold of groups."""

    tier1_capital: float | None = Field(
        None, gt=0, description="the bank's tier-1 capital (一级资本净额) in yuan; null: the "
        "limits are not assessed")
    single_client: float = Field(SINGLE_CLIENT_LIMIT, gt=0, le=1, description=(
        "largest exposure to one non-bank client, as a share of tier-1 capital"))
    group: float = Field(GROUP_LIMIT, gt=0, le=1, description=(
        "largest exposure to a group of connected clients, as a share of tier-1 capital"))
    control_share: float = Field(0.5, ge=0, lt=1, description=(
        "a shareholding above this share puts the company held in its shareholder's group"))

    @model_validator(mode="after")
    def _ordered(self) -> LimitsParams:
        if self.group < self.single_client:
            raise ValueError(f"limits.group ({self.group}) must be at least limits.single_client "
                             f"({self.single_client}): a group contains its clients")
        return self

    def amount(self, which: str) -> float:
        """The limit in yuan (``which``: ``single_client`` or ``group``); NaN without capital."""
        if self.tier1_capital is None:
            return float("nan")
        return float(getattr(self, which)) * self.tier1_capital
