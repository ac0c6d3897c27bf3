"""The ``needs:`` section: the financing-need forecast and the high-potential score.

Example (every key optional; these are the defaults)::

    needs:
      horizon_days: 90              # "a need within 90 days": the forecast window and backtest
      lookahead_days: 365           # list forecast needs whose window opens within this
      decision_probability: 0.5     # a client is forecast to need financing when P >= this
      refinancing_lead_min_days: 30   # a refinancing request comes 30-120 days before the
      refinancing_lead_max_days: 120  # facility matures
      capex_lead_days: 90           # capex is requested up to 90 days before a phase starts
      seasonal_lookback_years: 3    # working-capital requests in the same quarter in at
      seasonal_min_years: 2         # least 2 of the last 3 years make a seasonal pattern
      growth_min: 0.15              # revenue growth at or above this is a growth cause
      growth_window_days: 365       # growth requests come within a year of the statements
      growth_cap: 0.30              # a growth need's base: the revenue increase, at most 30 %
      statement_lag_days: 120       # annual statements are known 120 days after year end
      calibration_years: 3          # ask rates and amount ratios learnt from 3 years back
      need_types: [new_loan, refinancing, working_capital]   # what counts as a need
      top_n: 20                     # high-potential clients recommended
      peer_min_share: 0.5           # a product most peers hold: held by >= 50 % of peers
      min_peers: 3                  # fewer peers of the same industry and size: industry only
      growth_full: 0.30             # growth at which the growth component is full
      leverage_max: 0.85            # debt to assets at which leverage headroom is zero
      dscr_full_multiple: 2.0       # DSCR of 2x the covenant gives full covenant headroom
      weights: {growth: 0.30, needs: 0.30, product_gap: 0.20, headroom: 0.20}

The probabilities and amounts of the forecast are not parameters: they are learnt from the
book's own history before the as-of date (see ``docs/needs.md``).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from crmkit.params._base import Section

__all__ = ["NeedsParams", "POTENTIAL_COMPONENTS", "NEED_CAUSES"]

#: The components of the high-potential score, in the order of ``weights``.
POTENTIAL_COMPONENTS: tuple[str, ...] = ("growth", "needs", "product_gap", "headroom")
#: Causes of a forecast need.
NEED_CAUSES: tuple[str, ...] = ("refinancing", "project_capex", "seasonal_working_capital",
                                "growth")
_NEED_TYPES = ("new_loan", "refinancing", "working_capital", "fx_hedging", "cash_management",
               "advisory", "guarantee")


class NeedsParams(Section):
    """Forecast window, cause rules and high-potential weights."""

    horizon_days: int = Field(90, ge=7, le=730, description="Forecast window in days")
    lookahead_days: int = Field(365, ge=30, le=1095, description=(
        "List forecast needs whose window opens within this many days"))
    decision_probability: float = Field(0.5, gt=0, lt=1, description=(
        "A client is forecast to need financing when the probability is at least this"))
    refinancing_lead_min_days: int = Field(30, ge=0, le=365)
    refinancing_lead_max_days: int = Field(120, ge=1, le=730)
    capex_lead_days: int = Field(90, ge=1, le=730, description=(
        "Capex is requested up to this many days before a project phase starts"))
    seasonal_lookback_years: int = Field(3, ge=1, le=10)
    seasonal_min_years: int = Field(2, ge=1, le=10)
    growth_min: float = Field(0.15, gt=0, le=5, description="Revenue growth of a growth cause")
    growth_window_days: int = Field(365, ge=30, le=730)
    growth_cap: float = Field(0.30, gt=0, le=5, description=(
        "The base of a growth need is the revenue increase, at most this share of last year's "
        "revenue (growth beyond it is not financed)"))
    statement_lag_days: int = Field(120, ge=0, le=365, description=(
        "Days after the fiscal year end at which the annual statements are known"))
    calibration_years: int = Field(3, ge=1, le=10)
    need_types: list[str] = Field(default_factory=lambda: ["new_loan", "refinancing",
                                                           "working_capital"])
    top_n: int = Field(20, ge=1, le=100_000)
    peer_min_share: float = Field(0.5, gt=0, le=1)
    min_peers: int = Field(3, ge=1, le=1000)
    growth_full: float = Field(0.30, gt=0, le=5)
    leverage_max: float = Field(0.85, gt=0, le=1)
    dscr_full_multiple: float = Field(2.0, gt=1, le=10)
    weights: dict[str, float] = Field(default_factory=lambda: {
        "growth": 0.30, "needs": 0.30, "product_gap": 0.20, "headroom": 0.20})

    @field_validator("need_types")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        bad = sorted(set(v) - set(_NEED_TYPES))
        if bad or not v:
            raise ValueError(f"need_types must be a non-empty list of {list(_NEED_TYPES)}; "
                             f"unknown: {bad}")
        return v

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, v: dict[str, float]) -> dict[str, float]:
        bad = sorted(set(v) - set(POTENTIAL_COMPONENTS))
        if bad:
            raise ValueError(f"unknown weight(s) {bad}; use {list(POTENTIAL_COMPONENTS)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be >= 0 with a positive sum (e.g. growth: 0.3)")
        return {k: float(v.get(k, 0.0)) for k in POTENTIAL_COMPONENTS}

    @model_validator(mode="after")
    def _consistent(self) -> NeedsParams:
        if self.refinancing_lead_min_days >= self.refinancing_lead_max_days:
            raise ValueError("refinancing_lead_min_days must be below refinancing_lead_max_days")
        if self.seasonal_min_years > self.seasonal_lookback_years:
            raise ValueError("seasonal_min_years cannot exceed seasonal_lookback_years")
        return self
