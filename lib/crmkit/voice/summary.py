"""What the texts say, by group: theme shares, sentiment, trend, associations, example quotes.

All functions take the analysed text table of :func:`crmkit.voice.documents.analyse_texts`
(columns ``client_id``, ``quarter``, ``theme``, ``sentiment``, ``sentiment_label`` ...).

* **Theme share** of a group = texts of the theme / texts of the group with a theme.
* **Sentiment** of a group = mean text sentiment in (-1, 1); ``negative_share`` = share of
  texts labelled negative.
* **Association** (:func:`theme_associations`): for each theme, the clients with at least one
  *negative* text on it against all other clients with texts: how many of each group gave a
  low latest CSAT, were NPS detractors or churned, the two rates, their difference and a
  Fisher exact test p-value. It is an association on a small sample, not a cause; the counts
  are shown so a reader can judge.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

__all__ = ["theme_shares", "sentiment_by", "theme_trend", "theme_associations",
           "client_outcomes", "example_quotes", "client_voice", "date_order"]


def date_order(docs: pd.DataFrame, ascending: bool = True) -> np.ndarray:
    """Positions of ``docs`` sorted by ``date`` then ``doc_id``, missing values last, ties in
    their order: what ``sort_values(["date", "doc_id"])`` gives, by Arrow's sort (pandas
    ranks every string key through a categorical first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    way = "ascending" if ascending else "descending"
    table = pa.table({"date": pa.array(docs["date"]), "doc_id": pa.array(docs["doc_id"])})
    keys = [("date", way, "at_end"), ("doc_id", way, "at_end")]
    return pc.sort_indices(table, sort_keys=keys).to_numpy()


def _groups(docs: pd.DataFrame, by: str | None) -> tuple[np.ndarray, pd.Index]:
    """Each row's group as an integer (in the order of the sorted group names) and the group
    names: the text of ``docs[by]``, ``—`` when missing, ``all`` without ``by``. A
    categorical column is read by its codes, never as a string per row."""
    if by is None:
        return np.zeros(len(docs), np.int64), pd.Index(["all"])
    s = docs[by]
    if isinstance(s.dtype, pd.CategoricalDtype):
        raw, cats = np.asarray(s.cat.codes), pd.Index(s.cat.categories.astype("string"))
    else:
        raw, cats = pd.factorize(s.astype("string"))
        cats = pd.Index(cats, dtype="string")
    lc, names = pd.factorize(cats.append(pd.Index(["—"], dtype="string")))  # -1 -> "—"
    order = np.asarray(names.argsort())
    rank = np.empty(len(names), np.int64)
    rank[order] = np.arange(len(names))
    return rank[lc[raw]], pd.Index(names.take(order), dtype="string")


