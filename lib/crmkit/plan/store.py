"""Saved plans: ``<output_dir>/<portfolio>/plans/<client>_<n>.yaml``, and reading them back.

A saved plan holds the terms *and* the market inputs used (LPR path, costs, capital, PD, LGD,
covenant), so reading it back reproduces the same schedule even after the parameters change.
It also keeps the key figures, so client cards and the report can list plans without
recomputing them. Plans live beside the runs, not inside one ``as_of`` folder: a plan outlives
the quarter it was designed in.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import ValidationError

from crmkit.core.i18n import t
from crmkit.core.store import atomic_write
from crmkit.params.plan import PlanParams
from crmkit.plan.design import Plan, evaluate
from crmkit.plan.labels import profile_label
from crmkit.plan.terms import PlanError, parse_terms

if TYPE_CHECKING:
    from crmkit.params import Params

__all__ = ["plans_dir", "save_plan", "load_plan", "list_plans", "plan_notes"]

_NAME = re.compile(r"^(?P<client>.+)_(?P<n>\d+)\.yaml$")


def plans_dir(params: Params) -> Path:
    """``<output_dir>/<portfolio>/plans``."""
    return params.output_dir / params.portfolio / "plans"


def _safe(client_id: str) -> str:
    return re.sub(r"[^\w\-]", "_", client_id)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def save_plan(params: Params, plan: Plan) -> Path:
    """Write ``plan`` as the client's next numbered YAML file; returns its path."""
    folder = plans_dir(params)
    folder.mkdir(parents=True, exist_ok=True)
    cid = plan.terms.client_id
    taken = [int(m["n"]) for p in folder.glob(f"{_safe(cid)}_*.yaml")
             if (m := _NAME.match(p.name)) and m["client"] == _safe(cid)]
    n = max(taken, default=0) + 1
    doc = {
        "client_id": cid, "n": n, "portfolio": params.portfolio,
        "as_of": params.as_of.isoformat(),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "terms": plan.terms.model_dump(mode="json"),
        "market": params.plan.model_dump(mode="json", exclude={"cases_file"}),
        "pd": plan.meta.get("pd"), "lgd": plan.meta.get("lgd"),
        "covenant_dscr": plan.figures["covenant_dscr"],
        "figures": _plain(plan.figures),
        "pricing": _plain(plan.pricing) if plan.pricing else None,
    }
    path = folder / f"{_safe(cid)}_{n}.yaml"
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_plan(path: str | Path) -> Plan:
    """Read a saved plan and recompute it from its own terms and market inputs.

    Raises
    ------
    PlanError
        When the file is missing, not YAML, or its terms or market inputs are invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"{path}: saved plan not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or "terms" not in doc or "market" not in doc:
        raise PlanError(f"{path}: not a saved plan (needs 'terms' and 'market'); save plans with "
                        "the designer or crmkit plan")
    terms = parse_terms(doc["terms"], str(path))
    try:
        market = PlanParams.model_validate(doc["market"])
    except ValidationError as exc:
        raise PlanError(f"{path}: invalid market inputs: {exc.errors()[0]['loc']}: "
                        f"{exc.errors()[0]['msg']}") from None
    plan = evaluate(terms, market, float(doc["covenant_dscr"]), doc.get("pd"), doc.get("lgd"))
    plan.meta.update(path=str(path), n=doc.get("n"), created=doc.get("created"))
    return plan


def list_plans(params: Params, client_ids: list[str] | None = None) -> pd.DataFrame:
    """The saved plans of the portfolio (optionally of some clients), newest number last.

    Reads only each file's stored figures (no recomputation), so it is cheap for reports.
    """
    cols = ["client_id", "n", "path", "created", "amount", "tenor_months", "profile",
            "min_dscr", "raroc"]
    rows = []
    folder = plans_dir(params)
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            terms, figs = doc["terms"], doc.get("figures") or {}
            rows.append((doc["client_id"], int(doc["n"]), str(path), doc.get("created"),
                         terms["amount"], terms["tenor_months"], terms.get("profile"),
                         figs.get("min_dscr"), (doc.get("pricing") or {}).get("raroc")))
        except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"{path}: cannot read this saved plan ({exc}); fix or remove it") \
                from None
    out = pd.DataFrame(rows, columns=cols)
    if client_ids is not None:
        out = out[out["client_id"].isin(client_ids)]
    return out.sort_values(["client_id", "n"]).reset_index(drop=True)


def plan_notes(params: Params, client_id: str, lang: str = "zh",
               listed: pd.DataFrame | None = None) -> list[str]:
    """One line per saved plan of a client, for client cards and the report's next actions.

    ``listed`` is a :func:`list_plans` result to reuse (the plan files are then not re-read).
    """
    def num(x: Any, fmt: str) -> str:
        return "—" if x is None or pd.isna(x) else format(x, fmt)

    out = []
    plans = list_plans(params) if listed is None else listed
    for r in plans[plans["client_id"].astype(str) == str(client_id)].itertuples(index=False):
        amount = (f"{r.amount / 1e8:,.2f} 亿元" if lang == "zh" else f"CNY {r.amount / 1e6:,.1f} m")
        out.append(t("plan.card", lang).format(
            n=r.n, amount=amount, tenor=r.tenor_months, profile=profile_label(r.profile, lang),
            dscr=num(r.min_dscr, ".2f"), raroc=num(r.raroc, ".1%")))
    return out
