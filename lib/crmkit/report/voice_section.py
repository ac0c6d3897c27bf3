"""The report's "what clients say" section: themes, their share and tone, actions, quotes."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import Markdown

from crmkit.collect import load_clean
from crmkit.core.i18n import register, t
from crmkit.core.masking import mask_text
from crmkit.core.store import load_table, table_path
from crmkit.params import Params
from crmkit.voice.documents import PERSON_COLUMNS, person_names

__all__ = ["voice_tables"]

register({
    "report.h.voice": ("十二、客户声音", "12. What clients say"),
    "report.p.voice": (
        "根据拜访记录、投诉与调查反馈的文本归纳主题（NMF 主题模型）"
        "并判断情绪（带否定处理的词典法）。"
        "下表为各主题的文本数、负面占比与建议行动，其后为各主题最近的负面原话{masked}。",
        "Themes found in visit notes, complaints and survey feedback (an NMF topic model) and "
        "their tone (a lexicon with negation handling): texts, negative share and the suggested "
        "action per theme, then the latest negative words per theme{masked}."),
    "report.p.voice_masked": ("（已脱敏）", " (masked)"),
    "report.col.theme": ("主题", "Theme"), "report.col.texts": ("文本数", "Texts"),
    "report.col.negative": ("负面占比", "Negative"), "report.col.action": ("建议行动", "Action"),
    "report.col.date": ("日期", "Date"), "report.col.quote": ("原话", "Quote"),
})


def _documents(params: Params, columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` of the voice stage's documents table (a row per text: 13 million for a
    million clients, so the rest is not read)."""
    import pyarrow.parquet as pq

    path = table_path(params, "voice", "documents")
    have = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in columns if c in have])


def voice_tables(params: Params, lang: str) -> tuple[Markdown, pd.DataFrame, pd.DataFrame] | None:
    """The section's sentence, the themes table and the quotes table; None when the voice
    analysis has not run (no texts)."""
    if not table_path(params, "voice", "themes").is_file():
        return None
    themes = load_table(params, "voice", "themes")
    docs = _documents(params, ("theme", "sentiment_label"))
    quotes = load_table(params, "voice", "quotes")
    name = f"name_{lang}"
    per = themes.groupby("theme", sort=False).agg(
        label=(name, "first"), action=(f"action_{lang}", "first"), n=("n_texts", "sum"))
    neg = (docs["sentiment_label"].eq("negative").groupby(docs["theme"]).mean()
           if {"theme", "sentiment_label"} <= set(docs.columns) else pd.Series(dtype=float))
    table = pd.DataFrame({
        t("report.col.theme", lang): per["label"].to_numpy(),
        t("report.col.texts", lang): per["n"].astype(int).to_numpy(),
        t("report.col.negative", lang): [f"{v:.0%}" if pd.notna(v) else "—"
                                         for v in neg.reindex(per.index)],
        t("report.col.action", lang): per["action"].fillna("—").to_numpy(),
    }).sort_values(t("report.col.texts", lang), ascending=False)
    texts = t("report.col.texts", lang)
    table[texts] = [f"{v:,}" for v in table[texts]]  # 1,384 as in the other tables
    q = quotes.sort_values(["theme", "date"], ascending=[True, False]).groupby("theme").head(1)
    # quotes leave the bank: phone numbers, ID numbers, e-mail and people's names are always
    # masked here, whatever mask_pii says
    text = mask_text(q["text"].astype("string"), person_names(load_clean(
        params, {"clients": PERSON_COLUMNS}, only=["clients"])))
    shown = pd.DataFrame({
        t("report.col.theme", lang): q[f"theme_name_{lang}"].to_numpy(),
        t("report.col.date", lang): pd.to_datetime(q["date"]).dt.date.astype(str).to_numpy(),
        t("report.col.quote", lang): text.to_numpy()})
    note = t("report.p.voice", lang).format(masked=t("report.p.voice_masked", lang))
    return (Markdown(html.escape(note, quote=False)), table.set_index(table.columns[0]),
            shown.set_index(shown.columns[0]))
