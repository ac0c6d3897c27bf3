"""The compact text table (categorical texts and groups, texts read dictionary-encoded) gives
the results of the plain string table; the faster name scan of ``mask_text`` masks what the
loop over every name masks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.core.masking import _mask_one, mask_text
from crmkit.params.voice import VoiceParams
from crmkit.voice.documents import DOC_COLUMNS, analyse_texts, text_table
from crmkit.voice.summary import (
    client_voice,
    date_order,
    example_quotes,
    sentiment_by,
    theme_associations,
    theme_shares,
    theme_trend,
)

AS_OF = pd.Timestamp("2026-09-30")
NOTES = ['He said "no" \\ then\tleft', "审批太慢，客户不满", "  客户经理响应及时，服务专业 ",
         "利率偏高，比其他银行高", "",
         None, "Approval was not fast", "放款速度并不慢", "联系人王建国，电话13812345678",
         "客户经理响应及时，服务专业", "   "]


def _tables(n: int = 400, seed: int = 3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cid = [f"C{i:03d}" for i in range(40)]
    it = pd.DataFrame({
        "interaction_id": pd.array([f"I{i:05d}" for i in range(n)], dtype="string"),
        "client_id": pd.array(rng.choice(cid, n), dtype="string"),
        "date": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        "type": pd.array(rng.choice(["visit", "complaint", "call"], n), dtype="string"),
        "complaint_category": pd.array(rng.choice(["pricing", None], n), dtype="string"),
        "notes": pd.array(rng.choice(np.array(NOTES, dtype=object), n), dtype="string")})
    sv = pd.DataFrame({
        "client_id": pd.array(rng.choice(cid, n // 4), dtype="string"),
        "survey_date": pd.to_datetime("2025-03-01")
                       + pd.to_timedelta(rng.integers(0, 700, n // 4), "D"),
        "csat": pd.array(rng.integers(1, 6, n // 4), dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, n // 4), dtype="Int64"),
        "feedback": pd.array(rng.choice(np.array(NOTES, dtype=object), n // 4), dtype="string")})
    clients = pd.DataFrame({"client_id": pd.array(cid, dtype="string"),
                            "relationship_manager": pd.array(rng.choice(["张伟", "李娜"], 40),
                                                             dtype="string"),
                            "industry": pd.array(rng.choice(["制造", "批发", None], 40),
                                                 dtype="string")})
    return {"interactions": it, "surveys": sv, "clients": clients}


def _reference(tables: dict[str, pd.DataFrame], tiers: pd.DataFrame) -> pd.DataFrame:
    """The string text table as it was built before the compact one (one string per row)."""
    it, sv = tables["interactions"], tables["surveys"]
    parts = [pd.DataFrame({
        "doc_id": "I:" + it["interaction_id"], "source": "interactions",
        "client_id": it["client_id"], "date": it["date"], "type": it["type"],
        "complaint_category": it["complaint_category"],
        "csat": pd.array([pd.NA] * len(it), dtype="Float64"),
        "nps": pd.array([pd.NA] * len(it), dtype="Float64"), "text": it["notes"]}),
        pd.DataFrame({
            "doc_id": "S:" + sv["client_id"] + ":" + sv["survey_date"].dt.strftime("%Y-%m-%d"),
            "source": "surveys", "client_id": sv["client_id"], "date": sv["survey_date"],
            "type": "survey", "complaint_category": pd.array([pd.NA] * len(sv), dtype="string"),
            "csat": sv["csat"].astype("Float64"), "nps": sv["nps"].astype("Float64"),
            "text": sv["feedback"]})]
    docs = pd.concat(parts, ignore_index=True)
    docs["text"] = docs["text"].astype("string").str.strip()
    keep = ((docs["text"].str.len() > 0).fillna(False)
            & (docs["date"].isna() | (docs["date"] <= AS_OF))).to_numpy(bool)
    rows = np.flatnonzero(keep)
    docs = docs.take(rows[date_order(docs.iloc[rows][["date", "doc_id"]])])
    docs = docs.reset_index(drop=True)
    docs["quarter"] = docs["date"].dt.to_period("Q").astype("string")
    docs = docs[list(DOC_COLUMNS)]
    info = tables["clients"].set_index("client_id")[["relationship_manager", "industry"]]
    return docs.join(info, on="client_id").join(tiers, on="client_id")


def _shares_ref(docs: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Theme shares by ``pd.crosstab`` over a string key (the code before integer groups)."""
    d = docs.loc[docs["theme"].notna()]
    key = d[by].astype("string").fillna("—") if by else pd.Series("all", index=d.index)
    counts = pd.crosstab(key, d["theme"])
    out = counts.div(counts.sum(axis=1), axis=0)
    out["n_texts"] = counts.sum(axis=1)
    out.index.name = by or "group"
    out.columns.name = None
    return out


