"""Tests of crmkit.tier.tiers (A/B/C, risk x capacity matrix), tiering_pareto, tiering_profiles,
the tiering parameters and crmkit.core.i18n. Golden values are computed by hand in the comments."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crmkit.core import CrmkitError, i18n
from crmkit.core.errors import ParametersError, TieringError
from crmkit.params import load_params
from crmkit.params.tiering import (
    SEGMENTS,
    AbcParams,
    CapacityMeasure,
    ParetoParams,
    ProfileParams,
    RiskParams,
    TieringParams,
    default_segments,
)
from crmkit.tier import (
    abc_tiers,
    capacity_level,
    client_profiles,
    matrix_table,
    pareto,
    risk_capacity_matrix,
    risk_level,
    segment_labels,
    segment_summary,
    tier_names,
    tier_summary,
    tier_table,
    unknown_clients,
)
from crmkit.tier.profiles import profile_name
from crmkit.tier.tiers import TIER_DTYPE, capacity_detail

HYP = settings(max_examples=60, deadline=None)
NINE = [s for s in SEGMENTS if s != "unknown"]


def ids(n: int) -> pd.Index:
    return pd.Index([f"C{i:03d}" for i in range(n)], name="client_id")


def series(values, name: str = "x") -> pd.Series:
    return pd.Series(values, index=ids(len(values)), name=name, dtype="float64")


def quantile_params(a: float, b: float) -> TieringParams:
    return TieringParams(abc=AbcParams(method="quantiles", a_share=a, b_share=b))


# -- A/B/C tiers ---------------------------------------------------------------------------
def test_thresholds_hand_example():
    # a_min 75, b_min 55 (defaults): >= 75 A, >= 55 B, else C; NaN -> no tier
    s = series([90, 75, 74.9, 55, 54.9, 0, np.nan])
    got = abc_tiers(s)
    assert got.dtype == TIER_DTYPE and got.name == "tier"
    assert got.astype("string").fillna("-").tolist() == ["A", "A", "B", "B", "C", "C", "-"]
    assert list(got.index) == list(s.index)
    assert (got.iloc[:6] >= "B").tolist() == [True] * 4 + [False] * 2  # ordered: A > B > C
    assert got.max() == "A" and got.min() == "C"


def test_quantiles_hand_example():
    # 10 distinct scores, top 20 % -> A (2 clients), next 30 % -> B (3 clients), rest C (5)
    s = series(range(1, 11))
    got = abc_tiers(s, quantile_params(0.2, 0.3)).astype(str).tolist()
    assert got == ["C"] * 5 + ["B"] * 3 + ["A"] * 2


def test_quantiles_ties_at_boundary_go_to_better_tier():
    # scores 10, 9, 9, 8..2 (n=10): one client above each 9, 1 < 0.2*10 -> both 9s are A
    s = series([10, 9, 9, 8, 7, 6, 5, 4, 3, 2])
    got = abc_tiers(s, quantile_params(0.2, 0.3)).astype(str).tolist()
    assert got[:3] == ["A", "A", "A"]
    assert got[3:6] == ["B", "B"] + ["C"]  # 3 above 8 < 5 -> B; 4 above 7 < 5 -> B; 5 -> C


def test_quantiles_float_shares_exact():
    # 0.7 * 10 is 7.000000000000001 in floating point: still exactly 7 A clients
    s = series(range(10))
    got = abc_tiers(s, quantile_params(0.7, 0.2)).astype(str)
    assert (got == "A").sum() == 7 and (got == "B").sum() == 2 and (got == "C").sum() == 1


scores = st.lists(st.one_of(st.floats(0, 100), st.sampled_from([0.0, 50.0, 75.0, 100.0])),
                  min_size=1, max_size=60)


@HYP
@given(scores, st.sampled_from(["thresholds", "quantiles"]),
       st.floats(0.05, 0.6), st.floats(0.05, 0.35))
def test_tiers_monotone_ties_equal_every_client_one_tier(values, method, a, b):
    p = TieringParams(abc=AbcParams(method=method, a_share=a, b_share=b))
    s = series(values)
    tier = abc_tiers(s, p)
    assert tier.notna().all() and set(tier.astype(str)) <= {"A", "B", "C"}
    rank = tier.cat.codes.to_numpy()  # C=0 < B=1 < A=2
    v = s.to_numpy()
    order = np.argsort(v, kind="stable")
    assert (np.diff(rank[order]) >= 0).all()  # higher score never gets a lower tier
    for val in np.unique(v):
        assert len(set(rank[v == val])) == 1  # ties get the same tier


def test_abc_validation_messages_name_the_parameter():
    with pytest.raises(ValidationError, match=r"b_min < a_min .* got a_min=50, b_min=60"):
        AbcParams(a_min=50, b_min=60)
    with pytest.raises(ValidationError, match=r"a_share \+ b_share must be < 1"):
        AbcParams(method="quantiles", a_share=0.6, b_share=0.4)
    with pytest.raises(ValidationError, match=r"a_share=1.2 must be a share strictly between"):
        AbcParams(a_share=1.2)
    with pytest.raises(ValidationError, match="b_share=0 must be"):
        AbcParams(b_share=0)


def test_parameters_file_reports_tiering_errors(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "portfolio: demo\nas_of: 2026-09-30\nsources: {default: {path: data}}\n"
        "tiering:\n  abc: {a_min: 40}\n  risk: {pd_low_below: 0.1, pd_medium_below: 0.05}\n"
        "  segments: {high_weak: {name_en: Watch list}, hi_strong: {}}\n", encoding="utf-8")
    with pytest.raises(ParametersError) as exc:
        load_params(f)
    msg = str(exc.value)
    assert "3 problems" in msg
    assert re.search(r"tiering\.abc: .*a_min=40, b_min=55", msg)
    assert re.search(r"tiering\.risk: .*pd_low_below=0\.1", msg)
    assert re.search(r"tiering\.segments: unknown segment\(s\) \['hi_strong'\]", msg)


def test_abc_rejects_non_numeric():
    with pytest.raises(TieringError, match="must be numeric"):
        abc_tiers(pd.Series(["a", "b"], name="total"))


def test_tier_names_and_summary():
    assert tier_names("zh") == {"A": "核心客户", "B": "重点客户", "C": "一般客户"}
    assert tier_names("en", short=True)["C"] == "C ordinary"
    f = pd.DataFrame({"score": [80.0, 60, 50, 40], "tier": ["A", "B", "C", "C"],
                      "exposure": [50.0, 30, 20, np.nan]}, index=ids(4))
    s = tier_summary(f)
    assert s["count"].tolist() == [1, 1, 2]
    assert s.loc["C", "exposure"] == 20.0  # NaN exposure counts as 0
    assert s["exposure_share"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert s.loc["C", "score_mean"] == 45.0


# -- risk and capacity ---------------------------------------------------------------------
def test_risk_level_pd_bands():
    # pd < 2 % low, < 8 % medium, else high; NaN unknown
    got = risk_level(series([0.0, 0.0199, 0.02, 0.0799, 0.08, 1.0, np.nan]))
    assert got.astype(str).tolist() == ["low", "low", "medium", "medium", "high", "high",
                                        "unknown"]
    assert got.name == "risk"


def test_risk_level_score_basis_and_bad_pd():
    p = TieringParams(risk=RiskParams(basis="score"))  # >= 70 low, >= 50 medium
    assert risk_level(series([85, 70, 69, 50, 10]), p).astype(str).tolist() == [
        "low", "low", "medium", "medium", "high"]
    with pytest.raises(TieringError, match=r"pd must be a probability .* 1 client.*C001=650"):
        risk_level(series([0.1, 650]))
    with pytest.raises(ValidationError, match="pd_low_below < pd_medium_below"):
        RiskParams(pd_low_below=0.1, pd_medium_below=0.05)


def test_capacity_dscr_with_interest_cover_fallback():
    # DSCR >= 1.5 strong, >= 1.2 medium; if DSCR missing: interest cover >= 3 strong, >= 1.5 medium
    f = pd.DataFrame({"dscr": [2.0, 1.5, 1.2, 1.19, np.nan, np.nan, np.nan, -0.5],
                      "interest_cover": [0.1, np.nan, 9, 9, 4.0, 1.0, np.nan, np.nan]},
                     index=ids(8))
    d = capacity_detail(f)
    assert d["capacity"].astype(str).tolist() == ["strong", "strong", "medium", "weak",
                                                  "strong", "weak", "unknown", "weak"]
    basis = d["capacity_basis"].astype("string").fillna("-").tolist()
    assert basis == ["dscr"] * 4 + ["interest_cover"] * 2 + ["-", "dscr"]
    assert d["capacity_value"].fillna(-99).tolist() == [2.0, 1.5, 1.2, 1.19, 4.0, 1.0, -99, -0.5]
    assert capacity_level(f).equals(d["capacity"])


def test_capacity_errors():
    with pytest.raises(TieringError, match=r"column\(s\) \['interest_cover'\] not found"):
        capacity_level(pd.DataFrame({"dscr": [1.0]}))
    with pytest.raises(ValidationError, match="dscr: medium_min must be < strong_min"):
        CapacityMeasure(column="dscr", strong_min=1.2, medium_min=1.5)
    one = TieringParams.model_validate(
        {"capacity": {"measures": [{"column": "dscr", "strong_min": 2, "medium_min": 1}]}})
    assert capacity_level(pd.DataFrame({"dscr": [2.0, 1.0, 0.5]}), one).astype(str).tolist() == [
        "strong", "medium", "weak"]


levels_r = st.sampled_from(["low", "medium", "high", "unknown"])
levels_c = st.sampled_from(["strong", "medium", "weak", "unknown"])


@HYP
@given(st.lists(st.tuples(levels_r, levels_c), min_size=1, max_size=40))
def test_matrix_assigns_exactly_one_segment(pairs):
    r = pd.Series([p[0] for p in pairs], index=ids(len(pairs)))
    c = pd.Series([p[1] for p in pairs], index=ids(len(pairs)))
    seg = risk_capacity_matrix(r, c)
    assert seg.notna().all() and len(seg) == len(pairs)
    for (rr, cc), s in zip(pairs, seg.astype(str), strict=True):
        if "unknown" in (rr, cc):
            assert s == "unknown"
        else:
            assert s == f"{rr}_{cc}" and s in NINE
    tab = matrix_table(pd.DataFrame({"risk": r, "capacity": c, "exposure": 1.0}),
                       include_unknown=True)
    assert tab["count"].to_numpy().sum() == len(pairs)


def test_matrix_aligns_missing_clients_as_unknown():
    r = pd.Series(["low", "high"], index=["a", "b"])
    c = pd.Series(["weak", "strong"], index=["b", "c"])
    seg = risk_capacity_matrix(r, c).astype(str)
    assert seg.to_dict() == {"a": "unknown", "b": "high_weak", "c": "unknown"}


def test_matrix_table_golden():
    f = pd.DataFrame({"risk": ["low", "low", "high", "high", "unknown"],
                      "capacity": ["strong", "strong", "weak", "medium", "weak"],
                      "exposure": [10.0, 5.0, 7.0, np.nan, 100.0]}, index=ids(5))
    t = matrix_table(f)
    assert t.shape == (3, 6) and list(t.index) == ["low", "medium", "high"]
    assert t["count"].loc["low", "strong"] == 2 and t["exposure"].loc["low", "strong"] == 15.0
    assert t["count"].loc["high", "medium"] == 1 and t["exposure"].loc["high", "medium"] == 0.0
    assert t["count"].to_numpy().sum() == 4  # the unknown client is not in the 3x3
    t4 = matrix_table(f, include_unknown=True)
    assert t4["count"].shape == (4, 4) and t4["exposure"].loc["unknown", "weak"] == 100.0


def test_segment_labels_summary_and_renaming():
    assert segment_labels(lang="zh")["high_weak"] == "高关注"
    assert segment_labels(lang="en", what="strategy")["high_strong"] == (
        "Structured solution with financial covenants")
    p = TieringParams.model_validate({"segments": {"high_weak": {"name_zh": "重点压降"}}})
    assert p.segments["high_weak"].name_en == "High attention"  # unspecified fields kept
    f = pd.DataFrame({"segment": ["high_weak", "high_weak", "low_strong", "unknown"],
                      "exposure": [1.0, 2.0, 3.0, 4.0]}, index=ids(4))
    s = segment_summary(f, p, lang="zh")
    assert list(s.index) == list(SEGMENTS)
    assert s.loc["high_weak", "name"] == "重点压降"
    assert s.loc["high_weak", "strategy"] == "压降敞口、增加担保、加强贷后监控"
    assert s.loc["high_weak", ["count", "exposure"]].tolist() == [2, 3.0]
    assert s.loc["unknown", "exposure_share"] == pytest.approx(0.4)  # 4 / 10
    assert s["count"].sum() == 4
    with pytest.raises(TieringError, match="what='slogan'"):
        segment_labels(what="slogan")


def test_unknown_clients_reasons():
    f = pd.DataFrame({"risk": ["low", "unknown", "high", "unknown"],
                      "capacity": ["strong", "weak", "unknown", "unknown"]}, index=ids(4))
    u = unknown_clients(f)
    assert u["reason"].to_dict() == {"C001": "risk_unknown", "C002": "capacity_unknown",
                                     "C003": "both_unknown"}


def test_tier_table_aligns_on_features():
    f = pd.DataFrame({"dscr": [2.0, 1.0, np.nan], "interest_cover": [np.nan, np.nan, np.nan],
                      "exposure": [1.0, 2.0, 3.0], "industry": ["energy"] * 3},
                     index=ids(3))
    score = pd.Series([80.0, 60.0], index=["C000", "C001"])  # C002 has no score
    pdv = pd.Series([0.01, 0.2, 0.05], index=["C002", "C001", "C000"])  # other order
    t = tier_table(score, pdv, f)
    assert list(t.index) == list(f.index)
    assert t["tier"].astype("string").fillna("-").tolist() == ["A", "B", "-"]
    assert t["risk"].astype(str).tolist() == ["medium", "high", "low"]
    assert t["segment"].astype(str).tolist() == ["medium_strong", "high_weak", "unknown"]
    assert {"exposure", "industry", "capacity_basis"} <= set(t.columns)


# -- Pareto --------------------------------------------------------------------------------
def test_pareto_hand_example():
    # [50, 30, 10, 5, 5]: cumulative 50 %, 80 % -> 2 of 5 clients (40 %) make 80 %;
    # the top 20 % (1 client) give 50 %; classes A up to 80 %, B up to 95 %
    r = pareto(series([5, 50, 10, 30, 5]))
    assert r.n_cut == 2 and r.client_share_at_cutoff == pytest.approx(0.4)
    assert r.top_share_value == pytest.approx(0.5)
    assert r.table["value"].tolist() == [50, 30, 10, 5, 5]
    assert list(r.table.index) == ["C001", "C003", "C002", "C000", "C004"]  # ties: input order
    assert r.table["cum_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 0.95, 1.0])
    assert r.table["pareto_class"].astype(str).tolist() == ["A", "A", "B", "B", "C"]


def test_pareto_interpolates_top_share():
    # 4 clients [40, 30, 20, 10]; top 25 % = 1 client = 40 %; top 30 %: 0.4 + (0.3-0.25)/0.25*0.3
    r = pareto(series([40, 30, 20, 10]), top_share=0.3)
    assert r.top_share_value == pytest.approx(0.46)


def test_pareto_negatives_clipped_missing_excluded():
    # [60, 40, -10, NaN]: -10 clipped to 0 but stays a client; NaN excluded -> base of 3
    r = pareto(series([60, 40, -10, np.nan]))
    assert r.n_clients == 3 and r.n_missing == 1
    assert r.n_negative == 1 and r.negative_total == -10.0 and r.total == 100.0
    assert r.table["cum_share"].tolist() == pytest.approx([0.6, 1.0, 1.0])
    assert r.n_cut == 2 and r.client_share_at_cutoff == pytest.approx(2 / 3)
    assert r.table["value"].iloc[-1] == -10.0 and r.table["contribution"].iloc[-1] == 0.0


def test_pareto_no_positive_contribution():
    r = pareto(series([0, -3, 0]))
    assert r.total == 0 and np.isnan(r.client_share_at_cutoff) and np.isnan(r.top_share_value)
    assert r.table["pareto_class"].astype(str).tolist() == ["C"] * 3


def test_pareto_validation():
    msg = r"pareto: need 0 < cutoff < b_cutoff <= 1; got cutoff=1.5"
    with pytest.raises(TieringError, match=msg):
        pareto(series([1, 2]), cutoff=1.5)
    with pytest.raises(TieringError, match="top_share=0 must be strictly between"):
        pareto(series([1, 2]), top_share=0)
    with pytest.raises(TieringError, match="must be numeric"):
        pareto(pd.Series(["x"]))
    with pytest.raises(ValidationError, match="cutoff"):
        ParetoParams(cutoff=0.99, b_cutoff=0.95)


@HYP
@given(st.lists(st.one_of(st.floats(-100, 1e9), st.just(0.0)), min_size=1, max_size=80),
       st.floats(0.05, 0.94))
def test_pareto_shares_monotone_end_at_one_and_cut_minimal(values, cutoff):
    r = pareto(series(values), cutoff=cutoff)
    cum = r.table["cum_share"].to_numpy()
    if r.total <= 0:
        assert np.isnan(cum).all()
        return
    assert (np.diff(cum) >= 0).all() and cum[-1] == 1.0
    assert (np.diff(r.table["cum_client_share"]) > 0).all()
    assert 1 <= r.n_cut <= r.n_clients
    assert cum[r.n_cut - 1] >= cutoff - 1e-9  # n_cut clients reach the cutoff ...
    assert r.n_cut == 1 or cum[r.n_cut - 2] < cutoff  # ... and one fewer does not
    assert 0 <= r.top_share_value <= 1


# -- client profiles -----------------------------------------------------------------------
def blobs(n_per: int = 40, seed: int = 0) -> pd.DataFrame:
    """Three groups: high leverage & low CSAT, low leverage & high CSAT, and long tenure."""
    rng = np.random.default_rng(seed)
    centres = [(0.85, 1.5, 5.0), (0.30, 4.6, 5.0), (0.55, 3.0, 25.0)]
    rows = [np.column_stack([rng.normal(a, 0.03, n_per), rng.normal(b, 0.15, n_per),
                             rng.normal(c, 1.0, n_per)]) for a, b, c in centres]
    return pd.DataFrame(np.vstack(rows), columns=["debt_to_assets", "csat_latest",
                                                  "tenure_years"], index=ids(3 * n_per))


def profile_params(**kw) -> TieringParams:
    base = {"features": ["debt_to_assets", "csat_latest", "tenure_years"], "log_features": [],
            "k": 3, "seed": 11}
    return TieringParams(profiles=ProfileParams(**{**base, **kw}))


def test_profiles_recover_groups_and_name_them():
    f = blobs()
    r = client_profiles(f, profile_params())
    groups = np.repeat([0, 1, 2], 40)
    assert pd.crosstab(groups, r.labels.to_numpy()).gt(0).sum(axis=1).tolist() == [1, 1, 1]
    first = r.labels.iloc[0]  # a client of the high-leverage, low-CSAT group
    assert r.name("zh")[first] == "高杠杆·低满意度"
    assert r.name("en")[first] == "High leverage · low satisfaction"
    assert r.name("zh")[r.labels.iloc[-1]].startswith("高合作年限")
    assert r.centroids["size"].tolist() == [40, 40, 40]
    # centroid in original units: the group's mean leverage (~0.85)
    assert r.centroids.loc[first, "debt_to_assets"] == pytest.approx(0.85, abs=0.02)
    assert r.client_names("zh").iloc[0] == "高杠杆·低满意度"


def test_profiles_deterministic_with_seed():
    f = blobs(seed=3)
    a, b = client_profiles(f, profile_params()), client_profiles(f, profile_params())
    assert a.labels.equals(b.labels) and a.names.equals(b.names)
    assert a.centroids.equals(b.centroids)
    assert list(a.centroids["size"]) == sorted(a.centroids["size"], reverse=True)


def test_profiles_impute_median_and_drop_useless_features():
    f = blobs(10)
    f.iloc[0, 0] = np.nan
    f["n_products"] = np.nan  # all missing -> dropped
    f["income"] = 5.0  # constant -> dropped
    p = profile_params(features=["debt_to_assets", "csat_latest", "tenure_years", "n_products",
                                 "income"], log_features=["income"])
    r = client_profiles(f, p)
    assert r.dropped == {"n_products": "all_missing", "income": "constant"}
    assert r.features == ["debt_to_assets", "csat_latest", "tenure_years"]
    assert r.medians["debt_to_assets"] == pytest.approx(f["debt_to_assets"].median())
    assert r.labels.notna().all()


def test_profiles_errors():
    with pytest.raises(TieringError, match=r"features names column\(s\) \['dscr'\]"):
        client_profiles(blobs(5), profile_params(features=["debt_to_assets", "dscr"]))
    with pytest.raises(TieringError, match="k=3 profiles need at least 3 clients; got 2"):
        client_profiles(blobs(5).iloc[:2], profile_params())
    with pytest.raises(ValidationError, match=r"log_features \['exposure'\] are not in features"):
        ProfileParams(features=["dscr", "roa"], log_features=["exposure"])


def test_profile_name_rules():
    z = pd.Series({"debt_to_assets": 1.2, "csat_latest": -0.9, "dscr": 0.1})
    assert profile_name(z) == "高杠杆·低满意度"
    assert profile_name(z, 1, lang="en") == "High leverage"
    assert profile_name(pd.Series({"dscr": 0.1, "roa": -0.2})) == "均衡型"  # all |z| < 0.25
    assert profile_name(pd.Series({"mystery": 2.0, "roa": -1.0})) == "高mystery·低盈利能力"


def test_profile_names_unique_on_collision():
    from crmkit.tier.profiles import _unique_names

    zc = pd.DataFrame({"debt_to_assets": [2.0, 2.0], "csat_latest": [-1.0, -1.0],
                       "dscr": [0.5, -0.5]})
    assert _unique_names(zc, 2, 0.25, "zh") == ["高杠杆·低满意度·高偿债覆盖",
                                                "高杠杆·低满意度·低偿债覆盖"]
    same = pd.DataFrame({"roa": [1.0, 1.0]})
    assert _unique_names(same, 1, 0.25, "en") == ["High profitability",
                                                  "High profitability (2)"]


# -- i18n ----------------------------------------------------------------------------------
_UNIT_LABELS = {"warn.money"}  # "{wan} 万元" / "CNY {m}m"


def test_every_label_has_both_languages():
    import importlib
    import pkgutil

    import crmkit

    for mod in pkgutil.walk_packages(crmkit.__path__, "crmkit."):  # every module's labels
        importlib.import_module(mod.name)
    fields = re.compile(r"\{(\w+)")
    for key, pair in i18n.LABELS.items():
        assert isinstance(pair, tuple) and len(pair) == len(i18n.LANGS), key
        assert all(isinstance(s, str) and s.strip() for s in pair), key
        zh, en = pair
        neutral = zh == en and len(fields.sub("", zh)) <= 12  # "AUC", "KS = {ks}", "n={n}"
        if re.search(r"\w", zh) and not neutral:  # separators ("·", "；") have no words
            assert re.search(r"[\u4e00-\u9fff]", zh), f"{key}: zh label {zh!r} is not Chinese"
        assert not re.search(r"[\u4e00-\u9fff]", en), f"{key}: en label {en!r} has CJK"
        if key not in _UNIT_LABELS:  # same fields, except amounts shown in each language's unit
            assert sorted(fields.findall(zh)) == sorted(fields.findall(en)), key


def test_i18n_lookup_and_fallbacks():
    assert i18n.t("tier.A", "zh") == "核心客户" and i18n.t("tier.A", "en") == "Core clients"
    assert i18n.t("col.exposure", "zh") == "敞口" and i18n.t("col.client_id", "zh") == "客户编号"
    assert i18n.t("no.such.key", "en") == "no.such.key"
    with pytest.raises(CrmkitError, match=r"lang='fr' is not supported; use one of \['zh', 'en'\]"):
        i18n.t("tier.A", "fr")
    assert i18n.header("score", "zh") == "综合得分"
    assert i18n.header("region", "zh") == "地区"  # from the data contract
    assert i18n.header("whatever", "en") == "whatever"


def test_i18n_register():
    i18n.register({"test.tiering.key": ("测试", "Test")})
    assert i18n.t("test.tiering.key", "zh") == "测试"
    with pytest.raises(CrmkitError, match="already"):
        i18n.register({"tier.A": ("核心", "Core")})
    with pytest.raises(CrmkitError, match="tuple of 2 non-empty strings"):
        i18n.register({"test.bad": ("只有中文",)})
    del i18n.LABELS["test.tiering.key"]


def test_segment_defaults_come_from_i18n():
    segs = default_segments()
    assert list(segs) == list(SEGMENTS) and len(NINE) == 9
    for code, lab in segs.items():
        assert (lab.name_zh, lab.name_en) == i18n.LABELS[f"segment.{code}"]
        assert (lab.strategy_zh, lab.strategy_en) == i18n.LABELS[f"segment.{code}.strategy"]
    assert len({lab.name_zh for lab in segs.values()}) == len(SEGMENTS)  # names are distinct
    assert segs["high_strong"].name_zh == "重点服务对象"
    assert segs["low_weak"].name_en == "Nurture & watch"
    assert segs["medium_medium"].name_zh == "常规维护"
