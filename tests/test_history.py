"""The snapshot store (DuckDB and SQLite), snapshot comparisons and trends (hand-computed)."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.core.errors import HistoryError
from crmkit.params.history import HistoryParams
from crmkit.warn import (
    changes,
    load_snapshot,
    migration_matrix,
    previous_as_of,
    save_snapshot,
    snapshot_dates,
    trend,
)
from crmkit.warn import history_db as _history_db
from crmkit.warn.history import LOST, NEW

SUFFIXES = [".duckdb", ".sqlite"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "client_id": pd.array(["C1", "C2", "C3"], dtype="string"),
        "total": [80.5, 60.0, np.nan],
        "tier": pd.array(["A", "B", pd.NA], dtype="string"),
        "pd": [0.01, 0.05, 0.2],
        "points": pd.array([650, pd.NA, 540], dtype="Int64"),
        "in_default": pd.array([False, pd.NA, True], dtype="boolean"),
        "last_review": pd.to_datetime(["2026-01-15", None, "2025-12-31"]).astype(
            "datetime64[ns]"),
        "n_alerts": np.array([0, 2, 5], dtype="int64"),
        "watch": np.array([False, True, True]),
        "客户经理": ["张伟", "李静", None],
    })


def _rows(path, table: str) -> int:
    if str(path).endswith(".duckdb"):
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_keeps_values_order_and_dtypes(tmp_path, suffix):
    path = tmp_path / f"history{suffix}"
    df = _frame()
    assert save_snapshot(path, "p1", "2026-06-30", df) == 3
    back = load_snapshot(path, "p1", dt.date(2026, 6, 30))
    pd.testing.assert_frame_equal(back, df)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_rerun_same_as_of_replaces_the_snapshot(tmp_path, suffix):
    path = tmp_path / f"h{suffix}"
    df = _frame()
    save_snapshot(path, "p1", "2026-06-30", df)
    save_snapshot(path, "p1", "2026-09-30", df)
    changed = df.assign(total=[70.0, 65.0, 50.0])
    save_snapshot(path, "p1", "2026-09-30", changed)
    assert _rows(path, "snapshot_client") == 6          # 2 snapshots x 3 clients, no duplicate
    assert _rows(path, "snapshot_index") == 2
    pd.testing.assert_frame_equal(load_snapshot(path, "p1", "2026-09-30"), changed)
    pd.testing.assert_frame_equal(load_snapshot(path, "p1", "2026-06-30"), df)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_new_and_widened_columns_in_a_later_snapshot(tmp_path, suffix):
    path = tmp_path / f"h{suffix}"
    df = _frame()
    save_snapshot(path, "p1", "2026-06-30", df)
    later = df.assign(churn_probability=[0.1, 0.2, 0.3], n_alerts=[0.5, 2.0, 5.0])
    save_snapshot(path, "p1", "2026-09-30", later)
    pd.testing.assert_frame_equal(load_snapshot(path, "p1", "2026-09-30"), later)
    old = load_snapshot(path, "p1", "2026-06-30")
    assert "churn_probability" not in old.columns     # only the columns saved then
    pd.testing.assert_frame_equal(old, df)
    tr = trend(path, "p1", metric="churn_probability")
    assert np.isnan(tr["value"].iloc[0]) and tr["n"].iloc[0] == 0
    assert tr["value"].iloc[1] == pytest.approx(0.2)   # (0.1 + 0.2 + 0.3) / 3


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_dates_and_previous_as_of(tmp_path, suffix):
    path = tmp_path / f"h{suffix}"
    assert snapshot_dates(path, "p1") == []
    assert previous_as_of(path, "p1", "2026-09-30") is None
    for d in ("2026-09-30", "2026-03-31", "2026-06-30"):
        save_snapshot(path, "p1", d, _frame())
    save_snapshot(path, "other", "2026-08-31", _frame())
    assert snapshot_dates(path, "p1") == [dt.date(2026, 3, 31), dt.date(2026, 6, 30),
                                          dt.date(2026, 9, 30)]
    assert previous_as_of(path, "p1", "2026-09-30") == dt.date(2026, 6, 30)
    assert previous_as_of(path, "p1", pd.Timestamp("2026-07-15")) == dt.date(2026, 6, 30)
    assert previous_as_of(path, "p1", "2026-03-31") is None
    assert previous_as_of(path, "other", "2026-09-30") == dt.date(2026, 8, 31)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_failed_write_leaves_the_old_snapshot_whole(tmp_path, suffix, monkeypatch):
    path = tmp_path / f"h{suffix}"
    df = _frame()
    save_snapshot(path, "p1", "2026-09-30", df)
    real = _history_db.Store.insert

    def broken(self, table, frame, stored):
        real(self, table, frame.head(1), stored)        # half the rows, then a crash
        raise RuntimeError("disk full")

    monkeypatch.setattr(_history_db.Store, "insert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_snapshot(path, "p1", "2026-09-30", df.assign(total=0.0))
    monkeypatch.undo()
    pd.testing.assert_frame_equal(load_snapshot(path, "p1", "2026-09-30"), df)
    assert _rows(path, "snapshot_client") == 3


def test_facility_snapshots_and_id_from_index(tmp_path):
    path = tmp_path / "h.duckdb"
    fac = pd.DataFrame({"client_id": ["C1", "C1"], "ifrs9_stage": pd.array([1, 2], "Int64"),
                        "pd": [0.01, 0.08]},
                       index=pd.Index(["F1", "F2"], name="facility_id"))
    save_snapshot(path, "p1", "2026-09-30", fac, kind="facility")
    back = load_snapshot(path, "p1", "2026-09-30", kind="facility")
    assert list(back.columns) == ["facility_id", "client_id", "ifrs9_stage", "pd"]
    assert back["ifrs9_stage"].tolist() == [1, 2]
    assert snapshot_dates(path, "p1") == []              # no client snapshot yet
    assert snapshot_dates(path, "p1", kind="facility") == [dt.date(2026, 9, 30)]


def test_errors_name_the_problem(tmp_path):
    path = tmp_path / "h.duckdb"
    df = _frame()
    with pytest.raises(HistoryError, match="needs a 'client_id' column"):
        save_snapshot(path, "p1", "2026-09-30", df.drop(columns="client_id"))
    with pytest.raises(HistoryError, match=r"duplicated: \['C1'\]"):
        save_snapshot(path, "p1", "2026-09-30", pd.concat([df, df.head(1)]))
    with pytest.raises(HistoryError, match="reserved"):
        save_snapshot(path, "p1", "2026-09-30", df.assign(as_of="x"))
    with pytest.raises(HistoryError, match="kind 'loan' is unknown"):
        save_snapshot(path, "p1", "2026-09-30", df, kind="loan")
    with pytest.raises(HistoryError, match="as_of must be a date"):
        save_snapshot(path, "p1", "yesterday", df)
    with pytest.raises(HistoryError, match="no snapshot store yet"):
        load_snapshot(path, "p1", "2026-09-30")
    save_snapshot(path, "p1", "2026-09-30", df)
    with pytest.raises(HistoryError, match=r"saved dates: \['2026-09-30'\]"):
        load_snapshot(path, "p1", "2026-06-30")
    with pytest.raises(HistoryError, match="stored as float .* holds text"):
        save_snapshot(path, "p1", "2026-12-31", df.assign(total=["a", "b", "c"]))
    with pytest.raises(HistoryError, match="metric 'nps' is in no client snapshot"):
        trend(path, "p1", metric="nps")
    with pytest.raises(HistoryError, match="backend 'mysql' is unknown"):
        save_snapshot(path, "p1", "2026-09-30", df, backend="mysql")


def test_backend_by_suffix_or_parameter(tmp_path):
    path = tmp_path / "h.store"
    save_snapshot(path, "p1", "2026-09-30", _frame(), backend="sqlite")
    with sqlite3.connect(path) as con:                   # really a SQLite file
        assert con.execute("SELECT count(*) FROM snapshot_client").fetchone()[0] == 3
    assert _history_db.engine_for(tmp_path / "x.db") == "sqlite"
    assert _history_db.engine_for(tmp_path / "x.duckdb") == "duckdb"
    assert _history_db.engine_for(tmp_path / "x.db", "duckdb") == "duckdb"


def _writer(path: str, portfolio: str) -> None:
    for k in range(3):
        save_snapshot(path, portfolio, dt.date(2026, 1 + k, 28), _frame())


def test_two_processes_share_one_store(tmp_path):
    """Two writers on the same DuckDB file wait for each other's lock; nothing is lost."""
    path = str(tmp_path / "shared.duckdb")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, p)) for p in ("p1", "p2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    for p in ("p1", "p2"):
        assert len(snapshot_dates(path, p)) == 3
    assert _rows(path, "snapshot_client") == 18


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_trend_portfolio_client_and_tier_shares(tmp_path, suffix):
    path = tmp_path / f"h{suffix}"
    save_snapshot(path, "p1", "2026-06-30", _frame())
    save_snapshot(path, "p1", "2026-09-30", _frame().assign(total=[70.0, 50.0, 30.0],
                                                            tier=["B", "C", "C"]))
    tr = trend(path, "p1")                                # metric "total"
    # 06-30: mean(80.5, 60) = 70.25 over 2 clients; 09-30: mean(70, 50, 30) = 50 over 3
    assert tr["value"].tolist() == pytest.approx([70.25, 50.0])
    assert tr["n"].tolist() == [2, 3]
    assert list(tr.index) == list(pd.to_datetime(["2026-06-30", "2026-09-30"]))
    one = trend(path, "p1", client_id="C3")
    assert np.isnan(one["value"].iloc[0]) and one["value"].iloc[1] == 30.0
    tiers = trend(path, "p1", metric="tier")
    # 06-30: A, B (C3 has no tier) -> 1/2 each; 09-30: B, C, C -> 1/3, 2/3
    assert tiers.loc["2026-06-30", "A"] == pytest.approx(0.5)
    assert tiers.loc["2026-09-30", "C"] == pytest.approx(2 / 3)
    assert np.isnan(tiers.loc["2026-09-30", "A"])


# -- comparisons -----------------------------------------------------------------------------
def test_changes_hand_computed():
    prev = pd.DataFrame({"client_id": ["C1", "C2", "C3", "C4"],
                         "total": [80.0, 70.0, 50.0, 60.0], "pd": [0.01, 0.02, 0.10, 0.05],
                         "tier": ["A", "A", "C", "B"]})
    cur = pd.DataFrame({"client_id": ["C1", "C2", "C3", "C5"],
                        "total": [78.0, 40.0, 65.0, 55.0], "pd": [0.01, 0.09, 0.04, 0.03],
                        "tier": ["A", "C", "B", "B"]}).set_index("client_id")
    ch = changes(cur, prev)
    assert list(ch.index) == ["C1", "C2", "C3", "C5", "C4"]
    assert ch.loc["C2", "score_change"] == pytest.approx(-30.0)   # 40 - 70
    assert ch.loc["C2", "pd_change"] == pytest.approx(0.07)       # 0.09 - 0.02
    assert ch.loc["C2", "tier_downgrade"] == 1                    # A -> C
    assert ch.loc["C2", "tier_steps"] == 2
    assert ch.loc["C3", "tier_downgrade"] == 0                    # C -> B is an upgrade
    assert ch.loc["C3", "tier_steps"] == -1
    assert ch.loc["C1", "tier_downgrade"] == 0                    # unchanged
    assert ch.loc["C5", "tier_downgrade"] is pd.NA                # new client
    assert bool(ch.loc["C5", "new_client"]) and not bool(ch.loc["C5", "lost_client"])
    assert bool(ch.loc["C4", "lost_client"]) and ch.loc["C4", "tier_now"] is pd.NA
    assert np.isnan(ch.loc["C5", "score_change"])


def test_changes_respects_parameters_and_missing_columns():
    p = HistoryParams(score_column="score", tier_column="grade", tier_order=["X", "Y"])
    prev = pd.DataFrame({"client_id": ["C1"], "score": [10.0], "grade": ["X"]})
    cur = pd.DataFrame({"client_id": ["C1"], "score": [12.0], "grade": ["Y"]})
    ch = changes(cur, prev, p)
    assert ch.loc["C1", "score_change"] == 2.0
    assert ch.loc["C1", "tier_downgrade"] == 1
    assert np.isnan(ch.loc["C1", "pd_change"])                    # no pd column: NaN


def test_migration_matrix_hand_computed():
    before = pd.Series({"C1": "A", "C2": "A", "C3": "B", "C4": "B"})
    after = pd.Series({"C1": "A", "C2": "B", "C3": "B", "C4": "C"})
    m = migration_matrix(before, after)
    assert list(m.index) == ["A", "B", "C", NEW] and list(m.columns) == ["A", "B", "C", LOST]
    assert m.index.name == "from" and m.columns.name == "to"
    assert m.loc["A", "A"] == 0.5 and m.loc["A", "B"] == 0.5
    assert m.loc["B", "B"] == 0.5 and m.loc["B", "C"] == 0.5
    assert m.loc[["A", "B"]].sum(axis=1).tolist() == [1.0, 1.0]
    assert m.loc["C"].isna().all()                                 # nobody started in C
    counts = migration_matrix(before, after.drop("C4").rename({"C1": "C9"}), normalize=False)
    # C1 left (A -> lost), C4 left (B -> lost), C9 arrived in A (new -> A)
    assert counts.loc["A", LOST] == 1 and counts.loc["B", LOST] == 1
    assert counts.loc[NEW, "A"] == 1 and counts.loc["A", "B"] == 1
    assert counts.to_numpy().sum() == 5                            # 4 before + 1 new


_tier = st.sampled_from(["A", "B", "C", None])


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 30), _tier, max_size=25),
       st.dictionaries(st.integers(0, 30), _tier, max_size=25))
def test_migration_invariants(b, a):
    before = pd.Series(b, dtype="object")
    after = pd.Series(a, dtype="object")
    counts = migration_matrix(before, after, normalize=False)
    assert counts.to_numpy().sum() == len(set(b) | set(a))
    assert counts.loc[NEW, LOST] == 0
    assert counts.drop(index=NEW).sum(axis=1).sum() == len(b)      # every earlier client once
    assert counts.drop(columns=LOST).sum(axis=0).sum() == len(a)   # every later client once
    shares = migration_matrix(before, after)
    full = counts.sum(axis=1) > 0
    assert np.allclose(shares[full].sum(axis=1), 1.0)
    assert shares[~full].isna().all(axis=None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("ABC")), min_size=1,
                max_size=20))
def test_downgrade_means_a_worse_tier(pairs):
    ids = [f"C{i}" for i in range(len(pairs))]
    prev = pd.DataFrame({"client_id": ids, "tier": [p[0] for p in pairs]})
    cur = pd.DataFrame({"client_id": ids, "tier": [p[1] for p in pairs]})
    ch = changes(cur, prev)
    expect = [int(n > b) for b, n in pairs]                        # "A" < "B" < "C"
    assert ch["tier_downgrade"].tolist() == expect
