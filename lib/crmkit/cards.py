"""Client cards ("client 360"): one dict per client, rendered as printable HTML, one A4 page each.

:func:`client_card` gathers, for one client, its identity, exposure and value, score and top
drivers, tier and segment, risk, open alerts, satisfaction, recommended strategy and next
actions from the diagnostic table (:func:`crmkit.diagnostics.diagnostic_table`) and optional
frames. :func:`client_cards` does it for the top N clients (by urgency or exposure) or all,
grouping the optional frames once. :func:`client_cards_html` renders them; **every** value is
passed through :func:`html.escape`, so a client named ``<script>...`` shows as text, and
``mask_pii=True`` masks legal representatives (``张**``) and ID numbers (``9131****X12K``).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit.contract import CODES, code_label
from crmkit.diagnostics import alert_summary, urgency_order
from crmkit.diagnostics_labels import band_label, col_header, fmt_money
from crmkit.errors import DiagnoseError
from crmkit.i18n import check_lang, t
from crmkit.masking import mask_id, mask_name
from crmkit.params.diagnose import DiagnoseParams

__all__ = ["client_card", "client_cards", "client_cards_html", "CARD_CSS"]

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
        "risk": {"pd": d.get("pd"), "grade": d.get("grade"), "risk_band": d.get("risk_band"),
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
        Optional long table of score drivers (:func:`crmkit.scoring.top_drivers`: client_id,
        kind lift/drag, rank, dimension, effect, label_zh, label_en).
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
    (``"urgency"``: :func:`crmkit.diagnostics.urgency_order`; ``"exposure"``: largest first).
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
    return [_card(cid, _row(diag, cid), client=_row(clients, cid), feats=_row(features, cid),
                  drivers=_records(drivers, cid, groups["drivers"]),
                  alerts=_records(alerts, cid, groups["alerts"]),
                  actions=_records(actions, cid, groups["actions"]), as_of=day,
                  mask_pii=mask_pii)
            for cid in order]


# -- HTML ----------------------------------------------------------------------------------
CARD_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       sans-serif; color: #1b2631; font-size: 9pt; line-height: 1.3; margin: 0; }
.card { page-break-after: always; break-after: page; }
.card:last-child { page-break-after: auto; break-after: auto; }
.card h1 { font-size: 15pt; margin: 0 0 1mm; color: #1f4e79; }
.card .sub { color: #5d6d7e; margin-bottom: 3mm; }
.badge { display: inline-block; padding: 0 2mm; border-radius: 1.5mm; background: #1f4e79;
         color: white; margin-right: 2mm; }
table.layout { table-layout: fixed; border-collapse: separate; border-spacing: 0 2.5mm; }
table.layout > tbody > tr > td, table.layout > tr > td { padding: 0; vertical-align: top; }
td.left { padding-right: 1.25mm !important; } td.right { padding-left: 1.25mm !important; }
.box { border: 1px solid #d5d8dc; border-radius: 1.5mm; padding: 1.5mm 2.5mm;
       break-inside: avoid; height: 100%; box-sizing: border-box; }
.box h2 { font-size: 10pt; margin: 0 0 1mm; color: #1f4e79; }
.box p { margin: 1mm 0 0; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 0.3mm 1.2mm; vertical-align: top; }
th { color: #5d6d7e; font-weight: normal; width: 45%; }
table.list th { width: auto; border-bottom: 1px solid #d5d8dc; }
.sev-critical, .sev-high { color: #cb4335; font-weight: bold; }
.sev-medium { color: #b9770e; }
.strategy { font-size: 11pt; font-weight: bold; color: #1f4e79; }
.muted { color: #85929e; }
"""

