"""Alerts people will read: one per client and cause, ranked, and a bounded list per RM.

A portfolio's rules can fire many times for one problem: every facility of a client that
matures within 90 days, a DSCR rule and its lock-up band, a low NPS and a CSAT drop.
:func:`dedupe_alerts` keeps one alert per client and *cause* (the rule's ``group``, else the
rule itself): the most severe, then the worst value; ``occurrences`` counts what it stands
for. :func:`rank_alerts` orders them by severity, then exposure at stake (a critical alert
on a small client still comes before a medium one on a large client), and
:func:`worklist` keeps the top ``n`` per relationship manager, counting the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.params.warning import WarningParams

__all__ = ["dedupe_alerts", "rank_alerts", "worklist"]


def dedupe_alerts(alerts: pd.DataFrame, params: WarningParams | None = None) -> pd.DataFrame:
    """One alert per client and cause (input order decides ties: the first row is kept).

    ``alerts`` comes sorted most severe first (:func:`crmkit.warn.alerts`), so the kept row
    is the most severe one, and within a severity the worst value. Adds ``cause`` (the rule
    group, else the rule id) and ``occurrences`` (alerts merged into this one, itself
    included).
    """
    if alerts.empty:
        return alerts.assign(cause=pd.Series(dtype="string"),
                             occurrences=pd.Series(dtype="int64"))
    p = params or WarningParams()
    group = {r.id: (r.group or r.id) for r in p.rules}
    rule = alerts["rule_id"].astype("string")
    cause = rule.map(group).fillna(rule).astype("string")
    key = alerts["client_id"].astype("string").fillna("") + "\x1f" + cause.fillna("")
    codes, _ = pd.factorize(key)
    counts = np.bincount(codes)
    first = ~pd.Series(codes).duplicated().to_numpy()
    out = alerts.loc[first].copy()
    out["cause"] = cause[first].to_numpy()
    out["occurrences"] = counts[codes[first]].astype("int64")
    return out.reset_index(drop=True)


def rank_alerts(alerts: pd.DataFrame, exposure: pd.Series | None = None) -> pd.DataFrame:
    """Alerts ordered by severity (critical first), then the client's exposure (largest
    first); adds ``exposure`` (yuan, NaN when unknown) and ``rank`` (1 = most urgent)."""
    out = alerts.copy()
    if exposure is not None:
        e = pd.to_numeric(exposure, errors="coerce").astype(float)
        e.index = e.index.astype("string")
        out["exposure"] = out["client_id"].astype("string").map(e).astype(float).to_numpy()
    elif "exposure" not in out.columns:
        out["exposure"] = np.nan
    sev = out["severity"]
    code = (np.asarray(sev.cat.codes, dtype=float) if isinstance(sev.dtype, pd.CategoricalDtype)
            else np.zeros(len(out)))  # SEVERITY_DTYPE is ordered low .. critical
    order = np.lexsort((-np.nan_to_num(out["exposure"].to_numpy(dtype=float), nan=-1.0), -code))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def worklist(alerts: pd.DataFrame, top_n: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top_n`` most urgent alerts of each relationship manager (``owner``).

    ``alerts`` must be ranked (:func:`rank_alerts`). Returns the shown alerts (in rank order)
    and, per owner, ``shown`` and ``total``, so a report can say "15 of 120 shown".
    """
    owner = alerts["owner"].astype("string").fillna("—")
    pos = owner.groupby(owner).cumcount()
    shown = alerts[(pos < top_n).to_numpy()]
    counts = pd.DataFrame({"shown": (pos < top_n).groupby(owner).sum().astype("int64"),
                           "total": owner.value_counts().astype("int64")})
    counts.index.name = "owner"
    return shown, counts.sort_values(["total"], ascending=False)
