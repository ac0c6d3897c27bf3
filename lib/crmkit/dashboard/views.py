"""Pure functions behind the dashboard: filters, the 3x3 matrix, tree-map tiles, client lists
and the alert worklist. Each takes and returns DataFrames, so it is tested without a browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmkit.core.i18n import t
from crmkit.dashboard.data import DashboardError
from crmkit.dashboard.labels import FILTER_KEYS, value_label
from crmkit.diagnose.labels import fmt_money
from crmkit.params.tiering import CAPACITY_LEVELS, RISK_LEVELS
from crmkit.tier.tiers import matrix_table

__all__ = ["NONE", "filter_options", "filter_clients", "matrix_counts", "cell_clients",
           "treemap_tiles", "tile_clients", "client_list", "open_worklist", "money"]

#: Filter value standing for a missing value (a client without a group).
NONE = "\x00none"


def money(x: float, lang: str) -> str:
    """A yuan amount for a reader (亿元 / 万元; CNY m / bn)."""
    return fmt_money(float(x), lang)


def _key(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna(NONE)


def filter_options(clients: pd.DataFrame, lang: str) -> dict[str, list[tuple[str, str]]]:
    """``{column: [(label, value), ...]}`` for each filter, values sorted by label."""
    out = {}
    for col in FILTER_KEYS:
        if col not in clients.columns:
            out[col] = []
            continue
        values = _key(clients[col]).unique().tolist()
        pairs = [(value_label(col, None if v == NONE else v, lang), str(v)) for v in values]
        out[col] = sorted(pairs, key=lambda p: (p[1] == NONE, p[0]))
    return out


def filter_clients(clients: pd.DataFrame, selection: Mapping[str, Sequence[str]] | None
                   ) -> pd.DataFrame:
    """The clients matching every non-empty filter of ``selection`` (values OR-ed within a
    filter, filters AND-ed); ``NONE`` selects missing values. An empty selection keeps all."""
    mask = pd.Series(True, index=clients.index)
    for col, values in (selection or {}).items():
        if col not in FILTER_KEYS:
            raise DashboardError(f"unknown filter {col!r}; use one of {list(FILTER_KEYS)}")
        if not values:
            continue
        if col not in clients.columns:
            raise DashboardError(f"the clients table has no {col!r} column to filter on")
        mask &= _key(clients[col]).isin([str(v) for v in values]).to_numpy()
    return clients[mask.to_numpy()]


def matrix_counts(clients: pd.DataFrame) -> pd.DataFrame:
    """Clients and exposure per (risk, capacity) cell of the 3x3 matrix.

    Returns
    -------
    pandas.DataFrame
        One row per cell, risk low..high by capacity strong..weak (9 rows): ``risk``,
        ``capacity``, ``segment`` (``<risk>_<capacity>``), ``count``, ``exposure``.
    """
    m = matrix_table(clients, value="exposure")
    rows = [{"risk": r, "capacity": c, "segment": f"{r}_{c}",
             "count": int(m.loc[r, ("count", c)]), "exposure": float(m.loc[r, ("exposure", c)])}
            for r in RISK_LEVELS for c in CAPACITY_LEVELS]
    return pd.DataFrame(rows)


def cell_clients(clients: pd.DataFrame, risk: str, capacity: str) -> pd.DataFrame:
    """The clients of one matrix cell, largest exposure first."""
    if risk not in RISK_LEVELS or capacity not in CAPACITY_LEVELS:
        raise DashboardError(f"no matrix cell ({risk!r}, {capacity!r}); risk is one of "
                             f"{list(RISK_LEVELS)}, capacity one of {list(CAPACITY_LEVELS)}")
    hit = (clients["risk"].astype("string") == risk) & (
        clients["capacity"].astype("string") == capacity)
    return clients[hit.fillna(False).to_numpy()].sort_values("exposure", ascending=False)


def treemap_tiles(clients: pd.DataFrame, by: str = "industry") -> pd.DataFrame:
    """Tiles of the tree map: one per (tier, ``by``) with clients, exposure, its share of the
    tier's exposure and the exposure-weighted mean PD; tiers A, B, C, tiles largest first."""
    cols = ["tier", "key", "count", "exposure", "share", "pd"]
    if clients.empty:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame({"tier": _key(clients["tier"]), "key": _key(clients[by]),
                      "exposure": clients["exposure"].astype(float).clip(lower=0),
                      "pd": pd.to_numeric(clients["pd"], errors="coerce")})
    f["w"] = f["pd"] * f["exposure"]
    f["wx"] = f["exposure"].where(f["pd"].notna(), 0.0)
    g = f.groupby(["tier", "key"], sort=False)
    out = g.agg(count=("exposure", "size"), exposure=("exposure", "sum"), w=("w", "sum"),
                wx=("wx", "sum")).reset_index()
    out["pd"] = np.where(out["wx"] > 0, out["w"] / out["wx"].where(out["wx"] > 0, 1), np.nan)
    tier_total = out.groupby("tier")["exposure"].transform("sum")
    out["share"] = np.where(tier_total > 0, out["exposure"] / tier_total.where(tier_total > 0, 1),
                            1.0 / out.groupby("tier")["count"].transform("size"))
    return out.sort_values(["tier", "exposure"], ascending=[True, False])[cols].reset_index(
        drop=True)


def tile_clients(clients: pd.DataFrame, tier: str, key: str, by: str = "industry"
                 ) -> pd.DataFrame:
    """The clients of one tree-map tile, largest exposure first."""
    hit = (_key(clients["tier"]) == tier) & (_key(clients[by]) == key)
    return clients[hit.to_numpy()].sort_values("exposure", ascending=False)


def client_list(clients: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A client list for a reader: name, RM, industry, tier, exposure, PD, open alerts."""
    def col(name: str) -> str:
        return t(f"dash.col.{name}", lang)

    pd_ = pd.to_numeric(clients["pd"], errors="coerce")
    alerts = pd.to_numeric(clients["open_alerts"], errors="coerce").fillna(0).astype(int)
    return pd.DataFrame({
        col("client"): clients["client_name"].fillna(pd.Series(clients.index,
                                                               index=clients.index)),
        col("rm"): clients["relationship_manager"].fillna("—"),
        col("industry"): [value_label("industry", v, lang) for v in clients["industry"]],
        col("tier"): [value_label("tier", v, lang) for v in clients["tier"]],
        col("exposure"): [money(v, lang) for v in clients["exposure"]],
        col("pd"): ["—" if pd.isna(v) else f"{v:.2%}" for v in pd_],
        col("alerts"): alerts,
    }, index=clients.index).reset_index(drop=True)


def open_worklist(alerts: pd.DataFrame, client_ids: Sequence[str] | pd.Index,
                  show_acknowledged: bool = False) -> pd.DataFrame:
    """The alerts of the given clients, most urgent first (the warn stage's rank); without
    ``show_acknowledged`` only those not yet acknowledged."""
    if alerts.empty:
        return alerts
    keep = alerts["client_id"].astype("string").isin(pd.Index(client_ids).astype("string"))
    if not show_acknowledged and "acknowledged" in alerts.columns:
        keep &= ~alerts["acknowledged"].fillna(False).astype(bool)
    out = alerts[keep.to_numpy()]
    return out.sort_values("rank") if "rank" in out.columns else out
