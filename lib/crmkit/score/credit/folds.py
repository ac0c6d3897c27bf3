"""Grouped, stratified K-fold splits and fitting samples for large training sets, vectorised.

scikit-learn's :class:`~sklearn.model_selection.StratifiedGroupKFold` searches, group by group
in a Python loop, the fold that best keeps the class shares: ≈ 0.2 CPU-s per 1,000 clients,
minutes at a million. :func:`grouped_folds` deals the groups (clients) instead:

1. each group's size ``n_g`` and default count ``e_g`` (rows of a client in several yearly
   cohorts form one group);
2. groups sorted by default rate ``e_g / n_g``, then size, then a random key (``seed``);
3. the sorted groups cut into blocks of ``k``; each block's groups go to the ``k`` folds in
   a random order (the last, shorter block to the first folds of its order).

So no group is split, every fold gets the same number of groups (± 1), and within a block the
groups have the same (rate, size) except where the sorted order passes from one (rate, size)
to the next: with ``P`` distinct (size, defaults) pairs, any two folds' default counts (and
row counts) differ by at most ``P`` times the largest group's defaults (rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["grouped_folds", "fold_splits", "stratified_sample"]


def grouped_folds(y: object, groups: object, k: int, seed: int = 7) -> np.ndarray:
    """Fold number (0..k-1) of every row: groups kept whole, default rates balanced."""
    yv = np.asarray(y, dtype=float)
    codes, uniq = pd.factorize(pd.Series(np.asarray(groups)), use_na_sentinel=False)
    n_groups = len(uniq)
    size = np.bincount(codes, minlength=n_groups).astype(float)
    events = np.bincount(codes, weights=yv, minlength=n_groups)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(n_groups), size, events / size))
    blocks = -(-n_groups // k)
    deal = np.argsort(rng.random((blocks, k)), axis=1).ravel()[:n_groups]
    fold = np.empty(n_groups, dtype=np.int64)
    fold[order] = deal
    return fold[codes]


def fold_splits(fold: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row positions of each fold, as scikit-learn's splitters give them."""
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def stratified_sample(y: object, max_rows: int | None, seed: int = 7) -> np.ndarray:
    """Sorted positions of at most ``max_rows`` rows, each class (0/1) in its own share; every
    row when there are no more than ``max_rows`` (or ``max_rows`` is None)."""
    yv = np.asarray(y)
    if max_rows is None or len(yv) <= max_rows:
        return np.arange(len(yv))
    rng = np.random.default_rng(seed)
    parts = []
    for cls in np.unique(yv):
        pos = np.flatnonzero(yv == cls)
        take = max(1, round(max_rows * len(pos) / len(yv)))
        parts.append(rng.choice(pos, min(take, len(pos)), replace=False))
    return np.sort(np.concatenate(parts))
