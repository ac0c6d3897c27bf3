"""Reading back the clean tables, and refusing a portfolio whose required tables are empty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from crmkit.collect.outcome import CollectResult
from crmkit.core.contract import REQUIRED_TABLES, TABLE_ORDER, TABLES, conform
from crmkit.core.errors import CollectError
from crmkit.params import Params

__all__ = ["require_rows", "load_clean", "forget_clean"]


def require_rows(tables: dict[str, pd.DataFrame], params: Params,
                 result: CollectResult | None = None, *,
                 names: Iterable[str] | None = None) -> None:
    """Stop with a message when a table every stage needs (clients, facilities, repayments)
    has no usable row: the later stages cannot analyse an empty portfolio. ``names``: check
    only the required tables among these."""
    for name in REQUIRED_TABLES:
        if names is not None and name not in set(names):
            continue
        df = tables.get(name)
        if df is not None and len(df):
            continue
        t = TABLES[name]
        where, why = f"table {name!r} ({t.zh})", "it has no rows"
        if result is not None and len(result.summary):
            row = result.summary[result.summary["table"] == name]
            if len(row):
                read, src = int(row["rows_read"].iloc[0]), row["source"].iloc[0]
                where = f"{src}: table {name!r} ({t.zh})"
                why = ("the file holds only a header row" if read == 0 else
                       f"all {read} rows were quarantined (see "
                       f"{params.stage_dir('collect') / 'quarantine.csv'})")
        raise CollectError(
            f"{where}: no usable rows, {why}. The portfolio cannot be analysed without "
            f"{name}; fill in the table or point 'sources: {name}:' in "
            f"{params.source_file or 'the parameters file'} at the right file.")


#: The last run's clean tables read in this process: (run folder, file stamps) -> tables
#: (each holding the columns read so far).
_LAST: dict[tuple, dict[str, pd.DataFrame]] = {}


def load_clean(params: Params, columns: Mapping[str, Iterable[str]] | None = None, *,
               only: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The clean tables the collect stage wrote for this run (all contract tables; absent
    optional tables are empty frames).

    ``columns`` names, for any table, the only columns a caller needs (a large portfolio's
    interaction notes alone are gigabytes); tables it does not name come with every column.
    ``only``: just these tables (the others are neither read nor returned).

    The stages of one run in one process (a kernel running every notebook, or the stage
    runners in turn) read the files once: the columns read are kept while the files' sizes
    and modification times stay the same, and each call gets its own copies (pandas'
    copy-on-write: a change to one never reaches another).
    """
    from crmkit.core.store import table_path

    paths = {name: table_path(params, "collect", name) for name in TABLE_ORDER}
    stamps = tuple((name, st.st_mtime_ns, st.st_size) for name, p in paths.items()
                   if p.is_file() for st in [p.stat()])
    key = (str(params.run_dir), stamps)
    if key not in _LAST:
        _LAST.clear()
        _LAST[key] = {}
    held = _LAST[key]
    names = TABLE_ORDER if only is None else [n for n in TABLE_ORDER if n in set(only)]
    if only is not None and (unknown := set(only) - set(TABLE_ORDER)):
        raise ValueError(f"load_clean: no table(s) {sorted(unknown)}; the tables are "
                         f"{list(TABLE_ORDER)}")
    wanted = {name: _wanted(name, (columns or {}).get(name)) for name in names}
    for name in names:
        have = held.get(name)
        missing = [c for c in wanted[name] if have is None or c not in have.columns]
        if missing:
            new = _read(params, name, paths[name], missing)
            held[name] = new if have is None else _merge(name, have, new)
    require_rows(held, params, names=names)
    return {name: held[name][wanted[name]].copy(deep=False) if
            len(wanted[name]) < held[name].shape[1] else held[name].copy(deep=False)
            for name in names}


def forget_clean(names: Iterable[str]) -> None:
    """Drop tables ``names`` from the process's copy of the clean tables (:func:`load_clean`):
    a stage done with a large table frees its memory (a million clients' instalments are
    gigabytes) once its own references are gone; a later call reads the table again."""
    for held in _LAST.values():
        for name in names:
            held.pop(name, None)


def _wanted(name: str, cols: Iterable[str] | None) -> list[str]:
    """The contract columns asked for, in the contract's order (every one when ``None``)."""
    names = list(TABLES[name].names)
    if cols is None:
        return names
    asked = list(dict.fromkeys(cols))
    unknown = [c for c in asked if c not in names]
    if unknown or not asked:
        raise ValueError(f"load_clean: table {name!r} has no column(s) {unknown}; its columns "
                         f"are {names}" if unknown else
                         f"load_clean: name at least one column of table {name!r}")
    return [c for c in names if c in set(asked)]


def _read(params: Params, name: str, path, cols: list[str]) -> pd.DataFrame:
    """Columns ``cols`` of the clean table ``name`` (an empty frame when the file is absent
    and the table optional)."""
    from crmkit.core.contract import empty_frame
    from crmkit.core.store import load_table

    if not path.is_file() and name not in REQUIRED_TABLES:
        return empty_frame(name)[cols]
    if not path.is_file():
        return conform(name, load_table(params, "collect", name), cols)  # names the stage
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    stored = [c for c in cols if c in present]
    df = (pd.read_parquet(path, columns=stored) if stored else  # else: the row count only
          pd.DataFrame(index=pd.RangeIndex(pq.read_metadata(path).num_rows)))
    return conform(name, df, cols)


def _merge(name: str, have: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``have`` with ``new``'s columns, in the contract's order."""
    both = pd.concat([have, new], axis=1)
    return both[[c for c in TABLES[name].names if c in both.columns]]
