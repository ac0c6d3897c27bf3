"""The BI star schema: its tables, keys, columns and relationships, and its schema.md page."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BiTable", "SCHEMA", "RELATIONSHIPS", "CONFORMED_KEYS", "schema_markdown"]

#: Keys every fact carries (as at its as-of date), each the key of one dimension.
CONFORMED_KEYS: tuple[str, ...] = ("date_key", "client_id", "rm_key", "group_key",
                                   "industry_key", "region_key")


@dataclass(frozen=True)
class BiTable:
    """One table of the extract: a dimension (one row per key) or a fact (rows per as-of date)."""

    name: str
    kind: str  # "dimension" | "fact"
    grain: str
    key: tuple[str, ...]
    columns: dict[str, str]  # column -> what it holds


_KEYS = {
    "date_key": "as-of date as a number YYYYMMDD → dim_date",
    "client_id": "client → dim_client (_none on a row about a group as a whole)",
    "rm_key": "relationship manager (name; _unassigned if none) → dim_rm",
    "group_key": "client group (name; _none if the client has no group) → dim_group",
    "industry_key": "industry code (_unknown if none) → dim_industry",
    "region_key": "region code (_unknown if none) → dim_region",
}


def _fact(table: str, grain: str, key: tuple[str, ...], **columns: str) -> BiTable:
    return BiTable(table, "fact", grain, key, {**_KEYS, **columns})


def _label(code: str) -> dict[str, str]:
    return {"name_zh": f"{code} name in Chinese", "name_en": f"{code} name in English",
            "last_as_of": "latest as-of date this row was exported from"}


SCHEMA: dict[str, BiTable] = {t.name: t for t in [
    BiTable("dim_date", "dimension", "one row per exported as-of date", ("date_key",), {
        "date_key": "YYYYMMDD", "as_of": "the as-of date", "year": "year",
        "quarter": "quarter 1-4", "month": "month 1-12", "quarter_label": "e.g. 2026Q3",
        "is_latest": "true on the latest as-of date of the extract"}),
    BiTable("dim_client", "dimension", "one row per client (attributes as at the latest "
            "as-of date exported; history sits in the facts)", ("client_id",), {
        "client_id": "client id", "client_name": "client name", "size_class": "size class",
        "lifecycle_stage": "lifecycle stage", "risk_appetite": "risk appetite",
        "province": "province", "onboarding_date": "client since",
        "registered_capital": "registered capital (yuan)",
        "relationship_manager": "current relationship manager (text, for display)",
        "group_name": "current group (text, for display)",
        "last_as_of": "latest as-of date this row was exported from"}),
    BiTable("dim_group", "dimension", "one row per client group", ("group_key",), {
        "group_key": "group key", "group_name": "group name (无集团 / No group for _none)",
        "last_as_of": "latest as-of date this row was exported from"}),
    BiTable("dim_rm", "dimension", "one row per relationship manager", ("rm_key",), {
        "rm_key": "relationship manager key", "rm_name": "name (未分配 / Unassigned for "
                                                          "_unassigned)",
        "last_as_of": "latest as-of date this row was exported from"}),
    BiTable("dim_industry", "dimension", "one row per industry code", ("industry_key",),
            {"industry_key": "industry code", **_label("industry")}),
    BiTable("dim_region", "dimension", "one row per region code", ("region_key",),
            {"region_key": "region code", **_label("region")}),
    _fact("fact_exposure", "facility × as-of date", ("date_key", "facility_id"),
          facility_id="facility id", product="product code", currency="currency",
          collateral_type="security type", status="facility status",
          start_date="start date", maturity_date="maturity date",
          interest_rate="interest rate (fraction)", amount="committed amount (yuan)",
          outstanding="outstanding balance (yuan, as given)",
          exposure="exposure (yuan): the balance (else the amount) of a live facility "
                   "(active, restructured, default) started by the as-of date; else 0. "
                   "Sums to the report's total exposure",
          fees="fees (yuan)"),
    _fact("fact_scores", "client × as-of date", ("date_key", "client_id"),
          score_contribution="business contribution score 0-100",
          score_lifecycle="lifecycle score", score_credit="credit score",
          score_relationship="relationship score", score_risk_appetite="risk appetite score",
          score_region_industry="region and industry score",
          score_total="composite score 0-100", pd="probability of default (12 months)",
          pd_model="where the PD came from (model or expert rules)", points="scorecard points",
          grade="rating grade", slotting="slotting category (project finance)",
          in_default="in default at the as-of date"),
    _fact("fact_tiers", "client × as-of date", ("date_key", "client_id"),
          tier="A / B / C after the risk gates", tier_by_value="tier by value alone",
          risk="low / medium / high", risk_status="default / watch / elevated / normal",
          covenant_breach="DSCR below its covenant", capacity="repayment capacity",
          segment="cell of the 3×3 risk × capacity matrix", profile_name="k-means profile",
          exposure="client exposure (yuan); equals fact_exposure summed per client",
          income="yearly income from the client (yuan)",
          clv="risk-adjusted client lifetime value (yuan)",
          churn_probability="probability of leaving within a year",
          nps_class="promoter / passive / detractor", strategy_id="strategy",
          strategy_kind="strategy kind (risk, value, ...)",
          potential_score="high-potential score 0-100 (growth, needs, product gap, headroom)",
          potential_rank="rank by that score (1 = highest)",
          potential_recommended="recommended for growth (only behind the risk gates)"),
    _fact("fact_stages_ecl", "facility × as-of date", ("date_key", "facility_id"),
          facility_id="facility id", stage="IFRS 9 stage 1 / 2 / 3",
          stage_reason="why this stage", dpd_current="days past due",
          pd_now="PD at the as-of date", pd_origination="PD at origination",
          sicr="significant increase in credit risk", ead="exposure at default (yuan)",
          lgd="loss given default", pd_12m="12-month PD", pd_lifetime="lifetime PD",
          ecl_12m="12-month ECL (yuan)", ecl_lifetime="lifetime ECL (yuan)",
          ecl="expected credit loss booked for the stage (yuan)", coverage="ECL / EAD"),
    _fact("fact_alerts", "alert × as-of date (ranked, de-duplicated)", ("date_key", "rank"),
          rank="urgency rank within the as-of date (1 = most urgent)",
          facility_id="facility id (facility-level rules)", rule_id="warning rule",
          rule_name="rule name", severity="critical / high / medium / low", level="client or "
          "facility", metric="metric tested", value="its value",
          threshold="threshold (lower bound for between)", threshold_upper="upper bound",
          reason="the alert in words", due_date="follow-up due", tier="client tier",
          occurrences="rules folded into this alert",
          exposure="client exposure (for ranking; do not sum over alerts)",
          cause="what the alert is about, in words",
          acknowledged="a relationship manager acknowledged it (dashboard worklist)",
          acknowledged_by="who acknowledged it", acknowledged_at="when (UTC, ISO 8601)",
          acknowledged_note="the note left with the acknowledgement"),
    _fact("fact_limits", "client or group × as-of date: CBIRC large-exposure limits",
          ("date_key", "level", "limit_id"),
          level="client (single client) or group (group of connected clients)",
          limit_id="client id, or the group's id (a group row has client_id _none)",
          name="client or group name",
          exposure="exposure counted against the limit (yuan; a guarantee inside a group "
                   "counted once)",
          limit="the limit (yuan): a share of tier-1 capital",
          utilisation="exposure / limit (1.0 = at the limit)",
          headroom="limit - exposure (yuan; negative when breached)",
          breach="over the limit"),
    _fact("fact_need_forecast", "expected financing need × as-of date",
          ("date_key", "client_id", "source_id", "cause"),
          source_id="what the need comes from (a facility, project or season)",
          cause="why it is expected (refinancing, project phase, season, growth)",
          need_type="need type", amount="expected amount (yuan)",
          window_start="window opens", window_end="window closes",
          days_until="days from the as-of date to the window",
          probability="probability the need arises in its window",
          p_horizon="probability it arises within the forecast horizon (for sums: "
                    "probability × amount)"),
    _fact("fact_surveys", "survey × as-of date (the history known at that date)",
          ("date_key", "client_id", "survey_date", "survey_seq"),
          survey_date="survey date", survey_seq="order of the client's surveys on that day",
          csat="satisfaction 1-5", nps="likelihood to recommend 0-10",
          feedback="free-text feedback"),
    _fact("fact_needs", "financing need × as-of date (the history known at that date)",
          ("date_key", "need_id"), need_id="need id", request_date="request date",
          need_type="need type", requested_amount="amount requested (yuan)",
          term_months="term (months)", collateral_offered="security offered",
          fulfilled="met by the bank"),
]}

#: (fact, column) → (dimension, key): every fact joins every dimension on the same-named key.
RELATIONSHIPS: list[tuple[str, str, str, str]] = [
    (f.name, k, dim, k) for f in SCHEMA.values() if f.kind == "fact"
    for k, dim in zip(CONFORMED_KEYS, ("dim_date", "dim_client", "dim_rm", "dim_group",
                                      "dim_industry", "dim_region"), strict=True)]


def schema_markdown(portfolio: str, dates: list[str]) -> str:
    """The ``schema.md`` page of an extract: tables, keys, relationships, the checking joins."""
    lines = [
        f"# BI extract of portfolio `{portfolio}`", "",
        f"As-of dates: {', '.join(dates)}. Written by `crmkit export --bi`; each table is here "
        "as `<table>.parquet` and `<table>.csv` (UTF-8 with BOM; in the CSV only, text starting "
        "with = + - @ or a tab gets a leading apostrophe so that Excel shows it as text).", "",
        "A star schema: every fact carries the as-of date and the keys of every dimension, as "
        "at that date, so a relationship manager's or group's history stays with the facts even "
        "when the client has moved on. Facts are snapshots: **filter on one `date_key`** (or "
        "`dim_date.is_latest`) before summing, or you add the same balance once per date.", "",
        "## Relationships (many-to-one, single direction)", "",
        "| fact column | → dimension key |", "|---|---|",
        *[f"| `{f}.{c}` | `{d}.{k}` |" for f, c, d, k in RELATIONSHIPS], "",
        "## Tables", ""]
    for t in SCHEMA.values():
        lines += [f"### `{t.name}` ({t.kind})", "",
                  f"Grain: {t.grain}. Key: {', '.join(f'`{k}`' for k in t.key)}.", "",
                  "| column | holds |", "|---|---|",
                  *[f"| `{c}` | {d} |" for c, d in t.columns.items()], ""]
    lines += [
        "## The report's totals from the extract (DuckDB, Power Query or SQL alike)", "",
        "```sql",
        "-- total exposure and ECL at the latest date",
        "SELECT SUM(e.exposure) FROM fact_exposure e JOIN dim_date d USING (date_key) "
        "WHERE d.is_latest;",
        "SELECT SUM(s.ecl) FROM fact_stages_ecl s JOIN dim_date d USING (date_key) "
        "WHERE d.is_latest;",
        "-- alerts per relationship manager",
        "SELECT r.rm_name, COUNT(*) FROM fact_alerts a JOIN dim_rm r USING (rm_key) "
        "JOIN dim_date d USING (date_key) WHERE d.is_latest GROUP BY r.rm_name;",
        "-- clients per tier, per as-of date",
        "SELECT d.as_of, t.tier, COUNT(*) FROM fact_tiers t JOIN dim_date d USING (date_key) "
        "GROUP BY ALL ORDER BY ALL;",
        "```", ""]
    return "\n".join(lines)