def _sentiment_ref(docs: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Sentiment by a string-keyed groupby (the code before integer groups)."""
    key = docs[by].astype("string").fillna("—") if by else pd.Series("all", index=docs.index)
    g = docs.assign(_neg=docs["sentiment_label"] == "negative",
                    _pos=docs["sentiment_label"] == "positive").groupby(key)
    out = pd.DataFrame({"n_texts": g.size(), "sentiment": g["sentiment"].mean(),
                        "negative_share": g["_neg"].mean(), "positive_share": g["_pos"].mean()})
    out.index.name = by or "group"
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as objects, missing as None (compares values, not dtypes)."""
    return pd.DataFrame({c: df[c].astype(object).where(df[c].notna(), None) for c in df},
                        index=df.index)


@pytest.fixture(scope="module")
def both():
    tables = _tables()
    tiers = pd.DataFrame({"tier": ["A", "B"] * 20, "segment": ["s1", "s2", "s3", "s4"] * 10},
                         index=pd.Index([f"C{i:03d}" for i in range(40)], dtype="string"))
    compact = text_table(tables, AS_OF, tiers=tiers)
    ref = _reference(tables, tiers)
    p = VoiceParams(min_texts=1, min_df=1, n_themes=2)
    return compact, ref, analyse_texts(compact, p), analyse_texts(ref, p)


def test_compact_text_table_holds_the_string_table(both):
    compact, ref, _, _ = both
    assert isinstance(compact["text"].dtype, pd.CategoricalDtype)
    assert isinstance(compact["industry"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(_plain(compact), _plain(ref))


def test_texts_read_as_categoricals_give_the_same_table():
    tables = _tables(seed=5)
    cat = {k: v.assign(**{c: v[c].astype("category") for c in ("notes", "feedback")
                          if c in v}) for k, v in tables.items()}
    pd.testing.assert_frame_equal(_plain(text_table(cat, AS_OF)), _plain(text_table(tables, AS_OF)))


def test_analysis_and_summaries_of_compact_and_string_tables_agree(both):
    _, _, a, b = both
    pd.testing.assert_frame_equal(_plain(a.docs), _plain(b.docs))
    pd.testing.assert_frame_equal(a.themes, b.themes)
    assert np.array_equal(a.codes, b.codes)
    for by in ("tier", "industry", "quarter", None):
        for docs in (a.docs, b.docs):
            pd.testing.assert_frame_equal(theme_shares(docs, by), _shares_ref(b.docs, by),
                                          check_index_type=False, check_column_type=False,
                                          check_exact=True)
            pd.testing.assert_frame_equal(sentiment_by(docs, by), _sentiment_ref(b.docs, by),
                                          check_index_type=False, check_exact=True)
    pd.testing.assert_frame_equal(theme_trend(a.docs), theme_trend(b.docs))
    pd.testing.assert_frame_equal(_plain(example_quotes(a.docs)), _plain(example_quotes(b.docs)))
    outcomes = pd.DataFrame({"low_csat": True, "detractor": False, "churned": pd.NA},
                            index=pd.Index([f"C{i:03d}" for i in range(40)], dtype="string"))
    outcomes.iloc[::3, 0] = False
    pd.testing.assert_frame_equal(theme_associations(a.docs, outcomes),
                                  theme_associations(b.docs, outcomes))
    ca, cb = client_voice(a.docs), client_voice(b.docs)
    pd.testing.assert_frame_equal(ca.drop(columns="last_comments"),
                                  cb.drop(columns="last_comments"))
    assert ca["last_comments"].tolist() == cb["last_comments"].tolist()
    as_json = client_voice(a.docs, as_json=True)
    pd.testing.assert_frame_equal(as_json.drop(columns="last_comments"),
                                  ca.drop(columns="last_comments"))
    assert as_json["last_comments"].tolist() == [json.dumps(x, ensure_ascii=False)
                                                 for x in ca["last_comments"]]


_ALPHABET = list("王建国李明张伟a*b S联系人，13800") + ["Mr. ", "@x.cn"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_ALPHABET), max_size=30).map("".join), max_size=8),
       st.lists(st.lists(st.sampled_from(_ALPHABET), min_size=1, max_size=6).map("".join),
                max_size=8))
def test_name_scan_masks_what_the_loop_over_every_name_masks(texts, names):
    ordered = tuple(sorted({n.strip() for n in names if len(n.strip()) > 1},
                           key=len, reverse=True))
    got = mask_text(pd.Series(texts, dtype="string"), names).tolist()
    assert got == [_mask_one(t, ordered) for t in texts]


def test_last_comments_json_is_the_same_in_chunks_of_clients(both, monkeypatch):
    import crmkit.voice.summary as summary

    _, _, a, _ = both
    whole = client_voice(a.docs, as_json=True)
    monkeypatch.setattr(summary, "_JSON_CHUNK", 3)     # 40 clients: 14 chunks
    pd.testing.assert_frame_equal(client_voice(a.docs, as_json=True), whole)
