"""The credit model on your own labelled table: ``crmkit fit`` and its use by ``crmkit run``.

:func:`fit_credit_training` reads ``credit.training`` (see :mod:`crmkit.params.training`),
maps the target to 0/1, detects numeric and text features, fits the model with
:func:`~crmkit.score.credit.fit.fit_credit_model` (WOE scorecard, out-of-fold AUC, KS, Gini,
calibration, the ``credit.min_auc`` gate) and saves into the model folder
(``training.model_dir``, default ``<output_dir>/<portfolio>/models``):

- ``credit_model.joblib`` + ``.json`` (the model, :func:`~crmkit.score.credit.io.save_model`);
- ``credit_fit.json`` (target mapping, features, figures, warnings);
- ``credit_metrics.csv``, ``credit_calibration.csv``, ``credit_scorecard.csv``,
  ``credit_binning.csv``, ``credit_iv.csv``, ``credit_oof.csv`` (out-of-fold PDs).

:func:`fitted_credit` is what the score stage calls when ``credit.training`` is set: it loads
the saved model and scores every client at ``as_of``; nothing is refitted. When the fitted
model's out-of-fold AUC is below ``credit.min_auc`` (the gate, checked again with today's
parameters) the portfolio is scored by the expert rules instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crmkit.collect.readers import read_table
from crmkit.core.errors import ChurnError, CreditError, CrmkitError
from crmkit.core.store import atomic_write
from crmkit.core.targets import binary_target, detect_features, mapping_text
from crmkit.params import Params, SourceSpec
from crmkit.params.credit import CreditParams
from crmkit.params.training import TrainingSource
from crmkit.score.credit.fit import CreditResult, fit_credit_model, scoring_rows
from crmkit.score.credit.io import CreditModel, load_model, save_model
from crmkit.score.credit.rules import RulesScorer
from crmkit.score.credit.scaling import prepare_frame

__all__ = ["FitReport", "model_dir", "read_training", "fit_credit_training", "fitted_credit",
           "saved_fit", "TARGET"]

#: Name of the 0/1 target column in the frame handed to the model.
TARGET = "_target"
_TABLES = ("metrics", "calibration", "scorecard", "binning", "iv", "oof")


def model_dir(params: Params, training: TrainingSource) -> Path:
    """Where ``crmkit fit`` saves the model: ``training.model_dir`` or
    ``<output_dir>/<portfolio>/models``."""
    return training.model_dir or params.output_dir / params.portfolio / "models"


@dataclass
class FitReport:
    """What ``crmkit fit`` did for one model (credit or churn)."""

    what: str
    source: str
    mapping: dict[str, int]
    numeric: list[str]
    categorical: list[str]
    dropped: list[str]
    metrics: pd.DataFrame
    summary: dict[str, object]
    folder: Path
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """A plain-text account: rows, target mapping, features, figures, files."""
        event = "default" if self.what == "credit" else "churn"
        s = self.summary
        oof = self.metrics[self.metrics["basis"] == "out_of_fold"]
        lines = [f"{self.what} model on {self.source}: {s['n_train']} rows, {s['n_events']} "
                 f"{event}s ({s['event_rate']:.1%})",
                 f"target {s['target']!r}: {mapping_text(self.mapping, event)}",
                 f"numeric features ({len(self.numeric)}): {', '.join(self.numeric) or '-'}",
                 f"text features ({len(self.categorical)}): {', '.join(self.categorical) or '-'}"]
        if self.dropped:
            lines.append(f"left out: {', '.join(self.dropped)}")
        cols = [c for c in ("model", "n", "auc", "gini", "ks", "brier") if c in oof.columns]
        lines += ["out-of-fold validation:", oof[cols].to_string(index=False, float_format=
                                                                 lambda v: f"{v:.3f}")]
        lines.append(f"model used: {s['method']}")
        lines += [f"warning: {w}" for w in self.warnings]
        lines.append(f"saved in {self.folder}")
        return "\n".join(lines)


def read_training(training: TrainingSource, error: type[CrmkitError] = CreditError
                  ) -> tuple[pd.DataFrame, pd.Series, str]:
    """The training table (renamed by ``training.columns``), its row numbers and its name."""
    spec = SourceSpec(path=training.path, sheet=training.sheet, encoding=training.encoding)
    if not training.path.is_file():
        raise error(f"{training.path}: training table not found; fix training.path in the "
                    "parameters file (relative paths start at the parameters file's folder)")
    raw = read_table(spec, "training")
    frame = raw.frame.rename(columns=training.columns) if training.columns else raw.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.has_duplicates:
        raise error(f"{raw.source}: repeated column names "
                    f"{sorted(set(frame.columns[frame.columns.duplicated()]))}; rename them")
    return frame, raw.rows, raw.source


def labelled_frame(training: TrainingSource, error: type[CrmkitError] = CreditError
                   ) -> tuple[pd.DataFrame, dict[str, int], list[str], list[str], list[str],
                              str]:
    """The training table as (frame with 0/1 :data:`TARGET`, mapping, numeric, text, left
    out, source name); rows without a target are dropped, the index is the row ID."""
    frame, rows, source = read_training(training, error)
    where = f"{source} (training table)"
    skip = [training.target, *([training.id_column] if training.id_column else []),
            *training.exclude]
    num, cat, dropped = detect_features(frame, skip=skip, numeric=training.features,
                                        categorical=training.categorical, where=where,
                                        error=error)
    y, mapping = binary_target(frame[training.target], where=where, rows=rows,
                               positive=training.positive, error=error)
    if training.id_column:
        ids = frame[training.id_column].astype("string").str.strip()
        dup = ids.duplicated(keep=False) & ids.notna()
        if dup.any() or ids.isna().any():
            bad = rows[dup | ids.isna()].head(5).tolist()
            raise error(f"{where}: id column {training.id_column!r} must be unique and "
                        f"filled; see rows {bad}. Fix them or set training.id_column: null")
        index = pd.Index(ids, name="client_id")
    else:
        index = pd.Index(rows.astype(str), name="client_id")
    out = frame[[*num, *cat]].set_axis(index)
    for c in num:
        out[c] = pd.to_numeric(out[c].astype("string").str.strip().replace("", pd.NA),
                               errors="coerce").astype(float)
    out[TARGET] = y.to_numpy()
    return out[out[TARGET].notna()], mapping, num, cat, dropped, source


def _save_tables(folder: Path, tables: Mapping[str, pd.DataFrame], prefix: str) -> None:
    for name, t in tables.items():
        atomic_write(folder / f"{prefix}_{name}.csv",
                     lambda tmp, t=t: t.to_csv(tmp, index=False, encoding="utf-8-sig"))


def fit_credit_training(params: Params) -> FitReport:
    """Fit, validate and save the credit model on ``credit.training`` (see the module doc)."""
    tr = params.credit.training
    if tr is None:
        raise CreditError("no credit.training in the parameters file: add credit.training: "
                          "{path: <labelled table>, target: <column>} (docs/own-data.md)")
    frame, mapping, num, cat, dropped, source = labelled_frame(tr)
    p = params.credit.model_copy(update={"features": num, "categorical": cat,
                                         "target": TARGET, "columns": {}, "id_column": None,
                                         "training": None})
    res = fit_credit_model(frame, params=p)
    folder = model_dir(params, tr)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(res.model, folder / "credit_model.joblib")
    _save_tables(folder, {"metrics": res.metrics, "calibration": res.calibration,
                          "scorecard": res.scorecard_table, "binning": res.binning_table,
                          "iv": res.iv, "oof": res.oof.reset_index()}, "credit")
    summary = {"source": source, "target": tr.target, "mapping": mapping,
               "n_train": int(res.summary["n_train"]), "n_events": int(res.summary["n_defaults"]),
               "event_rate": float(res.summary["default_rate"]), "method": res.method,
               "auc": res.summary.get("model_auc"), "min_auc": p.min_auc,
               "numeric": num, "categorical": cat, "left_out": dropped,
               "warnings": res.warnings}
    atomic_write(folder / "credit_fit.json", lambda tmp: tmp.write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"))
    return FitReport("credit", source, mapping, num, cat, dropped, res.metrics, summary,
                     folder, list(res.warnings))


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig") if path.is_file() else pd.DataFrame()


def saved_fit(params: Params, what: str) -> tuple[Path, Path, dict]:
    """The model folder, model file and ``<what>_fit.json`` that ``crmkit fit`` saved for
    ``what`` ("credit" / "churn"); a clear error when it has not been run."""
    tr = getattr(params, what).training
    error = CreditError if what == "credit" else ChurnError
    if tr is None:
        raise error(f"no {what}.training in the parameters file")
    folder = model_dir(params, tr)
    path = folder / f"{what}_model.joblib"
    if not path.is_file() or not (folder / f"{what}_fit.json").is_file():
        stage = "score" if what == "credit" else "warn"
        raise error(f"{path}: no fitted {what} model. {what}.training is set, so the {stage} "
                    f"stage scores with the model crmkit fit saves: run `crmkit fit "
                    f"{params.source_file or 'PARAMS'}` first")
    return folder, path, json.loads((folder / f"{what}_fit.json").read_text(encoding="utf-8"))


def fitted_credit(tables: Mapping[str, pd.DataFrame], params: Params,
                  features: pd.DataFrame | None = None) -> CreditResult:
    """Score every client at ``as_of`` with the model ``crmkit fit`` saved (no refit);
    ``features``: the client features at ``as_of`` when the caller has them."""
    folder, path, fit = saved_fit(params, "credit")
    model: CreditModel = load_model(path)
    saved = {n: _read_csv(folder / f"credit_{n}.csv") for n in _TABLES}
    oof = saved["oof"].set_index("client_id") if "client_id" in saved["oof"] else saved["oof"]
    f_now, in_default, pf = scoring_rows(tables, params.as_of, features)
    p = params.credit
    warns = [f"Scored with the model fitted on {fit.get('source')} by crmkit fit "
             f"({folder}); not refitted."]
    auc = fit.get("auc")
    if model.method == "rules" or not (auc is not None and auc >= p.min_auc):
        warns.append(f"The fitted model ({fit.get('method')}, out-of-fold AUC {auc}) does not "
                     f"pass credit.min_auc = {p.min_auc:.2f}: PDs come from the expert rules "
                     "(credit.rules) on the portfolio's features.")
        model = _rules_model(f_now, p.model_copy(update={"training": None}))
    missing = [c for c in [*model.numeric, *model.categorical] if c not in f_now.columns]
    if missing:
        raise CreditError(
            f"{path} needs features {missing}, which the portfolio's client features do not "
            "have; rename the training table's columns to the portfolio's feature names with "
            "credit.training.columns ({table name: feature name}) and run crmkit fit again, or "
            "remove credit.training to fit on the contract tables")
    scores = model.score(f_now, in_default=in_default, project_finance=pf)
    scores.index.name = "client_id"
    summary = {"source": "fitted", "model_dir": str(folder), "model_auc": auc,
               "n_defaults": fit.get("n_events"), "n_train": fit.get("n_train"),
               "method": model.method, "n_scored": len(scores)}
    return CreditResult(model.method, scores, saved["metrics"], saved["calibration"],
                        saved["scorecard"], saved["binning"], saved["iv"], oof, model,
                        {model.method: model}, warns + list(fit.get("warnings", [])), summary)


def _rules_model(frame: pd.DataFrame, p: CreditParams) -> CreditModel:
    """The expert rules (``credit.rules``) on the portfolio's features: the gate's fallback."""
    num = [f for f in p.rules if f in frame.columns]
    est = RulesScorer(p.rules, p.rules_base_points, p.base_points, p.base_odds, p.pdo)
    est.fit(prepare_frame(frame, num, []))
    return CreditModel(est, p, "rules", list(est.features_), [])

