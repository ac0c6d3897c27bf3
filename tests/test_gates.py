"""Risk before value: the gates hold for every client, whatever its value (property tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import crmkit.diagnose as D
from crmkit.diagnose.strategies import ALLOWED_KINDS, load_strategies, match_strategies
from crmkit.params.gates import RiskGates
from crmkit.tier import tier_table
from crmkit.tier.gates import risk_status

S = "string"
_LEVELS = ["high", "medium", "low", "unknown"]


@st.composite
def books(draw, n_max: int = 30):
    n = draw(st.integers(1, n_max))
    idx = pd.Index([f"C{i}" for i in range(n)], dtype=S, name="client_id")
    fl = st.floats(0, 1)
    feats = pd.DataFrame({
        "client_name": pd.array([f"客户{i}" for i in range(n)], dtype=S),
        "exposure": draw(st.lists(st.floats(0, 1e9), min_size=n, max_size=n)),
        "income": draw(st.lists(st.floats(0, 1e7), min_size=n, max_size=n)),
        "interest_cover": draw(st.lists(st.floats(0, 10), min_size=n, max_size=n)),
        "dscr": draw(st.lists(st.one_of(st.floats(0, 4), st.just(np.nan)),
                              min_size=n, max_size=n)),
        "in_default": pd.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                               dtype="boolean"),
        "csat_latest": draw(st.lists(st.sampled_from([1.0, 3.0, 5.0, np.nan]),
                                     min_size=n, max_size=n)),
        "nps_latest": draw(st.lists(st.sampled_from([2.0, 8.0, 10.0, np.nan]),
                                    min_size=n, max_size=n)),
    }, index=idx)
    score = pd.Series(draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)), index=idx)
    pd_ = pd.Series(draw(st.lists(fl, min_size=n, max_size=n)), index=idx)
    return feats, score, pd_


@settings(max_examples=60, deadline=None)
@given(books())
def test_no_client_in_default_is_tier_a_or_b_and_no_breach_is_a(book):
    feats, score, pd_ = book
    t = tier_table(score, pd_, feats)
    dflt = feats["in_default"].to_numpy(dtype=bool)
    breach = (feats["dscr"] < 1.0).to_numpy(dtype=bool)
    tier = t["tier"].astype("string")
    assert not tier[dflt].isin(["A", "B"]).any()
    assert not tier[breach].eq("A").any()
    assert t.loc[dflt | breach, "risk"].astype(str).eq("high").all()
    assert (t["tier"].isna() == t["tier_by_value"].isna()).all()


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_no_client_in_breach_default_or_watch_gets_a_value_strategy(book, data):
    feats, score, pd_ = book
    n = len(feats)
    sev = data.draw(st.lists(st.sampled_from(["critical", "high", "medium", None]),
                             min_size=n, max_size=n))
    alerts = pd.DataFrame({"client_id": [c for c, s in zip(feats.index, sev) if s],
                           "severity": [s for s in sev if s]})
    stages = pd.Series(data.draw(st.lists(st.sampled_from([1, 2, 3]), min_size=n, max_size=n)),
                       index=feats.index)
    tiers = tier_table(score, pd_, feats)
    diag = D.diagnostic_table(feats, tiers=tiers, segments=tiers, pd_=pd_, risk=tiers,
                              alerts=alerts, clv=feats["income"] * 5, stages=stages)
    kind = diag["strategy_kind"].astype(str)
    status = diag["risk_status"].astype(str)
    dflt = feats["in_default"].to_numpy(dtype=bool) | (stages.to_numpy() >= 3)
    breach = (feats["dscr"] < 1.0).to_numpy(dtype=bool)
    assert (status[dflt] == "default").all() and (kind[dflt] == "workout").all()
    watch = ~dflt & (breach | (stages.to_numpy() >= 2) | (np.array(sev) == "critical"))
    assert (status[watch] == "watch").all() and kind[watch].isin(["workout", "risk"]).all()
    blocked = (pd_.to_numpy() >= 0.03) | np.isin(np.array(sev, dtype=object), ["critical", "high"])
    assert not kind[blocked | dflt | watch].eq("value").any()
    assert not diag.loc[dflt, "tier"].isin(["A", "B"]).any()
    assert diag.loc[dflt | watch, "risk_band"].eq("high").all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["default", "watch", "elevated", "normal"]),
                          st.sampled_from(_LEVELS), st.sampled_from(_LEVELS)),
                min_size=1, max_size=30))
def test_strategy_kinds_follow_the_allowed_table(rows):
    frame = pd.DataFrame(rows, columns=["risk_status", "value_band", "risk_band"])
    out = match_strategies(frame, load_strategies())
    for status, kind in zip(frame["risk_status"], out["strategy_kind"], strict=True):
        assert kind in ALLOWED_KINDS[status], (status, kind)


def test_risk_status_reasons_in_order():
    idx = pd.Index(list("abcde"))
    got = risk_status(idx, in_default=pd.Series([True, False, False, False, False], index=idx),
                      breach=pd.Series([True, True, False, False, False], index=idx),
                      pd_=pd.Series([0.5, 0.01, 0.01, 0.05, 0.01], index=idx),
                      stage=pd.Series([1, 1, 2, 1, 1], index=idx))
    assert got.astype(str).tolist() == ["default", "watch", "watch", "elevated", "normal"]


def test_gate_parameters_are_checked():
    with pytest.raises(ValidationError, match="worse than default_max_tier"):
        RiskGates(default_max_tier="B", breach_max_tier="C")
    with pytest.raises(ValidationError, match="must also be in value_block_severities"):
        RiskGates(watch_severities=["critical", "medium"])
