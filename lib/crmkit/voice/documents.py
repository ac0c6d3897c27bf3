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
from pandas.api.types import union_categoricals

from crmkit.core.dates import as_timestamp
from crmkit.core.masking import mask_text
from crmkit.params.voice import VoiceParams
from crmkit.voice.codes import TokenCodes
from crmkit.voice.errors import VoiceError
from crmkit.voice.segment import theme_codes, tokenize_codes
from crmkit.voice.sentiment import sentiment_scores
from crmkit.voice.summary import date_order
from crmkit.voice.themes import ThemeModel, keyword_theme, load_theme_names, name_themes

__all__ = ["text_table", "analyse_texts", "VoiceAnalysis", "DOC_COLUMNS", "PERSON_COLUMNS",
           "person_names", "distinct_masked", "fit_rows"]

#: Columns of :func:`text_table`.
DOC_COLUMNS = ("doc_id", "source", "client_id", "date", "quarter", "type", "complaint_category",
               "csat", "nps", "text")


#: The client columns that name people (what :func:`person_names` reads).
PERSON_COLUMNS = ("legal_rep", "relationship_manager")


def person_names(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Names of people known from the tables (legal representatives, RMs), for masking."""
    clients = tables.get("clients")
    if clients is None:
        return []
    out: list[str] = []
    for col in PERSON_COLUMNS:
        if col in clients:
            out += clients[col].dropna().astype(str).unique().tolist()
    return out


def text_table(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
               sources: tuple[str, ...] | list[str] = ("interactions", "surveys"),
               tiers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per non-blank text dated up to ``as_of`` (columns :data:`DOC_COLUMNS` plus
    ``relationship_manager``, ``industry``, ``tier``, ``segment`` where known), in date order.

    Compact: ``text`` (stripped), ``source``, ``type`` and the client's groups are
    categoricals (a million clients write about 13 million notes, most of them from a few
    hundred thousand distinct texts), ``doc_id``, ``client_id`` and ``quarter`` strings.
    """
    end = as_timestamp(as_of)
    it, sv = tables.get("interactions"), tables.get("surveys")
    use_it = "interactions" in sources and it is not None and "notes" in it
    use_sv = "surveys" in sources and sv is not None and "feedback" in sv
    if not (use_it or use_sv):
        raise VoiceError("No text to analyse: give interactions with a 'notes' column or "
                         "surveys with 'feedback' (and list them under voice.sources).")
    codes, texts = _distinct_texts(([it["notes"]] if use_it else [])
                                   + ([sv["feedback"]] if use_sv else []))
    cols: dict[str, list] = {c: [] for c in DOC_COLUMNS}   # per column: one piece a source
    if use_it:
        code = codes.pop(0)
        rows = np.flatnonzero((code >= 0) & _until(it["date"], end))
        n = len(rows)
        cols["doc_id"].append(lambda: "I:" + it["interaction_id"].iloc[rows].astype("string"))
        cols["source"].append(lambda: _one(n, "interactions"))
        cols["client_id"].append(lambda: it["client_id"].iloc[rows].astype("string"))
        cols["date"].append(lambda: it["date"].iloc[rows])
        cols["type"].append(lambda: it["type"].iloc[rows].astype("string").astype("category"))
        cols["complaint_category"].append(lambda: (
            it["complaint_category"].iloc[rows].astype("string") if "complaint_category" in it
            else pd.Series(pd.NA, index=range(n), dtype="string")))
        cols["csat"].append(lambda: _numbers(None, pd.RangeIndex(n)))
        cols["nps"].append(lambda: _numbers(None, pd.RangeIndex(n)))
        cols["text"].append(lambda: code[rows])
    if use_sv:
        scode = codes.pop(0)
        srows = np.flatnonzero((scode >= 0) & _until(sv["survey_date"], end))
        m = len(srows)
        cols["doc_id"].append(lambda: "S:" + sv["client_id"].iloc[srows].astype("string") + ":"
                              + sv["survey_date"].iloc[srows].dt.strftime("%Y-%m-%d")
                              .astype("string"))
        cols["source"].append(lambda: _one(m, "surveys"))
        cols["client_id"].append(lambda: sv["client_id"].iloc[srows].astype("string"))
        cols["date"].append(lambda: sv["survey_date"].iloc[srows])
        cols["type"].append(lambda: _one(m, "survey"))
        cols["complaint_category"].append(
            lambda: pd.Series(pd.NA, index=range(m), dtype="string"))
        cols["csat"].append(lambda: _numbers(sv["csat"].iloc[srows], pd.RangeIndex(m)))
        cols["nps"].append(lambda: _numbers(sv["nps"].iloc[srows], pd.RangeIndex(m)))
        cols["text"].append(lambda: scode[srows])

    def column(name: str) -> pd.Series:             # one column at a time, built in order
        got = [p() for p in cols[name]]
        if isinstance(got[0], np.ndarray):
            return pd.Series(np.concatenate(got))
        if isinstance(got[0], pd.Categorical) or isinstance(got[0].dtype, pd.CategoricalDtype):
            return pd.Series(union_categoricals([pd.Categorical(g) for g in got]))
        return pd.concat([pd.Series(g.array) for g in got], ignore_index=True)

    key = pd.DataFrame({"date": column("date"), "doc_id": column("doc_id")})
    order = date_order(key)
    docs = pd.DataFrame({c: (key[c] if c in key else column(c)).take(order).reset_index(
        drop=True) for c in DOC_COLUMNS if c != "quarter"})
    del key
    docs["text"] = pd.Categorical.from_codes(docs["text"].to_numpy(), categories=texts
                                             ).remove_unused_categories()
    codes_q, dates = pd.factorize(docs["date"])        # each distinct date formatted once
    quarter = pd.Series(dates).dt.to_period("Q").astype("string")
    docs["quarter"] = pd.Series(quarter.array.take(codes_q, allow_fill=True), index=docs.index)
    docs = docs[list(DOC_COLUMNS)]
    clients = tables.get("clients")
    who = pd.factorize(docs["client_id"])              # each client looked up once
    if clients is not None:
        info = clients.set_index("client_id")[["relationship_manager", "industry"]]
        info.index = info.index.astype("string")
        docs = _join(docs, info, who)
    if tiers is not None:
        t = tiers[[c for c in ("tier", "segment") if c in tiers.columns]].copy()
        t.index = t.index.astype("string")
        docs = _join(docs, t, who)
    return docs


def _one(n: int, value: str) -> pd.Categorical:
    """``n`` times ``value``, as a categorical."""
    return pd.Categorical.from_codes(np.zeros(n, np.int8),
                                     categories=pd.Index([value], dtype="string"))


def _join(docs: pd.DataFrame, info: pd.DataFrame,
          who: tuple[np.ndarray, pd.Index]) -> pd.DataFrame:
    """``docs.join(info, on="client_id")`` with ``info``'s columns as categoricals (a join
    copies every column of the docs); ``who``: ``pd.factorize(docs["client_id"])``."""
    if not info.index.is_unique:
        return docs.join(info.astype("category"), on="client_id")
    codes, ids = who
    pos = np.append(info.index.get_indexer(ids), -1)[codes]   # a missing id: code -1
    for col in info.columns:
        cat = info[col].astype("category")
        codes = np.asarray(cat.cat.codes)
        docs[col] = pd.Categorical.from_codes(np.where(pos >= 0, codes[pos], -1),
                                              dtype=cat.dtype)
    return docs


def _until(dates: pd.Series, end: pd.Timestamp) -> np.ndarray:
    """Rows dated up to ``end`` or undated."""
    return (dates.isna() | (dates <= end)).to_numpy(dtype=bool, na_value=False)


def _distinct_texts(columns: list[pd.Series]) -> tuple[list[np.ndarray], pd.Index]:
    """Each row's code into the distinct stripped texts of ``columns`` (strings or
    categoricals; -1: missing or blank after stripping), one array per column, and those
    texts; each distinct text is stripped once."""
    parts = [(np.asarray(c.cat.codes), c.cat.categories)
             if isinstance(c.dtype, pd.CategoricalDtype) else pd.factorize(c)
             for c in columns]
    uniq = pd.concat([pd.Series(u, dtype="string") for _, u in parts],
                     ignore_index=True).str.strip()
    code, texts = pd.factorize(uniq)
    code = np.where((uniq.str.len() > 0).to_numpy(dtype=bool, na_value=False), code, -1)
    out, start = [], 0
    for c, u in parts:
        local = np.append(code[start:start + len(u)], -1)  # missing rows: code -1 -> -1
        out.append(local[c].astype(np.int32))
        start += len(u)
    return out, pd.Index(texts, dtype="string")


def _numbers(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """``values`` as nullable floats (unparsable: missing); ``None``: all missing."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="Float64")
    return pd.to_numeric(values, errors="coerce").astype("Float64")


@dataclass
class VoiceAnalysis:
    """Analysed texts and the theme model."""

    docs: pd.DataFrame | None   #: text_table + masked text, sentiment, theme columns
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

    Each distinct text is masked once (masking is a function of the text), in the order the
    texts first appear; the last distinct entry is ``None``, the code of a missing text. A
    categorical ``text`` gives a categorical result (no string per row).
    """
    if isinstance(text.dtype, pd.CategoricalDtype):
        cat = np.asarray(text.cat.codes)
        codes = np.full(len(cat), -1, np.intp)
        have = cat >= 0
        codes[have], first = pd.factorize(cat[have])  # first appearance, as factorize does
        uniq = pd.array(text.cat.categories.take(first), dtype="string")
    else:
        codes, uniq = pd.factorize(text.astype("string"))
    masked_u = mask_text(pd.Series(pd.array(uniq, dtype="string")), names)
    mcodes, muniq = pd.factorize(masked_u)
    row = np.where(codes >= 0, mcodes[np.maximum(codes, 0)] if len(mcodes) else 0, len(muniq))
    if isinstance(text.dtype, pd.CategoricalDtype):
        masked = pd.Series(pd.Categorical.from_codes(
            np.where(codes >= 0, row, -1), categories=pd.Index(muniq, dtype="string")),
            index=text.index)
    else:
        masked = pd.Series(masked_u.array.take(codes, allow_fill=True), index=text.index)
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
    out = docs.copy(deep=False)                       # new columns only: the input stays
    compact = isinstance(out["text"].dtype, pd.CategoricalDtype)
    out["text_masked"], uniq, codes = distinct_masked(out["text"], names)
    if mask_pii:
        out["text"] = out["text_masked"]
    tokens = tokenize_codes(uniq, None if p.user_dict is None else str(p.user_dict))
    senti = sentiment_scores(tokens, window=p.negation_window, extra_lexicon=p.lexicon)
    out["sentiment"] = senti["sentiment"].to_numpy()[codes]
    out["sentiment_raw"] = senti["sentiment_raw"].to_numpy()[codes]
    label = senti["label"].to_numpy()
    out["sentiment_label"] = (_categorical(label, codes) if compact else label[codes])
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
        theme = pd.array(themes["theme"].to_numpy(), dtype="string").take(
            comp, allow_fill=True)
    else:  # too few texts for a model: keyword themes from the name table
        comp, weight = np.full(len(codes), -1), np.zeros(len(codes))
        theme = pd.array(keyword_theme(topic.lists(), table), dtype="string").take(
            codes, allow_fill=True)
        themes = table[["theme", "name_zh", "name_en", "action_zh", "action_en"]].assign(
            component=-1, match=np.nan, top_terms="")
    out["component"] = comp
    out["theme"] = theme
    tcode, tuniq = pd.factorize(out["theme"])          # each theme named once
    for lang in ("zh", "en"):
        named = dict(zip(themes["theme"], themes[f"name_{lang}"], strict=True))
        per = np.array([named.get(t) for t in tuniq] + [None], dtype=object)
        out[f"theme_name_{lang}"] = (_categorical(per, tcode) if compact else
                                     pd.array(per[tcode], dtype="string"))
    out["theme_weight"] = weight
    counts = out["theme"].value_counts()
    themes = themes.assign(n_texts=themes["theme"].map(counts).fillna(0).astype(int))
    return VoiceAnalysis(out, themes, model, tokens, codes)


def _categorical(values: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` (an object array, ``None`` missing) as a categorical."""
    vc, vu = pd.factorize(values)
    return pd.Categorical.from_codes(vc[codes], categories=pd.Index(vu, dtype="string"))


def _shared(topic: TokenCodes, rows: np.ndarray) -> list[list[str]]:
    """Token lists of ``rows``, one list per distinct text shared by its repeats."""
    uniq, inverse = np.unique(rows, return_inverse=True)
    lists = topic.lists(uniq)
    return [lists[i] for i in inverse]
