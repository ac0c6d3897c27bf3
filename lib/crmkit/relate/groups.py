"""Groups of connected clients and their exposure, worst grade and worst stage.

**Groups.** Two clients are in one group when they share ``clients.group_name`` or when one
holds more than ``limits.control_share`` (50 %) of the other (a ``shareholding`` row of the
optional ``relationships`` table); links chain (connected components), so a company controlled
by a group member is in the group even without a ``group_name``. A client in no group is a
group of its own (as the large-exposure rules treat it).

**Exposure.** A client's *direct* exposure is its live outstanding (the ``exposure`` feature of
the score stage). A guarantee row (guarantor = parent, borrower = child) is worth its
``amount``, else the borrower's outstanding on live facilities secured by a guarantee (保证).
A client's exposure = direct + the guarantees it gave (its contingent liability, counted
conservatively). A group's exposure = its members' direct exposure + guarantees its members gave
to borrowers *outside* the group: a guarantee between two members is counted once, as the
borrower's loan, never added on top of it.

**Worst grade and stage.** The worst rating grade of the members (order of ``credit.grades``,
then ``credit.worst_grade``, then ``credit.default_grade``) and the worst IFRS 9 stage by the
days-past-due and status backstops of ``warning.staging`` (stage 3: ``dpd_current >=
stage3_dpd`` or in default or a facility in ``default_statuses``; stage 2: ``dpd_current >=
stage2_dpd``, a facility in ``watch_statuses`` or a client on ``watchlist``). The relate stage
runs before the warn stage, so the PD-based SICR test (which needs the PD at origination from
the snapshot history the warn stage owns) is not applied here; a stage from an earlier run would
be stale. The warn stage's stages are therefore at least as severe as these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crmkit.collect import parsing
from crmkit.core.contract import CODES, TABLES
from crmkit.core.i18n import t
from crmkit.params.credit import CreditParams
from crmkit.params.warning import StagingParams
from crmkit.relate.errors import RelateError
from crmkit.relate.labels import RELATE_LABELS  # noqa: F401  (registers the labels)
from crmkit.score.features import LIVE_STATUSES

__all__ = ["check_relationships", "client_groups", "guarantee_amounts", "client_exposure",
           "group_table", "group_exposure", "grade_order", "backstop_stage", "other_members",
           "group_members"]

_REL = TABLES["relationships"]


def _where(source: str, row: int, col: str) -> str:
    return f"{source} row {row}, column '{_REL.column(col).header}'"


def _cell(v: object) -> str:
    """A cell as the reader wrote it: numbers plainly (1.5), text quoted ('控股')."""
    return f"{v:g}" if isinstance(v, (int, float, np.number)) else repr(str(v))


def check_relationships(rel: pd.DataFrame, client_ids: pd.Index | pd.Series,
                        source: str = "relationships") -> pd.DataFrame:
    """A relationships frame checked and normalised (types as codes, shares as fractions).

    For frames built by hand or read outside the collect stage (which quarantines such rows
    instead). Row numbers count the header as row 1, as a spreadsheet does. Every problem is
    reported at once, as a :class:`RelateError` naming the source, row, column and the fix.
    """
    missing = [c for c in _REL.required if c not in rel.columns]
    if missing:
        raise RelateError(f"{source}: column(s) {missing} missing; a relationships table has "
                          f"{', '.join(_REL.names)} (docs/data-contract.md)")
    rel = rel.reset_index(drop=True)
    rows = pd.Series(np.arange(len(rel)) + 2)
    known = pd.Index(pd.unique(np.asarray(client_ids, dtype=object)))
    problems: list[str] = []
    kind, bad_kind = parsing.parse_code(rel["type"], "relationship_type")
    choices = ", ".join(f"{c} ({zh})" for c, (zh, _) in CODES["relationship_type"].items())
    for i in np.flatnonzero(bad_kind.to_numpy() | rel["type"].isna().to_numpy()):
        problems.append(f"{_where(source, rows[i], 'type')}: {_cell(rel['type'][i])} is not a "
                        f"relationship type; use one of {choices}")
    if "share" in rel:
        share, bad_share = parsing.parse_number(rel["share"], percent=True)
        out = bad_share.to_numpy() | ((share < 0) | (share > 1)).fillna(False).to_numpy()
        for i in np.flatnonzero(out):
            problems.append(f"{_where(source, rows[i], 'share')}: {_cell(rel['share'][i])} is "
                            "not a share between 0 and 1; write 0.6 or 60% for 60 %")
    else:
        share = pd.Series(np.nan, index=rel.index)
    for col in ("parent_id", "child_id"):
        ids = rel[col].astype("string")
        unknown = known.get_indexer(ids.to_numpy(dtype=object, na_value=None)) < 0
        for i in np.flatnonzero(unknown):
            problems.append(f"{_where(source, rows[i], col)}: {_cell(ids[i])} is not a client id "
                            "of the clients table; add the client or correct the id")
    same = (rel["parent_id"].astype("string") == rel["child_id"].astype("string")).fillna(False)
    for i in np.flatnonzero(same.to_numpy()):
        problems.append(f"{_where(source, rows[i], 'child_id')}: a client cannot be related to "
                        "itself; correct parent_id or child_id")
    if problems:
        raise RelateError(f"{len(problems)} problem(s) in {source}:\n" + "\n".join(problems))
    amount = (pd.to_numeric(rel["amount"], errors="coerce") if "amount" in rel
              else pd.Series(np.nan, index=rel.index))
    return pd.DataFrame({"parent_id": rel["parent_id"].astype("string"),
                         "child_id": rel["child_id"].astype("string"), "type": kind,
                         "share": share.astype("float64"), "amount": amount.astype("float64")})


def client_groups(clients: pd.DataFrame, rel: pd.DataFrame | None, control_share: float = 0.5,
                  lang: str = "zh") -> pd.DataFrame:
    """Group of every client (index ``client_id``): ``group_id``, ``group_name``, ``in_group``.

    ``group_id`` is the group's name, or for a group formed by control alone the controlling
    client's id, or for a stand-alone client its own id; ``group_name`` is what a reader sees.
    """
    ids = pd.Index(clients["client_id"].astype("string"), name="client_id")
    n = len(ids)
    names = clients["group_name"].astype("string").str.strip().replace("", pd.NA)
    names.index = ids
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    # edges: each member of a named group to a virtual node for the name; control links
    src = [np.flatnonzero(codes >= 0)]
    dst = [n + codes[codes >= 0]]
    parents = np.array([], dtype=np.int64)
    if rel is not None and len(rel):
        ctrl = rel[(rel["type"] == "shareholding") & (rel["share"] > control_share)]
        p, c = ids.get_indexer(ctrl["parent_id"]), ids.get_indexer(ctrl["child_id"])
        ok = (p >= 0) & (c >= 0)
        src.append(p[ok])
        dst.append(c[ok])
        parents = p[ok]
    s, d = np.concatenate(src), np.concatenate(dst)
    size = n + len(uniques)
    graph = coo_matrix((np.ones(len(s)), (s, d)), shape=(size, size))
    _, comp = connected_components(graph, directed=False)
    comp = comp[:n]
    frame = pd.DataFrame({"comp": comp, "name": names.to_numpy(), "pos": np.arange(n)})
    # a component's name: that of its first named member (two named groups joined by control
    # keep the first one's name)
    named = frame.dropna(subset=["name"]).drop_duplicates("comp").set_index("comp")["name"]
    is_parent = np.zeros(n, dtype=bool)
    is_parent[parents] = True
    # a group formed by control alone is named after its first controlling shareholder
    head = frame[is_parent].groupby("comp")["pos"].min()
    sizes = frame.groupby("comp")["pos"].transform("size").to_numpy()
    client_names = clients["client_name"].astype("string").to_numpy()
    gname = frame["comp"].map(named)
    head_pos = frame["comp"].map(head)
    control_only = gname.isna() & head_pos.notna() & (sizes > 1)
    hp = head_pos.fillna(0).astype(int).to_numpy()
    label = t("relate.group.controlled", lang)
    gid = np.where(gname.notna(), gname.astype(object),
                   np.where(control_only, ids.to_numpy()[hp], ids.to_numpy()))
    shown = np.where(gname.notna(), gname.astype(object), client_names.astype(object))
    ctrl = np.flatnonzero(control_only.to_numpy())      # only these need a made-up name
    shown[ctrl] = [label.format(name=x) for x in client_names[hp[ctrl]]]
    return pd.DataFrame({"group_id": pd.array(gid, dtype="string"),
                         "group_name": pd.array(shown, dtype="string"),
                         "in_group": gname.notna().to_numpy() | control_only.to_numpy()},
                        index=ids)


def guarantee_amounts(rel: pd.DataFrame | None, facilities: pd.DataFrame | None) -> pd.DataFrame:
    """The guarantee rows with their amount: given, else the borrower's live outstanding on
    facilities secured by a guarantee (保证)."""
    cols = ["parent_id", "child_id", "amount"]
    if rel is None or not len(rel):
        return pd.DataFrame({c: pd.Series(dtype="string" if c != "amount" else "float64")
                             for c in cols})
    g = rel[rel["type"] == "guarantee"]
    backed = pd.Series(dtype="float64")
    if facilities is not None and len(facilities):
        live = facilities[facilities["status"].isin(LIVE_STATUSES).fillna(False)
                          & facilities["collateral_type"].eq("guarantee").fillna(False)]
        bal = live["outstanding"].astype(float).fillna(live["amount"].astype(float))
        backed = bal.groupby(live["client_id"].astype("string")).sum()
    fallback = g["child_id"].map(backed).astype("float64").fillna(0.0)
    return pd.DataFrame({"parent_id": g["parent_id"], "child_id": g["child_id"],
                         "amount": g["amount"].astype(float).fillna(fallback)})


def client_exposure(direct: pd.Series, guarantees: pd.DataFrame) -> pd.DataFrame:
    """Per client: ``direct_exposure``, ``guarantees_given`` and ``exposure`` (their sum)."""
    direct = direct.astype(float).fillna(0.0)
    given = guarantees.groupby("parent_id")["amount"].sum().reindex(direct.index, fill_value=0.0)
    return pd.DataFrame({"direct_exposure": direct, "guarantees_given": given,
                         "exposure": direct + given})


def grade_order(credit: CreditParams | None = None) -> list[str]:
    """Rating grades from best to worst: ``credit.grades``, ``worst_grade``, ``default_grade``."""
    c = credit or CreditParams()
    return [g for g, _ in c.grades] + [c.worst_grade, c.default_grade]


def backstop_stage(features: pd.DataFrame, facilities: pd.DataFrame | None,
                   staging: StagingParams | None = None) -> pd.Series:
    """Per client (index of ``features``): the IFRS 9 stage by the days-past-due and status
    backstops of ``warning.staging`` (see the module docstring)."""
    s = staging or StagingParams()
    dpd = features["dpd_current"].astype(float).fillna(0.0).to_numpy()
    stage3 = dpd >= s.stage3_dpd
    if "in_default" in features:
        stage3 |= features["in_default"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    stage2 = (dpd >= s.stage2_dpd) | features.index.isin(s.watchlist)
    if facilities is not None and len(facilities):
        cid, status = facilities["client_id"].astype("string"), facilities["status"]
        stage3 |= features.index.isin(cid[status.isin(s.default_statuses).fillna(False)])
        stage2 |= features.index.isin(cid[status.isin(s.watch_statuses).fillna(False)])
    stage = np.where(stage3, 3, np.where(stage2, 2, 1))
    return pd.Series(pd.array(stage, dtype="Int64"), index=features.index, name="stage")


def group_table(clients: pd.DataFrame, groups: pd.DataFrame, exposure: pd.DataFrame,
                guarantees: pd.DataFrame, grade: pd.Series | None = None,
                stage: pd.Series | None = None, credit: CreditParams | None = None
                ) -> pd.DataFrame:
    """One row per group (stand-alone clients included), largest exposure first.

    Columns: group_id, group_name, in_group, members, member_names, direct_exposure,
    guarantees_inside (between members: not added), guarantees_outside, exposure,
    worst_grade, worst_stage.
    """
    gid = groups["group_id"]
    inside = (guarantees["parent_id"].map(gid) == guarantees["child_id"].map(gid)).to_numpy()
    g = guarantees.assign(group_id=guarantees["parent_id"].map(gid))
    names = clients.set_index(clients["client_id"].astype("string"))["client_name"]
    frame = pd.DataFrame({"group_id": gid, "group_name": groups["group_name"],
                          "in_group": groups["in_group"],
                          "client_name": names.reindex(gid.index).astype("string"),
                          "direct": exposure["direct_exposure"].reindex(gid.index)})
    order = grade_order(credit)
    rank = (grade.reindex(gid.index).map({x: i for i, x in enumerate(order)})
            if grade is not None else pd.Series(np.nan, index=gid.index))
    frame["grade_rank"] = rank.astype(float)
    frame["stage"] = (stage.reindex(gid.index).astype(float) if stage is not None
                      else np.nan)
    frame = frame.astype({"group_id": object, "group_name": object, "client_name": object})
    frame = frame.sort_values("direct", ascending=False)
    agg = frame.groupby("group_id", sort=False).agg(
        group_name=("group_name", "first"), in_group=("in_group", "first"),
        members=("client_name", "size"), direct_exposure=("direct", "sum"),
        grade_rank=("grade_rank", "max"), worst_stage=("stage", "max"))
    # member names joined for real groups only; a stand-alone client is its own member
    grouped = frame[frame["in_group"].to_numpy(dtype=bool)]
    joined = grouped.groupby("group_id", sort=False)["client_name"].agg("、".join)
    agg["member_names"] = joined.reindex(agg.index).fillna(agg["group_name"])
    agg["guarantees_inside"] = g[inside].groupby("group_id")["amount"].sum()
    agg["guarantees_outside"] = g[~inside].groupby("group_id")["amount"].sum()
    agg[["guarantees_inside", "guarantees_outside"]] = agg[
        ["guarantees_inside", "guarantees_outside"]].fillna(0.0)
    agg["exposure"] = agg["direct_exposure"] + agg["guarantees_outside"]
    agg["worst_grade"] = pd.array([order[int(r)] if np.isfinite(r) else pd.NA
                                   for r in agg["grade_rank"]], dtype="string")
    agg["worst_stage"] = agg["worst_stage"].astype("Int64")
    cols = ["group_name", "in_group", "members", "member_names", "direct_exposure",
            "guarantees_inside", "guarantees_outside", "exposure", "worst_grade", "worst_stage"]
    return agg[cols].sort_values("exposure", ascending=False).reset_index()


def group_exposure(groups: pd.DataFrame, exposure: pd.DataFrame,
                   guarantees: pd.DataFrame) -> pd.Series:
    """Each group's exposure (index group_id): :func:`group_table`'s ``exposure`` (members'
    direct exposure, summed largest first, plus guarantees given outside the group) without
    the rest of the table (names, grades, stages), for the warn stage's limit uses."""
    gid = groups["group_id"]
    direct = exposure["direct_exposure"].reindex(gid.index)
    frame = pd.DataFrame({"group_id": gid.astype(object), "direct": direct})
    frame = frame.sort_values("direct", ascending=False)
    total = frame.groupby("group_id", sort=False)["direct"].sum()
    parent, child = guarantees["parent_id"].map(gid), guarantees["child_id"].map(gid)
    outside = ~(parent == child).to_numpy()
    given = guarantees["amount"][outside].groupby(parent[outside]).sum()
    return (total + given.reindex(total.index).fillna(0.0)).rename("exposure")


