"""The action plan as an iCalendar file (RFC 5545), written in chunks of events.

The text of each event is built column by column (escaping, folding at 75 octets) and written
chunk by chunk, so a plan of millions of items takes seconds and little memory; the bytes are
those the ``icalendar`` package writes for the same calendar (the calendar's own header is
still made by it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from icalendar import Calendar

from crmkit.core.errors import WarningError
from crmkit.core.store import atomic_write
from crmkit.params.warning import PLAN_SEVERITIES, WarningParams

__all__ = ["write_ics", "fold_line", "PRODID", "ICS_PRIORITY", "CHUNK_EVENTS"]

#: PRODID of the calendars crmkit writes.
PRODID = "-//crmkit//Client early-warning action plan//EN"
#: iCalendar PRIORITY (1 = highest, 9 = lowest) of each plan severity.
ICS_PRIORITY: dict[str, int] = {"critical": 1, "high": 3, "medium": 5, "low": 7, "info": 9}
#: Events built and written at a time.
CHUNK_EVENTS = 50_000
_LIMIT = 75  # octets of a content line before it is folded (RFC 5545 3.1)


def fold_line(line: str, limit: int = _LIMIT) -> str:
    """Fold one content line: ``CRLF`` + space before the octet ``limit`` is reached, never
    inside a character nor right after a backslash escape (as ``icalendar`` folds)."""
    data = line.encode("utf-8")
    if len(data) < limit:
        return line
    out: list[bytes] = []
    start = 0
    while len(data) - start > limit - 1:
        end = start + limit - 1  # a piece holds at most limit - 1 octets
        while data[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        if data[end - 1] in b"\\^" and end - start > 1:  # keep an escape with what it escapes
            end -= 1
        out.append(data[start:end])
        start = end
    out.append(data[start:])
    return b"\r\n ".join(out).decode("utf-8")


def _escape(s: pd.Series) -> pd.Series:
    """RFC 5545 TEXT escaping, in ``icalendar``'s order."""
    s = s.astype("string").fillna("")
    for old, new in ((r"\N", "\n"), ("\\", "\\\\"), (";", r"\;"), (",", r"\,"),
                     ("\r\n", r"\n"), ("\n", r"\n"), ("\r", r"\n")):
        s = s.str.replace(old, new, regex=False)
    return s


def _lines(name: str, values: pd.Series) -> pd.Series:
    """``NAME:value`` content lines, the long ones folded."""
    text = name + ":" + values.astype("string")
    line = text.to_numpy(dtype=object)
    octets = pc.binary_length(pa.array(line, type=pa.large_string())).to_numpy(
        zero_copy_only=False)
    for i in np.flatnonzero(octets >= _LIMIT):  # the others are not folded
        line[i] = fold_line(line[i])
    return pd.Series(line, index=values.index, dtype=object)


def _blank(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy(dtype=bool)


def _events(plan: pd.DataFrame, stamp: str, alarm_at: set[str], days_before: int) -> str:
    """The VEVENT text of a chunk of the plan."""
    n = len(plan)
    day = pd.to_datetime(plan["date"]).dt.normalize()
    title = plan["title"].astype("string")
    client = plan["client_name"].astype("string") if "client_name" in plan else \
        pd.Series(pd.NA, index=plan.index, dtype="string")
    summary = title.where(client.isna(), title + " · " + client)
    detail = plan["detail"].astype("string").fillna("") if "detail" in plan else \
        pd.Series("", index=plan.index, dtype="string")
    if "owner" in plan:
        owner = plan["owner"].astype("string")
        with_owner = detail.where(detail == "", detail + "\n") + owner
        detail = with_owner.where(owner.notna(), detail)
    sev = plan["severity"].astype("string") if "severity" in plan else \
        pd.Series(pd.NA, index=plan.index, dtype="string")
    prio = sev.map(ICS_PRIORITY).astype("Int64").astype("string")
    prio = prio.where(sev.isin(PLAN_SEVERITIES).fillna(False))
    alarm = sev.isin(alarm_at).fillna(False).to_numpy(dtype=bool)
    esc_summary = _escape(summary)
    cols = [
        pd.Series("BEGIN:VEVENT", index=plan.index),
        _lines("SUMMARY", esc_summary),
        "DTSTART;VALUE=DATE:" + day.dt.strftime("%Y%m%d"),
        "DTEND;VALUE=DATE:" + (day + pd.Timedelta(days=1)).dt.strftime("%Y%m%d"),
        pd.Series(f"DTSTAMP:{stamp}", index=plan.index),
        _lines("UID", _escape(plan["uid"])),
        _lines("CATEGORIES", _escape(plan["kind"])),
        _lines("DESCRIPTION", _escape(detail)),
    ]
    prio_line = ("PRIORITY:" + prio).astype(object)
    alarm_text = ("BEGIN:VALARM\r\nACTION:DISPLAY\r\n" + _lines("DESCRIPTION", esc_summary)
                  + f"\r\nTRIGGER:-P{days_before}D\r\nEND:VALARM").astype(object)
    parts: list[str] = []
    body = cols[0].astype(object)
    for c in cols[1:]:
        body = body + "\r\n" + c.astype(object)
    body = body.to_numpy(dtype=object)
    prio_a = prio_line.to_numpy(dtype=object)
    has_prio = ~_blank(prio)
    alarm_a = alarm_text.to_numpy(dtype=object)
    for i in range(n):
        parts.append(body[i])
        if has_prio[i]:
            parts.append(prio_a[i])
        parts.append("TRANSP:TRANSPARENT")
        if alarm[i]:
            parts.append(alarm_a[i])
        parts.append("END:VEVENT")
    return "\r\n".join(parts) + "\r\n" if parts else ""


def write_ics(plan: pd.DataFrame, path: str | Path, calendar_name: str,
              params: WarningParams | None = None, *,
              dtstamp: dt.datetime | None = None) -> Path:
    """Write the plan as an iCalendar file (RFC 5545) that Outlook and Google Calendar import.

    One all-day VEVENT per item (DTSTART = the date, DTEND = the next day); SUMMARY is the
    title and the client name, DESCRIPTION the detail and the owner, CATEGORIES the kind,
    PRIORITY from the severity; UID is the plan's stable ``uid``, so importing a newer plan
    updates events instead of duplicating them. Items whose severity is in
    ``params.actions.alarm_severities`` get a VALARM ``alarm_days_before`` days before.
    ``dtstamp`` (UTC) defaults to now. Events are written :data:`CHUNK_EVENTS` at a time.
    """
    params = WarningParams() if params is None else params
    ap = params.actions
    missing = [c for c in ("date", "title", "uid", "kind") if c not in plan.columns]
    if missing:
        raise WarningError(f"write_ics needs an action_plan frame; columns {missing} are "
                           "missing")
    stamp = dtstamp or dt.datetime.now(dt.UTC)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("name", calendar_name)
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    alarm_at = set(ap.alarm_severities)

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            fh.write(head[: -len(end)])
            for lo in range(0, len(plan), CHUNK_EVENTS):
                chunk = plan.iloc[lo: lo + CHUNK_EVENTS]
                fh.write(_events(chunk, stamp_text, alarm_at, ap.alarm_days_before)
                         .encode("utf-8"))
            fh.write(end)

    return atomic_write(Path(path), write)
