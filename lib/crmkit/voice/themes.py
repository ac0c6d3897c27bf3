"""Themes by non-negative matrix factorisation (NMF) of TF-IDF, named from an editable table.

``X`` (texts x terms) holds TF-IDF weights ``(1 + log tf) * (log((1 + n) / (1 + df)) + 1)``,
each row scaled to unit length. NMF finds ``X ≈ W H`` with ``W, H >= 0``: a row of ``H`` is a
theme (weights over terms; its largest are the theme's *top terms*), a row of ``W`` says how
much of each theme a text holds. A text's theme is the largest entry of its ``W`` row (none if
the row is zero: the text has no known term).

Naming: the theme-name table (``templates/voice_themes.csv``: ``theme, name_zh, name_en,
keywords, action_zh, action_en``) lists the themes a bank expects. Each NMF component gets the
table row whose keywords carry most of its term weight (several components may share a row);
a component that matches no row well (less than ``min_match`` of its weight) is named by its
three top terms in Chinese, and in English "Other topics" (numbered when there are several),
followed by those terms only when they are English words: an English reader never gets a
Chinese theme name. Edit the table to rename themes or add one; NMF itself never reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.i18n import register
from crmkit.core.i18n import t as label_of
from crmkit.core.resources import resource_path
from crmkit.voice.codes import TokenCodes
from crmkit.voice.errors import VoiceError

__all__ = ["ThemeModel", "load_theme_names", "name_themes", "keyword_theme", "THEME_COLUMNS"]

THEME_COLUMNS = ("theme", "name_zh", "name_en", "keywords", "action_zh", "action_en")

register({"voice.theme.other": ("其他话题", "Other topics")})


def _identity(doc: list[str]) -> list[str]:
    return doc


class ThemeModel:
    """TF-IDF + NMF themes (scikit-learn estimator shape: ``fit`` returns ``self``).

    Parameters
    ----------
    n_themes, min_df, max_df, max_features, seed : see :class:`crmkit.params.voice.VoiceParams`.

    Attributes
    ----------
    terms_ : ndarray of the vocabulary; components_ : (n_themes, n_terms) NMF ``H``;
    top_terms_ : list of the 10 top terms of each theme.
    """

    def __init__(self, n_themes: int = 6, min_df: int = 3, max_df: float = 0.5,
                 max_features: int = 3000, seed: int = 7) -> None:
        self.n_themes = n_themes
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.seed = seed

    def fit(self, tokens: list[list[str]]) -> ThemeModel:
        """Learn the vocabulary, IDF weights and themes from tokenised texts."""
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [d for d in tokens if d]
        if len(docs) < self.n_themes:
            raise VoiceError(f"ThemeModel.fit: {len(docs)} non-empty texts for n_themes="
                             f"{self.n_themes}; give more texts or lower voice.n_themes.")
        self.vectorizer_ = TfidfVectorizer(
            analyzer=_identity, min_df=min(self.min_df, len(docs)), max_df=self.max_df,
            max_features=self.max_features, sublinear_tf=True)
        try:
            x = self.vectorizer_.fit_transform(docs)
        except ValueError:
            raise VoiceError("ThemeModel.fit: no term is frequent enough (voice.min_df="
                             f"{self.min_df}, max_df={self.max_df}); lower min_df or raise "
                             "max_df.") from None
        self.terms_ = self.vectorizer_.get_feature_names_out()
        if len(self.terms_) < self.n_themes:
            raise VoiceError(f"ThemeModel.fit: {len(self.terms_)} terms for n_themes="
                             f"{self.n_themes}; lower voice.n_themes or voice.min_df.")
        self.nmf_ = NMF(self.n_themes, init="nndsvda", random_state=self.seed, max_iter=500)
        self.nmf_.fit(x)
        self.components_ = self.nmf_.components_
        order = np.argsort(-self.components_, axis=1)[:, :10]
        self.top_terms_ = [list(self.terms_[row]) for row in order]
        return self

    def transform(self, tokens: list[list[str]]) -> np.ndarray:
        """Theme weights ``W`` (texts x themes)."""
        return self.nmf_.transform(self.vectorizer_.transform(tokens))

    def tfidf(self, tc: TokenCodes):  # noqa: ANN201 - a scipy sparse matrix
        """TF-IDF rows of texts given as codes: the numbers ``vectorizer_.transform`` gives
        for their token lists (same counts, ``1 + log tf``, IDF, unit rows), built without
        a Python loop over the texts."""
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        col = np.full(len(tc.vocab), -1, np.int64)
        vocab = self.vectorizer_.vocabulary_
        for i, t in enumerate(tc.vocab.tolist()):
            col[i] = vocab.get(t, -1)
        cols = col[tc.codes]
        known = cols >= 0
        x = sp.csr_matrix((np.ones(int(known.sum())), (tc.doc[known], cols[known])),
                          shape=(len(tc), len(vocab)), dtype=np.float64)
        x.sum_duplicates()
        x.sort_indices()
        np.log(x.data, x.data)
        x.data += 1.0
        x.data *= self.vectorizer_.idf_[x.indices]
        return normalize(x, norm="l2", copy=False)

    def assign(self, tokens: list[list[str]] | TokenCodes, codes: np.ndarray | None = None,
               chunk: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each text's theme number (-1 without a known term) and that theme's share of W.

        With ``codes``, ``tokens`` are distinct texts and text ``i`` is ``tokens[codes[i]]``:
        TF-IDF rows are built once per distinct text. Without ``chunk`` (or with at most
        ``chunk`` texts) W is solved for all texts together, as :meth:`transform` does; else
        for the distinct texts, ``chunk`` at a time (NMF's solver stops on the whole block, so
        W agrees with the one-block solution to its tolerance, not bit for bit).
        """
        if codes is None and not isinstance(tokens, TokenCodes):
            return _best(self.transform(tokens))
        x = (self.tfidf(tokens) if isinstance(tokens, TokenCodes)
             else self.vectorizer_.transform(tokens))
        if codes is None:
            codes = np.arange(x.shape[0])
        if chunk is None or len(codes) <= chunk:
            return _best(self.nmf_.transform(x[codes]))
        parts = [_best(self.nmf_.transform(x[i:i + chunk])) for i in range(0, x.shape[0], chunk)]
        theme = np.concatenate([t for t, _ in parts])
        share = np.concatenate([s for _, s in parts])
        return theme[codes], share[codes]


