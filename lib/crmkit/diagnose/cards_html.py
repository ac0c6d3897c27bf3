"""Client cards as one printable HTML page: a one-page A4 brief per client, CJK glyphs embedded.

Each brief reads top to bottom as a relationship manager prepares a visit: who the client is
(identity and group), what the bank has at stake (exposure and facilities), how it is rated
(grade, PD, points and the top reasons in words), where it sits (tier and risk-capacity matrix
cell), IFRS 9 stage and ECL, covenant headroom, open alerts (title, severity, due date, owner),
open needs and next actions, and the satisfaction trend. Internal codes never show: every value
goes through the label catalogue (:mod:`crmkit.core.i18n`), money through one unit per column
(:mod:`crmkit.core.units`). Every client value is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
import re

from crmkit.core.branding import Brand
from crmkit.core.contract import CODES, code_label
from crmkit.core.i18n import check_lang, register, t
from crmkit.core.masking import mask_id, mask_name, mask_text
from crmkit.core.units import money_header, money_unit
from crmkit.diagnose.card_extras import CARD_LIMITS
from crmkit.diagnose.card_style import CARD_CSS
from crmkit.diagnose.labels import band_label, col_header, fmt_money
from crmkit.warn import labels as _warn_labels  # noqa: F401 - registers the action kinds

__all__ = ["client_cards_html", "CARD_CSS", "CARD_CSP", "ALERT_CARD_COLUMNS",
           "ACTION_CARD_COLUMNS"]

register({
    "diag.card.rating": ("信用评级", "Credit rating"),
    "diag.card.points_label": ("评分卡分数", "Scorecard points"),
    "diag.card.reasons": ("主要扣分原因", "Main reasons"),
    "diag.card.tier_matrix": ("分层与矩阵", "Tier and matrix cell"),
    "diag.card.matrix_axes": ("行：风险 低→高；列：能力 强→弱",
                              "Rows: risk low→high; columns: capacity strong→weak"),
    "diag.card.ifrs9": ("IFRS 9 与预期信用损失", "IFRS 9 stage and ECL"),
    "diag.card.covenant": ("契约余量", "Covenant headroom"),
    "diag.card.dscr": ("偿债覆盖率（DSCR）", "DSCR"),
    "diag.card.covenant_min": ("契约下限", "Covenant minimum"),
    "diag.card.headroom": ("余量", "Headroom"),
    "diag.card.no_dscr": ("未报送偿债覆盖率", "No DSCR reported"),
    "diag.card.exposure": ("敞口与授信", "Exposure and facilities"),
    "diag.card.facilities_n": ("笔授信", "facilities"),
    "diag.card.open_alerts": ("未结预警", "Open alerts"),
    "diag.card.needs": ("未满足需求", "Open needs"),
    "diag.card.no_needs": ("无未满足需求", "No open needs"),
    "diag.card.no_next": ("暂无待办行动", "No actions scheduled"),
    "diag.card.trend": ("满意度趋势", "Satisfaction trend"),
    "diag.card.no_surveys": ("暂无调查结果", "No survey answers yet"),
    "diag.card.identity_group": ("客户与集团", "Client and group"),
    "diag.card.group_members": ("同集团其他成员", "Other members of this group"),
    "diag.card.prepared_by": ("编制", "Prepared by"),
    "diag.card.more": ("另有 {n} 条", "{n} more"),
    "diag.col.product": ("产品", "Product"),
    "diag.col.amount": ("合同金额", "Amount"),
    "diag.col.outstanding": ("余额", "Outstanding"),
    "diag.col.maturity_date": ("到期日", "Maturity"),
    "diag.col.need_type": ("需求类型", "Need"),
    "diag.col.request_date": ("提出日期", "Requested"),
    "diag.col.requested_amount": ("需求金额", "Amount asked"),
    "diag.col.survey_date": ("调查日期", "Survey date"),
    "diag.col.csat": ("满意度（1-5）", "CSAT (1-5)"),
    "diag.col.nps_answer": ("推荐意愿（0-10）", "NPS answer (0-10)"),
})

#: What a relationship manager reads of an alert and an action: no internal codes.
ALERT_CARD_COLUMNS = ("rule_name", "severity", "due_date", "owner")
ACTION_CARD_COLUMNS = ("date", "kind", "title")
#: Client cards run nothing and load nothing, as the report (same policy).
CARD_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
            "base-uri 'none'; form-action 'none'")
_MONEY = ("exposure", "committed", "income", "clv", "clv_at_risk", "ecl")
_SEV = {"critical", "high", "medium", "low", "info"}
_DATES = ("date", "due_date", "maturity_date", "request_date", "survey_date")
#: Above this many list rows a card is set a size smaller, so it still fits one page.
DENSE_ROWS = 9


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("", "<NA>", "nan")


def _fmt(key: str, v: object, lang: str) -> str:
    """Display text of one card value (a plain Python value)."""
    if _missing(v):
        return "—"
    if key in _DATES:
        return str(v)[:10]
    if key in _MONEY:
        return fmt_money(float(v), lang)
    if key == "ifrs9_stage":
        return t(f"diag.stage.{int(v)}", lang)
    if key in ("risk_status", "covenant_breach"):
        return t(f"diag.{'status' if key == 'risk_status' else 'bool'}.{v}", lang)
    if key in ("pd", "churn_probability", "needs_fulfilled_share"):
        return f"{float(v):.2%}" if key == "pd" else f"{float(v):.1%}"
    if key == "tenure_years":
        return f"{float(v):.1f} 年" if lang == "zh" else f"{float(v):.1f} years"
    if key == "total" or key.startswith("dim:"):
        return f"{float(v):.1f}"
    if key in ("points", "complaints_12m", "unresolved_complaints", "n_products", "csat",
               "nps", "nps_answer", "csat_latest", "nps_latest"):
        return f"{float(v):,.0f}"
    if key in ("value_band", "satisfaction_band", "risk_band", "churn_band"):
        return band_label(key[:-5], str(v), lang)
    prefix = {"nps_class": "diag.nps.", "severity": "diag.severity.", "tier": "tier.",
              "segment": "segment.", "kind": "warn.kind."}.get(key)
    if prefix:
        return t(f"{prefix}{v}", lang)
    if key in CODES:
        return code_label(key, str(v), lang)
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def _kv(rows: list[tuple[str, str, object]], lang: str) -> str:
    body = "".join(f"<tr><th>{_e(label)}</th><td>{_e(_fmt(key, v, lang))}</td></tr>"
                   for key, label, v in rows if not (key.startswith("opt:") and _missing(v)))
    return f'<table class="kv">{body}</table>'


def _box(title: str, body: str) -> str:
    return f'<div class="box"><h2>{_e(title)}</h2>{body}</div>'


def _table(records: list[dict], cols: tuple[str, ...], lang: str, empty: str, limit: int,
           headers: dict[str, str] | None = None, money: tuple[str, ...] = ()) -> str:
    if not records:
        return f'<p class="muted">{_e(empty)}</p>'
    shown = records[:limit]
    units = {c: money_unit([r.get(c) for r in shown], lang) for c in money}
    names = {c: money_header(col_header(c, lang), units[c], lang) if c in money
             else (headers or {}).get(c) or col_header(c, lang) for c in cols}
    head = "".join(f'<th class="{"num" if c in money else ""}">{_e(names[c])}</th>'
                   for c in cols)
    rows = []
    for r in shown:
        cells = []
        for c in cols:
            v = r.get(c)
            if c in money:
                cells.append(f'<td class="num">{_e(units[c].text(v))}</td>')
            elif c == "severity":
                sev = str(v) if str(v) in _SEV else ""
                cells.append(f'<td class="sev sev-{sev}">{_e(_fmt(c, v, lang))}</td>')
            elif c in _DATES:
                cells.append(f'<td class="nowrap">{_e(_fmt(c, v, lang))}</td>')
            else:
                cells.append(f"<td>{_e(_fmt(c, v, lang))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    left = len(records) - limit
    more = (f'<p class="muted small">{_e(t("diag.card.more", lang).format(n=left))}</p>'
            if left > 0 else "")
    return f'<table class="list"><tr>{head}</tr>{"".join(rows)}</table>{more}'


def _matrix(segment: object) -> str:
    """The 3x3 risk (rows) x capacity (columns) grid with the client's cell filled."""
    seg = "" if _missing(segment) else str(segment)
    rows = []
    for risk in ("low", "medium", "high"):
        cells = "".join(f'<td class="{"on" if seg == f"{risk}_{cap}" else ""}"></td>'
                        for cap in ("strong", "medium", "weak"))
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="matrix">{"".join(rows)}</table>'


