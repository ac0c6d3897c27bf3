"""The knobs of the synthetic portfolio: the planted relationships and the portfolio mix.

Every coefficient the generator uses lives in :class:`Planted`, with the default that the
committed sample (``data/sample``) was made with; ``docs/sample-portfolio.md`` explains each one.
Two hidden (latent) variables per client drive the planted relationships:

* ``z`` — credit risk, roughly standard normal (higher = riskier). It sets leverage, DSCR,
  late payments, default and the loan rate.
* ``s`` — poor service, roughly standard normal (higher = slower complaint handling). It sets
  complaint counts, response hours, unresolved complaints, satisfaction and churn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Planted", "PLANTED", "STRESSED", "INDUSTRY_MIX", "SIZE_MIX", "APPETITE_MIX"]

#: Share of clients per industry code (sums to 1).
INDUSTRY_MIX: dict[str, float] = {
    "energy": 0.09, "renewables": 0.10, "infrastructure": 0.10, "transport": 0.07,
    "manufacturing": 0.14, "real_estate": 0.06, "construction": 0.07, "mining": 0.05,
    "chemicals": 0.06, "agriculture": 0.04, "technology": 0.07, "healthcare": 0.05,
    "retail": 0.05, "utilities": 0.05,
}
#: Share of clients per size class.
SIZE_MIX: dict[str, float] = {"large": 0.20, "medium": 0.35, "small": 0.30, "micro": 0.15}
#: Share of clients per risk appetite.
APPETITE_MIX: dict[str, float] = {"conservative": 0.30, "moderate": 0.50, "aggressive": 0.20}


def _industry(**kw: float) -> dict[str, float]:
    return {k: kw.get(k, 0.0) for k in INDUSTRY_MIX}


@dataclass(frozen=True)
class Planted:
    """Coefficients of the synthetic portfolio (defaults = the committed sample).

    Logits are natural-log odds. ``sigmoid(x) = 1 / (1 + exp(-x))``.
    """

    # -- the credit-risk latent z = group part + own part + shifts ----------------------------
    group_share: float = 0.30          #: share of clients that belong to a parent group
    group_corr: float = 0.55           #: weight of the group's common factor in z
    z_industry: dict[str, float] = field(default_factory=lambda: _industry(
        real_estate=0.5, construction=0.3, mining=0.2, chemicals=0.1, utilities=-0.3,
        infrastructure=-0.1, healthcare=-0.1))
    z_size: dict[str, float] = field(default_factory=lambda: {
        "large": -0.25, "medium": 0.0, "small": 0.1, "micro": 0.25})
    z_appetite: dict[str, float] = field(default_factory=lambda: {
        "conservative": -0.2, "moderate": 0.0, "aggressive": 0.3})

    # -- financial ratios ---------------------------------------------------------------------
    #: leverage = lev_floor + lev_span * sigmoid(lev_z*z + lev_noise*e + lev_trend*t*defaulter)
    lev_floor: float = 0.20
    lev_span: float = 0.70
    lev_z: float = 0.55
    lev_noise: float = 0.40
    lev_trend: float = 0.15
    #: DSCR = exp(dscr_mu - dscr_z*z + dscr_noise*e - dscr_trend*t*defaulter); EBITDA = DSCR*DS
    dscr_mu: float = 0.79
    dscr_z: float = 0.25
    dscr_noise: float = 0.15
    dscr_trend: float = 0.08

    # -- default: exactly default_share of all clients, drawn among the eligible ones ---------
    #: logit = default_z*z + default_slip*[milestone slipped > slip_days] + Logistic noise.
    #: The defaults are spread evenly over the ``default_years`` years before as_of (yearly
    #: cohorts, so the PD model learns from several years of history); about
    #: default_share / default_years of the book defaults each year.
    default_share: float = 0.085
    default_years: int = 4
    #: Status at as_of of the defaulted facility, by how long ago the default was:
    #: shares of (default, restructured, active = cured, closed = worked out).
    status_recent: tuple[float, float, float, float] = (0.60, 0.25, 0.15, 0.0)
    status_older: tuple[float, float, float, float] = (0.22, 0.22, 0.21, 0.35)
    default_z: float = 1.0
    default_slip: float = 1.0
    slip_days: int = 90
    delay_step: float = 2.0            #: mean days each milestone adds to a project's delay ...
    delay_sd: float = 10.0             #: ... and its spread, before the risk-driven part

    # -- repayment behaviour: P(late) = sigmoid(logit) per instalment --------------------------
    late_intercept: float = -3.0
    late_z: float = 0.9
    late_after_slip: float = 1.3       #: added once a milestone has slipped > slip_days
    late_pre_default: float = 1.5      #: ramps up linearly over pre_default_days before default
    pre_default_days: int = 540
    late_cross_default: float = 1.5    #: other facilities of a defaulter, from 90 days before
    late_days_scale: float = 6.0       #: days late ~ 1 + Exp(scale + late_days_z*max(z, 0))
    late_days_z: float = 6.0
    late_days_cap: int = 60            #: ordinary lateness never reaches 90 days
    partial_share: float = 0.05        #: late instalments paid only in part

    # -- service and churn ------------------------------------------------------------------
    complaint_rate: float = 0.25       #: complaints per year = rate * exp(complaint_s * s)
    complaint_s: float = 0.6
    response_median_hours: float = 6.0  #: complaint response hours = median*exp(0.9 s + 0.5 e)
    response_s: float = 0.9
    resolve_intercept: float = 2.0     #: P(complaint resolved) = sigmoid(2.0 - 1.1 s)
    resolve_s: float = 1.1
    escalation_close: float = 0.9      #: complaints open after 120 days closed by escalation
    rm_slowness_weight: float = 0.6    #: s = 0.6 * RM slowness + 0.8 * own noise
    churn_share: float = 0.10          #: share of all clients who churn (among eligible)
    churn_s: float = 2.0               #: churn logit = churn_s * s + Logistic noise
    #: CSAT* = 4.3 - 0.55 H - 0.15 n_complaints - 0.2 max(z, 0) + N(0, 0.55)
    csat_base: float = 4.6
    csat_h: float = 0.55
    csat_n: float = 0.15
    #: NPS* = 8.2 - 1.5 H - 0.35 n_complaints - 0.4 max(z, 0) + N(0, 1.4)
    nps_base: float = 9.2
    nps_h: float = 1.5
    nps_n: float = 0.35

    # -- volumes ----------------------------------------------------------------------------
    project_share: dict[str, float] = field(default_factory=lambda: _industry(
        energy=0.7, renewables=0.7, infrastructure=0.7, utilities=0.7, transport=0.7,
        construction=0.45, real_estate=0.45, mining=0.45, chemicals=0.25, manufacturing=0.25,
        agriculture=0.1, technology=0.1, healthcare=0.1, retail=0.1))
    contact_years: float = 5.0         #: interactions, surveys and needs cover this many years
    fiscal_years_n: int = 5            #: published annual statements per client
    visits_per_year: dict[str, float] = field(default_factory=lambda: {
        "large": 3.0, "medium": 2.0, "small": 1.5, "micro": 1.0})
    calls_per_year: float = 1.5
    service_per_year: float = 1.0
    needs_per_client: float = 1.0
    refinancing_share: float = 0.3     #: clients with a maturity in 12 months who ask

    # -- planted causes of financing needs (lib/crmkit/sample/need_causes.py, docs/needs.md) --
    refi_ask_share: float = 0.75       #: facilities refinanced: asked refi_lead days before
    refi_lead: tuple[int, int] = (30, 120)  #: ... maturity (uniform, days)
    capex_ask_share: float = 0.85      #: project phases whose capex loan is asked ...
    capex_lead: tuple[int, int] = (15, 90)  #: ... this many days before the planned start
    seasonal_share: dict[str, float] = field(default_factory=lambda: _industry(
        agriculture=0.8, retail=0.7, construction=0.5, energy=0.3, utilities=0.3,
        manufacturing=0.3, chemicals=0.2))   #: clients with a seasonal working-capital need
    seasonal_quarter: dict[str, int] = field(default_factory=lambda: {
        "agriculture": 3, "retail": 4, "construction": 1, "energy": 4, "utilities": 4,
        "manufacturing": 2, "chemicals": 2})  #: the industry's usual quarter (70 % of them)
    seasonal_year_share: float = 0.85  #: years in which a seasonal client asks
    growth_min: float = 0.15           #: revenue growth that makes a client ask for ...
    growth_ask_share: float = 0.6      #: ... a growth loan within a year of the statements
    growth_cap: float = 0.3            #: growth beyond this share of revenue is not financed


#: The defaults, used when no ``planted=`` is given.
PLANTED = Planted()
#: A stressed book for teaching (``crmkit sample --stressed``): about one client in five defaults
#: over four years, DSCRs thin, leverage high, satisfaction low.
STRESSED = Planted(default_share=0.20, dscr_mu=0.45, dscr_z=0.30, dscr_noise=0.25,
                   lev_floor=0.25, lev_span=0.75, lev_noise=0.7, csat_base=4.3, nps_base=8.2)
