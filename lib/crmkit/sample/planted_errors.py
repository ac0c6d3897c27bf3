"""Planted data errors for the committed sample: one bad row per quarantine reason.

Real portfolios arrive with mistakes; the sample carries a few so that the collect notebook
has something to quarantine and a student can see every reason code at work. The bad rows are
*appended* to the written CSV files, so the genuine records (and every planted relationship of
the generator) stay intact. :data:`PLANTED_ERRORS` documents each one.
"""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["PLANTED_ERRORS", "plant_errors"]

#: (table, reason code, what is wrong) — in the order the rows are appended.
PLANTED_ERRORS: tuple[tuple[str, str, str], ...] = (
    ("clients", "duplicate_row", "an exact copy of the first client"),
    ("clients", "missing_required", "a new client with a blank name"),
    ("facilities", "orphan", "a facility of client C9999999, who is not in clients"),
    ("facilities", "inconsistent", "a facility maturing before it starts"),
    ("repayments", "invalid_type", "a due date written 31/03/2025 (day first)"),
    ("repayments", "duplicate_key", "the first instalment again with another amount"),
    ("surveys", "out_of_range", "a CSAT of 7 on the 1-5 scale"),
    ("interactions", "invalid_category", "a contact through an unknown channel"),
)


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _append(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header, lineterminator="\n").writerows(rows)


def plant_errors(files: dict[str, Path]) -> list[tuple[str, str, str]]:
    """Append the :data:`PLANTED_ERRORS` rows to a written CSV portfolio; return what was
    planted. Tables without data rows are left alone."""
    planted = []
    data = {name: _rows(Path(path)) for name, path in files.items()}

    def add(table: str, row: dict[str, str], reason: str, what: str) -> None:
        header, _ = data[table]
        _append(files[table], header, [row])
        planted.append((table, reason, what))

    for table, reason, what in PLANTED_ERRORS:
        header, rows = data.get(table, ([], []))
        if not rows:
            continue
        first = dict(rows[0])
        if table == "clients" and reason == "duplicate_row":
            add(table, first, reason, what)
        elif table == "clients":
            add(table, {**first, "client_id": "C9999998", "client_name": ""}, reason, what)
        elif table == "facilities" and reason == "orphan":
            add(table, {**first, "facility_id": "F99999998", "client_id": "C9999999",
                        "project_id": ""}, reason, what)
        elif table == "facilities":
            add(table, {**first, "facility_id": "F99999999", "start_date": "2025-06-30",
                        "maturity_date": "2024-06-30", "project_id": ""}, reason, what)
        elif table == "repayments" and reason == "invalid_type":
            add(table, {**first, "due_date": "31/03/2025", "paid_date": "",
                        "amount_paid": ""}, reason, what)
        elif table == "repayments":
            amount = float(first["amount_due"] or 0) + 1000
            add(table, {**first, "amount_due": f"{amount:.2f}"}, reason, what)
        elif table == "surveys":
            add(table, {**first, "csat": "7", "survey_date": "2026-09-01"}, reason, what)
        elif table == "interactions":
            add(table, {**first, "interaction_id": "I999999999", "channel": "飞鸽传书"},
                reason, what)
    return planted
