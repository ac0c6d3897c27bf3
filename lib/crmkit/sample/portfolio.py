"""The synthetic sample portfolio: every contract table, deterministic, with planted signals.

``generate`` returns clean tables (exact contract columns and dtypes) for teaching, tests and
demos; ``write_portfolio`` writes them chunk by chunk (CSV or Parquet) so a million clients
never sit in memory at once. Chunk ``i`` is drawn from ``numpy.random.default_rng([seed, i])``
and ids continue across chunks, so ``generate(n, seed, chunk_size=c)`` equals what
``write_portfolio(..., n, seed, chunk_size=c)`` writes. The planted relationships and their
coefficients are documented in ``docs/sample-portfolio.md`` and :mod:`crmkit.sample.spec`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.core.contract import CODES, TABLE_ORDER, TABLES, conform
from crmkit.core.errors import CrmkitError
from crmkit.sample.base import Ctx, to_datetime
from crmkit.sample.clients import choose_defaulters, clients, financials, lifecycle_stage
from crmkit.sample.contacts import handling_penalty, interactions, needs, surveys
from crmkit.sample.loans import loans
from crmkit.sample.need_causes import plant_need_causes
from crmkit.sample.names import pick
from crmkit.sample.projects import projects
from crmkit.sample.relationships import relationships
from crmkit.sample.spec import PLANTED, Planted

__all__ = ["generate", "write_portfolio", "iter_chunks", "SampleError", "DEFAULT_AS_OF",
           "Planted", "PLANTED"]

#: The as-of date of the committed sample.
DEFAULT_AS_OF = dt.date(2026, 9, 30)
_FORMATS = ("csv", "parquet")


class SampleError(CrmkitError):
    """The sample generator was called with arguments it cannot use."""


def _check(n_clients: int, seed: int, as_of: dt.date | str, chunk_size: int) -> dt.date:
    problems = []
    if isinstance(n_clients, bool) or not isinstance(n_clients, (int, np.integer)) \
            or n_clients < 0:
        problems.append(f"n_clients must be a whole number >= 0; got {n_clients!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(f"seed must be a whole number >= 0; got {seed!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) \
            or chunk_size < 1:
        problems.append(f"chunk_size must be a whole number >= 1; got {chunk_size!r}")
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            problems.append(f"as_of must be a date written YYYY-MM-DD; got {as_of!r}")
    elif isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    elif not isinstance(as_of, dt.date):
        problems.append(f"as_of must be a date (YYYY-MM-DD); got {as_of!r}")
    if isinstance(as_of, dt.date) and not 2000 <= as_of.year <= 2200:
        problems.append(f"as_of must be between 2000 and 2200; got {as_of.isoformat()}")
    if problems:
        raise SampleError("Cannot generate the sample portfolio: " + "; ".join(problems) + ".")
    return as_of  # type: ignore[return-value]


def _chunk(seed: int, index: int, first: int, n: int, as_of: dt.date, planted: Planted,
           start_ids: dict[str, int]) -> dict[str, pd.DataFrame]:
    """Generate one chunk of ``n`` clients whose first global index is ``first``."""
    ctx = Ctx(rng=np.random.default_rng([seed, index]), seed=seed, n=n, first=first,
              as_of=as_of, planted=planted, start_ids=start_ids)
    ccols, lat = clients(ctx)
    proj = projects(ctx, lat)
    choose_defaulters(ctx, lat, proj.slip_day)
    ln = loans(ctx, lat, proj)
    fin = financials(ctx, lat, ln.bank_due)
    inter = interactions(ctx, lat)
    penalty, n_complaints = handling_penalty(n, inter)
    surv = surveys(ctx, lat, penalty, n_complaints)
    need, open_loan = needs(ctx, lat, ln.maturing)
    need = plant_need_causes(ctx, lat, need, ln.facilities, ln.first_missed, proj.owner,
                             proj.start, proj.investment, fin)
    stage = lifecycle_stage(ctx, lat, proj.executing, open_loan)
    ccols["lifecycle_stage"] = pick(list(CODES["lifecycle_stage"]), stage)
    del inter["_kind"]

    client_ids = ccols["client_id"]
    refs = {"client_id": client_ids}
    raw = {
        "clients": ccols, "financials": fin, "facilities": ln.facilities,
        "repayments": ln.repayments, "projects": proj.cols, "milestones": proj.milestones,
        "interactions": inter, "surveys": surv, "needs": need,
        "relationships": relationships(ctx, ccols["group_name"]),
    }
    out = {}
    for name in TABLE_ORDER:
        local = dict(refs)
        if name == "repayments":
            local = {"facility_id": raw["facilities"]["facility_id"]}
        elif name == "milestones":
            local = {"project_id": raw["projects"]["project_id"]}
        elif name == "facilities":
            local = {**refs, "project_id": raw["projects"]["project_id"]}
        elif name == "relationships":
            local = {"parent_id": client_ids, "child_id": client_ids}
        out[name] = _frame(name, raw[name], local)
    return out


def _frame(name: str, cols: dict[str, object], refs: dict[str, pa.Array]) -> pd.DataFrame:
    """Turn generator arrays into a clean contract table."""
    data = {}
    for col in TABLES[name].names:
        kind = TABLES[name].column(col).kind
        v = cols[col]
        if col in refs and isinstance(v, np.ndarray) and v.dtype.kind == "i":
            v = refs[col].take(pa.array(v, mask=v < 0))
        if isinstance(v, tuple):                    # (values, missing mask)
            vals, mask = v
            v = (pd.arrays.BooleanArray(np.asarray(vals, bool), np.asarray(mask, bool))
                 if kind == "bool" else
                 pd.arrays.IntegerArray(np.asarray(vals, np.int64), np.asarray(mask, bool)))
        elif isinstance(v, (pa.Array, pa.ChunkedArray)):
            v = pd.arrays.ArrowStringArray(v)
        elif kind == "date":
            v = to_datetime(v)
        data[col] = v
    return conform(name, pd.DataFrame(data))


def iter_chunks(n_clients: int = 300, seed: int = 7, as_of: dt.date | str = DEFAULT_AS_OF,
                chunk_size: int = 100_000, *, planted: Planted | None = None,
                ) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the portfolio chunk by chunk (each a dict of clean tables)."""
    as_of = _check(n_clients, seed, as_of, chunk_size)
    planted = planted or PLANTED
    counters = {"F": 1, "P": 1, "M": 1, "I": 1, "N": 1}
    id_cols = {"F": ("facilities", "facility_id"), "P": ("projects", "project_id"),
               "M": ("milestones", "milestone_id"), "I": ("interactions", "interaction_id"),
               "N": ("needs", "need_id")}
    for index, first in enumerate(range(0, int(n_clients), int(chunk_size))):
        n = min(int(chunk_size), int(n_clients) - first)
        tables = _chunk(int(seed), index, first, n, as_of, planted, dict(counters))
        for prefix, (tname, _) in id_cols.items():
            counters[prefix] += len(tables[tname])
        yield tables


