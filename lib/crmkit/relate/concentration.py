"""Concentration of the book and the large-exposure limits.

**Shares and HHI.** For a dimension (client, group, industry, region) the exposure of each unit
``x_i`` gives its share ``s_i = x_i / sum(x)`` and the Herfindahl-Hirschman index
``HHI = sum(s_i ** 2)``: 1 when one unit holds everything, ``1 / n`` for ``n`` equal units;
``1 / HHI`` is the *effective number* of units. Shares use *direct* exposure (live outstanding),
so every dimension adds up to the same book; guarantees would count a loan twice.

**Limits.** A client's exposure (direct + guarantees it gave) against ``limits.single_client``
x ``limits.tier1_capital``; a group's exposure (direct + guarantees to outsiders, see
:mod:`crmkit.relate.groups`) against ``limits.group`` x tier-1 capital. ``utilisation`` =
exposure / limit; a *breach* is ``utilisation > 1`` (at the limit is allowed: "不得超过");
``headroom`` = limit - exposure (negative when breached). Without ``tier1_capital`` nothing is
assessed and the limit columns are empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.params.limits import LimitsParams

__all__ = ["shares", "hhi", "concentration_summary", "limit_table", "limit_metrics",
           "DIMENSIONS", "LIMIT_METRICS"]

#: Dimensions of the concentration analysis, in report order.
DIMENSIONS: tuple[str, ...] = ("client", "group", "industry", "region")
#: Client metrics for the warning rules (see :func:`limit_metrics`).
LIMIT_METRICS: tuple[str, ...] = ("client_limit_use", "group_limit_use")


def shares(exposure: pd.Series, by: pd.Series | None = None) -> pd.DataFrame:
    """Exposure and share of each unit (``by``: the unit of each row; none: the rows
    themselves), largest first. Missing or negative exposure counts as zero."""
    x = exposure.astype(float).clip(lower=0).fillna(0.0)
    if by is not None:
        x = x.groupby(by.reindex(x.index).astype("string").fillna("?")).sum()
    total = x.sum()
    out = pd.DataFrame({"exposure": x, "share": x / total if total > 0 else np.nan})
    out.index.name = "unit"
    return out.sort_values("exposure", ascending=False)


def hhi(share: pd.Series) -> float:
    """Herfindahl-Hirschman index of shares that add up to 1 (NaN when empty)."""
    s = share.dropna()
    return float((s**2).sum()) if len(s) else float("nan")


def concentration_summary(tables: dict[str, pd.DataFrame], top: int = 5) -> pd.DataFrame:
    """One row per dimension: units, HHI, effective number, largest share, top-``top`` share.

    ``tables`` maps each dimension of :data:`DIMENSIONS` to its :func:`shares` table.
    """
    rows = []
    for dim, tab in tables.items():
        h = hhi(tab["share"])
        rows.append({"dimension": dim, "units": int((tab["exposure"] > 0).sum()), "hhi": h,
                     "effective_number": 1 / h if h > 0 else np.nan,
                     "largest_share": float(tab["share"].max()) if len(tab) else np.nan,
                     "top_share": float(tab["share"].head(top).sum()) if len(tab) else np.nan})
    return pd.DataFrame(rows)


def limit_table(clients: pd.DataFrame, groups: pd.DataFrame, limits: LimitsParams
                ) -> pd.DataFrame:
    """Every client against the single-client limit and every group of two or more against the
    group limit, highest utilisation first.

    ``clients``: index client_id, columns client_name, exposure. ``groups``: the group table
    (group_id, group_name, in_group, exposure). Columns: level (client | group), id, name,
    exposure, limit, utilisation, headroom, breach.
    """
    parts = []
    for level, frame, key, name in (
            ("client", clients, None, "client_name"),
            ("group", groups[groups["in_group"].astype(bool)], "group_id", "group_name")):
        limit = limits.amount("single_client" if level == "client" else "group")
        ids = frame.index if key is None else frame[key]
        exp = frame["exposure"].astype(float).to_numpy()
        parts.append(pd.DataFrame({
            "level": level, "id": pd.array(np.asarray(ids, dtype=object), dtype="string"),
            "name": pd.array(np.asarray(frame[name], dtype=object), dtype="string"),
            "exposure": exp, "limit": limit, "utilisation": exp / limit,
            "headroom": limit - exp}))
    out = pd.concat(parts, ignore_index=True)
    out["breach"] = (out["utilisation"] > 1).to_numpy(dtype=bool)
    return out.sort_values(["utilisation", "exposure"], ascending=False,
                           na_position="last").reset_index(drop=True)


def limit_metrics(client_exposure: pd.Series, groups: pd.DataFrame, group_exposure: pd.Series,
                  limits: LimitsParams) -> pd.DataFrame:
    """Per client (index of ``client_exposure``): ``client_limit_use`` (its exposure / the
    single-client limit) and ``group_limit_use`` (its group's exposure / the group limit; NaN
    for a stand-alone client). All NaN without ``limits.tier1_capital``.

    ``groups``: :func:`~crmkit.relate.groups.client_groups`; ``group_exposure``: indexed by
    group_id.
    """
    idx = client_exposure.index
    g = groups.reindex(idx)
    own = client_exposure.astype(float) / limits.amount("single_client")
    grp = g["group_id"].map(group_exposure).astype(float) / limits.amount("group")
    grp = grp.where(g["in_group"].fillna(False).astype(bool))
    return pd.DataFrame({"client_limit_use": own.to_numpy(), "group_limit_use": grp.to_numpy()},
                        index=idx)
