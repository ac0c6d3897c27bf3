"""Tokenised texts as integer codes: one flat array of token codes, offsets per text, and the
vocabulary, instead of a Python list of token strings per text (a few bytes per token instead
of a string object each, and vectorised sentiment, topic filtering and term counts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

__all__ = ["TokenCodes", "VocabBuilder"]


@dataclass
class TokenCodes:
    """Texts as token codes: text ``i`` is ``vocab[codes[offsets[i]:offsets[i + 1]]]``."""

    vocab: np.ndarray      #: object array of the distinct token strings
    codes: np.ndarray      #: int32 token codes, all texts one after another
    offsets: np.ndarray    #: int64, len = number of texts + 1

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per text."""
        return np.diff(self.offsets)

    @property
    def doc(self) -> np.ndarray:
        """The text number of each token."""
        return np.repeat(np.arange(len(self), dtype=np.intp), self.lengths)

    @property
    def position(self) -> np.ndarray:
        """Each token's position inside its text (0 for the first)."""
        return np.arange(len(self.codes)) - np.repeat(self.offsets[:-1], self.lengths)

    def lists(self, rows: Iterable[int] | None = None) -> list[list[str]]:
        """Token lists of the texts ``rows`` (default: all)."""
        words = self.vocab.tolist()
        cs, off = self.codes.tolist(), self.offsets.tolist()
        rows = range(len(self)) if rows is None else rows
        return [[words[c] for c in cs[off[r]:off[r + 1]]] for r in rows]

    @classmethod
    def from_lists(cls, docs: list[list[str]]) -> TokenCodes:
        """Codes of token lists."""
        builder = VocabBuilder()
        return builder.finish([builder.add(docs)])


class VocabBuilder:
    """Codes token lists chunk by chunk against one growing vocabulary."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def add(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, lengths)`` of a chunk of token lists."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        local, uniq = pd.factorize(pd.Series(list(chain.from_iterable(docs)), dtype=object))
        ids = np.array([self._index.setdefault(t, len(self._index)) for t in uniq],
                       dtype=np.int32)
        return (ids[local] if len(local) else np.zeros(0, np.int32)), lengths

    def finish(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> TokenCodes:
        """The :class:`TokenCodes` of the chunks added, in order."""
        codes = np.concatenate([c for c, _ in parts] or [np.zeros(0, np.int32)])
        lengths = np.concatenate([n for _, n in parts] or [np.zeros(0, np.int64)])
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        vocab = np.empty(len(self._index), dtype=object)
        vocab[:] = list(self._index)
        return TokenCodes(vocab, codes.astype(np.int32), offsets)
