"""Word segmentation of Chinese and English client texts: jieba with a banking dictionary.

Chinese runs are cut by jieba (precise mode, no HMM guessing of new words, so results do not
depend on the text mix) with a domain dictionary shipped beside this module
(``domain_dict.txt``: 授信额度, 放款, 贷后管理 ... stay whole) and every term of the sentiment
lexicon; English words are lower-cased tokens. Digits, punctuation and mask characters (``*``)
are dropped. :func:`theme_tokens` also drops stop words (``stopwords.txt``) and single Chinese
characters, which carry tone (慢, 贵) but not topic, and the sentiment terms.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from crmkit.voice.codes import TokenCodes, VocabBuilder
from crmkit.voice.files import data_file, read_lines
from crmkit.voice.sentiment import BOUNDARIES, CONTRASTS, INTENSIFIERS, NEGATORS, lexicon

__all__ = ["Segmenter", "segmenter", "tokenize", "tokenize_codes", "theme_tokens", "theme_codes",
           "stop_words", "BOUNDARIES"]

_KEEP = re.compile(r"^(?:[\u4e00-\u9fff]+|[a-z][a-z'-]*)$")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The shipped stop words."""
    return frozenset(read_lines(data_file("stopwords.txt")))


class Segmenter:
    """A jieba tokenizer with the banking dictionary, lexicon terms and an optional user file.

    Parameters
    ----------
    user_dict : path of an extra dictionary (``term [freq [tag]]`` per line), optional.
    extra_terms : more terms to keep whole (e.g. sentiment-lexicon entries).
    """

    def __init__(self, user_dict: str | Path | None = None,
                 extra_terms: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._split = jieba.re_han_default.split
        self._blocks: dict[str, list[str]] = {}
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        for path in (data_file("domain_dict.txt"), user_dict):
            if path is None:
                continue
            for line in read_lines(Path(path)):
                parts = line.split()
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 2000
                self._tk.add_word(parts[0], freq)
        for term in extra_terms:
            if re.fullmatch(r"[\u4e00-\u9fff]{2,}", term):
                self._tk.add_word(term, 1500)

    def tokens(self, text: str | None) -> list[str]:
        """Tokens of one text, with clause boundaries (``，``, ``。`` ...) kept.

        jieba cuts each run of word characters (and each run between them) on its own, so
        the text is split the way jieba splits it and each distinct run is cut once: notes
        share phrases ("按时还款", "客户经理") far more often than whole texts.
        """
        if not isinstance(text, str) or not text:
            return []
        out: list[str] = []
        cache = self._blocks
        for blk in self._split(text.lower()):
            if not blk:
                continue
            got = cache.get(blk)
            if got is None:
                if len(cache) > 1_000_000:
                    cache.clear()
                got = cache[blk] = self._cut(blk)
            out += got
        return out

    def _cut(self, block: str) -> list[str]:
        out = []
        for tok in self._tk.lcut(block, HMM=False):
            tok = tok.strip()
            if tok in BOUNDARIES or _KEEP.match(tok):
                out.append(tok)
        return out


@lru_cache(maxsize=4)
def segmenter(user_dict: str | None = None) -> Segmenter:
    """A cached :class:`Segmenter` with the sentiment-lexicon terms (one per user file)."""
    return Segmenter(user_dict, extra_terms=lexicon())


def tokenize(texts: Iterable[str | None], user_dict: str | Path | None = None
             ) -> list[list[str]]:
    """Tokens (with clause boundaries) of each text; a text met again (notes written from
    the same phrases, "按时还款" ...) is segmented once and its tokens copied."""
    seg = segmenter(None if user_dict is None else str(user_dict))
    seen: dict[str | None, list[str]] = {}
    out = []
    for t in texts:
        key = t if isinstance(t, str) else None
        got = seen.get(key)
        if got is None:
            got = seen[key] = seg.tokens(t)
        out.append(list(got))
    return out


def tokenize_codes(texts: list[str | None], user_dict: str | Path | None = None,
                   chunk: int = 20_000) -> TokenCodes:
    """Tokens (with clause boundaries) of each text as :class:`TokenCodes`; texts are
    segmented ``chunk`` at a time and kept as codes, never as one list of strings per text."""
    seg = segmenter(None if user_dict is None else str(user_dict))
    builder = VocabBuilder()
    parts = [builder.add([seg.tokens(t) for t in texts[i:i + chunk]])
             for i in range(0, len(texts), chunk)]
    return builder.finish(parts)


def _topic_stop() -> frozenset[str]:
    return stop_words() | set(lexicon()) | NEGATORS | INTENSIFIERS | CONTRASTS


def _is_topic(t: str, stop: frozenset[str]) -> bool:
    return (t not in stop and t not in BOUNDARIES
            and not (len(t) == 1 and "\u4e00" <= t <= "\u9fff") and len(t) > 1)


def theme_tokens(tokens: list[list[str]]) -> list[list[str]]:
    """Topic-bearing tokens: no boundaries, stop words, single Chinese characters, sentiment
    terms, negators or intensifiers (tone is measured separately; left in, it would split
    every topic into a praise theme and a complaint theme)."""
    stop = _topic_stop()
    return [[t for t in doc if _is_topic(t, stop)] for doc in tokens]


def theme_codes(tc: TokenCodes) -> TokenCodes:
    """:func:`theme_tokens` of texts given as codes (a filter on the vocabulary)."""
    stop = _topic_stop()
    keep = np.array([_is_topic(t, stop) for t in tc.vocab.tolist()], bool)[tc.codes]
    lengths = np.bincount(tc.doc[keep], minlength=len(tc))
    offsets = np.zeros(len(tc) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return TokenCodes(tc.vocab, tc.codes[keep], offsets)
