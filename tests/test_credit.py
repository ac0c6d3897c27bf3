"""Tests of the credit stage: WOE binning, scorecard, boosting, rules fallback, metrics, points
scaling, grades, slotting, reasons, model files and the pipeline on the sample and on an own
frame with other column names. Golden values are computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crmkit.core import CrmkitError
from crmkit.core.errors import CreditError
from crmkit.params.credit import LEAKY_FEATURES, CreditParams
from crmkit.score.credit import (
    CreditModel,
    GbmScorer,
    RulesScorer,
    Scaling,
    Scorecard,
    WoeBinner,
    assign_grades,
    assign_slotting,
    calibration_table,
    discrimination,
    fit_credit_model,
    ks_table,
    load_model,
    reason_texts,
    save_model,
    score_one,
    woe_iv,
)
from crmkit.score.credit.models import reasons_frame

HYP = settings(max_examples=40, deadline=None)
NAN = float("nan")
AS_OF = dt.date(2026, 9, 30)
FAST = {"compare_gbm": False}


def planted(n: int = 800, seed: int = 0) -> pd.DataFrame:
    """Clients with a planted logistic default signal in dscr, debt_to_assets, dpd_max and
    industry (plus a pure-noise column); column ``default`` is the 0/1 outcome."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "dscr": rng.lognormal(0.3, 0.4, n),
        "debt_to_assets": rng.beta(5, 4, n),
        "dpd_max": np.where(rng.random(n) < 0.7, 0, rng.integers(1, 90, n)).astype(float),
        "noise": rng.normal(size=n),
        "industry": pd.array(rng.choice(["energy", "mining", "retail", "technology"], n),
                             dtype="string"),
    })
    df.loc[rng.random(n) < 0.1, "dscr"] = np.nan
    z = (-2.5 - 2.0 * np.log(df["dscr"].fillna(1.0)) + 4.0 * (df["debt_to_assets"] - 0.55)
         + 0.025 * df["dpd_max"] + 0.8 * (df["industry"] == "mining").to_numpy(dtype=float))
    df["default"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    df.index = pd.Index([f"K{i:04d}" for i in range(n)], name="client_id")
    return df


def frame_params(**kw) -> CreditParams:
    base = {"features": ["dscr", "debt_to_assets", "dpd_max", "noise"],
            "categorical": ["industry"], "target": "default", **FAST}
    return CreditParams(**{**base, **kw})


# -- WOE and IV ------------------------------------------------------------------------------
def test_woe_iv_two_bins_by_hand():
    # bin 1: 40 goods, 10 bads; bin 2: 60 goods, 40 bads; G = 100, B = 50.
    # %good = 0.4, 0.6; %bad = 0.2, 0.8
    # WOE1 = ln(0.4 / 0.2) = ln 2 = 0.693147; WOE2 = ln(0.6 / 0.8) = ln 0.75 = -0.287682
    # IV = (0.4 - 0.2) * 0.693147 + (0.6 - 0.8) * (-0.287682) = 0.138629 + 0.057536 = 0.196166
    woe, iv = woe_iv(np.array([10, 40]), np.array([50, 100]), smoothing=0)
    assert woe == pytest.approx([math.log(2), math.log(0.75)])
    assert iv.sum() == pytest.approx(0.196166, abs=1e-6)


def test_binner_reproduces_the_two_bin_example():
    x = np.r_[np.zeros(50), np.ones(100)]
    y = np.r_[np.zeros(40), np.ones(10), np.zeros(60), np.ones(40)]
    X = pd.DataFrame({"x": x, "c": np.where(x == 0, "a", "b")})
    b = WoeBinner(["x"], ["c"], {"x": "ascending"}, n_prebins=2, min_bin_share=0.01,
                  rare_category_share=0, smoothing=0).fit(X, y)
    t = b.binning_table_.set_index(["feature", "bin_index"])
    assert t.loc[("x", 0), "woe"] == pytest.approx(math.log(2))
    assert t.loc[("x", 1), "woe"] == pytest.approx(math.log(0.75))
    assert t.loc[("x", 2), "bin"] == "(missing)" and t.loc[("x", 2), "n"] == 0
    assert t.loc[("x", 2), "woe"] == 0.0  # empty bin: neutral
    assert b.iv_["x"] == pytest.approx(0.196166, abs=1e-6)
    assert b.iv_["c"] == pytest.approx(0.196166, abs=1e-6)  # same split as categories
    w = b.transform(pd.DataFrame({"x": [0.0, 1.0, np.nan], "c": ["a", "zzz", None]}))
    assert w["x"].tolist() == pytest.approx([math.log(2), math.log(0.75), 0.0])
    # "zzz" is unseen -> (other), empty -> 0; None -> (missing), empty -> 0
    assert w["c"].tolist() == pytest.approx([math.log(2), 0.0, 0.0])


def test_smoothing_keeps_woe_finite_when_a_bin_has_no_defaults():
    # bin 1: 30 goods, 0 bads; bin 2: 20 goods, 10 bads; a = 0.5, k = 2
    # WOE1 = ln(((30.5) / 51) / ((0.5) / 11)) = ln(0.598039 / 0.045455) = ln(13.1569) = 2.5770
    woe, _ = woe_iv(np.array([0, 10]), np.array([30, 30]), smoothing=0.5)
    assert np.isfinite(woe).all()
    assert woe[0] == pytest.approx(math.log((30.5 / 51) / (0.5 / 11)))


def test_rare_categories_share_the_other_bin():
    X = pd.DataFrame({"c": ["a"] * 60 + ["b"] * 38 + ["r1", "r2"]})
    y = np.r_[np.zeros(50), np.ones(10), np.zeros(30), np.ones(8), [1, 0]]
    b = WoeBinner(categorical=["c"], rare_category_share=0.05).fit(X, y)
    t = b.binning_table_
    assert t["bin"].tolist() == ["a", "b", "(other)", "(missing)"]
    assert t.loc[t["bin"] == "(other)", "n"].item() == 2


@HYP
@given(x=st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(float("nan"))), min_size=20,
                  max_size=150),
       seed=st.integers(0, 10_000),
       direction=st.sampled_from(["auto", "ascending", "descending"]),
       min_share=st.sampled_from([0.02, 0.05, 0.2]), shrinkage=st.booleans())
