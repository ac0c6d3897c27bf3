"""Snapshot history: each run's per-client and per-facility results, kept by as-of date.

The store is one embedded database file per portfolio (``Params.history_path``; DuckDB by
default, SQLite for ``.db`` / ``.sqlite`` files or ``history.backend: sqlite``). A snapshot is
keyed by ``(portfolio, as_of, id)``:

- ``save_snapshot`` writes a run's frame; saving the same ``as_of`` again *replaces* that
  snapshot (delete + insert in one transaction, so a crash never leaves half a snapshot);
  columns first seen in a later run are added to the store (earlier snapshots read them as
  missing).
- ``load_snapshot`` returns a snapshot with the columns and dtypes it was saved with.
- ``changes`` and ``migration_matrix`` compare two snapshots; ``trend`` follows a metric over
  every snapshot date.

The storage engine is in :mod:`crmkit.warn.history_db`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import HistoryError
from crmkit.params.history import HistoryParams
from crmkit.warn.history_db import COLUMNS, INDEX, data_table, family, open_store, quote

__all__ = [
    "KINDS", "NEW", "LOST", "NO_TIER",
    "save_snapshot", "load_snapshot", "snapshot_dates", "previous_as_of",
    "changes", "migration_matrix", "trend",
]

#: Snapshot kinds and their id column.
KINDS: dict[str, str] = {"client": "client_id", "facility": "facility_id"}
#: Row of :func:`migration_matrix` for clients absent at the earlier date.
NEW = "new"
#: Column of :func:`migration_matrix` for clients absent at the later date.
LOST = "lost"
#: Tier code of a client present in a snapshot without a tier.
NO_TIER = "none"
_RESERVED = ("portfolio", "as_of", "_row")
_DEFAULT_TIMEOUT = HistoryParams().lock_timeout_seconds


# -- helpers ---------------------------------------------------------------------------------
def _date(value: object, name: str = "as_of") -> dt.date:
    return as_timestamp(value, name, HistoryError).date()


def _id_col(kind: str) -> str:
    if kind not in KINDS:
        raise HistoryError(f"snapshot kind {kind!r} is unknown; use one of {list(KINDS)}")
    return KINDS[kind]


def _with_id(frame: pd.DataFrame, id_col: str, what: str) -> pd.DataFrame:
    """``frame`` with ``id_col`` as a column (taken from the index when it is named so)."""
    if not isinstance(frame, pd.DataFrame):
        raise HistoryError(f"{what} must be a pandas DataFrame; got {type(frame).__name__}")
    if id_col not in frame.columns:
        if frame.index.name == id_col:
            return frame.reset_index()
        raise HistoryError(f"{what} needs a {id_col!r} column (or index); it has columns "
                           f"{list(frame.columns)[:12]}")
    return frame


def _check_frame(frame: pd.DataFrame, id_col: str) -> None:
    names = [str(c) for c in frame.columns]
    if len(set(n.lower() for n in names)) < len(names):
        dup = sorted({n for n in names if [m.lower() for m in names].count(n.lower()) > 1})
        raise HistoryError(f"column names must be unique ignoring case; {dup} clash. Rename "
                           "one of them before saving the snapshot.")
    bad = [n for n in names if n.lower() in _RESERVED]
    if bad:
        raise HistoryError(f"columns {bad} are reserved by the snapshot store "
                           f"({list(_RESERVED)}); rename them before saving.")
    ids = frame[id_col]
    if ids.isna().any():
        raise HistoryError(f"{int(ids.isna().sum())} rows have no {id_col}; every row of a "
                           "snapshot needs its id.")
    dup_ids = ids[ids.duplicated()].astype(str).unique()[:5].tolist()
    if dup_ids:
        raise HistoryError(f"{id_col} must be unique in a snapshot; duplicated: {dup_ids}")


def _family_name(dtype: str) -> str:
    try:
        return family(pd.api.types.pandas_dtype(dtype))
    except TypeError:
        return "text"


def _restore(df: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Cast loaded columns back to the dtypes they were saved with (where pandas can)."""
    out = {}
    for col, dtype in dtypes.items():
        s = df[col]
        try:
            fam = _family_name(dtype)
            if fam == "datetime":
                text = s.dtype == object or pd.api.types.is_string_dtype(s.dtype)
                s = pd.to_datetime(s, format="ISO8601") if text else pd.to_datetime(s)
                if "," in dtype:  # tz-aware: stored in UTC
                    s = s.dt.tz_localize("UTC").dt.tz_convert(dtype.split(",")[1].strip(" ]"))
            elif fam == "bool":
                s = s.astype("boolean")
                dtype = "boolean" if s.isna().any() else dtype
            elif fam == "int":
                s = pd.to_numeric(s).astype("Int64")
                dtype = "Int64" if s.isna().any() else dtype
            out[col] = s.astype(dtype)
        except (TypeError, ValueError):
            out[col] = s  # keep the stored representation rather than fail a load
    return pd.DataFrame(out, index=df.index)


