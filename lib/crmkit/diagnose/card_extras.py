"""What a one-page client brief adds to a card: rating reasons, facilities, covenant headroom,
open needs and the satisfaction trend.

:func:`add_card_details` takes the cards of :func:`crmkit.diagnose.cards.client_cards` and the
run's tables and adds, per client, plain JSON-ready values (no display text but the rating
reasons, which the credit model words itself):

==================  =========================================================================
``rating``          grade, PD, points, the top reasons in words with the points each cost
``facilities``      the largest facilities: product, amount, outstanding, maturity
``covenant``        DSCR, the covenant minimum and the headroom (DSCR / minimum - 1)
``needs``           open (unfulfilled) needs: type, request date, amount asked
``survey_trend``    the latest surveys, oldest first: date, CSAT (1-5), NPS answer (0-10)
==================  =========================================================================
"""

from __future__ import annotations

import math

import pandas as pd

from crmkit.score.credit.io import reason_texts

__all__ = ["add_card_details", "CARD_LIMITS"]

#: How many rows of each list a one-page card shows.
CARD_LIMITS: dict[str, int] = {"facilities": 4, "needs": 3, "surveys": 6, "alerts": 5,
                               "actions": 5, "reasons": 3}


def _num(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _day(v: object) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date().isoformat()


def _until(frame: pd.DataFrame | None, column: str, as_of: object) -> pd.DataFrame | None:
    if frame is None or as_of is None or column not in frame:
        return frame
    day = pd.to_datetime(frame[column], errors="coerce")
    return frame.loc[(day <= pd.Timestamp(as_of)).to_numpy(dtype=bool)]


def _groups(frame: pd.DataFrame | None, ids: set[str]) -> dict[str, pd.DataFrame]:
    if frame is None or len(frame) == 0 or "client_id" not in frame:
        return {}
    key = frame["client_id"].astype("string")
    sub = frame.loc[key.isin(ids).to_numpy(dtype=bool, na_value=False)]
    return {str(k): g for k, g in sub.groupby(sub["client_id"].astype("string"))}


def _rating(credit: pd.DataFrame | None, lang: str, ids: set[str]) -> dict[str, dict]:
    """Rating of the carded clients ``ids`` only (not a row loop over the whole book)."""
    if credit is None or len(credit) == 0:
        return {}
    frame = credit.set_index(credit["client_id"].astype("string")) if "client_id" in credit \
        else credit
    frame = frame.loc[pd.Series(frame.index.astype("string")).isin(ids).to_numpy(
        dtype=bool, na_value=False)]
    texts = reason_texts(frame, lang) if "reason_1" in frame else pd.DataFrame(index=frame.index)
    out: dict[str, dict] = {}
    n = CARD_LIMITS["reasons"]
    for cid, row in frame.iterrows():
        reasons = []
        for k in range(1, n + 1):
            text = texts[f"reason_{k}_text"].get(cid) if f"reason_{k}_text" in texts else None
            pts = _num(row.get(f"reason_{k}_points"))
            if text is not None and not pd.isna(text):
                reasons.append({"text": str(text), "points": None if pts is None else round(pts)})
        out[str(cid)] = {"grade": None if pd.isna(row.get("grade")) else str(row.get("grade")),
                         "pd": _num(row.get("pd")), "points": _num(row.get("points")),
                         "reasons": reasons}
    return out


def add_card_details(cards: list[dict], *, lang: str, credit: pd.DataFrame | None = None,
                     facilities: pd.DataFrame | None = None, needs: pd.DataFrame | None = None,
                     surveys: pd.DataFrame | None = None, dscr: pd.Series | None = None,
                     covenant_min: float | None = None, as_of: object = None) -> list[dict]:
    """Add ``rating``, ``facilities``, ``covenant``, ``needs`` and ``survey_trend`` to each
    card (in place; also returned). Every frame is optional and keyed by ``client_id``; needs
    and surveys dated after ``as_of`` are left out."""
    ids = {str(c["client_id"]) for c in cards}
    needs = _until(needs, "request_date", as_of)
    surveys = _until(surveys, "survey_date", as_of)
    rating = _rating(credit, lang, ids)
    fac = _groups(facilities, ids)
    need = _groups(needs, ids)
    surv = _groups(surveys, ids)
    dscr_by = dscr.set_axis(dscr.index.astype("string")) if dscr is not None else None
    for card in cards:
        cid = str(card["client_id"])
        card["rating"] = rating.get(cid, {})
        card["facilities"] = _facility_rows(fac.get(cid))
        card["needs"] = _need_rows(need.get(cid))
        card["survey_trend"] = _survey_rows(surv.get(cid))
        x = _num(dscr_by.get(cid)) if dscr_by is not None else None
        card["covenant"] = {"dscr": x, "minimum": covenant_min,
                            "headroom": (x / covenant_min - 1) if x is not None and covenant_min
                            else None}
    return cards


def _facility_rows(g: pd.DataFrame | None) -> list[dict]:
    if g is None:
        return []
    if "status" in g:
        g = g[g["status"].astype("string").fillna("active").ne("closed")]
    g = g.sort_values("outstanding" if "outstanding" in g else g.columns[0], ascending=False)
    return [{"product": None if pd.isna(r.get("product")) else str(r.get("product")),
             "amount": _num(r.get("amount")), "outstanding": _num(r.get("outstanding")),
             "maturity_date": _day(r.get("maturity_date"))}
            for r in g.head(CARD_LIMITS["facilities"]).to_dict("records")]


def _need_rows(g: pd.DataFrame | None) -> list[dict]:
    if g is None:
        return []
    if "fulfilled" in g:
        g = g[~g["fulfilled"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    if "request_date" in g:
        g = g.sort_values("request_date", ascending=False)
    return [{"need_type": None if pd.isna(r.get("need_type")) else str(r.get("need_type")),
             "request_date": _day(r.get("request_date")),
             "requested_amount": _num(r.get("requested_amount"))}
            for r in g.head(CARD_LIMITS["needs"]).to_dict("records")]


def _survey_rows(g: pd.DataFrame | None) -> list[dict]:
    if g is None or "survey_date" not in g:
        return []
    g = g.sort_values("survey_date").tail(CARD_LIMITS["surveys"])
    return [{"date": _day(r.get("survey_date")), "csat": _num(r.get("csat")),
             "nps": _num(r.get("nps"))} for r in g.to_dict("records")]