def _trend(points: list[dict], lang: str, colour: str = "#1f4e79") -> str:
    """CSAT over the latest surveys as a small line (an inline SVG) and the answers in words."""
    vals = [(p.get("date"), p.get("csat"), p.get("nps")) for p in points
            if p.get("csat") is not None]
    if not vals:
        return f'<p class="muted">{_e(t("diag.card.no_surveys", lang))}</p>'
    w, h, pad = 150, 34, 4
    n = len(vals)
    xs = [pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [h - pad - (h - 2 * pad) * (float(c) - 1) / 4 for _, c, _ in vals]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>'
                   for x, y in zip(xs, ys, strict=True))
    label = _e(t("diag.card.trend", lang))
    svg = (f'<svg class="trend" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
           f'aria-label="{label}">'
           f'<line x1="0" y1="{h - pad}" x2="{w}" y2="{h - pad}" stroke="#d5d8dc"/>'
           f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
           f"{dots}</svg>")
    recs = [{"survey_date": d, "csat": c, "nps_answer": p} for d, c, p in vals][::-1]
    table = _table(recs, ("survey_date", "csat", "nps_answer"), lang, "", 4)
    return svg + table.replace("<td>", '<td class="num">')


def _identity(c: dict, ident: dict, lang: str) -> str:
    lbl = lambda k: col_header(k, lang)  # noqa: E731
    return _kv([("client_id", lbl("client_id"), c["client_id"]),
                ("group_name", lbl("group_name"), ident.get("group_name")),
                # the relate stage's groups (group_name and control), when it ran
                ("opt:group_members", t("diag.card.group_members", lang),
                 _few(c.get("group_members"), lang)),
                ("industry", lbl("industry"), ident.get("industry")),
                ("region", lbl("region"), ident.get("region")),
                ("lifecycle_stage", lbl("lifecycle_stage"), ident.get("lifecycle_stage")),
                ("relationship_manager", lbl("relationship_manager"),
                 ident.get("relationship_manager")),
                ("opt:legal_rep", t("diag.card.legal_rep", lang), ident.get("legal_rep")),
                ("opt:credit_code", t("diag.card.credit_code", lang),
                 ident.get("credit_code"))], lang)


