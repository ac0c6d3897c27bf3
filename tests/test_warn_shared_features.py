"""The warn stage reuses the score stage's client features (churn at as_of, warning metrics)
and maps ids to clients once: the results equal those computed from scratch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.params.churn import ChurnParams
from crmkit.score.aggregate import shared_lookups
from crmkit.score.features import client_features
from crmkit.warn.churn import fit_churn
from crmkit.warn.metrics import client_metrics, facility_metrics

AS_OF = pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def tables():
    sample = pytest.importorskip("crmkit.sample.portfolio")
    return sample.generate(400, seed=11)


def test_churn_with_given_features_equals_churn_from_scratch(tables):
    feats = client_features(tables, AS_OF)
    before = feats.copy()
    a = fit_churn(tables, AS_OF, ChurnParams())
    b = fit_churn(tables, AS_OF, ChurnParams(), features=feats)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.training, b.training)
    assert a.auc == b.auc and a.method == b.method
    pd.testing.assert_frame_equal(feats, before)  # the caller's frame is not changed


def test_churn_folds_equal_cross_val_predict_and_sample_above_fit_max_rows():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from crmkit.warn.churn import _out_of_fold

    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(3000, 3)), columns=["a", "b", "c"])
    y = rng.random(3000) < 1 / (1 + np.exp(2 - 1.2 * X["a"].to_numpy()))
    model = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(C=0.1))])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    ref = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    assert np.array_equal(_out_of_fold(model, X, y, folds, None, 7), ref)
    assert np.array_equal(_out_of_fold(model, X, y, folds, 3000, 7), ref)
    part = _out_of_fold(model, X, y, folds, 1000, 7)  # each fold fitted on 1,000 of 2,400
    assert np.isfinite(part).all() and not np.array_equal(part, ref)
    assert abs(roc_auc_score(y, part) - roc_auc_score(y, ref)) < 0.02


def test_metrics_with_given_features_equal_metrics_from_scratch(tables):
    feats = client_features(tables, AS_OF)
    pd.testing.assert_frame_equal(client_metrics(tables, AS_OF),
                                  client_metrics(tables, AS_OF, features=feats))


def test_shared_lookups_change_no_feature_or_metric(tables):
    plain = (client_features(tables, AS_OF - pd.DateOffset(months=12), snapshot_date=AS_OF),
             client_features(tables, AS_OF), facility_metrics(tables, AS_OF))
    with shared_lookups():
        shared = (client_features(tables, AS_OF - pd.DateOffset(months=12),
                                  snapshot_date=AS_OF),
                  client_features(tables, AS_OF), facility_metrics(tables, AS_OF))
    for a, b in zip(plain, shared, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert np.isfinite(plain[2]["exposure"]).all()
