"""High-potential clients (高潜力客户): a documented score, the risk gates, and reasons.

``score = 100 * sum(w_k * c_k) / sum(w_k)`` over four components in [0, 1]
(weights ``needs.weights``):

* **growth** ``= clip(revenue_growth / growth_full, 0, 1)`` (no growth figure: 0);
* **needs** ``= E / (E + exposure)`` where ``E`` is the forecast need (sum of probability x
  amount of the needs still ahead) plus the unmet requests of the last 12 months: new business
  relative to what the bank already lends;
* **product_gap** = the share of the products most peers hold (``peer_min_share`` of the
  clients of the same industry and size class, or of the industry alone below ``min_peers``)
  that the client lacks: room in its wallet;
* **headroom** = the mean of the risk measures known: ``1 - PD / gates.value_pd_max``,
  ``(DSCR - covenant) / (covenant * (dscr_full_multiple - 1))`` and
  ``1 - debt_to_assets / leverage_max``, each clipped to [0, 1] (none known: 0).

Risk before value: a client whose risk status (:func:`crmkit.tier.gates.risk_status`) is
default, watch or elevated keeps its score and is listed, but flagged and never recommended;
the ``top_n`` best of the others are ``recommended``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crmkit.needs.forecast import needs_params
from crmkit.needs.history import as_ts
from crmkit.needs.reasons import join_columns, reasons
from crmkit.params.gates import RiskGates
from crmkit.params.needs import POTENTIAL_COMPONENTS
from crmkit.tier.gates import covenant_breach, risk_status

__all__ = ["POTENTIAL_COLUMNS", "high_potential", "products_held", "product_gaps",
           "potential_components"]

POTENTIAL_COLUMNS = ["client_id", "score", "rank", "reasons", "recommended", "risk_status",
                     *POTENTIAL_COMPONENTS, "missing_products"]


def _num(frame: pd.DataFrame | None, col: str, idx: pd.Index) -> np.ndarray:
    if frame is None or col not in frame.columns:
        return np.full(len(idx), np.nan)
    return pd.to_numeric(frame[col].reindex(idx), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)


def products_held(facilities: pd.DataFrame | None, as_of: pd.Timestamp,
                  index: pd.Index) -> pd.DataFrame:
    """Boolean client x product table of facilities live at ``as_of`` (by their dates)."""
    if facilities is None or facilities.empty:
        return pd.DataFrame(index=index)
    f = facilities
    live = ((pd.to_datetime(f["start_date"]) <= as_of)
            & ~(pd.to_datetime(f["maturity_date"]) <= as_of)).to_numpy(dtype=bool)
    f = f.loc[live]
    row = index.get_indexer(f["client_id"].astype("string"))
    code, products = pd.factorize(f["product"].astype("string"), sort=True)
    ok = (row >= 0) & (code >= 0)
    held = np.zeros((len(index), len(products)), dtype=bool)
    held[row[ok], code[ok]] = True
    return pd.DataFrame(held, index=index, columns=pd.Index(products, dtype=object))


def product_gaps(held: pd.DataFrame, industry: pd.Series, size_class: pd.Series,
                 peer_min_share: float, min_peers: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Per client: share of the peers' usual products it lacks, and which ones (a client x
    product boolean table).

    Peers are the clients of the same industry and size class (the client itself included),
    or of the same industry when fewer than ``min_peers``; a product is usual when at least
    ``peer_min_share`` of the peers hold it.
    """
    n = len(held)
    if held.shape[1] == 0:
        return np.zeros(n), held.astype(bool)
    h = held.to_numpy(dtype=float)
    ind = industry.reindex(held.index).astype("string").fillna("?")
    size = size_class.reindex(held.index).astype("string").fillna("?")
    share_fine = pd.DataFrame(h, index=held.index).groupby([ind, size]).transform("mean")
    n_fine = pd.Series(1, index=held.index).groupby([ind, size]).transform("size")
    share_ind = pd.DataFrame(h, index=held.index).groupby(ind).transform("mean")
    use_fine = (n_fine >= min_peers).to_numpy()[:, None]
    share = np.where(use_fine, share_fine.to_numpy(), share_ind.to_numpy())
    usual = share >= peer_min_share
    missing = usual & (h == 0)
    n_usual = usual.sum(axis=1)
    gap = np.divide(missing.sum(axis=1), n_usual, out=np.zeros(n), where=n_usual > 0)
    return gap, pd.DataFrame(missing, index=held.index, columns=held.columns)


