"""Interactions (visits, calls, service, complaints), satisfaction surveys and client needs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.core.contract import CODES
from crmkit.sample.base import NO_DATE, Ctx, Latent, choice, sigmoid, uniform_days
from crmkit.sample.names import ids, pick
from crmkit.sample.spec import SIZE_MIX
from crmkit.sample.texts import draw_categorical, draw_texts, text_rng, theme_weights

__all__ = ["interactions", "surveys", "needs", "handling_penalty"]

_TYPES = list(CODES["interaction_type"])      # visit, call, service, complaint
_CHANNELS = list(CODES["channel"])            # visit, phone, email, online, branch, wechat
#: Channel mix (order of CODES["channel"]) per interaction type.
_CHANNEL_MIX = np.array([
    (1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    (0.0, 0.7, 0.0, 0.0, 0.0, 0.3),
    (0.0, 0.0, 0.15, 0.4, 0.25, 0.2),
    (0.0, 0.4, 0.2, 0.1, 0.2, 0.1),
])
_NEEDS = list(CODES["need_type"])
_NEED_MIX = (0.30, 0.15, 0.20, 0.08, 0.12, 0.07, 0.08)
_LOANISH = np.array([t in ("new_loan", "refinancing", "working_capital") for t in _NEEDS])


def _window(ctx: Ctx, lat: Latent) -> tuple[np.ndarray, np.ndarray]:
    start = np.maximum(lat.onboarding + 1, ctx.A - int(ctx.planted.contact_years * 365))
    end = np.where(lat.churned, np.minimum(lat.churn_day + 30, ctx.A), ctx.A)
    return start, np.maximum(end, start)


def interactions(ctx: Ctx, lat: Latent) -> dict[str, object]:
    """Contacts over the last ``contact_years`` (up to churn + 30 days for churned clients).

    Complaints per year are ``complaint_rate * exp(complaint_s * s)``; a complaint's response
    hours are ``response_median_hours * exp(response_s * s + 0.5 e)`` and it is resolved with
    probability ``sigmoid(resolve_intercept - resolve_s * s)``.
    """
    rng, n, P, A = ctx.rng, ctx.n, ctx.planted, ctx.A
    start, end = _window(ctx, lat)
    years = (end - start) / 365.0
    visits = np.array([P.visits_per_year[s] for s in SIZE_MIX])[lat.size]
    lam = np.stack([
        visits * (1 + 0.3 * np.maximum(lat.z, 0)),
        np.full(n, P.calls_per_year),
        np.full(n, P.service_per_year),
        P.complaint_rate * np.exp(P.complaint_s * lat.s),
    ], axis=1) * years[:, None]
    counts = rng.poisson(lam)
    per_client = counts.sum(axis=1)
    owner = np.repeat(np.arange(n), per_client)
    kind = np.repeat(np.tile(np.arange(4), n), counts.ravel())
    date = uniform_days(rng, start[owner], end[owner])
    order = np.lexsort((kind, date, owner))
    owner, kind, date = owner[order], kind[order], date[order]
    m = len(owner)

    channel = _draw(rng, _CHANNEL_MIX[kind])
    s = lat.s[owner]
    service, complaint = kind == 2, kind == 3
    noise = 0.5 * rng.standard_normal(m)
    hours = np.where(complaint, P.response_median_hours * np.exp(P.response_s * s + noise),
                     4.0 * np.exp(0.4 * s + noise))
    hours = np.where(service | complaint, np.maximum(np.round(hours, 1), 0.1), np.nan)
    p_res = np.where(complaint, sigmoid(P.resolve_intercept - P.resolve_s * s), 0.95)
    resolved = rng.random(m) < p_res
    fix_days = np.where(complaint, np.round(np.exp(rng.normal(1 + 0.5 * s, 0.6))),
                        rng.integers(0, 3, m))
    res_day = date + np.ceil(np.nan_to_num(hours) / 24).astype(np.int64) + fix_days.astype(np.int64)
    # escalation: a complaint still open after four months is usually closed within the next
    # two (only a stubborn few stay open, which is what an "unresolved complaint" alert finds)
    late = complaint & ~resolved & (date < A - 120) & (rng.random(m) < P.escalation_close)
    res_day = np.where(late, date + rng.integers(60, 121, m), res_day)
    resolved |= late
    resolved &= res_day <= A
    notes, category = _interaction_texts(ctx, lat, owner, kind, date)
    return {
        "interaction_id": ids("I", ctx.start_ids.get("I", 1), m, 9),
        "client_id": owner,
        "date": date,
        "channel": pick(_CHANNELS, channel),
        "type": pick(_TYPES, kind),
        "response_hours": hours,
        "resolved": (resolved, ~(service | complaint)),        # values, missing mask
        "resolved_date": np.where(resolved & (service | complaint), res_day, NO_DATE),
        "complaint_category": category,
        "notes": notes,
        "_kind": kind,                                          # dropped before output
    }


#: Share of interactions with a note, per type (visit, call, service, complaint).
_NOTE_SHARE = np.array([0.7, 0.4, 0.6, 1.0])
_CATEGORIES = list(CODES["complaint_category"])


def _interaction_texts(ctx: Ctx, lat: Latent, owner: np.ndarray, kind: np.ndarray,
                       date: np.ndarray) -> tuple[object, np.ndarray]:
    """Notes (with planted theme and tone) and the bank's complaint category per contact.

    Drawn from the texts' own stream (:func:`crmkit.sample.texts.text_rng`). Complaints are
    negative; other notes are negative with logit ``-1.6 + 0.9 s (+1.0 in a churned client's
    last 180 days)`` and positive with logit ``0.3 - 0.9 s`` against neutral 0. Complaints carry
    the planted theme as ``complaint_category`` 85 % of the time (5 % ``other``, 10 % blank).
    """
    rng, m = text_rng(ctx.seed, ctx.first), len(owner)
    s, z = lat.s[owner], lat.z[owner]
    theme = draw_categorical(rng, theme_weights(s, z))
    late = lat.churned[owner] & (date > lat.churn_day[owner] - 180)
    neg = np.exp(-1.6 + 0.9 * s + 1.0 * late)
    pos = np.exp(0.3 - 0.9 * s)
    u = rng.random(m) * (neg + pos + 1.0)
    pol = np.where(u < neg, -1, np.where(u < neg + pos, 1, 0))
    complaint = kind == _TYPES.index("complaint")
    pol = np.where(complaint, -1, pol)
    english = rng.random(m) < np.where(lat.overseas[owner], 0.6, 0.05)
    text, _ = draw_texts(rng, theme, pol, english)
    has = rng.random(m) < _NOTE_SHARE[kind]
    u = rng.random(m)
    cat = np.where(u < 0.85, theme, np.where(u < 0.90, _CATEGORIES.index("other"), -1))
    return pc.if_else(pa.array(has), text, None), pick(_CATEGORIES, np.where(complaint, cat, -1))


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cum = np.cumsum(probs, axis=1)
    return np.minimum((cum < rng.random((len(probs), 1))).sum(axis=1), probs.shape[1] - 1)


def handling_penalty(n: int, inter: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """Per client: the complaint-handling penalty H and the number of complaints.

    ``H = min(3, mean complaint response hours / 24) + 0.7 * min(3, unresolved complaints)``
    (0 for a client without complaints).
    """
    owner = np.asarray(inter["client_id"])
    complaint = np.asarray(inter["_kind"]) == _TYPES.index("complaint")
    hours = np.asarray(inter["response_hours"])
    resolved = inter["resolved"][0]
    n_c = np.bincount(owner[complaint], minlength=n)
    tot_h = np.bincount(owner[complaint], hours[complaint], minlength=n)
    unres = np.bincount(owner[complaint & ~resolved], minlength=n)
    mean_h = np.divide(tot_h, n_c, out=np.zeros(n), where=n_c > 0)
    return np.minimum(3.0, mean_h / 24) + 0.7 * np.minimum(3, unres), n_c


def surveys(ctx: Ctx, lat: Latent, penalty: np.ndarray, n_complaints: np.ndarray
            ) -> dict[str, object]:
    """1-3 yearly surveys per client; scores fall with the complaint-handling penalty.

    ``CSAT = round(csat_base - csat_h H - csat_n n_c - 0.2 max(z, 0) + N(0, 0.55))`` in 1-5 and
    ``NPS = round(nps_base - nps_h H - nps_n n_c - 0.4 max(z, 0) + N(0, 1.4))`` in 0-10.
    """
    rng, n, P, A = ctx.rng, ctx.n, ctx.planted, ctx.A
    k_n = 1 + choice(rng, [0.3, 0.4, 0.3], n)
    owner = np.repeat(np.arange(n), k_n)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(k_n) - k_n, k_n)
    base = np.where(lat.churned, lat.churn_day, A)[owner] - 15
    date = base - 365 * k - rng.integers(0, 121, len(owner))
    onb = lat.onboarding[owner]
    date = np.where((k == 0) & (date <= onb), uniform_days(rng, onb + 1, np.minimum(base, A)), date)
    keep = date > onb
    owner, date = owner[keep], date[keep]
    m = len(owner)
    order = np.lexsort((date, owner))
    owner, date = owner[order], date[order]
    h, nc, zp = penalty[owner], n_complaints[owner], np.maximum(lat.z[owner], 0)
    csat = np.clip(np.round(P.csat_base - P.csat_h * h - P.csat_n * nc - 0.2 * zp
                            + rng.normal(0, 0.55, m)), 1, 5).astype(np.int64)
    nps = np.clip(np.round(P.nps_base - P.nps_h * h - P.nps_n * nc - 0.4 * zp
                           + rng.normal(0, 1.4, m)), 0, 10).astype(np.int64)
    rng.random(m)                      # the former phrase draw: kept so later draws stay put
    answered = rng.random(m) >= 0.3      # 30 % leave the feedback blank
    return {"client_id": owner, "survey_date": date, "csat": csat, "nps": nps,
            "feedback": _feedback(ctx, lat, owner, csat, answered)}


#: P(negative), P(neutral), P(positive) of the feedback per CSAT answer 1-5.
_FEEDBACK_TONE = np.array([(0.95, 0.05, 0.0), (0.85, 0.15, 0.0), (0.45, 0.4, 0.15),
                           (0.1, 0.3, 0.6), (0.0, 0.15, 0.85)])


def _feedback(ctx: Ctx, lat: Latent, owner: np.ndarray, csat: np.ndarray,
              answered: np.ndarray) -> object:
    """Survey feedback whose tone follows the CSAT answer and whose theme follows ``s``, ``z``.

    Drawn from the texts' own stream (offset from the notes' stream), so the scores and the
    blank pattern (30 % blank) stay those of the draws above.
    """
    rng = text_rng(ctx.seed, ctx.first, stream=1)
    m = len(owner)
    theme = draw_categorical(rng, theme_weights(lat.s[owner], lat.z[owner]))
    pol = draw_categorical(rng, _FEEDBACK_TONE[csat - 1]) - 1
    english = rng.random(m) < np.where(lat.overseas[owner], 0.6, 0.05)
    text, _ = draw_texts(rng, theme, pol, english)
    return pc.if_else(pa.array(answered), text, None)


def needs(ctx: Ctx, lat: Latent, maturing: np.ndarray) -> tuple[dict[str, object], np.ndarray]:
    """Financing and service needs, and per client whether a loan request is still open.

    Churned clients raised nothing in the last 12 months. Clients with a facility maturing in
    the next 12 months ask for refinancing (``refinancing_share``). A request older than 90 days was
    met with probability ``sigmoid(1.2 - 0.8 z)``, a recent one with 15 %.
    """
    rng, n, P, A = ctx.rng, ctx.n, ctx.planted, ctx.A
    size_f = np.array([1.5, 1.0, 0.8, 0.6])[lat.size]
    count = np.minimum(rng.poisson(P.needs_per_client * size_f), 4)
    refi = maturing & ~lat.churned & (rng.random(n) < P.refinancing_share)
    owner = np.concatenate([np.repeat(np.arange(n), count), np.flatnonzero(refi)])
    m = len(owner)
    kind = np.concatenate([choice(rng, _NEED_MIX, m - refi.sum()),
                           np.full(refi.sum(), _NEEDS.index("refinancing"))]).astype(np.int64)
    start, _ = _window(ctx, lat)
    end = np.where(lat.churned, A - 366, A)
    date = np.where(np.arange(m) < m - refi.sum(), uniform_days(rng, start[owner], end[owner]),
                    uniform_days(rng, np.maximum(A - 90, start[owner]), A))
    keep = date <= end[owner]
    owner, kind, date = owner[keep], kind[keep], date[keep]
    order = np.lexsort((kind, date, owner))
    owner, kind, date = owner[order], kind[order], date[order]
    m = len(owner)

    loanish = _LOANISH[kind] | (kind == _NEEDS.index("guarantee"))
    amount = lat.assets[owner] * np.exp(rng.normal(np.log(0.08), 0.6, m))
    amount = np.where(kind == _NEEDS.index("guarantee"), amount * 0.3, amount)
    amount = np.maximum(np.round(amount / 1e5) * 1e5, 1e6)
    fx = kind == _NEEDS.index("fx_hedging")
    amount = np.where(loanish | fx, amount, np.nan)
    term = np.where(kind == _NEEDS.index("working_capital"), 12 * rng.integers(1, 4, m),
                    12 * rng.integers(1, 11, m))
    term = np.where(kind == _NEEDS.index("guarantee"), 12 * rng.integers(1, 4, m), term)
    coll = choice(rng, [0.3, 0.15, 0.3, 0.1, 0.15], m)
    recent = date > A - 90
    fulfilled = rng.random(m) < np.where(recent, 0.15, sigmoid(1.2 - 0.8 * lat.z[owner]))
    open_loan = np.zeros(n, bool)
    open_loan[owner[_LOANISH[kind] & ~fulfilled & (date > A - 180)]] = True
    cols = {
        "need_id": ids("N", ctx.start_ids.get("N", 1), m, 8),
        "client_id": owner,
        "request_date": date,
        "need_type": pick(_NEEDS, kind),
        "requested_amount": amount,
        "term_months": (term, ~loanish),
        "collateral_offered": pick(list(CODES["collateral_type"]), np.where(loanish, coll, -1)),
        "fulfilled": fulfilled,
    }
    return cols, open_loan
