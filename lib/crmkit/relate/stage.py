"""The relate stage's runner: groups, concentration, large-exposure limits, need modules.

It reads the collect, score and tier tables and writes under ``<run_dir>/relate/``:

===================  ==========================================================================
``clients``          per client: group, direct exposure, guarantees given, exposure, grade,
                     backstop stage, limit uses (the warn stage's limit rules read these)
``groups``           per group (stand-alone clients too): members, exposures, worst grade/stage
``shares``           per dimension (client, group, industry, region) and unit: exposure, share
``concentration``    per dimension: units, HHI, effective number, largest and top-five share
``limits``           every client and group against its limit: utilisation, headroom, breach
``need_modules``     the relationship tree map's table: group, client, need, amount, urgency
``tier_treemap``     the tier tree map's table: tier, industry, client, exposure, PD
===================  ==========================================================================

The need modules come from ``crmkit.needs.forecast_needs`` when that package provides it, else
from the open (unfulfilled) rows of the ``needs`` table, dated at their request (overdue).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass

import pandas as pd

from crmkit.collect.tables import load_clean
from crmkit.core.contract import code_label
from crmkit.core.store import load_indexed, save_table
from crmkit.needs.history import USED_COLUMNS
from crmkit.params import Params
from crmkit.relate.concentration import (
    DIMENSIONS,
    LIMIT_METRICS,
    concentration_summary,
    limit_metrics,
    limit_table,
    shares,
)
from crmkit.relate.groups import (
    backstop_stage,
    check_relationships,
    client_exposure,
    client_groups,
    group_exposure,
    group_table,
    guarantee_amounts,
)
from crmkit.relate.treemap import need_modules
from crmkit.score import load_features

__all__ = ["RelateStage", "run", "relate_tables", "expected_needs", "open_requests",
           "limit_uses", "RELATE_COLUMNS"]


#: The clean tables the relate stage reads (groups, exposures, guarantees and the need
#: forecast), and the columns of the two large ones: the forecast reads statements' revenue and
#: instalments' dates only (``crmkit.needs.history.USED_COLUMNS``). Interactions, surveys and
#: milestones are not read at all (the notes alone are gigabytes at 1M clients).
RELATE_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "clients": None, "relationships": None, "facilities": None, "projects": None,
    "needs": None, "financials": USED_COLUMNS["financials"],
    "repayments": USED_COLUMNS["repayments"]}


@dataclass
class RelateStage:
    """Outputs of the relate stage (the tables written, and where the needs came from)."""

    clients: pd.DataFrame
    groups: pd.DataFrame
    shares: pd.DataFrame
    concentration: pd.DataFrame
    limits: pd.DataFrame
    need_modules: pd.DataFrame
    tier_treemap: pd.DataFrame
    needs_source: str


def open_requests(needs: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Unfulfilled client requests as needs: amount requested, ``days_until`` = request date
    - as_of (negative: waiting since, i.e. overdue)."""
    o = needs[~needs["fulfilled"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    days = (o["request_date"] - pd.Timestamp(as_of)).dt.days
    return pd.DataFrame({"client_id": o["client_id"], "need_type": o["need_type"],
                         "amount": o["requested_amount"].astype(float), "days_until": days,
                         "cause": "open_request"})


def expected_needs(tables: dict[str, pd.DataFrame], params: Params) -> tuple[pd.DataFrame, str]:
    """The needs forecast (``crmkit.needs.forecast_needs``) and ``"forecast"``, or, while that
    is not available, :func:`open_requests` and ``"open"``."""
    try:
        forecast = importlib.import_module("crmkit.needs").forecast_needs
    except (ImportError, AttributeError):
        return open_requests(tables["needs"], params.as_of), "open"
    return forecast(tables, params.as_of, params), "forecast"


def _exposures(tables: dict[str, pd.DataFrame], features: pd.DataFrame, params: Params
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Groups, guarantee amounts and client exposures (direct, guarantees given, total)."""
    clients = tables["clients"]
    rel = tables.get("relationships")
    rel = (check_relationships(rel, clients["client_id"]) if rel is not None and len(rel)
           else None)
    groups = client_groups(clients, rel, params.limits.control_share, params.language)
    guar = guarantee_amounts(rel, tables.get("facilities"))
    return groups, guar, client_exposure(features["exposure"].reindex(groups.index), guar)


def relate_tables(tables: dict[str, pd.DataFrame], features: pd.DataFrame, params: Params,
                  grade: pd.Series | None = None) -> dict[str, pd.DataFrame]:
    """Groups, exposures, limit uses, shares, concentration and limits of a portfolio."""
    lang = params.language
    clients = tables["clients"]
    groups, guar, exp = _exposures(tables, features, params)
    stage = backstop_stage(features.reindex(groups.index), tables.get("facilities"),
                           params.warning.staging)
    gtab = group_table(clients, groups, exp, guar, grade, stage, params.credit)
    use = limit_metrics(exp["exposure"], groups, gtab.set_index("group_id")["exposure"],
                        params.limits)
    info = clients.set_index(clients["client_id"].astype("string"))
    per_client = groups.join(exp).join(use)
    per_client.insert(0, "client_name", info["client_name"].reindex(groups.index))
    per_client["grade"] = (grade.reindex(groups.index).astype("string") if grade is not None
                           else pd.NA)
    per_client["stage"] = stage
    by = {"client": None, "group": groups["group_id"], "industry": info["industry"],
          "region": info["region"]}
    parts = {}
    names = {"client": per_client["client_name"],
             "group": gtab.set_index("group_id")["group_name"]}
    for dim in DIMENSIONS:
        tab = shares(exp["direct_exposure"], by[dim])
        if dim in names:
            tab["name"] = tab.index.map(names[dim]).astype("string")
        else:
            tab["name"] = [code_label(dim, str(u), lang) for u in tab.index]
        parts[dim] = tab
    long = pd.concat({d: tab for d, tab in parts.items()}, names=["dimension", "unit"])
    cl = per_client[["client_name", "exposure"]]
    return {"clients": per_client.reset_index(), "groups": gtab,
            "shares": long.reset_index(), "concentration": concentration_summary(parts),
            "limits": limit_table(cl, gtab, params.limits)}


def _tier_treemap(params: Params, features: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    tiers = load_indexed(params, "tier", "tiers")
    credit = load_indexed(params, "score", "credit")
    info = clients.set_index(clients["client_id"].astype("string"))
    out = pd.DataFrame({"tier": tiers["tier"].astype("string"),
                        "industry": info["industry"].reindex(tiers.index),
                        "client_name": info["client_name"].reindex(tiers.index),
                        "exposure": features["exposure"].reindex(tiers.index).astype(float),
                        "pd": credit["pd"].reindex(tiers.index).astype(float)})
    out["industry_name"] = [code_label("industry", str(x), params.language)
                            for x in out["industry"]]
    return out.rename_axis("client_id").reset_index()


def run(params: Params) -> RelateStage:
    """Groups, concentration, limits and need modules of this run, saved under ``relate/``."""
    tables = load_clean(params, {k: v for k, v in RELATE_COLUMNS.items() if v is not None},
                        only=RELATE_COLUMNS)
    features = load_features(params)
    grade = load_indexed(params, "score", "credit")["grade"]
    out = relate_tables(tables, features, params, grade)
    needs, source = expected_needs(tables, params)
    groups = out["clients"].set_index("client_id")[["group_id", "group_name", "in_group"]]
    out["need_modules"] = need_modules(needs, tables["clients"], groups, params.relate,
                                       params.language)
    out["tier_treemap"] = _tier_treemap(params, features, tables["clients"])
    for name, df in out.items():
        save_table(params, "relate", name, df)
    return RelateStage(**out, needs_source=source)


def limit_uses(tables: dict[str, pd.DataFrame], params: Params,
               features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per client: ``client_limit_use`` and ``group_limit_use`` (see
    :func:`crmkit.relate.concentration.limit_metrics`), computed afresh from the clean tables
    and the score features (``features``: when already loaded), for the warn stage's
    large-exposure rules: :func:`relate_tables`' figures without its other tables."""
    features = load_features(params) if features is None else features
    groups, guar, exp = _exposures(tables, features, params)
    use = limit_metrics(exp["exposure"], groups, group_exposure(groups, exp, guar),
                        params.limits)
    return use[list(LIMIT_METRICS)]