def _best(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest theme of each row of W (-1 for a zero row) and its share of the row."""
    total = w.sum(axis=1)
    theme = np.where(total > 0, w.argmax(axis=1), -1)
    share = np.divide(w.max(axis=1), total, out=np.zeros(len(w)), where=total > 0)
    return theme, share


def load_theme_names(path: str | Path | None = None) -> pd.DataFrame:
    """The theme-name table (default: the bundled ``templates/voice_themes.csv``)."""
    path = Path(path) if path is not None else resource_path("templates", "voice_themes.csv")
    try:
        table = pd.read_csv(path, dtype="string", keep_default_na=False)
    except FileNotFoundError:
        raise VoiceError(f"{path}: theme-name table not found; copy templates/voice_themes.csv "
                         "and set voice.theme_names to its path.") from None
    missing = [c for c in THEME_COLUMNS if c not in table.columns]
    if missing:
        raise VoiceError(f"{path}: the theme-name table lacks column(s) {missing}; it needs "
                         f"{list(THEME_COLUMNS)} (see templates/voice_themes.csv).")
    for i, row in table.iterrows():
        if not row["theme"].strip() or not row["keywords"].strip():
            raise VoiceError(f"{path}, row {i + 2}: 'theme' and 'keywords' must not be blank.")
    if table["theme"].duplicated().any():
        dup = table.loc[table["theme"].duplicated(), "theme"].tolist()
        raise VoiceError(f"{path}: theme code(s) {dup} appear twice; give each row its own code.")
    return table


def name_themes(model: ThemeModel, names: pd.DataFrame, min_match: float = 0.1
                ) -> pd.DataFrame:
    """One row per NMF component: its ``theme`` code, ``name_zh``, ``name_en``, ``action_*``,
    ``top_terms`` and ``match`` (the share of its weight on the named row's keywords).

    Each component takes the table row with the largest match when that is at least
    ``min_match``, so several components may share one named theme (NMF is run with more
    components than expected themes, which separates phrasing variants better); otherwise
    it is named by its three top terms (code ``theme_<k>``; in English see
    :func:`_other_name_en`).
    """
    h = model.components_ / np.maximum(model.components_.sum(axis=1, keepdims=True), 1e-12)
    terms = {t: j for j, t in enumerate(model.terms_)}
    kw = np.zeros((len(names), len(terms)))
    for i, words in enumerate(names["keywords"]):
        for w in str(words).lower().split():
            if w in terms:
                kw[i, terms[w]] = 1.0
    match = h @ kw.T                                   # components x table rows
    best = match.argmax(axis=1) if len(names) else np.full(len(h), -1)
    unnamed = [k for k in range(len(h))
               if best[k] < 0 or match[k, best[k]] < min_match]
    out = []
    for k in range(len(h)):
        top = model.top_terms_[k]
        j = int(best[k])
        if j >= 0 and match[k, j] >= min_match:
            r = names.iloc[j]
            row = {c: r[c] for c in ("theme", "name_zh", "name_en", "action_zh", "action_en")}
        else:
            label = " / ".join(top[:3])
            number = unnamed.index(k) + 1 if len(unnamed) > 1 else None
            row = {"theme": f"theme_{k + 1}", "name_zh": label,
                   "name_en": _other_name_en(top[:3], number), "action_zh": "", "action_en": ""}
        row["match"] = float(match[k, j]) if j >= 0 else 0.0
        row["top_terms"] = " ".join(top)
        out.append(row)
    return pd.DataFrame(out).rename_axis("component").reset_index()


def _other_name_en(terms: list[str], number: int | None = None) -> str:
    """English name of a theme no table row names: "Other topics" (with ``number`` when there
    are several), then its top ``terms`` when they are English words ("Other topics: fee /
    delay / branch"); Chinese terms are left out."""
    name = label_of("voice.theme.other", "en") + (f" {number}" if number is not None else "")
    english = bool(terms) and all(w.isascii() and any(c.isalpha() for c in w) for w in terms)
    return f"{name}: {' / '.join(terms)}" if english else name


def keyword_theme(tokens: list[list[str]], names: pd.DataFrame) -> np.ndarray:
    """Theme code per text by keyword counts of the name table (None without a keyword hit).

    A cheap, model-free fallback (used for complaints without a bank category when the theme
    model is not at hand, e.g. inside the warning rules).
    """
    vocab: dict[str, list[int]] = {}
    for i, words in enumerate(names["keywords"]):
        for w in str(words).lower().split():
            vocab.setdefault(w, []).append(i)
    codes = names["theme"].to_numpy()
    out = np.full(len(tokens), None, dtype=object)
    for d, doc in enumerate(tokens):
        counts = np.zeros(len(names))
        for t in doc:
            for i in vocab.get(t, ()):
                counts[i] += 1
        if counts.max(initial=0) > 0:
            out[d] = codes[int(counts.argmax())]
    return out
