"""Client cards ("client 360"): one dict per client, rendered as printable HTML, one A4 page each.

:func:`client_card` gathers, for one client, its identity, exposure and value, score and top
drivers, tier and segment, risk, open alerts, satisfaction, recommended strategy and next
actions from the diagnostic table (:func:`crmkit.diagnose.table.diagnostic_table`) and optional
frames. :func:`client_cards` does it for the top N clients (by urgency or exposure) or all,
grouping the optional frames once. :func:`client_cards_html` renders them; **every** value is
passed through :func:`html.escape`, so a client named ``<script>...`` shows as text, and
``mask_pii=True`` masks legal representatives (``张**``) and ID numbers (``9131****X12K``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.core.masking import mask_id, mask_name
from crmkit.diagnose.table import alert_summary, urgency_order
from crmkit.params.diagnose import DiagnoseParams

__all__ = ["client_card", "client_cards"]

_IDENTITY = ("client_name", "legal_rep", "credit_code", "industry", "region", "lifecycle_stage",
             "relationship_manager", "group_name")
_EXTRA_FEATURES = ("committed", "tenure_years", "n_products", "complaints_12m",
                   "unresolved_complaints")


def _py(v: object) -> object:
    """A plain Python value (None for missing) so a card is JSON-ready."""
    if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return v


def _row(frame: pd.DataFrame | None, cid: str) -> dict:
    if frame is None:
        return {}
    pos = frame.index.get_indexer([cid])[0] if frame.index.is_unique else (
        np.flatnonzero(frame.index == cid)[:1].tolist() or [-1])[0]
    if pos < 0:
        return {}
    # Column by column, so Int64 counts stay integers (a row Series would upcast to float).
    return {k: _py(frame[k].iloc[pos]) for k in frame.columns}


def _rows(frame: pd.DataFrame | None, ids: list[str]) -> dict[str, dict]:
    """:func:`_row` of each of ``ids`` (the first row of a repeated id), column by column."""
    if frame is None:
        return {}
    index = frame.index if frame.index.is_unique else frame.index[~frame.index.duplicated()]
    pos = index.get_indexer(ids)
    found = [(cid, p) for cid, p in zip(ids, pos, strict=True) if p >= 0]
    if not frame.index.is_unique:  # positions in the de-duplicated index -> in the frame
        first = np.flatnonzero(~frame.index.duplicated())
        found = [(cid, int(first[p])) for cid, p in found]
    take = [p for _, p in found]
    cols = {k: [_py(v) for v in frame[k].iloc[take]] for k in frame.columns}
    return {cid: {k: cols[k][i] for k in frame.columns} for i, (cid, _) in enumerate(found)}


def _records(frame: pd.DataFrame | None, cid: str,
             groups: dict[str, np.ndarray] | None = None) -> list[dict]:
    if frame is None or len(frame) == 0:
        return []
    if groups is not None:
        pos = groups.get(cid)
        sub = frame.iloc[pos] if pos is not None else frame.iloc[0:0]
    else:
        sub = frame.loc[frame["client_id"].astype("string").eq(cid).to_numpy(dtype=bool,
                                                                              na_value=False)]
    return [{k: _py(v) for k, v in r.items() if k != "client_id"}
            for r in sub.to_dict("records")]


def _by_client(frame: pd.DataFrame | None, ids: Iterable[str], what: str
               ) -> dict[str, np.ndarray] | None:
    """Row positions of each selected client in ``frame`` (grouped once, not per client)."""
    if frame is None or len(frame) == 0:
        return None
    if "client_id" not in frame.columns:
        raise DiagnoseError(f"client cards: the {what} frame needs a client_id column "
                            f"(columns: {list(frame.columns)})")
    key = frame["client_id"].astype("string")
    sel = key.isin(list(ids)).to_numpy(dtype=bool, na_value=False)
    pos = pd.Series(np.flatnonzero(sel)).groupby(key.to_numpy()[sel]).indices
    return {k: np.flatnonzero(sel)[v] for k, v in pos.items()}


def _sorted_alerts(alerts: pd.DataFrame | None, params: DiagnoseParams) -> pd.DataFrame | None:
    if alerts is None or len(alerts) == 0:
        return alerts
    dtype = alert_summary(alerts, params)["worst_severity"].dtype
    code = pd.Categorical(alerts["severity"].astype("string"), dtype=dtype).codes
    return alerts.iloc[np.argsort(-code, kind="stable")].reset_index(drop=True)


def _card(cid: str, diag_row: dict, *, client: dict, feats: dict, drivers: list[dict],
          alerts: list[dict], actions: list[dict], as_of: str | None, mask_pii: bool) -> dict:
    d = diag_row
    ident = {k: client.get(k, d.get(k, feats.get(k))) for k in _IDENTITY}
    if mask_pii:
        ident["legal_rep"] = mask_name(ident["legal_rep"])
        ident["credit_code"] = mask_id(ident["credit_code"])
    dims = {k[len("score_"):]: v for k, v in d.items() if k.startswith("score_")}
    by_kind = {"lift": [], "drag": []}
    for r in sorted(drivers, key=lambda r: (r.get("kind") != "lift", r.get("rank") or 0)):
        if r.get("kind") in by_kind:
            by_kind[r["kind"]].append({k: r.get(k) for k in
                                       ("dimension", "effect", "label_zh", "label_en")})
    return {
        "client_id": cid,
        "client_name": ident["client_name"],
        "as_of": as_of,
        "identity": ident,
        "business": {"exposure": d.get("exposure"), "committed": feats.get("committed"),
                     "income": d.get("income"), "clv": d.get("clv"),
                     "clv_at_risk": d.get("clv_at_risk"),
                     "tenure_years": feats.get("tenure_years"),
                     "n_products": feats.get("n_products")},
        "score": {"total": d.get("score"), "tier": d.get("tier"), "segment": d.get("segment"),
                  "value_band": d.get("value_band"), "dimensions": dims,
                  "lifts": by_kind["lift"], "drags": by_kind["drag"]},
        "risk": {"risk_status": d.get("risk_status"), "ifrs9_stage": d.get("ifrs9_stage"),
                 "covenant_breach": d.get("covenant_breach"), "ecl": d.get("ecl"),
                 "pd": d.get("pd"), "grade": d.get("grade"), "risk_band": d.get("risk_band"),
                 "churn_probability": d.get("churn_probability"),
                 "churn_band": d.get("churn_band")},
        "alerts": alerts,
        "satisfaction": {"csat_latest": d.get("csat_latest"), "nps_latest": d.get("nps_latest"),
                         "nps_class": d.get("nps_class"),
                         "satisfaction_band": d.get("satisfaction_band"),
                         "needs_fulfilled_share": d.get("needs_fulfilled_share"),
                         "complaints_12m": feats.get("complaints_12m"),
                         "unresolved_complaints": feats.get("unresolved_complaints")},
        "strategy": {"id": d.get("strategy_id"), "zh": d.get("strategy_zh"),
                     "en": d.get("strategy_en")},
        "next_actions": actions,
    }


def _prep(diag: pd.DataFrame, clients: pd.DataFrame | None,
          features: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None,
                                                  pd.DataFrame | None]:
    diag = diag.copy()
    diag.index = diag.index.astype("string")
    if clients is not None:
        clients = clients.drop_duplicates("client_id").set_index(
            clients.drop_duplicates("client_id")["client_id"].astype("string"))
        clients = clients[[c for c in _IDENTITY if c in clients.columns]]
    if features is not None:
        features = features[[c for c in _EXTRA_FEATURES if c in features.columns]].copy()
        features.index = features.index.astype("string")
    return diag, clients, features


def client_card(client_id: str, diag: pd.DataFrame, *, clients: pd.DataFrame | None = None,
                features: pd.DataFrame | None = None, drivers: pd.DataFrame | None = None,
                alerts: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                as_of: dt.date | pd.Timestamp | None = None, mask_pii: bool = False,
                params: DiagnoseParams | None = None) -> dict:
    """The 'client 360' of one client as a plain, JSON-ready dict.

    Parameters
    ----------
    client_id
        A client of ``diag``.
    diag
        The diagnostic table (index client_id).
    clients, features
        Optional: the clients table (``legal_rep``, ``credit_code``, ``group_name``) and the
        client features (``committed``, ``tenure_years``, ``complaints_12m``, ...).
    drivers
        Optional long table of score drivers (:func:`crmkit.score.difference.top_drivers`:
        client_id, kind lift/drag, rank, dimension, effect, label_zh, label_en).
    alerts, actions
        Optional frames with ``client_id`` (open alerts; the action plan): the client's rows,
        worst alert first, as lists of dicts.

    Returns
    -------
    dict
        Keys ``client_id``, ``client_name``, ``as_of``, ``identity``, ``business``, ``score``
        (total, tier, segment, dimensions, lifts, drags), ``risk``, ``alerts``,
        ``satisfaction``, ``strategy`` (id, zh, en), ``next_actions``.
    """
    p = DiagnoseParams() if params is None else params
    diag, clients, features = _prep(diag, clients, features)
    cid = str(client_id)
    if cid not in diag.index:
        raise DiagnoseError(f"client_card: client {cid!r} is not in the diagnostic table")
    return _card(cid, _row(diag, cid), client=_row(clients, cid), feats=_row(features, cid),
                 drivers=_records(drivers, cid), alerts=_records(_sorted_alerts(alerts, p), cid),
                 actions=_records(actions, cid),
                 as_of=None if as_of is None else pd.Timestamp(as_of).date().isoformat(),
                 mask_pii=mask_pii)


def client_cards(diag: pd.DataFrame, *, clients: pd.DataFrame | None = None,
                 features: pd.DataFrame | None = None, drivers: pd.DataFrame | None = None,
                 alerts: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                 ids: Iterable[str] | None = None, top_n: int | None | str = "params",
                 rank_by: str | None = None, as_of: dt.date | pd.Timestamp | None = None,
                 mask_pii: bool = False, params: DiagnoseParams | None = None) -> list[dict]:
    """Cards of the given ``ids``, else of the ``top_n`` clients ranked by ``rank_by``
    (``"urgency"``: :func:`crmkit.diagnose.table.urgency_order`; ``"exposure"``: largest first).
    Defaults: ``diagnose.cards_top_n`` (50) and ``diagnose.cards_rank_by``; ``top_n=None``:
    every client."""
    p = DiagnoseParams() if params is None else params
    diag, clients, features = _prep(diag, clients, features)
    if ids is not None:
        order = [str(i) for i in ids]
        unknown = [i for i in order if i not in diag.index]
        if unknown:
            raise DiagnoseError(f"client_cards: client(s) {unknown[:5]} not in the diagnostic "
                                "table")
    else:
        rank_by = rank_by or p.cards_rank_by
        if rank_by == "urgency":
            order = list(urgency_order(diag))
        elif rank_by == "exposure":
            ex = pd.to_numeric(diag.get("exposure"), errors="coerce") if "exposure" in diag \
                else pd.Series(0.0, index=diag.index)
            order = list(ex.astype(float).fillna(-np.inf).sort_values(
                ascending=False, kind="stable").index)
        else:
            raise DiagnoseError(f"client_cards: rank_by={rank_by!r}; use 'urgency' or "
                                "'exposure'")
        n = p.cards_top_n if top_n == "params" else top_n
        order = order if n is None else order[:int(n)]
    alerts = _sorted_alerts(alerts, p)
    groups = {name: _by_client(f, order, name)
              for name, f in (("drivers", drivers), ("alerts", alerts), ("actions", actions))}
    day = None if as_of is None else pd.Timestamp(as_of).date().isoformat()
    rows = {name: _rows(f, order) for name, f in (("diag", diag), ("clients", clients),
                                                   ("features", features))}
    return [_card(cid, rows["diag"].get(cid, {}), client=rows["clients"].get(cid, {}),
                  feats=rows["features"].get(cid, {}),
                  drivers=_records(drivers, cid, groups["drivers"]),
                  alerts=_records(alerts, cid, groups["alerts"]),
                  actions=_records(actions, cid, groups["actions"]), as_of=day,
                  mask_pii=mask_pii)
            for cid in order]
