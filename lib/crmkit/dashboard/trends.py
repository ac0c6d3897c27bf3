"""Trends across as-of dates for the dashboard: exposure, tier mix, IFRS 9 stages, alerts, NPS.

Read from the portfolio's history store (one client and one facility snapshot per as-of date,
:mod:`crmkit.warn.history`) and, for the alerts, from each date's run folder. Only the clients
given are counted, so the trends follow the dashboard's filters.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit.core.i18n import t
from crmkit.core.units import fixed_unit
from crmkit.params import Params
from crmkit.warn.history import load_snapshot, snapshot_dates

__all__ = ["TREND_COLUMNS", "trend_table", "trend_figure"]

#: Columns of :func:`trend_table`.
TREND_COLUMNS: tuple[str, ...] = (
    "clients", "exposure", "tier_A", "tier_B", "tier_C", "stage_1", "stage_2", "stage_3",
    "alerts", "nps")


def _alerts_at(params: Params, day, ids: set[str] | None) -> float:
    path = params.output_dir / params.portfolio / day.isoformat() / "warn" / "alerts.parquet"
    if not path.is_file():
        return np.nan
    a = pd.read_parquet(path, columns=["client_id"])
    return float(len(a) if ids is None else a["client_id"].astype(str).isin(ids).sum())


def trend_table(params: Params, client_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per as-of date in the history store (index ``as_of``), :data:`TREND_COLUMNS`.

    ``exposure`` is in yuan; ``tier_*`` are shares of the clients; ``stage_*`` shares of the
    facilities' exposure; ``alerts`` the alerts of the run (NaN when its folder is gone);
    ``nps`` the mean latest NPS. An empty frame when nothing was saved yet.
    """
    path = params.history_path
    ids = None if client_ids is None else {str(c) for c in client_ids}
    rows = []
    dates = snapshot_dates(path, params.portfolio) if path.is_file() else []
    facility_dates = set(snapshot_dates(path, params.portfolio, "facility")) if dates else set()
    for day in dates:
        snap = load_snapshot(path, params.portfolio, day)
        if ids is not None:
            snap = snap[snap["client_id"].astype(str).isin(ids)]
        tiers = snap["tier"].astype("string").value_counts(normalize=True) if len(snap) else {}
        row = {"as_of": pd.Timestamp(day), "clients": float(len(snap)),
               "exposure": float(pd.to_numeric(snap["exposure"], errors="coerce").sum()),
               "nps": float(pd.to_numeric(snap.get("nps_latest"), errors="coerce").mean())
               if "nps_latest" in snap and len(snap) else np.nan,
               "alerts": _alerts_at(params, day, ids)}
        for tier in ("A", "B", "C"):
            row[f"tier_{tier}"] = float(tiers.get(tier, 0.0)) if len(snap) else np.nan
        if day in facility_dates:
            fac = load_snapshot(path, params.portfolio, day, "facility")
            if ids is not None:
                fac = fac[fac["client_id"].astype(str).isin(ids)]
            x = pd.to_numeric(fac["exposure"], errors="coerce").fillna(0.0)
            stage = pd.to_numeric(fac["stage"], errors="coerce")
            total = float(x.sum())
            for s in (1, 2, 3):
                row[f"stage_{s}"] = float(x[stage == s].sum() / total) if total else np.nan
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=list(TREND_COLUMNS), index=pd.DatetimeIndex([], name="as_of"))
    return pd.DataFrame(rows).set_index("as_of").reindex(columns=list(TREND_COLUMNS))


def trend_figure(table: pd.DataFrame, lang: str) -> Figure:
    """Five small panels: exposure (亿元), tier mix, stage mix, alerts, NPS (the house chart
    style with the bundled CJK font)."""
    from crmkit.core.style import use_style

    use_style()
    fig, axes = plt.subplots(1, 5, figsize=(15, 3.0), constrained_layout=True)
    x = [d.strftime("%Y-%m-%d") for d in table.index]

    def line(ax, cols, labels, title, top=None, pct=False, scale=1.0):
        for col, lab in zip(cols, labels, strict=True):
            ax.plot(x, table[col] * scale, marker="o", label=lab)
        ax.set_title(t(title, lang), fontsize=10)
        if top is None:
            high = float(np.nanmax((table[cols] * scale).to_numpy(dtype=float), initial=0.0))
            top = high * 1.15 if high > 0 else 1.0
        ax.set_ylim(0, top)  # from zero: a flat line stays flat
        if pct:
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        if len(cols) > 1:
            ax.legend(fontsize=7, frameon=False, loc="best")
        ax.tick_params(axis="x", labelsize=8)
        ax.margins(x=0.15)

    line(axes[0], ["exposure"], [""], "dash.trend.exposure", scale=1 / fixed_unit(lang).divisor)
    line(axes[1], ["tier_A", "tier_B", "tier_C"],
         [t(f"tier.{c}.short", lang) for c in "ABC"], "dash.trend.tiers", top=1.05, pct=True)
    line(axes[2], ["stage_1", "stage_2", "stage_3"],
         [t(f"diag.stage.{s}", lang) for s in (1, 2, 3)], "dash.trend.stages", top=1.05,
         pct=True)
    line(axes[3], ["alerts"], [""], "dash.trend.alerts")
    axes[3].yaxis.get_major_locator().set_params(integer=True)
    line(axes[4], ["nps"], [""], "dash.trend.nps", top=10.5)
    return fig
