"""The needs stage's runner: the need forecast, its backtest and the high-potential list.

It reads the collected tables, the score stage's ``features`` and ``credit`` and the tier
stage's ``tiers`` (for the risk status), and writes under ``<run_dir>/needs/``:

=====================  =====================================================================
``needs_forecast``     one row per expected need (:func:`crmkit.needs.forecast_needs`)
``high_potential``     one row per client, best first (:func:`crmkit.needs.high_potential`)
``backtest``           the forecast made one year before as_of against what arrived, beside
                       the last-year-same-window baseline (figures as rows)
=====================  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmkit.collect.tables import load_clean
from crmkit.core.store import load_indexed, save_table
from crmkit.needs.evaluate import Backtest, backtest
from crmkit.needs.forecast import forecast_needs
from crmkit.needs.history import USED_COLUMNS
from crmkit.needs.potential import high_potential
from crmkit.params import Params
from crmkit.score import load_features

__all__ = ["NeedsStage", "run", "STAGE", "NEEDS_COLUMNS", "needs_tables"]

#: The folder of the stage's outputs inside the run folder.
STAGE = "needs"
#: The clean tables and columns the stage reads: the forecast's (``USED_COLUMNS``), the dates
#: that cut each table to what was known a year back, products held and unmet requests.
#: Interactions, surveys and milestones are not read (19.8M notes at 1M clients).
NEEDS_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys((*USED_COLUMNS[name], *extra))) for name, extra in {
        "clients": ("onboarding_date",),
        "facilities": ("product", "project_id"),  # project_id: projects already financed
        "projects": ("actual_start", "actual_end"),
        "needs": ("fulfilled",),
        "financials": (),
        "repayments": (),
    }.items()}


def needs_tables(params: Params) -> dict[str, pd.DataFrame]:
    """The clean tables the needs forecast and its explorers read: :data:`NEEDS_COLUMNS`, with
    every client column (names, groups and managers for the notebooks' tables); never the
    interactions, surveys or milestones."""
    columns = {name: cols for name, cols in NEEDS_COLUMNS.items() if name != "clients"}
    return load_clean(params, columns, only=NEEDS_COLUMNS)


@dataclass
class NeedsStage:
    """Outputs of the needs stage."""

    forecast: pd.DataFrame
    potential: pd.DataFrame
    backtest: Backtest | None


def run(params: Params) -> NeedsStage:
    """Forecast needs, backtest the forecast a year back, score high-potential clients."""
    tables = load_clean(params, NEEDS_COLUMNS, only=NEEDS_COLUMNS)
    features = load_features(params)
    credit = load_indexed(params, "score", "credit")
    tiers = load_indexed(params, "tier", "tiers")
    forecast = forecast_needs(tables, params.as_of, params)
    potential = high_potential(features, forecast, params, tables=tables, credit=credit,
                               status=tiers.get("risk_status"))
    earlier = pd.Timestamp(params.as_of) - pd.DateOffset(years=1)
    bt = backtest(tables, earlier, params=params) if len(tables["needs"]) else None
    save_table(params, STAGE, "needs_forecast", forecast)
    save_table(params, STAGE, "high_potential", potential)
    if bt is not None:
        save_table(params, STAGE, "backtest", bt.table().reset_index(names="figure"))
    return NeedsStage(forecast, potential, bt)
