"""The rules engine: one vectorised boolean mask per rule over the whole portfolio.

:func:`evaluate_rules` runs every enabled rule of :class:`~crmkit.params.warning.WarningParams`
on the client metrics (``level: client``) or the facility metrics (``level: facility``) and
returns a :class:`RuleEvaluation`: the fired and missing masks per rule and the rules that could
not run (absent or non-numeric metric column). Nothing loops over clients.

Comparisons allow a tolerance of ``1e-9 x max(1, |threshold|)``, so a value computed as
1.0999999999999999 counts as *at* a threshold of 1.10: ``<`` and ``>`` exclude the threshold,
``<=``, ``>=`` and ``==`` include it; ``between`` follows the rule's ``inclusive``.
A missing value (NaN / NA) never fires. In a rule ``group`` only the most severe fired rule
(the first in parameters order among equals) is kept per client or facility.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.core.errors import WarningError
from crmkit.core.i18n import check_lang, t
from crmkit.params.warning import SEVERITIES, WarningParams, WarningRule
from crmkit.warn.labels import WARNING_LABELS  # noqa: F401  (registers the labels)

__all__ = [
    "RuleEvaluation",
    "evaluate_rules",
    "rule_notes",
    "missing_values",
    "render",
    "text_array",
    "client_frame",
    "facility_frame",
    "SEVERITY_RANK",
    "TOLERANCE",
]

#: Position of each severity, most severe first (critical 0 ... low 3, info 4).
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate((*SEVERITIES, "info"))}
#: Relative tolerance of the comparisons (times max(1, |threshold|)).
TOLERANCE = 1e-9


def client_frame(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` indexed by ``client_id`` (from its index or its ``client_id`` column)."""
    if not isinstance(metrics, pd.DataFrame):
        raise WarningError(f"metrics must be a DataFrame (crmkit.warn.alerting.client_metrics); got "
                           f"{type(metrics).__name__}")
    if metrics.index.name != "client_id":
        if "client_id" not in metrics.columns:
            raise WarningError("metrics needs a client_id index or column; build it with "
                               "crmkit.warn.alerting.client_metrics(tables, as_of)")
        metrics = metrics.set_index("client_id")
    return metrics


def facility_frame(facilities: pd.DataFrame | None) -> pd.DataFrame | None:
    """Facility metrics indexed by ``facility_id`` with a ``client_id`` column (or None)."""
    if facilities is None:
        return None
    if not isinstance(facilities, pd.DataFrame):
        raise WarningError(f"facility_metrics must be a DataFrame (crmkit.warn.alerting."
                           f"facility_metrics); got {type(facilities).__name__}")
    if facilities.index.name != "facility_id":
        if "facility_id" not in facilities.columns:
            raise WarningError("facility_metrics needs a facility_id index or column; build it "
                               "with crmkit.warn.alerting.facility_metrics(tables, as_of)")
        facilities = facilities.set_index("facility_id")
    if "client_id" not in facilities.columns:
        raise WarningError("facility_metrics needs a client_id column (the facility's client)")
    return facilities


