"""Theme-alert metrics per client, for the warning rules (``complaint_theme_share_pricing`` ...).

For a window of ``m = voice.alert_window_months`` months ending at as_of (*recent*) and the
``m`` months before it (*prior*), per client:

``complaints_recent``
    Complaints dated in the recent window.
``complaint_theme_share_<theme>``
    Share of the client's recent complaints on the theme (0 without recent complaints).
``segment_theme_share_change_<theme>``
    In the client's industry: share of recent complaints on the theme minus the share of
    prior complaints on it (a rising share of, say, pricing complaints in a segment); NaN
    when either window has no complaint in the industry.
``negative_text_share_recent``
    Share of the client's recent texts (notes and feedback) with negative sentiment; NaN
    without recent texts (only when ``docs`` is given).

A complaint's theme is the bank's ``complaint_category`` when set (not ``other``), else the
theme the voice analysis gave its note (``docs``), else the keyword theme of the name table.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.masking import mask_text
from crmkit.params.voice import VoiceParams
from crmkit.voice.segment import theme_tokens, tokenize
from crmkit.voice.themes import keyword_theme, load_theme_names

__all__ = ["theme_alert_metrics", "complaint_themes"]


def complaint_themes(interactions: pd.DataFrame, names: pd.DataFrame,
                     docs: pd.DataFrame | None = None) -> pd.Series:
    """Theme code of each complaint (index of ``interactions``; NA when none can be found)."""
    comp = interactions.loc[interactions["type"].astype("string") == "complaint"]
    cat = comp.get("complaint_category", pd.Series(pd.NA, index=comp.index)).astype("string")
    theme = cat.where(cat.isin(names["theme"]))
    todo = theme.isna()
    if todo.any() and docs is not None and "theme" in docs:
        by_doc = docs[["doc_id", "theme"]].loc[docs["type"] == "complaint"].set_index(
            "doc_id")["theme"] if "type" in docs else docs.set_index("doc_id")["theme"]
        ids = "I:" + comp.loc[todo, "interaction_id"].astype("string")
        theme.loc[todo] = ids.map(by_doc).to_numpy()
        todo = theme.isna()
    if todo.any() and "notes" in comp:             # each distinct note masked and read once
        codes, uniq = pd.factorize(comp.loc[todo, "notes"].astype("string"))
        notes = mask_text(pd.Series(pd.array(uniq, dtype="string"))).fillna("")
        per = keyword_theme(theme_tokens(tokenize(notes.tolist())), names)
        theme.loc[todo] = np.append(per, None)[codes]   # a missing note: no theme
    return theme.astype("string")


def theme_alert_metrics(tables: dict[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
                        params: VoiceParams | None = None, docs: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """Per-client theme-alert metrics (see the module doc), index ``client_id``."""
    p = params or VoiceParams()
    names = load_theme_names(p.theme_names)
    clients = tables["clients"]
    idx = pd.Index(clients["client_id"].astype("string"), name="client_id")
    codes = names["theme"].tolist()
    out = pd.DataFrame(index=idx)
    end = as_timestamp(as_of)
    start = end - pd.DateOffset(months=p.alert_window_months)
    prior = start - pd.DateOffset(months=p.alert_window_months)
    it = tables.get("interactions")
    if it is None or not len(it):
        out["complaints_recent"] = 0
        for c in codes:
            out[f"complaint_theme_share_{c}"] = 0.0
            out[f"segment_theme_share_change_{c}"] = np.nan
    else:
        theme = complaint_themes(it, names, docs)
        comp = it.loc[theme.index, ["client_id", "date"]].assign(theme=theme)
        comp["client_id"] = comp["client_id"].astype("string")
        industry = clients.set_index(clients["client_id"].astype("string"))["industry"]
        comp["industry"] = comp["client_id"].map(industry)
        recent = comp.loc[(comp["date"] > start) & (comp["date"] <= end)]
        before = comp.loc[(comp["date"] > prior) & (comp["date"] <= start)]
        n = recent.groupby("client_id").size().reindex(idx, fill_value=0)
        out["complaints_recent"] = n.astype(int)
        per = pd.crosstab(recent["client_id"], recent["theme"]).reindex(
            index=idx, columns=codes, fill_value=0)
        seg_now = _shares(recent, codes)
        seg_before = _shares(before, codes)
        client_ind = idx.map(industry)
        for c in codes:
            out[f"complaint_theme_share_{c}"] = np.divide(
                per[c].to_numpy(float), n.to_numpy(float),
                out=np.zeros(len(idx)), where=n.to_numpy() > 0)
            change = seg_now[c] - seg_before[c]
            out[f"segment_theme_share_change_{c}"] = client_ind.map(change).astype(float)
    if docs is not None:
        d = docs[["client_id", "sentiment_label"]].loc[(docs["date"] > start)
                                                       & (docs["date"] <= end)]
        neg = (d["sentiment_label"] == "negative").groupby(d["client_id"]).mean()
        out["negative_text_share_recent"] = neg.reindex(idx).astype(float)
    return out


def _shares(comp: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Per industry, share of its complaints on each theme (NaN for an industry without any)."""
    counts = pd.crosstab(comp["industry"], comp["theme"]).reindex(columns=codes, fill_value=0)
    total = comp.groupby("industry").size()
    return counts.div(total.reindex(counts.index), axis=0)
