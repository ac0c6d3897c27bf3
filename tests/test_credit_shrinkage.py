"""Empirical-Bayes shrinkage of WOE (crmkit.score.credit.shrinkage): closed forms and the
behaviour that makes the scorecard steady on a few hundred defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crmkit.score.credit.binning import WoeBinner, woe_iv
from crmkit.score.credit.shrinkage import log_odds_variance, shrink_single, trend_shrunk_events


def _log_odds(n: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.log((n - e) / e)


def test_log_odds_variance_by_hand() -> None:
    assert log_odds_variance(np.array([9.5]), np.array([100.0]))[0] == pytest.approx(
        1 / 10 + 1 / 91)


def test_bins_on_a_straight_line_keep_their_log_odds() -> None:
    """No deviation from the trend: nothing to shrink (events + 1/2 as the estimate)."""
    n = np.full(5, 1000.0)
    t = np.arange(5.0)
    odds = np.exp(3.0 - 0.4 * t)  # (g + 1/2) / (e + 1/2) exactly linear in t
    e = (n + 1) / (1 + odds) - 0.5
    got = trend_shrunk_events(n, e, t)
    assert _log_odds(n, got) == pytest.approx(np.log(odds) + np.log(
        (n - e).sum() + 0.5) - np.log(e.sum() + 0.5) - (np.log((n - e).sum() + 0.5)
                                                         - np.log(e.sum() + 0.5)))


def test_noise_around_a_flat_rate_is_pulled_to_the_trend() -> None:
    """Bins drawn from one rate differ only by noise: shrunk rates lie on a straight line."""
    rng = np.random.default_rng(0)
    n = np.full(10, 300.0)
    e = rng.binomial(300, 0.05, 10).astype(float)
    t = np.arange(10.0)
    lo = _log_odds(n, trend_shrunk_events(n, e, t))
    assert np.ptp(np.diff(lo)) == pytest.approx(0, abs=1e-9)  # tau^2 = 0: the trend itself
    assert np.ptp(lo) < np.ptp(_log_odds(n, e))


def test_a_real_threshold_survives() -> None:
    """A step far beyond the noise keeps most of its size (the trend only takes the rest)."""
    n = np.full(8, 2000.0)
    e = np.array([20, 20, 20, 20, 200, 200, 200, 200], dtype=float)
    lo = _log_odds(n, trend_shrunk_events(n, e, np.arange(8.0)))
    raw = _log_odds(n, e)
    assert 0.8 < (lo[4] - lo[3]) / (raw[4] - raw[3]) < 1


def test_fewer_than_three_prebins_are_left_alone() -> None:
    e = np.array([3.0, 9.0])
    assert trend_shrunk_events(np.array([100.0, 100.0]), e, np.array([0.0, 1.0])).tolist() == [
        3.0, 9.0]


@pytest.mark.parametrize(("woe", "events", "n"), [(0.1, 20, 500), (-0.3, 30, 400),
                                                    (0.8, 10, 600)])
def test_single_bin_james_stein_factor(woe: float, events: float, n: float) -> None:
    se2 = 1 / (events + 0.5) + 1 / (n - events + 0.5)
    want = woe * max(0.0, 1 - se2 / woe**2)
    assert shrink_single(woe, events, n) == pytest.approx(want)
    assert abs(shrink_single(woe, events, n)) <= abs(woe)


def test_missing_at_random_bin_scores_near_neutral() -> None:
    """Values missing at random: the missing bin's WOE is shrunk to (nearly) 0; missing values
    that signal risk keep a clearly negative WOE."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=8000)
    y = (rng.random(8000) < 1 / (1 + np.exp(-(0.8 * x - 3)))).astype(int)
    mar = x.copy()
    mar[rng.random(8000) < 0.1] = np.nan
    raw = WoeBinner(["x"], shrinkage=False).fit(pd.DataFrame({"x": mar}), y).bins_["x"]
    shr = WoeBinner(["x"]).fit(pd.DataFrame({"x": mar}), y).bins_["x"]
    assert abs(shr.woe[-1]) <= abs(raw.woe[-1])
    assert abs(shr.woe[-1]) < 0.15
    risky = x.copy()
    risky[(x > 1) & (rng.random(8000) < 0.8)] = np.nan  # the riskiest hide their value
    fb = WoeBinner(["x"]).fit(pd.DataFrame({"x": risky}), y).bins_["x"]
    assert fb.woe[-1] < -0.5
    raw_woe = woe_iv(fb.events, fb.n, 0.5)[0][-1]  # the missing bin's own counts
    assert fb.woe[-1] == pytest.approx(shrink_single(raw_woe, fb.events[-1], fb.n[-1]))


def test_shrinkage_helps_out_of_sample_on_a_linear_logit() -> None:
    """On a linear logit with ~150 training defaults, shrunk WOE predicts held-out rows at
    least as well (log loss) as raw WOE, averaged over several draws."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    losses = {True: [], False: []}
    for seed in range(6):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(6000, 2))
        y = (rng.random(6000) < 1 / (1 + np.exp(-(x @ [0.7, -0.5] - 3.2)))).astype(int)
        X = pd.DataFrame(x, columns=["a", "b"])
        tr, te = slice(0, 3000), slice(3000, None)
        for shrink in (True, False):
            b = WoeBinner(["a", "b"], n_prebins=20, min_bin_share=0.02, shrinkage=shrink)
            w_tr = b.fit(X.iloc[tr], y[tr]).transform(X.iloc[tr])
            lr = LogisticRegression().fit(w_tr, y[tr])
            losses[shrink].append(log_loss(y[te], lr.predict_proba(b.transform(X.iloc[te]))))
    assert np.mean(losses[True]) < np.mean(losses[False])
    assert math.isfinite(np.mean(losses[True]))


def test_parameter_switches_shrinkage_off() -> None:
    """credit.woe_shrinkage: false gives the raw-count bins (the observed rates monotone)."""
    from crmkit.params.credit import CreditParams
    from crmkit.score.credit.fit import make_estimator

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"x": rng.normal(size=3000)})
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X["x"] - 2.5)))).astype(int)
    on = make_estimator(CreditParams(features=["x"], categorical=[]), "scorecard").fit(X, y)
    off = make_estimator(CreditParams(features=["x"], categorical=[], woe_shrinkage=False),
                         "scorecard").fit(X, y)
    assert on.shrinkage and not off.shrinkage
    raw = off.binner_.bins_["x"]
    assert raw.woe[:-1] == pytest.approx(woe_iv(raw.events, raw.n, 0.5)[0][:-1])
    assert not np.allclose(on.binner_.bins_["x"].woe[:-1],
                           woe_iv(on.binner_.bins_["x"].events, on.binner_.bins_["x"].n,
                                  0.5)[0][:-1])
