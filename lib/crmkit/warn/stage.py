"""The warn stage runner: churn, history, rules, IFRS 9 stages and ECL, alerts, action plan.

Reads the score and tier tables of this run, compares them with the previous snapshot in the
portfolio's history store, evaluates the early-warning rules and writes under
``<run_dir>/warn/``: ``alerts``, ``rule_notes``, ``stages``, ``ecl`` (expected credit loss per
facility), ``action_plan`` (Parquet and a CSV for Excel), ``actions.ics``, ``churn``,
``changes``, ``migration`` (tiers) and ``stage_migration`` (IFRS 9 stages, facility counts).
The run's client and facility results are then stored as the snapshot of its as-of date
(re-running the same date replaces it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.collect.required import forget_clean
from crmkit.collect.tables import load_clean
from crmkit.core.contract import conform
from crmkit.core.feature_columns import FINANCIAL
from crmkit.core.memory import release_memory
from crmkit.core.store import load_indexed, record_model, save_table
from crmkit.params import Params
from crmkit.relate import limit_uses
from crmkit.score.aggregate import forget_lookups, shared_lookups
from crmkit.score.stage import SCORE_COLUMNS, load_features, merge_columns
from crmkit.tier.gates import covenant_breach
from crmkit.voice.alerts import theme_alert_metrics
from crmkit.warn.acknowledgements import load_acknowledgements, mark_acknowledged
from crmkit.warn.alerting import (
    RuleEvaluation,
    action_plan,
    alerts,
    client_metrics,
    evaluate_rules,
    facility_metrics,
    ifrs9_stages,
    origination_pd,
    rule_notes,
    write_ics,
    write_plan_csv,
)
from crmkit.warn.churn import ChurnResult
from crmkit.warn.churn_training import run_churn
from crmkit.warn.ecl import expected_credit_loss
from crmkit.warn.history import (
    changes,
    load_snapshot,
    migration_matrix,
    previous_as_of,
    save_snapshot,
    snapshot_dates,
)
from crmkit.warn.triage import dedupe_alerts, rank_alerts

__all__ = ["WarnStage", "run", "current_snapshot", "SNAPSHOT_COLUMNS", "WARN_COLUMNS",
           "warn_columns"]

#: Client columns kept in each snapshot of the history store.
SNAPSHOT_COLUMNS = ("total", "tier", "pd", "points", "grade", "segment", "churn_probability",
                    "exposure", "csat_latest", "nps_latest")


#: The clean-table columns the warn stage reads: churn's training-date features need the
#: score stage's (:data:`~crmkit.score.stage.SCORE_COLUMNS`, but financial statements only for
#: a financial churn feature, see :func:`warn_columns`), plus client names, region, manager and
#: group, and complaint categories. Tables not named come whole (small, and the notebook's
#: charts read them). Interaction notes are read for complaints only
#: (:func:`_complaints_with_notes`).
WARN_COLUMNS: dict[str, tuple[str, ...]] = {
    **{name: cols for name, cols in merge_columns(SCORE_COLUMNS, {
        "clients": ("client_name", "industry", "region", "relationship_manager", "group_name"),
        "interactions": ("complaint_category",),
    }).items() if name in ("clients", "repayments", "interactions", "surveys")},
    "financials": ("client_id",)}


def warn_columns(params: Params) -> dict[str, tuple[str, ...]]:
    """:data:`WARN_COLUMNS`, with every financial column read when a churn feature comes
    from the financial statements (``churn.features``)."""
    if set(params.churn.features) & set(FINANCIAL):
        return {**WARN_COLUMNS, "financials": SCORE_COLUMNS["financials"]}
    return WARN_COLUMNS


@dataclass
class WarnStage:
    """Outputs of the warn stage."""

    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    facilities: pd.DataFrame
    evaluation: RuleEvaluation
    alerts: pd.DataFrame
    notes: pd.DataFrame
    stages: pd.DataFrame
    plan: pd.DataFrame
    churn: ChurnResult
    ecl: pd.DataFrame
    stage_migration: pd.DataFrame | None
    current: pd.DataFrame
    previous_date: dt.date | None
    changes: pd.DataFrame | None
    migration: pd.DataFrame | None


def _indexed_by(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.set_index(key) if key in df.columns else df


def _indexed(df: pd.DataFrame) -> pd.DataFrame:
    return _indexed_by(df, "client_id")


def current_snapshot(params: Params, churn: ChurnResult | None = None,
                     features: pd.DataFrame | None = None,
                     credit: pd.DataFrame | None = None) -> pd.DataFrame:
    """This run's per-client results (index client_id): :data:`SNAPSHOT_COLUMNS`
    (``features``, ``credit``: the score stage's tables, when already loaded)."""
    features = load_features(params) if features is None else features
    scores = load_indexed(params, "score", "scores")
    credit = load_indexed(params, "score", "credit") if credit is None else credit
    tiers = load_indexed(params, "tier", "tiers")
    out = pd.DataFrame(index=features.index)
    out["total"] = scores["total"]
    out["tier"] = tiers["tier"].astype("string")
    for col in ("pd", "points", "grade"):
        out[col] = credit[col]
    out["segment"] = tiers["segment"].astype("string")
    out["churn_probability"] = (churn.probabilities if churn is not None
                                else pd.Series(float("nan"), index=out.index))
    for col in ("exposure", "csat_latest", "nps_latest"):
        out[col] = features[col]
    return out


def _pd_history(params: Params, current: pd.DataFrame) -> pd.DataFrame:
    """Long PD history (client_id, as_of, pd): earlier snapshots plus this run."""
    parts = []
    path = params.history_path
    if path.exists():
        for d in snapshot_dates(path, params.portfolio):
            if d >= params.as_of:
                continue
            snap = load_snapshot(path, params.portfolio, d)
            if "pd" in snap:
                parts.append(pd.DataFrame({"client_id": snap["client_id"], "as_of": d,
                                           "pd": snap["pd"]}))
    parts.append(pd.DataFrame({"client_id": current.index, "as_of": params.as_of,
                               "pd": current["pd"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    out["as_of"] = pd.to_datetime(out["as_of"])
    return out


def run(params: Params) -> WarnStage:
    """Evaluate the early warnings of this run and store its snapshot (see module doc)."""
    with shared_lookups():  # features, churn and metrics map each table's ids to clients once
        # no name here holds the tables: _run frees the largest once it is done with them
        return _run(params, load_clean(params, warn_columns(params)))


def _complaints_with_notes(params: Params, it: pd.DataFrame) -> pd.DataFrame:
    """The complaint rows of ``it`` (the clean interactions, same row order as their file) with
    their ``notes``, read for these rows only: the voice theme metrics read no other row, and
    every note of a large portfolio is gigabytes. ``it`` itself when it has no complaint."""
    import pyarrow.parquet as pq

    from crmkit.core.store import table_path

    rows = np.flatnonzero(it["type"].astype("string").eq("complaint")
                          .to_numpy(dtype=bool, na_value=False))
    path = table_path(params, "collect", "interactions")
    if not len(rows) or not path.is_file():
        return it
    file = pq.ParquetFile(path)
    if file.metadata.num_rows != len(it) or "notes" not in file.schema_arrow.names:
        # not the file's rows: every note
        return it.assign(notes=load_clean(params, {"interactions": ["notes"]},
                                          only=["interactions"])["interactions"]["notes"])
    parts, start = [], 0
    for group in range(file.num_row_groups):
        n = file.metadata.row_group(group).num_rows
        lo, hi = np.searchsorted(rows, [start, start + n])
        if hi > lo:
            notes = file.read_row_group(group, columns=["notes"]).column("notes")
            parts.append(notes.take(rows[lo:hi] - start))
        start += n
    notes = pd.DataFrame({"notes": pa.chunked_array(parts).to_pandas()})
    out = it.iloc[rows].copy()
    out["notes"] = conform("interactions", notes, ["notes"])["notes"].array
    return out


def _drop(tables: dict[str, pd.DataFrame], names: tuple[str, ...]) -> None:
    """Remove ``names`` from ``tables`` (in place: the caller's dict is the same object),
    from :func:`load_clean`'s process copy and from the shared id lookups, so their memory is
    freed (the stage's result keeps the tables its notebook's charts read)."""
    forget_lookups(*(tables[name] for name in names if name in tables))
    forget_clean(names)
    for name in names:
        tables.pop(name, None)


def _run(params: Params, tables: dict[str, pd.DataFrame]) -> WarnStage:
    release_memory()  # what parsing the tables left behind
    lang, as_of = params.language, params.as_of
    features = load_features(params)  # the score stage's client features at as_of
    # the crmkit fit model with churn.training
    churn, churn_info = run_churn(tables, params, features)
    release_memory()
    record_model(params, "warn", "churn", churn_info)
    credit = load_indexed(params, "score", "credit")
    current = current_snapshot(params, churn, features, credit)
    path = params.history_path
    prev_date = previous_as_of(path, params.portfolio, as_of) if path.exists() else None
    previous = load_snapshot(path, params.portfolio, prev_date) if prev_date else None
    change = migration = None
    extra = pd.DataFrame({"score": current["total"], "tier": current["tier"],
                          "pd": current["pd"], "churn_probability": current["churn_probability"]})
    if previous is not None:
        prev = _indexed(previous)
        change = changes(current, prev, params.history)
        migration = migration_matrix(prev["tier"], current["tier"])
        extra["score_prev"] = prev["total"].reindex(extra.index)
        extra["tier_prev"] = prev["tier"].reindex(extra.index)
    # voice of the client: complaint-theme shares etc., available to the warning rules
    complaints = _complaints_with_notes(params, tables["interactions"])
    themes = theme_alert_metrics({**tables, "interactions": complaints}, as_of, params.voice)
    extra = extra.join(themes[[c for c in themes.columns if c not in extra.columns]])
    # large-exposure limits: the client's and its group's use of the limit (relate stage)
    extra = extra.join(limit_uses(tables, params, features))
    metrics = client_metrics(tables, as_of, extra, features)
    del complaints
    # the largest tables go once read for the last time (tens of millions of rows at 1M
    # clients), with the client positions of their ids
    _drop(tables, ("interactions",))
    release_memory()
    fm = facility_metrics(tables, as_of)
    _drop(tables, ("repayments",))
    forget_lookups()  # no id of the big tables is looked up again
    release_memory()
    evaluation = evaluate_rules(metrics, fm, params.warning)
    table = alerts(metrics, fm, params.warning, as_of, lang, evaluation=evaluation)
    table = rank_alerts(dedupe_alerts(table, params.warning), features["exposure"])
    # alerts a manager acknowledged in the dashboard are marked, not shown as new
    table = mark_acknowledged(table, load_acknowledgements(path, params.portfolio), as_of)
    notes = rule_notes(evaluation, lang)
    origin = origination_pd(fm, _pd_history(params, current))
    # a covenant breach is a qualitative SICR indicator: the client goes on the watch list
    breach = covenant_breach(features["dscr"], params.gates)
    stages = ifrs9_stages(fm, current["pd"], origin, params.warning, lang=lang,
                          watchlist=breach.index[breach.to_numpy()])
    pd12 = credit["pd_model"]
    ecl = expected_credit_loss(stages, tables["facilities"], pd12, as_of, params.ecl)
    stage_moves = None
    if prev_date is not None:
        before = _indexed_by(load_snapshot(path, params.portfolio, prev_date, "facility"),
                             "facility_id")["stage"]
        stage_moves = migration_matrix(before.astype("string"),
                                       stages["stage"].astype("string"), normalize=False,
                                       order=["1", "2", "3"])
    plan = action_plan(table, tables, as_of, params.warning, lang=lang, facilities=fm)
    release_memory()
    _save(params, table, notes, stages, plan, churn, change, migration)
    save_table(params, "warn", "ecl", ecl.reset_index())
    if stage_moves is not None:
        save_table(params, "warn", "stage_migration", stage_moves.rename(columns=str)
                   .reset_index().astype({"from": "string"}))
    save_snapshot(path, params.portfolio, as_of, current.reset_index(), "client",
                  backend=params.history.backend)
    save_snapshot(path, params.portfolio, as_of,
                  stages[["client_id", "stage", "pd_now", "exposure"]].reset_index(),
                  "facility", backend=params.history.backend)
    return WarnStage(tables, metrics, fm, evaluation, table, notes, stages, plan, churn, ecl,
                     stage_moves, current, prev_date, change, migration)


def _save(params: Params, table: pd.DataFrame, notes: pd.DataFrame, stages: pd.DataFrame,
          plan: pd.DataFrame, churn: ChurnResult, change: pd.DataFrame | None,
          migration: pd.DataFrame | None) -> None:
    save_table(params, "warn", "alerts", table)
    save_table(params, "warn", "rule_notes", notes)
    save_table(params, "warn", "stages", stages.reset_index())
    save_table(params, "warn", "action_plan", plan)
    save_table(params, "warn", "churn", churn.scores.reset_index())
    if change is not None:
        save_table(params, "warn", "changes", change.reset_index())
    if migration is not None:
        save_table(params, "warn", "migration",
                   migration.rename(columns=str).reset_index().astype({"from": "string"}))
    folder = params.stage_dir("warn")
    write_plan_csv(plan, folder / "action_plan.csv", params.language)
    name = f"crmkit {params.portfolio} {params.as_of}"
    write_ics(plan, folder / "actions.ics", name, params.warning)
