"""Splitting CSV text into records by physical line, refusing ragged files instead of merging rows.

Each record keeps the physical line it starts on (the number an editor shows), so a quoted
field holding a line break does not shift the row numbers of later records. A record with
more or fewer fields than the header, or an unbalanced quote that swallowed the lines after
it, makes the file unreadable with a message naming the file, the lines and the fix: merging
records silently would give wrong numbers, and guessing where a record ends could lose rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.errors import UnreadableSourceError

__all__ = ["parse_csv", "parse_csv_fast", "MAX_REPORTED"]

#: How many bad lines a message lists.
MAX_REPORTED = 5


def _header_names(cells: list[str]) -> list[str]:
    """Header cells as column names: blanks named ``Unnamed: i``, repeats ``name.1`` ..."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(cells):
        name = cell if cell.strip() else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _swallowed(rec: list[str], sep: str, width: int) -> bool:
    """Whether a field holds lines that look like records of their own (at least half the
    header's separators): the sign of a quote that was never closed where it should be."""
    return any(line.count(sep) >= max(1, (width - 1) // 2)
               for field in rec if "\n" in field or "\r" in field
               for line in field.splitlines()[1:])


def parse_csv(text: str, path: Path, sep: str) -> tuple[pd.DataFrame, pd.Series]:
    """The records of ``text`` as text cells, and the physical line each record starts on.

    Blank records (layout) are dropped; trailing empty fields beyond the header are allowed.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    records: list[list[str]] = []
    starts: list[int] = []
    problems: list[str] = []
    prev = 0
    for rec in reader:
        start, end = prev + 1, reader.line_num
        prev = end
        if header is None:
            header = _header_names(rec)
            continue
        if not rec or all(not c.strip() for c in rec):
            continue
        width = len(header)
        if len(rec) > width and all(not c.strip() for c in rec[width:]):
            rec = rec[:width]
        if end > start and (len(rec) != width or _swallowed(rec, sep, width)):
            problems.append(
                f"line {start}: a quote (\") opened here is not closed, so lines {start}-{end} "
                "were read as one record")
        elif len(rec) != width:
            problems.append(f"line {start}: {len(rec)} fields where the header has {width}")
        records.append(rec)
        starts.append(start)
    if header is None:
        raise UnreadableSourceError(f"{path}: the file is empty; it needs a header row.")
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED \
            else ""
        raise UnreadableSourceError(
            f"{path}: malformed CSV, nothing was read: " + "; ".join(problems[:MAX_REPORTED])
            + f"{more}. Fix these lines: every row needs as many fields as the header, text "
            "holding a comma or line break goes in double quotes, and a quote inside text is "
            "written twice (\"\"). Then run again.")
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else \
        pd.DataFrame(columns=header, dtype=object)
    return frame, pd.Series(starts, dtype="int64")


def parse_csv_fast(head: str, data: bytes, sep: str) -> tuple[pd.DataFrame, pd.Series] | None:
    """:func:`parse_csv` by Arrow's (multithreaded) CSV reader, with Arrow-backed text columns,
    for the common file whose every record is one physical line: ``data`` is the file as UTF-8
    bytes, ``head`` its first line as text. ``None`` when the file needs the careful reader
    (a quoted line break, blank or separator-only lines, ragged rows, a bare ``\\r`` line end,
    a quoted header, bytes that are not UTF-8), so the frame, its text cells and its line
    numbers are always those :func:`parse_csv` gives."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    # in UTF-8 no multi-byte character holds a CR or LF byte: count them in the bytes
    if b"\n" not in data or '"' in head or (
            b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    names = _header_names(next(csv.reader([head.rstrip("\r")], delimiter=sep)))
    newlines = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")))
    lines = newlines + (0 if data.endswith(b"\n") else 1)
    cols = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=cols, skip_rows=1,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in cols}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    if table.num_rows + 1 != lines:
        return None
    if table.num_rows and table.num_columns:
        rows = None  # positions of the records blank so far (None: all records)
        for col in table.columns:
            if rows is not None:
                col = col.take(rows)
            empty = pc.or_(pc.equal(pc.binary_length(col), 0), pc.utf8_is_space(col))
            rows = pc.indices_nonzero(empty) if rows is None else \
                pc.filter(rows, empty)
            if not len(rows):
                break
        else:
            return None  # a blank or separator-only record
    # Arrow-backed text columns (``string[pyarrow]``), as read: no copy into Python objects
    frame = pd.DataFrame({i: pd.arrays.ArrowStringArray(col)
                          for i, col in enumerate(table.columns)}) \
        if table.num_columns else pd.DataFrame()
    frame.columns = names
    if not table.num_rows:
        frame = pd.DataFrame(columns=names, dtype=object)
    return frame, pd.Series(range(2, 2 + table.num_rows), dtype="int64")
