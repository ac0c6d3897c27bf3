"""The credit model's target: :func:`default_flag`, whether each client defaulted in a window
(re-exported by :mod:`crmkit.score.features`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import CrmkitError
from crmkit.score.aggregate import client_codes, client_index, facility_clients, table_or_none
from crmkit.score.inputs import FEATURE_INPUTS

__all__ = ["default_flag"]


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    return table_or_none(tables, name, FEATURE_INPUTS[name])


def default_flag(tables: dict[str, pd.DataFrame], start: dt.date | pd.Timestamp,
                 end: dt.date | pd.Timestamp, *,
                 snapshot_date: dt.date | pd.Timestamp | None = None,
                 dpd_threshold: int = 90) -> pd.Series:
    """Whether each client defaulted in the window ``(start, end]`` (the credit-model target).

    A client defaults when an instalment reaches ``dpd_threshold`` days past due inside the
    window (``due_date + dpd_threshold`` days falls in it and the instalment was not paid
    earlier than that), or when it has a facility with status "default". Facility status is
    a snapshot: it counts only if ``snapshot_date`` lies in the window (when ``snapshot_date``
    is None the window is taken to end at the snapshot, i.e. status always counts).

    Returns
    -------
    pandas.Series
        bool, index ``client_id``, name ``default_flag``.
    """
    start, end = as_timestamp(start, "start"), as_timestamp(end, "end")
    if end <= start:
        raise CrmkitError(f"default_flag: the window end ({end.date()}) must be after its start "
                          f"({start.date()})")
    idx = client_index(tables)
    flag = np.zeros(len(idx), dtype=bool)
    rep, fac = _table(tables, "repayments"), _table(tables, "facilities")
    if rep is not None and fac is not None:
        codes = facility_clients(idx, fac, rep["facility_id"])
        limit = np.timedelta64(dpd_threshold, "D")
        due = rep["due_date"].to_numpy(dtype="datetime64[ns]")
        paid = rep["paid_date"].to_numpy(dtype="datetime64[ns]")
        hit = due + limit  # NaT stays NaT and compares False, as in pandas
        late = np.isnat(paid) | (paid - due >= limit)
        reached = ((hit > start.to_datetime64()) & (hit <= end.to_datetime64()) & late)
        sel = codes[reached & (codes >= 0)]
        flag[sel] = True
    snap = None if snapshot_date is None else as_timestamp(snapshot_date, "snapshot_date")
    if fac is not None and (snap is None or start < snap <= end):
        bad = (fac["status"].eq("default")
               & ~(fac["start_date"] > end)).to_numpy(dtype=bool, na_value=False)
        codes = client_codes(idx, fac.loc[bad, "client_id"])
        flag[codes[codes >= 0]] = True
    return pd.Series(flag, index=idx, name="default_flag")
