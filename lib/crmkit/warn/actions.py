"""The action plan: each relationship manager's follow-ups for the next days, as CSV and .ics.

:func:`action_plan` lists, per owner (relationship manager), the items due from ``as_of`` to
``as_of + horizon_days`` (both included):

``alert``          alerts whose follow-up is due in the window (their severity);
``maturity``       live facilities maturing in the window;
``covenant_test``  financial-covenant test dates (default 30 June and 31 December) of clients
                   with live facilities of the covenant products (project finance, long-term);
``annual_review``  each client's annual credit review on its onboarding anniversary;
``anniversary``    relationship anniversaries of 5, 10, 15 ... years.

A 29 February date falls on 28 February in other years. :func:`write_plan_csv` writes the plan
as UTF-8 with a byte-order mark (Excel opens the Chinese correctly); :func:`write_ics` writes an
RFC 5545 calendar (one all-day VEVENT per item, a stable UID so re-imports update events).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.contract import code_label
from crmkit.core.csvsafe import write_csv
from crmkit.core.dates import as_timestamp
from crmkit.core.errors import WarningError
from crmkit.core.i18n import check_lang, t
from crmkit.params.warning import WarningParams
from crmkit.warn.ics import ICS_PRIORITY, PRODID, write_ics
from crmkit.warn.labels import display_frame
from crmkit.warn.metrics import facility_metrics
from crmkit.warn.rules import SEVERITY_RANK, facility_frame, render

__all__ = ["action_plan", "write_plan_csv", "write_ics", "PLAN_COLUMNS", "KINDS",
           "PRODID", "ICS_PRIORITY"]

#: Kinds of action-plan items, in display order for items on the same day.
KINDS: tuple[str, ...] = ("alert", "maturity", "covenant_test", "annual_review", "anniversary")
#: Columns of :func:`action_plan`.
PLAN_COLUMNS: tuple[str, ...] = ("owner", "date", "client_id", "client_name", "kind", "title",
                                 "detail", "severity", "facility_id", "ref", "uid")
_CSV_COLUMNS = ("owner", "date", "client_id", "client_name", "kind", "title", "detail",
                "severity", "facility_id")


def _on(year: int, month: int, day: int) -> pd.Timestamp:
    if month == 2 and day == 29 and not pd.Timestamp(year=year, month=1, day=1).is_leap_year:
        day = 28
    return pd.Timestamp(year=year, month=month, day=day)


def _anniversaries(onboard: pd.Series, years: range) -> list[tuple[int, np.ndarray]]:
    """(year, dates) of every client's onboarding anniversary in each calendar year."""
    d = pd.to_datetime(onboard)
    month, day = d.dt.month.to_numpy(), d.dt.day.to_numpy()
    out = []
    for y in years:
        leap = pd.Timestamp(year=y, month=1, day=1).is_leap_year
        fixed = np.where((month == 2) & (day == 29) & (not leap), 28, day)
        parts = pd.DataFrame({"year": y, "month": month, "day": fixed})
        out.append((y, pd.to_datetime(parts, errors="coerce").to_numpy()))
    return out


def _frame(**cols: object) -> pd.DataFrame:
    return pd.DataFrame({c: cols.get(c, pd.NA) for c in PLAN_COLUMNS if c != "uid"})


def _money(v: np.ndarray, lang: str) -> np.ndarray:
    tmpl = t("warn.money", lang)
    return np.array([t("warn.money.missing", lang) if np.isnan(x)
                     else tmpl.format(wan=x / 1e4, m=x / 1e6) for x in v], dtype=object)


