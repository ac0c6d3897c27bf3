"""Tests of the large-portfolio paths of the credit model: the vectorised grouped folds, the
fitting sample (``credit.fit_max_rows``) and the shared id lookups of the feature builders."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import StratifiedGroupKFold

from crmkit.params.credit import CreditParams
from crmkit.score.aggregate import lookup, shared_lookups
from crmkit.score.credit import fit_credit_model
from crmkit.score.credit.folds import fold_splits, grouped_folds, stratified_sample
from crmkit.score.credit.metrics import cv_splits, oof_predict


@st.composite
def grouped_labels(draw):
    """Clients with 1-3 rows each (yearly cohorts) and a 0/1 default per row."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=300))
    groups = np.repeat(np.arange(len(sizes)), sizes)
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=len(groups),
                               max_size=len(groups))))
    return groups, y


@settings(max_examples=80, deadline=None)
@given(grouped_labels(), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_grouped_folds_keep_groups_whole_and_balance_defaults(data, k, seed):
    groups, y = data
    fold = grouped_folds(y, groups, k, seed)
    assert fold.shape == y.shape and fold.min() >= 0 and fold.max() < k
    frame = pd.DataFrame({"g": groups, "y": y, "f": fold})
    per_group = frame.groupby("g")
    assert (per_group["f"].nunique() == 1).all()  # a client's rows in one fold
    g = per_group.agg(n=("y", "size"), e=("y", "sum"), f=("f", "first"))
    by_fold = g.groupby("f").agg(groups=("n", "size"), rows=("n", "sum"), events=("e", "sum"))
    by_fold = by_fold.reindex(range(k), fill_value=0)
    pairs = len(g[["n", "e"]].drop_duplicates())  # P distinct (size, defaults) of a client
    assert np.ptp(by_fold["groups"]) <= 1
    assert np.ptp(by_fold["rows"]) <= pairs * g["n"].max()
    assert np.ptp(by_fold["events"]) <= pairs * g["e"].max()
    # the same seed deals the same folds
    assert (grouped_folds(y, groups, k, seed) == fold).all()


def test_grouped_folds_balance_a_large_portfolio():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(50_000), rng.integers(1, 4, 50_000))
    y = (rng.random(len(groups)) < 0.03).astype(int)
    splits = fold_splits(grouped_folds(y, groups, 5, 7), 5)
    tests = np.concatenate([te for _, te in splits])
    assert np.array_equal(np.sort(tests), np.arange(len(y)))  # every row in one test fold
    for train, test in splits:
        assert np.intersect1d(groups[train], groups[test]).size == 0
        assert abs(y[test].mean() - y.mean()) < 0.001
        assert abs(len(test) / len(y) - 0.2) < 0.001


def test_cv_splits_use_scikit_learn_up_to_the_threshold():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(200), 2)
    y = (rng.random(400) < 0.2).astype(int)
    exact = cv_splits(y, 5, 7, groups=groups, exact_max_groups=200)
    ref = StratifiedGroupKFold(5, shuffle=True, random_state=7).split(np.zeros(400), y, groups)
    for (a_tr, a_te), (b_tr, b_te) in zip(exact, ref, strict=True):
        assert np.array_equal(a_tr, b_tr) and np.array_equal(a_te, b_te)
    dealt = cv_splits(y, 5, 7, groups=groups, exact_max_groups=199)
    expected = fold_splits(grouped_folds(y, groups, 5, 7), 5)
    for (a_tr, a_te), (b_tr, b_te) in zip(dealt, expected, strict=True):
        assert np.array_equal(a_tr, b_tr) and np.array_equal(a_te, b_te)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.floats(0.0, 1.0), st.integers(1, 2500), st.integers(0, 99))
def test_stratified_sample_keeps_class_shares(n, rate, max_rows, seed):
    y = (np.arange(n) < round(rate * n)).astype(int)
    rows = stratified_sample(y, max_rows, seed)
    assert np.array_equal(rows, np.unique(rows))  # sorted, no repeats
    if n <= max_rows:
        assert np.array_equal(rows, np.arange(n))
        return
    assert abs(len(rows) - max_rows) <= 2
    for cls in (0, 1):
        have = int((y == cls).sum())
        if have:
            assert abs((y[rows] == cls).sum() - max_rows * have / n) <= 1
    assert np.array_equal(stratified_sample(y, None, seed), np.arange(n))


def test_oof_models_fit_on_a_sample_and_score_every_row():
    sizes = []

    class Count:  # remembers how many rows each clone was fitted on
        def get_params(self, deep=False):
            return {}

        def fit(self, X, y):
            sizes.append((len(X), float(np.mean(y))))
            return self

        def predict_proba(self, X):
            return np.c_[np.zeros(len(X)), np.full(len(X), 0.5)]

    y = (np.arange(5000) % 10 == 0).astype(int)
    X = pd.DataFrame({"x": np.arange(5000)})
    out = oof_predict(Count(), X, y, 5, 7, max_rows=1000)
    assert not np.isnan(out).any()
    assert all(abs(n - 1000) <= 2 and abs(rate - 0.1) < 0.002 for n, rate in sizes)


def test_credit_model_fitted_on_a_sample_above_fit_max_rows():
    rng = np.random.default_rng(5)
    n = 6000
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=n),
                          "y": (rng.random(n) < 1 / (1 + np.exp(3 - 1.5 * x))).astype(int)})
    frame.index = pd.Index([f"c{i}" for i in range(n)], name="client_id")
    base = {"target": "y", "features": ["x", "z"], "categorical": [], "compare_gbm": False,
            "directions": {}}
    full = fit_credit_model(frame, params=CreditParams(**base, fit_max_rows=None))
    part = fit_credit_model(frame, params=CreditParams(**base, fit_max_rows=2000))
    assert full.summary["fit_rows"] == n and part.summary["fit_rows"] == 2000
    for res in (full, part):
        oof = res.metrics[res.metrics["basis"] == "out_of_fold"].iloc[0]
        assert oof["n"] == n and res.oof["pd_scorecard"].notna().all()
        assert len(res.scores) == n
    assert abs(part.summary["model_auc"] - full.summary["model_auc"]) < 0.03


def test_shared_lookups_give_the_same_positions():
    keys = pd.Series(["a", "b", "c", "d"], dtype="string")
    ids = pd.Series(["c", "x", "a", None, "d"], dtype="string")
    plain = lookup(keys, ids)
    assert plain.tolist() == [2, -1, 0, -1, 3]
    with shared_lookups():
        first = lookup(keys, ids)
        first[:] = 99  # a caller changing its result does not change the next one
        again = lookup(keys, ids)
        other = lookup(keys, pd.Series(["d", "d"], dtype="string"))
    assert again.tolist() == plain.tolist() and other.tolist() == [3, 3]
    assert lookup(keys, ids).tolist() == plain.tolist()  # outside the block: no memo
