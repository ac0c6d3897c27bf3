"""The credit stage: probability of default, points, rating grades, slotting and reasons.

:func:`fit_credit_model` builds the training set, fits the PD model, validates it out of fold
and scores every client. Two kinds of input:

- the clean contract tables: features at ``obs_date = as_of - horizon_months`` from
  :func:`crmkit.score.features.client_features`, target
  :func:`crmkit.score.features.default_flag` in ``(obs_date, as_of]``, leaving out clients
  already in default at ``obs_date`` or onboarded after it; every client is then scored on
  its features at ``as_of``;
- your own features frame (one row per client) holding a 0/1 target column named by
  ``credit.target``: rows with a target train the model, every row is scored. Rename its
  columns with ``credit.columns``; ``credit.features`` / ``categorical`` use the new names.

With fewer than ``credit.min_defaults`` defaults (or non-defaults) no model is fitted: the
result says so in ``warnings`` and scores come from the documented expert rules
(``credit.rules``, see :mod:`crmkit.params.credit`), mapped to PD by the same scaling formula.

The pieces live in sibling modules: binning (:mod:`crmkit.score.credit.binning`), models
(:mod:`crmkit.score.credit.models`, :mod:`crmkit.score.credit.rules`), metrics
(:mod:`crmkit.score.credit.metrics`), points and grades (:mod:`crmkit.score.credit.scaling`),
model files and one-client scoring (:mod:`crmkit.score.credit.io`). An own labelled table from
the parameters file (``credit.training``, ``crmkit fit``): :mod:`crmkit.score.credit.training`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit.core.errors import CreditError
from crmkit.params.credit import CreditParams
from crmkit.score.aggregate import lookup, shared_lookups
from crmkit.score.credit.binning import WoeBinner, woe_iv
from crmkit.score.credit.folds import stratified_sample
from crmkit.score.credit.io import CreditModel, load_model, reason_texts, save_model, score_one
from crmkit.score.credit.metrics import (
    calibration_table,
    cv_splits,
    discrimination,
    ks_table,
    metrics_row,
    oof_predict,
    roc_table,
)
from crmkit.score.credit.models import GbmScorer, Scorecard
from crmkit.score.credit.rules import RulesScorer
from crmkit.score.credit.scaling import (
    Scaling,
    assign_grades,
    assign_slotting,
    prepare_frame,
    to_target,
)

__all__ = [
    "CreditResult", "CreditModel", "TrainingData", "fit_credit_model", "training_data",
    "make_estimator", "scoring_rows",
    "score_one", "save_model", "load_model", "reason_texts", "WoeBinner", "Scorecard",
    "GbmScorer", "RulesScorer", "Scaling", "assign_grades", "assign_slotting", "discrimination",
    "roc_table", "ks_table", "calibration_table", "woe_iv",
]


@dataclass
class CreditResult:
    """Everything :func:`fit_credit_model` produces.

    Attributes
    ----------
    method
        "scorecard", "gbm" or "rules" (too few defaults: see ``warnings``).
    scores
        One row per client (index client_id): pd (1.0 when in default), pd_model, points,
        grade, slotting (project finance only), in_default, project_finance, reason_k,
        reason_k_points (points lost), reason_k_missing. Labels: :meth:`reasons`.
    metrics
        One row per model and basis (out_of_fold / in_sample): n, defaults, auc, gini, ks,
        brier, mean_pd. Above ``credit.fit_max_rows`` training rows each model is fitted on
        a sample of that many rows (stratified by the default flag; ``summary["fit_rows"]``);
        the out-of-fold and in-sample figures still cover every training row.
    calibration
        Mean predicted PD vs observed default rate per PD decile (out of fold; in sample for
        rules).
    scorecard_table
        Attribute points: feature, bin, WOE, coefficient, points (rules: band points).
    binning_table
        Every WOE bin of every candidate feature with counts, default rate, WOE and IV.
    iv
        Per candidate feature: iv, direction, selected, dropped ("iv" / "sign").
    oof
        Training clients: default (0/1) and out-of-fold pd_<model> / points_<model>.
    """

    method: str
    scores: pd.DataFrame
    metrics: pd.DataFrame
    calibration: pd.DataFrame
    scorecard_table: pd.DataFrame
    binning_table: pd.DataFrame
    iv: pd.DataFrame
    oof: pd.DataFrame
    model: CreditModel
    models: dict[str, CreditModel] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)

    def reasons(self, lang: str = "zh") -> pd.DataFrame:
        """Labelled reasons per client (``reason_k_text`` and the joined ``reasons``)."""
        return reason_texts(self.scores, lang, self.model.params.reason_labels)


def make_estimator(params: CreditParams, kind: str) -> Scorecard | GbmScorer:
    """The unfitted scorecard ("scorecard") or boosting model ("gbm") that ``params`` ask for."""
    p = params
    scale = {"base_points": p.base_points, "base_odds": p.base_odds, "pdo": p.pdo}
    dirs = {f: p.direction(f) for f in p.features}
    if kind == "scorecard":
        return Scorecard(list(p.features), list(p.categorical), dirs, p.n_prebins,
                         p.min_bin_share, p.rare_category_share, p.woe_smoothing, p.min_iv,
                         p.drop_wrong_sign, p.logit_c, shrinkage=p.woe_shrinkage, **scale)
    if kind == "gbm":
        return GbmScorer(list(p.features), list(p.categorical), dirs, p.gbm_max_iter,
                         p.gbm_learning_rate, p.gbm_max_leaf_nodes, p.gbm_min_samples_leaf,
                         p.gbm_l2, p.gbm_monotone, p.rare_category_share, p.seed, p.gbm_threads,
                         **scale)
    raise CreditError(f"unknown model {kind!r}; use 'scorecard' or 'gbm'")


@dataclass
class TrainingData:
    """Training rows and 0/1 target, scoring rows and their flags, and a summary."""

    train: pd.DataFrame
    y: pd.Series
    score: pd.DataFrame
    in_default: np.ndarray | None
    project_finance: np.ndarray | None
    info: dict[str, object]


def training_data(tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
                  as_of: dt.date | pd.Timestamp | None, params: CreditParams,
                  features: pd.DataFrame | None = None) -> TrainingData:
    """Training rows, target and scoring rows from contract tables or an own frame.

    ``features`` (``client_features(tables, as_of)``, when the caller has them) are used as
    the scoring rows instead of being computed again."""
    if isinstance(tables, pd.DataFrame):
        return _frame_data(tables, params)
    if params.target is not None:
        raise CreditError(
            f"credit.target={params.target!r} is set, but this run trains on the contract "
            "tables, whose target is the built-in default flag. To train on your own labelled "
            "table, put it in the parameters file as credit.training: {path: <file>, target: "
            f"{params.target}}} and run `crmkit fit PARAMS` (docs/own-data.md); crmkit run then "
            "scores with the fitted model. Otherwise set credit.target to null. (credit.target "
            "is for Python only: fit_credit_model(frame) with your own features frame.)")
    if "clients" not in tables:
        raise CreditError("fit_credit_model needs the clients table (tables['clients'])")
    if as_of is None:
        raise CreditError("fit_credit_model needs as_of with contract tables")
    with shared_lookups():  # the cohorts' features map each table's ids to clients once
        return _cohorts(tables, pd.Timestamp(as_of), params, features)


def _cohorts(tables: Mapping[str, pd.DataFrame], end: pd.Timestamp, params: CreditParams,
             features: pd.DataFrame | None) -> TrainingData:
    """:func:`training_data` from contract tables: the yearly cohorts and the scoring rows."""
    from crmkit.score.features import client_features, default_flag

    onboard_all = (tables["clients"].drop_duplicates("client_id").set_index("client_id")
                   ["onboarding_date"])
    frames, targets, late_n, bad_n, cohorts = [], [], 0, 0, []
    used = None  # the columns a model or the rules read: no wide copies of every feature
    read = [*params.features, *params.categorical, *params.rules, "in_default"]
    for k in range(params.cohorts):  # yearly cohorts: newest first
        stop = end - pd.DateOffset(months=params.horizon_months * k)
        obs = stop - pd.DateOffset(months=params.horizon_months)
        # only the feature blocks the model, the rules and the exclusions read
        f_obs = client_features(dict(tables), obs, snapshot_date=end, columns=read)
        y_k = default_flag(dict(tables), obs, stop, snapshot_date=end
                           ).reindex(f_obs.index).fillna(False)
        late = (onboard_all.reindex(f_obs.index) > obs).to_numpy(dtype=bool, na_value=False)
        bad = f_obs["in_default"].fillna(False).to_numpy(dtype=bool)
        keep_k = ~late & ~bad
        late_n, bad_n = late_n + int(late.sum()), bad_n + int((bad & ~late).sum())
        used = used or [c for c in dict.fromkeys([*params.features, *params.categorical,
                                                  *params.rules]) if c in f_obs.columns]
        frames.append(f_obs.loc[keep_k, used])
        targets.append(y_k[keep_k])
        cohorts.append({"obs_date": obs.date().isoformat(), "rows": int(keep_k.sum()),
                        "defaults": int(y_k[keep_k].sum())})
    train = pd.concat(frames)
    y = pd.concat(targets)
    f_now, in_default, pf = scoring_rows(tables, end, features)
    info = {"as_of": end.date().isoformat(), "obs_date": cohorts[0]["obs_date"],
            "horizon_months": params.horizon_months, "source": "tables",
            "cohorts": cohorts, "excluded_onboarded_after_obs": late_n,
            "excluded_in_default_at_obs": bad_n}
    return TrainingData(train, y.astype(float), f_now, in_default, pf, info)


def scoring_rows(tables: Mapping[str, pd.DataFrame], as_of: dt.date | pd.Timestamp,
                 features: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every client's features at ``as_of``, its in-default flag and its project-finance flag
    (a live project-finance facility): the rows a credit model scores. ``features`` are those
    features when the caller already computed them."""
    from crmkit.score.features import client_features

    f_now = (client_features(dict(tables), pd.Timestamp(as_of)) if features is None
             else features)
    fac = tables.get("facilities")
    pf = np.zeros(len(f_now), dtype=bool)
    if fac is not None and len(fac):
        live = fac[(fac["product"] == "project_finance").fillna(False)
                   & (fac["status"] != "closed").fillna(True)]
        ids = live["client_id"].dropna().unique()
        pf = lookup(pd.Index(ids), f_now.index) >= 0  # an Arrow hash join, not Index.isin
    return f_now, f_now["in_default"].fillna(False).to_numpy(dtype=bool), pf


