"""Shared plumbing of the sample generator: the chunk context, per-client latent state, dates.

Dates are handled as ``int64`` days since 1970-01-01 (``NaT`` as :data:`NO_DATE`) and months as
``int64`` months since 1970-01, so schedules can be built with plain numpy arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from crmkit.sample.spec import Planted

__all__ = [
    "NO_DATE", "Ctx", "Latent", "to_days", "month_day", "from_month_day", "choice", "sigmoid",
    "rank_top", "uniform_days", "to_datetime",
]

#: Marker of a missing date in the int-days representation.
NO_DATE = np.iinfo(np.int64).min


def to_days(d: dt.date) -> int:
    """Days since 1970-01-01 of a date."""
    return int(np.datetime64(d, "D").astype(np.int64))


def month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Months since 1970-01 and day of month (1-31) of int days."""
    d = np.asarray(days).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    return m.astype(np.int64), (d - m.astype("datetime64[D]")).astype(np.int64) + 1


def from_month_day(months: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Int days of (months since 1970-01, day of month <= 28)."""
    first = np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + np.asarray(day) - 1


def to_datetime(days: np.ndarray) -> np.ndarray:
    """Int days (with :data:`NO_DATE`) as ``datetime64[ns]`` (with ``NaT``)."""
    days = np.asarray(days, dtype=np.int64)
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == NO_DATE] = np.datetime64("NaT")
    return out


def choice(rng: np.random.Generator, probs: dict[str, float] | np.ndarray, n: int) -> np.ndarray:
    """``n`` category indices drawn with the given probabilities (dict order or array)."""
    p = np.fromiter(probs.values(), float) if isinstance(probs, dict) else np.asarray(probs)
    cum = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(p) - 1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def rank_top(rng: np.random.Generator, logit: np.ndarray, eligible: np.ndarray,
             share: float) -> np.ndarray:
    """Mark ``round(share * len(logit))`` eligible clients (at most all of them), ranked by
    ``logit`` plus standard logistic noise: a logistic model whose intercept fixes the count."""
    noise = rng.logistic(size=len(logit))
    k = min(int(round(share * len(logit))), int(eligible.sum()))
    out = np.zeros(len(logit), dtype=bool)
    if k:
        score = np.where(eligible, logit + noise, -np.inf)
        out[np.argpartition(-score, k - 1)[:k]] = True
    return out


def uniform_days(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int,
                 size: int | None = None) -> np.ndarray:
    """Uniform integer days in ``[lo, hi]`` (``hi`` raised to ``lo`` where smaller).

    ``size`` is required when both bounds are scalars.
    """
    shape = np.broadcast_shapes(np.shape(lo), np.shape(hi), () if size is None else (size,))
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), shape)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
    return lo + (rng.random(shape) * (hi - lo + 1)).astype(np.int64)


@dataclass
class Ctx:
    """What one chunk of clients is generated from."""

    rng: np.random.Generator
    seed: int
    n: int                   #: clients in this chunk
    first: int               #: global index (0-based) of the chunk's first client
    as_of: dt.date
    planted: Planted
    start_ids: dict[str, int] = field(default_factory=dict)  #: next number per id prefix

    @property
    def A(self) -> int:  # noqa: N802 - the as-of day, used in every formula
        return to_days(self.as_of)

    @property
    def A_m(self) -> int:  # noqa: N802
        return (self.as_of.year - 1970) * 12 + self.as_of.month - 1

    @property
    def first_start_m(self) -> int:
        """Month of the earliest facility start: January, eight years before as_of."""
        return (self.as_of.year - 8 - 1970) * 12

    @property
    def fiscal_years(self) -> tuple[int, ...]:
        """The fiscal years with published statements at as_of (published by April), oldest
        first; ``planted.fiscal_years_n`` of them."""
        last = self.as_of.year - 1 if self.as_of.month >= 5 else self.as_of.year - 2
        k = self.planted.fiscal_years_n
        return tuple(range(last - k + 1, last + 1))


@dataclass
class Latent:
    """Per-client hidden state, index-aligned with the chunk's clients (never written out)."""

    z: np.ndarray            #: credit-risk latent
    s: np.ndarray            #: poor-service latent
    industry: np.ndarray     #: index into INDUSTRY_MIX
    size: np.ndarray         #: index into SIZE_MIX
    overseas: np.ndarray     #: bool
    city: np.ndarray         #: index into sample_names.CITIES
    onboarding: np.ndarray   #: int days
    eligible: np.ndarray     #: long enough a client to churn or default (bool)
    churned: np.ndarray      #: bool
    churn_day: np.ndarray    #: int days (NO_DATE if not churned)
    assets: np.ndarray       #: total assets of the latest fiscal year, yuan
    defaulter: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    slip_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    default_lo: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    default_hi: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    default_age: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  #: years
