"""End to end (issue 15 part 3): ``crmkit fit`` on own labelled tables (credit and churn), then
the sample portfolio's collect, score, tier and warn stages with the same parameters score the
clients with the fitted models: models.json names them (SHA-256 of the churn model) and the
PDs and churn probabilities are exactly the saved models' predictions on the portfolio's
features."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from crmkit.cli import main
from crmkit.collect.required import load_clean
from crmkit.core.errors import ChurnError
from crmkit.core.store import load_indexed
from crmkit.params import load_params
from crmkit.score.credit.io import load_model
from crmkit.warn.churn_data import churn_features
from crmkit.warn.churn_training import _design, file_sha256

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
N = 1500


def _labels(rng: np.random.Generator, logit: np.ndarray, rate: float) -> np.ndarray:
    z = logit - logit.mean()
    c = np.log(rate / (1 - rate))
    return rng.random(len(z)) < 1 / (1 + np.exp(-(z + c)))


def write_tables(folder: Path, seed: int = 11) -> None:
    """A credit history (status good/bad) and a churn list (churned yes/no) whose columns
    carry the portfolio's feature names, one of them under another name (renamed by
    training.columns)."""
    rng = np.random.default_rng(seed)
    industries = pd.read_csv(SAMPLE / "clients.csv")["industry"].dropna().unique()
    dta = rng.beta(4, 4, N)
    dscr = rng.lognormal(0.3, 0.4, N)
    cover = rng.lognormal(1.0, 0.6, N)
    ind = rng.choice(industries, N)
    bad = _labels(rng, 3 * dta - 1.5 * np.log(dscr) - 0.4 * np.log(cover), 0.08)
    credit = pd.DataFrame({"资产负债率": dta.round(4), "dscr": dscr.round(3),
                           "interest_cover": cover.round(3), "industry": ind,
                           "status": np.where(bad, "bad", "good")})
    credit.loc[rng.random(N) < 0.05, "dscr"] = np.nan
    credit.to_csv(folder / "credit_history.csv", index=False, encoding="utf-8-sig")
    nps = rng.integers(0, 11, N).astype(float)
    complaints = rng.poisson(0.6, N).astype(float)
    contacts = rng.poisson(6, N).astype(float)
    left = _labels(rng, -0.35 * nps + 0.7 * complaints - 0.15 * contacts, 0.15)
    pd.DataFrame({"nps_latest": nps, "complaints_12m": complaints, "interactions_12m": contacts,
                  "churned": np.where(left, "yes", "no")}
                 ).to_csv(folder / "churn_history.csv", index=False, encoding="utf-8-sig")


def write_params(folder: Path, churn_columns: str = "") -> Path:
    path = folder / "params.yaml"
    path.write_text(
        "portfolio: own\nas_of: 2026-09-30\noutput_dir: out\n"
        f"sources: {{default: {{path: {SAMPLE.as_posix()}}}}}\n"
        "credit:\n  compare_gbm: false\n"
        "  training: {path: credit_history.csv, target: status, "
        "columns: {资产负债率: debt_to_assets}}\n"
        f"churn:\n  training: {{path: churn_history.csv, target: churned{churn_columns}}}\n",
        encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from crmkit import collect, score, tier, warn

    folder = tmp_path_factory.mktemp("own")
    write_tables(folder)
    path = write_params(folder)
    assert main(["fit", str(path)]) == 0
    params = load_params(path)
    for stage in (collect, score, tier, warn):
        stage.run(params)
    return path


def test_credit_scores_come_from_the_fitted_model(fitted_run: Path) -> None:
    params = load_params(fitted_run)
    models = fitted_run.parent / "out" / "own" / "models"
    fit = json.loads((models / "credit_fit.json").read_text(encoding="utf-8"))
    assert fit["numeric"] == ["debt_to_assets", "dscr", "interest_cover"]
    assert fit["categorical"] == ["industry"]
    model = load_model(models / "credit_model.joblib")
    credit = load_indexed(params, "score", "credit")
    features = load_indexed(params, "score", "features")
    want = model.estimator.predict_proba(model.prepare(features.loc[credit.index]))[:, 1]
    assert credit["pd_model"].to_numpy() == pytest.approx(want, rel=1e-9)
    used = json.loads((params.run_dir / "score" / "models.json").read_text(encoding="utf-8"))
    assert used["credit"]["method"] == "scorecard" and not used["credit"]["fallback"]
    assert used["credit"]["auc"] == pytest.approx(fit["auc"])
    assert any("crmkit fit" in w for w in used["credit"]["warnings"])


def test_churn_scores_come_from_the_fitted_model(fitted_run: Path) -> None:
    params = load_params(fitted_run)
    path = fitted_run.parent / "out" / "own" / "models" / "churn_model.joblib"
    used = json.loads((params.run_dir / "warn" / "models.json").read_text(encoding="utf-8"))
    assert used["churn"]["method"] == "fitted" and used["churn"]["fallback"] is False
    assert used["churn"]["model_sha256"] == file_sha256(path)
    churn = load_indexed(params, "warn", "churn")
    feats = churn_features(load_clean(params), params.as_of).loc[churn.index]
    cols = ["nps_latest", "complaints_12m", "interactions_12m"]
    want = joblib.load(path).predict_proba(_design(feats, cols, []))[:, 1]
    active = churn["active"].to_numpy(dtype=bool)
    assert active.any()
    got = churn["churn_probability"].to_numpy()
    assert got[active] == pytest.approx(want[active], rel=1e-9)
    assert np.isnan(got[~active]).all()


def test_churn_model_with_features_the_portfolio_lacks(tmp_path: Path) -> None:
    from crmkit import collect
    from crmkit.warn.churn_training import fitted_churn

    write_tables(tmp_path)
    frame = pd.read_csv(tmp_path / "churn_history.csv", encoding="utf-8-sig")
    frame.rename(columns={"nps_latest": "净推荐值"}).to_csv(
        tmp_path / "churn_history.csv", index=False, encoding="utf-8-sig")
    path = write_params(tmp_path)
    assert main(["fit", str(path), "--only", "churn"]) == 0
    params = load_params(path)
    collect.run(params)
    with pytest.raises(ChurnError,
                       match=r"needs features \['净推荐值'\].*churn\.training\.columns"):
        fitted_churn(load_clean(params), params)


def test_churn_training_without_crmkit_fit_says_run_it(tmp_path: Path) -> None:
    from crmkit.warn.churn_training import run_churn

    write_tables(tmp_path)
    params = load_params(write_params(tmp_path))
    with pytest.raises(ChurnError, match=r"no fitted churn model.*run `crmkit fit .*params\.yaml"):
        run_churn({}, params)
