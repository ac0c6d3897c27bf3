"""Vectorised per-client aggregation shared by the feature and warning-metric builders.

Rows of a child table are mapped to client positions with an Arrow hash join
(:func:`lookup`), then aggregated with ``numpy.bincount`` (:func:`by_client`): no Python loop
over clients, so a million clients take seconds. Inside :func:`shared_lookups` a lookup of the
same Arrow data (immutable, so the same object holds the same values) is done once: features
at several dates (training cohorts, churn) map each table's ids to clients once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.core.contract import clean_dtypes
from crmkit.core.errors import CrmkitError

__all__ = ["table_or_none", "client_index", "lookup", "shared_lookups", "forget_lookups",
           "client_codes",
           "facility_clients", "by_client", "safe_div", "days", "nan_array"]

_DAY = np.timedelta64(1, "D")


def table_or_none(tables: dict[str, pd.DataFrame], name: str,
                  columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    """The table, with any absent column of ``columns`` (the ones the caller reads; default:
    every contract column) added as NA; None if absent or empty."""
    df = tables.get(name)
    if df is None or len(df) == 0:
        return None
    missing = [c for c in clean_dtypes(name) if c not in df.columns
               and (columns is None or c in columns)]
    if missing:
        df = df.assign(**{c: pd.Series(index=df.index, dtype=clean_dtypes(name)[c])
                          for c in missing})
    return df


def client_index(tables: dict[str, pd.DataFrame]) -> pd.Index:
    """The clients table's ids as a unique string index; a clear error when they are not."""
    clients = tables.get("clients")
    if clients is None or "client_id" not in clients.columns:
        raise CrmkitError("client features need the 'clients' table with a 'client_id' column; "
                          "collect the portfolio first (notebook 01_collect)")
    idx = pd.Index(clients["client_id"].astype("string"), name="client_id")
    if not idx.is_unique:
        dup = idx[idx.duplicated()].unique()[:5].tolist()
        raise CrmkitError(f"clients.client_id must be unique; duplicated: {dup}. "
                          "Fix the clients table (one row per client).")
    return idx


def _arrow(values: pd.Series | pd.Index) -> pa.Array:
    return pa.array(pd.Series(values).astype("string").array).cast(pa.large_string())


#: (keys' Arrow data, ids' Arrow data, positions) by their ids (and facility_clients' results),
#: while shared_lookups is open.
_MEMO: dict[tuple, tuple] | None = None


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Within the block, :func:`lookup` computes each (keys, ids) pair of Arrow-backed values
    once and then reuses it (the memo holds the Arrow data, so ids cannot be recycled)."""
    global _MEMO
    outer = _MEMO
    _MEMO = {} if outer is None else outer
    try:
        yield
    finally:
        _MEMO = outer


def forget_lookups(*frames: pd.DataFrame) -> None:
    """Drop what :func:`shared_lookups` remembered so far (its block goes on remembering):
    a stage that is done with the big tables' ids frees their positions. With ``frames``,
    only the lookups of ids taken from their columns (the rest stay remembered)."""
    if _MEMO is None:
        return
    if not frames:
        _MEMO.clear()
        return
    gone = {id(a) for df in frames for _, col in df.items()
            if (a := _arrow_data(col)) is not None}
    for key in [key for key in _MEMO if key[1] in gone]:
        del _MEMO[key]


def _arrow_data(values: pd.Series | pd.Index) -> object | None:
    """The immutable Arrow data behind ``values`` (None when not Arrow-backed)."""
    return getattr(getattr(values, "array", None), "_pa_array", None)


def lookup(keys: pd.Series | pd.Index, ids: pd.Series) -> np.ndarray:
    """Position of each of ``ids`` among ``keys`` (-1 when absent); a C++ hash join."""
    memo = _MEMO
    k, i = (_arrow_data(keys), _arrow_data(ids)) if memo is not None else (None, None)
    hit = memo.get((id(k), id(i))) if k is not None and i is not None else None
    if hit is not None and hit[0] is k and hit[1] is i:
        return hit[2].astype(np.int64)
    pos = pc.index_in(_arrow(ids), value_set=_arrow(keys))
    out = pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    if memo is not None and k is not None and i is not None:  # kept as int32: half the memory
        memo[(id(k), id(i))] = (k, i, out.astype(np.int32 if len(keys) < 2**31 else np.int64))
    return out


def client_codes(idx: pd.Index, ids: pd.Series) -> np.ndarray:
    """Position of each id in the client index (-1 when the id is not a known client)."""
    return lookup(idx, ids)


def facility_clients(idx: pd.Index, fac: pd.DataFrame, facility_ids: pd.Series) -> np.ndarray:
    """Client position of each facility id (-1 when unknown); inside :func:`shared_lookups`
    computed once per (clients, facilities, ids) Arrow data, like :func:`lookup`."""
    memo = _MEMO
    data = (_arrow_data(idx), _arrow_data(fac["facility_id"]), _arrow_data(fac["client_id"]),
            _arrow_data(facility_ids)) if memo is not None else (None,)
    key = ("facility_clients", *map(id, data)) if None not in data else None
    hit = memo.get(key) if key is not None else None
    if hit is not None and all(a is b for a, b in zip(hit[0], data, strict=True)):
        return hit[1].astype(np.int64)
    fac = fac.drop_duplicates("facility_id")
    fpos = lookup(fac["facility_id"], facility_ids)
    fcodes = np.append(client_codes(idx, fac["client_id"]), -1)
    out = fcodes[fpos]  # fpos -1 picks the trailing -1
    if key is not None:
        memo[key] = (data, out.astype(np.int32 if len(idx) < 2**31 else np.int64))
    return out


def by_client(codes: np.ndarray, values: pd.Series | np.ndarray, how: str, n: int,
        fill: float = np.nan) -> np.ndarray:
    """Aggregate ``values`` per client position (NaN skipped); no rows -> ``fill``."""
    codes = np.asarray(codes, dtype=np.int64)
    if how == "size":
        return np.bincount(codes, minlength=n).astype(float)
    if how == "nunique":
        vcodes, _ = pd.factorize(pd.Series(values), use_na_sentinel=True)
        ok = vcodes >= 0
        pairs = np.unique(codes[ok] * (int(vcodes.max(initial=0)) + 1) + vcodes[ok])
        return np.bincount(pairs // (int(vcodes.max(initial=0)) + 1), minlength=n).astype(float)
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    count = np.bincount(codes[ok], minlength=n)
    if how == "sum":
        out = np.bincount(codes[ok], weights=v[ok], minlength=n)
    elif how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.bincount(codes[ok], weights=v[ok], minlength=n) / count
    elif how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, codes[ok], v[ok])
    else:  # pragma: no cover - internal
        raise ValueError(how)
    return np.where(count > 0, out, fill)


def safe_div(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray:
    """``num / den`` with NaN (not inf) for a zero or missing denominator."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def days(delta: pd.Series) -> np.ndarray:
    """A timedelta column in days, NaN where missing."""
    return (delta / _DAY).to_numpy(dtype=float, na_value=np.nan)


def nan_array(n: int) -> np.ndarray:
    """``n`` NaNs."""
    return np.full(n, np.nan)