# -- store -----------------------------------------------------------------------------------
def save_snapshot(path: str | Path, portfolio: str, as_of: object, frame: pd.DataFrame,
                  kind: str = "client", *, backend: str = "auto",
                  lock_timeout: float = _DEFAULT_TIMEOUT) -> int:
    """Store a run's per-client (or per-facility) results as the snapshot of ``as_of``.

    Parameters
    ----------
    path
        The store file (``Params.history_path``); created with its folder if absent.
    portfolio, as_of
        The snapshot key. Saving an ``as_of`` that exists replaces it (never duplicates).
    frame
        One row per id: ``client_id`` (kind ``client``) or ``facility_id`` (kind
        ``facility``), as a column or the index name, plus any metric columns.
    kind
        ``client`` or ``facility``.
    backend
        ``auto`` (by suffix), ``duckdb`` or ``sqlite`` (``history.backend``).
    lock_timeout
        Seconds to wait for another process writing the same file.

    Returns
    -------
    int
        The number of rows stored.
    """
    id_col = _id_col(kind)
    day = _date(as_of)
    frame = _with_id(frame, id_col, "the snapshot frame")
    _check_frame(frame, id_col)
    data = frame.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    data[id_col] = data[id_col].astype("string")
    fams = {c: family(data[c].dtype) for c in data.columns if c != id_col}
    dtypes = [str(frame[c].dtype) for c in frame.columns]
    meta = pd.DataFrame({"portfolio": portfolio, "as_of": day.isoformat(), "kind": kind,
                         "position": np.arange(len(dtypes), dtype=np.int64),
                         "name": [str(c) for c in frame.columns], "dtype": dtypes})
    rows = data.assign(portfolio=portfolio, as_of=day.isoformat(),
                       _row=np.arange(len(data), dtype=np.int64))
    rows = rows[["portfolio", "as_of", "_row", *data.columns]]
    table = data_table(kind)
    key = [portfolio, day]
    with open_store(Path(path), backend, write=True, timeout=lock_timeout) as st:
        with st.transaction():
            st.ensure_meta()
            st.ensure_data(kind, id_col, fams, portfolio)
            st.run(f"DELETE FROM {table} WHERE portfolio = ? AND as_of = ?", key)
            for t in (INDEX, COLUMNS):
                st.run(f"DELETE FROM {t} WHERE portfolio = ? AND as_of = ? AND kind = ?",
                       [*key, kind])
            stored = st.columns(table)
            st.insert(table, rows, stored)
            st.insert(COLUMNS, meta, st.columns(COLUMNS))
            st.run(f"INSERT INTO {INDEX} VALUES (?, ?, ?, ?, ?)",
                   [*key, kind, len(data), dt.datetime.now().replace(microsecond=0)])
    return len(data)


def load_snapshot(path: str | Path, portfolio: str, as_of: object, kind: str = "client", *,
                  backend: str = "auto", lock_timeout: float = _DEFAULT_TIMEOUT
                  ) -> pd.DataFrame:
    """The snapshot of ``as_of``: the saved columns, in order, with their saved dtypes."""
    _id_col(kind)
    day = _date(as_of)
    with open_store(Path(path), backend, write=False, timeout=lock_timeout) as st:
        meta = st.frame(f"SELECT name, dtype FROM {COLUMNS} WHERE portfolio = ? AND as_of = ? "
                        "AND kind = ? ORDER BY position", [portfolio, day, kind]) \
            if st.has_table(COLUMNS) else pd.DataFrame()
        if meta.empty:
            have = _dates(st, portfolio, kind)
            raise HistoryError(
                f"{path}: no {kind} snapshot of portfolio {portfolio!r} as of {day}; "
                f"saved dates: {[d.isoformat() for d in have] or 'none'}")
        names = meta["name"].astype(str).tolist()
        cols = ", ".join(quote(c) for c in names)
        df = st.frame(f"SELECT {cols} FROM {data_table(kind)} WHERE portfolio = ? AND "
                      "as_of = ? ORDER BY _row", [portfolio, day])
    df.columns = names
    return _restore(df, dict(zip(names, meta["dtype"].astype(str), strict=True)))


