"""The client diagnostic analysis table, segment summary and 'what to do next' list.

:func:`diagnostic_table` joins, per client, what the earlier stages produced — client features,
dimension scores, tier, matrix segment, PD / grade, alerts, churn probability, CLV — and adds the
value / satisfaction / risk / churn bands and the recommended strategy from the consultants'
strategy table (:mod:`crmkit.diagnose.strategies`). Every input is a plain DataFrame or Series indexed by
``client_id`` and may be missing: its columns are then NA (bands ``unknown``), never an error.

Metrics live in :mod:`crmkit.diagnose.metrics`, CLV in :mod:`crmkit.diagnose.clv`, client cards in
:mod:`crmkit.diagnose.cards`; the public names are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.diagnose.metrics import (
    nps_class,
)
from crmkit.diagnose.strategies import client_bands, load_strategies, match_strategies
from crmkit.params.diagnose import DiagnoseParams
from crmkit.params.gates import RiskGates
from crmkit.tier.gates import cap_tiers, covenant_breach, risk_status

__all__ = ["diagnostic_table", "alert_summary", "segment_summary", "next_actions", "urgency_order",
           "DIAG_COLUMNS"]

_IDENTITY = ("client_name", "relationship_manager", "industry", "region", "lifecycle_stage")
#: Columns of :func:`diagnostic_table` (``score_<dimension>`` columns follow ``segment``).
DIAG_COLUMNS: tuple[str, ...] = (
    *_IDENTITY, "tier", "segment", "score", "pd", "grade", "risk", "exposure", "income",
    "csat_latest", "nps_latest", "nps_class", "clv", "needs_fulfilled_share", "open_alerts",
    "worst_severity", "churn_probability", "clv_at_risk", "ifrs9_stage", "risk_status",
    "covenant_breach", "value_band", "satisfaction_band", "risk_band", "churn_band",
    "strategy_id", "strategy_zh", "strategy_en", "strategy_kind", "strategy_priority",
)
#: Alert columns whose text is shown as the main alert, first present wins.
_ALERT_TEXT = ("message", "title", "rule_name", "rule", "description", "action")


def _params(params: DiagnoseParams | None) -> DiagnoseParams:
    return DiagnoseParams() if params is None else params


def _pick(obj: pd.Series | pd.DataFrame | None, col: str, what: str) -> pd.Series | None:
    """A Series indexed by client_id (as string) from a Series or a frame's ``col``."""
    if obj is None:
        return None
    if isinstance(obj, pd.DataFrame):
        if col not in obj.columns:
            return None
        obj = obj[col]
    if not isinstance(obj, pd.Series):
        raise DiagnoseError(f"diagnostic_table: {what} must be a Series or DataFrame indexed by "
                            f"client_id; got {type(obj).__name__}")
    s = obj.copy()
    s.index = s.index.astype("string")
    if s.index.has_duplicates:
        raise DiagnoseError(f"diagnostic_table: {what} has several rows for client(s) "
                            f"{s.index[s.index.duplicated()].unique()[:5].tolist()}; pass one "
                            "row per client_id")
    return s


def _align(s: pd.Series, idx: pd.Index) -> pd.Series:
    """``s.reindex(idx)``, without the hash lookup when ``s`` already has that index."""
    return s.set_axis(idx) if s.index.equals(idx) else s.reindex(idx)


def _severity_dtype(alerts: pd.DataFrame | None, p: DiagnoseParams) -> pd.CategoricalDtype:
    """Ordered severities, least severe first (an ordered categorical column decides)."""
    if alerts is not None and isinstance(alerts["severity"].dtype, pd.CategoricalDtype) \
            and alerts["severity"].cat.ordered:
        return pd.CategoricalDtype(list(alerts["severity"].cat.categories), ordered=True)
    return pd.CategoricalDtype(list(reversed(p.severity_order)), ordered=True)


