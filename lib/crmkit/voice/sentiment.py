"""Sentiment per text: a lexicon with negation, intensifiers and contrast (zh and en).

Method (documented in ``docs/voice.md``): each token found in the lexicon
(``sentiment.txt``: term and weight, + positive, - negative) adds its weight ``w``. A negator
(不, 没有, 未, not, no ...) in the ``window`` tokens before it, within the same clause, flips
the sign; an intensifier (很, 非常, 太, very, too ...) right before it multiplies by 1.5; a
token after a contrast word (但是, 不过, but, however) counts 1.5 times. The text's score is
``S = sum of contributions``; the label is positive if ``S >= 0.5``, negative if ``S <= -0.5``,
else neutral. The score is also reported normalised to ``S / (1 + |S|)`` in (-1, 1).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.voice.errors import VoiceError
from crmkit.voice.files import data_file

__all__ = ["lexicon", "sentiment_scores", "NEGATORS", "INTENSIFIERS", "CONTRASTS",
           "LABEL_THRESHOLD", "BOUNDARIES"]

NEGATORS = frozenset({"不", "没", "没有", "未", "无", "并未", "从未", "毫无", "不太", "并不",
                      "不是", "not", "no", "never", "without", "nobody", "n't"})
INTENSIFIERS = frozenset({"很", "非常", "太", "特别", "十分", "极", "极其", "相当", "严重",
                          "明显", "very", "really", "too", "extremely", "far", "so"})
CONTRASTS = frozenset({"但", "但是", "不过", "可是", "然而", "but", "however", "though"})
#: |score| at or above this is positive / negative; below it, neutral.
LABEL_THRESHOLD = 0.5
#: Clause boundaries kept in the token stream (negation stops at them).
BOUNDARIES = frozenset("，,。.;；!！?？")


@lru_cache(maxsize=4)
def lexicon(extra: str | None = None) -> dict[str, float]:
    """The shipped lexicon, with ``extra`` (a ``term<TAB>weight`` file) merged over it."""
    out: dict[str, float] = {}
    for path in (data_file("sentiment.txt"), None if extra is None else Path(extra)):
        if path is None:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            raise VoiceError(f"{path}: cannot read the sentiment lexicon ({exc}); give a UTF-8 "
                             "file with one 'term<TAB>weight' per line.") from None
        for i, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            try:
                out[parts[0].strip().lower()] = float(parts[1])
            except (IndexError, ValueError):
                raise VoiceError(f"{path}, line {i}: expected 'term<TAB>weight' (e.g. "
                                 f"'满意\t1'); got {line!r}.") from None
    return out


def _score(tokens: list[str], lex: dict[str, float], window: int) -> tuple[float, int, int]:
    total, n_pos, n_neg, boost = 0.0, 0, 0, 1.0
    for i, tok in enumerate(tokens):
        if tok in CONTRASTS:
            boost = 1.5
            continue
        w = lex.get(tok)
        if w is None:
            continue
        for j in range(i - 1, max(i - 1 - window, -1), -1):
            prev = tokens[j]
            if prev in BOUNDARIES:
                break
            if prev in NEGATORS:
                w = -w
                break
        if i and tokens[i - 1] in INTENSIFIERS:
            w *= 1.5
        w *= boost
        total += w
        n_pos += w > 0
        n_neg += w < 0
    return total, n_pos, n_neg


def sentiment_scores(tokens: list[list[str]], *, window: int = 3,
                     extra_lexicon: str | Path | None = None) -> pd.DataFrame:
    """Sentiment of each tokenised text (tokens from :func:`crmkit.voice.segment.tokenize`).

    Returns
    -------
    DataFrame with ``sentiment_raw`` (S), ``sentiment`` (S / (1 + |S|)), ``label``
    (``negative`` / ``neutral`` / ``positive``), ``n_positive`` and ``n_negative`` (matched
    terms after negation), one row per text in order.
    """
    lex = lexicon(None if extra_lexicon is None else str(extra_lexicon))
    rows = [_score(doc, lex, window) for doc in tokens]
    raw = np.array([r[0] for r in rows], float)
    label = np.where(raw >= LABEL_THRESHOLD, "positive",
                     np.where(raw <= -LABEL_THRESHOLD, "negative", "neutral"))
    return pd.DataFrame({"sentiment_raw": raw, "sentiment": raw / (1 + np.abs(raw)),
                         "label": label, "n_positive": [r[1] for r in rows],
                         "n_negative": [r[2] for r in rows]})
