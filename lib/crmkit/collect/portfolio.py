"""Collect a whole portfolio: every contract table read and validated, two at a time, then the
cross-table checks, the quarantine and the quality report.

A table's own checks (:func:`~crmkit.collect.tables.collect_table` and the plausibility checks)
need no other table, so tables are validated concurrently in a pool of threads (Arrow's CSV
reader and compute functions release the GIL). The one cross-table check, orphans, runs in
each table's task once its parents are final, so a child sees its parent's kept rows exactly
as a serial run would. The biggest sources start first (the longest task sets the wall time);
a table's results, notes and errors are taken in ``TABLE_ORDER``, so the outcome, the notes and
the first error raised are those of a serial run whatever finishes first.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from crmkit.collect.fastparse import isin
from crmkit.collect.outcome import CollectResult, TableOutcome
from crmkit.collect.plausibility import implausible_repayments, self_links
from crmkit.collect.privacy import mask_issue_file
from crmkit.collect.quality import quality_report, summary_table
from crmkit.collect.readers import RawTable, SourceTableMissing, locate, read_table
from crmkit.collect.rowjson import row_json
from crmkit.collect.schedule import run_tasks
from crmkit.collect.tables import ISSUE_COLUMNS, _concat, _issue, collect_table
from crmkit.core.contract import REQUIRED_TABLES, TABLE_ORDER, TABLES, conform
from crmkit.core.csvsafe import write_csv
from crmkit.core.errors import CollectError
from crmkit.core.store import atomic_write, table_path
from crmkit.params import Params, SourceSpec

__all__ = ["collect", "write_outputs", "WORKERS", "LARGE_SHARE"]

#: A table whose source holds at least this share of the portfolio's bytes is "large": large
#: tables are validated one at a time (each beside small ones), which bounds the peak memory.
LARGE_SHARE = 0.2
#: Tables validated at the same time by default (the machine's cores, up to two: each task
#: holds a raw table in memory, and Arrow's reader already uses every core).
WORKERS = 2

_Task = tuple[TableOutcome | None, list[str]]


def _source_for(params: Params, name: str) -> tuple[SourceSpec, bool] | None:
    if name in params.sources:
        return params.sources[name], False
    if "default" in params.sources:
        return params.sources["default"], True
    return None


def _read(params: Params, name: str) -> RawTable | None:
    found = _source_for(params, name)
    if found is None:
        return None
    spec, is_default = found
    loc = locate(spec, name, default=is_default)
    if loc is None:
        return None
    try:
        return read_table(loc[1], name, params.columns.get(name))
    except SourceTableMissing:
        if is_default:
            return None
        raise


def _size(params: Params, name: str) -> int:
    """Bytes of the table's source file in a source folder (0 when unknown: SQL, a sheet)."""
    found = _source_for(params, name)
    if found is None or found[0].path is None or not found[0].path.is_dir():
        return 0
    loc = locate(found[0], name, default=found[1])
    path = None if loc is None else loc[1].path
    return path.stat().st_size if path is not None and path.is_file() else 0


def _start_order(params: Params) -> tuple[list[str], set[str]]:
    """Tables in the order their tasks start (parents first, else the biggest source first),
    and the large ones (at least ``LARGE_SHARE`` of the sources' bytes), run one at a time."""
    size = {name: _size(params, name) for name in TABLE_ORDER}
    order: list[str] = []
    while len(order) < len(TABLE_ORDER):
        ready = [n for n in TABLE_ORDER if n not in order and all(
            p in order or p == n for p in dict(TABLES[n].foreign_keys).values())]
        order.append(max(ready, key=lambda n: size[n]))  # first in TABLE_ORDER on ties
    total = sum(size.values())
    return order, {n for n in order if total and size[n] >= LARGE_SHARE * total}


