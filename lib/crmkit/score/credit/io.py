"""A fitted credit model as one object: scoring a frame or one client, saving and loading.

:class:`CreditModel` bundles the estimator (scorecard, boosting or rules) with the parameters
that turn its PD into grades, slotting categories and labelled reasons. :func:`save_model`
writes it with joblib plus a JSON sidecar (scaling, features, parameters hash, versions) that
a person or another tool can read without unpickling. Only load model files you trust:
unpickling can run code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

from crmkit.core.errors import CreditError
from crmkit.core.i18n import check_lang
from crmkit.params.credit import CreditParams
from crmkit.score.credit.models import _PointsModel
from crmkit.score.credit.scaling import assign_grades, assign_slotting, prepare_frame, reason_label

__all__ = ["CreditModel", "score_one", "save_model", "load_model", "reason_texts",
           "params_hash"]


def params_hash(params: CreditParams) -> str:
    """SHA-256 of the credit parameters (canonical JSON): identifies the settings of a model."""
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flag(frame: pd.DataFrame, col: str | None) -> np.ndarray | None:
    if col is None or col not in frame.columns:
        return None
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


@dataclass
class CreditModel:
    """A fitted PD model with the settings that turn PDs into points, grades and reasons.

    Attributes
    ----------
    estimator
        A fitted :class:`~crmkit.score.credit.models.Scorecard`, ``GbmScorer`` or ``RulesScorer``.
    params
        The credit parameters it was fitted with (scaling, grades, slotting, labels).
    method
        "scorecard", "gbm" or "rules".
    numeric, categorical
        Input columns (names after renaming by ``params.columns``).
    """

    estimator: _PointsModel
    params: CreditParams
    method: str
    numeric: list[str]
    categorical: list[str]

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rename (``params.columns``), check and type the model's input columns."""
        return prepare_frame(frame, self.numeric, self.categorical, self.params.columns,
                             where="the frame to score")

    def score(self, frame: pd.DataFrame, *, in_default: object = None,
              project_finance: object = None) -> pd.DataFrame:
        """PD, points, grade, slotting and reasons of every row of ``frame``.

        ``in_default`` (bool per row; default: the frame's ``in_default`` column if any) sets
        PD to 1, grade to ``default_grade`` and slotting to "default" (Basel: defaulted
        exposures have PD 100 %). ``project_finance`` (bool per row; default: the frame's
        ``params.project_finance_column``) marks the clients that get a slotting category;
        None for the others.
        """
        p = self.params
        renamed = frame.rename(columns=p.columns) if p.columns else frame
        X = self.prepare(renamed)
        dflt = (_flag(renamed, "in_default") if in_default is None
                else np.asarray(in_default, dtype=bool))
        pf = (_flag(renamed, p.project_finance_column) if project_finance is None
              else np.asarray(project_finance, dtype=bool))
        est = self.estimator
        pd_model = est.predict_proba(X)[:, 1]
        dmask = np.zeros(len(X), dtype=bool) if dflt is None else dflt
        out = pd.DataFrame({
            "pd": np.where(dmask, 1.0, pd_model),
            "pd_model": pd_model,
            "points": est.score_points(X),
            "grade": assign_grades(pd_model, p.grades, p.default_grade, dmask, p.worst_grade),
            "slotting": assign_slotting(pd_model, p.slotting,
                                        np.zeros(len(X), bool) if pf is None else pf, dmask),
            "in_default": dmask,
            "project_finance": np.zeros(len(X), bool) if pf is None else pf,
        }, index=X.index)
        out["grade"] = out["grade"].astype("string")
        out["slotting"] = out["slotting"].astype("string")
        return out.join(est.reasons(X, p.n_reasons, p.min_reason_points))

    def explain(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Points lost per feature for every row (the full reason breakdown)."""
        return self.estimator.points_lost(self.prepare(frame))[0]


def reason_texts(scores: pd.DataFrame, lang: str = "zh",
                 extra: dict[str, tuple[str, str]] | None = None,
                 sep: str | None = None) -> pd.DataFrame:
    """Labelled reasons of a scores frame: ``reason_k_text`` columns and ``reasons``, e.g.
    "偿债覆盖率偏低 (-18)；资产负债率偏高 (-12)". Vectorised over the distinct reasons."""
    check_lang(lang)
    sep = sep if sep is not None else ("；" if lang == "zh" else "; ")
    ks = sorted(int(c.split("_")[1]) for c in scores.columns
                if c.startswith("reason_") and c.count("_") == 1)
    out = pd.DataFrame(index=scores.index)
    parts = []
    for k in ks:
        feat = scores[f"reason_{k}"].astype("string")
        miss = scores.get(f"reason_{k}_missing", pd.Series(False, index=scores.index))
        pts = scores[f"reason_{k}_points"].to_numpy(dtype=float)
        key = feat + "|" + miss.astype(bool).astype("string")
        codes, uniq = pd.factorize(key)  # label each distinct (feature, missing) once
        labels = np.array([reason_label(u.split("|")[0], lang, missing=u.endswith("|True"),
                                        extra=extra) for u in uniq] + [None], dtype=object)
        text = pd.Series(labels[codes], index=scores.index, dtype="string")
        out[f"reason_{k}_text"] = text
        whole = np.round(np.nan_to_num(pts)).astype(np.int64)
        pts_txt = pd.Series(whole, index=scores.index).astype("string")
        parts.append(text + " (-" + pts_txt + ")")
    acc = pd.Series("", index=scores.index, dtype="string")
    for part in parts:  # vectorised join that skips missing reasons
        pk = part.fillna("")
        glue = pd.Series(sep, index=scores.index, dtype="string").where(
            acc.ne("") & pk.ne(""), "")
        acc = acc + glue + pk
    out["reasons"] = acc
    return out


def score_one(model: CreditModel, row: pd.Series | dict) -> dict:
    """Score one client: ``{"pd", "points", "grade", "slotting", "reasons": [...]}``.

    ``row`` holds the model's input columns (source or renamed names). Each reason is
    ``{"feature", "points_lost", "missing", "zh", "en"}``, the costliest first.
    """
    if not isinstance(model, CreditModel):
        raise CreditError(f"score_one needs a CreditModel (CreditResult.model or load_model); "
                          f"got {type(model).__name__}")
    data = dict(row.items()) if isinstance(row, pd.Series) else dict(row)
    frame = pd.DataFrame([data])
    r = model.score(frame).iloc[0]
    reasons = []
    for k in range(1, model.params.n_reasons + 1):
        f = r[f"reason_{k}"]
        if f is None or pd.isna(f):
            continue
        miss = bool(r[f"reason_{k}_missing"])
        reasons.append({"feature": f, "points_lost": float(r[f"reason_{k}_points"]),
                        "missing": miss,
                        "zh": reason_label(f, "zh", missing=miss,
                                           extra=model.params.reason_labels),
                        "en": reason_label(f, "en", missing=miss,
                                           extra=model.params.reason_labels)})
    slot = r["slotting"]
    return {"pd": float(r["pd"]), "points": float(r["points"]), "grade": str(r["grade"]),
            "slotting": None if pd.isna(slot) else str(slot), "reasons": reasons}


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def save_model(model: CreditModel, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (joblib) and its description to ``path`` with ``.json``.

    The sidecar holds the method, input features, the points scaling (base points, base
    odds, PDO, factor, offset), grades, the parameters and their hash, and the crmkit and
    scikit-learn versions. Both files are written atomically.
    """
    from crmkit import __version__
    from crmkit.core.store import atomic_write

    if not isinstance(model, CreditModel):
        raise CreditError(f"save_model needs a CreditModel; got {type(model).__name__}")
    path = Path(path)
    if path.suffix == ".json":
        raise CreditError(f"{path}: use another suffix (e.g. .joblib); .json is the sidecar")
    meta = {
        "crmkit_version": __version__, "sklearn_version": sklearn.__version__,
        "method": model.method, "estimator": type(model.estimator).__name__,
        "numeric": model.numeric, "categorical": model.categorical,
        "features_used": list(model.estimator.features_),
        "scaling": model.estimator.scaling.to_dict(),
        "grades": [list(g) for g in model.params.grades],
        "default_grade": model.params.default_grade,
        "params_hash": params_hash(model.params),
        "params": model.params.model_dump(mode="json"),
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    atomic_write(path, lambda tmp: joblib.dump(model, tmp))
    atomic_write(_sidecar(path), lambda tmp: tmp.write_text(
        json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"))
    return path


def load_model(path: str | Path) -> CreditModel:
    """Read a model written by :func:`save_model`, checking it against its sidecar."""
    path = Path(path)
    side = _sidecar(path)
    for p in (path, side):
        if not p.is_file():
            raise CreditError(f"{p}: model file not found; save it with save_model(model, "
                              f"{str(path)!r}) first")
    meta = json.loads(side.read_text(encoding="utf-8"))
    if meta.get("sklearn_version") != sklearn.__version__:
        warnings.warn(f"{path} was saved with scikit-learn {meta.get('sklearn_version')}; "
                      f"this is {sklearn.__version__}. Check its scores or refit it.",
                      stacklevel=2)
    model = joblib.load(path)
    if not isinstance(model, CreditModel):
        raise CreditError(f"{path} does not hold a crmkit CreditModel")
    if params_hash(model.params) != meta.get("params_hash"):
        raise CreditError(f"{path} and {side.name} disagree (parameters hash); the files come "
                          "from different saves. Save the model again")
    return model
