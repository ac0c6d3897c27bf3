"""What the dashboard reads: the run folders of a portfolio and one run's client table.

A portfolio's runs live in ``<output_dir>/<portfolio>/<as-of>/`` (one folder per as-of date,
written by ``crmkit run``); the dashboard offers every date whose diagnose stage has run.
:func:`load_view` gathers one run into a :class:`RunView`: one row per client with the columns
the filters, the matrix and the tree map need, and the run's alerts marked with the
acknowledgements made so far.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crmkit.core.errors import CrmkitError
from crmkit.core.store import load_table, table_path
from crmkit.params import Params
from crmkit.warn.acknowledgements import alert_key, load_acknowledgements, mark_acknowledged

__all__ = ["DashboardError", "RunView", "run_dates", "load_view", "CLIENT_COLUMNS",
           "with_acknowledgements"]

#: Columns of :attr:`RunView.clients` (index client_id).
CLIENT_COLUMNS: tuple[str, ...] = (
    "client_name", "relationship_manager", "industry", "region", "group_name", "tier", "risk",
    "capacity", "segment", "exposure", "pd", "score", "nps_latest", "ifrs9_stage",
    "open_alerts")


class DashboardError(CrmkitError):
    """The dashboard cannot show what was asked (no run yet, unknown filter, bad host)."""


@dataclass
class RunView:
    """One run as the dashboard shows it."""

    params: Params
    clients: pd.DataFrame
    alerts: pd.DataFrame
    diagnostic: pd.DataFrame
    #: What the client cards read once per run (tables by ``stage/name``, features, ...).
    tables: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.params.as_of


def run_dates(params: Params) -> list[dt.date]:
    """As-of dates of ``params.portfolio`` with a finished diagnose stage, oldest first."""
    folder = params.output_dir / params.portfolio
    out = []
    if folder.is_dir():
        for d in folder.iterdir():
            try:
                day = dt.date.fromisoformat(d.name)
            except ValueError:
                continue
            if (d / "diagnose" / "diagnostic.parquet").is_file():
                out.append(day)
    return sorted(out)


def _at(params: Params, as_of: dt.date | str | None) -> Params:
    if as_of is None:
        return params
    return params.model_copy(update={"as_of": pd.Timestamp(as_of).date()})


def with_acknowledgements(params: Params, alerts: pd.DataFrame) -> pd.DataFrame:
    """``alerts`` marked with the acknowledgements in the store now (see
    :func:`crmkit.warn.acknowledgements.mark_acknowledged`)."""
    acks = load_acknowledgements(params.history_path, params.portfolio)
    out = mark_acknowledged(alerts.drop(columns=[c for c in alerts.columns
                                                 if c.startswith("acknowledged")]),
                            acks, params.as_of)
    out["alert_key"] = alert_key(out).to_numpy() if len(out) else pd.array([], "string")
    return out


def load_view(params: Params, as_of: dt.date | str | None = None) -> RunView:
    """The run of ``as_of`` (default ``params.as_of``) as a :class:`RunView`."""
    p = _at(params, as_of)
    if not table_path(p, "diagnose", "diagnostic").is_file():
        dates = ", ".join(d.isoformat() for d in run_dates(params)) or "none"
        raise DashboardError(
            f"{p.run_dir}: no finished run of portfolio {p.portfolio!r} as of {p.as_of} "
            f"(runs found: {dates}). Run it first: crmkit run {p.source_file or 'PARAMS.yaml'}")
    diag = load_table(p, "diagnose", "diagnostic")
    diag["client_id"] = diag["client_id"].astype("string")
    diag = diag.set_index("client_id")
    tiers = load_table(p, "tier", "tiers")
    tiers = tiers.set_index(tiers["client_id"].astype("string"))
    clients = pd.DataFrame(index=diag.index)
    for col in CLIENT_COLUMNS:
        src = diag if col in diag.columns else tiers
        if col in src.columns:
            s = src[col].reindex(clients.index)
            clients[col] = (s.astype("string") if isinstance(s.dtype, pd.CategoricalDtype)
                            else s)
        else:
            clients[col] = pd.NA
    for col in ("risk", "capacity"):  # the tier stage's levels (diagnose keeps a copy)
        if col in tiers.columns:
            clients[col] = tiers[col].astype("string").reindex(clients.index)
    clients["exposure"] = pd.to_numeric(clients["exposure"], errors="coerce").fillna(0.0)
    alerts = (load_table(p, "warn", "alerts") if table_path(p, "warn", "alerts").is_file()
              else pd.DataFrame({"client_id": pd.Series(dtype="string")}))
    alerts = with_acknowledgements(p, alerts)
    return RunView(p, clients, alerts, diag)