def collect(params: Params, workers: int = WORKERS) -> CollectResult:
    """Run the collect stage for a portfolio: every contract table, ``workers`` at a time
    (1: one after the other, in ``TABLE_ORDER``). The result does not depend on ``workers``."""
    tasks: dict[str, Future[_Task]] = {}

    def parents(name: str) -> dict[str, TableOutcome]:
        found = {}
        for parent in set(dict(TABLES[name].foreign_keys).values()) - {name}:
            oc = tasks[parent].result()[0]  # started earlier: running or done
            if oc is not None:
                found[parent] = oc
        return found

    if workers <= 1:
        for name in TABLE_ORDER:
            tasks[name] = _done(_table_task(params, name, parents))
    else:
        order, large = _start_order(params)
        tasks.update({name: Future() for name in order})
        run_tasks(tasks, {n: set(dict(TABLES[n].foreign_keys).values()) for n in order},
                  large, workers, lambda name: _table_task(params, name, parents))
    outcomes: dict[str, TableOutcome] = {}
    notes: list[str] = []
    for name in TABLE_ORDER:  # the first error of a serial run is raised
        oc, table_notes = tasks[name].result()
        notes += table_notes
        if oc is not None:
            outcomes[name] = oc
    return _assemble(outcomes, notes)


def _done(value: _Task) -> Future[_Task]:
    f: Future[_Task] = Future()
    f.set_result(value)
    return f


def _table_task(params: Params, name: str,
                parents: Callable[[str], dict[str, TableOutcome]]) -> _Task:
    """Read, validate and check one table against its parents' kept rows; its notes."""
    t = TABLES[name]
    notes: list[str] = []
    raw = _read(params, name)
    if raw is not None and raw.header_row is not None and (raw.header_set
                                                           or raw.header_row != 1):
        how = (f"'header_row: {raw.header_row}' in the parameters" if raw.header_set else
               "the first row matching the contract's headers; set 'header_row:' for this "
               "source to choose another")
        notes.append(f"{name} ({raw.source}): header row {raw.header_row} used ({how})")
    if raw is None:
        if name in REQUIRED_TABLES:
            raise CollectError(
                f"table {name!r} ({t.zh}) was not found in the sources of "
                f"{params.source_file or 'the parameters'}: add 'sources: {name}: path: ...'"
                f" or put {name}.csv in the default folder.")
        notes.append(f"{name}: not found in the sources; the table is empty and the steps "
                     "that need it are skipped")
        return None, notes
    oc = collect_table(raw, t, params.columns.get(name), params.units.get(name),
                       params.values.get(name))
    del raw
    if oc.ignored_columns:
        notes.append(f"{name} ({oc.source}): columns not in the contract were ignored: "
                     + ", ".join(oc.ignored_columns))
    if name == "repayments":
        _quarantine(oc, implausible_repayments(oc, params.checks.repayments))
    elif name == "relationships":
        _quarantine(oc, self_links(oc))
    _check_orphans(oc, parents(name))
    _keep_quarantined_raw(oc)
    oc.clean = conform(name, oc.clean)  # final: the unconformed copy is not kept beside it
    return oc, notes


def _quarantine(oc: TableOutcome, found: list[tuple[np.ndarray, str, pd.Series, str]]) -> None:
    """Move kept rows flagged by a plausibility check to the quarantine (``inconsistent``)."""
    t = TABLES[oc.name]
    for mask, col, shown, message in found:
        if not mask.any():
            continue
        oc.issues = _concat([oc.issues, _issue(t, oc.source, oc.rows, mask, col,
                                               "inconsistent", shown, message)])
        oc.clean = oc.clean.drop(index=oc.clean.index.intersection(np.flatnonzero(mask)))


def _check_orphans(oc: TableOutcome, parents: dict[str, TableOutcome]) -> None:
    """Quarantine the rows of ``oc`` whose parent id is not among the parent table's kept rows
    (``parents``: the final outcomes of its parent tables), so a row whose parent was
    quarantined is an orphan too."""
    t = TABLES[oc.name]
    for col, parent in dict(t.foreign_keys).items():
        parent_oc = oc if parent == oc.name else parents.get(parent)
        if parent_oc is None:
            continue
        vals = oc.clean[col]
        parent_ids = parent_oc.clean[TABLES[parent].key[0]]
        bad = vals.notna().to_numpy(dtype=bool) & ~isin(vals, parent_ids)
        if not bad.any():
            continue
        idx = oc.clean.index[bad]
        mask = np.zeros(oc.rows_read, dtype=bool)
        mask[idx] = True
        issue = _issue(t, oc.source, oc.rows, mask, col, "orphan", oc.raw[col],
                       f"{oc.source} row {{row}}, column '{t.column(col).header}': "
                       f"{{value!r}} is not in {parent} (or that row was quarantined); "
                       f"add the {parent} row or correct the id")
        oc.issues = _concat([oc.issues, issue])
        oc.clean = oc.clean.drop(index=idx)