def theme_shares(docs: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Theme shares per group (rows: groups, or one row ``all``; columns: themes + ``n_texts``).
    """
    has = docs["theme"].notna().to_numpy(dtype=bool, na_value=False)
    key, names = _groups(docs, by)
    tc, themes = pd.factorize(docs["theme"][has])
    order = np.asarray(themes.argsort())
    rank = np.empty(len(themes), np.int64)
    rank[order] = np.arange(len(themes))
    n = np.bincount(key[has] * len(themes) + rank[tc], minlength=len(names) * len(themes))
    n = n.reshape(len(names), len(themes))
    seen = n.sum(axis=1) > 0                           # the groups crosstab would show
    counts = pd.DataFrame(n[seen], index=pd.Index(names[seen], name=by),
                          columns=pd.Index(themes.take(order), name="theme"))
    out = counts.div(counts.sum(axis=1), axis=0)
    out["n_texts"] = counts.sum(axis=1)
    out.index.name = by or "group"
    out.columns.name = None
    return out


def sentiment_by(docs: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Mean sentiment, negative and positive shares and text counts per group."""
    key, names = _groups(docs, by)
    label = docs["sentiment_label"]
    g = pd.DataFrame({"sentiment": docs["sentiment"], "_neg": label == "negative",
                      "_pos": label == "positive"}, index=docs.index).groupby(key)
    out = pd.DataFrame({"n_texts": g.size(), "sentiment": g["sentiment"].mean(),
                        "negative_share": g["_neg"].mean(), "positive_share": g["_pos"].mean()})
    out.index = pd.Index(names.take(out.index.to_numpy()), name=by or "group")
    return out


def theme_trend(docs: pd.DataFrame, last_quarters: int = 4) -> pd.DataFrame:
    """Per quarter and theme: texts, share of the quarter's texts, mean sentiment; plus the
    change of share and sentiment over the last ``last_quarters`` quarters (OLS slope per
    quarter), in columns ``share_slope`` and ``sentiment_slope`` (same for every quarter)."""
    d = docs[["quarter", "theme", "sentiment"]]
    d = d.loc[d["theme"].notna() & d["quarter"].notna()]
    g = d.groupby(["quarter", "theme"])
    out = pd.DataFrame({"n_texts": g.size(), "sentiment": g["sentiment"].mean()}).reset_index()
    total = out.groupby("quarter")["n_texts"].transform("sum")
    out["share"] = out["n_texts"] / total
    quarters = sorted(out["quarter"].unique())[-last_quarters:]
    x = {q: i for i, q in enumerate(quarters)}
    slopes = {}
    for theme, grp in out.loc[out["quarter"].isin(quarters)].groupby("theme"):
        xs = grp["quarter"].map(x).to_numpy(float)
        slopes[theme] = ((np.polyfit(xs, grp["share"], 1)[0], np.polyfit(
            xs, grp["sentiment"], 1)[0]) if len(grp) >= 2 else (np.nan, np.nan))
    out["share_slope"] = out["theme"].map({k: v[0] for k, v in slopes.items()})
    out["sentiment_slope"] = out["theme"].map({k: v[1] for k, v in slopes.items()})
    return out.sort_values(["quarter", "theme"]).reset_index(drop=True)


def client_outcomes(tables: dict[str, pd.DataFrame], low_csat_max: int = 2,
                    low_nps_max: int = 6,
                    live_statuses: tuple[str, ...] = ("active", "restructured", "default")
                    ) -> pd.DataFrame:
    """Per client: latest CSAT and NPS, ``low_csat``, ``detractor`` and ``churned`` (observed:
    the client has facilities and none is live, i.e. all are closed)."""
    clients = tables["clients"]["client_id"].astype("string")
    out = pd.DataFrame(index=pd.Index(clients, name="client_id"))
    sv = tables.get("surveys")
    if sv is not None and len(sv):
        last = sv.sort_values("survey_date").groupby(sv["client_id"].astype("string")).last()
        out["csat"] = last["csat"].astype("Float64")
        out["nps"] = last["nps"].astype("Float64")
    else:
        out["csat"] = out["nps"] = pd.array([pd.NA] * len(out), dtype="Float64")
    out["low_csat"] = (out["csat"] <= low_csat_max).astype("boolean")
    out["detractor"] = (out["nps"] <= low_nps_max).astype("boolean")
    fac = tables.get("facilities")
    if fac is not None and len(fac):
        live = fac["status"].astype("string").isin(live_statuses)
        has = fac.groupby(fac["client_id"].astype("string")).size()
        n_live = live.groupby(fac["client_id"].astype("string")).sum()
        churned = (has.reindex(out.index).fillna(0) > 0) & (n_live.reindex(out.index)
                                                            .fillna(0) == 0)
        out["churned"] = churned.astype("boolean")
    else:
        out["churned"] = pd.array([pd.NA] * len(out), dtype="boolean")
    return out


def theme_associations(docs: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """For each theme and outcome (``low_csat``, ``detractor``, ``churned``): clients with a
    negative text on the theme vs other clients with texts — counts, rates, difference and a
    Fisher exact p-value (two-sided)."""
    from scipy.stats import fisher_exact

    is_neg = ((docs["sentiment_label"] == "negative") & docs["theme"].notna()).to_numpy(
        dtype=bool, na_value=False)
    codes, speakers = pd.factorize(docs["client_id"])  # clients with texts, as met; -1: none
    speakers = pd.Index(speakers)
    who = codes[is_neg]
    themes = docs["theme"][is_neg].to_numpy(object)
    ys = {}
    for outcome in ("low_csat", "detractor", "churned"):
        y = outcomes[outcome].reindex(speakers)
        ys[outcome] = (y.notna().to_numpy(), y.fillna(False).to_numpy(bool))
    rows = []
    for theme in sorted(set(themes.tolist())):
        mention = np.zeros(len(speakers), bool)
        hit = who[themes == theme]
        mention[hit[hit >= 0]] = True
        for outcome, (known, yv) in ys.items():
            a, b = int((mention & known & yv).sum()), int((mention & known & ~yv).sum())
            c, d = int((~mention & known & yv).sum()), int((~mention & known & ~yv).sum())
            if a + b == 0 or c + d == 0:
                continue
            rows.append({"theme": theme, "outcome": outcome, "n_with": a + b, "events_with": a,
                         "rate_with": a / (a + b), "n_without": c + d, "events_without": c,
                         "rate_without": c / (c + d),
                         "difference": a / (a + b) - c / (c + d),
                         "p_value": float(fisher_exact([[a, b], [c, d]])[1])})
    cols = ["theme", "outcome", "n_with", "events_with", "rate_with", "n_without",
            "events_without", "rate_without", "difference", "p_value"]
    return pd.DataFrame(rows, columns=cols)


def example_quotes(docs: pd.DataFrame, n: int = 3, tone: str = "negative") -> pd.DataFrame:
    """Up to ``n`` recent quotes per theme of the given tone (most recent first), from the
    ``text`` column (already masked when the run masks personal data)."""
    cols = ["theme", "theme_name_zh", "theme_name_en", "client_id", "date", "source", "text",
            "sentiment"]
    d = docs[[*cols, "doc_id"]].loc[(docs["sentiment_label"] == tone) & docs["theme"].notna()]
    d = d.take(date_order(d, ascending=False)).groupby("theme").head(n)
    out = d[cols].sort_values(["theme", "date"], ascending=[True, False]).reset_index(drop=True)
    for c in cols:     # a few rows: categoricals of the compact text table back to strings
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("string")
    return out


def client_voice(docs: pd.DataFrame, n_last: int = 3, as_json: bool = False) -> pd.DataFrame:
    """Per client: texts, mean sentiment, negative share, main theme, and the last ``n_last``
    comments with their themes (for the client cards), most recent first (``as_json``: as
    the JSON text of that list, as saved; a million clients' lists of dicts take gigabytes).

    One vectorised pass: the main theme is the most frequent theme (ties: the one met first,
    most recent first); the comment dicts are built only for the ``n_last`` rows shown.
    """
    order = date_order(docs, ascending=False)
    codes, ids = pd.factorize(docs["client_id"])       # clients as integers, in id order:
    order = order[codes[order] >= 0]                   # grouped without hashing strings
    by_id = np.asarray(ids.argsort())
    rank = np.empty(len(ids), np.int64)
    rank[by_id] = np.arange(len(ids))
    tcode, themes = pd.factorize(docs["theme"])
    neg = (docs["sentiment_label"] == "negative").fillna(False).to_numpy(dtype=float)
    d = pd.DataFrame({"_k": rank[codes[order]], "_t": tcode[order],  # numbers only, in order
                      "sentiment": docs["sentiment"].to_numpy()[order], "_neg": neg[order],
                      "_row": order})
    g = d.groupby("_k")
    out = pd.DataFrame({"n_texts": g.size(), "sentiment": g["sentiment"].mean(),
                        "negative_share": g["_neg"].mean()})
    out["main_theme"] = _main_theme(d, themes).reindex(out.index).astype("string")
    out["last_comments"] = _last_comments(d, docs, n_last, as_json).reindex(out.index)
    out.index = pd.Index(ids.take(by_id[out.index.to_numpy()]), name="client_id")
    return out


def _main_theme(d: pd.DataFrame, themes: pd.Index) -> pd.Series:
    """Most frequent theme (``themes[_t]``) per client key ``_k`` (ties: first met in
    ``d``'s order)."""
    t = d.loc[d["_t"] >= 0, ["_k", "_t"]]
    t = t.assign(_pos=np.arange(len(t)))
    g = t.groupby(["_k", "_t"], sort=False)["_pos"]
    c = pd.DataFrame({"n": g.size(), "first": g.min()}).reset_index()
    c = c.sort_values(["_k", "n", "first"], ascending=[True, False, True])
    c = c.drop_duplicates("_k")
    return pd.Series(themes.take(c["_t"].to_numpy()).array, index=c["_k"].to_numpy())


def _last_comments(d: pd.DataFrame, docs: pd.DataFrame, n_last: int,
                   as_json: bool = False) -> pd.Series:
    """The first ``n_last`` rows of each client (key ``_k``) in ``d``'s order, as lists of
    dicts (date, text, theme and label of the ``docs`` row ``_row``), or with ``as_json`` as
    the ``json.dumps(..., ensure_ascii=False)`` of those lists, built without the dicts (each
    distinct value encoded once; a chunk of clients at a time, kept as Arrow text)."""
    last = d.groupby("_k", sort=False).head(n_last)
    last = last.sort_values("_k", kind="stable")
    ids = last["_k"].to_numpy()
    if not len(ids):
        return pd.Series([], index=pd.Index([], dtype=np.int64), dtype=object)
    rows = last["_row"].to_numpy()
    date, theme = docs["date"].iloc[rows], docs["theme"].iloc[rows]
    label, texts = docs["sentiment_label"].iloc[rows], docs["text"].iloc[rows]
    cut = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut, len(ids)]
    index = pd.Index(ids[starts])
    if not as_json:
        dates = date.dt.strftime("%Y-%m-%d").astype(object).where(date.notna(), None)
        theme = theme.astype(object).where(theme.notna(), None)
        one = [{"date": a, "text": b, "theme": c, "sentiment": e} for a, b, c, e in zip(
            dates.tolist(), texts.astype(object).tolist(), theme.tolist(),
            label.astype(object).tolist(), strict=True)]
        return pd.Series([one[a:b] for a, b in zip(starts, ends, strict=True)], index=index,
                         dtype=object)
    day, days = pd.factorize(date)
    parts = [_encoded(days.strftime("%Y-%m-%d"), day), _encoded(*_codes(texts)),
             _encoded(*_codes(theme)), _encoded(*_codes(label))]
    chunks = []
    for lo in range(0, len(starts), _JSON_CHUNK):      # a chunk of clients at a time
        s_, e_ = starts[lo:lo + _JSON_CHUNK], ends[lo:lo + _JSON_CHUNK]
        first = s_[0]
        one = [f'{{"date": {a}, "text": {b}, "theme": {c}, "sentiment": {e}}}'
               for a, b, c, e in zip(*(p[first:e_[-1]] for p in parts), strict=True)]
        chunks.append(pd.array([f"[{', '.join(one[a - first:b - first])}]"
                                for a, b in zip(s_, e_, strict=True)], dtype="string"))
    return pd.Series(pd.concat([pd.Series(c) for c in chunks], ignore_index=True).array,
                     index=index)


#: Clients whose last comments are turned into JSON text at a time.
_JSON_CHUNK = 100_000


def _codes(values: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """The distinct values and each row's code (-1: missing)."""
    codes, uniq = pd.factorize(values)
    return pd.Index(uniq), codes


def _encoded(uniq: pd.Index, codes: np.ndarray) -> list[str]:
    """Each row's value as JSON (``null`` when missing), each distinct value encoded once."""
    enc = [json.dumps(u, ensure_ascii=False) for u in uniq.astype(object)] + ["null"]
    return [enc[c] for c in codes.tolist()]
