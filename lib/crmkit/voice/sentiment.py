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

from crmkit.voice.codes import TokenCodes
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


def sentiment_scores(tokens: list[list[str]] | TokenCodes, *, window: int = 3,
                     extra_lexicon: str | Path | None = None) -> pd.DataFrame:
    """Sentiment of each tokenised text (tokens from :func:`crmkit.voice.segment.tokenize`,
    as lists or :class:`~crmkit.voice.codes.TokenCodes`).

    Returns
    -------
    DataFrame with ``sentiment_raw`` (S), ``sentiment`` (S / (1 + |S|)), ``label``
    (``negative`` / ``neutral`` / ``positive``), ``n_positive`` and ``n_negative`` (matched
    terms after negation), one row per text in order.
    """
    tc = tokens if isinstance(tokens, TokenCodes) else TokenCodes.from_lists(tokens)
    lex = lexicon(None if extra_lexicon is None else str(extra_lexicon))
    raw, n_pos, n_neg = _scores(tc, lex, window)
    label = np.where(raw >= LABEL_THRESHOLD, "positive",
                     np.where(raw <= -LABEL_THRESHOLD, "negative", "neutral"))
    return pd.DataFrame({"sentiment_raw": raw, "sentiment": raw / (1 + np.abs(raw)),
                         "label": label, "n_positive": n_pos, "n_negative": n_neg})


def _scores(tc: TokenCodes, lex: dict[str, float], window: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text: S and the counts of positive and negative contributions (the method of the
    module doc, vectorised over all tokens: each rule is a shift within the text)."""
    n = len(tc)
    words = tc.vocab.tolist()
    weight = np.array([lex.get(w, np.nan) for w in words], float)
    flag = {name: np.array([w in group for w in words], bool)
            for name, group in (("neg", NEGATORS), ("int", INTENSIFIERS), ("con", CONTRASTS),
                                ("bnd", BOUNDARIES))}
    c, pos = tc.codes, tc.position
    contrast = flag["con"][c]
    # a contrast word earlier in the same text: running count minus the count at its start
    before = np.concatenate([[0], np.cumsum(contrast)])
    seen = before[:-1] - np.repeat(before[tc.offsets[:-1]], tc.lengths)
    hit = np.flatnonzero(~np.isnan(weight[c]) & ~contrast)
    w = weight[c[hit]]
    flip = np.zeros(len(hit), bool)
    open_ = np.ones(len(hit), bool)          # no boundary or negator met yet looking back
    for k in range(1, window + 1):
        ok = open_ & (pos[hit] >= k)
        prev = c[hit[ok] - k]
        idx = np.flatnonzero(ok)
        stop_b, stop_n = flag["bnd"][prev], flag["neg"][prev]
        flip[idx[stop_n]] = True
        open_[idx[stop_b | stop_n]] = False
    w = np.where(flip, -w, w)
    first = pos[hit] >= 1
    intens = np.zeros(len(hit), bool)
    intens[first] = flag["int"][c[hit[first] - 1]]
    w = np.where(intens, w * 1.5, w)
    w = w * np.where(seen[hit] > 0, 1.5, 1.0)
    doc = np.repeat(np.arange(n), tc.lengths)[hit]
    raw = np.bincount(doc, weights=w, minlength=n).astype(float)
    n_pos = np.bincount(doc[w > 0], minlength=n).astype(np.int64)
    n_neg = np.bincount(doc[w < 0], minlength=n).astype(np.int64)
    return raw, n_pos, n_neg
