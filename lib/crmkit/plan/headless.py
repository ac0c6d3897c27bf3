"""Plans without Jupyter: ``crmkit plan PARAMS --client C... --terms terms.yaml``.

A terms file is YAML: top-level keys are :class:`~crmkit.plan.terms.PlanTerms` fields applied to
every client (over the terms proposed from the client's need); ``clients:`` holds per-client
overrides::

    profile: sculpted
    tenor_months: 120
    grace_months: 24
    spread: 0.004
    clients:
      C0000001: {amount: 8.0e+7}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from crmkit.plan.design import Plan, PlanContext
from crmkit.plan.store import save_plan
from crmkit.plan.terms import PlanError

if TYPE_CHECKING:
    from crmkit.params import Params

__all__ = ["read_terms_file", "plan_clients"]


def read_terms_file(path: str | Path | None) -> dict[str, Any]:
    """Read a terms file (empty when ``path`` is None); errors name the file."""
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"{path}: terms file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PlanError(f"{path}: expected a mapping of terms (amount:, tenor_months:, ...)")
    if "client_id" in data:
        raise PlanError(f"{path}: client_id cannot be a shared term; pass --client, and put "
                        "per-client terms under 'clients:'")
    clients = data.get("clients") or {}
    if not isinstance(clients, dict) or not all(isinstance(v, dict) for v in clients.values()):
        raise PlanError(f"{path}: 'clients:' must map client IDs to mappings of terms")
    return {**data, "clients": {str(k): v for k, v in clients.items()}}


def plan_clients(params: Params, client_ids: Sequence[str], terms: Mapping[str, Any] | None = None,
                 save: bool = True, context: PlanContext | None = None,
                 source: str = "terms") -> list[tuple[Plan, Path | None]]:
    """Design, evaluate and (by default) save one plan per client.

    Parameters
    ----------
    params
        The portfolio (collect and score must have run for ``params.as_of``).
    client_ids
        Clients to plan for.
    terms
        A terms mapping as :func:`read_terms_file` returns.
    save
        Write each plan to ``<output_dir>/<portfolio>/plans/``.
    source
        Where ``terms`` came from, named in error messages.
    """
    terms = dict(terms or {})
    per_client = terms.pop("clients", {}) or {}
    unknown = set(per_client) - set(client_ids)
    if unknown:
        raise PlanError(f"{source}: clients {sorted(unknown)} have terms but were not passed "
                        "with --client")
    ctx = context or PlanContext(params)
    out = []
    for cid in client_ids:
        try:
            plan = ctx.evaluate(ctx.default_terms(cid, **{**terms, **per_client.get(cid, {})}))
        except PlanError as exc:
            raise PlanError(f"{source}: {exc}") from None
        out.append((plan, save_plan(params, plan) if save else None))
    return out
