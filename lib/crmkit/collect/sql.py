"""Reading a table from a SQL database, read-only: one SELECT, never a write, never a new file.

Sources are opened read-only — SQLite through a ``mode=ro`` URI (a missing file is an error,
not a new empty database), DuckDB with ``read_only=True``, server databases in a read-only
transaction that is rolled back — and a ``query:`` must be a single ``SELECT`` or ``WITH``
statement. Colons in the query are literal text (``'note :y'``), never bind parameters.
Passwords never appear in messages: see :func:`redact_url`.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pandas as pd

from crmkit.core.errors import CollectError, UnreadableSourceError
from crmkit.params import SourceSpec

__all__ = ["read_sql", "redact_url", "redact", "check_query", "sql_url", "SourceTableMissing"]

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_FIRST_WORD = re.compile(r"^\s*\(*\s*([A-Za-z]+)")


class SourceTableMissing(UnreadableSourceError):
    """A default database lacks a contract table (decided by the caller)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return re.sub(r"(\b[a-zA-Z][\w+.-]*://[^:/@\s]*):[^@\s]*@", r"\1:***@", text)


def redact(obj: Any) -> Any:
    """``obj`` (nested dicts, lists, strings) with every URL password replaced by ``***``."""
    if isinstance(obj, str):
        return redact_url(obj)
    if isinstance(obj, dict):
        return {k: redact(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact(v) for v in obj]
    return obj


def sql_url(spec: SourceSpec, table: str) -> str:
    """The SQL URL of ``spec``: given directly, or read from the variable ``url_env`` names."""
    if spec.url is not None:
        return spec.url
    name = spec.url_env or ""
    url = os.environ.get(name, "").strip()
    if not url:
        raise UnreadableSourceError(
            f"environment variable {name!r} (named by 'sources: {table}: url_env:' in the "
            "parameters file) is not set or empty. Set it to the database URL before running, "
            "e.g. export " + name + "='postgresql://user:password@host/db'.")
    return url


def check_query(query: str, where: str) -> str:
    """The query without a trailing ``;``, if it is one ``SELECT`` / ``WITH`` statement."""
    bare = _LITERAL.sub("''", _COMMENT.sub(" ", query)).strip().rstrip(";").strip()
    m = _FIRST_WORD.match(bare)
    word = m.group(1).upper() if m else ""
    if ";" in bare or word not in ("SELECT", "WITH"):
        found = "several statements" if ";" in bare else f"a {word or 'blank'} statement"
        raise CollectError(
            f"{where}: 'query:' holds {found}; only one SELECT (or WITH ... SELECT) statement "
            "is accepted, and sources are read-only. Write a single SELECT in the parameters "
            "file.")
    return query.strip().rstrip(";").strip()


def _engine(url: str, label: str) -> Any:
    import sqlalchemy as sa

    try:
        u = sa.engine.make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad URL
        raise UnreadableSourceError(
            f"{label}: not a usable SQLAlchemy URL ({redact_url(str(exc))}). Examples: "
            "sqlite:///portfolio.db, duckdb:///portfolio.duckdb, postgresql://user@host/db."
        ) from None
    backend = u.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite" and u.database not in (None, "", ":memory:"):
        u = u.set(database=f"file:{u.database}?mode=ro", query={**u.query, "uri": "true"})
    elif backend == "duckdb":
        kwargs["connect_args"] = {"read_only": True}
    try:
        return sa.create_engine(u, **kwargs), backend
    except Exception as exc:  # noqa: BLE001
        raise UnreadableSourceError(
            f"{label}: not a usable SQLAlchemy URL ({redact_url(str(exc))}). Check the URL "
            "and that its database driver is installed.") from None


def _read_only(conn: Any, backend: str) -> None:
    """Put a server connection in a read-only transaction (SQLite/DuckDB are opened so)."""
    if backend in ("sqlite", "duckdb"):
        return
    import sqlalchemy as sa

    statement = {"mysql": "SET SESSION TRANSACTION READ ONLY",
                 "mariadb": "SET SESSION TRANSACTION READ ONLY"}.get(
                     backend, "SET TRANSACTION READ ONLY")
    conn.execute(sa.text(statement))


def read_sql(spec: SourceSpec, table: str, url: str) -> tuple[pd.DataFrame, str]:
    """The rows of ``table`` (or of ``spec.query``) and the source label to show."""
    import sqlalchemy as sa

    label = redact_url(url)
    name = spec.table or table
    query = check_query(spec.query, f"{label} (table {table!r})") if spec.query else None
    engine, backend = _engine(url, label)
    try:
        with engine.connect() as conn:
            _read_only(conn, backend)
            if query is not None:
                # colons are text: escaped so that 'note :y' is no bind parameter
                frame = pd.read_sql_query(sa.text(query.replace(":", r"\:")), conn)
                where = "query"
            else:
                if not sa.inspect(conn).has_table(name):
                    if spec.table is None:
                        raise SourceTableMissing(name)
                    raise UnreadableSourceError(
                        f"{label}: no table {name!r}. Fix 'sources: {table}: table:' in the "
                        "parameters file.")
                quoted = conn.dialect.identifier_preparer.quote(name)
                frame = pd.read_sql_query(sa.text(f"SELECT * FROM {quoted}"), conn)
                where = name
            conn.rollback()  # never commit anything
    except (SourceTableMissing, CollectError):
        raise
    except Exception as exc:  # noqa: BLE001
        text = str(exc).strip()
        first = redact_url(text.splitlines()[0]) if text else type(exc).__name__
        hint = (" The database file must exist; sources are opened read-only."
                if "unable to open" in text or "does not exist" in text.lower() else "")
        raise UnreadableSourceError(f"{label}[{name}]: cannot read ({first}).{hint}") from None
    finally:
        engine.dispose()
    return frame, f"{label}[{where}]"