def action_plan(alerts: pd.DataFrame, tables: dict[str, pd.DataFrame],
                as_of: dt.date | pd.Timestamp, params: WarningParams | None = None, *,
                horizon_days: int | None = None, lang: str = "zh",
                facilities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Follow-ups due in the next ``horizon_days`` days, per relationship manager.

    Parameters
    ----------
    alerts
        :func:`crmkit.warn.alerting.alerts` (may be empty).
    tables
        Clean tables (``clients`` and ``facilities``; ``repayments`` optional).
    as_of
        The analysis date; the window is ``[as_of, as_of + horizon_days]``.
    params
        The ``warning`` section (``actions`` and the rule names); defaults when None.
    horizon_days
        Overrides ``params.actions.horizon_days`` (default 30).
    lang
        Language of titles and details.
    facilities
        :func:`crmkit.warn.alerting.facility_metrics` at ``as_of`` if already computed (else it is
        computed from ``tables``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PLAN_COLUMNS`, sorted by owner, date, severity, kind, client_id. ``ref``
        is the rule id, facility id or year the item is about; ``uid`` a stable calendar UID.
    """
    check_lang(lang)
    params = WarningParams() if params is None else params
    ap = params.actions
    horizon = ap.horizon_days if horizon_days is None else int(horizon_days)
    if horizon < 0:
        raise WarningError(f"horizon_days must be >= 0; got {horizon}")
    start = as_timestamp(as_of, "as_of")
    end = start + pd.Timedelta(days=horizon)
    clients = tables.get("clients")
    if clients is None or "client_id" not in clients.columns:
        raise WarningError("action_plan needs the clients table (client_id, client_name, "
                           "relationship_manager, onboarding_date)")
    clients = clients.drop_duplicates("client_id").set_index(
        clients.drop_duplicates("client_id")["client_id"].astype("string"))
    owner_of = clients["relationship_manager"].astype("string") \
        if "relationship_manager" in clients.columns else pd.Series(dtype="string")
    name_of = clients["client_name"].astype("string") \
        if "client_name" in clients.columns else pd.Series(dtype="string")
    parts: list[pd.DataFrame] = []

    # -- alerts ------------------------------------------------------------------------------
    if len(alerts):
        a = alerts[(alerts["due_date"] >= start) & (alerts["due_date"] <= end)]
        labels = {r.id: r.label(lang) for r in params.rules}
        rule = a["rule_id"].astype("string")
        name = rule.map(labels).fillna(a.get("rule_name", rule)).to_numpy(dtype=object)
        fid = a["facility_id"].astype("string")
        reason = a["reason"].astype("string").fillna("").to_numpy(dtype=object)
        with_fid = render(t("warn.detail.alert_facility", lang), {
            "facility_id": fid.fillna("").to_numpy(dtype=object), "reason": reason}, len(a))
        detail = np.where(fid.isna(), reason, np.asarray(with_fid, dtype=object))
        parts.append(_frame(
            owner=a["owner"].to_numpy(), date=a["due_date"].to_numpy(),
            client_id=a["client_id"].to_numpy(), client_name=a["client_name"].to_numpy(),
            kind="alert", title=render(t("warn.title.alert", lang), {"rule": name}, len(a)),
            detail=detail, severity=a["severity"].astype("string").to_numpy(),
            facility_id=fid.to_numpy(), ref=(rule + ("/" + fid).fillna("")).to_numpy()))

    # -- maturities and covenant tests ------------------------------------------------------
    fm = facility_metrics(tables, start) if facilities is None else facility_frame(facilities)
    lacking = [c for c in ("product", "start_date", "maturity_date", "exposure")
               if c not in fm.columns]
    if lacking:
        raise WarningError(f"action_plan: the facility metrics lack {lacking}; pass "
                           "crmkit.warn.alerting.facility_metrics(tables, as_of) or leave facilities "
                           "out")
    mat = fm[(fm["maturity_date"] >= start) & (fm["maturity_date"] <= end)]
    if len(mat):
        fid = mat.index.to_numpy(dtype=object)
        products = mat["product"].astype("string").fillna("")
        plabel = products.map({p: code_label("product", p, lang) for p in products.unique()})
        parts.append(_frame(
            owner=mat["client_id"].map(owner_of).to_numpy(), date=mat["maturity_date"].to_numpy(),
            client_id=mat["client_id"].to_numpy(), client_name=mat["client_id"].map(name_of)
            .to_numpy(), kind="maturity",
            title=render(t("warn.title.maturity", lang), {"product": plabel.to_numpy(
                dtype=object)}, len(mat)),
            detail=render(t("warn.detail.maturity", lang), {
                "facility_id": fid, "date": mat["maturity_date"].dt.strftime("%Y-%m-%d")
                .to_numpy(dtype=object), "balance": _money(mat["exposure"].to_numpy(), lang)},
                len(mat)),
            severity=ap.maturity_severity, facility_id=fid, ref=fid))
    cov = fm[fm["product"].isin(ap.covenant_products).to_numpy(dtype=bool, na_value=False)]
    sep = "、" if lang == "zh" else ", "
    for y in range(start.year, end.year + 1):
        for month, day in ap.covenant_month_days:
            when = _on(y, month, day)
            if not start <= when <= end or cov.empty:
                continue
            live = cov[~(cov["start_date"] > when) & ~(cov["maturity_date"] < when)]
            if live.empty:
                continue
            g = (live.reset_index().groupby("client_id", sort=True)["facility_id"]
                 .agg(lambda s: sep.join(sorted(s.astype(str)))))
            parts.append(_frame(
                owner=g.index.map(owner_of).to_numpy(), date=when, client_id=g.index.to_numpy(),
                client_name=g.index.map(name_of).to_numpy(), kind="covenant_test",
                title=t("warn.title.covenant_test", lang),
                detail=render(t("warn.detail.covenant_test", lang), {
                    "date": when.date().isoformat(), "facilities": g.to_numpy(dtype=object)},
                    len(g)),
                severity=ap.covenant_severity, ref=when.strftime("%Y%m%d")))

    # -- annual reviews and anniversaries ---------------------------------------------------
    if "onboarding_date" in clients.columns:
        onboard = pd.to_datetime(clients["onboarding_date"])
        for y, dates in _anniversaries(onboard, range(start.year, end.year + 1)):
            years = y - onboard.dt.year.to_numpy(dtype=float, na_value=np.nan)
            d = pd.Series(dates, index=clients.index)
            hit = ((d >= start) & (d <= end)).to_numpy(dtype=bool, na_value=False) & (years >= 1)
            if not hit.any():
                continue
            c = clients.index[hit]
            yrs = years[hit].astype(int)
            common = dict(owner=owner_of.reindex(c).to_numpy(), date=d[hit].to_numpy(),
                          client_id=c.to_numpy(), client_name=name_of.reindex(c).to_numpy())
            parts.append(_frame(
                **common, kind="annual_review", title=t("warn.title.annual_review", lang),
                detail=render(t("warn.detail.annual_review", lang), {"years": yrs}, len(c)),
                severity=ap.review_severity, ref=np.char.mod("review%d", yrs).astype(object)))
            big = np.isin(yrs, ap.anniversary_years)
            if big.any():
                parts.append(_frame(
                    **{k: v[big] for k, v in common.items()}, kind="anniversary",
                    title=render(t("warn.title.anniversary", lang), {"years": yrs[big]},
                                 int(big.sum())),
                    detail=render(t("warn.detail.anniversary", lang), {
                        "onboarding": onboard[hit][big].dt.strftime("%Y-%m-%d").to_numpy(
                            dtype=object)}, int(big.sum())),
                    severity=ap.anniversary_severity,
                    ref=np.char.mod("years%d", yrs[big]).astype(object)))
    return _finish(parts)


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    plan = (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame({c: pd.Series(dtype="string") for c in PLAN_COLUMNS}))
    plan["date"] = pd.to_datetime(plan["date"]).astype("datetime64[ns]")
    for c in ("owner", "client_id", "client_name", "kind", "title", "detail", "severity",
              "facility_id", "ref"):
        plan[c] = plan[c].astype("string")
    keys = (plan["client_id"].fillna("") + "|" + plan["kind"] + "|" + plan["ref"].fillna("")
            + "|" + plan["date"].dt.strftime("%Y%m%d"))
    plan["uid"] = pd.array([hashlib.sha1(k.encode("utf-8")).hexdigest()[:24] + "@crmkit"
                            for k in keys], dtype="string")
    plan["_sev"] = plan["severity"].map(SEVERITY_RANK).astype("float64")
    plan["_kind"] = plan["kind"].map({k: i for i, k in enumerate(KINDS)}).astype("float64")
    plan = plan.sort_values(["owner", "date", "_sev", "_kind", "client_id", "ref"],
                            kind="stable", na_position="last")
    return plan.drop(columns=["_sev", "_kind"]).reset_index(drop=True)[list(PLAN_COLUMNS)]


def write_plan_csv(plan: pd.DataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write the plan as CSV, UTF-8 with BOM, headers and codes in ``lang``; atomic."""
    check_lang(lang)
    out = plan.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    table = display_frame(out, lang, columns=[c for c in _CSV_COLUMNS if c in out.columns])
    return write_csv(table, Path(path))  # formulas in client data made inert (OWASP)
