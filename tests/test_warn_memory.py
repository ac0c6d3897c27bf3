"""The warn stage lets go of the largest clean tables once it has read them for the last time
(issue 16: a million clients' instalments and interactions are gigabytes), without changing a
result: the process copy of ``load_clean`` and the shared id lookups forget them too."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pytest

from crmkit.collect import load_clean
from crmkit.collect.required import _LAST, forget_clean
from crmkit.score.aggregate import _MEMO, forget_lookups, lookup, shared_lookups


@pytest.fixture(scope="module")
def params(sample_through):
    """The sample portfolio collected, scored and tiered, in a folder of its own."""
    return sample_through("warn-memory", "collect", "score", "tier")


def test_forget_clean_drops_a_table_and_the_next_call_reads_it_again(params) -> None:
    first = load_clean(params, {"repayments": ["facility_id"]}, only=["repayments", "clients"])
    held = next(iter(_LAST.values()))
    assert {"repayments", "clients"} <= set(held)
    forget_clean(["repayments"])
    assert "repayments" not in held and "clients" in held
    again = load_clean(params, {"repayments": ["facility_id"]}, only=["repayments"])
    pd.testing.assert_frame_equal(again["repayments"], first["repayments"])


def test_forget_lookups_of_some_frames_keeps_the_others() -> None:
    keys = pd.Series(["a", "b", "c"], dtype="string[pyarrow]")
    one = pd.DataFrame({"id": pd.Series(["b", "c", "x"], dtype="string[pyarrow]")})
    two = pd.DataFrame({"id": pd.Series(["a", "a"], dtype="string[pyarrow]")})
    with shared_lookups():
        from crmkit.score import aggregate

        assert lookup(keys, one["id"]).tolist() == [1, 2, -1]
        assert lookup(keys, two["id"]).tolist() == [0, 0]
        assert len(aggregate._MEMO) == 2
        forget_lookups(one)
        assert len(aggregate._MEMO) == 1
        assert lookup(keys, two["id"]).tolist() == [0, 0]  # still remembered, still right
        forget_lookups()
        assert aggregate._MEMO == {}
    assert _MEMO is None  # outside the block nothing is remembered


def test_warn_frees_instalments_and_interactions_and_its_results_are_unchanged(params) -> None:
    from crmkit import warn
    from crmkit.warn.stage import warn_columns

    whole = load_clean(params, warn_columns(params))  # the tables warn will read, held here
    repayments = weakref.ref(next(iter(_LAST.values()))["repayments"])
    del whole
    stage = warn.run(params)
    gc.collect()
    held = next(iter(_LAST.values()))
    assert "repayments" not in held and "interactions" not in held
    assert repayments() is None  # nobody holds the instalments any more
    assert {"clients", "facilities", "milestones", "projects"} <= set(stage.tables)
    assert "repayments" not in stage.tables and "interactions" not in stage.tables
    again = warn.run(params)  # the tables are read again and give the same results
    pd.testing.assert_frame_equal(again.alerts, stage.alerts)
    pd.testing.assert_frame_equal(again.metrics, stage.metrics)
    pd.testing.assert_frame_equal(again.ecl, stage.ecl)
