"""The texts of a portfolio as one analysed table: masked, tokenised, themed, scored.

:func:`text_table` gathers ``interactions.notes`` and ``surveys.feedback`` (dated up to as_of)
with their client, date, quarter, type, complaint category and survey scores, plus the
client's RM, industry and (when given) tier and segment. :func:`analyse_texts` masks personal
data (always, before analysis: phone and ID numbers or names never become theme terms),
tokenises, scores sentiment and assigns themes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.masking import mask_text
from crmkit.params.voice import VoiceParams
from crmkit.voice.codes import TokenCodes
from crmkit.voice.errors import VoiceError
from crmkit.voice.segment import theme_codes, tokenize_codes
from crmkit.voice.sentiment import sentiment_scores
from crmkit.voice.summary import date_order
from crmkit.voice.themes import ThemeModel, keyword_theme, load_theme_names, name_themes

__all__ = ["text_table", "analyse_texts", "VoiceAnalysis", "DOC_COLUMNS", "person_names",
           "distinct_masked", "fit_rows"]

#: Columns of :func:`text_table`.
DOC_COLUMNS = ("doc_id", "source", "client_id", "date", "quarter", "type", "complaint_category",
               "csat", "nps", "text")


def person_names(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Names of people known from the tables (legal representatives, RMs), for masking."""
    clients = tables.get("clients")
    if clients is None:
        return []
    out: list[str] = []
    for col in ("legal_rep", "relationship_manager"):
        if col in clients:
            out += clients[col].dropna().astype(str).unique().tolist()
    return out


