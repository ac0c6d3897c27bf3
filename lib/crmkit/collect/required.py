"""Reading back the clean tables, and refusing a portfolio whose required tables are empty."""

from __future__ import annotations

import pandas as pd

from crmkit.collect.outcome import CollectResult
from crmkit.core.contract import REQUIRED_TABLES, TABLE_ORDER, TABLES, conform
from crmkit.core.errors import CollectError
from crmkit.params import Params

__all__ = ["require_rows", "load_clean"]


def require_rows(tables: dict[str, pd.DataFrame], params: Params,
                 result: CollectResult | None = None) -> None:
    """Stop with a message when a table every stage needs (clients, facilities, repayments)
    has no usable row: the later stages cannot analyse an empty portfolio."""
    for name in REQUIRED_TABLES:
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


#: The last run's clean tables read in this process: (run folder, file stamps) -> tables.
_LAST: dict[tuple, dict[str, pd.DataFrame]] = {}


def load_clean(params: Params) -> dict[str, pd.DataFrame]:
    """The clean tables the collect stage wrote for this run (all contract tables; absent
    optional tables are empty frames).

    The stages of one run in one process (a kernel running every notebook, or the stage
    runners in turn) read the files once: the tables are kept while the files' sizes and
    modification times stay the same, and each call gets its own copies (pandas'
    copy-on-write: a change to one never reaches another).
    """
    from crmkit.core.contract import empty_frame
    from crmkit.core.store import load_table, table_path

    paths = {name: table_path(params, "collect", name) for name in TABLE_ORDER}
    stamps = tuple((name, st.st_mtime_ns, st.st_size) for name, p in paths.items()
                   if p.is_file() for st in [p.stat()])
    key = (str(params.run_dir), stamps)
    if key not in _LAST:
        out = {}
        for name in TABLE_ORDER:
            if paths[name].is_file() or name in REQUIRED_TABLES:
                out[name] = conform(name, load_table(params, "collect", name))
            else:
                out[name] = empty_frame(name)
        require_rows(out, params)
        _LAST.clear()
        _LAST[key] = out
    return {name: df.copy(deep=False) for name, df in _LAST[key].items()}
