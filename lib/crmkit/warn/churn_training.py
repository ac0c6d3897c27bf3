"""The churn model on your own labelled table (``churn.training``) and ``crmkit fit``.

:func:`fit_churn_training` reads the table (see :mod:`crmkit.params.training`), maps the target
to 0/1 (churned = 1), detects numeric and text features and fits one scikit-learn pipeline:
median imputation and standardisation of numbers, one-hot text categories (rare ones pooled)
and an L2 logistic regression (``churn.logistic_c``). It reports out-of-fold AUC, Gini, KS,
Brier and calibration on stratified folds (``churn.cv_folds``, ``churn.seed``), refits on
every row and saves ``churn_model.joblib`` (the pipeline), ``churn_fit.json``,
``churn_metrics.csv``, ``churn_calibration.csv`` and ``churn_coefficients.csv`` in the model
folder. :func:`fit_all` is ``crmkit fit``: the credit model, the churn model, or both.

:func:`run_churn` is what the warn stage of ``crmkit run`` calls: with ``churn.training`` set
it scores every active client with the saved pipeline (:func:`fitted_churn`, no refit; the
portfolio's churn features must hold the model's columns), otherwise it fits on the contract
tables (:func:`crmkit.warn.churn.fit_churn`). Either way it returns what ``models.json``
records: the method, the AUC and, for a fitted model, its file and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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
from crmkit.score.credit.training import (
    TARGET,
    FitReport,
    labelled_frame,
    model_dir,
    saved_fit,
)
from crmkit.warn.churn import ChurnResult, fit_churn
from crmkit.warn.churn_data import Book, _ts, feature_label, features_at

__all__ = ["churn_pipeline", "fit_churn_training", "fit_all", "fitted_churn", "run_churn",
           "file_sha256"]


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
    if not todo and params.credit.target is not None and only in (None, "credit"):
        raise CrmkitError(
            f"{params.source_file or 'the parameters file'} sets credit.target = "
            f"{params.credit.target!r}, which is for Python only (fit_credit_model(frame)); "
            "crmkit fit reads the table and its target from credit.training: write credit: "
            f"{{training: {{path: <labelled table>, target: {params.credit.target}}}}} and "
            "remove credit.target (docs/own-data.md)")
    if not todo:
        where = f"{only}.training" if only else "credit.training or churn.training"
        raise CrmkitError(f"{params.source_file or 'the parameters file'} has no {where}: add "
                          "{path: <labelled table>, target: <column>} under it "
                          "(docs/own-data.md)")
    fits = {"credit": fit_credit_training, "churn": fit_churn_training}
    return [fits[w](params) for w in todo]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file (the model's identity in ``models.json``)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _importance(coef: pd.DataFrame) -> pd.DataFrame:
    names = coef["term"].astype(str).str.replace(r"^(num|cat)__", "", regex=True)
    out = pd.DataFrame({"feature": names,
                        "label_zh": [feature_label(n, "zh") for n in names],
                        "label_en": [feature_label(n, "en") for n in names],
                        "value": coef["coefficient"].astype(float)})
    out["odds_ratio"] = np.exp(out["value"])
    return out.reindex(out["value"].abs().sort_values(ascending=False).index
                       ).reset_index(drop=True)


def fitted_churn(tables: dict[str, pd.DataFrame], params: Params,
                 features: pd.DataFrame | None = None) -> ChurnResult:
    """Churn probability of every active client from the pipeline ``crmkit fit`` saved
    (``features``: ``client_features(tables, as_of)`` when the caller has them).

    Raises
    ------
    ChurnError
        No saved model (run ``crmkit fit`` first), or features the model needs that the
        portfolio's churn features lack (named, with the fix).
    """
    folder, path, fit = saved_fit(params, "churn")
    num, cat = list(fit["numeric"]), list(fit["categorical"])
    as_of = _ts(params.as_of, "as_of")
    now = features_at(Book(tables, as_of), as_of, params.churn.horizon_months, features)
    missing = [c for c in [*num, *cat] if c not in now.columns]
    if missing:
        have = [c for c in now.columns if c != "active"]
        raise ChurnError(
            f"{path} needs features {missing}, which the portfolio's churn features do not "
            f"have (they are {have}). Rename the training table's columns to these names "
            "with churn.training.columns ({table name: feature name}) and run crmkit fit "
            "again, or remove churn.training to fit the churn model on the contract tables")
    model = joblib.load(path)
    active = now["active"].to_numpy(dtype=bool)
    prob = pd.Series(model.predict_proba(_design(now, num, cat))[:, 1],
                     index=now.index).where(active)
    coef = pd.read_csv(folder / "churn_coefficients.csv", encoding="utf-8-sig")
    auc = fit.get("auc")
    messages = {
        "zh": (f"流失概率来自 crmkit fit 在 {fit.get('source')} 上训练的模型（{fit['n_train']} 行，"
               f"交叉验证 AUC = {auc:.3f}），未在本组合上重新训练；模型文件 {path.name}。"),
        "en": (f"Churn probabilities come from the model crmkit fit trained on "
               f"{fit.get('source')} ({fit['n_train']} rows, out-of-fold AUC = {auc:.3f}); "
               f"not refitted on this portfolio. Model file: {path}."),
    }
    scores = pd.DataFrame({"churn_probability": prob.to_numpy(dtype=float), "active": active,
                           "churned": np.zeros(len(now), dtype=bool)}, index=now.index)
    training = pd.DataFrame(columns=[*num, *cat, "churned"])
    return ChurnResult(prob.rename("churn_probability"), "model", auc, messages,
                       {"population": int(fit["n_train"]), "churned": int(fit["n_events"]),
                        "retained": int(fit["n_train"]) - int(fit["n_events"])},
                       _importance(coef), "coefficient", [*num, *cat],
                       as_of - pd.DateOffset(months=params.churn.horizon_months), as_of, scores,
                       training, model)


def run_churn(tables: dict[str, pd.DataFrame], params: Params,
              features: pd.DataFrame | None = None) -> tuple[ChurnResult, dict[str, object]]:
    """The warn stage's churn scores and the ``models.json`` entry that says where they came
    from (see the module doc). A fitted model below ``churn.min_auc`` is not used: the stage
    then fits on the contract tables, and says so. ``features``: the client features at
    ``as_of`` (the score stage's), not computed again."""
    p = params.churn
    if p.training is not None:
        churn = fitted_churn(tables, params, features)
        path = model_dir(params, p.training) / "churn_model.joblib"
        if churn.auc is not None and churn.auc >= p.min_auc:
            return churn, {"method": "fitted", "source": "crmkit fit", "auc": churn.auc,
                           "min_auc": p.min_auc, "fallback": False, "model_path": str(path),
                           "model_sha256": file_sha256(path),
                           "message_en": churn.messages["en"]}
        note = (f"The model crmkit fit saved ({path}) has out-of-fold AUC {churn.auc}, below "
                f"churn.min_auc = {p.min_auc:.2f}; it is not used: fitted on the contract "
                "tables instead.")
    else:
        note = None
    churn = fit_churn(tables, params.as_of, p, features)
    info: dict[str, object] = {"method": churn.method, "auc": churn.auc, "min_auc": p.min_auc,
                               "fallback": churn.method != "model",
                               "message_en": churn.messages["en"]}
    if note:
        info["note"] = note
    return churn, info
