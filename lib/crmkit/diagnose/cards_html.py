"""Client cards as one printable HTML page (A4, one card per page, CJK glyphs embedded)."""

from __future__ import annotations

import html
import math

from crmkit.core.contract import CODES, code_label
from crmkit.core.i18n import check_lang, t
from crmkit.core.masking import mask_id, mask_name, mask_text
from crmkit.diagnose.labels import band_label, col_header, fmt_money
from crmkit.warn import labels as _warn_labels  # noqa: F401 - registers the action kinds

__all__ = ["client_cards_html", "CARD_CSS"]


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
    if key in ("date", "due_date"):
        return str(v)[:10]
    if key in ("exposure", "committed", "income", "clv", "clv_at_risk", "ecl"):
        return fmt_money(float(v), lang)
    if key == "ifrs9_stage":
        return t(f"diag.stage.{int(v)}", lang)
    if key in ("risk_status", "covenant_breach"):
        return t(f"diag.{'status' if key == 'risk_status' else 'bool'}.{v}", lang)
    if key in ("pd", "churn_probability", "needs_fulfilled_share"):
        return f"{float(v):.1%}"
    if key in ("total", "tenure_years", "effect") or key.startswith("dim:"):
        return f"{float(v):.1f}"
    if key in ("csat_latest", "nps_latest"):
        return f"{float(v):g}"
    if key in ("value_band", "satisfaction_band", "risk_band", "churn_band"):
        return band_label(key[:-5], str(v), lang)
    prefix = {"nps_class": "diag.nps.", "severity": _SEVERITY_PREFIX, "tier": "tier.",
              "segment": "segment.", "kind": "warn.kind."}.get(key)
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
    """The CJK glyphs of ``text`` embedded as a ``data:`` font (see :mod:`crmkit.core.fonts`),
    so the cards read in Chinese on any browser and in a PDF printed on a bare server."""
    from crmkit.core.fonts import font_face_css

    return font_face_css(text, "body")


#: What a relationship manager reads on a card: no internal codes or metric names.
ALERT_CARD_COLUMNS = ("rule_name", "severity", "reason", "due_date")
ACTION_CARD_COLUMNS = ("date", "kind", "title", "detail")


def _list(records: list[dict], lang: str, empty: str,
          columns: tuple[str, ...] | None = None) -> str:
    if not records:
        return f'<p class="muted">{_e(empty)}</p>'
    cols = list(dict.fromkeys(k for r in records for k in r))
    if columns is not None:
        cols = [c for c in columns if c in cols] or cols
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


#: Client cards run nothing and load nothing, as the report (same policy).
CARD_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
            "base-uri 'none'; form-action 'none'")


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
    risk = _kv([("risk_status", lbl("risk_status"), r.get("risk_status")),
                ("ifrs9_stage", lbl("ifrs9_stage"), r.get("ifrs9_stage")),
                ("covenant_breach", lbl("covenant_breach"), r.get("covenant_breach")),
                ("ecl", lbl("ecl"), r.get("ecl")),
                ("pd", lbl("pd"), r.get("pd")), ("grade", lbl("grade"), r.get("grade")),
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
    alerts = _list(c["alerts"], lang, t("diag.card.no_alerts", lang), ALERT_CARD_COLUMNS)
    actions = _list(c["next_actions"], lang, t("diag.card.no_actions", lang),
                    ACTION_CARD_COLUMNS)
    as_of = (f' · {_e(t("diag.card.as_of", lang))} {_e(c["as_of"])}' if c.get("as_of") else "")
    tier_badge = (f'<span class="badge">{_e(_fmt("tier", sc["tier"], lang))}</span>'
                  if sc.get("tier") else "")
    pairs = [(_box("diag.card.identity", identity, lang),
              _box("diag.card.business", business, lang)),
             (_box("diag.card.score", score, lang), _box("diag.card.risk", risk, lang)),
             (_box("diag.card.satisfaction", sat, lang), _box("diag.card.alerts", alerts, lang))]
    rows = "".join(f'<tr><td class="left">{a}</td><td class="right">{b}</td></tr>'
                   for a, b in pairs)
    plans = "".join(f"<p>{_e(line)}</p>" for line in c.get("plans") or [])
    extra = (_box("diag.card.plans", plans, lang),) if plans else ()
    said = "".join(
        f'<p><span class="muted">{_e(m.get("date") or "")} · '
        f'{_e(t("diag.voice." + str(m.get("sentiment")), lang))}</span> '
        f'{_e(mask_text(m.get("text")) if mask_pii else m.get("text"))}</p>'
        for m in c.get("comments") or [])
    if said:
        extra += (_box("diag.card.voice", said, lang),)
    rows += "".join(f'<tr><td colspan="2">{box}</td></tr>' for box in (
        _box("diag.card.strategy", strategy, lang), *extra,
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
            f'<meta http-equiv="Content-Security-Policy" content="{CARD_CSP}">'
            f"<title>{_e(heading)}</title><style>{CARD_CSS}{font}</style></head>"
            f"<body>\n{body}\n</body></html>\n")