# two pre-bins whose shrunk rates differ only by rounding were once kept apart (equal WOE)
@example(x=[1.0, NAN, *[0.0] * 9, NAN, NAN, 0.0, 0.0, 0.0, -1.401298464324817e-45, NAN, 0.0,
            479.0, 0.0],
         seed=0, direction="auto", min_share=0.02, shrinkage=True)
def test_numeric_bins_are_monotone_in_the_chosen_direction(x, seed, direction, min_share,
                                                           shrinkage):
    """Raw counts: the observed default rate is strictly monotone. Shrinkage: the WOE (the
    shrunk rate, which scores) is strictly monotone; observed rates may wiggle in noise."""
    y = np.random.default_rng(seed).integers(0, 2, len(x))
    assume(0 < y.sum() < len(y))
    b = WoeBinner(["x"], [], {"x": direction}, n_prebins=8, min_bin_share=min_share,
                  shrinkage=shrinkage).fit(pd.DataFrame({"x": x}), y)
    t = b.binning_table_
    bins = t[t["bin"] != "(missing)"]
    d = b.direction_["x"]
    assert d in ("ascending", "descending")
    if shrinkage:  # a safer bin has a higher WOE
        steps = -np.diff(bins.loc[bins["n"] > 0, "woe"].to_numpy())
    else:
        steps = np.diff(bins.loc[bins["n"] > 0, "event_rate"].to_numpy())
    assert (steps > 0).all() if d == "ascending" else (steps < 0).all()
    if len(bins) > 1:
        assert (bins["share"] >= min_share - 1e-12).all()
    assert t["n"].sum() == len(x)


