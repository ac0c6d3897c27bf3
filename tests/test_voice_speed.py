"""The vectorised voice paths give the results of the per-row / per-group code they replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.params.voice import VoiceParams
from crmkit.sample.texts import labelled_texts
from crmkit.voice import analyse_texts, client_voice, nmi, theme_tokens
from crmkit.voice.documents import fit_rows


def _client_voice_reference(docs: pd.DataFrame, n_last: int = 3) -> pd.DataFrame:
    """client_voice as it was: a Python function per client group (groupby.apply)."""
    d = docs.sort_values(["date", "doc_id"], ascending=False)
    g = d.groupby("client_id")
    out = pd.DataFrame({"n_texts": g.size(), "sentiment": g["sentiment"].mean(),
                        "negative_share": g["sentiment_label"].apply(
                            lambda s: float((s == "negative").mean())),
                        "main_theme": g["theme"].agg(
                            lambda s: s.value_counts().index[0] if s.notna().any() else pd.NA)})
    last = d.groupby("client_id").head(n_last)
    out["last_comments"] = last.groupby("client_id").apply(
        lambda x: [{"date": None if pd.isna(r.date) else r.date.date().isoformat(),
                    "text": r.text, "theme": None if pd.isna(r.theme) else r.theme,
                    "sentiment": r.sentiment_label} for r in x.itertuples()],
        include_groups=False)
    return out


_LABELS = ["negative", "neutral", "positive"]


@st.composite
def _docs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 60))
    clients = draw(st.lists(st.sampled_from(["c1", "c2", "c3", "c4", None]),
                            min_size=n, max_size=n))
    if all(c is None for c in clients):
        clients[0] = "c1"
    days = draw(st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=n, max_size=n))
    themes = draw(st.lists(st.sampled_from(["price", "speed", "staff", None]),
                           min_size=n, max_size=n))
    labels = draw(st.lists(st.sampled_from(_LABELS), min_size=n, max_size=n))
    senti = draw(st.lists(st.floats(-0.9, 0.9), min_size=n, max_size=n))
    date = pd.to_datetime([None if x is None else pd.Timestamp("2024-01-01")
                           + pd.Timedelta(days=x) for x in days])
    return pd.DataFrame({
        "doc_id": pd.array([f"I:{i:03d}" for i in range(n)], dtype="string"),
        "client_id": pd.array(clients, dtype="string"), "date": date,
        "text": pd.array([f"note {i}" for i in range(n)], dtype="string"),
        "theme": pd.array(themes, dtype="string"), "sentiment": senti,
        "sentiment_label": pd.array(labels, dtype="str")})


@settings(max_examples=150, deadline=None)
@given(_docs(), st.integers(1, 4))
def test_client_voice_equals_per_group_reference(docs, n_last):
    got = client_voice(docs, n_last)
    ref = _client_voice_reference(docs, n_last)
    assert list(got.index) == list(ref.index)
    assert list(got.columns) == list(ref.columns)
    for col in ("n_texts", "sentiment", "negative_share"):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[col].to_numpy(float))
    assert [None if pd.isna(x) else x for x in got["main_theme"]] == \
        [None if pd.isna(x) else x for x in ref["main_theme"]]
    assert got["last_comments"].tolist() == ref["last_comments"].tolist()


def test_fit_rows_respects_the_threshold():
    nonempty = np.arange(5000) % 7 != 0
    every = fit_rows(nonempty, 5000, seed=7)
    assert np.array_equal(every, np.flatnonzero(nonempty))      # at or below: every text
    some = fit_rows(nonempty, 1000, seed=7)
    assert len(some) == 1000 and np.all(np.diff(some) > 0) and nonempty[some].all()
    assert np.array_equal(some, fit_rows(nonempty, 1000, seed=7))  # fixed by the seed


@pytest.fixture(scope="module")
def labelled():
    d = labelled_texts(4000, 3)
    docs = pd.DataFrame({"text": pd.array(d["text"], dtype="string")})
    return d, docs, analyse_texts(docs, VoiceParams(min_texts=1))


def test_below_the_sample_size_results_are_unchanged(labelled):
    _, docs, full = labelled
    at = analyse_texts(docs, VoiceParams(min_texts=1, fit_sample=len(docs)))
    pd.testing.assert_frame_equal(at.docs, full.docs)
    pd.testing.assert_frame_equal(at.themes, full.themes)
    assert at.tokens == [full.distinct_tokens[c] for c in full.codes]


def test_themes_fitted_on_a_sample_agree_with_the_full_fit(labelled):
    d, docs, full = labelled
    samp = analyse_texts(docs, VoiceParams(min_texts=1, fit_sample=1200))
    assert set(samp.themes["theme"]) == set(full.themes["theme"])   # same named themes
    for code in set(full.themes["theme"]):                         # sharing top keywords
        top = {t for s in full.themes.loc[full.themes["theme"] == code, "top_terms"]
               for t in s.split()[:5]}
        got = {t for s in samp.themes.loc[samp.themes["theme"] == code, "top_terms"]
               for t in s.split()[:5]}
        assert top & got, code
    a, b = full.docs["theme"].fillna("-"), samp.docs["theme"].fillna("-")
    assert (a == b).mean() >= 0.75            # 0.80 on this case
    assert nmi(d["theme"], b) >= nmi(d["theme"], a) - 0.05


def test_chunked_assignment_agrees_with_one_block(labelled):
    _, _, full = labelled
    topic = theme_tokens(full.distinct_tokens)
    one = full.model.assign(topic, full.codes)
    chunked = full.model.assign(topic, full.codes, chunk=500)
    assert (one[0] == chunked[0]).mean() >= 0.99
    np.testing.assert_allclose(one[1], chunked[1], atol=0.05)


def _score_reference(tokens, lex, window):
    """One text's sentiment as it was scored: a Python loop over its tokens."""
    from crmkit.voice.sentiment import BOUNDARIES, CONTRASTS, INTENSIFIERS, NEGATORS

    total, n_pos, n_neg, boost = 0.0, 0, 0, 1.0
    for i, tok in enumerate(tokens):
        if tok in CONTRASTS:
            boost = 1.5
            continue
        w = lex.get(tok)
        if w is None:
            continue
        for j in range(i - 1, max(i - 1 - window, -1), -1):
            if tokens[j] in BOUNDARIES:
                break
            if tokens[j] in NEGATORS:
                w = -w
                break
        if i and tokens[i - 1] in INTENSIFIERS:
            w *= 1.5
        w *= boost
        total += w
        n_pos += w > 0
        n_neg += w < 0
    return total, n_pos, n_neg


