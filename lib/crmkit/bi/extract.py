"""Writing the star schema into an extract folder, one as-of date at a time (incremental)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crmkit.core.csvsafe import write_csv
from crmkit.core.store import atomic_write, ensure_dir
from crmkit.params import Params

from .schema import SCHEMA, schema_markdown
from .tables import BiExportError, date_key, star_schema

__all__ = ["BiExport", "export_bi", "merge_date"]


@dataclass
class BiExport:
    """What an export wrote: the portfolio's extract folder, its dates and its row counts."""

    folder: Path
    dates: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def merge_date(old: pd.DataFrame | None, new: pd.DataFrame, name: str, dkey: int
               ) -> pd.DataFrame:
    """``old`` with the rows of one as-of date replaced by ``new``.

    Facts: the date's earlier rows are dropped, then ``new`` added (re-exporting a date
    replaces it, never duplicates). Dimensions: one row per key, the attributes of the latest
    as-of date winning (exporting an older date later does not overwrite newer names).
    """
    table = SCHEMA[name]
    if old is None or old.empty:
        merged = new
    elif table.kind == "fact":
        merged = pd.concat([old[old["date_key"] != dkey], new], ignore_index=True)
    elif name == "dim_date":
        merged = pd.concat([old[old["date_key"] != dkey], new], ignore_index=True)
    else:
        merged = pd.concat([old, new], ignore_index=True)
        order = pd.to_datetime(merged["last_as_of"]).to_numpy().argsort(kind="stable")
        merged = merged.iloc[order].drop_duplicates(list(table.key), keep="last")
    if name == "dim_date":
        merged = merged.sort_values("date_key", kind="stable")
        merged["is_latest"] = merged["date_key"].eq(merged["date_key"].max())
    elif table.kind == "fact":
        merged = merged.sort_values("date_key", kind="stable")
    else:
        merged = merged.sort_values(list(table.key), kind="stable")
    return merged.reset_index(drop=True)[list(table.columns)]


def _read(path: Path, name: str) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    old = pd.read_parquet(path)
    expected = list(SCHEMA[name].columns)
    if list(old.columns) != expected:
        raise BiExportError(
            f"{path}: its columns {list(old.columns)} are not those of {name} {expected} (an "
            "extract of another crmkit version, or another file); export into an empty folder "
            "or delete the old extract and export every as-of date again.")
    return old


def export_bi(params: Params, out_dir: str | Path) -> BiExport:
    """Add the run of ``params`` (its portfolio and as-of date) to the extract in ``out_dir``.

    Writes ``<out_dir>/<portfolio>/<table>.parquet`` and ``.csv`` (UTF-8 with BOM, formulas
    made inert) for every table of :data:`crmkit.bi.schema.SCHEMA`, and ``schema.md``. Earlier
    as-of dates already in the folder are kept; this date's rows are replaced.

    Raises
    ------
    BiExportError
        If the run's stages have not been run, or the folder holds a table of other columns.
    crmkit.core.errors.OutputError
        If the folder cannot be written.
    """
    folder = ensure_dir(Path(out_dir) / params.portfolio)
    tables = star_schema(params)
    dkey = date_key(params.as_of)
    merged = {name: merge_date(_read(folder / f"{name}.parquet", name), tables[name], name,
                               dkey)
              for name in SCHEMA}
    for name, df in merged.items():
        atomic_write(folder / f"{name}.parquet", lambda tmp, df=df: df.to_parquet(tmp,
                                                                                 index=False))
        write_csv(df, folder / f"{name}.csv")
    dates = [d.date().isoformat() for d in pd.to_datetime(merged["dim_date"]["as_of"])]
    text = schema_markdown(params.portfolio, dates)
    atomic_write(folder / "schema.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return BiExport(folder, dates, {n: len(df) for n, df in merged.items()})