def text_table(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
               sources: tuple[str, ...] | list[str] = ("interactions", "surveys"),
               tiers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per non-blank text dated up to ``as_of`` (columns :data:`DOC_COLUMNS` plus
    ``relationship_manager``, ``industry``, ``tier``, ``segment`` where known)."""
    end = as_timestamp(as_of)
    parts = []
    it = tables.get("interactions")
    if "interactions" in sources and it is not None and "notes" in it:
        f = pd.DataFrame({
            "doc_id": "I:" + it["interaction_id"].astype("string"), "source": "interactions",
            "client_id": it["client_id"].astype("string"), "date": it["date"],
            "type": it["type"].astype("string"),
            "complaint_category": it.get("complaint_category", pd.Series(
                pd.NA, index=it.index, dtype="string")).astype("string"),
            "csat": _numbers(None, it.index), "nps": _numbers(None, it.index),
            "text": it["notes"].astype("string")})
        parts.append(f)
    sv = tables.get("surveys")
    if "surveys" in sources and sv is not None and "feedback" in sv:
        f = pd.DataFrame({
            "doc_id": "S:" + sv["client_id"].astype("string") + ":"
                      + sv["survey_date"].dt.strftime("%Y-%m-%d").astype("string"),
            "source": "surveys", "client_id": sv["client_id"].astype("string"),
            "date": sv["survey_date"], "type": "survey",
            "complaint_category": pd.Series(pd.NA, index=sv.index, dtype="string"),
            "csat": _numbers(sv["csat"], sv.index), "nps": _numbers(sv["nps"], sv.index),
            "text": sv["feedback"].astype("string")})
        parts.append(f)
    if not parts:
        raise VoiceError("No text to analyse: give interactions with a 'notes' column or "
                         "surveys with 'feedback' (and list them under voice.sources).")
    docs = pd.concat(parts, ignore_index=True)
    docs["text"] = docs["text"].str.strip()
    keep = ((docs["text"].str.len() > 0).fillna(False)
            & (docs["date"].isna() | (docs["date"] <= end))).to_numpy(bool)
    rows = np.flatnonzero(keep)                        # filter and sort in one take
    docs = docs.take(rows[date_order(docs.iloc[rows][["date", "doc_id"]])])
    docs = docs.reset_index(drop=True)
    codes, dates = pd.factorize(docs["date"])          # each distinct date formatted once
    quarter = pd.Series(dates).dt.to_period("Q").astype("string")
    docs["quarter"] = pd.Series(quarter.array.take(codes, allow_fill=True), index=docs.index)
    docs = docs[list(DOC_COLUMNS)]
    clients = tables.get("clients")
    if clients is not None:
        info = clients.set_index("client_id")[["relationship_manager", "industry"]]
        info.index = info.index.astype("string")
        docs = docs.join(info, on="client_id")
    if tiers is not None:
        t = tiers[[c for c in ("tier", "segment") if c in tiers.columns]].copy()
        t.index = t.index.astype("string")
        docs = docs.join(t, on="client_id")
    return docs


def _numbers(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """``values`` as nullable floats (unparsable: missing); ``None``: all missing."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="Float64")
    return pd.to_numeric(values, errors="coerce").astype("Float64")


@dataclass
class VoiceAnalysis:
    """Analysed texts and the theme model."""

    docs: pd.DataFrame          #: text_table + masked text, sentiment, theme columns
    themes: pd.DataFrame        #: one row per NMF component (name, top terms, match, n_texts)
    model: ThemeModel | None    #: None when there were too few texts for themes
    token_codes: TokenCodes     #: tokens of each distinct masked text, as codes
    codes: np.ndarray           #: row of ``docs`` -> its distinct text in ``token_codes``

    @property
    def distinct_tokens(self) -> list[list[str]]:
        """Token lists of the distinct texts (built on request)."""
        return self.token_codes.lists()

    @property
    def tokens(self) -> list[list[str]]:
        """Tokens of each text of ``docs`` (built on request)."""
        lists = self.distinct_tokens
        return [lists[c] for c in self.codes]


def distinct_masked(text: pd.Series, names: list[str] | tuple[str, ...] = ()
                    ) -> tuple[pd.Series, list[str | None], np.ndarray]:
    """Masked texts, and their distinct values with each row's code into them.

    Each distinct text is masked once (masking is a function of the text); the last distinct
    entry is ``None``, the code of a missing text.
    """
    codes, uniq = pd.factorize(text.astype("string"))
    masked_u = mask_text(pd.Series(pd.array(uniq, dtype="string")), names)
    masked = pd.Series(masked_u.array.take(codes, allow_fill=True), index=text.index)
    mcodes, muniq = pd.factorize(masked_u)
    row = np.where(codes >= 0, mcodes[np.maximum(codes, 0)] if len(mcodes) else 0, len(muniq))
    return masked, [*muniq.tolist(), None], row.astype(np.intp)


def fit_rows(nonempty: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Rows the theme model is fitted on: every non-empty one, or above ``limit`` of them a
    sample of ``limit`` (fixed by ``seed``), in their original order."""
    rows = np.flatnonzero(nonempty)
    if len(rows) <= limit:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))


def analyse_texts(docs: pd.DataFrame, params: VoiceParams | None = None,
                  names: list[str] | tuple[str, ...] = (), *, mask_pii: bool = False
                  ) -> VoiceAnalysis:
    """Mask, tokenise, score and theme the texts of :func:`text_table`.

    Adds ``text_masked``, ``sentiment``, ``sentiment_raw``, ``sentiment_label``,
    ``component`` (NMF component, -1 none), ``theme`` (code from the name table),
    ``theme_name_zh``, ``theme_name_en`` and ``theme_weight``. With ``mask_pii`` the
    ``text`` column itself is replaced by the masked text. Masking, tokens and sentiment are
    computed once per distinct text; above ``params.fit_sample`` texts the theme model is
    fitted on a sample (see :class:`crmkit.params.voice.VoiceParams`).
    """
    p = params or VoiceParams()
    out = docs.copy()
    out["text_masked"], uniq, codes = distinct_masked(out["text"], names)
    if mask_pii:
        out["text"] = out["text_masked"]
    tokens = tokenize_codes(uniq, None if p.user_dict is None else str(p.user_dict))
    senti = sentiment_scores(tokens, window=p.negation_window, extra_lexicon=p.lexicon)
    out["sentiment"] = senti["sentiment"].to_numpy()[codes]
    out["sentiment_raw"] = senti["sentiment_raw"].to_numpy()[codes]
    out["sentiment_label"] = senti["label"].to_numpy()[codes]
    table = load_theme_names(p.theme_names)
    topic = theme_codes(tokens)
    nonempty = (topic.lengths > 0)[codes]
    model: ThemeModel | None = None
    if nonempty.sum() >= max(p.min_texts, p.n_themes):
        rows = codes[fit_rows(nonempty, p.fit_sample, p.seed)]
        fit_docs = _shared(topic, rows)
        model = ThemeModel(p.n_themes, p.min_df, p.max_df, p.max_features, p.seed).fit(
            fit_docs)
        del fit_docs
        comp, weight = model.assign(topic, codes, chunk=p.fit_sample)
        themes = name_themes(model, table)
        code = np.where(comp >= 0, themes["theme"].to_numpy()[comp], None)
    else:  # too few texts for a model: keyword themes from the name table
        comp, weight = np.full(len(codes), -1), np.zeros(len(codes))
        code = keyword_theme(topic.lists(), table)[codes]
        themes = table[["theme", "name_zh", "name_en", "action_zh", "action_en"]].assign(
            component=-1, match=np.nan, top_terms="")
    out["component"] = comp
    out["theme"] = pd.array(code, dtype="string")
    names_zh = dict(zip(themes["theme"], themes["name_zh"], strict=True))
    names_en = dict(zip(themes["theme"], themes["name_en"], strict=True))
    out["theme_name_zh"] = out["theme"].map(names_zh).astype("string")
    out["theme_name_en"] = out["theme"].map(names_en).astype("string")
    out["theme_weight"] = weight
    counts = out["theme"].value_counts()
    themes = themes.assign(n_texts=themes["theme"].map(counts).fillna(0).astype(int))
    return VoiceAnalysis(out, themes, model, tokens, codes)


def _shared(topic: TokenCodes, rows: np.ndarray) -> list[list[str]]:
    """Token lists of ``rows``, one list per distinct text shared by its repeats."""
    uniq, inverse = np.unique(rows, return_inverse=True)
    lists = topic.lists(uniq)
    return [lists[i] for i in inverse]