def _dates(st, portfolio: str, kind: str) -> list[dt.date]:
    if not st.has_table(INDEX):
        return []
    got = st.rows(f"SELECT DISTINCT as_of FROM {INDEX} WHERE portfolio = ? AND kind = ? "
                  "ORDER BY as_of", [portfolio, kind])
    return [_date(r[0]) for r in got]


def snapshot_dates(path: str | Path, portfolio: str, kind: str = "client", *,
                   backend: str = "auto", lock_timeout: float = _DEFAULT_TIMEOUT
                   ) -> list[dt.date]:
    """The as-of dates with a snapshot of ``portfolio``, oldest first (``[]`` if none yet)."""
    _id_col(kind)
    if not Path(path).is_file():
        return []
    with open_store(Path(path), backend, write=False, timeout=lock_timeout) as st:
        return _dates(st, portfolio, kind)


def previous_as_of(path: str | Path, portfolio: str, as_of: object, kind: str = "client", *,
                   backend: str = "auto", lock_timeout: float = _DEFAULT_TIMEOUT
                   ) -> dt.date | None:
    """The latest snapshot date strictly before ``as_of``, or None."""
    day = _date(as_of)
    earlier = [d for d in snapshot_dates(path, portfolio, kind, backend=backend,
                                         lock_timeout=lock_timeout) if d < day]
    return earlier[-1] if earlier else None


# -- comparisons -----------------------------------------------------------------------------
def _by_client(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    df = _with_id(frame, "client_id", what)
    df = df.set_index(df["client_id"].astype("string")).drop(columns="client_id")
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique()[:5].tolist()
        raise HistoryError(f"{what}: client_id must be unique; duplicated: {dup}")
    return df


def _num(df: pd.DataFrame, col: str, idx: pd.Index) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=idx)
    return pd.to_numeric(df[col], errors="coerce").astype(float).reindex(idx)


def changes(current: pd.DataFrame, previous: pd.DataFrame,
            params: HistoryParams | None = None) -> pd.DataFrame:
    """Per-client change between two snapshots (e.g. ``load_snapshot`` of two dates).

    Returns
    -------
    pandas.DataFrame
        Index ``client_id``: every client of ``current``, then those only in ``previous``.
        ``score_before``, ``score_now``, ``score_change`` (now - before), ``pd_before``,
        ``pd_now``, ``pd_change``, ``tier_before``, ``tier_now``, ``tier_steps`` (positions
        moved down ``params.tier_order``: A -> C = 2, B -> A = -1), ``tier_downgrade`` (1 when
        the tier got worse, 0 otherwise, NA for new or lost clients or unknown tiers),
        ``new_client`` and ``lost_client`` flags. Absent metric columns give NaN.
    """
    p = params or HistoryParams()
    cur, prev = _by_client(current, "current"), _by_client(previous, "previous")
    idx = cur.index.append(prev.index.difference(cur.index, sort=False))
    idx.name = "client_id"
    out = pd.DataFrame(index=idx)
    for name, col in (("score", p.score_column), ("pd", p.pd_column)):
        out[f"{name}_before"] = _num(prev, col, idx)
        out[f"{name}_now"] = _num(cur, col, idx)
        out[f"{name}_change"] = out[f"{name}_now"] - out[f"{name}_before"]
    for when, df in (("before", prev), ("now", cur)):
        tiers = (df[p.tier_column].astype("string") if p.tier_column in df.columns
                 else pd.Series(pd.NA, index=df.index, dtype="string"))
        out[f"tier_{when}"] = tiers.reindex(idx)
    rank = {t: i for i, t in enumerate(p.tier_order)}
    before = out["tier_before"].map(rank, na_action="ignore").astype("Float64")
    now = out["tier_now"].map(rank, na_action="ignore").astype("Float64")
    steps = (now - before).astype("Int64")
    out["tier_steps"] = steps
    out["tier_downgrade"] = (steps > 0).astype("Int64")
    out["new_client"] = pd.array(~idx.isin(prev.index), dtype="boolean")
    out["lost_client"] = pd.array(~idx.isin(cur.index), dtype="boolean")
    return out


