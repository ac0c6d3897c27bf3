"""The difference matrix: normalisation methods, golden scores, drivers, sensitivity, properties."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crmkit.core.contract import CODES
from crmkit.core.errors import ParametersError
from crmkit.params import load_params
from crmkit.params.scoring import DEFAULT_INDICATORS, DIMENSIONS, IndicatorSpec, ScoringParams
from crmkit.score import label, normalise, score_clients, top_drivers, weight_sensitivity
from crmkit.score.difference import DIMENSION_LABELS, INDICATOR_LABELS

SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _spec(**kw) -> IndicatorSpec:
    return IndicatorSpec(**kw)


def _s(values, dtype="float64") -> pd.Series:
    return pd.Series(values, dtype=dtype, name="x")


# -- normalisation methods -------------------------------------------------------------------
def test_percentile_ranks_with_ties_and_direction():
    x = _s([10, 20, 20, 40, None])
    # average ranks 1, 2.5, 2.5, 4 of 4 valid -> (r - 1) / 3 * 100
    np.testing.assert_allclose(normalise(x, _spec(method="percentile")),
                               [0, 50, 50, 100, np.nan])
    np.testing.assert_allclose(
        normalise(x, _spec(method="percentile", higher_is_better=False)),
        [100, 50, 50, 0, np.nan])
    np.testing.assert_allclose(normalise(_s([7.0]), _spec(method="percentile")), [50])


def test_minmax_value_and_quantile_caps():
    x = _s([0, 1, 3, 5, 7])
    np.testing.assert_allclose(normalise(x, _spec(method="minmax", lower=1, upper=5)),
                               [0, 0, 50, 100, 100])
    y = _s([0, 2, 4, 10])
    # p25 = 0 + 0.75 * 2 = 1.5 ; p75 = 4 + 0.25 * 6 = 5.5 (linear interpolation)
    np.testing.assert_allclose(normalise(y, _spec(method="minmax", lower="p25", upper="p75")),
                               [0, 12.5, 62.5, 100])
    # default caps p5 / p95; a reversed indicator is 100 - score
    np.testing.assert_allclose(
        normalise(y, _spec(method="minmax", lower="p0", upper="p100", higher_is_better=False)),
        [100, 80, 60, 0])
    # a degenerate range: every client on it scores 50
    np.testing.assert_allclose(normalise(_s([3, 3, 3]), _spec(method="minmax")), [50, 50, 50])


def test_bands_and_map():
    dscr = _s([0.9, 1.0, 1.1, 1.2, 1.49, 1.5, 3.0, None])
    spec = _spec(method="bands", cuts=[1.0, 1.2, 1.5], scores=[0, 40, 70, 100])
    np.testing.assert_allclose(normalise(dscr, spec), [0, 40, 40, 70, 70, 100, 100, np.nan])
    stage = _s(["maintenance", "exit", None, "unknown"], dtype="string")
    spec = IndicatorSpec(**DEFAULT_INDICATORS["lifecycle"]["lifecycle_stage"])
    np.testing.assert_allclose(normalise(stage, spec), [80, 10, np.nan, np.nan])


def test_numeric_method_on_text_column_names_the_fix():
    with pytest.raises(ParametersError, match="credit.dscr.*not numeric.*method 'map'"):
        normalise(_s(["a", "b"], dtype="string"), _spec(method="percentile"), "credit.dscr")


# -- a golden example ------------------------------------------------------------------------
TWO_DIMS = {"weights": {"credit": 3, "lifecycle": 1},
            "indicators": {"credit": {
                "dscr": {"method": "bands", "cuts": [1.0, 1.2, 1.5], "scores": [0, 40, 70, 100]},
                "on_time_share": {"method": "minmax", "lower": 0.7, "upper": 1.0}}}}


@pytest.fixture()
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "dscr": [1.6, 1.1, None], "on_time_share": [1.0, 0.85, 0.7],
        "lifecycle_stage": pd.array(["maintenance", "exit", None], dtype="string"),
    }, index=pd.Index(["C1", "C2", "C3"], name="client_id"))


def test_golden_scores_neutral_policy(small):
    r = score_clients(small, ScoringParams(**TWO_DIMS))
    # credit  = mean(dscr band, on-time minmax): C1 (100+100)/2, C2 (40+50)/2, C3 (50*+0)/2
    # lifecycle: 80, 10, 50* (* missing -> neutral 50); weights 3:1 -> 0.75, 0.25
    np.testing.assert_allclose(r.scores["credit"], [100, 45, 25])
    np.testing.assert_allclose(r.scores["lifecycle"], [80, 10, 50])
    np.testing.assert_allclose(r.scores["total"], [95, 36.25, 31.25])  # 0.75c + 0.25l
    assert r.scores["missing"].tolist() == [0, 0, 2]
    np.testing.assert_allclose(r.contributions.loc["C1", ["credit", "lifecycle"]], [75, 20])
    assert r.scores["contribution"].isna().all()        # weight 0 and no columns: not scored
    assert (r.contributions["contribution"] == 0).all()
    assert r.weights["credit"] == pytest.approx(0.75)
    np.testing.assert_allclose(r.indicators["dscr"], [100, 40, np.nan])
    assert r.scores.index.name == "client_id"


def test_golden_scores_exclude_policy(small):
    r = score_clients(small, ScoringParams(**TWO_DIMS, missing="exclude"))
    # C3 credit: dscr dropped -> on-time 0 alone; lifecycle: no data -> neutral 50
    np.testing.assert_allclose(r.scores["credit"], [100, 45, 0])
    np.testing.assert_allclose(r.scores["total"], [95, 36.25, 12.5])


def test_top_drivers_golden(small):
    d = top_drivers(score_clients(small, ScoringParams(**TWO_DIMS)), n=3)
    # credit contributions 75, 33.75, 18.75 (mean 42.5) -> effects 32.5, -8.75, -23.75
    # lifecycle 20, 2.5, 12.5 (mean 11.667) -> effects 8.333, -9.167, 0.833
    got = [(r.client_id, r.kind, r.rank, r.dimension, round(r.effect, 3))
           for r in d.itertuples()]
    assert got == [
        ("C1", "lift", 1, "credit", 32.5), ("C1", "lift", 2, "lifecycle", 8.333),
        ("C2", "drag", 1, "lifecycle", -9.167), ("C2", "drag", 2, "credit", -8.75),
        ("C3", "lift", 1, "lifecycle", 0.833), ("C3", "drag", 1, "credit", -23.75),
    ]
    assert d.loc[0, "label_zh"] == "信用状况" and d.loc[0, "label_en"] == "Credit standing"
    assert len(top_drivers(score_clients(small, ScoringParams(**TWO_DIMS)), n=1)) == 4


def test_weight_sensitivity_golden(small):
    def tiers(total: pd.Series) -> pd.Series:
        return pd.Series(np.where(total >= 60, "A", np.where(total >= 31.5, "B", "C")),
                         index=total.index)

    t = weight_sensitivity(small, ScoringParams(**TWO_DIMS), tiers)
    assert list(t.columns) == ["dimension", "direction", "clients_changed", "share_changed"]
    assert len(t) == 2 * len(DIMENSIONS)
    got = {(r.dimension, r.direction): r.clients_changed for r in t.itertuples()}
    # base C3 = 31.25 (C). credit x0.9 -> weights .730/.270 -> C3 31.76 (B): changes;
    # lifecycle x1.1 -> .732/.268 -> C3 31.71 (B): changes; the other two moves keep C.
    assert got[("credit", "-10%")] == 1 and got[("credit", "+10%")] == 0
    assert got[("lifecycle", "-10%")] == 0 and got[("lifecycle", "+10%")] == 1
    assert t.loc[t.dimension == "contribution", "clients_changed"].tolist() == [0, 0]
    cut = weight_sensitivity(small, ScoringParams(**TWO_DIMS), lambda x: pd.cut(
        x, [-np.inf, 31.5, 60, np.inf], right=False, labels=["C", "B", "A"]))  # categorical
    assert cut["clients_changed"].tolist() == t["clients_changed"].tolist()
    credit_down = t[(t.dimension == "credit") & (t.direction == "-10%")]
    assert credit_down["share_changed"].item() == pytest.approx(1 / 3)
    with pytest.raises(Exception, match="step"):
        weight_sensitivity(small, ScoringParams(**TWO_DIMS), tiers, step=1.5)


def test_tier_comparison_treats_two_missing_tiers_as_equal():
    from crmkit.score.difference import _n_changed

    a = np.array(["A", None, "B", None], dtype=object)
    assert _n_changed(a, np.array(["A", None, "C", "A"], dtype=object)) == 2
    assert _n_changed(pd.array(["A", pd.NA], dtype="string").to_numpy(),
                      np.array(["A", np.nan], dtype=object)) == 0


# -- parameters ------------------------------------------------------------------------------
def test_default_params_weights_and_labels():
    p = ScoringParams()
    w = p.normalised_weights()
    assert sum(w.values()) == pytest.approx(1)
    assert max(w, key=w.get) == "contribution"
    assert sorted(w, key=w.get, reverse=True)[1] in ("lifecycle", "credit")
    assert set(p.indicators) == set(DIMENSIONS)
    for name in [*DIMENSIONS, *(k for d in p.indicators.values() for k in d)]:
        assert label(name, "zh") != label(name, "en"), name
    assert set(DIMENSION_LABELS) >= set(DIMENSIONS)
    assert all(len(v) == 2 for v in INDICATOR_LABELS.values())
    assert ScoringParams.model_validate(p.model_dump()) == p


@pytest.mark.parametrize("weights, message", [
    ({"contrib": 1.0}, r"unknown dimension 'contrib' \(did you mean 'contribution'\?\)"),
    ({"credit": -0.1, "lifecycle": 1}, r"weight of 'credit' must be a number >= 0"),
    ({"credit": 0.0}, r"at least one dimension weight must be positive"),
    ({"credit": float("nan")}, r"weight of 'credit' must be a number >= 0"),
])
def test_invalid_weights_raise_naming_the_parameter(weights, message):
    with pytest.raises(ValidationError, match=message) as exc:
        ScoringParams(weights=weights)
    assert exc.value.errors()[0]["loc"] == ("weights",)


def test_invalid_weights_in_a_parameters_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("portfolio: demo\nas_of: 2026-09-30\nsources: {default: {path: data}}\n"
                 "scoring:\n  weights: {contribution: 1, credti: 1}\n", encoding="utf-8")
    with pytest.raises(ParametersError, match=r"scoring\.weights: .*did you mean 'credit'"):
        load_params(f)


@pytest.mark.parametrize("spec, message", [
    ({"method": "bands", "cuts": [1, 2], "scores": [0, 50]}, "one more score than cuts"),
    ({"method": "bands", "cuts": [2, 1], "scores": [0, 50, 100]}, "increase strictly"),
    ({"method": "bands", "cuts": [1, 2], "scores": [100, 50, 0]}, "must not fall"),
    ({"method": "minmax", "lower": 5, "upper": 1}, "must be below upper cap"),
    ({"method": "minmax", "lower": "q5"}, "quantile such as 'p5'"),
    ({"method": "map"}, "needs a non-empty 'mapping'"),
    ({"method": "percentile", "cuts": [1]}, "cuts not used by method 'percentile'"),
    ({"method": "zscore"}, "percentile"),
])
def test_invalid_indicator_specs(spec, message):
    with pytest.raises(ValidationError, match=message):
        ScoringParams(indicators={"credit": {"dscr": spec}})


def test_indicator_sets_merge_and_map_codes_are_checked():
    p = ScoringParams(indicators={"credit": {"dscr": {"method": "percentile"}}})
    assert list(p.indicators["credit"]) == ["dscr"]                  # replaced as a whole
    assert "income" in p.indicators["contribution"]                  # others keep defaults
    with pytest.raises(ValidationError, match=r"'maintainance'.*did you mean 'maintenance'"):
        ScoringParams(indicators={"lifecycle": {"lifecycle_stage": {
            "method": "map", "mapping": {"maintainance": 80}}}})
    with pytest.raises(ValidationError, match="unknown dimension 'credits'"):
        ScoringParams(indicators={"credits": {"dscr": {"method": "percentile"}}})
    with pytest.raises(ValidationError, match="already used in credit"):
        ScoringParams(indicators={"relationship": {"dscr": {"method": "percentile"}}})


def test_missing_feature_column_names_parameter_and_hint(small):
    with pytest.raises(ParametersError, match=r"indicators\.credit.*'dscr_x'.*did you mean "
                                              r"'dscr'"):
        score_clients(small, ScoringParams(**{**TWO_DIMS, "indicators": {"credit": {
            "dscr_x": {"method": "percentile"}}}}))


# -- properties ------------------------------------------------------------------------------
NUMERIC = {k: s for d in DEFAULT_INDICATORS.values() for k, s in d.items()
           if s["method"] != "map"}
CAT_CODES = {"lifecycle_stage": "lifecycle_stage", "risk_appetite": "risk_appetite",
             "region": "region", "industry": "industry"}


@st.composite
def feature_frames(draw, min_size: int = 2, max_size: int = 15) -> pd.DataFrame:
    n = draw(st.integers(min_size, max_size))
    value = st.one_of(st.none(), st.floats(-5, 50, allow_nan=False),
                      st.sampled_from([0.0, 1.0, 1.2, 0.5]))
    cols = {c: pd.array(draw(st.lists(value, min_size=n, max_size=n)), dtype="Float64")
            .astype(float) for c in NUMERIC}
    for c, codes in CAT_CODES.items():
        cols[c] = pd.array(draw(st.lists(st.sampled_from([*CODES[codes], None]),
                                         min_size=n, max_size=n)), dtype="string")
    return pd.DataFrame(cols, index=pd.Index([f"C{i}" for i in range(n)], name="client_id"))


weights_st = st.dictionaries(st.sampled_from(DIMENSIONS), st.floats(0, 10), min_size=1).filter(
    lambda w: any(v > 0 for v in w.values()))
params_st = st.builds(lambda w, m: ScoringParams(weights=w, missing=m), weights_st,
                      st.sampled_from(["neutral", "exclude"]))


@SETTINGS
@given(feature_frames(), params_st)
def test_scores_within_bounds_and_contributions_sum_to_total(f, p):
    r = score_clients(f, p)
    s = r.scores[list(DIMENSIONS) + ["total"]].to_numpy()
    assert np.all((s >= 0) & (s <= 100))
    np.testing.assert_allclose(r.contributions.sum(axis=1), r.scores["total"], atol=1e-9)
    ind = r.indicators.to_numpy()
    assert np.all(np.isnan(ind) | ((ind >= 0) & (ind <= 100)))


@SETTINGS
@given(feature_frames(), params_st, st.data())
def test_improving_an_indicator_never_lowers_the_total(f, p, data):
    col = data.draw(st.sampled_from(sorted(NUMERIC)))
    valid = np.flatnonzero(f[col].notna().to_numpy())
    if len(valid) == 0:
        return
    i = data.draw(st.sampled_from(valid.tolist()))
    delta = data.draw(st.floats(0.001, 30))
    better = NUMERIC[col].get("higher_is_better", True)
    g = f.copy()
    g.iloc[i, g.columns.get_loc(col)] += delta          # raise the value
    before = score_clients(f, p).scores["total"].iloc[i]
    after = score_clients(g, p).scores["total"].iloc[i]
    if better:
        assert after >= before - 1e-9
    else:
        assert after <= before + 1e-9


@SETTINGS
@given(feature_frames(), weights_st, st.floats(0.01, 100))
def test_scaling_all_weights_changes_nothing(f, w, c):
    a = score_clients(f, ScoringParams(weights=w))
    b = score_clients(f, ScoringParams(weights={k: v * c for k, v in w.items()}))
    pd.testing.assert_frame_equal(a.scores, b.scores, atol=1e-9, rtol=0)


@SETTINGS
@given(feature_frames(), weights_st, st.sampled_from(DIMENSIONS), st.randoms())
def test_zero_weight_dimension_has_no_effect(f, w, dim, rnd):
    w = {**w, dim: 0.0}
    if not any(v > 0 for v in w.values()):
        return
    g = f.copy()
    for col in DEFAULT_INDICATORS[dim]:                  # scramble that dimension's data
        values = g[col].tolist()
        rnd.shuffle(values)
        g[col] = pd.array(values, dtype=g[col].dtype)
    a = score_clients(f, ScoringParams(weights=w)).scores["total"]
    b = score_clients(g, ScoringParams(weights=w)).scores["total"]
    np.testing.assert_allclose(a, b, atol=1e-9)


# -- charts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, title", [("zh", "各维度得分分布"),
                                         ("en", "Score distribution by dimension")])
def test_charts_in_both_languages(small, lang, title):
    from matplotlib.figure import Figure

    from crmkit.core import CrmkitError
    from crmkit.score import contribution_bars, dimension_distribution, sensitivity_bars

    r = score_clients(small, ScoringParams(**TWO_DIMS))
    fig = dimension_distribution(r, lang)
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == title
    ticks = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    assert ticks == [f"{label('lifecycle', lang)} (25%)", f"{label('credit', lang)} (75%)",
                     label("total", lang)]                     # unscored dims left out
    bars = contribution_bars(r, n=2, names=pd.Series({"C1": "甲", "C2": "乙"}), lang=lang)
    assert [x.get_text() for x in bars.axes[0].get_yticklabels()] == ["甲", "乙"]  # best first
    table = weight_sensitivity(small, ScoringParams(**TWO_DIMS), lambda t: t > 50)
    assert isinstance(sensitivity_bars(table, lang), Figure)
    with pytest.raises(CrmkitError, match="lang"):
        dimension_distribution(r, "fr")


# -- the sample portfolio --------------------------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("crmkit.sample.portfolio") is None,
                    reason="crmkit.sample.portfolio not written yet")
def test_sample_scores_are_not_degenerate():
    from crmkit.sample import generate
    from crmkit.score import client_features

    tables = generate(300)
    f = client_features(tables, pd.Timestamp("2026-09-30"))
    r = score_clients(f)
    assert r.scores["total"].std() > 5
    assert (r.scores[list(DIMENSIONS)].std() > 1).all()
    assert r.scores["missing"].mean() < 5


def test_sample_parameters_file_states_the_defaults():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "parameters" / "sample.yaml"
    if not path.is_file():
        pytest.skip("parameters/sample.yaml not present")
    assert load_params(path).scoring == ScoringParams()