def potential_components(growth: np.ndarray, need_amount: np.ndarray, exposure: np.ndarray,
                         gap: np.ndarray, pd_: np.ndarray, dscr: np.ndarray,
                         leverage: np.ndarray, params: object | None = None,
                         gates: RiskGates | None = None) -> pd.DataFrame:
    """The four components in [0, 1] (see the module docstring), vectorised."""
    p, g = needs_params(params), gates or RiskGates()
    growth_c = np.nan_to_num(np.clip(growth / p.growth_full, 0.0, 1.0))
    e = np.nan_to_num(np.maximum(need_amount, 0.0))
    x = np.nan_to_num(np.maximum(exposure, 0.0))
    needs_c = np.divide(e, e + x, out=np.zeros(len(e)), where=(e + x) > 0)
    cov = g.covenant_dscr_below
    rooms = np.stack([
        np.clip(1.0 - pd_ / g.value_pd_max, 0.0, 1.0),
        np.clip((dscr - cov) / (cov * (p.dscr_full_multiple - 1.0)), 0.0, 1.0)
        if cov > 0 else np.clip(dscr / p.dscr_full_multiple, 0.0, 1.0),
        np.clip(1.0 - leverage / p.leverage_max, 0.0, 1.0)])
    known = ~np.isnan(rooms)
    headroom = np.divide(np.nansum(rooms, axis=0), known.sum(axis=0),
                         out=np.zeros(rooms.shape[1]), where=known.any(axis=0))
    return pd.DataFrame({"growth": growth_c, "needs": needs_c,
                         "product_gap": np.nan_to_num(np.clip(gap, 0.0, 1.0)),
                         "headroom": headroom})


def _unmet(tables: dict[str, pd.DataFrame] | None, as_of: pd.Timestamp, types: list[str],
           idx: pd.Index) -> np.ndarray:
    n = None if tables is None else tables.get("needs")
    if n is None or n.empty:
        return np.zeros(len(idx))
    d = pd.to_datetime(n["request_date"])
    keep = ((d <= as_of) & (d > as_of - pd.Timedelta(days=365))
            & n["need_type"].astype("string").isin(types)
            & ~n["fulfilled"].astype("boolean").fillna(False)).to_numpy(dtype=bool)
    sel = n.loc[keep]
    amt = pd.to_numeric(sel["requested_amount"], errors="coerce").fillna(0.0)
    return amt.groupby(sel["client_id"].astype("string").to_numpy()).sum().reindex(
        idx, fill_value=0.0).to_numpy(dtype=float)


