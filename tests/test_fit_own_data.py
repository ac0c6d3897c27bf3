"""crmkit fit on an own labelled table (issue 15, part 3): the credit scorecard is within 0.01
out-of-fold AUC of a plain scikit-learn logistic baseline on the same folds; churn fits too;
crmkit run's score stage then uses the saved model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from crmkit.cli import main
from crmkit.core.errors import CreditError
from crmkit.core.targets import binary_target
from crmkit.params import load_params

N, RATE = 6000, 0.05


def labelled_table(seed: int = 3) -> pd.DataFrame:
    """Loans with string categories, missing values and a ~5 % 'bad' target."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(["制造业", "批发零售", "建筑业", "房地产", "信息技术", "交通运输"], N,
                          p=[0.3, 0.2, 0.15, 0.1, 0.15, 0.1])
    region = rng.choice(["华东", "华南", "华北", "西部"], N)
    lev = rng.beta(4, 4, N)
    dscr = rng.lognormal(0.3, 0.4, N)
    age = rng.integers(1, 30, N).astype(float)
    late = rng.poisson(0.5, N).astype(float)
    noise = rng.normal(0, 1, N)
    ind_eff = pd.Series({"制造业": 0.0, "批发零售": 0.2, "建筑业": 0.6, "房地产": 0.9,
                         "信息技术": -0.3, "交通运输": 0.1})[industry].to_numpy()
    logit = 2.5 * lev - 1.2 * np.log(dscr) - 0.03 * age + 0.5 * late + ind_eff
    z = 1.6 * (logit - logit.mean())
    lo, hi = -10.0, 5.0
    for _ in range(60):  # intercept such that the mean PD is RATE
        c = (lo + hi) / 2
        lo, hi = (c, hi) if np.mean(1 / (1 + np.exp(-(z + c)))) < RATE else (lo, c)
    p = 1 / (1 + np.exp(-(z + c)))
    y = rng.random(N) < p
    frame = pd.DataFrame({"loan_id": [f"L{i:05d}" for i in range(N)], "industry": industry,
                          "region": region, "leverage": lev.round(4), "dscr": dscr.round(3),
                          "company_age": age, "late_payments": late, "noise": noise.round(3),
                          "status": np.where(y, "bad", "good")})
    for col, share in (("leverage", 0.08), ("dscr", 0.12), ("industry", 0.05),
                       ("late_payments", 0.03)):
        frame.loc[rng.random(N) < share, col] = np.nan
    return frame


@pytest.fixture
def project(tmp_path: Path) -> Path:
    labelled_table().to_csv(tmp_path / "loans.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "params.yaml").write_text(
        "portfolio: own\nas_of: 2026-09-30\noutput_dir: out\n"
        "sources: {default: {path: data}}\n"
        "credit:\n  training: {path: loans.csv, target: status, id_column: loan_id}\n"
        "churn:\n  training: {path: loans.csv, target: status, id_column: loan_id}\n",
        encoding="utf-8")
    return tmp_path / "params.yaml"


def baseline_oof(frame: pd.DataFrame, y: np.ndarray, groups: pd.Index) -> np.ndarray:
    """A plain scikit-learn logistic regression on the folds crmkit uses."""
    num = ["leverage", "dscr", "company_age", "late_payments", "noise"]
    cat = ["industry", "region"]
    X = frame[num + cat].astype({c: object for c in cat})
    X[cat] = X[cat].where(X[cat].notna(), "(missing)")
    pipe = make_pipeline(ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", OneHotEncoder(handle_unknown="ignore"), cat)]), LogisticRegression(max_iter=2000))
    out = np.full(len(y), np.nan)
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=7)
    for tr, te in folds.split(np.zeros(len(y)), y, np.asarray(groups)):
        out[te] = pipe.fit(X.iloc[tr], y[tr]).predict_proba(X.iloc[te])[:, 1]
    return out


