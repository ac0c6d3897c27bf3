"""The churn model on your own labelled table (``churn.training``) and ``crmkit fit``.

:func:`fit_churn_training` reads the table (see :mod:`crmkit.params.training`), maps the target
to 0/1 (churned = 1), detects numeric and text features and fits one scikit-learn pipeline:
median imputation and standardisation of numbers, one-hot text categories (rare ones pooled)
and an L2 logistic regression (``churn.logistic_c``). It reports out-of-fold AUC, Gini, KS,
Brier and calibration on stratified folds (``churn.cv_folds``, ``churn.seed``), refits on
every row and saves ``churn_model.joblib`` (the pipeline), ``churn_fit.json``,
``churn_metrics.csv``, ``churn_calibration.csv`` and ``churn_coefficients.csv`` in the model
folder. :func:`fit_all` is ``crmkit fit``: the credit model, the churn model, or both.
"""

from __future__ import annotations

import json

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from crmkit.core.errors import ChurnError, CrmkitError
from crmkit.core.store import atomic_write
from crmkit.params import Params
from crmkit.params.churn import ChurnParams
from crmkit.score.credit.metrics import calibration_table, metrics_row
from crmkit.score.credit.training import TARGET, FitReport, labelled_frame, model_dir

__all__ = ["churn_pipeline", "fit_churn_training", "fit_all"]


def churn_pipeline(numeric: list[str], categorical: list[str], p: ChurnParams) -> Pipeline:
    """The unfitted churn pipeline for an own table (numbers and text categories)."""
    parts = []
    if numeric:
        parts.append(("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                      numeric))
    if categorical:
        parts.append(("cat", make_pipeline(
            SimpleImputer(strategy="constant", fill_value="(missing)"),
            OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=0.02)),
            categorical))
    return Pipeline([("prep", ColumnTransformer(parts)),
                     ("model", LogisticRegression(C=p.logistic_c, max_iter=2000))])


def _design(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    X = frame[[*numeric, *categorical]].copy()
    for c in categorical:
        X[c] = X[c].astype("string").str.strip().replace("", pd.NA).astype(object)
        X[c] = X[c].where(X[c].notna(), np.nan)
    return X


def fit_churn_training(params: Params) -> FitReport:
    """Fit, validate and save the churn model on ``churn.training`` (see the module doc)."""
    tr = params.churn.training
    if tr is None:
        raise ChurnError("no churn.training in the parameters file: add churn.training: "
                         "{path: <labelled table>, target: <column>} (docs/own-data.md)")
    p = params.churn
    frame, mapping, num, cat, dropped, source = labelled_frame(tr, ChurnError)
    y = frame[TARGET].to_numpy(dtype=int)
    k = int(min(p.cv_folds, np.bincount(y, minlength=2).min()))
    if k < 2 or min(y.sum(), len(y) - y.sum()) < p.min_events:
        raise ChurnError(f"{source}: {int(y.sum())} churners and {int(len(y) - y.sum())} "
                         f"stayers; a model needs at least churn.min_events = {p.min_events} "
                         "of each. Add rows or lower churn.min_events")
    X = _design(frame, num, cat)
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=p.seed)
    oof = cross_val_predict(churn_pipeline(num, cat, p), X, y, cv=folds,
                            method="predict_proba")[:, 1]
    model = churn_pipeline(num, cat, p).fit(X, y)
    rows = [metrics_row("logistic", y, oof),
            metrics_row("logistic", y, model.predict_proba(X)[:, 1], basis="in_sample")]
    metrics = pd.DataFrame(rows)
    auc = float(rows[0]["auc"])
    warns = []
    if not auc >= p.min_auc:
        warns.append(f"Out-of-fold AUC {auc:.3f} is below churn.min_auc = {p.min_auc:.2f}: "
                     "do not use this model for decisions.")
    coef = pd.DataFrame({"term": model[:-1].get_feature_names_out(),
                         "coefficient": model[-1].coef_[0]})
    folder = model_dir(params, tr)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "churn_model.joblib", lambda tmp: joblib.dump(model, tmp))
    tables = {"metrics": metrics, "coefficients": coef,
              "calibration": calibration_table(y, oof, 10)}
    for name, t in tables.items():
        atomic_write(folder / f"churn_{name}.csv",
                     lambda tmp, t=t: t.to_csv(tmp, index=False, encoding="utf-8-sig"))
    summary = {"source": source, "target": tr.target, "mapping": mapping, "n_train": len(y),
               "n_events": int(y.sum()), "event_rate": float(y.mean()),
               "method": "logistic" if not warns else "logistic (below the gate)",
               "auc": auc, "min_auc": p.min_auc, "numeric": num, "categorical": cat,
               "left_out": dropped, "warnings": warns}
    atomic_write(folder / "churn_fit.json", lambda tmp: tmp.write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"))
    return FitReport("churn", source, mapping, num, cat, dropped, metrics, summary, folder,
                     warns)


def fit_all(params: Params, only: str | None = None) -> list[FitReport]:
    """``crmkit fit``: every model with a ``training:`` table (or only ``only``)."""
    from crmkit.score.credit.training import fit_credit_training

    todo = [w for w, tr in (("credit", params.credit.training),
                            ("churn", params.churn.training))
            if tr is not None and only in (None, w)]
    if not todo:
        where = f"{only}.training" if only else "credit.training or churn.training"
        raise CrmkitError(f"{params.source_file or 'the parameters file'} has no {where}: add "
                          "{path: <labelled table>, target: <column>} under it "
                          "(docs/own-data.md)")
    fits = {"credit": fit_credit_training, "churn": fit_churn_training}
    return [fits[w](params) for w in todo]