def test_binner_rejects_bad_settings_and_single_class():
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(CreditError, match="'min_bin_share' parameter of WoeBinner"):
        WoeBinner(["x"], [], min_bin_share=0.7).fit(X, [0, 1, 0])
    with pytest.raises(CreditError, match="single class"):
        WoeBinner(["x"], []).fit(X, [0, 0, 0])
    with pytest.raises(CreditError, match="directions"):
        WoeBinner(["x"], [], {"x": "up"}).fit(X, [0, 1, 0])


# -- points scaling, grades, slotting -------------------------------------------------------
def test_points_scaling_formula():
    s = Scaling(600, 50, 20)
    # factor = 20 / ln 2 = 28.853901; offset = 600 - 28.853901 * ln 50 = 487.122876
    assert s.factor == pytest.approx(28.853901, abs=1e-6)
    assert s.offset == pytest.approx(487.122876, abs=1e-6)
    assert s.points_from_pd(1 / 51) == pytest.approx(600)          # odds 50:1 -> base points
    assert s.points_from_pd(1 / 101) == pytest.approx(620)         # odds 100:1 -> +PDO
    assert s.points_from_pd(1 / 26) == pytest.approx(580)          # odds 25:1 -> -PDO
    assert s.pd_from_points(600) == pytest.approx(1 / 51)
    pts = np.array([450.0, 600.0, 733.3])
    assert s.pd_from_points(s.points_from_pd(s.pd_from_points(pts))) == pytest.approx(
        s.pd_from_points(pts))
    with pytest.raises(CreditError, match="pdo > 0"):
        Scaling(600, 50, 0)


def test_grade_boundaries():
    g = CreditParams().grades
    pd_ = [0.00029999, 0.0003, 0.0009, 0.001, 0.0099, 0.01, 0.2999, 0.3, 0.9, np.nan]
    got = assign_grades(pd_, g, "D")
    # PD < bound gets the grade; a PD equal to the bound falls to the next grade
    # a performing client above the last bound is C: 'D' is for clients in default only
    assert list(got) == ["AAA", "AA", "AA", "A", "BBB", "BB", "CCC", "C", "C", None]
    dflt = assign_grades([0.0001, 0.0001, 0.95], g, "D", in_default=[False, True, False])
    assert list(dflt) == ["AAA", "D", "C"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.data())
def test_d_grade_means_default_and_nothing_else(pds, data):
    flags = data.draw(st.lists(st.booleans(), min_size=len(pds), max_size=len(pds)))
    got = assign_grades(pds, CreditParams().grades, "D", in_default=flags)
    assert [g == "D" for g in got] == flags