def _exposure(c: dict, lang: str) -> str:
    b, lbl = c["business"], (lambda k: col_header(k, lang))
    kv = _kv([("exposure", lbl("exposure"), b.get("exposure")),
              ("committed", t("diag.card.committed", lang), b.get("committed")),
              ("income", lbl("income"), b.get("income")),
              ("clv", lbl("clv"), b.get("clv")),
              ("tenure_years", lbl("tenure_years"), b.get("tenure_years"))], lang)
    return kv + _table(c.get("facilities") or [], ("product", "outstanding", "maturity_date"),
                       lang, "", CARD_LIMITS["facilities"], money=("outstanding",))


def _rating(c: dict, lang: str) -> str:
    r, rt = c["risk"], c.get("rating") or {}
    grade = rt.get("grade") or r.get("grade")
    pd_ = rt.get("pd", r.get("pd"))
    head = (f'<p><span class="big">{_e(grade or "—")}</span> '
            f'<span class="muted">{_e(col_header("pd", lang))}</span> {_e(_fmt("pd", pd_, lang))}'
            f' · <span class="muted">{_e(t("diag.card.points_label", lang))}</span> '
            f'{_e(_fmt("points", rt.get("points"), lang))}</p>')
    reasons = rt.get("reasons") or []
    if not reasons:
        return head
    items = "".join(f"<li>{_e(x['text'])}"
                    + (f' <span class="muted">(−{x["points"]} {_e(t("diag.card.points", lang))})'
                       "</span>" if x.get("points") is not None else "") + "</li>"
                    for x in reasons[:CARD_LIMITS["reasons"]])
    return (f'{head}<p class="muted small">{_e(t("diag.card.reasons", lang))}</p>'
            f'<ol class="reasons">{items}</ol>')


