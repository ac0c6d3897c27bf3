"""The storage engine under :mod:`crmkit.warn.history`: one DuckDB or SQLite file, wide tables.

Layout (all tables keyed by ``portfolio`` and ``as_of``):

``snapshot_<kind>``
    One row per client (``kind="client"``, id ``client_id``) or facility (``kind="facility"``,
    id ``facility_id``) and snapshot, one column per metric, plus ``_row`` (the position in
    the saved frame). A metric first seen in a later run is added with ``ALTER TABLE ... ADD
    COLUMN`` (earlier snapshots read it as missing); an integer column that later holds
    fractions is widened to DOUBLE.
``snapshot_columns``
    Which columns each snapshot holds, in order, with their pandas dtype, so a snapshot loads
    back with exactly the columns and dtypes it was saved with.
``snapshot_index``
    One row per snapshot: row count and the time it was written.

Writers open the file read-write and hold the engine's lock for the whole transaction; a
second writer (or a reader of a DuckDB file) waits up to ``lock_timeout`` seconds.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from crmkit.core.errors import HistoryError
from crmkit.params.history import BACKENDS, SQLITE_SUFFIXES

__all__ = ["Store", "open_store", "engine_for", "family", "quote", "INDEX", "COLUMNS",
           "data_table"]

INDEX = "snapshot_index"
COLUMNS = "snapshot_columns"
#: Value families and their column type per engine.
_SQL = {"bool": ("BOOLEAN", "INTEGER"), "int": ("BIGINT", "INTEGER"),
        "float": ("DOUBLE", "REAL"), "datetime": ("TIMESTAMP", "TEXT"),
        "text": ("VARCHAR", "TEXT")}
#: (stored family, new family) pairs that need the stored column widened first.
WIDEN = {("bool", "int"), ("bool", "float"), ("int", "float")}
#: (stored family, new family) pairs stored as they are (the engine casts on insert).
FITS = {("float", "int"), ("float", "bool"), ("int", "bool")} | {
    ("text", f) for f in _SQL}
_LOCK_WORDS = ("lock", "locked", "busy")


def data_table(kind: str) -> str:
    """Name of the wide table of snapshots of ``kind``."""
    return f"snapshot_{kind}"


def quote(name: str) -> str:
    """An SQL identifier in double quotes (works for any column name, CJK included)."""
    return '"' + str(name).replace('"', '""') + '"'


def family(dtype: Any) -> str:
    """The value family of a pandas dtype: bool, int, float, datetime or text."""
    api = pd.api.types
    if api.is_bool_dtype(dtype):
        return "bool"
    if api.is_integer_dtype(dtype):
        return "int"
    if api.is_float_dtype(dtype):
        return "float"
    if api.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _family_of_sql(sql_type: str) -> str:
    t = sql_type.upper()
    for word, fam in (("BOOL", "bool"), ("INT", "int"), ("DOUB", "float"), ("REAL", "float"),
                      ("FLOAT", "float"), ("TIMESTAMP", "datetime")):
        if word in t:
            return fam
    return "text"


def engine_for(path: Path, backend: str = "auto") -> str:
    """``duckdb`` or ``sqlite``: ``backend`` unless ``auto``, then by the file's suffix."""
    if backend not in BACKENDS:
        raise HistoryError(f"history backend {backend!r} is unknown; use one of {list(BACKENDS)} "
                           "(parameters: history.backend)")
    if backend != "auto":
        return backend
    return "sqlite" if Path(path).suffix.lower() in SQLITE_SUFFIXES else "duckdb"


