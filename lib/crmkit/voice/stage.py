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
``client_voice``            per client: texts, sentiment, main theme, last comments (JSON)
``alert_metrics``           per client theme-alert metrics for the warning rules
==========================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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

__all__ = ["VoiceStage", "run", "GROUPS", "COLUMNS", "OWN"]

#: Groups the shares and sentiment are reported by.
GROUPS = ("tier", "segment", "relationship_manager", "industry", "quarter")
#: The clean tables and columns the analysis reads through ``load_clean`` (those the diagnose
#: stage reads too; ``load_clean`` keeps what it read for the process). No other table is read.
COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "legal_rep", "industry", "relationship_manager"),
    "facilities": ("client_id", "status"), "interactions": ("client_id", "date", "type"),
    "surveys": ("client_id", "survey_date", "csat", "nps"),
}
#: Columns only this analysis reads: straight from the clean Parquet files, released when it
#: ends (the texts dictionary-encoded: one string per distinct text, not per row).
OWN: dict[str, tuple[str, ...]] = {
    "interactions": ("interaction_id", "complaint_category", "notes"), "surveys": ("feedback",)}
TEXTS = ("notes", "feedback")
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
    clients: pd.DataFrame           #: client_voice; last_comments as JSON text
    alert_metrics: pd.DataFrame
    documents: Path | None = None   #: the saved ``documents`` table

    @property
    def docs(self) -> pd.DataFrame:
        """The analysed texts (read back from ``documents`` when the run did not keep them)."""
        if self.analysis.docs is None and self.documents is not None:
            return pd.read_parquet(self.documents)
        return self.analysis.docs

    @property
    def themes(self) -> pd.DataFrame:
        """The theme table."""
        return self.analysis.themes


def _with_own(params: Params, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with the :data:`OWN` columns, read from the clean Parquet files (the same
    rows, in order), or through ``load_clean`` when a file does not line up."""
    import pyarrow.parquet as pq

    out = dict(tables)
    for name, cols in OWN.items():
        path, df = table_path(params, "collect", name), tables[name]
        if path.is_file() and set(cols) <= set(pq.read_schema(path).names):
            texts = [c for c in cols if c in TEXTS]
            got = pd.read_parquet(path, columns=list(cols), read_dictionary=texts)
            if len(got) == len(df):
                out[name] = df.assign(**{c: got[c].array for c in cols})
                continue
        out[name] = load_clean(params, columns={name: (*COLUMNS[name], *cols)},
                               only=[name])[name]
    return out


def _complaints(interactions: pd.DataFrame) -> pd.DataFrame:
    """The complaints of ``interactions`` (all the alert metrics read), or all of it when it
    has none; the text analysis is done with the rest."""
    is_c = interactions["type"].astype("string").eq("complaint").to_numpy(dtype=bool,
                                                                         na_value=False)
    return interactions.loc[is_c] if is_c.any() else interactions


def run(params: Params, *, keep_docs: bool = True) -> VoiceStage:
    """Analyse the portfolio's texts and save the tables listed in the module doc.

    ``keep_docs=False``: the analysed texts (a row per text: 13 million for a million
    clients) and the clients' last comments are not kept in memory once saved
    (:attr:`VoiceStage.docs` reads the texts back; the comments are in ``client_voice``).
    """
    vp = params.voice
    tables = _with_own(params, load_clean(params, columns=COLUMNS, only=COLUMNS))
    try:
        tiers = load_indexed(params, "tier", "tiers")
    except Exception:  # noqa: BLE001 - tiers are optional context
        tiers = None
    docs = text_table(tables, params.as_of, vp.sources, tiers)
    va = analyse_texts(docs, vp, person_names(tables), mask_pii=params.mask_pii)
    del docs
    d = va.docs
    if not keep_docs:                       # only the columns the tables below use
        d, va.docs = d[[c for c in _SAVED if c in d.columns]], None
    tables["interactions"] = _complaints(tables["interactions"])
    groups = [g for g in GROUPS if g in d.columns]
    shares = {g: theme_shares(d, g) for g in groups}
    senti = {g: sentiment_by(d, g) for g in groups}
    trend = theme_trend(d)
    outcomes = client_outcomes(tables, vp.low_csat_max, vp.low_nps_max)
    assoc = theme_associations(d, outcomes)
    quotes = example_quotes(d, vp.quotes_per_theme)
    cv = client_voice(d, as_json=True)
    metrics = theme_alert_metrics(tables, params.as_of, vp, docs=d)
    stage = "voice"
    documents = save_table(params, stage, "documents", d[[c for c in _SAVED if c in d.columns]])
    save_table(params, stage, "themes", va.themes)
    for g in groups:
        save_table(params, stage, f"shares_by_{g}", shares[g].reset_index())
        save_table(params, stage, f"sentiment_by_{g}", senti[g].reset_index())
    save_table(params, stage, "trend", trend)
    save_table(params, stage, "associations", assoc)
    save_table(params, stage, "quotes", quotes)
    save_table(params, stage, "client_voice", cv.reset_index())
    save_table(params, stage, "alert_metrics", metrics.reset_index())
    if not keep_docs:
        cv = cv.drop(columns="last_comments")
    return VoiceStage(va, shares, senti, trend, assoc, quotes, cv, metrics, documents)
