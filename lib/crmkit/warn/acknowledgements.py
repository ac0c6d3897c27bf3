"""Acknowledged alerts: an append-only audit table beside the history store.

A relationship manager acknowledges an open alert (in ``crmkit dashboard``) with a note; the
acknowledgement is appended to ``acknowledgements.parquet`` in the folder of the portfolio's
history store (``Params.history_path``), with who and when. Rows are never changed or removed:
the file is the audit trail. Each append re-reads the file under a lock file and replaces it
atomically (:func:`crmkit.core.store.atomic_write`), so two managers acknowledging at the same
moment both land and a crash never leaves half a file.

An alert is identified across runs by its client and *cause* (the rule group, else the rule:
:func:`crmkit.warn.triage.dedupe_alerts`), see :func:`alert_key`. :func:`mark_acknowledged`
marks the alerts of a run that were acknowledged at that as-of date or earlier, unless the
alert has since become more severe (then it is new again).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from crmkit.core.errors import HistoryError
from crmkit.core.i18n import register
from crmkit.core.store import atomic_write, ensure_dir

__all__ = ["ACK_COLUMNS", "ACK_FILE", "MARK_COLUMNS", "acknowledgements_path", "alert_key",
           "acknowledge", "load_acknowledgements", "mark_acknowledged", "default_user"]

#: File name of the audit table, in the folder of the history store.
ACK_FILE = "acknowledgements.parquet"
#: Columns of the audit table, in order.
ACK_COLUMNS: tuple[str, ...] = (
    "acknowledged_at", "user", "note", "portfolio", "as_of", "alert_key", "client_id",
    "client_name", "cause", "rule_id", "rule_name", "severity", "reason", "owner")
#: Columns :func:`mark_acknowledged` adds to an alerts table.
MARK_COLUMNS: tuple[str, ...] = ("acknowledged", "acknowledged_by", "acknowledged_at",
                                 "acknowledged_note")
register({
    "warn.col.acknowledged": ("已确认", "Acknowledged"),
    "warn.col.acknowledged_by": ("确认人", "Acknowledged by"),
    "warn.col.acknowledged_at": ("确认时间", "Acknowledged at"),
    "warn.col.acknowledged_note": ("确认备注", "Acknowledgement note"),
})
_SEVERITY_RANK = {"info": -1, "low": 0, "medium": 1, "high": 2, "critical": 3}
_MAX_NOTE = 2000


def acknowledgements_path(history_path: str | Path) -> Path:
    """The audit table beside the history store ``history_path`` (``Params.history_path``)."""
    return Path(history_path).parent / ACK_FILE


def default_user() -> str:
    """The operating-system user name (the default 'who' of an acknowledgement)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return os.environ.get("USER") or "unknown"


def alert_key(alerts: pd.DataFrame) -> pd.Series:
    """``client_id/cause`` of each alert (``rule_id`` when there is no ``cause`` column)."""
    if "client_id" not in alerts.columns:
        raise HistoryError("alerts need a 'client_id' column to be acknowledged")
    cause = alerts["cause"] if "cause" in alerts.columns else alerts.get("rule_id")
    if cause is None:
        raise HistoryError("alerts need a 'cause' or 'rule_id' column to be acknowledged")
    cause = cause.astype("string")
    if "rule_id" in alerts.columns:
        cause = cause.fillna(alerts["rule_id"].astype("string"))
    return (alerts["client_id"].astype("string").fillna("") + "/" + cause.fillna("")).rename(
        "alert_key")


@contextmanager
def _locked(path: Path, timeout: float = 30.0) -> Iterator[None]:
    ensure_dir(path.parent)
    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "a+b") as fh:
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - start > timeout:
                    raise HistoryError(f"{path}: another process holds {lock.name} for more "
                                       f"than {timeout:.0f} s; try again") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_acknowledgements(history_path: str | Path, portfolio: str | None = None
                          ) -> pd.DataFrame:
    """Every acknowledgement so far (oldest first); empty with :data:`ACK_COLUMNS` if none."""
    path = acknowledgements_path(history_path)
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ACK_COLUMNS})
    df = pd.read_parquet(path)
    if portfolio is not None:
        df = df[df["portfolio"].astype("string") == portfolio]
    return df.reset_index(drop=True)


