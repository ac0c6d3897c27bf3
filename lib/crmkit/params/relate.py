"""Settings of the relationship map (section ``relate:`` of a parameters file).

Example (every key optional; these are the defaults)::

    relate:
      window_days: 365             # needs due within this many days (or overdue) are drawn
      urgency_days: [30, 90, 180]  # colour bands of the need modules: overdue, <= 30 days, ...
      max_groups: 12               # the largest groups get their own block; the rest "others"
      max_clients: 60              # clients drawn with their own rectangle, largest first
"""

from __future__ import annotations

from pydantic import Field, field_validator

from crmkit.params._base import Section

__all__ = ["RelateParams"]


class RelateParams(Section):
    """Settings of the relationship tree map (group -> client -> need)."""

    window_days: int = Field(365, ge=1, le=3650, description=(
        "needs expected within this many days of the as-of date (or overdue) are drawn"))
    urgency_days: list[int] = Field(default_factory=lambda: [30, 90, 180], description=(
        "upper edges (days until the need) of the urgency colour bands, ascending"))
    max_groups: int = Field(12, ge=1, description="groups drawn as their own block")
    max_clients: int = Field(60, ge=1, description="clients drawn with their own rectangle")

    @field_validator("urgency_days")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        if not v or any(b <= a for a, b in zip(v, v[1:], strict=False)) or v[0] < 1:
            raise ValueError(f"urgency_days must be ascending whole days >= 1, e.g. "
                             f"[30, 90, 180]; got {v}")
        return v