def _tier_codes(s: pd.Series, what: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise HistoryError(f"{what} must be a pandas Series of tiers indexed by client_id")
    if not s.index.is_unique:
        dup = s.index[s.index.duplicated()].unique()[:5].tolist()
        raise HistoryError(f"{what}: client ids must be unique; duplicated: {dup}")
    return s.astype("string").fillna(NO_TIER)


def migration_matrix(before: pd.Series, after: pd.Series, normalize: bool = True, *,
                     order: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """How clients moved between tiers from one snapshot to the next.

    Parameters
    ----------
    before, after
        Tier of each client (index: client id) at the earlier and the later date.
    normalize
        True: each row is the share of that tier's clients going to each column (rows sum
        to 1; a row with no clients is NaN). False: client counts.
    order
        Tiers in display order (default ``HistoryParams().tier_order``); other observed tiers
        follow sorted, then :data:`NO_TIER` for clients without a tier.

    Returns
    -------
    pandas.DataFrame
        Rows ``from`` (the tiers, then :data:`NEW` = clients absent before), columns ``to``
        (the tiers, then :data:`LOST` = clients absent after).
    """
    b, a = _tier_codes(before, "before"), _tier_codes(after, "after")
    order = list(order or HistoryParams().tier_order)
    seen = set(b) | set(a)
    extra = sorted(seen - set(order) - {NO_TIER})
    tiers = order + extra + ([NO_TIER] if NO_TIER in seen else [])
    ids = b.index.union(a.index, sort=False)
    frm = b.reindex(ids).fillna(NEW)
    to = a.reindex(ids).fillna(LOST)
    counts = pd.crosstab(pd.Categorical(frm, categories=tiers + [NEW]),
                         pd.Categorical(to, categories=tiers + [LOST]), dropna=False)
    counts = counts.reindex(index=tiers + [NEW], columns=tiers + [LOST], fill_value=0)
    counts.index = pd.Index([str(x) for x in counts.index], name="from")
    counts.columns = pd.Index([str(x) for x in counts.columns], name="to")
    counts = counts.astype("int64")
    if not normalize:
        return counts
    totals = counts.sum(axis=1).replace(0, np.nan)
    return counts.div(totals, axis=0)


def trend(path: str | Path, portfolio: str, client_id: str | None = None,
          metric: str = "total", *, kind: str = "client", backend: str = "auto",
          lock_timeout: float = _DEFAULT_TIMEOUT) -> pd.DataFrame:
    """A metric over every snapshot date of ``portfolio``.

    Returns
    -------
    pandas.DataFrame
        Index ``as_of`` (datetime64, every snapshot date). Numeric metric: ``value`` (the
        portfolio mean, or ``client_id``'s value) and ``n`` (clients with a value).
        Text metric (e.g. ``tier``) for the portfolio: the share of clients in each value, one
        column per value; for one client: ``value``. Dates before the metric existed, or
        when the client was absent, are missing.
    """
    id_col = _id_col(kind)
    dates = snapshot_dates(path, portfolio, kind, backend=backend, lock_timeout=lock_timeout)
    if not dates:
        raise HistoryError(f"{path}: no {kind} snapshots of portfolio {portfolio!r} yet; save "
                           "one with save_snapshot first.")
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="as_of")
    table = data_table(kind)
    with open_store(Path(path), backend, write=False, timeout=lock_timeout) as st:
        fams = st.frame(f"SELECT name, dtype FROM {COLUMNS} WHERE portfolio = ? AND kind = ?",
                        [portfolio, kind])
        known = fams[fams["name"].str.lower() == metric.lower()]
        if known.empty:
            names = sorted(set(fams["name"]) - {id_col})
            raise HistoryError(f"metric {metric!r} is in no {kind} snapshot of {portfolio!r}; "
                               f"saved metrics: {names}")
        numeric = _family_name(str(known["dtype"].iloc[-1])) in ("bool", "int", "float")
        m = quote(str(known["name"].iloc[-1]))
        if client_id is not None:
            df = st.frame(f"SELECT as_of, {m} AS value FROM {table} WHERE portfolio = ? AND "
                          f"{quote(id_col)} = ? ORDER BY as_of", [portfolio, str(client_id)])
        elif numeric:
            df = st.frame(f"SELECT as_of, AVG(CAST({m} AS DOUBLE)) AS value, COUNT({m}) AS n "
                          f"FROM {table} WHERE portfolio = ? GROUP BY as_of", [portfolio])
        else:
            df = st.frame(f"SELECT as_of, {m} AS value, COUNT(*) AS n FROM {table} WHERE "
                          f"portfolio = ? AND {m} IS NOT NULL GROUP BY as_of, {m}",
                          [portfolio])
    df["as_of"] = pd.to_datetime(df["as_of"])
    if client_id is None and not numeric:
        wide = df.pivot_table(index="as_of", columns="value", values="n", aggfunc="sum")
        wide = wide.div(wide.sum(axis=1), axis=0).reindex(index)
        wide.columns.name = metric
        return wide
    out = df.set_index("as_of").reindex(index)
    if numeric:
        out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    if "n" in out:
        out["n"] = out["n"].fillna(0).astype("int64")
    return out