def _keep_quarantined_raw(oc: TableOutcome) -> None:
    """Once a table's checks are done, keep the raw cells of its quarantined rows only (the
    quarantine file shows them); the rest would only hold memory (GBs at 1M clients)."""
    pos = np.unique(oc.issues.index.to_numpy(dtype=np.int64)) if len(oc.issues) \
        else np.zeros(0, dtype=np.int64)
    oc.raw = oc.raw.take(pos)  # a copy: a slice (``iloc[:0]``) would hold the whole table


def _assemble(outcomes: dict[str, TableOutcome], notes: list[str]) -> CollectResult:
    tables = {name: oc.clean for name, oc in outcomes.items()}
    issues = _concat([oc.issues.reset_index(names="_pos") for oc in outcomes.values()
                      if len(oc.issues)])
    if "_pos" not in issues:
        issues["_pos"] = pd.Series(dtype="int64")
    quarantine_parts = []
    for name, oc in outcomes.items():
        own = issues[issues["table"] == name]
        if own.empty:
            continue
        first = own.groupby("_pos", sort=True).agg(
            reason=("reason", "first"), column=("column", "first"), value=("value", "first"),
            detail=("message", lambda m: " | ".join(m)))
        raw = oc.raw.loc[first.index].astype("string")
        part = pd.DataFrame({"table": name, "source": oc.source,
                             "row": oc.rows.loc[first.index].to_numpy()}, index=first.index)
        part = part.join(first)
        part["raw"] = row_json(raw)
        quarantine_parts.append(part)
    qcols = ["table", "source", "row", "reason", "column", "value", "detail", "raw"]
    quarantine = (pd.concat(quarantine_parts, ignore_index=True) if quarantine_parts
                  else pd.DataFrame(columns=qcols))[qcols]
    issues = issues.drop(columns="_pos").reset_index(drop=True)[ISSUE_COLUMNS]
    quality = quality_report(outcomes, issues)
    summary = summary_table(outcomes, quarantine, issues)
    return CollectResult(tables, quarantine, issues, quality, summary, notes)


def write_outputs(result: CollectResult, params: Params,
                  workers: int = WORKERS) -> dict[str, str]:
    """Write clean tables (Parquet) and the quality files into ``<run_dir>/collect``.

    Tables are encoded ``workers`` at a time (Arrow's Parquet writer releases the GIL) and
    written one after the other, each atomically, in the result's order.
    """
    with ThreadPoolExecutor(max(workers, 1), thread_name_prefix="collect-write") as pool:
        encoded = {name: pool.submit(_parquet_bytes, df) for name, df in result.tables.items()}
        paths = {}
        for name in list(encoded):
            data = encoded.pop(name).result()  # dropped once written
            paths[name] = str(atomic_write(table_path(params, "collect", name),
                                           lambda tmp, data=data: tmp.write_bytes(data)))
            del data
    folder = params.stage_dir("collect")
    for name in ("quarantine", "issues", "quality", "summary"):
        df: pd.DataFrame = getattr(result, name)
        if params.mask_pii and name in ("quarantine", "issues"):
            df = mask_issue_file(df)
        paths[name] = str(write_csv(df, folder / f"{name}.csv"))
    paths["notes"] = str(atomic_write(
        folder / "notes.txt",
        lambda tmp: tmp.write_text("\n".join(result.notes) + "\n", encoding="utf-8")))
    return paths


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """The file :func:`~crmkit.core.store.save_table` writes for ``df``, as bytes."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()