def test_tiny_missing_bin_is_neutral_not_a_penalty():
    """Two missing values that both defaulted must not earn a WOE of -2.5 (issue 10)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-(x - 2)))).astype(int)
    x[:2], y[:2] = np.nan, 1
    b = WoeBinner(numeric=["x"], min_bin_share=0.05).fit(pd.DataFrame({"x": x}), y)
    fb = b.bins_["x"]
    assert fb.n[fb.missing_index] == 2 and fb.woe[fb.missing_index] == 0.0
    assert fb.iv[fb.missing_index] == 0.0
    # a missing bin large enough keeps its own WOE (shrunk towards 0 by its noise, so it
    # needs a rate that stands out: here a third of its rows defaulted)
    x[:60] = np.nan
    y[:60:3] = 1
    big = WoeBinner(numeric=["x"], min_bin_share=0.05).fit(pd.DataFrame({"x": x}), y)
    assert big.bins_["x"].woe[big.bins_["x"].missing_index] < -0.5


def test_slotting_only_for_project_finance():
    bands = CreditParams().slotting
    pd_ = [0.005, 0.01, 0.029, 0.05, 0.2, 0.001, 0.001]
    pf = [True, True, True, True, True, False, True]
    dflt = [False, False, False, False, False, False, True]
    got = assign_slotting(pd_, bands, pf, dflt)
    assert list(got) == ["strong", "good", "good", "satisfactory", "weak", None, "default"]


def test_params_validation_reports_problems():
    with pytest.raises(ValidationError, match="strictly increasing"):
        CreditParams(grades=[["A", 0.1], ["B", 0.05]])
    with pytest.raises(ValidationError, match="would see the answer"):
        CreditParams(target="dscr")
    with pytest.raises(ValidationError, match="both features and categorical"):
        CreditParams(categorical=["dscr", "industry"])
    with pytest.raises(ValidationError, match="one more value than edges|len\\(edges\\) \\+ 1"):
        CreditParams(rules={"dscr": {"edges": [1.0], "points": [0, 1, 2]}})
    with pytest.raises(ValidationError, match="Extra inputs|extra"):
        CreditParams(min_default=5)


def test_default_features_do_not_leak_the_target():
    p = CreditParams()
    assert not set(LEAKY_FEATURES) & {*p.features, *p.categorical}
    assert p.target is None


# -- metrics ---------------------------------------------------------------------------------
def test_discrimination_by_hand():
    # y = 0, 0, 1, 1 with PDs .1, .4, .35, .8: of the 4 (bad, good) pairs, 3 rank the bad
    # higher (.35 > .1, .8 > .1, .8 > .4) -> AUC 0.75, Gini 0.5.
    # Riskiest first: .8 (bad) .4 (good) .35 (bad) .1 (good): max gap 1/2 - 0 = 0.5 -> KS 0.5
    m = discrimination([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert m == pytest.approx({"auc": 0.75, "gini": 0.5, "ks": 0.5})
    k = ks_table([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert k["gap"].max() == pytest.approx(0.5)
    assert k["bad"].iloc[-1] == 1 and k["good"].iloc[-1] == 1


def test_calibration_table_by_hand():
    y = [0, 0, 0, 1, 0, 1]
    pd_ = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    t = calibration_table(y, pd_, bins=2)
    # bin 1 = the 3 lowest PDs: mean .2, observed 0; bin 2: mean .5, observed 2/3
    assert t["n"].tolist() == [3, 3]
    assert t["mean_pd"].tolist() == pytest.approx([0.2, 0.5])
    assert t["observed"].tolist() == pytest.approx([0.0, 2 / 3])


# -- scorecard, boosting, rules --------------------------------------------------------------
@pytest.fixture(scope="module")
def card() -> tuple[Scorecard, pd.DataFrame]:
    df = planted()
    sc = Scorecard(["dscr", "debt_to_assets", "dpd_max", "noise"], ["industry"],
                   {"dscr": "descending", "debt_to_assets": "ascending"}).fit(df, df["default"])
    return sc, df


def test_scorecard_points_table_adds_up_to_the_score(card):
    sc, df = card
    rows = df.head(50)
    idx = sc.binner_.bin_indices(rows, sc.features_)
    table = sc.points_table_.set_index(["feature", "bin_index"])["points"]
    by_hand = sum(table.loc[list(zip([f] * len(rows), idx[f], strict=True))].to_numpy()
                  for f in sc.features_)
    assert by_hand == pytest.approx(sc.score_points(rows))
    pd_ = sc.predict_proba(rows)[:, 1]
    assert sc.score_points(rows) == pytest.approx(Scaling().points_from_pd(pd_))
    assert "noise" not in sc.features_ and sc.dropped_["noise"] == "iv"
    assert (sc.coef_ < 0).all()  # a safer (higher WOE) bin lowers the PD


def test_scorecard_reasons_are_points_lost(card):
    sc, df = card
    rows = df.head(20)
    r = sc.reasons(rows, n=3)
    lost, _ = sc.points_lost(rows)
    assert (lost.to_numpy() >= -1e-9).all()
    top = lost.max(axis=1)
    assert r["reason_1_points"].fillna(0).to_numpy() == pytest.approx(top.to_numpy())
    assert (r["reason_1_points"].fillna(0) >= r["reason_2_points"].fillna(0)).all()


def test_reasons_frame_by_hand():
    lost = pd.DataFrame({"a": [0.0, 0.0, 7.0], "b": [5.0, 0.0, 7.0], "c": [0.5, 0.0, 2.0]})
    miss = pd.DataFrame({"a": [False] * 3, "b": [False, False, True], "c": [False] * 3})
    r = reasons_frame(lost, miss, n=2)
    # row 0: b (5) then c (0.5); row 1: nothing lost; row 2: tie a = b = 7 keeps column order
    assert r["reason_1"].fillna("-").tolist() == ["b", "-", "a"]
    assert r["reason_2"].fillna("-").tolist() == ["c", "-", "b"]
    assert r["reason_2_missing"].tolist() == [False, False, True]
    strict = reasons_frame(lost, miss, n=2, min_points=1.0)
    assert strict["reason_2"].fillna("-").tolist() == ["-", "-", "b"]  # 0.5 is not a reason


def test_gbm_has_the_same_interface(card):
    _, df = card
    g = GbmScorer(["dscr", "debt_to_assets", "dpd_max"], ["industry"],
                  {"dscr": "descending"}, max_iter=60).fit(df, df["default"])
    p = g.predict_proba(df)[:, 1]
    assert discrimination(df["default"], p)["auc"] > 0.7
    assert g.score_points(df) == pytest.approx(Scaling().points_from_pd(p))
    r = g.reasons(df.head(5))
    assert {"reason_1", "reason_1_points", "reason_3_missing"} <= set(r.columns)
    # unseen category at scoring: shares the (other) level, no crash
    odd = df.head(2).assign(industry=pd.array(["space", None], dtype="string"))
    assert np.isfinite(g.predict_proba(odd)).all()


def test_rules_points_by_hand():
    p = CreditParams()
    r = RulesScorer(p.rules, p.rules_base_points).fit(pd.DataFrame(
        {f: [0.0] for f in p.rules}))
    row = pd.DataFrame({"dscr": [1.3], "debt_to_assets": [0.6], "interest_cover": [4.0],
                        "dpd_max": [0.0], "on_time_share": [1.0]})
    # 480 + dscr [1.2, 1.5) 35 + d/a [0.5, 0.65) 30 + cover [3, 5) 30 + dpd < 1 50 + on-time
    # >= 0.99 30 = 655
    assert r.score_points(row)[0] == pytest.approx(655)
    assert r.predict_proba(row)[0, 1] == pytest.approx(Scaling().pd_from_points(655))
    missing = row.assign(dscr=np.nan)
    # dscr missing: 20 points instead of 35 -> 640; it is the top reason (lost 60 - 20 = 40)
    assert r.score_points(missing)[0] == pytest.approx(640)
    why = r.reasons(missing)
    assert why.loc[0, "reason_1"] == "dscr" and why.loc[0, "reason_1_missing"]
    assert why.loc[0, "reason_1_points"] == pytest.approx(40)


# -- the pipeline on an own frame ---------------------------------------------------------------
def test_rules_fallback_with_five_defaults():
    df = planted(300, seed=1)
    df["default"] = 0
    df.iloc[:5, df.columns.get_loc("default")] = 1
    df["interest_cover"], df["on_time_share"] = 4.0, 1.0
    res = fit_credit_model(df, params=frame_params())
    assert res.method == "rules"
    assert len(res.warnings) == 1
    assert "5 defaults" in res.warnings[0] and "min_defaults = 20" in res.warnings[0]
    assert "专家规则" in res.warnings[0]
    s = res.scores
    assert s["pd"].to_numpy() == pytest.approx(Scaling().pd_from_points(s["points"]))
    assert s["points"].between(480, 700).all()
    assert set(res.scorecard_table["feature"]) == {"dscr", "debt_to_assets", "dpd_max",
                                                  "interest_cover", "on_time_share"}
    assert res.metrics["basis"].tolist() == ["in_sample"]


def test_own_frame_with_chinese_columns_and_target():
    src = planted(700, seed=2)
    df = pd.DataFrame({
        "客户号": src.index, "资产负债率": src["debt_to_assets"].to_numpy(),
        "偿债覆盖率": src["dscr"].to_numpy(), "最长逾期天数": src["dpd_max"].to_numpy(),
        "所属行业": src["industry"].to_numpy(),
        "是否违约": np.where(src["default"] == 1, "是", "否"),
        "项目融资": np.arange(len(src)) % 4 == 0})
    df.loc[df.index[-20:], "是否违约"] = None  # unknown outcome: scored, not trained on
    p = CreditParams(
        columns={"资产负债率": "debt_to_assets", "偿债覆盖率": "dscr", "所属行业": "industry"},
        features=["debt_to_assets", "dscr", "最长逾期天数"], categorical=["industry"],
        target="是否违约", id_column="客户号", project_finance_column="项目融资",
        directions={"debt_to_assets": "ascending", "dscr": "descending"}, **FAST)
    res = fit_credit_model(df, params=p)
    assert res.method == "scorecard"
    assert res.summary["n_train"] == 680 and res.summary["rows_without_target"] == 20
    assert len(res.scores) == 700 and res.scores.index[0] == "K0000"
    assert res.metrics.set_index("basis").loc["out_of_fold", "auc"] > 0.70
    pf = res.scores["project_finance"]
    assert res.scores.loc[~pf, "slotting"].isna().all()
    assert res.scores.loc[pf, "slotting"].notna().all()
    assert "最长逾期天数" in res.scorecard_table["feature"].tolist()
    # one client, raw source names
    one = score_one(res.model, df.iloc[3].to_dict())
    assert one["pd"] == pytest.approx(res.scores["pd"].iloc[3])
    assert one["points"] == pytest.approx(res.scores["points"].iloc[3])
    assert one["grade"] == res.scores["grade"].iloc[3]
    assert len(one["reasons"]) <= 3 and {"zh", "en", "points_lost"} <= set(one["reasons"][0])


def test_own_frame_errors_name_the_fix():
    df = planted(100)
    with pytest.raises(CreditError, match="needs credit.target"):
        fit_credit_model(df, params=frame_params(target=None))
    with pytest.raises(CreditError, match="'违约' is not a column"):
        fit_credit_model(df, params=frame_params(target="违约"))
    with pytest.raises(CreditError, match="has no column \\['roa'\\].*credit.columns"):
        fit_credit_model(df, params=frame_params(features=["dscr", "roa"]))
    bad = df.assign(default=df["default"].astype(str).replace("1", "maybe"))
    with pytest.raises(CreditError, match="must hold 0/1.*maybe"):
        fit_credit_model(bad, params=frame_params())
    txt = df.assign(dscr=["n/a", "1.5 "] + [str(v) for v in df["dscr"].iloc[2:]])
    with pytest.raises(CreditError, match="'dscr' is numeric.*n/a"):
        fit_credit_model(txt, params=frame_params())


def test_gbm_comparison_and_model_choice():
    df = planted(500, seed=3)
    res = fit_credit_model(df, params=frame_params(model="gbm", compare_gbm=True,
                                                   gbm_max_iter=40, cv_folds=3))
    assert res.method == "gbm" and set(res.models) == {"scorecard", "gbm"}
    m = res.metrics.set_index(["model", "basis"])
    for model in ("scorecard", "gbm"):
        row = m.loc[(model, "out_of_fold")]
        assert row["auc"] > 0.65 and 0 < row["ks"] < 1
        assert row["gini"] == pytest.approx(2 * row["auc"] - 1)
    assert not res.scorecard_table.empty  # the transparent table is always shown


def test_save_and_load_score_identically(tmp_path):
    df = planted(500, seed=4)
    res = fit_credit_model(df, params=frame_params())
    path = save_model(res.model, tmp_path / "pd.joblib")
    meta = json.loads((tmp_path / "pd.json").read_text(encoding="utf-8"))
    assert meta["scaling"]["base_points"] == 600 and meta["scaling"]["pdo"] == 20
    assert meta["scaling"]["factor"] == pytest.approx(20 / math.log(2))
    assert meta["method"] == "scorecard" and meta["numeric"][0] == "dscr"
    assert len(meta["params_hash"]) == 64 and meta["crmkit_version"]
    back = load_model(path)
    assert isinstance(back, CreditModel)
    pd.testing.assert_frame_equal(back.score(df), res.model.score(df))
    meta["params_hash"] = "0" * 64
    (tmp_path / "pd.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CreditError, match="disagree"):
        load_model(path)
    with pytest.raises(CreditError, match="not found"):
        load_model(tmp_path / "absent.joblib")


def test_reason_texts_are_bilingual():
    scores = pd.DataFrame({"reason_1": ["dscr", "dscr", None], "reason_1_points": [18.4, 5, np.nan],
                           "reason_1_missing": [False, True, False]})
    zh = reason_texts(scores, "zh")
    en = reason_texts(scores, "en")
    assert zh["reason_1_text"].tolist()[:2] == ["偿债覆盖率偏低", "偿债覆盖率数据缺失"]
    assert en["reasons"].tolist() == ["Thin debt service cover (-18)", "DSCR not reported (-5)",
                                      ""]


# -- the pipeline on the sample portfolio ------------------------------------------------------
@pytest.fixture(scope="module")
def sample_tables():
    sample = pytest.importorskip("crmkit.sample.portfolio")
    return sample.generate(600)


@pytest.fixture(scope="module")
def sample_result(sample_tables):
    return fit_credit_model(sample_tables, AS_OF, CreditParams(**FAST))


def test_sample_metrics(sample_result):
    res = sample_result
    assert res.method == "scorecard" and not res.warnings
    m = res.metrics.set_index("basis").loc["out_of_fold"]
    assert m["auc"] > 0.70
    assert 0 < m["ks"] < 1
    assert m["gini"] == pytest.approx(2 * m["auc"] - 1)
    cal = res.calibration
    assert cal["n"].sum() == res.summary["n_train"]
    # calibration in the large: mean OOF PD within 3 points of the observed default rate
    assert abs(cal["mean_pd"].mean() - res.summary["default_rate"]) < 0.03


def test_sample_training_pools_yearly_cohorts_without_late_or_defaulted_clients(
        sample_tables, sample_result):
    from crmkit.score import client_features, default_flag

    s = sample_result.summary
    assert s["obs_date"] == "2025-09-30" and len(s["cohorts"]) == CreditParams().cohorts
    onboard = sample_tables["clients"].set_index("client_id")["onboarding_date"]
    index, n_def = [], 0
    for k, cohort in enumerate(s["cohorts"]):
        end = pd.Timestamp(AS_OF) - pd.DateOffset(years=k)
        obs = end - pd.DateOffset(years=1)
        assert cohort["obs_date"] == obs.date().isoformat()
        f = client_features(sample_tables, obs, snapshot_date=pd.Timestamp(AS_OF))
        keep = (~(onboard.reindex(f.index) > obs) & ~f["in_default"].fillna(False)
                ).to_numpy(bool)
        y = default_flag(sample_tables, obs, end, snapshot_date=pd.Timestamp(AS_OF))
        assert cohort["rows"] == keep.sum() and cohort["defaults"] == y[keep].sum()
        index += list(f.index[keep])
        n_def += int(y[keep].sum())
    assert s["n_train"] == len(index) and s["n_defaults"] == n_def
    assert list(sample_result.oof.index) == index


def test_grouped_folds_keep_a_clients_rows_together():
    """A client in several cohorts is never scored by a model that saw one of its rows."""
    from crmkit.score.credit.metrics import oof_predict

    class Memo:  # predicts 1 for rows whose client it was trained on
        def get_params(self, deep=False):
            return {}

        def fit(self, X, y):
            self.seen_ = set(X["client"])
            return self

        def predict_proba(self, X):
            p = X["client"].isin(self.seen_).to_numpy(float)
            return np.c_[1 - p, p]

    rng = np.random.default_rng(0)
    clients = np.repeat(np.arange(60), 3)
    X = pd.DataFrame({"client": clients})
    y = (rng.random(len(X)) < 0.3).astype(int)
    assert (oof_predict(Memo(), X, y, 5, 1, groups=clients) == 0).all()
    assert (oof_predict(Memo(), X, y, 5, 1) == 1).any()  # without groups a client leaks


def test_model_below_its_gate_falls_back_to_expert_rules(sample_tables):
    res = fit_credit_model(sample_tables, AS_OF, CreditParams(**{**FAST, "min_auc": 0.999}))
    assert res.method == "rules" and res.summary["model_auc"] < 0.999
    assert any("credit.min_auc" in w for w in res.warnings)
    assert res.model.method == "rules" and res.scores["pd"].between(0, 1).all()


def test_sample_scores_every_client(sample_tables, sample_result):
    s = sample_result.scores
    assert list(s.index) == sample_tables["clients"]["client_id"].tolist()
    assert s["pd"].between(0, 1).all() and s["grade"].notna().all()
    assert (s.loc[s["in_default"], "pd"] == 1).all()
    assert (s.loc[s["in_default"], "grade"] == "D").all()
    fac = sample_tables["facilities"]
    pf = set(fac.loc[(fac["product"] == "project_finance") & (fac["status"] != "closed"),
                     "client_id"])
    assert s.loc[s["slotting"].notna()].index.isin(list(pf)).all()
    assert s.loc[s.index.isin(list(pf)), "slotting"].notna().all()
    assert set(s["slotting"].dropna()) <= {"strong", "good", "satisfactory", "weak", "default"}
    assert s["reason_1"].notna().mean() > 0.9
    labels = sample_result.reasons("en")["reasons"]
    assert labels.str.len().gt(0).mean() > 0.9


def test_sample_with_target_but_tables_is_an_error(sample_tables):
    with pytest.raises(CreditError, match="own features frame"):
        fit_credit_model(sample_tables, AS_OF, CreditParams(target="default"))


def test_sample_charts(sample_result):
    from crmkit.score.credit import credit_charts
    from crmkit.score.credit.charts import points_distribution

    figs = credit_charts(sample_result, "zh")
    assert set(figs) == {"roc", "ks", "calibration", "points", "iv"}
    assert figs["roc"].axes[0].get_title() == "ROC 曲线（样本外）"
    assert figs["ks"].axes[0].get_title() == "KS 曲线：评分卡"
    oof = sample_result.oof
    en = points_distribution(oof["points_scorecard"], oof["default"], "en")
    assert en.axes[0].get_xlabel() == "Points (higher = safer)"
    with pytest.raises(CrmkitError, match="lang='fr'"):
        points_distribution(oof["points_scorecard"], oof["default"], "fr")


def test_credit_section_errors_in_a_parameters_file(tmp_path):
    from crmkit.core.errors import ParametersError
    from crmkit.params import load_params

    f = tmp_path / "p.yaml"
    f.write_text("portfolio: t\nas_of: 2026-09-30\nsources: {default: {path: .}}\n"
                 "credit:\n  grades: [[A, 0.05], [B, 0.01]]\n  pdo: 0\n  min_default: 5\n",
                 encoding="utf-8")
    # every problem at once, each with its key path and a hint
    with pytest.raises(ParametersError, match=r"(?s)3 problems(?=.*credit\.grades: PD upper "
                       r"bounds)(?=.*credit\.pdo)(?=.*did you mean 'min_defaults')"):
        load_params(f)
