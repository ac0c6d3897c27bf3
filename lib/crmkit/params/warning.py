"""Parameters of the warning stage (section ``warning:`` of a portfolio's parameters file).

Example (every key optional; the default rule set is :data:`DEFAULT_RULES`, see
:mod:`crmkit.params.warning_defaults`)::

    warning:
      default_rules: true         # start from the default rules (false: only the rules below)
      rules:                      # merged over the defaults by id: give only what changes
        - {id: dscr_below_110, threshold: 1.05}
        - {id: nps_detractor, enabled: false}
        - id: large_exposure      # a new rule needs every field
          metric: exposure        # a column of the metrics frame
          op: ">="                # < <= > >= == != between
          threshold: 5.0e+8       # between: [lower, upper]
          severity: low           # critical | high | medium | low
          name: {zh: 大额敞口, en: Large exposure}
          message: {zh: "敞口 {value:,.0f} 元", en: "Exposure CNY {value:,.0f}"}
          level: client           # client | facility
          action_days: 45         # default: action_days[severity]
      action_days: {critical: 7, high: 14, medium: 30, low: 60}
      staging: {stage2_dpd: 30, stage3_dpd: 90, sicr_ratio: 2.0, sicr_abs: 0.005}
      actions: {horizon_days: 30, covenant_products: [project_finance, long_term]}

Rule semantics: ``op`` compares the metric with ``threshold`` (``value < threshold``...);
``between`` tests ``lower <= value < upper`` by default (``inclusive: left``; also ``both``,
``right``, ``neither``). A missing value never fires; with ``when_missing: note`` it is counted in
the data-quality notes. Rules sharing a ``group`` keep only the most severe alert per client or
facility (DSCR < 1.0 does not also raise DSCR < 1.10). Message templates may use the fields
:data:`MESSAGE_FIELDS` with ``str.format`` specs (``{value:.2f}``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from crmkit.params._base import Section
from crmkit.params.warning_defaults import DEFAULT_RULES, default_rules
from crmkit.params.warning_rule import (
    DEFAULT_ACTION_DAYS,
    LEVELS,
    MESSAGE_FIELDS,
    NUMERIC_FIELDS,
    OPS,
    PLAN_SEVERITIES,
    SEVERITIES,
    LocalText,
    WarningRule,
)

__all__ = [
    "WarningParams",
    "WarningRule",
    "LocalText",
    "StagingParams",
    "ActionParams",
    "OPS",
    "SEVERITIES",
    "PLAN_SEVERITIES",
    "LEVELS",
    "MESSAGE_FIELDS",
    "NUMERIC_FIELDS",
    "DEFAULT_ACTION_DAYS",
    "DEFAULT_RULES",
    "default_rules",
]


class StagingParams(Section):
    """IFRS 9-style stages: 3 credit-impaired, 2 significant increase in credit risk, else 1."""

    stage2_dpd: int = Field(30, ge=1, description="days past due >= this -> stage 2 (backstop)")
    stage3_dpd: int = Field(90, ge=1, description="days past due >= this -> stage 3 (backstop)")
    sicr_ratio: float = Field(2.0, gt=1, description="SICR: PD now / PD at origination >= this")
    sicr_abs: float = Field(0.005, ge=0, lt=1, description="... AND PD now - PD at origination "
                                                           ">= this (fraction: 0.005 = 0.5 pp)")
    default_statuses: list[str] = Field(default_factory=lambda: ["default"],
                                        description="facility statuses that mean stage 3")
    watch_statuses: list[str] = Field(default_factory=lambda: ["restructured"],
                                      description="facility statuses that mean stage 2")
    watchlist: list[str] = Field(default_factory=list,
                                 description="client or facility ids on the watch-list -> stage 2")
    obligor_default: bool = Field(True, description="a credit-impaired facility puts every "
                                                    "facility of the same client in stage 3")

    @model_validator(mode="after")
    def _ordered(self) -> StagingParams:
        if self.stage2_dpd >= self.stage3_dpd:
            raise ValueError(f"need stage2_dpd < stage3_dpd; got stage2_dpd={self.stage2_dpd}, "
                             f"stage3_dpd={self.stage3_dpd}")
        return self


def _md(text: str) -> tuple[int, int]:
    month, day = (int(x) for x in text.split("-"))
    dt.date(2024, month, day)  # a leap year: 02-29 is allowed (it falls on 02-28 otherwise)
    return month, day


class ActionParams(Section):
    """The action plan: which follow-ups are listed for each relationship manager."""

    horizon_days: int = Field(30, ge=1, le=3660, description="list follow-ups due within this "
                                                             "many days of as_of")
    covenant_products: list[str] = Field(
        default_factory=lambda: ["project_finance", "long_term"],
        description="products whose financial covenants are tested on covenant_test_dates")
    covenant_test_dates: list[str] = Field(
        default_factory=lambda: ["06-30", "12-31"], description="test dates as MM-DD each year")
    anniversary_years: list[int] = Field(
        default_factory=lambda: [5, 10, 15, 20, 25, 30],
        description="relationship anniversaries (years since onboarding) to celebrate")
    maturity_severity: Literal["critical", "high", "medium", "low", "info"] = "medium"
    covenant_severity: Literal["critical", "high", "medium", "low", "info"] = "medium"
    review_severity: Literal["critical", "high", "medium", "low", "info"] = "low"
    anniversary_severity: Literal["critical", "high", "medium", "low", "info"] = "info"
    alarm_severities: list[Literal["critical", "high", "medium", "low", "info"]] = Field(
        default_factory=lambda: ["critical", "high"],
        description="calendar events of these severities get a reminder")
    alarm_days_before: int = Field(1, ge=0, le=60, description="reminder this many days before")

    @field_validator("covenant_test_dates")
    @classmethod
    def _month_days(cls, v: list[str]) -> list[str]:
        bad = []
        for text in v:
            try:
                _md(text)
            except (ValueError, TypeError):
                bad.append(text)
        if bad:
            raise ValueError(f"covenant test dates must be MM-DD (e.g. 06-30); got {bad}")
        return v

    @property
    def covenant_month_days(self) -> list[tuple[int, int]]:
        """``covenant_test_dates`` as (month, day) pairs."""
        return [_md(x) for x in self.covenant_test_dates]


class WarningParams(Section):
    """Settings of the warning stage. Every field has a documented default."""

    default_rules: bool = Field(True, description="start from the default rules; the entries "
                                                   "of 'rules' are merged over them by id")
    rules: list[WarningRule] = Field(default_factory=lambda: default_rules())
    action_days: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_ACTION_DAYS),
        description="days from as_of until an alert's follow-up is due, by severity")
    worklist_top_n: int = Field(15, ge=1, le=1000, description=(
        "alerts shown per relationship manager in reports and cards; the rest are counted"))
    staging: StagingParams = Field(default_factory=StagingParams)
    actions: ActionParams = Field(default_factory=ActionParams)

    @model_validator(mode="before")
    @classmethod
    def _merge_rules(cls, data: Any) -> Any:
        """Merge the ``rules`` entries over the default rules, by id."""
        if not isinstance(data, Mapping) or "rules" not in data:
            return data
        given = data["rules"]
        if not isinstance(given, list):
            raise ValueError("rules must be a list of rules ({id: ..., metric: ..., ...})")
        base = ({r.id: r.model_dump(exclude_none=True) for r in default_rules()}
                if data.get("default_rules", True) else {})
        merged = dict(base)
        seen: set[str] = set()
        for entry in given:
            if isinstance(entry, WarningRule):
                entry = entry.model_dump(exclude_none=True)
            if not isinstance(entry, Mapping) or not entry.get("id"):
                raise ValueError(f"every rule needs an 'id'; got {entry!r}")
            rid = entry["id"]
            if rid in seen:
                raise ValueError(f"rule {rid!r} appears twice in rules; rule ids must be unique "
                                 "(merge the two entries into one)")
            seen.add(rid)
            merged[rid] = {**merged.get(rid, {}), **entry}
        return {**data, "rules": list(merged.values())}

    @field_validator("action_days")
    @classmethod
    def _days(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(SEVERITIES))
        if unknown:
            raise ValueError(f"unknown severities {unknown}; use {', '.join(SEVERITIES)}")
        negative = {k: d for k, d in v.items() if d < 0}
        if negative:
            raise ValueError(f"action days must be >= 0; got {negative}")
        return {**DEFAULT_ACTION_DAYS, **v}

    @model_validator(mode="after")
    def _consistent(self) -> WarningParams:
        problems = []
        levels: dict[str, set[str]] = {}
        for r in self.rules:
            if r.group:
                levels.setdefault(r.group, set()).add(r.level)
        mixed = sorted(g for g, lv in levels.items() if len(lv) > 1)
        if mixed:
            problems.append(f"rules of group(s) {mixed} mix client and facility levels; give "
                            "facility rules their own group")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- helpers ---------------------------------------------------------------------------
    def rule(self, rule_id: str) -> WarningRule:
        """The rule with id ``rule_id``."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no warning rule {rule_id!r}; rules: {[r.id for r in self.rules]}")

    @property
    def active_rules(self) -> list[WarningRule]:
        """The enabled rules, in order."""
        return [r for r in self.rules if r.enabled]

    def days_for(self, rule: WarningRule) -> int:
        """Days until the follow-up of ``rule`` is due (its own, else by severity)."""
        return rule.action_days if rule.action_days is not None else self.action_days[rule.severity]

    def yaml_section(self) -> dict[str, Any]:
        """This section as plain YAML-safe data (bands as lists, unset optional fields left out).

        For the sliders' save button: ``update_params_file(path, {"warning": p.yaml_section()})``.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def with_thresholds(self, thresholds: Mapping[str, float | tuple[float, float]]
                        ) -> WarningParams:
        """A validated copy with the thresholds of some rules replaced (for sliders)."""
        known = {r.id for r in self.rules}
        unknown = [rid for rid in thresholds if rid not in known]
        if unknown:
            raise KeyError(f"no warning rule(s) {unknown}; rules: {sorted(known)}")
        data = self.model_dump(exclude_none=True)
        for rule in data["rules"]:
            if rule["id"] in thresholds:
                rule["threshold"] = thresholds[rule["id"]]
        return WarningParams.model_validate(data)
