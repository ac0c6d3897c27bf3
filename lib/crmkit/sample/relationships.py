"""The sample's related-party links (table ``relationships``), consistent with ``group_name``.

Per chunk, from its own random stream (``default_rng([seed, first client of the chunk,
0x4E1A])``, so adding this table changes no other table of the sample):

- **shareholding**: each group's leader (the member its name was made from) holds a share of
  every other member: 51-100 % for four members in five (control), 20-49 % otherwise (the
  member is in the group by ``group_name`` all the same);
- **guarantee**: the leader guarantees 40 % of the other members' loans (amount blank: the
  borrower's guarantee-backed outstanding), and 2 % of all clients guarantee an unrelated
  client (互保 chains across groups, which group exposure must add on top);
- **supply_chain**: 5 % of clients supply another client (any group).

Ids are local positions here; :func:`crmkit.sample.portfolio` maps them to client ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.sample.base import Ctx
from crmkit.sample.names import pick

__all__ = ["relationships", "STREAM"]

#: Extra seed word of this table's random stream.
STREAM = 0x4E1A
_TYPES = ["shareholding", "guarantee", "supply_chain"]


def _cross_links(rng: np.random.Generator, n: int, share: float) -> tuple[np.ndarray, ...]:
    """About ``share * n`` (parent, child) pairs of distinct clients."""
    k = int(round(share * n)) if n > 1 else 0
    parent = rng.integers(0, max(n, 1), k)
    child = (parent + rng.integers(1, max(n, 2), k)) % max(n, 1)
    return parent, child


def relationships(ctx: Ctx, group_name: pa.Array) -> dict[str, object]:
    """Columns of the chunk's ``relationships`` table (parent and child as local positions)."""
    rng = np.random.default_rng([ctx.seed, ctx.first, STREAM])
    names = pd.Series(group_name.to_pandas(), dtype="string")
    codes, _ = pd.factorize(names, use_na_sentinel=True)
    member = codes >= 0
    pos = np.arange(ctx.n)
    # the leader is each group's first member (the client the group was named after)
    first = pd.Series(pos[member]).groupby(codes[member]).transform("min").to_numpy()
    leader = np.full(ctx.n, -1, dtype=np.int64)
    leader[member] = first
    held = np.flatnonzero(member & (leader != pos))
    control = rng.random(len(held)) < 0.8
    share = np.where(control, rng.uniform(0.51, 1.0, len(held)),
                     rng.uniform(0.20, 0.49, len(held))).round(2)
    guaranteed = held[rng.random(len(held)) < 0.4]
    g_par, g_chi = _cross_links(rng, ctx.n, 0.02)
    s_par, s_chi = _cross_links(rng, ctx.n, 0.05)
    frame = pd.DataFrame({
        "parent": np.concatenate([leader[held], leader[guaranteed], g_par, s_par]),
        "child": np.concatenate([held, guaranteed, g_chi, s_chi]),
        "type": np.concatenate([np.zeros(len(held)), np.ones(len(guaranteed) + len(g_par)),
                                np.full(len(s_par), 2)]).astype(np.int64),
        "share": np.concatenate([share, np.full(len(guaranteed) + len(g_par) + len(s_par),
                                                np.nan)]),
    }).drop_duplicates(["parent", "child", "type"])
    frame = frame[frame["parent"] != frame["child"]]
    return {
        "parent_id": frame["parent"].to_numpy(np.int64),
        "child_id": frame["child"].to_numpy(np.int64),
        "type": pick(_TYPES, frame["type"].to_numpy()),
        "share": frame["share"].to_numpy(float),
        "amount": np.full(len(frame), np.nan),
    }