def acknowledge(history_path: str | Path, portfolio: str, as_of: dt.date | str,
                alerts: pd.DataFrame, note: str, user: str | None = None,
                when: dt.datetime | None = None) -> pd.DataFrame:
    """Append one acknowledgement per row of ``alerts`` (rows of a run's ``warn/alerts``).

    Parameters
    ----------
    history_path
        The portfolio's history store (``Params.history_path``); the audit table goes beside it.
    portfolio, as_of
        The run the alerts come from.
    alerts
        One or more alerts, with ``client_id`` and ``cause`` (or ``rule_id``).
    note
        What the manager did or decided; required, at most 2000 characters.
    user
        Who acknowledges (default: the operating-system user).
    when
        Time of the acknowledgement (default: now, UTC).

    Returns
    -------
    pandas.DataFrame
        The rows appended (:data:`ACK_COLUMNS`).
    """
    note = (note or "").strip()
    if not note:
        raise HistoryError("an acknowledgement needs a note saying what was done or decided")
    if len(note) > _MAX_NOTE:
        raise HistoryError(f"the note has {len(note)} characters; keep it under {_MAX_NOTE}")
    user = (user or "").strip() or default_user()
    if alerts is None or len(alerts) == 0:
        raise HistoryError("no alert selected: choose the alert(s) to acknowledge")
    stamp = (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    keys = alert_key(alerts)
    get = lambda c: (alerts[c].astype("string") if c in alerts.columns  # noqa: E731
                     else pd.Series(pd.NA, index=alerts.index, dtype="string"))
    rows = pd.DataFrame({
        "acknowledged_at": stamp, "user": user, "note": note, "portfolio": portfolio,
        "as_of": pd.Timestamp(as_of).date().isoformat(), "alert_key": keys,
        "client_id": get("client_id"), "client_name": get("client_name"),
        "cause": keys.str.split("/", n=1).str[1], "rule_id": get("rule_id"),
        "rule_name": get("rule_name"), "severity": get("severity"), "reason": get("reason"),
        "owner": get("owner")}, index=alerts.index).astype("string").reset_index(drop=True)
    path = acknowledgements_path(history_path)
    with _locked(path):
        old = pd.read_parquet(path) if path.is_file() else None
        table = rows if old is None else pd.concat([old.astype("string"), rows],
                                                   ignore_index=True)
        atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))
    return rows


def mark_acknowledged(alerts: pd.DataFrame, acks: pd.DataFrame,
                      as_of: dt.date | str | None = None) -> pd.DataFrame:
    """``alerts`` with :data:`MARK_COLUMNS`: acknowledged (bool), by whom, when, the note.

    An alert counts as acknowledged when an acknowledgement of its key was made for this
    ``as_of`` or an earlier one, with a severity at least as high as the alert's now (an
    alert that got worse is new again). The latest such acknowledgement is shown.
    """
    out = alerts.copy()
    out["acknowledged"] = pd.array([False] * len(out), dtype="boolean")
    for c in MARK_COLUMNS[1:]:
        out[c] = pd.Series(pd.NA, index=out.index, dtype="string")
    if out.empty or acks is None or acks.empty:
        return out
    a = acks.copy()
    if as_of is not None:
        a = a[pd.to_datetime(a["as_of"]) <= pd.Timestamp(as_of)]
    if a.empty:
        return out
    a = a.sort_values("acknowledged_at", kind="stable").drop_duplicates("alert_key", keep="last")
    a = a.set_index("alert_key")
    keys = alert_key(out)
    hit = keys.isin(a.index)
    now = (out["severity"].astype("string").map(_SEVERITY_RANK) if "severity" in out
           else pd.Series(0, index=out.index)).fillna(0)
    then = keys.map(a["severity"].astype("string").map(_SEVERITY_RANK)).fillna(99)
    ok = (hit & (now.astype(float) <= then.astype(float))).to_numpy()
    out.loc[ok, "acknowledged"] = True
    for col, src in zip(MARK_COLUMNS[1:], ("user", "acknowledged_at", "note"), strict=True):
        out.loc[ok, col] = keys[ok].map(a[src]).astype("string").to_numpy()
    return out
