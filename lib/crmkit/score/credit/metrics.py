"""Validation of PD models: out-of-fold predictions, AUC / Gini / KS, calibration by bin.

Conventions: ``y`` is 1 for a default; ``pd_`` is the predicted PD (higher = riskier).
``Gini = 2 AUC - 1``; ``KS = max |TPR - FPR|`` over cut-offs, i.e. the largest gap between the
cumulative shares of defaulters and non-defaulters when clients are sorted by PD.

Calibration is *checked*, not forced: the scorecard's PD is tied to its points by the scaling
formula, and recalibrating (isotonic / Platt) would break that link. The calibration table
compares, per PD decile, the mean predicted PD with the observed default rate (out of fold).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import auc as area_under
from sklearn.metrics import brier_score_loss, roc_curve
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from crmkit.core.errors import CreditError
from crmkit.score.credit.folds import fold_splits, grouped_folds, stratified_sample

__all__ = ["discrimination", "roc_table", "ks_table", "oof_predict", "cv_splits",
           "calibration_table", "metrics_row"]


def _arrays(y: object, pd_: object) -> tuple[np.ndarray, np.ndarray]:
    yv, pv = np.asarray(y, dtype=float), np.asarray(pd_, dtype=float)
    if yv.shape != pv.shape:
        raise CreditError(f"y has {yv.size} values but the PDs have {pv.size}")
    ok = ~(np.isnan(yv) | np.isnan(pv))
    return yv[ok].astype(int), pv[ok]


def discrimination(y: object, pd_: object) -> dict[str, float]:
    """AUC, Gini (= 2 AUC - 1) and KS of PDs against 0/1 outcomes (NaN with one class)."""
    yv, pv = _arrays(y, pd_)
    if yv.min(initial=1) == yv.max(initial=0):
        return {"auc": np.nan, "gini": np.nan, "ks": np.nan}
    fpr, tpr, _ = roc_curve(yv, pv)  # one curve for both (roc_auc_score is its area)
    auc = float(area_under(fpr, tpr))
    return {"auc": auc, "gini": 2 * auc - 1, "ks": float(np.max(np.abs(tpr - fpr)))}


def roc_table(y: object, pd_: object) -> pd.DataFrame:
    """The ROC curve: false-positive rate, true-positive rate and PD threshold."""
    yv, pv = _arrays(y, pd_)
    fpr, tpr, thr = roc_curve(yv, pv)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thr})


def ks_table(y: object, pd_: object) -> pd.DataFrame:
    """Cumulative shares of defaulters and non-defaulters, clients sorted riskiest first.

    Columns ``population`` (share of clients reviewed), ``bad``, ``good`` and ``gap``
    (= bad - good); the KS statistic is the largest gap. Ties in PD are kept together.
    """
    yv, pv = _arrays(y, pd_)
    order = np.argsort(-pv, kind="stable")
    ys, ps = yv[order], pv[order]
    last = np.r_[ps[1:] != ps[:-1], True]  # the last row of each tied PD group
    bad = np.cumsum(ys)[last] / max(ys.sum(), 1)
    good = np.cumsum(1 - ys)[last] / max((1 - ys).sum(), 1)
    pop = (np.arange(1, len(ys) + 1) / len(ys))[last]
    return pd.DataFrame({"population": np.r_[0.0, pop], "bad": np.r_[0.0, bad],
                         "good": np.r_[0.0, good], "threshold": np.r_[np.inf, ps[last]]}
                        ).assign(gap=lambda d: d["bad"] - d["good"])


def cv_splits(y: object, folds: int = 5, seed: int = 7, groups: object = None,
              exact_max_groups: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs :func:`oof_predict` uses; compute them once and pass
    them to every model validated on the same rows.

    With ``groups``: scikit-learn's ``StratifiedGroupKFold`` (a search per group, slow) up to
    ``exact_max_groups`` groups (None: always), above that the vectorised deal of
    :func:`crmkit.score.credit.folds.grouped_folds` (groups whole, default rates balanced)."""
    yv = np.asarray(y, dtype=int)
    k = int(min(folds, np.bincount(yv, minlength=2).min()))
    if k < 2:
        raise CreditError(f"out-of-fold validation needs at least 2 defaults and 2 "
                          f"non-defaults; got {int(yv.sum())} defaults of {len(yv)}")
    if groups is None:
        splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(
            np.zeros(len(yv)), yv)
    elif exact_max_groups is not None and pd.unique(np.asarray(groups)).size > exact_max_groups:
        k = min(k, pd.unique(np.asarray(groups)).size)
        return fold_splits(grouped_folds(yv, groups, k, seed), k)
    else:
        splits = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(
            np.zeros(len(yv)), yv, np.asarray(groups))
    return list(splits)


def oof_predict(estimator: object, X: pd.DataFrame, y: object, folds: int = 5,
                seed: int = 7, groups: object = None,
                splits: list[tuple[np.ndarray, np.ndarray]] | None = None,
                max_rows: int | None = None) -> np.ndarray:
    """Out-of-fold PDs: each row is scored by a clone fitted without its fold.

    With ``groups`` (the client id of each row, when a client appears in several yearly
    cohorts) all rows of a client fall in the same fold, so no client is scored by a model
    that saw it: the figures stay honest. ``splits`` (from :func:`cv_splits`) skips finding
    the folds again. ``max_rows``: each clone is fitted on at most that many of its training
    rows (:func:`~crmkit.score.credit.folds.stratified_sample`); every test row is scored.
    """
    yv = np.asarray(y, dtype=int)
    out = np.full(len(yv), np.nan)
    for train, test in (splits if splits is not None else cv_splits(yv, folds, seed, groups)):
        train = train[stratified_sample(yv[train], max_rows, seed)]
        model = clone(estimator).fit(X.iloc[train], yv[train])  # type: ignore[attr-defined]
        out[test] = model.predict_proba(X.iloc[test])[:, 1]
    return out


def calibration_table(y: object, pd_: object, bins: int = 10) -> pd.DataFrame:
    """Mean predicted PD vs observed default rate per PD quantile bin (decile by default).

    Columns: bin (1 = safest), n, defaults, pd_min, pd_max, mean_pd, observed, difference
    (observed - mean_pd).
    """
    yv, pv = _arrays(y, pd_)
    if pv.size == 0:
        raise CreditError("calibration_table: no PD with a known outcome")
    rank = pd.Series(pv).rank(method="first").to_numpy()
    b = np.minimum((rank - 1) * bins // len(pv), bins - 1).astype(int)
    df = pd.DataFrame({"bin": b + 1, "y": yv, "pd": pv})
    t = df.groupby("bin").agg(n=("y", "size"), defaults=("y", "sum"), pd_min=("pd", "min"),
                              pd_max=("pd", "max"), mean_pd=("pd", "mean"),
                              observed=("y", "mean")).reset_index()
    t["difference"] = t["observed"] - t["mean_pd"]
    return t


def metrics_row(name: str, y: object, pd_: object, *, basis: str = "out_of_fold"
                ) -> dict[str, object]:
    """One row of the metrics table: discrimination, Brier score and calibration-in-the-large."""
    yv, pv = _arrays(y, pd_)
    row: dict[str, object] = {"model": name, "basis": basis, "n": int(yv.size),
                              "defaults": int(yv.sum()),
                              "default_rate": float(yv.mean()) if yv.size else np.nan}
    row.update(discrimination(yv, pv))
    row["brier"] = float(brier_score_loss(yv, pv)) if yv.size else np.nan
    row["mean_pd"] = float(pv.mean()) if pv.size else np.nan
    return row
