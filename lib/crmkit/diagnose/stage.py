"""The diagnose stage runner: relationship metrics, CLV, the diagnostic table, client cards.

Reads the score, tier and warn tables of this run and writes under ``<run_dir>/diagnose/``:
``diagnostic``, ``segments``, ``next_actions``, ``retention``, ``kpis.json``,
``client_cards.html``. (The Excel workbook of these tables is written by the report stage.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crmkit.collect.tables import load_clean
from crmkit.core.branding import brand_of
from crmkit.core.memory import release_memory
from crmkit.core.store import atomic_write, load_indexed, load_table, save_table, table_path
from crmkit.diagnose.card_extras import add_card_details
from crmkit.diagnose.cards import client_cards
from crmkit.diagnose.cards_html import client_cards_html
from crmkit.diagnose.clv import risk_adjusted_clv
from crmkit.diagnose.metrics import nps, portfolio_kpis
from crmkit.diagnose.retention import retention_by_cohort
from crmkit.diagnose.strategies import load_strategies, strategy_path
from crmkit.diagnose.table import diagnostic_table, next_actions, segment_summary
from crmkit.params import Params
from crmkit.plan.store import list_plans, plan_notes
from crmkit.relate import group_members
from crmkit.score.stage import load_features
from crmkit.voice import VoiceStage
from crmkit.voice import run as voice_run

__all__ = ["DiagnoseStage", "run", "COLUMNS"]

#: The clean tables and columns this stage (and the voice analysis it runs) reads; no other
#: table is read (at a million clients the unused columns alone are gigabytes).
COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "client_name", "legal_rep", "credit_code", "industry", "region",
                "lifecycle_stage", "relationship_manager", "onboarding_date", "group_name"),
    "facilities": ("facility_id", "client_id", "product", "amount", "outstanding",
                   "start_date", "maturity_date", "interest_rate", "fees", "collateral_type",
                   "status"),
    "repayments": ("facility_id", "paid_date"),
    "interactions": ("interaction_id", "client_id", "date", "type", "resolved",
                     "resolved_date", "complaint_category"),
    "surveys": ("client_id", "survey_date", "csat", "nps"),
    "needs": ("client_id", "request_date", "need_type", "requested_amount", "fulfilled"),
}

@dataclass
class DiagnoseStage:
    """Outputs of the diagnose stage."""

    tables: dict[str, pd.DataFrame]
    features: pd.DataFrame
    diagnostic: pd.DataFrame
    segments: pd.DataFrame
    actions: pd.DataFrame
    kpis: pd.Series
    retention: pd.DataFrame
    nps_by_segment: pd.DataFrame
    alerts: pd.DataFrame
    plan: pd.DataFrame
    cards_html: Path
    voice: VoiceStage | None = None


def _saved_plans(params: Params, lang: str) -> dict[str, str]:
    """Client id -> its saved financing plans, one line each (``crmkit.plan``)."""
    listed = list_plans(params)
    return {cid: "\n".join(plan_notes(params, cid, lang, listed))
            for cid in listed["client_id"].astype(str).unique()}


def _card_groups(per_client: pd.DataFrame, cards: list[dict]) -> pd.DataFrame:
    """The rows of ``per_client`` (relate's ``clients``) in the groups of the carded clients:
    all :func:`group_members` needs for the cards (not every group of the portfolio)."""
    ids = {str(card["client_id"]) for card in cards}
    own = per_client["client_id"].astype("string").isin(ids).to_numpy(dtype=bool,
                                                                      na_value=False)
    gids = per_client.loc[own, "group_id"].dropna().unique()
    return per_client.loc[per_client["group_id"].isin(gids).to_numpy(dtype=bool,
                                                                      na_value=False)]


def _card_comments(params: Params, voice: VoiceStage, ids: list[str]) -> dict[str, list]:
    """Client id -> its last comments, for the carded clients ``ids``: from the voice stage's
    saved ``client_voice`` table when the run kept only its summaries in memory."""
    if "last_comments" in voice.clients:
        col = voice.clients["last_comments"]
        got = {cid: col.get(cid) for cid in ids}
    elif ids and table_path(params, "voice", "client_voice").is_file():
        t = pd.read_parquet(table_path(params, "voice", "client_voice"),
                            columns=["client_id", "last_comments"],
                            filters=[("client_id", "in", ids)])
        got = dict(zip(t["client_id"].astype(str), t["last_comments"], strict=True))
    else:
        got = {}
    return {cid: (json.loads(v) if isinstance(v, str)          # the JSON text as saved
                  else list(v) if isinstance(v, list | tuple) else []) for cid, v in got.items()}


def _diagnostic(params: Params, tables: dict[str, pd.DataFrame], features: pd.DataFrame
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The diagnostic table, the CLV and the alerts (the score, tier and warn tables it reads
    are released on return)."""
    dp = params.diagnose
    scores = load_indexed(params, "score", "scores")
    credit = load_indexed(params, "score", "credit")
    tiers = load_indexed(params, "tier", "tiers")
    alerts = load_table(params, "warn", "alerts")
    churn = load_indexed(params, "warn", "churn")["churn_probability"]
    clv = risk_adjusted_clv(tables.get("facilities"), credit["pd"], churn, dp,
                            as_of=params.as_of, index=features.index)
    strategies = load_strategies(strategy_path(params))
    stages = load_table(params, "warn", "stages")
    potential = (load_indexed(params, "needs", "high_potential")  # growth behind the gates
                 if table_path(params, "needs", "high_potential").is_file() else None)
    diag = diagnostic_table(features, scores=scores, tiers=tiers, segments=tiers, pd_=credit,
                            risk=tiers, alerts=alerts, churn=churn, clv=clv,
                            strategies=strategies, params=dp, stages=stages,
                            gates=params.gates, potential=potential)
    ecl = load_table(params, "warn", "ecl")
    diag["ecl"] = (ecl.groupby(ecl["client_id"].astype("string"))["ecl"].sum()
                   .reindex(diag.index.astype("string")).to_numpy())
    return diag, clv, alerts


def run(params: Params) -> DiagnoseStage:
    """Compute and save the diagnose stage (see module doc).

    The voice analysis runs first and keeps only its summaries (its row-per-text table is
    saved, not held): at a million clients that table and the clean tables together would
    not fit the memory the rest of the stage needs.
    """
    lang, dp = params.language, params.diagnose
    voice = voice_run(params, keep_docs=False)
    release_memory()
    tables = load_clean(params, columns=COLUMNS, only=COLUMNS)
    features = load_features(params)
    diag, clv, alerts = _diagnostic(params, tables, features)
    segments = segment_summary(diag, by="segment", params=dp)
    actions = next_actions(diag, alerts, n=dp.next_actions_n, params=dp)
    saved = _saved_plans(params, lang)
    actions["saved_plan"] = pd.array([saved.get(str(c)) for c in actions.index], dtype="string")
    kpis = portfolio_kpis(tables, params.as_of, features=features, clv=clv, alerts=alerts,
                          params=dp)
    retention = retention_by_cohort(tables, params.as_of, params=dp)
    nps_seg = nps(tables["surveys"], by=diag["segment"], as_of=params.as_of, params=dp)
    save_table(params, "diagnose", "diagnostic", diag.reset_index())
    save_table(params, "diagnose", "segments", segments.reset_index())
    save_table(params, "diagnose", "next_actions", actions.reset_index())
    save_table(params, "diagnose", "retention", retention.reset_index())
    folder = params.stage_dir("diagnose")
    kjson = json.dumps({k: (None if pd.isna(v) else v) for k, v in kpis.items()},
                       ensure_ascii=False, indent=2, default=float)
    atomic_write(folder / "kpis.json", lambda tmp: tmp.write_text(kjson, encoding="utf-8"))
    plan = load_table(params, "warn", "action_plan")
    cards = client_cards(diag, clients=tables["clients"], features=features,
                         drivers=load_table(params, "score", "drivers"), alerts=alerts,
                         actions=plan, as_of=params.as_of, mask_pii=params.mask_pii, params=dp)
    comments = _card_comments(params, voice, [str(card["client_id"]) for card in cards])
    for card in cards:
        cid = str(card["client_id"])
        card["plans"] = saved[cid].split("\n") if saved.get(cid) else []
        card["comments"] = comments.get(cid, [])
    add_card_details(cards, lang=lang, credit=load_table(params, "score", "credit"),
                     facilities=tables.get("facilities"), needs=tables.get("needs"),
                     surveys=tables.get("surveys"), dscr=features.get("dscr"),
                     covenant_min=params.gates.covenant_dscr_below,
                     as_of=params.as_of)
    if table_path(params, "relate", "clients").is_file():  # "other members of this group"
        members = group_members(_card_groups(load_table(params, "relate", "clients"), cards),
                                lang=lang)
        for card in cards:
            card["group_members"] = members.get(str(card["client_id"]))
    page = client_cards_html(cards, lang, mask_pii=params.mask_pii,
                             title=params.title or params.portfolio, brand=brand_of(params))
    cards_html = atomic_write(folder / "client_cards.html",
                              lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return DiagnoseStage(tables, features, diag, segments, actions, kpis, retention, nps_seg,
                         alerts, plan, cards_html, voice)
