"""The fast paths of issue 16 give what the slow ones gave: CSV by Arrow, totals rows, the
duplicate-key text, the streamed calendar, the capped workbook, the GBM switch, the table cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from crmkit.collect.csvparse import parse_csv, parse_csv_fast
from crmkit.collect.layout import totals_rows
from crmkit.collect.tables import _key_text
from crmkit.params.credit import CreditParams
from crmkit.report.xlsx import write_workbook
from crmkit.warn.ics import fold_line, write_ics

CSV_CASES = [
    'a,b\n1,2\n3,4\n', 'a,b\r\n1,2\r\n3,4', 'a,b\n"x,y",2\n"ab"c,d\n', 'a,,a\n1,2,3\n',
    'a;b\n1;2\n', 'a,b\n1,"q""q"\n',
    # these need the careful reader: blank line, separators only, ragged, quoted line break
    'a,b\n1,2\n\n3,4\n', 'a,b\n,\n1,2\n', 'a,b\n1,2,,\n', 'a,b\n"1\n2",3\n',
]


@pytest.mark.parametrize("text", CSV_CASES)
def test_arrow_csv_reads_what_the_careful_reader_reads(text: str) -> None:
    sep = ";" if ";" in text.splitlines()[0] else ","
    fast = parse_csv_fast(text[:text.find("\n")], text.encode("utf-8"), sep)
    if fast is None:  # handed to the careful reader: nothing to compare
        assert any(x in text for x in ("\n\n", "\n,\n", ",,\n", '"1\n'))
        return
    frame, rows = parse_csv(text, Path("x.csv"), sep)
    assert all(dtype == "string" for dtype in fast[0].dtypes)  # Arrow-backed text cells
    pd.testing.assert_frame_equal(fast[0].astype(object), frame)
    pd.testing.assert_series_equal(fast[1], rows)


def test_totals_rows_found_through_the_prefilter() -> None:
    f = pd.DataFrame({"a": ["x", "合计", "  Ｔｏｔａｌ：", "total (万元)", "totalX", None, 3.5,
                            "总 合计", "Ｓｕｂｔｏｔａｌ（a）", "TOTAL\u3000", "grand total:"],
                      "b": ["y"] * 10 + ["小计"]})
    mask, label, column = totals_rows(f)
    assert mask.tolist() == [False, True, True, True, False, False, False, True, True, True,
                             True]
    assert label[1] == "合计" and column[1] == "a"
    assert column[10] == "a"  # the first column holding a label wins


def test_key_text_only_for_the_given_rows() -> None:
    keys = pd.DataFrame({"client_id": pd.array(["C1", None], dtype="string"),
                         "year": pd.array([2024, 2025], dtype="Int64")}, index=[1, 3])
    text = _key_text(keys, 5)
    assert text.tolist()[1] == "C1/2024" and text.tolist()[3] == "/2025"
    assert text.isna().sum() == 3


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab\\^,;长é😀 ")), max_size=300))
def test_fold_line_folds_as_icalendar(line: str) -> None:
    from icalendar.parser.string import _foldline

    assert fold_line(line) == _foldline(line)


def _icalendar_bytes(plan: pd.DataFrame, name: str, stamp: dt.datetime) -> bytes:
    """The calendar built with icalendar's objects, event by event (the former writer)."""
    from icalendar import Alarm, Event

    from crmkit.warn.ics import ICS_PRIORITY, PRODID

    cal = Calendar()
    for k, v in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                 ("method", "PUBLISH"), ("x-wr-calname", name), ("name", name)):
        cal.add(k, v)
    for r in plan.itertuples(index=False):
        day = pd.Timestamp(r.date).date()
        summary = r.title if pd.isna(r.client_name) else f"{r.title} · {r.client_name}"
        detail = "" if pd.isna(r.detail) else r.detail
        if not pd.isna(r.owner):
            detail = f"{detail}\n{r.owner}" if detail else str(r.owner)
        ev = Event()
        for k, v in (("uid", r.uid), ("dtstamp", stamp), ("dtstart", day),
                     ("dtend", day + dt.timedelta(days=1)), ("summary", summary),
                     ("description", detail), ("categories", [r.kind])):
            ev.add(k, v)
        if not pd.isna(r.severity):
            ev.add("priority", ICS_PRIORITY[r.severity])
        ev.add("transp", "TRANSPARENT")
        if not pd.isna(r.severity) and r.severity in ("critical", "high"):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", dt.timedelta(days=-7))
            ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical()


def test_streamed_calendar_is_the_icalendar_one(tmp_path: Path) -> None:
    from crmkit.params.warning import WarningParams

    plan = pd.DataFrame({
        "date": pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-03"]),
        "title": pd.array(["标题;x", "t\\Nq", "长" * 60], dtype="string"),
        "client_name": pd.array([pd.NA, "客户, 1", "c\r\nd"], dtype="string"),
        "detail": pd.array([pd.NA, "", "de\ntail" * 20], dtype="string"),
        "owner": pd.array([pd.NA, "RM1", "RM 2"], dtype="string"),
        "severity": pd.array(["critical", pd.NA, "info"], dtype="string"),
        "uid": pd.array(["u1", "u2", "u3"], dtype="string"),
        "kind": pd.array(["alert", "maturity", "x,y"], dtype="string")})
    stamp = dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC)
    params = WarningParams.model_validate(
        {"actions": {"alarm_severities": ["critical", "high"], "alarm_days_before": 7}})
    data = write_ics(plan, tmp_path / "p.ics", "行动计划", params, dtstamp=stamp).read_bytes()
    assert data == _icalendar_bytes(plan, "行动计划", stamp)
    events = Calendar.from_ical(data).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["u1", "u2", "u3"]
    assert str(events[0]["summary"]) == "标题;x"
    assert str(events[1]["summary"]) == "t\nq · 客户, 1"  # \N is a line break in iCalendar
    assert len(events[0].walk("VALARM")) == 1 and "priority" not in events[1]


def test_workbook_sheet_capped_and_says_where_every_row_is(tmp_path: Path) -> None:
    df = pd.DataFrame({"client_id": [f"C{i}" for i in range(50)], "x": np.arange(50)})
    path = write_workbook({"alerts": df}, tmp_path / "w.xlsx", "en", max_rows=10,
                          full_tables={"alerts": "warn/alerts.parquet"})
    ws = openpyxl.load_workbook(path).active
    assert ws.max_row == 12  # header, 10 rows, the note
    assert ws.cell(12, 1).value == "First 10 of 50 rows; every row is in warn/alerts.parquet"
    assert ws.cell(11, 1).value == "C9"


def test_gbm_comparison_switch() -> None:
    assert CreditParams().compare_gbm == "auto"
    assert CreditParams(compare_gbm=False).compare_gbm is False
    with pytest.raises(ValueError, match="compare_gbm"):
        CreditParams(compare_gbm="sometimes")


def test_mask_text_finds_the_names_each_text_holds() -> None:
    from crmkit.core.masking import mask_text

    names = ["王建国", "王建", "李明", "a*b", "Smith"]
    texts = pd.Series(["联系人王建国与李明会面", "王建来电", "x a*b y", "无人", None,
                       "Smith and 李明李明"], dtype="string")
    got = mask_text(texts, names).tolist()
    assert got[:4] == ["联系人王**与李*会面", "王*来电", "x a** y", "无人"]
    assert pd.isna(got[4]) and got[5] == "S**** and 李*李*"
