"""Risk gates: a client's risk status, and the tier and risk level it caps (risk before value).

The status is computed once from what is known at each stage — default and covenant breach
at tiering; IFRS 9 stage and open alerts as well from the warning stage on — and every tier,
matrix cell, strategy and card uses the same rules (:class:`crmkit.params.gates.RiskGates`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.params.gates import RISK_STATUSES, RiskGates

__all__ = ["STATUS_DTYPE", "risk_status", "covenant_breach", "cap_tiers", "gated_risk"]

#: Ordered categorical of risk statuses: ``"normal" > "elevated" > "watch" > "default"``.
STATUS_DTYPE = pd.CategoricalDtype(list(reversed(RISK_STATUSES)), ordered=True)


def _bool(s: pd.Series | None, idx: pd.Index) -> np.ndarray:
    if s is None:
        return np.zeros(len(idx), dtype=bool)
    return s.reindex(idx).astype("boolean").fillna(False).to_numpy(dtype=bool)


def _num(s: pd.Series | None, idx: pd.Index) -> np.ndarray:
    if s is None:
        return np.full(len(idx), np.nan)
    return pd.to_numeric(s.reindex(idx), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def covenant_breach(dscr: pd.Series, gates: RiskGates | None = None) -> pd.Series:
    """True where the DSCR is below the covenant (``gates.covenant_dscr_below``); NaN -> False."""
    g = gates or RiskGates()
    v = pd.to_numeric(dscr, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(v < g.covenant_dscr_below, index=dscr.index, name="covenant_breach")


def risk_status(index: pd.Index, *, in_default: pd.Series | None = None,
                breach: pd.Series | None = None, pd_: pd.Series | None = None,
                stage: pd.Series | None = None, worst_severity: pd.Series | None = None,
                gates: RiskGates | None = None) -> pd.Series:
    """Each client's risk status: ``default``, ``watch``, ``elevated`` or ``normal``.

    ``default``: in default or IFRS 9 Stage 3. ``watch``: a covenant breach, Stage >=
    ``gates.watch_stage`` or an open alert of a watch severity. ``elevated``: PD >=
    ``gates.value_pd_max`` or an open alert of a value-blocking severity. Inputs not given
    (for example stages before the warning stage has run) simply do not count.
    """
    g = gates or RiskGates()
    st = _num(stage, index)
    sev = (worst_severity.reindex(index).astype("string") if worst_severity is not None
           else pd.Series(pd.NA, index=index, dtype="string"))
    sev_watch = sev.isin(g.watch_severities).to_numpy(dtype=bool, na_value=False)
    sev_block = sev.isin(g.value_block_severities).to_numpy(dtype=bool, na_value=False)
    default = _bool(in_default, index) | (st >= 3)
    watch = _bool(breach, index) | (st >= g.watch_stage) | sev_watch
    elevated = (_num(pd_, index) >= g.value_pd_max) | sev_block
    code = np.select([default, watch, elevated], [0, 1, 2], 3)
    return pd.Series(pd.Categorical(np.array(RISK_STATUSES)[code], dtype=STATUS_DTYPE),
                     index=index, name="risk_status")


def cap_tiers(tier: pd.Series, status: pd.Series, breach: pd.Series | None = None,
              gates: RiskGates | None = None) -> pd.Series:
    """Tiers after the gates: a client in default is at best ``default_max_tier``, one in
    covenant breach at best ``breach_max_tier``. Tiers are A (best) > B > C; NaN stays NaN."""
    g = gates or RiskGates()
    order = np.array(["A", "B", "C"])
    rank = pd.Series(tier, copy=False).astype("string").map({"A": 0, "B": 1, "C": 2})
    r = rank.to_numpy(dtype=float, na_value=np.nan)
    worst = np.zeros(len(r))
    if g.breach_max_tier is not None:
        worst = np.where(_bool(breach, tier.index), "ABC".index(g.breach_max_tier), worst)
    in_default = (status.reindex(tier.index).astype("string") == "default").to_numpy(
        dtype=bool, na_value=False)
    worst = np.where(in_default, "ABC".index(g.default_max_tier), worst)
    capped = np.where(np.isnan(r), np.nan, np.maximum(r, worst))
    out = pd.Series(pd.NA, index=tier.index, dtype="object")
    ok = ~np.isnan(capped)
    out[ok] = order[capped[ok].astype(int)]
    return out.astype(tier.dtype) if isinstance(tier.dtype, pd.CategoricalDtype) else out


def gated_risk(risk: pd.Series, status: pd.Series) -> pd.Series:
    """The credit-risk level after the gates: ``high`` for default and watch, at least
    ``medium`` for elevated; other levels (and ``unknown``) unchanged."""
    st = status.reindex(risk.index).astype("string")
    out = risk.astype("string").copy()
    out[st.isin(["default", "watch"]).to_numpy(dtype=bool, na_value=False)] = "high"
    lift = st.eq("elevated").to_numpy(dtype=bool, na_value=False) & out.eq("low").to_numpy(
        dtype=bool, na_value=False)
    out[lift] = "medium"
    return out.astype(risk.dtype) if isinstance(risk.dtype, pd.CategoricalDtype) else out
