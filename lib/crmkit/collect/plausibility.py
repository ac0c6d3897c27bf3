"""Plausibility checks across columns that the data contract's ranges cannot express."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.collect.outcome import TableOutcome
from crmkit.core.contract import TABLES
from crmkit.params.checks import RepaymentChecks

__all__ = ["implausible_repayments", "self_links"]


def implausible_repayments(oc: TableOutcome, checks: RepaymentChecks
                           ) -> list[tuple[np.ndarray, str, pd.Series, str]]:
    """Kept repayment rows paid implausibly early or implausibly much.

    Returns ``(mask over rows read, column, shown values, message)`` per check, with the
    thresholds of ``checks`` in the messages; the caller quarantines them as ``inconsistent``.
    """
    c = oc.clean
    n = oc.rows_read
    out = []
    if {"paid_date", "due_date"} <= set(c.columns):
        early = (c["due_date"] - c["paid_date"]).dt.days
        bad = early > checks.paid_early_days_max
        mask = np.zeros(n, dtype=bool)
        mask[c.index[bad.fillna(False).to_numpy(dtype=bool)]] = True
        shown = pd.Series("", index=range(n), dtype="string")  # text for reported rows only
        shown[mask] = early[bad.fillna(False)].astype("Int64").astype("string").to_numpy()
        out.append((mask, "paid_date", shown,
                    f"{oc.source} row {{row}}: paid {{value}} days before the due date (more "
                    f"than checks.repayments.paid_early_days_max = "
                    f"{checks.paid_early_days_max}); check paid_date and due_date"))
    if {"amount_paid", "amount_due"} <= set(c.columns):
        ratio = c["amount_paid"] / c["amount_due"].where(c["amount_due"] > 0)
        bad = ratio > checks.paid_ratio_max
        mask = np.zeros(n, dtype=bool)
        mask[c.index[bad.fillna(False).to_numpy(dtype=bool)]] = True
        shown = pd.Series("", index=range(n), dtype="string")  # text for reported rows only
        shown[mask] = ratio[bad.fillna(False)].map(lambda v: f"{v:g}").to_numpy(dtype=object)
        out.append((mask, "amount_paid", shown,
                    f"{oc.source} row {{row}}: paid {{value}} times the amount due (more than "
                    f"checks.repayments.paid_ratio_max = {checks.paid_ratio_max:g}); check "
                    "amount_paid and amount_due (units?)"))
    return out


def self_links(oc: TableOutcome) -> list[tuple[np.ndarray, str, pd.Series, str]]:
    """Kept relationship rows linking a client to itself (parent_id equal to child_id)."""
    c = oc.clean
    if not {"parent_id", "child_id"} <= set(c.columns):
        return []
    bad = (c["parent_id"] == c["child_id"]).fillna(False).to_numpy(dtype=bool)
    mask = np.zeros(oc.rows_read, dtype=bool)
    mask[c.index[bad]] = True
    shown = pd.Series("", index=range(oc.rows_read), dtype="string")
    shown[c.index] = c["child_id"].astype("string")
    header = TABLES["relationships"].column("child_id").header
    return [(mask, "child_id", shown,
             f"{oc.source} row {{row}}, column '{header}': {{value}} is also the parent_id; a "
             "client cannot be related to itself: correct one of the ids")]
