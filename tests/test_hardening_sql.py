"""Issue 17, defect 2: SQL sources are read-only, one SELECT, colons are text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmkit.collect.readers import read_table
from crmkit.core.errors import CollectError, UnreadableSourceError
from crmkit.params import SourceSpec


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    db = tmp_path / "bank.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE loans (client_id TEXT, note TEXT)")
        con.execute("INSERT INTO loans VALUES ('C1', 'a'), ('C2', 'b')")
    return db


def _rows(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT count(*) FROM loans").fetchone()[0]


@pytest.mark.parametrize("query", [
    "DROP TABLE loans",
    "SELECT 1; DROP TABLE loans",
    "select * from loans; delete from loans;",
    "DELETE FROM loans",
    "/* harmless */ UPDATE loans SET note = 'x'",
])
def test_defect2_sql_query_cannot_write(sqlite_db: Path, query: str) -> None:
    spec = SourceSpec(url=f"sqlite:///{sqlite_db}", query=query)
    with pytest.raises(CollectError, match="only one SELECT"):
        read_table(spec, "facilities")
    assert _rows(sqlite_db) == 2


def test_defect2_sql_with_that_writes_is_refused_by_the_read_only_connection(
        sqlite_db: Path) -> None:
    spec = SourceSpec(url=f"sqlite:///{sqlite_db}",
                      query="WITH x AS (SELECT 1) DELETE FROM loans")
    with pytest.raises(UnreadableSourceError, match="cannot read"):
        read_table(spec, "facilities")
    assert _rows(sqlite_db) == 2


def test_defect2_sql_attach_creates_no_file(sqlite_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    spec = SourceSpec(url=f"sqlite:///{sqlite_db}", query=f"ATTACH '{target}' AS x")
    with pytest.raises(CollectError):
        read_table(spec, "facilities")
    assert not target.exists()


def test_defect2_sql_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    spec = SourceSpec(url=f"sqlite:///{missing}", table="loans")
    with pytest.raises(UnreadableSourceError, match=r"nope\.db.*must exist"):
        read_table(spec, "facilities")
    assert not missing.exists()


def test_defect2_sql_colon_in_a_literal_is_not_a_bind_parameter(sqlite_db: Path) -> None:
    spec = SourceSpec(url=f"sqlite:///{sqlite_db}",
                      query="SELECT client_id, 'note :y' AS note FROM loans ORDER BY client_id;")
    raw = read_table(spec, "facilities")
    assert raw.frame["note"].tolist() == ["note :y", "note :y"]
    assert raw.rows.tolist() == [1, 2]


def test_defect2_duckdb_opened_read_only(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    db = tmp_path / "bank.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE loans AS SELECT 'C1' AS client_id")
    con.close()
    ok = read_table(SourceSpec(url=f"duckdb:///{db}", table="loans"), "facilities")
    assert ok.frame["client_id"].tolist() == ["C1"]
    spec = SourceSpec(url=f"duckdb:///{db}",
                      query="WITH x AS (SELECT 1) SELECT * FROM loans; DROP TABLE loans")
    with pytest.raises(CollectError):
        read_table(spec, "facilities")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM loans").fetchone() == (1,)
    con.close()
    missing = tmp_path / "none.duckdb"
    with pytest.raises(UnreadableSourceError):
        read_table(SourceSpec(url=f"duckdb:///{missing}", table="loans"), "facilities")
    assert not missing.exists()
