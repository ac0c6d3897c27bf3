"""The vectorised voice paths give the results of the per-row / per-group code they replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.voice import client_voice


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