def generate(n_clients: int = 300, seed: int = 7, as_of: dt.date | str = DEFAULT_AS_OF,
             *, chunk_size: int = 100_000, planted: Planted | None = None,
             ) -> dict[str, pd.DataFrame]:
    """A synthetic portfolio of ``n_clients`` clients as clean contract tables.

    Parameters
    ----------
    n_clients : number of clients (ids ``C0000001`` ...).
    seed : random seed; the same seed (and chunk size) gives identical tables.
    as_of : the analysis date; nothing is dated after it except unpaid future instalments
        (up to 12 months ahead) and planned milestone / project dates.
    chunk_size : clients per chunk (see :func:`write_portfolio`).
    planted : coefficients of the planted relationships (default :data:`PLANTED`).

    Returns
    -------
    dict mapping each contract table name to its clean DataFrame.
    """
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_ORDER}
    for tables in iter_chunks(n_clients, seed, as_of, chunk_size, planted=planted):
        for name, df in tables.items():
            parts[name].append(df)
    if not parts["clients"]:  # no clients: every table empty, with its clean dtypes
        return {name: conform(name, pd.DataFrame(columns=TABLES[name].names))
                for name in TABLE_ORDER}
    return {name: pd.concat(dfs, ignore_index=True) if len(dfs) > 1 else dfs[0]
            for name, dfs in parts.items()}


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ``true``/``false`` (missing stays empty) for CSV output."""
    out = df.copy()
    for col in df.columns:
        if df[col].dtype == "boolean":
            vals = df[col].to_numpy(dtype=bool, na_value=False)
            text = np.where(vals, "true", "false").astype(object)
            text[df[col].isna().to_numpy()] = None
            out[col] = text
    return out


def write_portfolio(out_dir: str | os.PathLike[str], n_clients: int = 300, seed: int = 7,
                    as_of: dt.date | str = DEFAULT_AS_OF, fmt: str = "csv",
                    chunk_size: int = 100_000, *, planted: Planted | None = None,
                    with_errors: bool = False) -> dict[str, Path]:
    """Write the portfolio to ``out_dir/<table>.csv`` (or ``.parquet``), chunk by chunk.

    CSV is UTF-8 with the contract column names as header, dates ``YYYY-MM-DD``, booleans
    ``true``/``false`` and missing values empty. Each file is written under a temporary name
    and renamed into place at the end, so an interrupted run leaves no partial table.

    ``with_errors`` appends one bad row per quarantine reason (CSV only; see
    :mod:`crmkit.sample.planted_errors`): the committed sample carries them for teaching.

    Returns
    -------
    dict mapping each table name to the file written.
    """
    if fmt not in _FORMATS:
        raise SampleError(f"fmt must be one of {list(_FORMATS)}; got {fmt!r}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final = {name: out / f"{name}.{fmt}" for name in TABLE_ORDER}
    tmp = {name: out / f".{name}.{fmt}.part" for name in TABLE_ORDER}
    writers: dict[str, object] = {}
    try:
        first = True
        for tables in iter_chunks(n_clients, seed, as_of, chunk_size, planted=planted):
            for name, df in tables.items():
                if fmt == "csv":
                    _csv_ready(df).to_csv(
                        tmp[name], mode="w" if first else "a", header=first, index=False,
                        encoding="utf-8", date_format="%Y-%m-%d", float_format="%.15g",
                        lineterminator="\n")
                else:
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(df, preserve_index=False)
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(tmp[name], table.schema)
                    writers[name].write_table(table.cast(writers[name].schema))
            first = False
        if first:  # no clients: still write every table, empty, with its header
            for name, empty in generate(0).items():
                if fmt == "csv":
                    empty.to_csv(tmp[name], index=False)
                else:
                    empty.to_parquet(tmp[name], index=False)
        for w in writers.values():
            w.close()
        writers.clear()
        if with_errors and fmt == "csv":
            from crmkit.sample.planted_errors import plant_errors

            plant_errors(tmp)
        for name in TABLE_ORDER:
            os.replace(tmp[name], final[name])
    finally:
        for w in writers.values():
            w.close()
        for p in tmp.values():
            p.unlink(missing_ok=True)
    return final