def alert_summary(alerts: pd.DataFrame | None,
                  params: DiagnoseParams | None = None) -> pd.DataFrame:
    """Open alerts per client: ``open_alerts`` (count), ``worst_severity`` (ordered categorical,
    least severe first) and ``alert`` (text of the worst alert, when the frame has one).

    ``alerts`` holds one row per *open* alert with ``client_id`` and ``severity``; severities
    follow ``diagnose.severity_order`` unless the column is an ordered categorical.
    """
    p = _params(params)
    if alerts is None or len(alerts) == 0:
        return pd.DataFrame({"open_alerts": pd.Series(dtype="Int64"),
                             "worst_severity": pd.Series(dtype=_severity_dtype(None, p)),
                             "alert": pd.Series(dtype="string")},
                            index=pd.Index([], dtype="string", name="client_id"))
    missing = [c for c in ("client_id", "severity") if c not in alerts.columns]
    if missing:
        raise DiagnoseError(f"alerts lack column(s) {missing}; pass one row per open alert with "
                            f"client_id and severity (columns: {list(alerts.columns)})")
    dtype = _severity_dtype(alerts, p)
    sev = alerts["severity"].astype("string")
    bad = sorted(set(sev.dropna().unique()) - set(dtype.categories))
    if bad:
        raise DiagnoseError(f"alerts: unknown severity {bad}; diagnose.severity_order is "
                            f"{list(reversed(dtype.categories))} (worst first): add them there")
    text = next((c for c in _ALERT_TEXT if c in alerts.columns), None)
    a = pd.DataFrame({"client_id": alerts["client_id"].astype("string").to_numpy(),
                      "_code": pd.Categorical(sev, dtype=dtype).codes,
                      "_text": (alerts[text].astype("string").to_numpy() if text
                                else pd.array([pd.NA] * len(alerts), dtype="string"))})
    worst = a.sort_values("_code", ascending=False, kind="stable").drop_duplicates("client_id")
    worst = worst.set_index("client_id")
    out = pd.DataFrame({"open_alerts": a.groupby("client_id").size().astype("Int64")})
    out["worst_severity"] = pd.Categorical.from_codes(
        worst["_code"].reindex(out.index).to_numpy(), dtype=dtype)
    out["alert"] = worst["_text"].reindex(out.index).astype("string")
    out.index = out.index.astype("string").rename("client_id")
    return out


def _client_index(features, index, pieces) -> pd.Index:
    if features is not None:
        return pd.Index(features.index.astype("string"), name="client_id")
    if index is not None:
        return pd.Index(pd.Index(index).astype("string"), name="client_id")
    ids = [pd.Index(x.index.astype("string")) for x in pieces if x is not None]
    out = ids[0] if ids else pd.Index([], dtype="string")
    for other in ids[1:]:
        out = out.union(other, sort=False)
    return out.rename("client_id")


