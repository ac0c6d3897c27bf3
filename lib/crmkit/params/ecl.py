"""The ``ecl:`` section: IFRS 9 expected credit loss — LGD by security, CCF by product.

Example (every key optional; these are the defaults)::

    ecl:
      lgd:                 # loss given default by collateral_type (fraction of EAD)
        mortgage: 0.35
        pledge: 0.35
        guarantee: 0.40
        project_assets: 0.40
        unsecured: 0.45
      lgd_unknown: 0.45    # collateral type missing or not listed
      ccf:                 # credit conversion factor of undrawn limits, revolving products only
        working_capital: 0.40
        short_term: 0.40
        trade_finance: 0.20
      max_years: 30        # lifetime horizon cap

The LGDs are the foundation-IRB supervisory values (senior unsecured 45 %, real estate and
receivables 35 %, other physical collateral 40 %) of the Basel II framework as adopted in the
2012 CBRC capital rules; the CCFs are the standardised ones for other commitments (40 %) and
short-term trade letters of credit (20 %). Replace them with the bank's own estimates.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = ["EclParams"]


class EclParams(Section):
    """Inputs of the expected-credit-loss calculation."""

    lgd: dict[str, float] = Field(default_factory=lambda: {
        "mortgage": 0.35, "pledge": 0.35, "guarantee": 0.40, "project_assets": 0.40,
        "unsecured": 0.45}, description="LGD by collateral_type")
    lgd_unknown: float = Field(0.45, ge=0, le=1, description="LGD when the type is unknown")
    ccf: dict[str, float] = Field(default_factory=lambda: {
        "working_capital": 0.40, "short_term": 0.40, "trade_finance": 0.20},
        description="CCF of the undrawn limit, by product (others: 0, term loans amortise)")
    max_years: int = Field(30, ge=1, le=50, description="Cap on the lifetime horizon")

    @model_validator(mode="after")
    def _fractions(self) -> EclParams:
        bad = {k: v for d in (self.lgd, self.ccf) for k, v in d.items() if not 0 <= v <= 1}
        if bad:
            raise ValueError(f"LGD and CCF values are fractions in [0, 1] (0.45 for 45 %); "
                             f"got {bad}")
        return self
