"""The client view of the dashboard: the diagnose stage's client card, shown in a frame.

The card itself is :func:`crmkit.diagnose.client_card` with the details the diagnose stage adds
(:func:`crmkit.diagnose.card_extras.add_card_details`, the group's other members), rendered by
:func:`crmkit.diagnose.client_cards_html`, as in the stage's ``client_cards.html``; the
dashboard only puts it in a sandboxed ``<iframe srcdoc>`` (the card's styles and its
Content-Security-Policy stay inside the frame).
"""

from __future__ import annotations

import html

import pandas as pd

from crmkit.core.branding import brand_of
from crmkit.core.store import load_table, table_path
from crmkit.dashboard.data import DashboardError, RunView
from crmkit.diagnose import client_card, client_cards_html
from crmkit.diagnose.card_extras import add_card_details
from crmkit.relate import group_members
from crmkit.score.stage import load_features

__all__ = ["card_page", "card_frame"]


def card_page(view: RunView, client_id: str, lang: str, font_css: str = "") -> str:
    """The standalone HTML page of one client's card in ``view``'s run.

    ``font_css`` (an ``@font-face`` rule) replaces the card's own embedded glyph subset, so
    the dashboard embeds one font for all cards.
    """
    p = view.params
    cid = str(client_id)
    if cid not in view.diagnostic.index:
        raise DashboardError(f"client {cid!r} is not in the run of {p.as_of}")
    def table(stage: str, name: str) -> pd.DataFrame | None:
        key = f"{stage}/{name}"
        if key not in view.tables:  # read once per run, not per card
            view.tables[key] = (load_table(p, stage, name)
                                if table_path(p, stage, name).is_file() else None)
        return view.tables[key]

    if "features" not in view.tables:
        view.tables["features"] = load_features(p)
    features = view.tables["features"]
    card = client_card(cid, view.diagnostic, clients=table("collect", "clients"),
                       features=features, drivers=table("score", "drivers"),
                       alerts=view.alerts, actions=table("warn", "action_plan"), as_of=p.as_of,
                       mask_pii=p.mask_pii, params=p.diagnose)
    add_card_details([card], lang=lang, credit=table("score", "credit"),
                     facilities=table("collect", "facilities"), needs=table("collect", "needs"),
                     surveys=table("collect", "surveys"), dscr=features.get("dscr"),
                     covenant_min=p.gates.covenant_dscr_below, as_of=p.as_of)
    related = table("relate", "clients")
    if related is not None:  # "other members of this group", as the diagnose stage adds them
        if "group_members" not in view.tables:
            view.tables["group_members"] = group_members(related, lang=lang)
        card["group_members"] = view.tables["group_members"].get(cid)
    page = client_cards_html(card, lang, mask_pii=p.mask_pii, title=p.title or p.portfolio,
                             embed_font=not font_css, brand=brand_of(p))
    if font_css:
        page = page.replace("</style></head>", f"{font_css}</style></head>", 1)
    return page


def card_frame(page: str, height: int = 1150) -> str:
    """``page`` inside a sandboxed iframe (no scripts, no navigation)."""
    return (f'<iframe class="crm-card-frame" sandbox="" title="card" '
            f'style="width:100%;max-width:900px;height:{height}px;border:1px solid #d5d8dc;'
            f'border-radius:4px;background:white" srcdoc="{html.escape(page, quote=True)}">'
            "</iframe>")