def other_members(groups: pd.DataFrame, clients: pd.DataFrame, client_id: str) -> list[str]:
    """Names of the other members of ``client_id``'s group (empty for a stand-alone client)."""
    if client_id not in groups.index or not bool(groups.at[client_id, "in_group"]):
        return []
    same = groups.index[groups["group_id"] == groups.at[client_id, "group_id"]]
    names = clients.set_index(clients["client_id"].astype("string"))["client_name"]
    return [str(names.get(c, c)) for c in same if c != client_id]


def group_members(per_client: pd.DataFrame, most: int = 6, lang: str = "zh") -> dict[str, str]:
    """Client id -> "other members of this group" as one text (at most ``most`` names, largest
    direct exposure first, then "等 N 户" / "and N more"); stand-alone clients are left out.

    ``per_client``: the relate stage's ``clients`` table (client_id, client_name, group_id,
    in_group, direct_exposure).
    """
    d = per_client[per_client["in_group"].astype(bool)].sort_values(
        "direct_exposure", ascending=False, kind="stable")  # ties: in the table's order
    out: dict[str, str] = {}
    for _, g in d.groupby("group_id", sort=False):
        ids, names = g["client_id"].astype(str).tolist(), g["client_name"].astype(str).tolist()
        for cid in ids:
            others = [n for i, n in zip(ids, names, strict=True) if i != cid]
            text = "、".join(others[:most]) if lang == "zh" else ", ".join(others[:most])
            if len(others) > most:
                text += (f" 等 {len(others)} 户" if lang == "zh"
                         else f" and {len(others) - most} more")
            out[cid] = text
    return out