def high_potential(features: pd.DataFrame, forecast: pd.DataFrame, params: object | None = None,
                   *, tables: dict[str, pd.DataFrame] | None = None,
                   credit: pd.DataFrame | pd.Series | None = None,
                   status: pd.Series | None = None, as_of: dt.date | None = None,
                   gates: RiskGates | None = None, lang: str | None = None) -> pd.DataFrame:
    """Score every client's potential, apply the risk gates, rank, and give reasons.

    Parameters
    ----------
    features : the score stage's client features (index ``client_id``; uses
        ``revenue_growth``, ``exposure``, ``industry``, ``size_class``, ``dscr``,
        ``debt_to_assets``, ``in_default``).
    forecast : :func:`crmkit.needs.forecast_needs` output.
    params : the run's parameters (``needs``, ``gates``, ``language``, ``as_of`` are read), a
        ``NeedsParams`` or None.
    tables : the collected tables, for products held and unmet requests (optional).
    credit : PD per client (a Series, or a frame with ``pd``), e.g. the score stage's credit.
    status : risk status per client (the tier stage's ``risk_status``); default, and for a
        client it does not list: from ``in_default``, the DSCR covenant and the PD.
    as_of, gates, lang : override what ``params`` says.

    Returns
    -------
    pandas.DataFrame
        One row per client, best first: :data:`POTENTIAL_COLUMNS` (``reasons`` readable text,
        ``recommended`` only for clients passing the gates, at most ``top_n``).
    """
    p = needs_params(params)
    g = gates or getattr(params, "gates", None) or RiskGates()
    lang = lang or getattr(params, "language", "zh")
    as_of = as_ts(as_of if as_of is not None else getattr(params, "as_of", pd.Timestamp.today()))
    idx = pd.Index(features.index.astype("string"), name="client_id")
    feats = features.set_axis(idx)
    pd_frame = credit.to_frame("pd") if isinstance(credit, pd.Series) else credit
    if pd_frame is not None:
        pd_frame = pd_frame.set_axis(pd_frame.index.astype("string"))
    pd_ = _num(pd_frame, "pd", idx)
    dscr, lev = _num(feats, "dscr", idx), _num(feats, "debt_to_assets", idx)
    ahead = forecast[forecast["days_until"] >= 0] if len(forecast) else forecast
    weighted = (ahead["probability"] * ahead["amount"].fillna(0.0)).groupby(
        ahead["client_id"].astype("string")).sum() if len(ahead) else pd.Series(dtype=float)
    top = (ahead.assign(_v=ahead["probability"] * ahead["amount"].fillna(0.0))
           .sort_values("_v", ascending=False, kind="stable")
           .drop_duplicates("client_id").set_index("client_id")) if len(ahead) else None
    unmet = _unmet(tables, as_of, p.need_types, idx)
    need_amount = weighted.reindex(idx, fill_value=0.0).to_numpy(dtype=float) + unmet
    held = products_held(None if tables is None else tables.get("facilities"), as_of, idx)
    gap, missing = product_gaps(held, feats.get("industry", pd.Series(index=idx, dtype="string")),
                                feats.get("size_class", pd.Series(index=idx, dtype="string")),
                                p.peer_min_share, p.min_peers)
    comp = potential_components(_num(feats, "revenue_growth", idx), need_amount,
                                _num(feats, "exposure", idx), gap, pd_, dscr, lev, p, g)
    w = np.array([p.weights[k] for k in POTENTIAL_COMPONENTS])
    score = 100.0 * comp.to_numpy() @ w / w.sum()
    own = risk_status(idx, in_default=feats.get("in_default"),  # the gates on the features
                      breach=covenant_breach(pd.Series(dscr, index=idx), g),
                      pd_=pd.Series(pd_, index=idx), gates=g).astype("string")
    given = (own if status is None else  # a client the given status misses: its own gates
             status.set_axis(status.index.astype("string")).reindex(idx).astype("string"))
    st = given.fillna(own).to_numpy(dtype=object)
    order = np.lexsort((np.arange(len(idx)), -score))
    rank = np.empty(len(idx), dtype=np.int64)
    rank[order] = np.arange(1, len(idx) + 1)
    eligible = st == "normal"
    elig_rank = np.full(len(idx), np.iinfo(np.int64).max)
    eo = order[eligible[order]]
    elig_rank[eo] = np.arange(1, len(eo) + 1)
    cause = (top["cause"].reindex(idx).astype(object).where(lambda x: x.notna(), None)
             .to_numpy() if top is not None else np.full(len(idx), None))
    amount = (top["amount"].reindex(idx).to_numpy(dtype=float) if top is not None
              else np.full(len(idx), np.nan))
    words = reasons(comp, p.weights, _num(feats, "revenue_growth", idx), cause, amount, unmet,
                    missing, st, lang)
    out = pd.DataFrame({"client_id": idx, "score": np.round(score, 1), "rank": rank,
                        "reasons": pd.array(words.astype(str), dtype="string"),
                        "recommended": eligible & (elig_rank <= p.top_n),
                        "risk_status": pd.array(st, dtype="string"),
                        **{k: comp[k].to_numpy() for k in POTENTIAL_COMPONENTS},
                        "missing_products": join_columns(
                            [np.where(missing[c].to_numpy(dtype=bool), str(c), "")
                             for c in missing.columns], "|", len(idx))})
    return out.sort_values("rank", kind="stable").reset_index(drop=True)
