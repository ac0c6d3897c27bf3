"""The star schema of one run (one portfolio, one as-of date), built from its stage tables."""

from __future__ import annotations

import pandas as pd

from crmkit.core.contract import code_label
from crmkit.core.errors import CrmkitError
from crmkit.core.store import load_table, table_path
from crmkit.params import Params
from crmkit.score.features import LIVE_STATUSES

from .schema import CONFORMED_KEYS, SCHEMA

__all__ = ["BiExportError", "star_schema", "date_key", "NO_CLIENT", "NO_GROUP", "UNASSIGNED",
           "UNKNOWN"]

NO_GROUP, UNASSIGNED, UNKNOWN = "_none", "_unassigned", "_unknown"
#: The client key of a fact row about a group as a whole (a group's large-exposure limit).
NO_CLIENT = "_none"

#: Stage tables the extract needs: (stage, name); a missing one names the stage to run.
NEEDED = (("collect", "clients"), ("collect", "facilities"), ("score", "scores"),
          ("score", "credit"), ("tier", "tiers"), ("warn", "alerts"), ("warn", "stages"),
          ("warn", "ecl"))


class BiExportError(CrmkitError):
    """A run cannot be exported (stages missing) or the extract folder holds other data."""


def date_key(day: object) -> int:
    """An as-of date as the number YYYYMMDD."""
    d = pd.Timestamp(day)
    return d.year * 10000 + d.month * 100 + d.day


def _check_run(params: Params) -> None:
    missing = [f"{s}/{n}" for s, n in NEEDED if not table_path(params, s, n).is_file()]
    if missing:
        raise BiExportError(
            f"{params.run_dir}: no {', '.join(missing)} for portfolio {params.portfolio!r} as of "
            f"{params.as_of}; run the stages first (crmkit run "
            f"{params.source_file or 'PARAMS.yaml'}), then export.")


def _optional(params: Params, stage: str, name: str) -> pd.DataFrame | None:
    return load_table(params, stage, name) if table_path(params, stage, name).is_file() else None


def _client_keys(clients: pd.DataFrame) -> pd.DataFrame:
    """client_id → rm_key, group_key, industry_key, region_key (as at this date)."""
    c = clients.drop_duplicates("client_id").set_index("client_id")
    return pd.DataFrame({
        "rm_key": c["relationship_manager"].astype("string").fillna(UNASSIGNED),
        "group_key": c["group_name"].astype("string").fillna(NO_GROUP),
        "industry_key": c["industry"].astype("string").fillna(UNKNOWN),
        "region_key": c["region"].astype("string").fillna(UNKNOWN),
    }, index=c.index)


def _with_keys(df: pd.DataFrame, keys: pd.DataFrame, dkey: int, name: str,
               rm: pd.Series | None = None) -> pd.DataFrame:
    """``df`` with the conformed keys in front and the schema's columns in order."""
    out = df.reset_index(drop=True).copy()
    cid = out["client_id"].astype("string")
    k = keys.reindex(cid.to_numpy())
    out["date_key"] = dkey
    out["client_id"] = cid.to_numpy()
    fill = {"rm_key": UNASSIGNED, "group_key": NO_GROUP, "industry_key": UNKNOWN,
            "region_key": UNKNOWN}
    for col, default in fill.items():
        out[col] = k[col].fillna(default).to_numpy()
    if rm is not None:
        out["rm_key"] = rm.astype("string").fillna(UNASSIGNED).to_numpy()
    cols = list(SCHEMA[name].columns)
    for col in cols:
        if col not in out:
            out[col] = pd.NA
    return out[cols]


def _exposure(fac: pd.DataFrame, clients: pd.Index, as_of: pd.Timestamp) -> pd.Series:
    """Per facility: the balance (else amount) when live and started, as the report sums it."""
    live = (fac["status"].isin(LIVE_STATUSES).to_numpy(dtype=bool, na_value=False)
            & ~(fac["start_date"] > as_of).to_numpy(dtype=bool, na_value=False)
            & fac["client_id"].isin(clients).to_numpy(dtype=bool, na_value=False))
    balance = fac["outstanding"].astype(float).fillna(fac["amount"].astype(float))
    return balance.where(live, 0.0)