def _values(s: pd.Series) -> np.ndarray | None:
    """The column as float64 (NaN for missing), or None when it is not numeric."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan)
    if s.isna().all():
        return np.full(len(s), np.nan)
    return None


def _compare(v: np.ndarray, rule: WarningRule) -> np.ndarray:
    lo, hi = rule.lower, rule.upper
    tol_lo, tol_hi = TOLERANCE * max(1.0, abs(lo)), TOLERANCE * max(1.0, abs(hi))
    with np.errstate(invalid="ignore"):
        match rule.op:
            case "<":
                return v < lo - tol_lo
            case "<=":
                return v <= lo + tol_lo
            case ">":
                return v > lo + tol_lo
            case ">=":
                return v >= lo - tol_lo
            case "==":
                return np.abs(v - lo) <= tol_lo
            case "!=":
                return ~(np.abs(v - lo) <= tol_lo) & ~np.isnan(v)
        left = v >= lo - tol_lo if rule.inclusive in ("both", "left") else v > lo + tol_lo
        right = v <= hi + tol_hi if rule.inclusive in ("both", "right") else v < hi - tol_hi
        return left & right


@dataclass
class RuleEvaluation:
    """The outcome of :func:`evaluate_rules`.

    Attributes
    ----------
    rules
        The enabled rules, in parameters order.
    fired
        Rule id -> boolean mask over the rows of its frame (after group de-duplication).
    values
        Rule id -> the metric as float64 (NaN when missing).
    missing
        Rule id -> boolean mask of missing values (rules with ``when_missing: note`` only).
    problems
        Rule id -> (kind, detail) for rules that could not run: ``missing_column``,
        ``not_numeric`` (detail: the dtype) or ``no_facility_metrics``.
    clients, facilities
        The frames the rules ran on (index ``client_id`` / ``facility_id``).
    """

    rules: list[WarningRule]
    fired: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    missing: dict[str, np.ndarray] = field(default_factory=dict)
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)
    clients: pd.DataFrame | None = None
    facilities: pd.DataFrame | None = None

    def frame(self, rule: WarningRule) -> pd.DataFrame | None:
        """The frame ``rule`` runs on."""
        return self.clients if rule.level == "client" else self.facilities

    def counts(self) -> pd.Series:
        """Number of alerts per rule id (0 for rules that could not run)."""
        return pd.Series({r.id: int(self.fired[r.id].sum()) if r.id in self.fired else 0
                          for r in self.rules}, name="alerts", dtype="int64")


def evaluate_rules(metrics: pd.DataFrame, facility_metrics: pd.DataFrame | None = None,
                   params: WarningParams | None = None) -> RuleEvaluation:
    """Evaluate every enabled rule over the whole portfolio, one vectorised mask per rule.

    Parameters
    ----------
    metrics
        Client metrics (:func:`crmkit.warn.alerting.client_metrics`), index ``client_id``.
    facility_metrics
        Facility metrics (:func:`crmkit.warn.alerting.facility_metrics`); facility rules are noted
        as not run when it is None.
    params
        The ``warning`` parameters section (default rules when None).

    Returns
    -------
    RuleEvaluation
    """
    params = WarningParams() if params is None else params
    ev = RuleEvaluation(rules=params.active_rules, clients=client_frame(metrics),
                        facilities=facility_frame(facility_metrics))
    for rule in ev.rules:
        frame = ev.frame(rule)
        if frame is None:
            ev.problems[rule.id] = ("no_facility_metrics", "")
            continue
        if rule.metric not in frame.columns:
            ev.problems[rule.id] = ("missing_column", "")
            continue
        v = _values(frame[rule.metric])
        if v is None:
            ev.problems[rule.id] = ("not_numeric", str(frame[rule.metric].dtype))
            continue
        nan = np.isnan(v)
        ev.values[rule.id] = v
        ev.fired[rule.id] = _compare(v, rule) & ~nan
        if rule.when_missing == "note":
            ev.missing[rule.id] = nan
    groups: dict[str, list[tuple[int, int, WarningRule]]] = {}
    for pos, rule in enumerate(ev.rules):
        if rule.group and rule.id in ev.fired:
            groups.setdefault(rule.group, []).append((SEVERITY_RANK[rule.severity], pos, rule))
    for members in groups.values():
        taken = None
        for _, _, rule in sorted(members, key=lambda m: m[:2]):
            if taken is None:
                taken = ev.fired[rule.id].copy()
                continue
            ev.fired[rule.id] &= ~taken
            taken |= ev.fired[rule.id]
    return ev


def rule_notes(evaluation: RuleEvaluation, lang: str = "zh") -> pd.DataFrame:
    """Data-quality notes: one row per rule that could not run or had missing values.

    Returns
    -------
    pandas.DataFrame
        Columns rule_id, metric, level, kind (``missing_values`` | ``missing_column`` |
        ``not_numeric`` | ``no_facility_metrics``), n_missing, n_rows, share_missing, note (in
        ``lang``).
    """
    check_lang(lang)
    rows = []
    for rule in evaluation.rules:
        frame = evaluation.frame(rule)
        n_rows = 0 if frame is None else len(frame)
        fields = {"rule": rule.id, "metric": rule.metric}
        if rule.id in evaluation.problems:
            kind, dtype = evaluation.problems[rule.id]
            n_missing = n_rows
            note = t(f"warn.note.{kind}", lang).format(dtype=dtype, **fields)
        elif rule.id in evaluation.missing and evaluation.missing[rule.id].any():
            kind = "missing_values"
            n_missing = int(evaluation.missing[rule.id].sum())
            note = t("warn.note.missing_values", lang).format(
                n=n_missing, unit=t(f"warn.unit.{rule.level}", lang), **fields)
        else:
            continue
        rows.append({"rule_id": rule.id, "metric": rule.metric, "level": rule.level,
                     "kind": kind, "n_missing": n_missing, "n_rows": n_rows,
                     "share_missing": n_missing / n_rows if n_rows else np.nan, "note": note})
    cols = ["rule_id", "metric", "level", "kind", "n_missing", "n_rows", "share_missing", "note"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("rule_id", "metric", "level", "kind", "note"):
        out[c] = out[c].astype("string")
    return out.astype({"n_missing": "int64", "n_rows": "int64", "share_missing": "float64"})


def _text(s: pd.Series | None, pos: np.ndarray) -> np.ndarray:
    if s is None:
        return np.full(len(pos), pd.NA, dtype=object)
    return s.astype("string").to_numpy(dtype=object, na_value=pd.NA)[pos]


def missing_values(evaluation: RuleEvaluation) -> pd.DataFrame:
    """Per-client (or per-facility) table of the rules skipped for a missing metric value.

    Returns
    -------
    pandas.DataFrame
        Columns rule_id, metric, level, client_id, client_name, facility_id (NA for client
        rules), owner; one row per rule and client / facility with the value missing.
    """
    parts = []
    cm = evaluation.clients
    for rule in evaluation.rules:
        mask = evaluation.missing.get(rule.id)
        if mask is None or not mask.any():
            continue
        pos = np.flatnonzero(mask)
        frame = evaluation.frame(rule)
        if rule.level == "client":
            cid = frame.index.astype("string").to_numpy(dtype=object)[pos]
            fid = np.full(len(pos), pd.NA, dtype=object)
            name = _text(frame.get("client_name"), pos)
            owner = _text(frame.get("relationship_manager"), pos)
        else:
            cid = frame["client_id"].astype("string").to_numpy(dtype=object)[pos]
            fid = frame.index.astype("string").to_numpy(dtype=object)[pos]
            cpos = cm.index.get_indexer(cid)
            name = np.where(cpos >= 0, _text(cm.get("client_name"), np.maximum(cpos, 0)), pd.NA)
            owner = np.where(cpos >= 0, _text(cm.get("relationship_manager"),
                                              np.maximum(cpos, 0)), pd.NA)
            if "client_name" in frame.columns:
                name = _text(frame["client_name"], pos)
        parts.append(pd.DataFrame({"rule_id": rule.id, "metric": rule.metric,
                                   "level": rule.level, "client_id": cid, "client_name": name,
                                   "facility_id": fid, "owner": owner}))
    cols = ["rule_id", "metric", "level", "client_id", "client_name", "facility_id", "owner"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return out[cols].astype("string")


_SPEC = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?(?:\.(\d+))?([eEfFgGdn%])?$")


def _large(x: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks()
    return x.cast(pa.large_string())


def text_array(values: object) -> pa.Array:
    """Any 1-d strings (numpy, pandas, pyarrow) as a pyarrow ``large_string`` array (nulls kept)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return _large(values)
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if not (isinstance(values, pd.api.extensions.ExtensionArray) and values.dtype == "string"):
        values = pd.array(np.asarray(values, dtype=object), dtype="string")
    return _large(pa.array(values))


