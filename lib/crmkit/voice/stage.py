"""The voice stage's runner: themes and sentiment of client texts, saved under ``voice/``.

Reads the clean tables (and the tier stage's tiers, when saved) and writes under
``<run_dir>/voice/``:

==========================  ===================================================================
``documents``               one row per text: client, date, quarter, source, theme, sentiment
                            (``text`` masked when ``mask_pii: true``; analysis always masked)
``themes``                  one row per NMF component: theme code, names, top terms, texts
``shares_by_<group>``       theme shares by tier, segment, relationship_manager, quarter
``sentiment_by_<group>``    mean sentiment and negative share by the same groups
``trend``                   per quarter and theme: texts, share, sentiment, recent slopes
``associations``            themes vs low CSAT, NPS detractors and churn, with counts
``quotes``                  recent negative example quotes per theme
``client_voice``            per client: texts, sentiment, main theme, last comments
``alert_metrics``           per client theme-alert metrics for the warning rules
==========================  ===================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from crmkit.collect import load_clean
from crmkit.core.store import load_indexed, save_table, table_path
from crmkit.params import Params
from crmkit.voice.alerts import theme_alert_metrics
from crmkit.voice.documents import VoiceAnalysis, analyse_texts, person_names, text_table
from crmkit.voice.summary import (
    client_outcomes,
    client_voice,
    example_quotes,
    sentiment_by,
    theme_associations,
    theme_shares,
    theme_trend,
)

__all__ = ["VoiceStage", "run", "GROUPS", "COLUMNS", "TEXTS"]

#: Groups the shares and sentiment are reported by.
GROUPS = ("tier", "segment", "relationship_manager", "industry", "quarter")
#: The clean-table columns the analysis reads besides the texts (tables it does not use get
#: one cheap column: ``load_clean`` reads unnamed tables whole).
COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "legal_rep", "industry", "relationship_manager"),
    "facilities": ("client_id", "status"), "repayments": ("paid_date",),
    "interactions": ("interaction_id", "client_id", "date", "type", "complaint_category"),
    "surveys": ("client_id", "survey_date", "csat", "nps"),
    "needs": ("client_id",), "financials": ("fiscal_year",), "milestones": ("planned_start",),
    "projects": ("investment",), "relationships": ("share",),
}
#: The text columns, read dictionary-encoded (one string per distinct text, not per row).
TEXTS = {"interactions": "notes", "surveys": "feedback"}
#: Columns of the saved documents table.
_SAVED = ("doc_id", "source", "client_id", "date", "quarter", "type", "complaint_category",
          "relationship_manager", "industry", "tier", "segment", "text", "theme",
          "theme_name_zh", "theme_name_en", "theme_weight", "sentiment", "sentiment_label")


@dataclass
class VoiceStage:
    """Outputs of the voice stage."""

    analysis: VoiceAnalysis
    shares: dict[str, pd.DataFrame]
    sentiment: dict[str, pd.DataFrame]
    trend: pd.DataFrame
    associations: pd.DataFrame
    quotes: pd.DataFrame
    clients: pd.DataFrame
    alert_metrics: pd.DataFrame

    @property
    def docs(self) -> pd.DataFrame:
        """The analysed texts."""
        return self.analysis.docs

    @property
    def themes(self) -> pd.DataFrame:
        """The theme table."""
        return self.analysis.themes


def _with_texts(params: Params, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with the :data:`TEXTS` columns added as categoricals, read from the clean
    Parquet files (the same rows, in order); absent files or columns are left out."""
    import pyarrow.parquet as pq

    out = dict(tables)
    for name, col in TEXTS.items():
        path, df = table_path(params, "collect", name), tables.get(name)
        if df is None or not path.is_file() or col not in pq.read_schema(path).names:
            continue
        text = pd.read_parquet(path, columns=[col], read_dictionary=[col])[col]
        if len(text) == len(df):
            out[name] = df.assign(**{col: text.array})
    return out


def run(params: Params) -> VoiceStage:
    """Analyse the portfolio's texts and save the tables listed in the module doc."""
    vp = params.voice
    tables = _with_texts(params, load_clean(params, columns=COLUMNS))
    try:
        tiers = load_indexed(params, "tier", "tiers")
    except Exception:  # noqa: BLE001 - tiers are optional context
        tiers = None
    docs = text_table(tables, params.as_of, vp.sources, tiers)
    va = analyse_texts(docs, vp, person_names(tables), mask_pii=params.mask_pii)
    d = va.docs
    groups = [g for g in GROUPS if g in d.columns]
    shares = {g: theme_shares(d, g) for g in groups}
    senti = {g: sentiment_by(d, g) for g in groups}
    trend = theme_trend(d)
    outcomes = client_outcomes(tables, vp.low_csat_max, vp.low_nps_max)
    assoc = theme_associations(d, outcomes)
    quotes = example_quotes(d, vp.quotes_per_theme)
    cv = client_voice(d)
    metrics = theme_alert_metrics(tables, params.as_of, vp, docs=d)
    stage = "voice"
    save_table(params, stage, "documents", d[[c for c in _SAVED if c in d.columns]])
    save_table(params, stage, "themes", va.themes)
    for g in groups:
        save_table(params, stage, f"shares_by_{g}", shares[g].reset_index())
        save_table(params, stage, f"sentiment_by_{g}", senti[g].reset_index())
    save_table(params, stage, "trend", trend)
    save_table(params, stage, "associations", assoc)
    save_table(params, stage, "quotes", quotes)
    save_table(params, stage, "client_voice", cv.assign(last_comments=cv["last_comments"].map(
        lambda x: json.dumps(x, ensure_ascii=False))).reset_index())
    save_table(params, stage, "alert_metrics", metrics.reset_index())
    return VoiceStage(va, shares, senti, trend, assoc, quotes, cv, metrics)
