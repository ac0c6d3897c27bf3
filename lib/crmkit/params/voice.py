"""Parameters of the voice-of-the-client analysis (section ``voice:`` of a parameters file).

Example (every key optional; these are the defaults)::

    voice:
      sources: [interactions, surveys]  # interactions.notes and surveys.feedback
      n_themes: 10                # NMF components (several may share one named theme)
      min_df: 3                   # a term must occur in >= 3 texts to count
      max_df: 0.5                 # ... and in at most half of them
      max_features: 3000
      seed: 7                     # NMF initialisation (nndsvda is deterministic; kept for ties)
      fit_sample: 50000           # more texts: themes fitted on a fixed sample of this many,
                                  #   every text themed by that model (at or below: all texts)
      theme_names: null           # theme-name table (.csv); null: templates/voice_themes.csv
      user_dict: null             # extra jieba dictionary (one term per line)
      lexicon: null               # extra sentiment lexicon (term<TAB>weight per line)
      negation_window: 3          # a negator flips a sentiment word up to 3 tokens later
      low_csat_max: 2             # CSAT <= 2 is low satisfaction
      low_nps_max: 6              # NPS <= 6 is a detractor
      alert_window_months: 6      # theme-alert metrics compare the last 6 months ...
                                  #   ... with the 6 months before
      min_texts: 30               # fewer texts: no theme model (sentiment still computed)
      quotes_per_theme: 3
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = ["VoiceParams"]


class VoiceParams(Section):
    """Settings of the voice-of-the-client analysis. Every field has a documented default."""

    sources: list[Literal["interactions", "surveys"]] = Field(
        default_factory=lambda: ["interactions", "surveys"],
        description="texts analysed: interactions.notes and/or surveys.feedback")
    n_themes: int = Field(10, description="number of NMF components (themes before naming)")
    min_df: int = Field(3, description="a term must occur in at least this many texts")
    max_df: float = Field(0.5, description="a term in more than this share of texts is dropped")
    max_features: int = Field(3000, description="vocabulary size cap")
    seed: int = Field(7, description="random state of NMF")
    fit_sample: int = Field(
        50_000, description="above this many texts the theme model is fitted on a "
        "deterministic sample of this many (seeded by seed) and then applied to every text, "
        "distinct texts in chunks of this size; at or below it every text is used and results "
        "are unchanged")
    theme_names: Path | None = Field(
        None, description="theme-name table (.csv); null: the bundled templates/voice_themes.csv")
    user_dict: Path | None = Field(None, description="extra jieba dictionary file")
    lexicon: Path | None = Field(None, description="extra sentiment lexicon (term<TAB>weight)")
    negation_window: int = Field(3, description="tokens after a negator that it flips")
    low_csat_max: int = Field(2, description="CSAT <= this is low satisfaction")
    low_nps_max: int = Field(6, description="NPS <= this is a detractor")
    alert_window_months: int = Field(6, description="months of the recent and the prior window")
    min_texts: int = Field(30, description="fewer texts than this: themes are skipped")
    quotes_per_theme: int = Field(3, description="example quotes shown per theme")

    @model_validator(mode="after")
    def _valid(self) -> VoiceParams:
        problems = []
        if not self.sources:
            problems.append("sources needs at least one of interactions, surveys")
        if not 2 <= self.n_themes <= 30:
            problems.append(f"n_themes={self.n_themes} must be between 2 and 30")
        if self.min_df < 1:
            problems.append(f"min_df={self.min_df} must be >= 1")
        if not 0 < self.max_df <= 1:
            problems.append(f"max_df={self.max_df:g} must be a share in (0, 1]")
        if self.fit_sample < 1_000:
            problems.append(f"fit_sample={self.fit_sample} must be >= 1000")
        if self.max_features < 10:
            problems.append(f"max_features={self.max_features} must be >= 10")
        if not 0 <= self.negation_window <= 10:
            problems.append(f"negation_window={self.negation_window} must be 0-10 tokens")
        if not 1 <= self.low_csat_max < 5:
            problems.append(f"low_csat_max={self.low_csat_max} must be 1-4")
        if not 0 <= self.low_nps_max < 10:
            problems.append(f"low_nps_max={self.low_nps_max} must be 0-9")
        if self.alert_window_months < 1:
            problems.append(f"alert_window_months={self.alert_window_months} must be >= 1")
        if self.min_texts < 1 or self.quotes_per_theme < 0:
            problems.append("min_texts must be >= 1 and quotes_per_theme >= 0")
        if problems:
            raise ValueError("; ".join(problems))
        return self