def _tier(c: dict, lang: str) -> str:
    sc = c["score"]
    kv = _kv([("tier", col_header("tier", lang), sc.get("tier")),
              ("segment", col_header("segment", lang), sc.get("segment")),
              ("total", col_header("score", lang), sc.get("total")),
              ("value_band", col_header("value_band", lang), sc.get("value_band"))], lang)
    return (f'<table class="kv"><tr><td>{kv}</td><td style="width:24mm">'
            f'{_matrix(sc.get("segment"))}<p class="muted small">'
            f'{_e(t("diag.card.matrix_axes", lang))}</p></td></tr></table>')


def _risk(c: dict, lang: str) -> str:
    r, lbl = c["risk"], (lambda k: col_header(k, lang))
    kv = _kv([("ifrs9_stage", lbl("ifrs9_stage"), r.get("ifrs9_stage")),
              ("ecl", lbl("ecl"), r.get("ecl")),
              ("risk_status", lbl("risk_status"), r.get("risk_status")),
              ("churn_probability", lbl("churn_probability"), r.get("churn_probability"))],
             lang)
    cov = c.get("covenant") or {}
    if cov.get("dscr") is None:
        return kv + f'<p class="muted">{_e(t("diag.card.no_dscr", lang))}</p>'
    room = cov.get("headroom")
    cls = "bad" if room is not None and room < 0 else "warn" if room is not None and room < .2 \
        else ""
    width = 0 if room is None else max(3.0, min(100.0, (room + 1) / 2 * 100))
    return kv + (f'<p class="muted small">{_e(t("diag.card.covenant", lang))}</p>'
                 + _kv([("dscr", t("diag.card.dscr", lang), f"{cov['dscr']:.2f}"),
                        ("covmin", t("diag.card.covenant_min", lang),
                         "—" if cov.get("minimum") is None else f"{cov['minimum']:.2f}"),
                        ("headroom", t("diag.card.headroom", lang),
                         "—" if room is None else f"{room:+.0%}")], lang)
                 + f'<div class="meter {cls}"><span style="width:{width:.0f}%"></span></div>')


def _few(names: object, lang: str, n: int = 3) -> object:
    """At most ``n`` names of a list (or a "、"- or ", "-joined text), then "等 N 家" /
    "and N more"."""
    items = names if isinstance(names, (list, tuple)) else (
        re.split(r"、|, ", names) if isinstance(names, str) else None)
    if not items:
        return names
    sep = "、" if lang == "zh" else ", "
    more = len(items) - n
    rest = (f" 等 {len(items)} 家" if lang == "zh" else f" and {more} more") if more > 0 else ""
    return sep.join(str(x) for x in items[:n]) + rest


def _short(text: object, limit: int = 80) -> str:
    """A comment as an excerpt of at most ``limit`` characters (the report quotes them whole)."""
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[:limit - 1].rstrip() + "…"


