"""Churn label on a hand-made portfolio, the model on the sample portfolio, the rules fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from crmkit.core.contract import conform
from crmkit.core.errors import ChurnError
from crmkit.params.churn import ChurnParams, ChurnRules
from crmkit.warn import fit_churn
from crmkit.warn.churn import active_clients, churn_features, churn_label, rules_score

AS_OF = pd.Timestamp("2026-09-30")
OBS = pd.Timestamp("2025-09-30")          # as_of - 12 months


def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


def _fac(fid, cid, status, start, maturity, amount=100.0, outstanding=None, product="long_term"):
    return dict(facility_id=fid, client_id=cid, product=product, amount=amount,
                outstanding=outstanding, start_date=start, maturity_date=maturity,
                interest_rate=0.05, status=status)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    ids = [f"C{i}" for i in range(1, 9)]
    clients = _t("clients", [dict(client_id=c, client_name=f"{c}公司", industry="energy",
                                  region="east", lifecycle_stage="maintenance",
                                  relationship_manager="RM", onboarding_date="2015-01-01")
                             for c in ids])
    fac = _t("facilities", [
        # C1: closed by its last payment on 2026-03-01 -> live at OBS, gone at AS_OF: churned
        _fac("F1", "C1", "closed", "2020-01-01", "2027-01-01", amount=500.0, outstanding=0),
        # C2: active with a balance: not churned
        _fac("F2", "C2", "active", "2021-01-01", "2028-01-01", outstanding=80.0),
        # C3: old facility closed 2026-01-01, but a new one started 2026-02-01 (closed since)
        _fac("F3", "C3", "closed", "2019-01-01", "2026-01-01", outstanding=0),
        _fac("F3b", "C3", "closed", "2026-02-01", "2026-08-01", outstanding=0),
        # C4: closed, but a need was fulfilled in the horizon: not churned
        _fac("F4", "C4", "closed", "2019-01-01", "2026-06-01", outstanding=0),
        # C5: no facility at all: never a borrower, not churned
        # C6: "active" but nothing outstanding: not live -> churned
        _fac("F6", "C6", "active", "2019-01-01", "2029-01-01", outstanding=0.0),
        # C7: closed at maturity 2024-01-01 (no payments recorded): churned, but not active
        #     at OBS, so outside the training population
        _fac("F7", "C7", "closed", "2018-01-01", "2024-01-01", outstanding=0),
        # C8: closed 2026-05-01; its need in the horizon was NOT fulfilled: churned
        _fac("F8", "C8", "closed", "2019-01-01", "2026-05-01", outstanding=0),
    ])
    rep = _t("repayments", [
        dict(facility_id="F1", due_date="2025-06-01", amount_due=10, paid_date="2025-06-01",
             amount_paid=10),
        dict(facility_id="F1", due_date="2026-03-01", amount_due=10, paid_date="2026-03-01",
             amount_paid=10),
        dict(facility_id="F2", due_date="2026-06-01", amount_due=10, paid_date="2026-06-20",
             amount_paid=10),
        dict(facility_id="F3", due_date="2026-01-01", amount_due=10, paid_date="2026-01-01",
             amount_paid=10),
    ])
    needs = _t("needs", [
        dict(need_id="N4", client_id="C4", request_date="2026-05-01", need_type="advisory",
             fulfilled=True),
        dict(need_id="N8", client_id="C8", request_date="2026-04-01", need_type="new_loan",
             fulfilled=False),
    ])
    inter = _t("interactions", [
        dict(interaction_id=f"I{k}", client_id="C2", date=d, channel="phone", type=kind,
             response_hours=h, resolved=True)
        for k, (d, kind, h) in enumerate([("2024-01-10", "call", None),
                                          ("2024-05-10", "call", None),
                                          ("2025-03-01", "complaint", 30.0),
                                          ("2025-08-01", "service", 10.0)])
    ])
    surveys = _t("surveys", [dict(client_id="C2", survey_date="2024-06-01", csat=4, nps=9),
                             dict(client_id="C2", survey_date="2025-06-01", csat=3, nps=5)])
    return {"clients": clients, "facilities": fac, "repayments": rep, "needs": needs,
            "interactions": inter, "surveys": surveys}


def test_churn_label_hand_made(tables):
    label = churn_label(tables, AS_OF, 12)
    assert label[label].index.tolist() == ["C1", "C6", "C7", "C8"]


def test_active_clients_at_the_observation_date(tables):
    active = active_clients(tables, OBS, snapshot_date=AS_OF)
    # C1 (closes 2026-03), C2, C3 (F3 closes 2026-01), C4, C6 (no balance: not live), C8
    assert active[active].index.tolist() == ["C1", "C2", "C3", "C4", "C8"]
    assert not active_clients(tables, AS_OF)["C1"]


def test_point_in_time_features_do_not_leak_closure(tables):
    X = churn_features(tables, OBS, snapshot_date=AS_OF)
    # F1 is closed today but was live at OBS: its committed amount counts, as for any client
    assert X.loc["C1", "exposure"] == 500.0 and X.loc["C1", "n_products"] == 1
    assert X.loc["C7", "exposure"] == 0.0 and not X.loc["C7", "active"]
    # C2: 2 contacts in the 12 months to OBS, 2 in the 12 before -> change 0
    assert X.loc["C2", "interactions_12m"] == 2 and X.loc["C2", "interactions_prev_12m"] == 2
    assert X.loc["C2", "interactions_change"] == 0
    assert X.loc["C2", "nps_change"] == -4.0                      # 5 - 9
    # C3's latest new business before OBS: F3 started 2019-01-01 -> 6.75 years = 81 months
    assert X.loc["C3", "months_since_new_business"] == pytest.approx(81.0, abs=0.1)


def test_rules_score_hand_computed():
    row = pd.DataFrame({"complaints_12m": [2.0], "unresolved_complaints": [1.0],
                        "nps_latest": [5.0], "n_products": [1.0], "interactions_12m": [3.0],
                        "interactions_prev_12m": [6.0], "new_business": [False]})
    # logit = -3 + 0.35*2 + 0.5*1 + 0.3*(7-5) + 0.3 + 1.0*(1 - 3/6) + 0.5 = 0.1
    assert rules_score(row).iloc[0] == pytest.approx(1 / (1 + math.exp(-0.1)))
    calm = row.assign(complaints_12m=0.0, unresolved_complaints=0.0, nps_latest=np.nan,
                      n_products=3.0, interactions_prev_12m=0.0, new_business=True)
    assert rules_score(calm).iloc[0] == pytest.approx(1 / (1 + math.exp(3.0)))  # 4.7 %
    capped = row.assign(complaints_12m=50.0)
    bigger = rules_score(capped, ChurnRules(complaint_cap=5)).iloc[0]
    assert bigger == pytest.approx(1 / (1 + math.exp(-(0.1 + 0.35 * 3))))
    with pytest.raises(ChurnError, match="needs column 'new_business'"):
        rules_score(row.drop(columns="new_business"))


def test_too_few_churners_fall_back_to_rules(tables):
    res = fit_churn(tables, AS_OF)
    assert res.method == "rules" and res.auc is None and res.model is None
    # population = clients active at OBS: C1, C2, C3, C4, C8; churned among them: C1, C8
    assert res.label_counts == {"population": 5, "churned": 2, "retained": 3}
    assert "min_events" in res.message and "规则评分" in res.message_in("zh")
    # only C2 still has a live facility at AS_OF: everyone else has nothing left to lose
    assert res.probabilities.notna().tolist() == [False, True] + [False] * 6
    assert res.importance_kind == "rule_weight"
    assert res.importance.loc[res.importance["feature"] == "intercept", "value"].item() == -3.0


def test_sample_portfolio_model_finds_the_planted_service_signal():
    sample = pytest.importorskip("crmkit.sample.portfolio")
    tabs = sample.generate(2000, seed=7)
    res = fit_churn(tabs, "2026-09-30", ChurnParams(n_threads=1))
    assert res.method == "model"
    assert res.label_counts["churned"] >= 50
    # Planted: churn logit = 1.3 * s with s = poor service (slow complaint handling). The
    # proxies seen at the observation date are noisy, so the out-of-fold AUC is modest
    # (0.64 on this sample) but clearly above chance.
    assert res.auc > 0.60
    coef = res.importance.set_index("feature")["value"]
    assert coef["mean_response_hours"] > 0                        # slow handling -> churn
    train = res.training
    slow = train["mean_response_hours"] > train["mean_response_hours"].median()
    assert train.loc[slow, "churned"].mean() > train.loc[~slow, "churned"].mean()
    scores = res.scores
    assert scores.loc[scores["active"], "churn_probability"].between(0, 1).all()
    assert scores.loc[~scores["active"], "churn_probability"].isna().all()
    assert not (scores["active"] & scores["churned"]).any()      # churned means nothing live
    assert set(res.importance.columns) >= {"label_zh", "label_en", "odds_ratio"}
    assert res.importance.loc[res.importance["feature"] == "mean_response_hours",
                              "label_zh"].item() == "平均响应时长(小时)"


def test_gbm_model_reports_permutation_importance():
    sample = pytest.importorskip("crmkit.sample.portfolio")
    tabs = sample.generate(600, seed=7)
    p = ChurnParams(model="gbm", gbm_max_iter=30, n_threads=1, importance_repeats=2,
                    min_auc=0.5)
    res = fit_churn(tabs, "2026-09-30", p)
    assert res.method == "model" and res.importance_kind == "permutation"
    assert 0.0 <= res.auc <= 1.0 and len(res.importance) == len(p.features)
    assert "梯度提升树" in res.message_in("zh")


def test_parameters_are_validated():
    with pytest.raises(ValidationError, match="unknown feature 'complaint_12m' \\(did you mean "
                                              "'complaints_12m'"):
        ChurnParams(features=["complaint_12m"])
    with pytest.raises(ValidationError, match="'industry' is text"):
        ChurnParams(features=["industry"])
    with pytest.raises(ValidationError, match="cv_folds=8 must not exceed min_events=5"):
        ChurnParams(cv_folds=8, min_events=5)


def test_missing_facilities_is_a_clear_error(tables):
    with pytest.raises(ChurnError, match="needs the 'facilities' table"):
        fit_churn({"clients": tables["clients"]}, AS_OF)
    with pytest.raises(ChurnError, match="as_of must be a date"):
        fit_churn(tables, "soon")


def test_model_below_its_gate_is_not_used_segment_base_rates_instead():
    sample = pytest.importorskip("crmkit.sample.portfolio")
    tabs = sample.generate(600, seed=7)
    res = fit_churn(tabs, "2026-09-30", ChurnParams(n_threads=1, min_auc=0.99))
    assert res.method == "base_rates" and res.auc < 0.99
    assert "churn.min_auc" in res.message_in("en") and "门槛" in res.message_in("zh")
    size = tabs["clients"].set_index("client_id")["size_class"]
    prob = res.probabilities.dropna()
    # one rate per size class, between 0 and 1, shrunk towards the overall rate
    per = prob.groupby(size.reindex(prob.index).to_numpy()).nunique()
    assert (per == 1).all() and prob.between(0, 1).all()
