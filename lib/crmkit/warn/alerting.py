"""The warning stage: rules engine, alerts, IFRS 9 staging and the action plan.

Typical use (notebook ``04_warn``)::

    from crmkit import warning as w
    metrics = w.client_metrics(tables, as_of, extra=scores)       # + score_change, pd, tier...
    facilities = w.facility_metrics(tables, as_of)
    ev = w.evaluate_rules(metrics, facilities, params.warning)
    table = w.alerts(metrics, facilities, params.warning, as_of, "zh", evaluation=ev)
    notes = w.rule_notes(ev, "zh")                                 # data-quality notes
    stages = w.ifrs9_stages(facilities, pd_now=scores["pd"], params=params.warning)
    plan = w.action_plan(table, tables, as_of, params.warning, lang="zh")
    w.write_ics(plan, path, "客户预警行动计划")

This module holds the alert table and its summaries and re-exports the public functions of
:mod:`crmkit.warn.metrics`, :mod:`crmkit.warn.rules`, :mod:`crmkit.warn.staging` and
:mod:`crmkit.warn.actions`.
"""

from __future__ import annotations

import datetime as dt
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import WarningError
from crmkit.core.i18n import check_lang, t
from crmkit.params.warning import SEVERITIES, WarningParams
from crmkit.warn.actions import action_plan, write_ics, write_plan_csv
from crmkit.warn.labels import display_frame, warn_header
from crmkit.warn.metrics import client_metrics, facility_metrics
from crmkit.warn.rules import (
    SEVERITY_RANK,
    RuleEvaluation,
    evaluate_rules,
    missing_values,
    render,
    rule_notes,
    text_array,
)
from crmkit.warn.staging import ifrs9_stages, origination_pd, stage_summary

__all__ = [
    "ALERT_COLUMNS",
    "SEVERITY_DTYPE",
    "client_metrics",
    "facility_metrics",
    "evaluate_rules",
    "RuleEvaluation",
    "rule_notes",
    "missing_values",
    "alerts",
    "alert_summary",
    "ifrs9_stages",
    "origination_pd",
    "stage_summary",
    "action_plan",
    "write_plan_csv",
    "write_ics",
    "display_frame",
    "warn_header",
]

#: Ordered severities, ``low < medium < high < critical`` (so ``severity >= "high"`` works).
SEVERITY_DTYPE = pd.CategoricalDtype(list(reversed(SEVERITIES)), ordered=True)
#: Columns of :func:`alerts` (``tier`` only when the metrics have a tier column).
ALERT_COLUMNS: tuple[str, ...] = (
    "client_id", "client_name", "facility_id", "rule_id", "rule_name", "level", "metric",
    "value", "threshold", "threshold_upper", "severity", "reason", "owner", "due_date", "tier")
_SIGN = {"<": 1.0, "<=": 1.0, ">": -1.0, ">=": -1.0}


def _strings(x: pd.Series | pd.Index | None, n: int) -> pd.api.extensions.ExtensionArray:
    """A pandas ``string`` array of the column (all NA when absent)."""
    if x is None:
        return pd.array([pd.NA] * n, dtype="string")
    arr = x.array
    if not (isinstance(arr, pd.api.extensions.ExtensionArray) and arr.dtype == "string"):
        arr = pd.array(np.asarray(arr, dtype=object), dtype="string")
    return arr


def _take(arr: pd.api.extensions.ExtensionArray, pos: np.ndarray) -> pa.ChunkedArray | pa.Array:
    """Elements at ``pos`` (-1 -> null) as pyarrow."""
    return text_array(arr.take(pos, allow_fill=True))


def _take_sparse(arr: pd.api.extensions.ExtensionArray, pos: np.ndarray) -> pa.Array:
    """Like :func:`_take` when most ``pos`` are -1: only the valid positions are gathered."""
    valid = pos >= 0
    small = text_array(arr.take(pos[valid]))
    idx = np.full(len(pos), len(small), dtype=np.int64)
    idx[valid] = np.arange(len(small))
    return pa.concat_arrays([small, pa.nulls(1, pa.large_string())]).take(pa.array(idx))


def _coalesce(first: pa.Array, second: pa.Array | None) -> pd.api.extensions.ExtensionArray:
    out = first if second is None else pc.coalesce(first, second)
    return pd.arrays.ArrowStringArray(out)


