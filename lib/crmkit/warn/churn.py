"""Churn model: the probability that each current client leaves within ``horizon_months``.

:func:`fit_churn` labels clients with :func:`crmkit.warn.churn_data.churn_label` (churned: nothing
live and no new business in the horizon), trains on features at ``obs_date = as_of -
horizon_months`` for the clients active then (label at ``as_of``), reports the out-of-fold AUC
(stratified K-fold), refits on all of them and scores every client active at ``as_of`` on its
features at ``as_of``. Clients with no live facility at ``as_of`` get NaN (nothing to lose).
Above ``churn.fit_max_rows`` training clients every model (each fold's and the final one) is
fitted on a sample of that many, stratified by the label; the AUC covers every client.

Models (``churn.model``): ``logistic`` — median imputation, standardisation and L2 logistic
regression in one :class:`~sklearn.pipeline.Pipeline` (coefficients per standard deviation);
``gbm`` — :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (permutation importances).
With fewer than ``min_events`` churners or stayers no model is fitted: the documented
:func:`~crmkit.warn.churn_data.rules_score` is used and ``method`` is ``"rules"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from crmkit.core.i18n import check_lang
from crmkit.params.churn import ChurnParams
from crmkit.score.aggregate import shared_lookups
from crmkit.score.credit.folds import stratified_sample
from crmkit.warn.churn_data import (
    FEATURE_LABELS,
    RULE_LABELS,
    Book,
    _ts,
    active_clients,
    churn_features,
    churn_label,
    feature_label,
    features_at,
    label_at,
    rules_score,
)

__all__ = ["ChurnResult", "fit_churn", "design_matrix", "churn_label", "active_clients",
           "churn_features", "rules_score", "feature_label", "FEATURE_LABELS", "RULE_LABELS"]


@dataclass
class ChurnResult:
    """What :func:`fit_churn` found.

    Attributes
    ----------
    probabilities
        Churn probability per client (index ``client_id``, name ``churn_probability``); NaN
        for clients with no live facility at ``as_of``.
    method
        ``"model"`` or ``"rules"`` (too few churners to fit a model).
    auc
        Out-of-fold ROC AUC of the model (None for the rules score).
    messages
        ``{"zh": ..., "en": ...}``: what was done, and why when the rules score was used.
    label_counts
        ``population`` (clients active at ``obs_date``), ``churned`` and ``retained``.
    importance
        One row per feature (or rule term): ``feature``, ``label_zh``, ``label_en``, ``value``
        (see ``importance_kind``), sorted by absolute value; ``odds_ratio`` for logistic.
    importance_kind
        ``coefficient`` (logistic, per standard deviation), ``permutation`` (gbm: mean fall in
        AUC when the feature is shuffled) or ``rule_weight``.
    scores
        Per client: ``churn_probability``, ``active`` (live facility at ``as_of``) and
        ``churned`` (already churned at ``as_of``).
    training
        The training rows: the model features at ``obs_date`` and ``churned`` (the label).
    """

    probabilities: pd.Series
    method: Literal["model", "rules"]
    auc: float | None
    messages: dict[str, str]
    label_counts: dict[str, int]
    importance: pd.DataFrame
    importance_kind: Literal["coefficient", "permutation", "rule_weight"]
    features: list[str]
    obs_date: pd.Timestamp
    as_of: pd.Timestamp
    scores: pd.DataFrame
    training: pd.DataFrame
    model: Pipeline | None = field(default=None, repr=False)

    @property
    def message(self) -> str:
        """The English message (see :meth:`message_in` for Chinese)."""
        return self.messages["en"]

    def message_in(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" | "en")."""
        return self.messages[check_lang(lang)]


def design_matrix(features: pd.DataFrame, params: ChurnParams) -> pd.DataFrame:
    """The model inputs: ``params.features`` as floats, ``log_features`` as ``log(1 + x)``."""
    X = pd.DataFrame({c: features[c].astype("Float64").astype(float)
                      for c in params.features}, index=features.index)
    for c in set(params.log_features) & set(params.features):
        X[c] = np.log1p(X[c].clip(lower=0))
    return X


def _pipeline(p: ChurnParams) -> Pipeline:
    if p.model == "gbm":
        return Pipeline([("model", HistGradientBoostingClassifier(
            max_iter=p.gbm_max_iter, learning_rate=p.gbm_learning_rate,
            max_leaf_nodes=p.gbm_max_leaf_nodes, random_state=p.seed))])
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(C=p.logistic_c, max_iter=2000)),
    ])