def _format_numbers(values: np.ndarray, spec: str) -> pa.Array:
    """``format(v, spec)`` per element ("" for NaN), formatting each distinct value once.

    With a fixed-point or percent spec (``.2f``, ``.0%``) values are first rounded to the
    displayed precision, so only distinct *displayed* values are formatted.
    """
    v = np.asarray(values)
    cast = float if v.dtype.kind == "f" else int
    nan = np.isnan(v) if v.dtype.kind == "f" else np.zeros(len(v), dtype=bool)
    key = v[~nan]
    m = _SPEC.match(spec)
    if m and m.group(1) is not None and m.group(2) in ("f", "F", "%") and v.dtype.kind == "f":
        key = np.round(key, int(m.group(1)) + (2 if m.group(2) == "%" else 0))
    uniq, inv = np.unique(key, return_inverse=True)
    texts = [format(cast(u), spec) for u in uniq] + [""]
    idx = np.full(len(v), len(uniq), dtype=np.int64)
    idx[~nan] = inv.reshape(-1)
    return pa.array(texts, type=pa.large_string()).take(pa.array(idx))


def _piece(v: object, spec: str, n: int) -> pa.Array | pa.Scalar:
    if isinstance(v, pd.Series | pd.Index) and pd.api.types.is_numeric_dtype(v):
        v = v.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(v, np.ndarray) and v.dtype.kind in "fiub":
        return _format_numbers(v.astype(float) if v.dtype.kind == "b" else v, spec)
    if isinstance(v, np.ndarray | pd.Series | pd.Index | pd.api.extensions.ExtensionArray
                  | pa.Array | pa.ChunkedArray):
        arr = text_array(v)
        if spec:
            arr = pa.array(["" if x is None else format(x, spec) for x in arr.to_pylist()],
                           type=pa.large_string())
        return arr.fill_null("")
    text = "" if v is None or v is pd.NA else format(v, spec)
    return pa.scalar(text, type=pa.large_string())


def render(template: str, fields: Mapping[str, object], n: int) -> pd.api.extensions.ExtensionArray:
    """Fill ``template`` (``str.format`` syntax) for ``n`` rows, vectorised (pyarrow).

    ``fields`` maps a field name to one value (used for every row) or to ``n`` values (numpy,
    pandas or pyarrow); a missing value or an absent field renders as an empty string.
    Returns a pandas ``string`` array of ``n`` texts.
    """
    pieces: list[pa.Array | pa.Scalar] = [
        pa.array([""], type=pa.large_string()).take(pa.array(np.zeros(n, dtype=np.int64)))]
    for literal, name, spec, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(pa.scalar(literal, type=pa.large_string()))
        if name is not None:
            pieces.append(_piece(fields.get(name, ""), spec or "", n))
    out = pc.binary_join_element_wise(*pieces, pa.scalar("", type=pa.large_string()))
    return pd.arrays.ArrowStringArray(out)