def test_fit_matches_logistic_baseline(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fit", str(project), "--only", "credit"]) == 0
    printed = capsys.readouterr().out
    assert "'bad' -> 1 (default), 'good' -> 0 (no default)" in printed
    folder = project.parent / "out" / "own" / "models"
    fit = json.loads((folder / "credit_fit.json").read_text(encoding="utf-8"))
    assert fit["mapping"] == {"bad": 1, "good": 0}
    assert set(fit["categorical"]) == {"industry", "region"}
    assert 0.035 < fit["event_rate"] < 0.065
    oof = pd.read_csv(folder / "credit_oof.csv", encoding="utf-8-sig")
    frame = labelled_table().set_index("loan_id").loc[oof["client_id"]]
    y = oof["default"].to_numpy()
    assert (y == (frame["status"] == "bad").to_numpy()).all()
    ours = roc_auc_score(y, oof["pd_scorecard"])
    assert ours == pytest.approx(fit["auc"])
    base = roc_auc_score(y, baseline_oof(frame, y, pd.Index(oof["client_id"].astype(str))))
    assert ours >= base - 0.01  # the bar (measured: 0.774 vs 0.781)
    metrics = pd.read_csv(folder / "credit_metrics.csv", encoding="utf-8-sig")
    assert {"auc", "gini", "ks", "brier"} <= set(metrics.columns)
    assert (folder / "credit_calibration.csv").is_file()
    assert (folder / "credit_model.joblib").is_file()


def test_fit_churn(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fit", str(project), "--only", "churn"]) == 0
    fit = json.loads((project.parent / "out/own/models/churn_fit.json").read_text("utf-8"))
    assert fit["auc"] > 0.7 and fit["mapping"] == {"bad": 1, "good": 0}


@pytest.mark.parametrize(("values", "mapping"), [
    (["0", "1", None], {"1": 1, "0": 0}), ([True, False], {"True": 1, "False": 0}),
    (["yes", "No"], {"yes": 1, "No": 0}), ([1, 2, 2], {"2": 1, "1": 0}),
    (["good", "bad"], {"bad": 1, "good": 0}), ([1.0, 0.0], {"1.0": 1, "0.0": 0})])
def test_target_pairs(values: list, mapping: dict) -> None:
    y, m = binary_target(pd.Series(values, name="t"), where="t.csv")
    assert m == mapping and y.notna().sum() == sum(v is not None for v in values)


def test_unknown_target_names_fix() -> None:
    with pytest.raises(CreditError, match="training.positive"):
        binary_target(pd.Series(["A", "B"], name="t"), where="t.csv", error=CreditError)


def test_credit_target_in_params_file_explains(tmp_path: Path) -> None:
    from crmkit.score.credit.fit import training_data

    (tmp_path / "p.yaml").write_text("portfolio: x\nas_of: 2026-09-30\nsources: {default: "
                                     "{path: d}}\ncredit: {target: bad}\n", encoding="utf-8")
    params = load_params(tmp_path / "p.yaml")
    with pytest.raises(CreditError, match="credit.training"):
        training_data({"clients": pd.DataFrame()}, params.as_of, params.credit)


@pytest.mark.parametrize("seed", [6])  # another draw: the hardest of seeds 3-7 measured
def test_fit_within_001_of_logistic_baseline(tmp_path: Path, seed: int) -> None:
    """The issue's bar on a second table: not tuned to the fixture's draw."""
    labelled_table(seed).to_csv(tmp_path / "loans.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "p.yaml").write_text(
        "portfolio: own\nas_of: 2026-09-30\noutput_dir: out\nsources: {default: {path: d}}\n"
        "credit:\n  compare_gbm: false\n"
        "  training: {path: loans.csv, target: status, id_column: loan_id}\n",
        encoding="utf-8")
    assert main(["fit", str(tmp_path / "p.yaml"), "--only", "credit"]) == 0
    oof = pd.read_csv(tmp_path / "out/own/models/credit_oof.csv", encoding="utf-8-sig")
    frame = labelled_table(seed).set_index("loan_id").loc[oof["client_id"]]
    y = oof["default"].to_numpy()
    base = roc_auc_score(y, baseline_oof(frame, y, pd.Index(oof["client_id"].astype(str))))
    assert roc_auc_score(y, oof["pd_scorecard"]) >= base - 0.01  # measured: -0.008


@pytest.mark.parametrize(("yaml", "where", "fix"), [
    ("churn: {target: churned}", "churn.target", "churn.training.target"),
    ("credit: {positive: bad}", "credit.positive", "credit.training.positive"),
    ("churn: {path: c.csv}", "churn.path", "churn.training.path"),
    ("training: {path: a.csv, target: y}", "training", "credit.training / churn.training")])
def test_misplaced_training_key_names_the_right_key(tmp_path: Path, yaml: str, where: str,
                                                    fix: str) -> None:
    from crmkit.core.errors import ParametersError

    (tmp_path / "p.yaml").write_text("portfolio: x\nas_of: 2026-09-30\nsources: {default: "
                                     f"{{path: d}}}}\n{yaml}\n", encoding="utf-8")
    with pytest.raises(ParametersError) as info:
        load_params(tmp_path / "p.yaml")
    line = next(ln for ln in str(info.value).splitlines() if f"- {where}:" in ln)
    assert "p.yaml" in str(info.value) and fix in line and "did you mean" not in line


def test_fit_with_credit_target_points_at_credit_training(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "p.yaml").write_text("portfolio: x\nas_of: 2026-09-30\nsources: {default: "
                                     "{path: d}}\ncredit: {target: bad}\n", encoding="utf-8")
    assert main(["fit", str(tmp_path / "p.yaml")]) == 2
    err = capsys.readouterr().err
    assert "credit.target = 'bad'" in err
    assert "{training: {path: <labelled table>, target: bad}}" in err
