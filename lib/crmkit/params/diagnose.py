"""Parameters of the diagnose stage (section ``diagnose:`` of a portfolio's parameters file).

Example (every key optional; these are the defaults)::

    diagnose:
      metrics:
        csat_satisfied_min: 4       # CSAT answers >= 4 (on 1-5) count as satisfied
        nps_promoter_min: 9         # NPS answers 9-10 are promoters ...
        nps_detractor_max: 6        # ... 0-6 detractors, the rest passives
        window_months: null         # only answers / complaints / needs of the last N months
                                    #   (null: all history up to as_of)
        retention_window_months: 12 # retained = live facility, or activity in the last 12 months
        retention_statuses: [active, restructured, default]   # facility statuses that retain
        top_share: 0.2              # share of contribution of the top 20 % of clients ...
        top_value: income           # ... by this client-features column
      clv:
        funding_rate: 0.025         # funding cost = outstanding x funding_rate (per year)
        lgd: {mortgage: 0.35, pledge: 0.40, guarantee: 0.45, project_assets: 0.40,
              unsecured: 0.60}      # loss given default per collateral type
        lgd_missing: 0.60           # LGD of a facility whose collateral type is blank / unknown
        missing_pd: null            # PD used for a client without one (null: its CLV is NA)
        retention: 0.90             # yearly retention r (used when no churn probability)
        discount_rate: 0.08         # yearly discount rate d
        horizon_years: null         # null: infinite horizon, CLV = m * r / (1 + d - r)
        use_churn: true             # r_i = 1 - churn_probability when one is given ...
        retention_cap: 0.99         # ... capped to [0, retention_cap]
      bands:
        value_basis: [clv, income]  # first column with any value; terciles of it
        value_low_quantile: 0.3333333333333333   # rank share <= this -> low value
        value_high_quantile: 0.6666666666666666  # rank share >  this -> high value
        satisfaction_basis: [nps, csat]          # per client: the first one it has
        csat_high_min: 4            # latest CSAT >= 4 -> high satisfaction
        csat_low_max: 2             # latest CSAT <= 2 -> low (3 is medium)
        pd_low_below: 0.02          # PD < 2 % -> low risk (same defaults as tiering.risk)
        pd_medium_below: 0.08       # PD < 8 % -> medium, else high
        churn_medium_min: 0.2       # churn probability >= 0.2 -> medium churn risk
        churn_high_min: 0.5         # >= 0.5 -> high
      strategies:
        file: null                  # the consultant-editable table; null: templates/strategies.csv
        default_id: default         # strategy of a client no row matches
        default_zh: 常规维护：定期回访，保持服务质量
        default_en: "Routine maintenance: periodic reviews, steady service"
      severity_order: [critical, high, medium, low, info]   # alert severities, worst first
      next_actions_n: 20            # length of the 'what to do next' list
      cards_top_n: 50               # client cards for the top N clients (null: all) ...
      cards_rank_by: urgency        # ... by urgency (alerts, CLV at risk) or exposure

A relative ``strategies.file`` is taken relative to the parameters file (see
:func:`crmkit.diagnose.strategies.strategy_path`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crmkit.params._base import Section

__all__ = [
    "DiagnoseParams",
    "MetricsParams",
    "ClvParams",
    "BandParams",
    "StrategyParams",
    "DEFAULT_LGD",
    "COLLATERAL_TYPES",
    "FACILITY_STATUSES",
]

#: Collateral types of the data contract (``CODES["collateral_type"]``).
COLLATERAL_TYPES: tuple[str, ...] = ("mortgage", "pledge", "guarantee", "project_assets",
                                     "unsecured")
#: Facility statuses of the data contract (``CODES["facility_status"]``).
FACILITY_STATUSES: tuple[str, ...] = ("active", "closed", "default", "restructured")
#: Default loss given default per collateral type (fractions of EAD).
DEFAULT_LGD: dict[str, float] = {"mortgage": 0.35, "pledge": 0.40, "guarantee": 0.45,
                                 "project_assets": 0.40, "unsecured": 0.60}


def _fraction(name: str, v: float, *, closed_high: bool = True) -> str | None:
    ok = 0 <= v <= 1 if closed_high else 0 <= v < 1
    if not ok:
        return (f"{name}={v:g} must be a fraction in [0, 1{']' if closed_high else ')'} "
                "(0.9 for 90 %)")
    return None


def _raise(problems: list[str | None]) -> None:
    msgs = [p for p in problems if p]
    if msgs:
        raise ValueError("; ".join(msgs))


class MetricsParams(Section):
    """Relationship metrics: CSAT, NPS, retention, needs, complaints, top share."""

    csat_satisfied_min: int = Field(4, description="CSAT answers >= this (1-5) are satisfied")
    nps_promoter_min: int = Field(9, description="NPS answers >= this (0-10) are promoters")
    nps_detractor_max: int = Field(6, description="NPS answers <= this are detractors")
    window_months: int | None = Field(
        None, description="use only survey answers, complaints and needs dated in the last N "
                          "months to as_of; null: all history up to as_of")
    retention_window_months: int = Field(
        12, description="a client is retained if it has a live facility or any activity in the "
                        "last N months")
    retention_statuses: list[str] = Field(
        default_factory=lambda: ["active", "restructured", "default"],
        description="facility statuses that count as a live facility for retention")
    top_share: float = Field(0.2, description="report the contribution share of this top share "
                                              "of clients")
    top_value: str = Field("income", description="client-features column measuring contribution")

    @model_validator(mode="after")
    def _valid(self) -> MetricsParams:
        problems = []
        if not 1 <= self.csat_satisfied_min <= 5:
            problems.append(f"csat_satisfied_min={self.csat_satisfied_min} must be 1-5")
        if not 0 <= self.nps_detractor_max < self.nps_promoter_min <= 10:
            problems.append(
                "NPS classes need 0 <= nps_detractor_max < nps_promoter_min <= 10; got "
                f"nps_detractor_max={self.nps_detractor_max}, "
                f"nps_promoter_min={self.nps_promoter_min}")
        if self.window_months is not None and self.window_months < 1:
            problems.append(f"window_months={self.window_months} must be >= 1 (or null)")
        if self.retention_window_months < 1:
            problems.append(f"retention_window_months={self.retention_window_months} must be "
                            ">= 1")
        bad = sorted(set(self.retention_statuses) - set(FACILITY_STATUSES))
        if bad:
            problems.append(f"retention_statuses: unknown status(es) {bad}; use "
                            f"{list(FACILITY_STATUSES)}")
        if not 0 < self.top_share < 1:
            problems.append(f"top_share={self.top_share:g} must be strictly between 0 and 1")
        _raise(problems)
        return self


class ClvParams(Section):
    """Risk-adjusted customer lifetime value (see :mod:`crmkit.diagnose.clv` for the formula)."""

    funding_rate: float = Field(0.025, description="yearly funding cost per yuan outstanding")
    lgd: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LGD),
                                  description="loss given default per collateral type")
    lgd_missing: float = Field(0.60, description="LGD when the collateral type is blank/unknown")
    missing_pd: float | None = Field(
        None, description="PD assumed for a client without one; null: its CLV is NA")
    retention: float = Field(0.90, description="yearly retention rate r")
    discount_rate: float = Field(0.08, description="yearly discount rate d")
    horizon_years: int | None = Field(None, description="years summed; null: infinite")
    use_churn: bool = Field(True, description="r_i = 1 - churn probability when given")
    retention_cap: float = Field(0.99, description="upper cap of the per-client retention")

    @field_validator("lgd", mode="before")
    @classmethod
    def _merge_lgd(cls, v: object) -> object:
        """A partial mapping is merged over the defaults."""
        if isinstance(v, dict):
            unknown = sorted(set(v) - set(COLLATERAL_TYPES))
            if unknown:
                raise ValueError(f"unknown collateral type(s) {unknown}; use "
                                 f"{list(COLLATERAL_TYPES)}")
            return {**DEFAULT_LGD, **v}
        return v

    @model_validator(mode="after")
    def _valid(self) -> ClvParams:
        problems = [_fraction(f"lgd.{k}", v) for k, v in self.lgd.items()]
        problems += [_fraction("lgd_missing", self.lgd_missing),
                     _fraction("retention", self.retention, closed_high=False),
                     _fraction("retention_cap", self.retention_cap, closed_high=False)]
        if self.missing_pd is not None:
            problems.append(_fraction("missing_pd", self.missing_pd))
        if not 0 <= self.funding_rate < 1:
            problems.append(f"funding_rate={self.funding_rate:g} must be a yearly rate in [0, 1)"
                            " (0.025 for 2.5 %)")
        if not 0 <= self.discount_rate < 1:
            problems.append(f"discount_rate={self.discount_rate:g} must be a yearly rate in "
                            "[0, 1) (0.08 for 8 %)")
        if self.horizon_years is not None and self.horizon_years < 1:
            problems.append(f"horizon_years={self.horizon_years} must be >= 1 (or null for an "
                            "infinite horizon)")
        _raise(problems)
        return self


class BandParams(Section):
    """Value, satisfaction, risk and churn bands that key the strategy table."""

    value_basis: list[str] = Field(
        default_factory=lambda: ["clv", "income"],
        description="diagnostic-table columns tried in order; the first with any value is cut "
                    "into bands by rank share")
    value_low_quantile: float = Field(1 / 3, description="rank share <= this is low value")
    value_high_quantile: float = Field(2 / 3, description="rank share > this is high value")
    satisfaction_basis: list[Literal["nps", "csat"]] = Field(
        default_factory=lambda: ["nps", "csat"],
        description="per client, the first measure it has: nps (class of the latest answer) "
                    "or csat (latest answer)")
    csat_high_min: float = Field(4, description="latest CSAT >= this is high satisfaction")
    csat_low_max: float = Field(2, description="latest CSAT <= this is low satisfaction")
    pd_low_below: float = Field(0.02, description="PD < this is low risk")
    pd_medium_below: float = Field(0.08, description="PD < this is medium risk, else high")
    churn_medium_min: float = Field(0.2, description="churn probability >= this is medium")
    churn_high_min: float = Field(0.5, description="churn probability >= this is high")

    @model_validator(mode="after")
    def _valid(self) -> BandParams:
        problems: list[str | None] = []
        if not self.value_basis:
            problems.append("value_basis needs at least one column (e.g. [clv, income])")
        if not 0 < self.value_low_quantile < self.value_high_quantile < 1:
            problems.append(
                "value bands need 0 < value_low_quantile < value_high_quantile < 1; got "
                f"{self.value_low_quantile:g}, {self.value_high_quantile:g}")
        if not self.satisfaction_basis:
            problems.append("satisfaction_basis needs at least one of nps, csat")
        if not 1 <= self.csat_low_max < self.csat_high_min <= 5:
            problems.append(f"need 1 <= csat_low_max < csat_high_min <= 5; got csat_low_max="
                            f"{self.csat_low_max:g}, csat_high_min={self.csat_high_min:g}")
        if not 0 < self.pd_low_below < self.pd_medium_below <= 1:
            problems.append(f"need 0 < pd_low_below < pd_medium_below <= 1 (fractions); got "
                            f"{self.pd_low_below:g}, {self.pd_medium_below:g}")
        if not 0 < self.churn_medium_min < self.churn_high_min <= 1:
            problems.append(f"need 0 < churn_medium_min < churn_high_min <= 1; got "
                            f"{self.churn_medium_min:g}, {self.churn_high_min:g}")
        _raise(problems)
        return self


class StrategyParams(Section):
    """Where the strategy table is, and the strategy of a client that no row matches."""

    file: Path | None = Field(None, description="strategy table (.csv); null: the bundled "
                                                "templates/strategies.csv")
    default_id: str = "default"
    default_zh: str = "常规维护：定期回访，保持服务质量"
    default_en: str = "Routine maintenance: periodic reviews, steady service"

    @model_validator(mode="after")
    def _valid(self) -> StrategyParams:
        if not (self.default_id.strip() and self.default_zh.strip() and self.default_en.strip()):
            raise ValueError("default_id, default_zh and default_en must not be empty")
        return self


class DiagnoseParams(Section):
    """Settings of the diagnose stage. Every field has a documented default."""

    metrics: MetricsParams = Field(default_factory=MetricsParams)
    clv: ClvParams = Field(default_factory=ClvParams)
    bands: BandParams = Field(default_factory=BandParams)
    strategies: StrategyParams = Field(default_factory=StrategyParams)
    severity_order: list[str] = Field(
        default_factory=lambda: ["critical", "high", "medium", "low", "info"],
        description="alert severity codes, worst first (an ordered categorical severity column "
                    "overrides this)")
    next_actions_n: int = Field(20, description="clients in the 'what to do next' list")
    cards_top_n: int | None = Field(50, description="client cards for the top N clients; "
                                                    "null: every client")
    cards_rank_by: Literal["urgency", "exposure"] = Field(
        "urgency", description="how the top N clients for cards are chosen")
    workbook_max_rows: int | None = Field(
        20_000, ge=1, description="rows per sheet of the run's Excel workbook: a longer table "
        "shows its first rows (in its own order) and a last row naming the Parquet file with "
        "every row; null: every row (slow past ~100,000 rows)")

    @model_validator(mode="after")
    def _valid(self) -> DiagnoseParams:
        problems = []
        if not self.severity_order or len(set(self.severity_order)) != len(self.severity_order):
            problems.append(f"severity_order must list distinct severities, worst first; got "
                            f"{self.severity_order}")
        if self.next_actions_n < 1:
            problems.append(f"next_actions_n={self.next_actions_n} must be >= 1")
        if self.cards_top_n is not None and self.cards_top_n < 1:
            problems.append(f"cards_top_n={self.cards_top_n} must be >= 1 (or null for all)")
        _raise(problems)
        return self