def _frame_data(frame: pd.DataFrame, params: CreditParams) -> TrainingData:
    df = frame.rename(columns=params.columns) if params.columns else frame
    if params.target is None:
        raise CreditError("an own features frame needs credit.target: the name of its 0/1 "
                          "default column (after renaming by credit.columns)")
    if params.target not in df.columns:
        raise CreditError(f"credit.target={params.target!r} is not a column of the features "
                          f"frame; its columns are {list(df.columns)[:30]}")
    if params.id_column is not None:
        if params.id_column not in df.columns:
            raise CreditError(f"credit.id_column={params.id_column!r} is not a column of the "
                              "features frame")
        df = df.set_index(params.id_column)
    if df.index.has_duplicates:
        dup = list(df.index[df.index.duplicated()].unique()[:5])
        raise CreditError(f"client IDs must be unique in the features frame; repeated: {dup}")
    df.index.name = "client_id"
    y = to_target(df[params.target], params.target)
    flag = (df["in_default"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            if "in_default" in df.columns else None)
    pfc = params.project_finance_column
    pf = (df[pfc].astype("boolean").fillna(False).to_numpy(dtype=bool)
          if pfc in df.columns else None)
    info = {"source": "frame", "target": params.target, "rows_without_target":
            int(y.isna().sum())}
    return TrainingData(df[y.notna()], y[y.notna()], df, flag, pf, info)


def _iv_table(sc: Scorecard) -> pd.DataFrame:
    b = sc.binner_
    t = pd.DataFrame({"iv": b.iv_})
    t["direction"] = [b.direction_.get(f, "") for f in t.index]
    t["selected"] = t.index.isin(sc.features_)
    t["dropped"] = [sc.dropped_.get(f) for f in t.index]
    t.index.name = "feature"
    return t.reset_index()


def _fit_rules(d: TrainingData, p: CreditParams, y: np.ndarray, rows: list, oof: pd.DataFrame,
               models: dict[str, CreditModel], warns: list[str]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The expert-rules scorer (fallback when no model may be used); returns calibration and
    points tables and fills ``rows``, ``oof`` and ``models`` in place."""
    n_def = int(y.sum())
    num = [f for f in p.rules if f in d.train.columns or f in d.score.columns]
    est = RulesScorer(p.rules, p.rules_base_points, p.base_points, p.base_odds, p.pdo)
    Xr = prepare_frame(d.train, [f for f in num if f in d.train.columns], [])
    est.fit(Xr)
    num = list(est.features_)
    if est.absent_:
        warns.append(f"Rule features {est.absent_} are not in the data and were left out.")
    models["rules"] = CreditModel(est, p, "rules", num, [])
    oof["pd_rules"] = est.predict_proba(Xr)[:, 1]
    if 0 < n_def < len(y):
        rows.append(metrics_row("rules", y, oof["pd_rules"], basis="in_sample"))
    calib = (calibration_table(y, oof["pd_rules"], p.calibration_bins) if len(y)
             else pd.DataFrame())
    return calib, est.points_table_


def fit_credit_model(tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
                     as_of: dt.date | pd.Timestamp | None = None,
                     params: CreditParams | None = None,
                     features: pd.DataFrame | None = None) -> CreditResult:
    """Fit, validate out of fold and apply the PD model (see the module docstring).

    Parameters
    ----------
    tables
        Clean contract tables keyed by name, or an own features frame (one row per client).
    as_of
        The analysis date (needed with tables; ignored for an own frame).
    params
        The ``credit:`` section of the parameters; defaults when None.
    features
        ``client_features(tables, as_of)`` when already computed (the score stage has them).

    Raises
    ------
    CreditError
        Naming the missing column, the bad target values or the parameter to change.
    """
    p = params or CreditParams()
    d = training_data(tables, as_of, p, features)
    y = d.y.to_numpy(dtype=int)
    n_def, n_good = int(y.sum()), int(len(y) - y.sum())
    summary = {**d.info, "n_train": len(y), "n_defaults": n_def, "n_non_defaults": n_good,
               "default_rate": float(y.mean()) if len(y) else np.nan, "n_scored": len(d.score)}
    warns: list[str] = []
    short = [(what, n) for what, n in (("defaults", n_def), ("non-defaults", n_good))
             if n < p.min_defaults]
    if short:
        method = "rules"
        what, n = short[0]
        zh = "违约" if what == "defaults" else "未违约"
        warns.append(
            f"Too few {what} to fit a model: {n} {what} among {len(y)} training clients, "
            f"fewer than credit.min_defaults = {p.min_defaults}. Scores come from the expert "
            f"rules (credit.rules) instead. / 训练样本中{zh}客户仅 {n} 户，少于最低要求 "
            f"{p.min_defaults} 户（credit.min_defaults），未训练模型，改用专家规则评分。")
    else:
        method = p.model
    X = prepare_frame(d.train, p.features, p.categorical, where="the training data")
    rows, oof = [], pd.DataFrame({"default": y}, index=d.train.index)
    models: dict[str, CreditModel] = {}
    if method == "rules":
        calib, sc_table = _fit_rules(d, p, y, rows, oof, models, warns)
        bin_table, iv = pd.DataFrame(), pd.DataFrame()
    else:
        empty = [c for c in [*p.features, *p.categorical] if X[c].isna().all()]
        if empty:
            warns.append(f"Features {empty} have no values in the training data; they carry "
                         "no information and are left out.")
        compare = (len(y) <= p.compare_gbm_max_rows if p.compare_gbm == "auto"
                   else p.compare_gbm)
        kinds = ["scorecard"] + (["gbm"] if compare or method == "gbm" else [])
        folds = cv_splits(y, p.cv_folds, p.seed, groups=d.train.index,  # once for every kind
                          exact_max_groups=p.cv_exact_max_groups)
        fit_rows = stratified_sample(y, p.fit_max_rows, p.seed)
        summary["fit_rows"] = len(fit_rows)
        for kind in kinds:
            est = make_estimator(p, kind)
            cv_est = est.set_params(reference_rows=0) if kind == "gbm" else est
            oof[f"pd_{kind}"] = oof_predict(cv_est, X, y, p.cv_folds, p.seed,
                                            groups=d.train.index, splits=folds,
                                            max_rows=p.fit_max_rows)
            est = make_estimator(p, kind)
            if len(fit_rows) < len(y):  # credit.fit_max_rows: fitted on a sample
                est.fit(X.iloc[fit_rows], y[fit_rows])
            else:
                est.fit(X, y)
            models[kind] = CreditModel(est, p, kind, list(p.features), list(p.categorical))
            rows.append(metrics_row(kind, y, oof[f"pd_{kind}"]))
            rows.append(metrics_row(kind, y, est.predict_proba(X)[:, 1], basis="in_sample"))
        calib = calibration_table(y, oof[f"pd_{method}"], p.calibration_bins)
        sc = models["scorecard"].estimator
        sc_table, bin_table, iv = sc.points_table_, sc.binner_.binning_table_, _iv_table(sc)
        auc = float(next(r["auc"] for r in rows
                         if r["model"] == method and r["basis"] == "out_of_fold"))
        summary["model_auc"] = auc
        if not auc >= p.min_auc:  # the model gate: not good enough to decide with
            warns.append(
                f"The {method} model's out-of-fold AUC is {auc:.3f}, below the gate "
                f"credit.min_auc = {p.min_auc:.2f}: it is not used for decisions; PDs come "
                f"from the expert rules (credit.rules). / {method} 模型交叉验证 AUC 为 {auc:.3f}，"
                f"低于门槛 {p.min_auc:.2f}（credit.min_auc），不用于决策，PD 改用专家规则。")
            method = "rules"
            calib, sc_table = _fit_rules(d, p, y, rows, oof, models, warns)
    scale = Scaling(p.base_points, p.base_odds, p.pdo)
    for c in [c for c in oof.columns if c.startswith("pd_")]:
        oof[f"points_{c[3:]}"] = scale.points_from_pd(oof[c])
    model = models[method]
    scores = model.score(d.score, in_default=d.in_default, project_finance=d.project_finance)
    scores.index.name = "client_id"
    summary["method"] = method
    return CreditResult(method, scores, pd.DataFrame(rows), calib, sc_table, bin_table, iv,
                        oof, model, models, warns, summary)