def _pick(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.ArrowStringArray(
        pa.array(labels, type=pa.large_string()).take(pa.array(codes)))


def _fields_used(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _empty(with_tier: bool) -> pd.DataFrame:
    cols = [c for c in ALERT_COLUMNS if with_tier or c != "tier"]
    out = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    for c in ("value", "threshold", "threshold_upper"):
        out[c] = out[c].astype("float64")
    out["severity"] = out["severity"].astype(SEVERITY_DTYPE)
    out["due_date"] = out["due_date"].astype("datetime64[ns]")
    return out


def alerts(metrics: pd.DataFrame, facility_metrics: pd.DataFrame | None = None,
           params: WarningParams | None = None, as_of: dt.date | pd.Timestamp | None = None,
           lang: str = "zh", *, evaluation: RuleEvaluation | None = None) -> pd.DataFrame:
    """One row per alert, most severe first.

    Parameters
    ----------
    metrics, facility_metrics, params
        As for :func:`evaluate_rules` (ignored when ``evaluation`` is given).
    as_of
        The analysis date; an alert is due ``action_days`` after it.
    lang
        Language of ``rule_name`` and ``reason``.
    evaluation
        A :func:`evaluate_rules` result to reuse.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ALERT_COLUMNS`: facility_id is NA for client rules; threshold is the
        lower bound of a ``between`` rule and threshold_upper its upper bound (NaN otherwise);
        severity is :data:`SEVERITY_DTYPE`; owner the relationship manager; tier only when the
        metrics have one. Sorted by severity (critical first), rule (parameters order), value
        (worst first: lowest for ``<``/``<=`` rules, highest for ``>``/``>=``), client order.
    """
    check_lang(lang)
    if as_of is None:
        raise WarningError("alerts needs as_of (the analysis date) to set due dates")
    as_of = as_timestamp(as_of, "as_of")
    params = WarningParams() if params is None else params
    ev = evaluate_rules(metrics, facility_metrics, params) if evaluation is None else evaluation
    cm, fm, rules = ev.clients, ev.facilities, ev.rules
    with_tier = "tier" in cm.columns
    hits = [(k, r, np.flatnonzero(ev.fired[r.id])) for k, r in enumerate(rules)
            if r.id in ev.fired and ev.fired[r.id].any()]
    if not hits:
        return _empty(with_tier)
    n_c = len(cm)
    c = {"id": _strings(cm.index, n_c), "name": _strings(cm.get("client_name"), n_c),
         "owner": _strings(cm.get("relationship_manager"), n_c)}
    has_fac = any(r.level == "facility" for _, r, _ in hits)
    if has_fac:
        n_f = len(fm)
        f = {"id": _strings(fm.index, n_f), "client": _strings(fm["client_id"], n_f),
             "name": _strings(fm.get("client_name"), n_f),
             "owner": _strings(fm.get("relationship_manager"), n_f)}
    cpos_l, fpos_l, rule_l, value_l, reason_l = [], [], [], [], []
    for k, rule, pos in hits:
        m = len(pos)
        if rule.level == "client":
            cpos, fpos = pos, np.full(m, -1)
        else:
            fpos = pos
            cpos = cm.index.get_indexer(pd.Index(f["client"].take(pos)))
        value = ev.values[rule.id][pos]
        days = params.days_for(rule)
        fields: dict[str, object] = {
            "value": value, "threshold": rule.lower, "lower": rule.lower, "upper": rule.upper,
            "days": days, "metric": rule.metric, "rule_id": rule.id,
            "due_date": (as_of + pd.Timedelta(days=days)).date().isoformat()}
        template = rule.message.get(lang)
        for name in _fields_used(template) & {"client_name", "client_id", "facility_id",
                                              "owner"}:
            key = {"client_name": "name", "client_id": "id", "owner": "owner"}.get(name)
            if name == "facility_id":
                fields[name] = _take(f["id"], fpos) if rule.level == "facility" else ""
            elif rule.level == "facility":
                other = f["client"] if key == "id" else f[key]
                fields[name] = _coalesce(_take(other, fpos), _take(c[key], cpos))
            else:
                fields[name] = _take(c[key], cpos)
        reason_l.append(text_array(render(template, fields, m)))
        cpos_l.append(cpos)
        fpos_l.append(fpos)
        rule_l.append(np.full(m, k))
        value_l.append(value)
    cpos, fpos = np.concatenate(cpos_l), np.concatenate(fpos_l)
    rk, value = np.concatenate(rule_l), np.concatenate(value_l)
    sev = np.array([SEVERITY_RANK[r.severity] for r in rules])[rk]
    sign = np.array([_SIGN.get(r.op, 1.0) for r in rules])[rk]
    order = np.lexsort((fpos, cpos, value * sign, rk, sev))
    cpos, fpos, rk = cpos[order], fpos[order], rk[order]
    days = np.array([params.days_for(r) for r in rules])[rk]
    fac = (lambda key: _take_sparse(f[key], fpos)) if has_fac else (lambda key: None)
    out = pd.DataFrame({
        "client_id": _coalesce(_take(c["id"], cpos), fac("client") if has_fac
                               and ((cpos < 0) & (fpos >= 0)).any() else None),
        "client_name": _coalesce(_take(c["name"], cpos), fac("name")),
        "facility_id": _coalesce(fac("id"), None) if has_fac
        else pd.array([pd.NA] * len(order), dtype="string"),
        "rule_id": _pick([r.id for r in rules], rk),
        "rule_name": _pick([r.label(lang) for r in rules], rk),
        "level": _pick([r.level for r in rules], rk),
        "metric": _pick([r.metric for r in rules], rk),
        "value": value[order],
        "threshold": np.array([r.lower for r in rules], dtype=float)[rk],
        "threshold_upper": np.array([r.upper if r.op == "between" else np.nan for r in rules],
                                    dtype=float)[rk],
        "severity": pd.Categorical.from_codes(len(SEVERITIES) - 1 - sev[order],
                                              dtype=SEVERITY_DTYPE),
        "reason": pd.arrays.ArrowStringArray(pa.concat_arrays(reason_l).take(pa.array(order))),
        "owner": _coalesce(_take(c["owner"], cpos), fac("owner")),
        "due_date": (np.datetime64(as_of.date(), "ns")
                     + (days * np.timedelta64(1, "D")).astype("timedelta64[ns]")),
    })
    if with_tier:
        out["tier"] = _coalesce(_take(_strings(cm["tier"], n_c), cpos), None)
    return out


_BY = {"rule": "rule_id", "owner": "owner", "tier": "tier"}


def alert_summary(alerts: pd.DataFrame, by: str = "rule", lang: str = "zh") -> pd.DataFrame:
    """Alerts counted by rule, owner (relationship manager) or tier, per severity.

    Returns
    -------
    pandas.DataFrame
        One row per rule / owner / tier: the key column (for rules also ``rule_name``), then
        critical, high, medium, low, alerts (total), clients (distinct), first_due. Sorted by
        critical, high, medium, low counts, descending. A missing owner or tier shows as
        "未分配 / Unassigned" or "未分层 / No tier".
    """
    check_lang(lang)
    if by not in _BY:
        raise WarningError(f"alert_summary: by={by!r} is not supported; use one of {list(_BY)}")
    key = _BY[by]
    if key not in alerts.columns:
        raise WarningError(f"alert_summary by {by!r} needs a {key!r} column in the alerts; pass "
                           f"metrics with a {key!r} column (client_metrics(..., extra=...))")
    fill = {"owner": t("warn.unassigned", lang), "tier": t("tier.none", lang)}.get(key)
    k = alerts[key].astype("string")
    if fill is not None:
        k = k.fillna(fill)
    g, keys = pd.factorize(k, sort=True)
    n_g = len(keys)
    sev = pd.Categorical(alerts["severity"], categories=list(SEVERITIES)).codes
    ok = sev >= 0
    cells = np.bincount(g[ok] * len(SEVERITIES) + sev[ok], minlength=n_g * len(SEVERITIES))
    counts = pd.DataFrame(cells.reshape(n_g, len(SEVERITIES)), columns=list(SEVERITIES),
                          index=pd.Index(keys, name=key)).astype("int64")
    counts["alerts"] = np.bincount(g, minlength=n_g)
    client, _ = pd.factorize(alerts["client_id"].astype("string"))
    width = int(client.max(initial=0)) + 1
    pairs = np.sort(g.astype(np.int64) * width + client)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    counts["clients"] = np.bincount(pairs // width, minlength=n_g)
    counts["first_due"] = (pd.Series(alerts["due_date"].to_numpy()).groupby(g).min()
                           .reindex(range(n_g)).to_numpy())
    if by == "rule":
        by_group = np.argsort(g, kind="stable")
        first = by_group[np.r_[0, np.flatnonzero(np.diff(g[by_group])) + 1]] if len(g) else []
        counts.insert(0, "rule_name", alerts["rule_name"].astype("string").array.take(first))
    counts = counts.sort_values(list(SEVERITIES), ascending=False, kind="stable")
    out = counts.reset_index()
    out.columns.name = None
    return out
