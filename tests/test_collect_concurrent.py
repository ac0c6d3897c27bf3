"""Collecting tables concurrently gives the serial outcome; exact copies found from typed keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crmkit.collect import collect
from crmkit.collect.duplicates import exact_copies
from crmkit.collect.portfolio import _start_order
from crmkit.core.contract import TABLE_ORDER, TABLES
from crmkit.core.errors import MissingColumnError
from crmkit.params import load_params
from crmkit.sample import write_portfolio


def _messy(folder: Path, fmt: str) -> Path:
    """A small portfolio with a bad row per reason, then odd cells, copies and repeated keys."""
    data = folder / "data"
    write_portfolio(data, 120, 5, "2026-09-30", fmt=fmt, with_errors=fmt == "csv")
    rng = np.random.default_rng(1)
    for f in sorted(data.glob(f"*.{fmt}")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False) if fmt == "csv" \
            else pd.read_parquet(f)
        extra = pd.concat([df.sample(min(len(df), 5), random_state=1),
                           df.sample(min(len(df), 3), random_state=2)], ignore_index=True)
        num = [c for c in df.columns if df[c].dtype.kind == "f"]
        if num:  # the second sample keeps its key, with other content
            extra.loc[len(extra) - 3:, num[0]] = extra[num[0]].iloc[-3:] + 1
        df = pd.concat([df, extra], ignore_index=True)
        for c in df.columns:
            blank = rng.random(len(df)) < 0.03
            df.loc[blank, c] = "N/A" if fmt == "csv" else None
            if fmt == "csv":
                odd = rng.random(len(df)) < 0.03
                df.loc[odd, c] = df.loc[odd, c].map(lambda v: f" {v}," if v else "合计")
        if fmt == "csv":
            df.to_csv(f, index=False)
        else:
            df.to_parquet(f, index=False)
    params = folder / "p.yaml"
    params.write_text(yaml.safe_dump({"portfolio": "m", "as_of": "2026-09-30",
                                      "output_dir": "out",
                                      "sources": {"default": {"path": str(data)}}}))
    return params


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_concurrent_collect_is_the_serial_one(tmp_path: Path, fmt: str) -> None:
    params = load_params(_messy(tmp_path, fmt))
    serial, concurrent = collect(params, workers=1), collect(params, workers=2)
    assert len(serial.issues) > 100 and len(serial.quarantine) > 50
    assert set(serial.issues["reason"]) >= {"duplicate_row", "duplicate_key", "orphan",
                                            "missing_required"}
    for name in ("issues", "quarantine", "quality", "summary"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(concurrent, name))
    assert serial.tables.keys() == concurrent.tables.keys()
    for name, df in serial.tables.items():
        pd.testing.assert_frame_equal(df, concurrent.tables[name])
    assert serial.notes == concurrent.notes


def test_concurrent_collect_raises_the_serial_error(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_portfolio(folder, 20, 5, "2026-09-30")
    for name in ("facilities", "needs"):  # two broken tables: the first in TABLE_ORDER wins
        f = folder / f"{name}.csv"
        df = pd.read_csv(f, dtype=str)
        df.drop(columns=[TABLES[name].key[0]]).to_csv(f, index=False)
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"portfolio": "m", "as_of": "2026-09-30",
                                      "sources": {"default": {"path": str(folder)}}}))
    for workers in (1, 2):
        with pytest.raises(MissingColumnError, match="facility_id"):
            collect(load_params(params), workers=workers)


def test_start_order_puts_parents_first(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_portfolio(folder, 30, 5, "2026-09-30")
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"portfolio": "m", "as_of": "2026-09-30",
                                      "sources": {"default": {"path": str(folder)}}}))
    order, large = _start_order(load_params(params))
    assert sorted(order) == sorted(TABLE_ORDER)
    assert order[:2] == ["clients", "interactions"]  # the biggest child of clients next
    assert "interactions" in large and "clients" not in large
    for name in order:
        for parent in dict(TABLES[name].foreign_keys).values():
            assert order.index(parent) < order.index(name)


def _copies_as_text(frame: pd.DataFrame) -> np.ndarray:
    return frame.astype("string").fillna("\x00").duplicated(keep="first").to_numpy()


def test_exact_copies_from_typed_keys_are_the_text_ones() -> None:
    frame = pd.DataFrame({
        "id": pd.array(["a", "a", "a", None, None, "b", "b"], dtype="string"),
        "year": pd.array([2020, 2020, 2020, None, None, 2021, 2021], dtype="Int64"),
        "x": [1.0, 1.0, 2.0, np.nan, np.nan, -0.0, 0.0],
        "when": pd.to_datetime(["2024-01-01"] * 5 + [None, None]),
        "ok": pd.array([True, True, True, None, None, False, False], dtype="boolean"),
    })
    rows = pd.Series(range(2, 9), dtype="int64")
    for key in (["id", "year"], ["x"], ["when", "ok"], []):
        dup, first = exact_copies(frame, rows, key)
        assert (dup == _copies_as_text(frame)).all(), key
    dup, first = exact_copies(frame, rows, ["id", "year"])
    assert dup.tolist() == [False, True, False, False, True, False, False]
    assert first.tolist()[:5] == [2, 2, pd.NA, 5, 5]


def test_written_tables_are_save_tables_files(tmp_path: Path) -> None:
    from crmkit.collect import write_outputs
    from crmkit.core.store import save_table

    params = load_params(_messy(tmp_path, "csv"))
    result = collect(params)
    paths = write_outputs(result, params, workers=2)
    for name, df in result.tables.items():
        written = Path(paths[name]).read_bytes()
        assert written == save_table(params, "again", name, df).read_bytes(), name


def test_large_tasks_run_one_at_a_time_and_after_their_parents() -> None:
    import threading
    import time
    from concurrent.futures import Future

    from crmkit.collect.schedule import run_tasks

    lock = threading.Lock()
    running: set[str] = set()
    seen: list[set[str]] = []
    started: list[str] = []

    def task(name: str) -> str:
        with lock:
            running.add(name)
            started.append(name)
            seen.append(set(running))
        time.sleep(0.02)
        with lock:
            running.discard(name)
        if name == "bad":
            raise ValueError("bad table")
        return name.upper()

    futures: dict[str, Future[str]] = {n: Future() for n in ["p", "L1", "L2", "s1", "s2",
                                                             "c", "bad"]}
    run_tasks(futures, {"c": {"L2"}, "L1": {"p"}}, {"L1", "L2"}, 2, task)
    assert all(len(s & {"L1", "L2"}) <= 1 for s in seen)
    assert started.index("L2") < started.index("c") and started.index("p") < \
        started.index("L1")
    assert futures["s2"].result() == "S2"
    with pytest.raises(ValueError, match="bad table"):
        futures["bad"].result()