class Store:
    """An open connection to one snapshot file (use :func:`open_store`)."""

    def __init__(self, con: Any, engine: str, path: Path) -> None:
        self.con, self.engine, self.path = con, engine, path

    # -- plumbing ---------------------------------------------------------------------------
    def sql_type(self, fam: str) -> str:
        return _SQL[fam][0 if self.engine == "duckdb" else 1]

    def param(self, value: Any) -> Any:
        """A Python value as the engine expects it (dates as ISO text in SQLite)."""
        if self.engine == "sqlite" and isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.con.execute(sql, [self.param(p) for p in params]).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, [self.param(p) for p in params])

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        params = [self.param(p) for p in params]
        if self.engine == "duckdb":
            return self.con.execute(sql, params).df()
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names)

    def has_table(self, table: str) -> bool:
        if self.engine == "duckdb":
            sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
        else:
            sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.rows(sql, [table])[0][0] > 0

    def columns(self, table: str) -> dict[str, tuple[str, str]]:
        """``lower-case name -> (name, family)`` of an existing table."""
        info = self.rows(f"PRAGMA table_info({quote(table)})")
        return {str(r[1]).lower(): (str(r[1]), _family_of_sql(str(r[2]))) for r in info}

    # -- schema -----------------------------------------------------------------------------
    def ensure_meta(self) -> None:
        ts = self.sql_type("datetime")
        self.run(f"CREATE TABLE IF NOT EXISTS {INDEX} (portfolio VARCHAR, as_of DATE, "
                 f"kind VARCHAR, n_rows BIGINT, written_at {ts})")
        self.run(f"CREATE TABLE IF NOT EXISTS {COLUMNS} (portfolio VARCHAR, as_of DATE, "
                 "kind VARCHAR, position BIGINT, name VARCHAR, dtype VARCHAR)")

    def ensure_data(self, kind: str, id_col: str, fams: dict[str, str],
                    portfolio: str) -> None:
        """Create ``snapshot_<kind>`` or add / widen its columns to take ``fams``."""
        table = data_table(kind)
        if not self.has_table(table):
            self.run(f"CREATE TABLE {table} (portfolio VARCHAR, as_of DATE, _row BIGINT, "
                     f"{quote(id_col)} VARCHAR)")
            if self.engine == "sqlite":
                self.run(f"CREATE INDEX IF NOT EXISTS {table}_key ON {table} (portfolio, as_of)")
        have = self.columns(table)
        for name, fam in fams.items():
            old = have.get(name.lower())
            if old is None:
                self.run(f"ALTER TABLE {table} ADD COLUMN {quote(name)} {self.sql_type(fam)}")
            elif old[1] == fam or (old[1], fam) in FITS:
                continue
            elif (old[1], fam) in WIDEN:
                if self.engine == "duckdb":
                    self.run(f"ALTER TABLE {table} ALTER COLUMN {quote(old[0])} "
                             f"TYPE {self.sql_type(fam)}")
            else:
                raise HistoryError(
                    f"{self.path}: column {name!r} of the {kind} snapshots is stored as "
                    f"{old[1]} (from earlier snapshots of this store, e.g. of portfolio "
                    f"{portfolio!r}) but this frame holds {fam} values. Convert the column back "
                    f"(e.g. frame[{name!r}].astype(float)) or save it under a new name.")

    # -- rows -------------------------------------------------------------------------------
    def insert(self, table: str, frame: pd.DataFrame, stored: dict[str, tuple[str, str]]) -> None:
        """Append ``frame`` (already holding ``portfolio``, ``as_of``, ``_row``) to ``table``."""
        frame = frame.copy()
        for col in frame.columns:
            fam = stored[col.lower()][1]
            if fam == "text" and family(frame[col].dtype) != "text":
                frame[col] = _as_text(frame[col])
            elif family(frame[col].dtype) == "text":
                frame[col] = frame[col].astype("string")
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_convert("UTC").dt.tz_localize(None)
        cols = ", ".join(quote(c) for c in frame.columns)
        if self.engine == "duckdb":
            self.con.register("_crmkit_src", frame)
            try:
                self.run(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _crmkit_src")
            finally:
                self.con.unregister("_crmkit_src")
            return
        marks = ", ".join("?" for _ in frame.columns)
        data = [_sqlite_values(frame[c]) for c in frame.columns]
        self.con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", zip(*data, strict=True))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure rolls every statement back."""
        self.run("BEGIN IMMEDIATE TRANSACTION" if self.engine == "sqlite"
                 else "BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.run("ROLLBACK")
            raise
        self.run("COMMIT")


def _as_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").astype("string")
    return s.astype("string")


def _sqlite_values(s: pd.Series) -> list:
    """Python values for SQLite: None for missing, ISO text for datetimes, int for bools."""
    fam = family(s.dtype)
    missing = s.isna().to_numpy()
    if fam == "datetime":
        vals = _as_text(s).to_numpy(dtype=object, na_value=None)
    elif fam == "float":
        vals = s.to_numpy(dtype=float, na_value=np.nan).astype(object)
    elif fam in ("int", "bool"):
        vals = s.astype("Int64").to_numpy(dtype=object, na_value=None)
        vals = np.array([None if v is None else int(v) for v in vals], dtype=object)
    else:
        vals = s.astype("string").to_numpy(dtype=object, na_value=None)
    vals[missing] = None
    return vals.tolist()


@contextmanager
def open_store(path: Path, backend: str, *, write: bool, timeout: float) -> Iterator[Store]:
    """Open the store, waiting up to ``timeout`` seconds for another process's lock."""
    path = Path(path)
    engine = engine_for(path, backend)
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise HistoryError(f"{path}: no snapshot store yet. Save a snapshot first "
                           "(crmkit.warn.history.save_snapshot, run by notebook 04_warn).")
    deadline = time.monotonic() + timeout
    wait = 0.05
    while True:
        try:
            if engine == "duckdb":
                con: Any = duckdb.connect(str(path), read_only=not write)
            else:
                con = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
                con.execute("PRAGMA busy_timeout = %d" % int(timeout * 1000))
            break
        except (duckdb.Error, sqlite3.Error) as exc:
            msg = str(exc).lower()
            if any(w in msg for w in _LOCK_WORDS) and time.monotonic() < deadline:
                time.sleep(wait)
                wait = min(wait * 2, 1.0)
                continue
            if any(w in msg for w in _LOCK_WORDS):
                raise HistoryError(
                    f"{path}: another process has held the snapshot store for more than "
                    f"{timeout:g} s. Wait for it to finish, or raise "
                    "history.lock_timeout_seconds.") from None
            raise HistoryError(f"{path}: cannot open the snapshot store as {engine} ({exc}). "
                               "Is it a snapshot file of this backend? Set history.backend "
                               "or use another history_db path.") from None
    try:
        yield Store(con, engine, path)
    finally:
        con.close()

