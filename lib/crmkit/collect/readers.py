"""Read one raw table from CSV (UTF-8, UTF-8-BOM, GBK/GB18030), xlsx, Parquet or SQL.

Readers return the table as it stands in the source (text cells stay text) plus the row number
a user would look up: the spreadsheet / CSV line for files (header is line 1), the record
number for Parquet and SQL. Every failure is a :class:`~crmkit.core.errors.UnreadableSourceError`
naming the file and saying how to fix it.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crmkit.collect.csvparse import parse_csv, parse_csv_fast
from crmkit.collect.layout import find_header_row, frame_below
from crmkit.collect.sql import SourceTableMissing, sql_url
from crmkit.core.contract import TABLES
from crmkit.core.errors import EncodingError, UnreadableSourceError
from crmkit.params import SourceSpec

__all__ = ["RawTable", "read_table", "locate", "read_csv_text", "FILE_SUFFIXES",
           "SourceTableMissing"]

FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")
_AUTO_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class RawTable:
    """A table as read from its source, before mapping and cleaning."""

    frame: pd.DataFrame
    rows: pd.Series  # the row number a user sees in the source, aligned with ``frame``
    source: str  # "clients.csv", "portfolio.xlsx[客户 clients]", "sqlite:///x.db[clients]"
    encoding: str | None = None
    header_row: int | None = None  # xlsx: the sheet row the headers were read from
    header_set: bool = False  # True when ``header_row:`` came from the parameters


def locate(spec: SourceSpec, table: str, *, default: bool) -> tuple[str, SourceSpec] | None:
    """Resolve where ``table`` lives under ``spec``; ``None`` when a default source lacks it.

    A folder holds ``<table>.csv|.xlsx|.parquet`` (or the Chinese table name); a workbook holds
    one sheet per table; a database holds one SQL table per contract table.
    """
    if spec.url is not None or spec.url_env is not None:
        return ("sql", spec)
    path = spec.path
    assert path is not None
    if path.is_dir():
        t = TABLES[table]
        for stem in (table, t.zh, f"{t.zh} {table}"):
            for suffix in FILE_SUFFIXES:
                cand = path / f"{stem}{suffix}"
                if cand.is_file():
                    return ("file", spec.model_copy(update={"path": cand}))
        return None
    if not path.exists():
        if default:
            raise UnreadableSourceError(
                f"{path}: the default source does not exist. Fix 'sources: default: path:' in "
                "the parameters file (a folder of CSV/xlsx/Parquet files or one workbook).")
        raise UnreadableSourceError(
            f"{path}: file not found for table {table!r}. Fix 'sources: {table}: path:' in the "
            "parameters file.")
    if default and path.suffix.lower() in (".xlsx", ".xlsm"):
        sheet = _find_sheet(path, table)
        if sheet is None:
            return None
        return ("file", spec.model_copy(update={"sheet": sheet}))
    return ("file", spec)


def _find_sheet(path: Path, table: str) -> str | None:
    from crmkit.collect.headers import sheet_table_name

    for name in _sheet_names(path):
        if sheet_table_name(name) == table:
            return name
    return None


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means unreadable
        raise UnreadableSourceError(
            f"{path}: cannot open as an Excel workbook ({type(exc).__name__}: {exc}). Save it "
            "as .xlsx from Excel or WPS, or export the sheet as CSV.") from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_table(spec: SourceSpec, table: str, columns: Mapping[str, str] | None = None
               ) -> RawTable:
    """Read ``table`` from a located ``spec`` (see :func:`locate`).

    ``columns`` (the table's ``columns:`` mapping) helps find the header row of a sheet.
    """
    if spec.url is not None or spec.url_env is not None:
        return _read_sql(spec, table)
    path = spec.path
    assert path is not None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, spec.sheet, table, spec.header_row, columns or {})
    if spec.header_row is not None:
        raise UnreadableSourceError(
            f"{path}: 'header_row:' is for xlsx sheets; in a {suffix or 'text'} file the "
            f"headers must be on the first line. Delete the lines above the headers, or remove "
            f"'header_row:' for table {table!r} in the parameters file.")
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if suffix == ".xls":
        raise UnreadableSourceError(
            f"{path}: old .xls workbooks are not supported. Open it in Excel or WPS and save as "
            ".xlsx (or CSV).")
    return _read_csv(path, spec.encoding)


def _line_rows(n: int, first: int = 2) -> pd.Series:
    return pd.Series(range(first, first + n), dtype="int64")


def read_csv_text(data: bytes, path: Path, encoding: str) -> tuple[str, str]:
    """Decode CSV bytes; ``encoding='auto'`` tries UTF-8 (with or without BOM), then GB18030.

    A UTF-16 byte-order mark (Excel's "Unicode text") decodes as UTF-16 whatever is set.
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise EncodingError(f"{path}: starts like UTF-16 text but cannot be decoded as "
                                "UTF-16. Save it from Excel as 'CSV UTF-8'.") from None
    if b"\x00" in data[:4096] and not encoding.lower().replace("_", "-").startswith("utf-16"):
        raise EncodingError(
            f"{path}: this is not a text CSV file (it holds binary data; UTF-16 or a renamed "
            "workbook?). Save it from Excel as 'CSV UTF-8' or point the source at the .xlsx.")
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise EncodingError(
                f"{path}: unknown encoding {encoding!r} in the parameters file. Use 'auto', "
                "'utf-8', 'utf-8-sig', 'gbk' or 'gb18030'.") from None
        candidates: tuple[str, ...] = (encoding,)
    else:
        candidates = _AUTO_ENCODINGS
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            last = exc
    line = data[: last.start].count(b"\n") + 1
    tried = " or ".join(candidates)
    raise EncodingError(
        f"{path}: cannot decode line {line} as {tried} (byte {last.start}). Save the file as "
        "'CSV UTF-8' from Excel/WPS, or set 'encoding:' for this source in the parameters file.")


def _read_csv(path: Path, encoding: str) -> RawTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSourceError(f"{path}: cannot read the file ({exc.strerror}).") from None
    fast = _read_utf8(data, path, encoding)  # the common case, without decoding the file
    if fast is not None:
        return fast
    text, used = read_csv_text(data, path, encoding)
    if not text or text.isspace():
        raise UnreadableSourceError(f"{path}: the file is empty; it needs a header row.")
    end = text.find("\n")  # the first line, without splitting the whole file
    sep = _separator(text if end < 0 else text[:end + 1])
    utf8 = codecs.lookup(used).name in ("utf-8", "utf-8-sig")
    raw = (data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data) \
        if utf8 else text.encode("utf-8")  # the text's UTF-8 bytes: as read if they are
    fast_frame = parse_csv_fast(text[:end], raw, sep) if end >= 0 else None
    frame, rows = fast_frame if fast_frame is not None else parse_csv(text, path, sep)
    return RawTable(frame.reset_index(drop=True), rows.reset_index(drop=True), path.name, used)


def _separator(first_lines: str) -> str:
    """The separator of a CSV file from the text up to its first line feed."""
    first = first_lines.splitlines()[0]
    if "," not in first:
        for cand in ("\t", ";", "|"):
            if cand in first:
                return cand
    return ","


def _read_utf8(data: bytes, path: Path, encoding: str) -> RawTable | None:
    """:func:`_read_csv` of a UTF-8 file read by Arrow, which checks the bytes (only the header
    line is decoded here); ``None`` sends the file to the decoding route, which then gives the
    same table or the error (other encodings, UTF-16, blank first line, anything odd)."""
    used = "utf-8-sig" if encoding == "auto" else encoding
    try:
        codec = codecs.lookup(used).name
    except LookupError:
        return None
    if codec not in ("utf-8", "utf-8-sig") or data[:2] in (codecs.BOM_UTF16_LE,
                                                           codecs.BOM_UTF16_BE) \
            or b"\x00" in data[:4096]:
        return None
    body = data[len(codecs.BOM_UTF8):] if codec == "utf-8-sig" and data.startswith(
        codecs.BOM_UTF8) else data
    end = body.find(b"\n")
    try:
        head = body[:end].decode("utf-8") if end >= 0 else ""
    except UnicodeDecodeError:
        return None
    if not head.strip():
        return None
    fast = parse_csv_fast(head, body, _separator(head + "\n"))
    if fast is None:
        return None
    frame, rows = fast
    return RawTable(frame.reset_index(drop=True), rows.reset_index(drop=True), path.name, used)


def _read_excel(path: Path, sheet: str | None, table: str, header_row: int | None,
                columns: Mapping[str, str]) -> RawTable:
    names = _sheet_names(path)
    if sheet is None:
        sheet = _find_sheet(path, table) or names[0]
    if sheet not in names:
        raise UnreadableSourceError(
            f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)}). Fix 'sheet:' for "
            f"table {table!r} in the parameters file.")
    try:
        grid = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl",
                             header=None)
    except Exception as exc:  # noqa: BLE001
        raise UnreadableSourceError(f"{path}[{sheet}]: cannot read the sheet ({exc}).") from None
    if header_row is not None and header_row > max(len(grid), 1):
        raise UnreadableSourceError(
            f"{path}[{sheet}]: 'header_row: {header_row}' is below the sheet's last row "
            f"({len(grid)}). Fix 'header_row:' for table {table!r} in the parameters file.")
    head = header_row - 1 if header_row is not None else find_header_row(grid, table, columns)
    frame, rows = frame_below(grid, head)
    empty = frame.isna().all(axis=1).to_numpy() if len(frame) else None
    if empty is not None and empty.any():
        frame, rows = frame[~empty], rows[~empty]
    frame.columns = [str(c) for c in frame.columns]
    return RawTable(frame.reset_index(drop=True), rows.reset_index(drop=True),
                    f"{path.name}[{sheet}]", header_row=head + 1,
                    header_set=header_row is not None)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001
        raise UnreadableSourceError(
            f"{path}: cannot read as Parquet ({type(exc).__name__}: {exc}).") from None
    return RawTable(frame.reset_index(drop=True), _line_rows(len(frame), 1), path.name)


def _read_sql(spec: SourceSpec, table: str) -> RawTable:
    from crmkit.collect.sql import read_sql

    frame, label = read_sql(spec, table, sql_url(spec, table))
    return RawTable(frame.reset_index(drop=True), _line_rows(len(frame), 1), label)
