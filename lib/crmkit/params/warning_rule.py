"""One early-warning rule of the ``warning:`` parameters section, and its vocabulary.

See :mod:`crmkit.params.warning` for the section and an example; the default rule set is in
:mod:`crmkit.params.warning_defaults`.
"""

from __future__ import annotations

import numbers
import string
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = [
    "WarningRule",
    "LocalText",
    "OPS",
    "SEVERITIES",
    "PLAN_SEVERITIES",
    "LEVELS",
    "MESSAGE_FIELDS",
    "NUMERIC_FIELDS",
    "DEFAULT_ACTION_DAYS",
]

#: Comparison operators of a rule; ``between`` takes ``[lower, upper]``.
OPS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=", "between")
#: Alert severities, most severe first.
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
#: Severities of action-plan items: the alert severities and ``info``.
PLAN_SEVERITIES: tuple[str, ...] = (*SEVERITIES, "info")
#: What a rule is evaluated on: the client metrics or the facility metrics.
LEVELS: tuple[str, ...] = ("client", "facility")
#: Numeric fields of a message template (take numeric format specs such as ``.2f``).
NUMERIC_FIELDS: tuple[str, ...] = ("value", "threshold", "lower", "upper", "days")
#: Every field a message template may use. ``threshold`` of a ``between`` rule is its lower bound.
MESSAGE_FIELDS: tuple[str, ...] = (*NUMERIC_FIELDS, "client_name", "client_id", "facility_id",
                                   "metric", "rule_id", "owner", "due_date")
#: Days from ``as_of`` until the follow-up of an alert is due, by severity.
DEFAULT_ACTION_DAYS: dict[str, int] = {"critical": 7, "high": 14, "medium": 30, "low": 60}
_INCLUSIVE = ("both", "left", "right", "neither")


class LocalText(Section):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" | "en")."""
        return self.zh if lang == "zh" else self.en


def _template_problems(text: Any, lang: str) -> list[str]:
    if not isinstance(text, str) or not text:
        return [f"message.{lang} must be a non-empty text"]
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"message.{lang} is not a valid template ({exc}); write literal braces "
                "as {{{{ }}}}"]
    problems = []
    for _, field, spec, conv in parts:
        if field is None:
            continue
        if field not in MESSAGE_FIELDS:
            problems.append(f"message.{lang} uses unknown field {{{field}}}; available: "
                            f"{', '.join(MESSAGE_FIELDS)}")
            continue
        if conv:
            problems.append(f"message.{lang}: conversions like !{conv} are not supported")
        try:
            format(1.5 if field in NUMERIC_FIELDS else "x", spec or "")
        except ValueError:
            problems.append(f"message.{lang}: format spec {spec!r} does not fit field {{{field}}}")
    return problems


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and x == x


class WarningRule(Section):
    """One early-warning rule: ``metric op threshold`` raises an alert of ``severity``."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="stable identifier of the rule")
    metric: str = Field(description="column of the client (or facility) metrics frame")
    op: Literal["<", "<=", ">", ">=", "==", "!=", "between"]
    threshold: float | tuple[float, float] = Field(
        description="the bound; for between: [lower, upper]")
    inclusive: Literal["both", "left", "right", "neither"] = Field(
        "left", description="between only: which bounds belong to the band (left: lower <= v < "
                            "upper)")
    severity: Literal["critical", "high", "medium", "low"]
    name: LocalText | None = Field(None, description="short name; default: the id")
    message: LocalText = Field(description=f"templates; fields: {', '.join(MESSAGE_FIELDS)}")
    level: Literal["client", "facility"] = "client"
    action_days: int | None = Field(None, ge=0, description="days to act; default by severity")
    group: str | None = Field(None, description="rules of a group keep only the most severe "
                                                "alert per client / facility")
    when_missing: Literal["note", "skip"] = Field(
        "note", description="a missing value: note it as a data-quality gap, or skip silently "
                            "(when missing means 'not applicable', e.g. no project)")
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        """Check the definition and name the rule id in every message."""
        if not isinstance(data, Mapping):
            return data
        rid = data.get("id")
        who = f"rule {rid!r}" if rid else "a rule without 'id'"
        problems = [] if rid else ["give every rule an 'id'"]
        for key in ("metric", "op", "severity", "message"):
            if data.get(key) in (None, ""):
                problems.append(f"'{key}' is missing")
        op, thr = data.get("op"), data.get("threshold")
        if op is not None and op not in OPS:
            problems.append(f"unknown op {op!r}; use one of {', '.join(OPS)}")
        sev = data.get("severity")
        if sev is not None and sev not in SEVERITIES:
            problems.append(f"unknown severity {sev!r}; use one of {', '.join(SEVERITIES)}")
        if data.get("level", "client") not in LEVELS:
            problems.append(f"unknown level {data.get('level')!r}; use client or facility")
        if data.get("inclusive", "left") not in _INCLUSIVE:
            problems.append(f"unknown inclusive {data.get('inclusive')!r}; use one of "
                            f"{', '.join(_INCLUSIVE)}")
        if thr is None:
            problems.append("'threshold' is missing" + (" (between needs [lower, upper])"
                                                        if op == "between" else ""))
        elif op == "between":
            if not (isinstance(thr, list | tuple) and len(thr) == 2
                    and all(_is_number(x) for x in thr)):
                problems.append(f"between needs threshold [lower, upper] (two numbers); got "
                                f"{thr!r}")
            elif thr[0] > thr[1]:
                problems.append(f"between needs lower <= upper; got {list(thr)}")
        elif not _is_number(thr):
            problems.append(f"threshold must be one number for op {op!r}; got {thr!r}")
        msg = data.get("message")
        if isinstance(msg, LocalText):
            msg = msg.model_dump()
        if isinstance(msg, Mapping):
            for lang in ("zh", "en"):
                problems += _template_problems(msg.get(lang), lang)
        elif msg is not None:
            problems.append("message must be {zh: ..., en: ...}")
        if problems:
            raise ValueError(f"{who}: " + "; ".join(problems))
        if op == "between":
            data = {**data, "threshold": tuple(thr)}
        return data

    @property
    def lower(self) -> float:
        """The threshold, or the lower bound of a ``between`` band."""
        return self.threshold[0] if isinstance(self.threshold, tuple) else self.threshold

    @property
    def upper(self) -> float:
        """The threshold, or the upper bound of a ``between`` band."""
        return self.threshold[1] if isinstance(self.threshold, tuple) else self.threshold

    def label(self, lang: str) -> str:
        """The short name in ``lang`` (the id when no name is given)."""
        return self.name.get(lang) if self.name is not None else self.id