def _labelled(names: list[str], values: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame({
        "feature": names,
        "label_zh": [feature_label(n, "zh") for n in names],
        "label_en": [feature_label(n, "en") for n in names],
        "value": values.astype(float),
    })
    return out.reindex(out["value"].abs().sort_values(ascending=False).index
                       ).reset_index(drop=True)


def _importance(model: Pipeline, X: pd.DataFrame, y: np.ndarray, p: ChurnParams
                ) -> tuple[pd.DataFrame, str]:
    if p.model == "logistic":
        coef = model.named_steps["model"].coef_[0]
        tab = _labelled(list(X.columns), coef)
        tab["odds_ratio"] = np.exp(tab["value"])
        return tab, "coefficient"
    rng = np.random.default_rng(p.seed)
    rows = (np.sort(rng.choice(len(X), p.importance_max_rows, replace=False))
            if len(X) > p.importance_max_rows else np.arange(len(X)))
    imp = permutation_importance(model, X.iloc[rows], y[rows], scoring="roc_auc",
                                 n_repeats=p.importance_repeats, random_state=p.seed)
    return _labelled(list(X.columns), imp.importances_mean), "permutation"


def _rules_table(p: ChurnParams) -> pd.DataFrame:
    r = p.rules
    names = list(RULE_LABELS)
    return pd.DataFrame({
        "feature": names,
        "label_zh": [RULE_LABELS[n][0] for n in names],
        "label_en": [RULE_LABELS[n][1] for n in names],
        "value": [float(getattr(r, n)) for n in names],
    })


def fit_churn(tables: dict[str, pd.DataFrame], as_of: object,
              params: ChurnParams | None = None,
              features: pd.DataFrame | None = None) -> ChurnResult:
    """Label, validate, fit and score churn (see the module docstring).

    Parameters
    ----------
    tables
        Clean tables; ``clients`` and ``facilities`` are required, ``repayments`` (closing
        dates), ``interactions``, ``surveys`` and ``needs`` are used when present.
    as_of
        The data date: labels are taken at ``as_of``, training features at ``as_of -
        horizon_months``, scores on features at ``as_of``.
    params
        The ``churn:`` section (defaults: :class:`~crmkit.params.churn.ChurnParams`).
    features
        ``client_features(tables, as_of)`` when already computed (the score stage saved
        them): not computed again.
    """
    p = params or ChurnParams()
    as_of = _ts(as_of, "as_of")
    with shared_lookups():  # features at two dates: each table's ids mapped to clients once
        return _fit(tables, as_of, p, features)


def _fit(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, p: ChurnParams,
         features: pd.DataFrame | None) -> ChurnResult:
    obs = as_of - pd.DateOffset(months=p.horizon_months)
    book = Book(tables, as_of)
    past = features_at(book, obs, p.horizon_months,  # read: the model's and the segment's
                       columns=[*p.features, _SEGMENT])
    label = label_at(book, as_of, p.horizon_months)
    pop = past["active"].to_numpy(dtype=bool)
    X_train = design_matrix(past.loc[pop], p)
    y = label.to_numpy(dtype=bool)[pop]
    n1, n = int(y.sum()), int(pop.sum())
    counts = {"population": n, "churned": n1, "retained": n - n1}
    now = features_at(book, as_of, p.horizon_months, features)
    active = now["active"].to_numpy(dtype=bool)
    training = X_train.assign(churned=y)
    span = f"{obs.date()} → {as_of.date()}"

    if min(n1, n - n1) < p.min_events:
        prob = rules_score(now, p.rules).where(active)
        messages = {
            "zh": (f"{span} 期间活跃客户 {n} 户中流失 {n1} 户、留存 {n - n1} 户，少于建模所需的 "
                   f"{p.min_events} 户（churn.min_events），未训练模型；流失概率采用规则评分"
                   "（投诉、低推荐意愿、单一产品、接触减少、无新业务）。"),
            "en": (f"Of the {n} clients active over {span}, {n1} churned and {n - n1} stayed: "
                   f"fewer than the {p.min_events} needed (churn.min_events), so no model was "
                   "fitted; churn probabilities come from the rules score (complaints, low NPS, "
                   "single product, falling contacts, no new business)."),
        }
        scores = _scores(prob, active, label, now.index)
        return ChurnResult(scores["churn_probability"], "rules", None, messages, counts,
                           _rules_table(p), "rule_weight", list(p.features), obs, as_of, scores,
                           training)

    model = _pipeline(p)
    folds = StratifiedKFold(n_splits=p.cv_folds, shuffle=True, random_state=p.seed)
    rows = stratified_sample(y, p.fit_max_rows, p.seed)  # churn.fit_max_rows
    with threadpool_limits(limits=p.n_threads):
        oof = _out_of_fold(model, X_train, y, folds, p.fit_max_rows, p.seed)
        if len(rows) < len(y):
            model.fit(X_train.iloc[rows], y[rows])
        else:
            model.fit(X_train, y)
        prob = pd.Series(model.predict_proba(design_matrix(now, p))[:, 1], index=now.index)
        importance, kind = _importance(model, X_train, y, p)
    auc = float(roc_auc_score(y, oof))
    if auc < p.min_auc:  # the model gate: segment base rates instead of a chance-level model
        prob = _base_rates(past.loc[pop], y, now, p).where(active)
        messages = {
            "zh": (f"{span} 期间活跃客户 {n} 户中流失 {n1} 户（{n1 / n:.1%}）；模型交叉验证 "
                   f"AUC = {auc:.3f}，低于门槛 {p.min_auc:.2f}（churn.min_auc），不用于决策："
                   f"流失概率采用按{_SEGMENT_ZH}分组的历史流失率。"),
            "en": (f"Of the {n} clients active over {span}, {n1} churned ({n1 / n:.1%}); the "
                   f"model's out-of-fold AUC = {auc:.3f} is below the gate churn.min_auc = "
                   f"{p.min_auc:.2f}, so it is not used: churn probabilities are the observed "
                   f"churn rates by {_SEGMENT_EN}."),
        }
        scores = _scores(prob, active, label, now.index)
        return ChurnResult(scores["churn_probability"], "base_rates", auc, messages, counts,
                           importance, kind, list(p.features), obs, as_of, scores, training)
    prob = prob.where(active)
    name = {"logistic": ("逻辑回归", "logistic regression"),
            "gbm": ("梯度提升树", "gradient boosting")}[p.model]
    messages = {
        "zh": (f"{span} 期间活跃客户 {n} 户中流失 {n1} 户（{n1 / n:.1%}）；{name[0]}模型 "
               f"{p.cv_folds} 折交叉验证 AUC = {auc:.3f}。"),
        "en": (f"Of the {n} clients active over {span}, {n1} churned ({n1 / n:.1%}); "
               f"{name[1]} model, {p.cv_folds}-fold out-of-fold AUC = {auc:.3f}."),
    }
    scores = _scores(prob, active, label, now.index)
    return ChurnResult(scores["churn_probability"], "model", auc, messages, counts, importance,
                       kind, list(p.features), obs, as_of, scores, training, model)


def _out_of_fold(model: Pipeline, X: pd.DataFrame, y: np.ndarray, folds: StratifiedKFold,
                 max_rows: int | None, seed: int) -> np.ndarray:
    """``cross_val_predict``'s P(churn), each fold's model fitted on at most ``max_rows`` of
    its training rows (a stratified sample); every row is predicted."""
    out = np.full(len(y), np.nan)
    for train, test in folds.split(X, y):
        train = train[stratified_sample(y[train], max_rows, seed)]
        fitted = clone(model).fit(X.iloc[train], y[train])
        out[test] = fitted.predict_proba(X.iloc[test])[:, 1]
    return out


_SEGMENT = "size_class"
_SEGMENT_ZH, _SEGMENT_EN = "客户规模", "client size"


def _base_rates(past: pd.DataFrame, y: np.ndarray, now: pd.DataFrame, p: ChurnParams
                ) -> pd.Series:
    """Observed churn rate per segment (client size), shrunk towards the overall rate with
    ``p.base_rate_prior`` pseudo-clients so a small segment does not get an extreme rate."""
    overall = float(np.mean(y)) if len(y) else 0.0
    k = p.base_rate_prior
    if _SEGMENT in past.columns and _SEGMENT in now.columns:
        seg = past[_SEGMENT].astype("string").fillna("unknown").to_numpy()
        w = pd.DataFrame({"s": seg, "y": y.astype(float)}).groupby("s")["y"].agg(["sum", "size"])
        rate = (w["sum"] + k * overall) / (w["size"] + k)
        out = now[_SEGMENT].astype("string").fillna("unknown").map(rate).astype(float)
        return out.fillna(overall)
    return pd.Series(overall, index=now.index)


def _scores(prob: pd.Series, active: np.ndarray, label: pd.Series, idx: pd.Index
            ) -> pd.DataFrame:
    return pd.DataFrame({
        "churn_probability": prob.to_numpy(dtype=float),
        "active": active,
        "churned": label.reindex(idx).to_numpy(dtype=bool),
    }, index=idx)
