"""Pareto (ABC-curve) analysis of client contribution: how few clients give most of the value.

Conventions (documented, tested):

* **Negative contributions are clipped at 0.** A loss-making client stays in the client base
  (it counts in the client share) but adds nothing to the cumulative contribution; the raw
  value is kept in the table and the count and sum of negatives are reported.
* **Missing values (NaN) are excluded** from the analysis (an unknown contribution is neither
  zero nor negative); their count is reported as ``n_missing``.
* Clients are sorted by contribution, largest first; ties keep their input order.
* If no client has a positive contribution the shares are undefined: they are NaN, every
  client is class C and the figures are NaN (no error, so a batch run goes on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ValidationError

from crmkit.core.errors import TieringError
from crmkit.params.tiering import ParetoParams

__all__ = ["ParetoResult", "pareto", "PARETO_CLASSES"]

#: Pareto classes: A up to ``cutoff`` of contribution, B up to ``b_cutoff``, C the rest.
PARETO_CLASSES: tuple[str, ...] = ("A", "B", "C")
_DEFAULTS = ParetoParams()
_EPS = 1e-9


@dataclass(frozen=True)
class ParetoResult:
    """The result of :func:`pareto`.

    Attributes
    ----------
    table : pd.DataFrame
        One row per client with a known value, largest contribution first; index client_id;
        columns ``rank`` (1 = largest), ``value`` (raw), ``contribution`` (clipped at 0),
        ``share`` (of the total contribution), ``cum_share`` (non-decreasing, ends at 1.0),
        ``cum_client_share`` (rank / n) and ``pareto_class`` (A / B / C).
    cutoff : float
        The contribution share analysed (0.8).
    n_clients : int
        Clients with a known value (the base of the client shares).
    n_cut : int
        Fewest clients whose contribution reaches ``cutoff`` (the A class).
    client_share_at_cutoff : float
        ``n_cut / n_clients``: "X % of clients make 80 % of the contribution".
    top_share : float
        The top client share reported on (0.2).
    top_share_value : float
        Contribution share of the top ``top_share`` of clients ("the top 20 % give X %"),
        read off the curve by linear interpolation between clients.
    total : float
        Sum of the clipped contributions.
    n_negative, negative_total : int, float
        Clients with a negative value (clipped to 0) and the sum of those values.
    n_missing : int
        Clients with a missing value (excluded).
    """

    table: pd.DataFrame = field(repr=False)
    cutoff: float
    n_clients: int
    n_cut: int
    client_share_at_cutoff: float
    top_share: float
    top_share_value: float
    total: float
    n_negative: int
    negative_total: float
    n_missing: int

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The Pareto curve from (0, 0): (cumulative client share, cumulative contribution)."""
        x = np.r_[0.0, self.table["cum_client_share"].to_numpy()]
        y = np.r_[0.0, self.table["cum_share"].to_numpy()]
        return x, y


def pareto(values: pd.Series, cutoff: float = _DEFAULTS.cutoff,
           top_share: float = _DEFAULTS.top_share,
           b_cutoff: float = _DEFAULTS.b_cutoff) -> ParetoResult:
    """Pareto analysis of a contribution per client (income, exposure, ...).

    Parameters
    ----------
    values : pd.Series
        Contribution per client, indexed by client_id. Negatives are clipped at 0, NaN
        excluded (see the module notes).
    cutoff : float
        Contribution share whose client share is reported (``tiering.pareto.cutoff``).
    top_share : float
        Client share whose contribution is reported (``tiering.pareto.top_share``).
    b_cutoff : float
        Upper contribution share of class B (``tiering.pareto.b_cutoff``).

    Returns
    -------
    ParetoResult

    Examples
    --------
    >>> r = pareto(pd.Series([50, 30, 10, 5, 5]))
    >>> r.n_cut, r.client_share_at_cutoff, r.top_share_value
    (2, 0.4, 0.5)
    """
    # The model validates the same constraints as tiering.pareto in the parameters file.
    try:
        ParetoParams(cutoff=cutoff, top_share=top_share, b_cutoff=b_cutoff)
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise TieringError(f"pareto: {msg}") from None
    if not isinstance(values, pd.Series):
        raise TieringError(f"pareto: values must be a pandas Series indexed by client_id; got "
                           f"{type(values).__name__}")
    if not (pd.api.types.is_numeric_dtype(values) or values.isna().all()):
        raise TieringError(f"pareto: values ({values.name!r}) must be numeric; got "
                           f"{values.dtype}")
    raw = values.astype("float64")
    n_missing = int(raw.isna().sum())
    raw = raw.dropna()
    neg = raw < 0
    contrib = raw.clip(lower=0.0).to_numpy()
    order = np.argsort(-contrib, kind="stable")
    contrib = contrib[order]
    n = len(contrib)
    total = float(contrib.sum())
    if total > 0:
        share = contrib / total
        cum = np.cumsum(share)
        cum[-1] = 1.0  # exact end despite rounding
        cum = np.maximum.accumulate(np.minimum(cum, 1.0))
        prev = np.r_[0.0, cum[:-1]]
        cls = np.select([prev < cutoff - _EPS, prev < b_cutoff - _EPS], ["A", "B"], "C")
        n_cut = int((prev < cutoff - _EPS).sum())
        x = np.arange(n + 1) / n
        top_value = float(np.interp(top_share, x, np.r_[0.0, cum]))
        share_at_cut = n_cut / n
    else:
        share = cum = np.full(n, np.nan)
        cls = np.full(n, "C")
        n_cut, top_value, share_at_cut = 0, float("nan"), float("nan")
    table = pd.DataFrame({
        "rank": np.arange(1, n + 1),
        "value": raw.to_numpy()[order],
        "contribution": contrib,
        "share": share,
        "cum_share": cum,
        "cum_client_share": np.arange(1, n + 1) / max(n, 1),
        "pareto_class": pd.Categorical(cls, categories=list(PARETO_CLASSES)),
    }, index=raw.index[order])
    return ParetoResult(
        table=table, cutoff=float(cutoff), n_clients=n, n_cut=n_cut,
        client_share_at_cutoff=float(share_at_cut), top_share=float(top_share),
        top_share_value=top_value, total=total, n_negative=int(neg.sum()),
        negative_total=float(raw[neg].sum()), n_missing=n_missing)
