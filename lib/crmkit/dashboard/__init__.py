"""The managers' dashboard (``crmkit dashboard``): a Voilà app over the run folders and the
history store, with filters, the risk x capacity matrix, a tree map, client cards, trends and
an alert worklist where alerts are acknowledged (docs/dashboard.md).

The computations are plain functions (:mod:`~crmkit.dashboard.views`,
:mod:`~crmkit.dashboard.trends`); :mod:`~crmkit.dashboard.app` wires ipywidgets to them and
:mod:`~crmkit.dashboard.server` starts Voilà.
"""

from __future__ import annotations

from crmkit.dashboard.data import DashboardError, RunView, load_view, run_dates
from crmkit.dashboard.trends import trend_figure, trend_table
from crmkit.dashboard.views import (
    cell_clients,
    client_list,
    filter_clients,
    filter_options,
    matrix_counts,
    open_worklist,
    tile_clients,
    treemap_tiles,
)

__all__ = ["DashboardError", "RunView", "load_view", "run_dates", "trend_table", "trend_figure",
           "filter_options", "filter_clients", "matrix_counts", "cell_clients", "treemap_tiles",
           "tile_clients", "client_list", "open_worklist"]
