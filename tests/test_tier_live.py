"""The slider fast path (crmkit.tier.live) gives exactly what scoring and tiering from scratch do."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.params.gates import RiskGates
from crmkit.params.scoring import DIMENSIONS, ScoringParams
from crmkit.params.tiering import TieringParams
from crmkit.sample import generate
from crmkit.score import client_features, score_clients
from crmkit.tier import abc_tiers, tier_table
from crmkit.tier.live import LiveTiering, tier_codes

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def portfolio() -> tuple[pd.DataFrame, pd.Series]:
    features = client_features(generate(200, seed=11, as_of=AS_OF), AS_OF)
    rng = np.random.default_rng(0)
    pd_ = pd.Series(rng.uniform(0, 0.2, len(features)), index=features.index)
    pd_.iloc[::17] = np.nan  # some clients without a PD
    return features, pd_


@pytest.fixture(scope="module")
def live(portfolio) -> LiveTiering:
    features, pd_ = portfolio
    return LiveTiering(features, ScoringParams(), TieringParams(), pd_, RiskGates())


weights = st.lists(st.sampled_from([0.0, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0])
                   | st.floats(0, 1), min_size=len(DIMENSIONS), max_size=len(DIMENSIONS)
                   ).filter(lambda ws: sum(ws) > 0)
thresholds = st.tuples(st.floats(0, 99), st.floats(0.5, 100)).filter(lambda t: t[0] < t[1])
shares = st.tuples(st.floats(0.01, 0.9), st.floats(0.01, 0.9)).filter(lambda s: sum(s) < 0.99)


def _from_scratch(features: pd.DataFrame, pd_: pd.Series, scoring: ScoringParams,
                  tiering: TieringParams) -> pd.DataFrame:
    total = score_clients(features, scoring).scores["total"]
    return tier_table(total, pd_, features, tiering, gates=RiskGates())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ws=weights, cut=thresholds, share=shares, quantiles=st.booleans())
def test_fast_path_equals_scoring_and_tiering_from_scratch(portfolio, live, ws, cut, share,
                                                           quantiles) -> None:
    features, pd_ = portfolio
    scoring = ScoringParams(weights=dict(zip(DIMENSIONS, ws, strict=True)))
    abc = ({"method": "quantiles", "a_share": share[0], "b_share": share[1]} if quantiles
           else {"method": "thresholds", "b_min": cut[0], "a_min": cut[1]})
    tiering = TieringParams(abc=abc)
    assert live.fast(scoring, tiering)
    fast = live.table(scoring, tiering)
    pd.testing.assert_frame_equal(fast, _from_scratch(features, pd_, scoring, tiering),
                                  check_exact=True)


def test_totals_identical_to_score_clients(portfolio, live) -> None:
    features, _ = portfolio
    scoring = ScoringParams(weights={"credit": 0.7, "lifecycle": 0.1, "contribution": 0.2})
    expected = score_clients(features, scoring).scores["total"].to_numpy()
    assert np.array_equal(live.totals(scoring), expected)  # bit for bit, not approximately


def test_other_changes_take_the_full_path(portfolio, live) -> None:
    features, pd_ = portfolio
    tiering = TieringParams(risk={"pd_low_below": 0.001})
    scoring = ScoringParams(neutral_score=40.0)
    assert not live.fast(ScoringParams(), tiering) and not live.fast(scoring, TieringParams())
    pd.testing.assert_frame_equal(live.table(scoring, tiering),
                                  _from_scratch(features, pd_, scoring, tiering))


def test_tier_codes_match_abc_tiers_with_ties_and_missing() -> None:
    total = np.array([75.0, 74.999, 55.0, 54.9, np.nan, 100.0, 0.0, 55.0])
    for abc in ({"a_min": 75, "b_min": 55},
                {"method": "quantiles", "a_share": 0.25, "b_share": 0.25}):
        tiering = TieringParams(abc=abc)
        expected = abc_tiers(pd.Series(total), tiering).cat.codes.to_numpy()
        assert tier_codes(total, tiering).tolist() == expected.tolist()