def _card_html(c: dict, lang: str, mask_pii: bool, brand: Brand) -> str:
    ident = dict(c.get("identity", {}))
    if mask_pii:
        ident["legal_rep"] = mask_name(ident.get("legal_rep"))
        ident["credit_code"] = mask_id(ident.get("credit_code"))
    sc = c["score"]
    alerts = _table(c["alerts"], ALERT_CARD_COLUMNS, lang, t("diag.card.no_alerts", lang),
                    CARD_LIMITS["alerts"])
    actions = _table(c["next_actions"], ACTION_CARD_COLUMNS, lang,
                     t("diag.card.no_next", lang), CARD_LIMITS["actions"])
    needs = _table(c.get("needs") or [], ("need_type", "request_date", "requested_amount"),
                   lang, t("diag.card.no_needs", lang), CARD_LIMITS["needs"],
                   money=("requested_amount",))
    strategy = f'<p class="strategy">{_e(c["strategy"].get(lang) or "—")}</p>'
    grid = [(_box(t("diag.card.identity_group", lang), _identity(c, ident, lang)),
             _box(t("diag.card.exposure", lang), _exposure(c, lang))),
            (_box(t("diag.card.rating", lang), _rating(c, lang)),
             _box(t("diag.card.tier_matrix", lang), _tier(c, lang))),
            (_box(t("diag.card.ifrs9", lang), _risk(c, lang)),
             _box(t("diag.card.trend", lang),
                  _trend(c.get("survey_trend") or [], lang, brand.primary))
             + _box(t("diag.card.needs", lang), needs))]
    rows = "".join(f'<tr><td class="l">{a}</td><td class="r">{b}</td></tr>' for a, b in grid)
    full = [_box(t("diag.card.open_alerts", lang), alerts),
            _box(t("diag.card.next_actions", lang), actions),
            _box(t("diag.card.strategy", lang), strategy)]
    rows += "".join(f'<tr><td colspan="2">{box}</td></tr>' for box in full)
    extra = "".join(f"<p>{_e(line)}</p>" for line in (c.get("plans") or [])[:3])
    boxes = [_box(t("diag.card.plans", lang), extra)] if extra else []
    said = "".join(
        f'<p><span class="muted">{_e(m.get("date") or "")} · '
        f'{_e(t("diag.voice." + str(m.get("sentiment")), lang))}</span> '
        f'{_e(_short(mask_text(m.get("text")) if mask_pii else m.get("text")))}</p>'
        for m in (c.get("comments") or [])[:2])
    if said:
        boxes.append(_box(t("diag.card.voice", lang), said))
    for block in c.get("blocks") or []:  # blocks other stages add: {"title", "rows"}
        boxes.append(_box(str(block.get("title", "")), _kv(
            [("text", str(k), v) for k, v in block.get("rows", [])], lang)))
    rows += "".join(f'<tr><td colspan="2">{box}</td></tr>' for box in boxes)
    badges = "".join(f'<span class="badge{cls}">{_e(text)}</span>' for cls, text in (
        ("", _fmt("tier", sc.get("tier"), lang) if sc.get("tier") else ""),
        (" light", _fmt("segment", sc.get("segment"), lang) if sc.get("segment") else ""),
        (" alert" if c["alerts"] else " light",
         f'{t("diag.card.open_alerts", lang)} {len(c["alerts"])}')) if text)
    sub = " · ".join(_e(x) for x in (
        c["client_id"], _fmt("industry", ident.get("industry"), lang),
        _fmt("region", ident.get("region"), lang),
        f'{t("diag.card.as_of", lang)} {c["as_of"]}' if c.get("as_of") else "") if x)
    who = brand.logo_img() + (f"<div>{_e(t('diag.card.prepared_by', lang))} "
                              f"{_e(brand.consultancy)}</div>" if brand.consultancy else "")
    load = sum(min(len(c.get(k) or []), n) for k, n in (
        ("alerts", CARD_LIMITS["alerts"]), ("next_actions", CARD_LIMITS["actions"]),
        ("needs", CARD_LIMITS["needs"]), ("facilities", CARD_LIMITS["facilities"]),
        ("comments", 2), ("plans", 3), ("blocks", 3))) + (2 if c.get("group_members") else 0)
    dense = " dense" if load > DENSE_ROWS else ""
    return (f'<section class="card{dense}"><div class="head"><div>'
            f'<h1>{_e(c.get("client_name") or c["client_id"])}</h1>'
            f'<div class="sub">{sub}</div><div class="badges">{badges}</div></div>'
            f'<div class="brand">{who}</div></div>'
            f'<table class="grid">{rows}</table></section>')


def client_cards_html(cards: list[dict] | dict, lang: str = "zh", *, mask_pii: bool = False,
                      title: str | None = None, embed_font: bool = True,
                      brand: Brand | None = None) -> str:
    """A standalone HTML document with one A4 brief per client (one page each when printed).

    ``mask_pii`` masks the legal representative and the credit code (also when the cards were
    built unmasked); ``embed_font`` embeds the bundled Noto Sans CJK glyphs the page uses (a
    small subset, see :mod:`crmkit.core.fonts`); ``brand`` sets colours, logo and the
    consultancy's name (:func:`crmkit.core.branding.brand_of`).
    """
    from crmkit.core.fonts import font_face_css

    check_lang(lang)
    brand = brand or Brand()
    cards = [cards] if isinstance(cards, dict) else list(cards)
    heading = title or t("diag.card.title", lang)
    body = "\n".join(_card_html(c, lang, mask_pii, brand) for c in cards)
    font = font_face_css(heading + body, "body") if embed_font else ""
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CARD_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(heading)}</title><style>{CARD_CSS}{brand.css()}{font}</style></head>"
            f"<body>\n{body}\n</body></html>\n")