_WORDS = ["满意", "慢", "很", "不", "没有", "但是", "，", "。", "审批", "利率", "good", "not",
          "very", "but", "贵", "及时", "x"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=12), max_size=8),
       st.integers(0, 5))
def test_vectorised_sentiment_equals_the_token_loop(docs, window):
    from crmkit.voice.sentiment import lexicon, sentiment_scores

    got = sentiment_scores(docs, window=window)
    ref = [_score_reference(d, lexicon(), window) for d in docs]
    assert got["sentiment_raw"].tolist() == [r[0] for r in ref]
    assert got["n_positive"].tolist() == [r[1] for r in ref]
    assert got["n_negative"].tolist() == [r[2] for r in ref]


def test_codes_give_the_lists_tokens_and_tfidf(labelled):
    from crmkit.voice.codes import TokenCodes
    from crmkit.voice.segment import theme_codes

    _, _, full = labelled
    lists = full.distinct_tokens
    assert TokenCodes.from_lists(lists).lists() == lists
    topic = theme_codes(full.token_codes)
    assert topic.lists() == theme_tokens(lists)
    a = full.model.tfidf(topic)
    b = full.model.vectorizer_.transform(theme_tokens(lists))
    assert (a != b).nnz == 0 and np.array_equal(a.indices, b.indices)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["授信额度", "放款", "很", "不满意", "审批", "慢", "，", "。",
                                 " ", "\r\n", "Mr.", "Wang", "ok", "3.5%", "-", "!", "贷后管理",
                                 "利率"]), max_size=15))
def test_cut_by_blocks_equals_jieba_on_the_whole_text(parts):
    from crmkit.voice.segment import _KEEP, BOUNDARIES, segmenter

    seg = segmenter()
    text = "".join(parts)
    whole = [t.strip() for t in seg._tk.lcut(text.lower(), HMM=False)]
    assert seg.tokens(text) == [t for t in whole if t in BOUNDARIES or _KEEP.match(t)]


def _associations_reference(docs, outcomes):
    """theme_associations as it was: Index.isin and reindex per theme and outcome."""
    neg = docs.loc[(docs["sentiment_label"] == "negative") & docs["theme"].notna()]
    speakers = pd.Index(docs["client_id"].dropna().unique())
    rows = []
    for theme, grp in neg.groupby("theme"):
        mention = speakers.isin(grp["client_id"].unique())
        for outcome in ("low_csat", "detractor", "churned"):
            y = outcomes[outcome].reindex(speakers)
            known, yv = y.notna().to_numpy(), y.fillna(False).to_numpy(bool)
            a, b = int((mention & known & yv).sum()), int((mention & known & ~yv).sum())
            c, d = int((~mention & known & yv).sum()), int((~mention & known & ~yv).sum())
            if a + b and c + d:
                rows.append((theme, outcome, a, b, c, d))
    return rows


@settings(max_examples=100, deadline=None)
@given(_docs(), st.lists(st.sampled_from([True, False, None]), min_size=15, max_size=15))
def test_associations_equal_the_per_theme_reference(docs, flags):
    from crmkit.voice import theme_associations

    idx = pd.Index(["c1", "c2", "c3", "c4", "c9"], dtype="string", name="client_id")
    outcomes = pd.DataFrame({k: pd.array(flags[i * 5:(i + 1) * 5], dtype="boolean")
                             for i, k in enumerate(("low_csat", "detractor", "churned"))},
                            index=idx)
    got = theme_associations(docs, outcomes)
    ref = _associations_reference(docs, outcomes)
    assert [(r.theme, r.outcome, r.events_with, r.n_with - r.events_with, r.events_without,
             r.n_without - r.events_without) for r in got.itertuples()] == ref


@settings(max_examples=150, deadline=None)
@given(_docs(), st.booleans(), st.lists(st.integers(0, 5), min_size=60, max_size=60))
def test_date_order_equals_sort_values(docs, ascending, ids):
    from crmkit.voice.summary import date_order

    docs = docs.assign(doc_id=pd.array([f"S:{i}" for i in ids[:len(docs)]], dtype="string"))
    ref = docs.sort_values(["date", "doc_id"], ascending=ascending)
    assert list(docs.take(date_order(docs, ascending)).index) == list(ref.index)