_SEVERITY_PREFIX = "diag.severity."


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _fmt(key: str, v: object, lang: str) -> str:
    """Display text of one card value (already a plain Python value)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if key in ("exposure", "committed", "income", "clv", "clv_at_risk"):
        return fmt_money(float(v), lang)
    if key in ("pd", "churn_probability", "needs_fulfilled_share"):
        return f"{float(v):.1%}"
    if key in ("total", "tenure_years", "effect") or key.startswith("dim:"):
        return f"{float(v):.1f}"
    if key in ("csat_latest", "nps_latest"):
        return f"{float(v):g}"
    if key in ("value_band", "satisfaction_band", "risk_band", "churn_band"):
        return band_label(key[:-5], str(v), lang)
    prefix = {"nps_class": "diag.nps.", "severity": _SEVERITY_PREFIX, "tier": "tier.",
              "segment": "segment."}.get(key)
    if prefix:
        return t(f"{prefix}{v}", lang)
    if key in CODES:
        return code_label(key, str(v), lang)
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def _kv(rows: list[tuple[str, str, object]], lang: str) -> str:
    body = "".join(f"<tr><th>{_e(label)}</th><td>{_e(_fmt(key, v, lang))}</td></tr>"
                   for key, label, v in rows)
    return f"<table>{body}</table>"


def _font_face(text: str) -> str:
    """The CJK glyphs of ``text`` embedded as a ``data:`` font (see :mod:`crmkit.report_fonts`),
    so the cards read in Chinese on any browser and in a PDF printed on a bare server."""
    from crmkit.report_fonts import font_face_css

    return font_face_css(text, "body")


def _list(records: list[dict], lang: str, empty: str) -> str:
    if not records:
        return f'<p class="muted">{_e(empty)}</p>'
    cols = list(dict.fromkeys(k for r in records for k in r))
    head = "".join(f"<th>{_e(col_header(c, lang))}</th>" for c in cols)
    rows = []
    for r in records:
        cells = []
        for c in cols:
            cls = f' class="sev-{_e(r.get(c))}"' if c == "severity" else ""
            cells.append(f"<td{cls}>{_e(_fmt(c, r.get(c), lang))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="list"><tr>{head}</tr>{"".join(rows)}</table>'


def _box(title_key: str, body: str, lang: str) -> str:
    return f'<div class="box"><h2>{_e(t(title_key, lang))}</h2>{body}</div>'


def _card_html(c: dict, lang: str, mask_pii: bool) -> str:
    ident = dict(c.get("identity", {}))
    if mask_pii:
        ident["legal_rep"] = mask_name(ident.get("legal_rep"))
        ident["credit_code"] = mask_id(ident.get("credit_code"))
    sc, b, r, s = c["score"], c["business"], c["risk"], c["satisfaction"]
    lbl = lambda k: col_header(k, lang)  # noqa: E731
    identity = _kv([("client_id", lbl("client_id"), c["client_id"]),
                    ("legal_rep", t("diag.card.legal_rep", lang), ident.get("legal_rep")),
                    ("credit_code", t("diag.card.credit_code", lang), ident.get("credit_code")),
                    ("industry", lbl("industry"), ident.get("industry")),
                    ("region", lbl("region"), ident.get("region")),
                    ("lifecycle_stage", lbl("lifecycle_stage"), ident.get("lifecycle_stage")),
                    ("relationship_manager", lbl("relationship_manager"),
                     ident.get("relationship_manager")),
                    ("group_name", lbl("group_name"), ident.get("group_name"))], lang)
    business = _kv([("exposure", lbl("exposure"), b.get("exposure")),
                    ("committed", t("diag.card.committed", lang), b.get("committed")),
                    ("income", lbl("income"), b.get("income")),
                    ("clv", lbl("clv"), b.get("clv")),
                    ("clv_at_risk", lbl("clv_at_risk"), b.get("clv_at_risk")),
                    ("tenure_years", lbl("tenure_years"), b.get("tenure_years"))], lang)
    dims = [(f"dim:{k}", lbl(f"score_{k}"), v) for k, v in sc.get("dimensions", {}).items()]
    score = _kv([("total", lbl("score"), sc.get("total")), ("tier", lbl("tier"), sc.get("tier")),
                 ("segment", lbl("segment"), sc.get("segment")),
                 ("value_band", lbl("value_band"), sc.get("value_band")), *dims], lang)
    for kind in ("lifts", "drags"):
        items = sc.get(kind) or []
        if items:
            sep = "、" if lang == "zh" else "; "
            text = sep.join(f"{d.get(f'label_{lang}') or d.get('dimension')} "
                            f"({float(d.get('effect') or 0):+.1f})" for d in items)
            score += (f'<p><span class="muted">{_e(t(f"diag.card.{kind}", lang))}:</span> '
                      f"{_e(text)}</p>")
    risk = _kv([("pd", lbl("pd"), r.get("pd")), ("grade", lbl("grade"), r.get("grade")),
                ("risk_band", lbl("risk_band"), r.get("risk_band")),
                ("churn_probability", lbl("churn_probability"), r.get("churn_probability")),
                ("churn_band", lbl("churn_band"), r.get("churn_band"))], lang)
    sat = _kv([("csat_latest", lbl("csat_latest"), s.get("csat_latest")),
               ("nps_latest", lbl("nps_latest"), s.get("nps_latest")),
               ("nps_class", lbl("nps_class"), s.get("nps_class")),
               ("needs_fulfilled_share", lbl("needs_fulfilled_share"),
                s.get("needs_fulfilled_share")),
               ("complaints_12m", t("diag.card.complaints_12m", lang), s.get("complaints_12m")),
               ("unresolved_complaints", lbl("unresolved_complaints"),
                s.get("unresolved_complaints"))], lang)
    strategy = f'<p class="strategy">{_e(c["strategy"].get(lang) or "-")}</p>'
    alerts = _list(c["alerts"], lang, t("diag.card.no_alerts", lang))
    actions = _list(c["next_actions"], lang, t("diag.card.no_actions", lang))
    as_of = (f' · {_e(t("diag.card.as_of", lang))} {_e(c["as_of"])}' if c.get("as_of") else "")
    tier_badge = (f'<span class="badge">{_e(_fmt("tier", sc["tier"], lang))}</span>'
                  if sc.get("tier") else "")
    pairs = [(_box("diag.card.identity", identity, lang),
              _box("diag.card.business", business, lang)),
             (_box("diag.card.score", score, lang), _box("diag.card.risk", risk, lang)),
             (_box("diag.card.satisfaction", sat, lang), _box("diag.card.alerts", alerts, lang))]
    rows = "".join(f'<tr><td class="left">{a}</td><td class="right">{b}</td></tr>'
                   for a, b in pairs)
    rows += "".join(f'<tr><td colspan="2">{box}</td></tr>' for box in (
        _box("diag.card.strategy", strategy, lang),
        _box("diag.card.next_actions", actions, lang)))
    boxes = f'<table class="layout">{rows}</table>'
    return (f'<section class="card"><h1>{_e(c.get("client_name") or c["client_id"])}</h1>'
            f'<div class="sub">{tier_badge}{_e(t("diag.card.title", lang))} · '
            f'{_e(c["client_id"])}{as_of}</div>{boxes}</section>')


def client_cards_html(cards: list[dict] | dict, lang: str = "zh", *, mask_pii: bool = False,
                      title: str | None = None, embed_font: bool = True) -> str:
    """A standalone HTML document with one card per client, one A4 page each when printed.

    Every client value is escaped with :func:`html.escape`; ``mask_pii`` masks the legal
    representative and the credit code (also when the cards were built unmasked).
    ``embed_font`` embeds the bundled Noto Sans CJK glyphs the cards use (a small subset).
    """
    check_lang(lang)
    cards = [cards] if isinstance(cards, dict) else list(cards)
    heading = title or t("diag.card.title", lang)
    body = "\n".join(_card_html(c, lang, mask_pii) for c in cards)
    font = _font_face(heading + body) if embed_font else ""
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{_e(heading)}</title><style>{font}{CARD_CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")