def star_schema(params: Params) -> dict[str, pd.DataFrame]:
    """Every table of the extract for the run of ``params`` (its portfolio and as-of date).

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of :data:`crmkit.bi.schema.SCHEMA`, with exactly its columns.

    Raises
    ------
    BiExportError
        If a stage the extract needs has not written its tables for this as-of date.
    """
    _check_run(params)
    dkey, as_of = date_key(params.as_of), pd.Timestamp(params.as_of)
    clients = load_table(params, "collect", "clients")
    keys = _client_keys(clients)
    out: dict[str, pd.DataFrame] = {}

    fac = load_table(params, "collect", "facilities")
    fac = fac.assign(exposure=_exposure(fac, pd.Index(keys.index), as_of))
    out["fact_exposure"] = _with_keys(fac, keys, dkey, "fact_exposure")

    scores = load_table(params, "score", "scores").rename(
        columns=lambda c: c if c in ("client_id", "missing") or c.startswith("contrib_")
        else f"score_{c}")
    credit = load_table(params, "score", "credit")
    out["fact_scores"] = _with_keys(scores.merge(credit, on="client_id", how="outer"), keys,
                                    dkey, "fact_scores")

    tiers = load_table(params, "tier", "tiers")
    diag = _optional(params, "diagnose", "diagnostic")
    if diag is not None:
        extra = [c for c in ("clv", "churn_probability", "nps_class", "strategy_id",
                             "strategy_kind") if c in diag]
        tiers = tiers.merge(diag[["client_id", *extra]], on="client_id", how="left")
    tiers = _potential(tiers, params)
    out["fact_tiers"] = _with_keys(tiers, keys, dkey, "fact_tiers")

    stages = load_table(params, "warn", "stages")
    ecl = load_table(params, "warn", "ecl").drop(columns=["client_id", "stage"])
    out["fact_stages_ecl"] = _with_keys(stages.merge(ecl, on="facility_id", how="left"), keys,
                                        dkey, "fact_stages_ecl")

    alerts = load_table(params, "warn", "alerts")
    out["fact_alerts"] = _with_keys(alerts, keys, dkey, "fact_alerts", rm=alerts["owner"])

    surveys = _optional(params, "collect", "surveys")
    if surveys is not None:
        surveys = surveys.sort_values(["client_id", "survey_date"], kind="stable")
        surveys["survey_seq"] = surveys.groupby(["client_id", "survey_date"]).cumcount() + 1
    out["fact_surveys"] = _with_keys(_or_empty(surveys), keys, dkey, "fact_surveys")
    out["fact_needs"] = _with_keys(_or_empty(_optional(params, "collect", "needs")), keys,
                                   dkey, "fact_needs")
    out["fact_limits"] = _limits(params, keys, dkey)
    out["fact_need_forecast"] = _with_keys(
        _or_empty(_optional(params, "needs", "needs_forecast")), keys, dkey,
        "fact_need_forecast")
    out.update(_dimensions(params, clients, out, dkey))
    return out


def _potential(tiers: pd.DataFrame, params: Params) -> pd.DataFrame:
    """``tiers`` with the needs stage's high-potential score, rank and recommendation."""
    hp = _optional(params, "needs", "high_potential")
    if hp is None:
        return tiers
    hp = hp[["client_id", "score", "rank", "recommended"]].rename(columns={
        "score": "potential_score", "rank": "potential_rank",
        "recommended": "potential_recommended"})
    return tiers.merge(hp, on="client_id", how="left")


def _limits(params: Params, keys: pd.DataFrame, dkey: int) -> pd.DataFrame:
    """The relate stage's large-exposure limits: client rows keyed by their client, group rows
    by their group and the client key ``_none`` (a row of ``dim_client``: "group level")."""
    lim = _optional(params, "relate", "limits")
    if lim is None:
        return _with_keys(_or_empty(None), keys, dkey, "fact_limits")
    lim = lim.rename(columns={"id": "limit_id"}).reset_index(drop=True)
    group = lim["level"].astype("string").eq("group").to_numpy(dtype=bool)
    lim["client_id"] = lim["limit_id"].astype("string").mask(group, NO_CLIENT)
    out = _with_keys(lim, keys, dkey, "fact_limits")
    out.loc[group, "group_key"] = lim.loc[group, "name"].astype("string").to_numpy()
    return out


def _or_empty(df: pd.DataFrame | None) -> pd.DataFrame:
    return df if df is not None else pd.DataFrame({"client_id": pd.Series(dtype="string")})


def _dimensions(params: Params, clients: pd.DataFrame, facts: dict[str, pd.DataFrame],
                dkey: int) -> dict[str, pd.DataFrame]:
    """The dimensions: every key any fact of this date uses, with its labels."""
    as_of, day = pd.Timestamp(params.as_of), params.as_of
    used = {k: pd.concat([f[k] for f in facts.values()]).dropna().unique()
            for k in CONFORMED_KEYS[2:]}
    c = clients.drop_duplicates("client_id").copy()
    c["last_as_of"] = day
    dim_client = c.reindex(columns=list(SCHEMA["dim_client"].columns))
    ids = pd.Index(pd.concat([f["client_id"] for f in facts.values()]).dropna().unique())
    orphans = ids.difference(pd.Index(c["client_id"].astype("string")))
    if len(orphans):
        names = ["集团口径 / Group level" if o == NO_CLIENT else pd.NA for o in orphans]
        dim_client = pd.concat([dim_client, pd.DataFrame(
            {"client_id": orphans, "client_name": names, "last_as_of": day})],
            ignore_index=True)

    def named(key: str, values, name_col: str, label) -> pd.DataFrame:
        vals = sorted(str(v) for v in values)
        return pd.DataFrame({key: pd.array(vals, dtype="string"),
                             name_col: [label(v) for v in vals], "last_as_of": day})

    special = {UNASSIGNED: "未分配 / Unassigned", NO_GROUP: "无集团 / No group",
               UNKNOWN: "未知 / Unknown"}
    dims = {
        "dim_client": dim_client,
        "dim_rm": named("rm_key", used["rm_key"], "rm_name", lambda v: special.get(v, v)),
        "dim_group": named("group_key", used["group_key"], "group_name",
                           lambda v: special.get(v, v)),
    }
    for code in ("industry", "region"):
        key = f"{code}_key"
        vals = sorted(str(v) for v in used[key])
        dims[f"dim_{code}"] = pd.DataFrame({
            key: pd.array(vals, dtype="string"),
            "name_zh": [special[v].split(" / ")[0] if v in special else code_label(code, v, "zh")
                        for v in vals],
            "name_en": [special[v].split(" / ")[1] if v in special else code_label(code, v, "en")
                        for v in vals],
            "last_as_of": day})
    dims["dim_date"] = pd.DataFrame({
        "date_key": [dkey], "as_of": [day], "year": [as_of.year],
        "quarter": [as_of.quarter], "month": [as_of.month],
        "quarter_label": [f"{as_of.year}Q{as_of.quarter}"], "is_latest": [True]})
    return dims
