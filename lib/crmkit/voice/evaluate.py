"""Evaluation against planted labels: theme recovery (NMI, purity) and sentiment accuracy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["purity", "nmi", "sentiment_accuracy", "evaluate_texts"]

_LABEL = {"negative": -1, "neutral": 0, "positive": 1}


def purity(truth: Sequence[object], clusters: Sequence[object]) -> float:
    """Share of texts whose cluster's most common true label is their own label."""
    tab = pd.crosstab(pd.Series(list(clusters), name="c"), pd.Series(list(truth), name="t"))
    return float(tab.max(axis=1).sum() / tab.to_numpy().sum())


def nmi(truth: Sequence[object], clusters: Sequence[object]) -> float:
    """Normalised mutual information (arithmetic mean normalisation), 0 = none, 1 = perfect."""
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(list(truth), list(clusters)))


def sentiment_accuracy(truth: Sequence[int], labels: Sequence[str]) -> dict[str, float]:
    """Accuracy over three classes, and over texts planted positive or negative only."""
    y = np.asarray(truth)
    p = np.array([_LABEL[lab] for lab in labels])
    polar = y != 0
    return {"accuracy": float((y == p).mean()),
            "polar_accuracy": float((y[polar] == p[polar]).mean()) if polar.any() else np.nan}


def evaluate_texts(texts: list[str], theme: list[str], polarity: list[int],
                   n_themes: int = 10, seed: int = 7) -> dict[str, float]:
    """Fit the theme model on ``texts`` and score it and the sentiment against planted labels.
    """
    from crmkit.params.voice import VoiceParams
    from crmkit.voice.documents import analyse_texts

    docs = pd.DataFrame({"text": pd.array(texts, dtype="string")})
    va = analyse_texts(docs, VoiceParams(n_themes=n_themes, seed=seed, min_texts=1))
    d = va.docs
    named = d["theme"].fillna("none").tolist()
    return {"nmi_components": nmi(theme, d["component"]), "nmi_named": nmi(theme, named),
            "purity_components": purity(theme, d["component"]),
            "named_accuracy": float(np.mean(np.array(named) == np.array(theme))),
            **sentiment_accuracy(polarity, d["sentiment_label"].tolist())}
