"""Voice of the client (stage 3½, after tier, before warn): themes and sentiment of client
texts (interaction notes, survey feedback) in Chinese and English.

jieba segmentation with a banking dictionary, TF-IDF + NMF themes named from
``templates/voice_themes.csv``, a lexicon sentiment with negation, theme shares, sentiment and
trend per client / tier / segment / RM / quarter, associations with low CSAT, NPS detractors
and churn, and per-client theme-alert metrics for the warning rules. ``run(params)`` saves
``<run_dir>/voice/``; see ``docs/voice.md``.
"""

from __future__ import annotations

from crmkit.voice.alerts import complaint_themes, theme_alert_metrics
from crmkit.voice.charts import association_chart, sentiment_trend_chart, theme_share_chart
from crmkit.voice.documents import VoiceAnalysis, analyse_texts, person_names, text_table
from crmkit.voice.errors import VoiceError
from crmkit.voice.evaluate import evaluate_texts, nmi, purity, sentiment_accuracy
from crmkit.voice.segment import Segmenter, theme_tokens, tokenize
from crmkit.voice.sentiment import lexicon, sentiment_scores
from crmkit.voice.stage import VoiceStage, run
from crmkit.voice.summary import (
    client_outcomes,
    client_voice,
    example_quotes,
    sentiment_by,
    theme_associations,
    theme_shares,
    theme_trend,
)
from crmkit.voice.themes import ThemeModel, keyword_theme, load_theme_names, name_themes

__all__ = ["run", "VoiceStage", "VoiceError", "VoiceAnalysis", "text_table", "analyse_texts",
           "person_names", "Segmenter", "tokenize", "theme_tokens", "lexicon",
           "sentiment_scores", "ThemeModel", "load_theme_names", "name_themes", "keyword_theme",
           "theme_shares", "sentiment_by", "theme_trend", "theme_associations",
           "client_outcomes", "example_quotes", "client_voice", "theme_alert_metrics",
           "complaint_themes", "theme_share_chart", "sentiment_trend_chart",
           "association_chart", "evaluate_texts", "nmi", "purity", "sentiment_accuracy"]