def diagnostic_table(features: pd.DataFrame | None = None, *,
                     scores: pd.DataFrame | pd.Series | None = None,
                     tiers: pd.Series | pd.DataFrame | None = None,
                     segments: pd.Series | pd.DataFrame | None = None,
                     pd_: pd.Series | pd.DataFrame | None = None,
                     grades: pd.Series | pd.DataFrame | None = None,
                     risk: pd.Series | pd.DataFrame | None = None,
                     alerts: pd.DataFrame | None = None,
                     churn: pd.Series | pd.DataFrame | None = None,
                     clv: pd.Series | pd.DataFrame | None = None,
                     strategies: pd.DataFrame | None = None,
                     params: DiagnoseParams | None = None,
                     index: pd.Index | None = None,
                     stages: pd.Series | pd.DataFrame | None = None,
                     gates: RiskGates | None = None,
                     potential: pd.Series | pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per client: identity, tier, segment, scores, PD, satisfaction, CLV, alerts, churn,
    the four bands and the recommended strategy.

    Parameters
    ----------
    features
        Client features (:func:`crmkit.score.features.client_features`); its index decides the
        clients. Without it: ``index``, else the union of the other inputs' indexes.
    scores
        Dimension scores and ``total`` (``ScoreResult.scores``), or the total as a Series;
        dimension ``d`` becomes ``score_d``, the total ``score``.
    tiers, segments, pd_, grades, risk, churn, clv
        Series indexed by client_id, or frames holding a column ``tier`` / ``segment`` / ``pd``
        / ``grade`` / ``risk`` / ``churn_probability`` / ``clv`` (e.g. the tiering stage's
        ``tier_table`` for tiers, segments, pd and risk).
    alerts
        One row per open alert: ``client_id``, ``severity`` (see :func:`alert_summary`).
    strategies
        A strategy table (:func:`crmkit.diagnose.strategies.load_strategies`); default: the bundled one.
    params
        The ``diagnose`` section.
    stages
        IFRS 9 stage per client (the worst of its facilities), or the warning stage's
        facility ``stages`` table (``client_id``, ``stage``).
    gates
        The risk gates (``params.gates``): the risk status (default / watch / elevated /
        normal) from default, covenant breach (features ``in_default``, ``dscr``), stage,
        PD and open alerts caps the tier, raises the risk band and limits the strategies.
    potential
        ``recommended`` per client (the needs stage's ``high_potential``, indexed by client_id):
        ``potential`` is high for those, other for the rest; a strategy keyed on it is a value
        strategy, so it reaches only clients the gates leave at ``normal``.

    Returns
    -------
    pandas.DataFrame
        Index client_id; columns :data:`DIAG_COLUMNS` plus ``score_<dimension>`` after
        ``segment``. ``open_alerts`` is 0 for a client without alerts when ``alerts`` is given,
        NA when it is not; ``clv_at_risk`` = ``clv`` x ``churn_probability``.
    """
    p = _params(params)
    score_frame = scores if isinstance(scores, pd.DataFrame) else None
    parts = {
        "tier": _pick(tiers, "tier", "tiers"),
        "segment": _pick(segments, "segment", "segments"),
        "score": _pick(scores, "total", "scores"),
        "pd": _pick(pd_, "pd", "pd_"),
        "grade": _pick(grades if grades is not None
                       else (pd_ if isinstance(pd_, pd.DataFrame) else None), "grade", "grades"),
        "risk": _pick(risk, "risk", "risk"),
        "churn_probability": _pick(churn, "churn_probability", "churn"),
        "clv": _pick(clv, "clv", "clv"),
    }
    idx = _client_index(features, index, list(parts.values()))
    out = pd.DataFrame(index=idx)
    feats = None
    if features is not None:
        feats = features.copy()
        feats.index = idx
    for col in _IDENTITY:
        out[col] = (feats[col].astype("string") if feats is not None and col in feats.columns
                    else pd.Series(pd.NA, index=idx, dtype="string"))
    for col in ("tier", "segment"):
        s = parts[col]
        out[col] = (_align(s, idx) if s is not None
                    else pd.Series(pd.NA, index=idx, dtype="string"))
    if score_frame is not None:
        dims = [c for c in score_frame.columns if c not in ("total", "missing")
                and not str(c).startswith("contrib_")]
        sf = score_frame.copy()
        sf.index = sf.index.astype("string")
        for d in dims:
            out[f"score_{d}"] = _align(pd.to_numeric(sf[d], errors="coerce"), idx).astype(float)
    for col in ("score", "pd"):
        s = parts[col]
        out[col] = (_align(pd.to_numeric(s, errors="coerce").astype(float), idx) if s is not None
                    else np.nan)
    for col in ("grade", "risk"):
        s = parts[col]
        out[col] = (_align(s.astype("string"), idx) if s is not None
                    else pd.Series(pd.NA, index=idx, dtype="string"))
    for col in ("exposure", "income", "csat_latest", "nps_latest", "needs_fulfilled_share"):
        out[col] = (feats[col].astype(float) if feats is not None and col in feats.columns
                    else np.nan)
    if feats is not None and "nps_class" in feats.columns:
        out["nps_class"] = feats["nps_class"].astype("string")
    else:
        out["nps_class"] = nps_class(out["nps_latest"], p)
    s = parts["clv"]
    out["clv"] = (_align(pd.to_numeric(s, errors="coerce").astype(float), idx) if s is not None
                  else np.nan)
    al = alert_summary(alerts, p).reindex(idx)
    out["open_alerts"] = (al["open_alerts"].fillna(0).astype("Int64") if alerts is not None
                          else pd.array([pd.NA] * len(idx), dtype="Int64"))
    out["worst_severity"] = al["worst_severity"]
    s = parts["churn_probability"]
    out["churn_probability"] = (_align(pd.to_numeric(s, errors="coerce").astype(float), idx)
                                if s is not None else np.nan)
    out["clv_at_risk"] = out["clv"] * out["churn_probability"]
    _gate(out, feats, stages, gates)
    rec = _pick(potential, "recommended", "potential")
    if rec is not None:
        hp = _align(rec.astype("boolean"), idx).fillna(False).to_numpy(dtype=bool)
        out["potential"] = pd.array(np.where(hp, "high", "other"), dtype="string")
    for col, values in client_bands(out, p).items():
        out[col] = values
    table = load_strategies() if strategies is None else strategies
    for col, values in match_strategies(out, table, p).items():
        out[col] = values
    return out


def _client_stage(stages: pd.Series | pd.DataFrame | None, idx: pd.Index) -> pd.Series:
    if stages is None:
        return pd.Series(pd.NA, index=idx, dtype="Int64")
    if isinstance(stages, pd.DataFrame):
        if "client_id" in stages.columns:
            stages = stages.groupby(stages["client_id"].astype("string"))["stage"].max()
        else:
            stages = stages["stage"]
    st = pd.to_numeric(stages, errors="coerce")
    st.index = st.index.astype("string")
    return st.groupby(level=0).max().reindex(idx).round().astype("Int64")


def _gate(out: pd.DataFrame, feats: pd.DataFrame | None,
          stages: pd.Series | pd.DataFrame | None, gates: RiskGates | None) -> None:
    """Risk status, covenant breach and IFRS 9 stage columns; tiers capped (in place)."""
    idx = out.index
    g = gates or RiskGates()
    dscr = (feats["dscr"] if feats is not None and "dscr" in feats.columns
            else pd.Series(np.nan, index=idx))
    breach = covenant_breach(dscr, g)
    out["ifrs9_stage"] = _client_stage(stages, idx)
    in_default = feats.get("in_default") if feats is not None else None
    out["risk_status"] = risk_status(idx, in_default=in_default, breach=breach, pd_=out["pd"],
                                     stage=out["ifrs9_stage"],
                                     worst_severity=out["worst_severity"], gates=g)
    out["covenant_breach"] = breach.astype("boolean")
    if out["tier"].notna().any():
        out["tier"] = cap_tiers(out["tier"], out["risk_status"], breach, g).astype("string")


# -- summaries -----------------------------------------------------------------------------
def segment_summary(diag: pd.DataFrame, by: str = "segment",
                    params: DiagnoseParams | None = None) -> pd.DataFrame:
    """Per group of ``diag[by]``: clients, exposure, mean score, NPS, CSAT, CLV sum, open alerts
    and the dominant strategy (most clients; ties go to the higher-priority strategy).

    NPS and CSAT use each client's latest answer (``nps_class``, ``csat_latest``).
    """
    p = _params(params)
    if by not in diag.columns:
        raise DiagnoseError(f"segment_summary: by={by!r} is not a column of the diagnostic "
                            f"table; use one of {list(diag.columns)}")
    d = diag.copy()
    key = d[by].astype("string").fillna("unknown")
    num = {c: (pd.to_numeric(d[c], errors="coerce").astype(float) if c in d.columns
               else pd.Series(np.nan, index=d.index))
           for c in ("exposure", "score", "csat_latest", "clv", "open_alerts")}
    cls = d["nps_class"].astype("string") if "nps_class" in d.columns else pd.Series(
        pd.NA, index=d.index, dtype="string")
    csat_v = num["csat_latest"]
    w = pd.DataFrame({
        "_key": key.to_numpy(), "exposure": num["exposure"].to_numpy(),
        "score": num["score"].to_numpy(), "clv": num["clv"].to_numpy(),
        "open_alerts": num["open_alerts"].to_numpy(), "csat": csat_v.to_numpy(),
        "_sat": (csat_v >= p.metrics.csat_satisfied_min).astype(float).where(
            csat_v.notna()).to_numpy(),
        "_npsv": np.select([cls.eq("promoter").fillna(False), cls.eq("detractor").fillna(False),
                            cls.eq("passive").fillna(False)], [100.0, -100.0, 0.0], np.nan),
    })
    g = w.groupby("_key", sort=True)
    out = pd.DataFrame({
        "clients": g.size().astype("int64"),
        "exposure": g["exposure"].sum(min_count=1),
        "mean_score": g["score"].mean(),
        "nps": g["_npsv"].mean(),
        "csat_share": g["_sat"].mean(),
        "csat_mean": g["csat"].mean(),
        "clv_sum": g["clv"].sum(min_count=1),
        "open_alerts": g["open_alerts"].sum(min_count=1),
    })
    out.index.name = by
    if "strategy_id" in d.columns:
        prio = (pd.to_numeric(d["strategy_priority"], errors="coerce").astype(float)
                if "strategy_priority" in d.columns else pd.Series(np.nan, index=d.index))
        s = pd.DataFrame({"_key": key.to_numpy(),
                          "id": d["strategy_id"].astype("string").to_numpy(),
                          "zh": d.get("strategy_zh", pd.Series(pd.NA, index=d.index)).to_numpy(),
                          "en": d.get("strategy_en", pd.Series(pd.NA, index=d.index)).to_numpy(),
                          "prio": prio.fillna(np.inf).to_numpy(), "_pos": np.arange(len(d))})
        cnt = s.groupby(["_key", "id"], sort=False).agg(
            n=("_pos", "size"), prio=("prio", "min"), first=("_pos", "min"),
            zh=("zh", "first"), en=("en", "first")).reset_index()
        cnt = cnt.sort_values(["_key", "n", "prio", "first"], ascending=[True, False, True, True])
        top = cnt.drop_duplicates("_key").set_index("_key")
        out["dominant_strategy_id"] = top["id"].reindex(out.index).astype("string")
        out["dominant_strategy_zh"] = top["zh"].reindex(out.index).astype("string")
        out["dominant_strategy_en"] = top["en"].reindex(out.index).astype("string")
    return out


def urgency_order(diag: pd.DataFrame) -> pd.Index:
    """Clients, most urgent first: risk status (default, watch, elevated, normal), then worst
    alert severity, then CLV at risk, then exposure (risk before value)."""
    n = len(diag)
    rank = {"default": 0, "watch": 1, "elevated": 2, "normal": 3}
    status = (diag["risk_status"].astype("string").map(rank).astype(float).fillna(3).to_numpy()
              if "risk_status" in diag.columns else np.full(n, 3.0))
    sev = diag["worst_severity"] if "worst_severity" in diag.columns else None
    code = (np.asarray(sev.cat.codes, dtype=float) if sev is not None and isinstance(
        sev.dtype, pd.CategoricalDtype) else np.full(n, -1.0))
    code[code < 0] = -1.0

    def num(c: str) -> np.ndarray:
        return (pd.to_numeric(diag[c], errors="coerce").astype(float).fillna(-np.inf).to_numpy()
                if c in diag.columns else np.zeros(n))

    order = np.lexsort((-num("exposure"), -num("clv_at_risk"), -code, status))
    return diag.index[order]


def next_actions(diag: pd.DataFrame, alerts: pd.DataFrame | None = None, n: int | None = None,
                 params: DiagnoseParams | None = None) -> pd.DataFrame:
    """The 'what to do next' list: the ``n`` most urgent clients (:func:`urgency_order`) with
    their worst alert, CLV at risk, recommended strategy and owner (relationship manager).

    ``alerts`` (optional) refreshes ``open_alerts`` / ``worst_severity`` and adds ``alert``, the
    text of each client's worst alert. ``n`` defaults to ``diagnose.next_actions_n`` (20).
    """
    p = _params(params)
    n = p.next_actions_n if n is None else n
    if n < 1:
        raise DiagnoseError(f"next_actions: n must be at least 1; got {n}")
    d = diag.copy()
    if alerts is not None:
        al = alert_summary(alerts, p)
        d["open_alerts"] = al["open_alerts"].reindex(d.index).fillna(0).astype("Int64")
        d["worst_severity"] = al["worst_severity"].reindex(d.index)
        d["alert"] = al["alert"].reindex(d.index)
    if "clv_at_risk" not in d.columns:
        d["clv_at_risk"] = (d["clv"] * d["churn_probability"]
                            if {"clv", "churn_probability"} <= set(d.columns) else np.nan)
    top = d.loc[urgency_order(d)[:n]]
    cols = ["client_name", "relationship_manager", "worst_severity", "open_alerts", "alert",
            "clv_at_risk", "churn_probability", "exposure", "strategy_id", "strategy_zh",
            "strategy_en"]
    out = top[[c for c in cols if c in top.columns]].rename(
        columns={"relationship_manager": "owner"})
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
