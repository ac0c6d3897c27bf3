"""IFRS 9-style staging of facilities (stages only; no expected-credit-loss amounts).

Per facility, with the thresholds of :class:`~crmkit.params.warning.StagingParams`:

- **stage 3** (credit-impaired): ``dpd_current >= stage3_dpd`` (90) or status in
  ``default_statuses``; with ``obligor_default`` every facility of a client with a
  credit-impaired facility is stage 3 too (default is assessed per obligor);
- **stage 2** (significant increase in credit risk, SICR): ``dpd_current >= stage2_dpd`` (30),
  or PD now / PD at origination ``>= sicr_ratio`` (2.0) **and** PD now - PD at origination
  ``>= sicr_abs`` (0.005 = 0.5 percentage points), or status in ``watch_statuses``
  (restructured), or the client or facility is on the watch-list;
- **stage 1** otherwise.

PD at origination comes, in order, from the ``pd_origination`` argument, a ``pd_origination``
column of the facility metrics, or nowhere. :func:`origination_pd` derives it from the snapshot
history: the client's PD at the latest snapshot on or before the facility's start date, else
(documented fallback) the client's earliest PD in the history. Where PD now or PD at
origination is missing, SICR by PD is not assessable: only the days-past-due and status
backstops apply, and ``stage_reason`` says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.core.errors import WarningError
from crmkit.core.i18n import check_lang, t
from crmkit.params.warning import StagingParams, WarningParams
from crmkit.score.aggregate import lookup
from crmkit.warn.labels import WARNING_LABELS  # noqa: F401  (registers the labels)
from crmkit.warn.rules import TOLERANCE, facility_frame

__all__ = ["ifrs9_stages", "origination_pd", "stage_summary", "STAGES"]

#: Stage codes.
STAGES: tuple[int, ...] = (1, 2, 3)


def _staging(params: WarningParams | StagingParams | None) -> StagingParams:
    if params is None:
        return StagingParams()
    return params.staging if isinstance(params, WarningParams) else params


class _Mapper:
    """Maps Series indexed by client_id (or facility_id) onto the facilities, caching positions."""

    def __init__(self, fm: pd.DataFrame) -> None:
        self.fm = fm
        self.client_ids = pd.Index(fm["client_id"].astype("string"))
        self.cache: dict[int, tuple[pd.Index, np.ndarray]] = {}

    def __call__(self, series: pd.Series, what: str) -> np.ndarray:
        if not isinstance(series, pd.Series):
            raise WarningError(f"{what} must be a pandas Series indexed by client_id or "
                               f"facility_id; got {type(series).__name__}")
        if not (pd.api.types.is_numeric_dtype(series) or series.isna().all()):
            raise WarningError(f"{what} must be numeric PDs (fractions: 0.02 for 2 %); got "
                               f"dtype {series.dtype}")
        index = series.index
        hit = self.cache.get(id(index))
        if hit is not None and hit[0] is index:
            pos = hit[1]
        else:
            keys = (pd.Index(self.fm.index.astype("string"))
                    if index.name == "facility_id" else self.client_ids)
            if not index.is_unique:
                series = series[~index.duplicated(keep="last")]
            pos = lookup(series.index, keys)  # Arrow hash join (index unique here)
            if index.is_unique:
                self.cache[id(index)] = (index, pos)
        raw = series.to_numpy(dtype=float, na_value=np.nan)
        v = np.where(pos >= 0, raw[np.maximum(pos, 0)] if len(raw) else np.nan, np.nan)
        bad = v[(v < 0) | (v > 1)]
        if bad.size:
            raise WarningError(f"{what} must be fractions between 0 and 1 (0.02 for 2 %); got "
                               f"{bad[:3].tolist()} (percentages? divide by 100)")
        return v


def origination_pd(facility_metrics: pd.DataFrame, pd_history: pd.DataFrame, *,
                   date_col: str = "as_of", pd_col: str = "pd") -> pd.DataFrame:
    """PD at origination per facility from a long PD history (client_id, date, pd).

    The client's PD at the latest snapshot on or before the facility's ``start_date``
    (source ``history_at_start``); else its earliest PD in the history (``history_earliest``,
    the documented fallback); else NaN (``none``).

    Returns
    -------
    pandas.DataFrame
        Index ``facility_id``; columns ``pd_origination``, ``pd_origination_source``.
    """
    fm = facility_frame(facility_metrics)
    missing = [c for c in ("client_id", date_col, pd_col) if c not in pd_history.columns]
    if missing:
        raise WarningError(f"pd_history lacks column(s) {missing}; it needs client_id, "
                           f"{date_col} and {pd_col} (pass date_col= / pd_col= to rename)")
    h = pd.DataFrame({"client_id": pd_history["client_id"].astype("string"),
                      "_d": pd.to_datetime(pd_history[date_col]).astype("datetime64[ns]"),
                      "_pd": pd.to_numeric(pd_history[pd_col], errors="coerce")}).dropna()
    h = h.sort_values(["_d", "client_id"], kind="stable")
    f = pd.DataFrame({"facility_id": fm.index.astype("string"),
                      "client_id": fm["client_id"].astype("string").array,
                      "_d": pd.to_datetime(fm["start_date"]).astype("datetime64[ns]").to_numpy()
                      if "start_date" in fm.columns else pd.NaT})
    dated = f.dropna(subset=["_d"]).sort_values("_d", kind="stable")
    at_start = pd.merge_asof(dated, h, on="_d", by="client_id", direction="backward")
    at = _take(at_start["_pd"], lookup(at_start["facility_id"], f["facility_id"]))
    earliest = h.drop_duplicates("client_id", keep="first")
    first = _take(earliest["_pd"], lookup(earliest["client_id"], f["client_id"]))
    value = np.where(np.isnan(at), first, at)
    source = np.where(~np.isnan(at), "history_at_start",
                      np.where(~np.isnan(first), "history_earliest", "none"))
    return pd.DataFrame({"pd_origination": value, "pd_origination_source": source},
                        index=pd.Index(f["facility_id"], name="facility_id")
                        ).astype({"pd_origination_source": "string"})


def _take(values: pd.Series, pos: np.ndarray) -> np.ndarray:
    """``values`` at positions ``pos`` (a reindex by an Arrow hash join), NaN where -1."""
    v = np.append(values.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return v[pos]  # -1 picks the trailing NaN


def _join(conditions: list[tuple[np.ndarray, str, str]], n: int, sep: str
          ) -> tuple[pd.api.extensions.ExtensionArray, pd.api.extensions.ExtensionArray]:
    """(texts, codes) per row: the texts / codes of the true conditions, joined.

    Rows are grouped by their combination of conditions (a bit mask), so each distinct
    combination is joined once.
    """
    bits = np.zeros(n, dtype=np.int64)
    for i, (mask, _, _) in enumerate(conditions):
        bits |= mask.astype(np.int64) << i
    uniq, inv = np.unique(bits, return_inverse=True)
    texts, codes = [], []
    for u in uniq:
        on = [c for i, c in enumerate(conditions) if (int(u) >> i) & 1]
        texts.append(sep.join(c[2] for c in on))
        codes.append(";".join(c[1] for c in on))
    take = pa.array(inv.reshape(-1).astype(np.int64))
    return (pd.arrays.ArrowStringArray(pa.array(texts, type=pa.large_string()).take(take)),
            pd.arrays.ArrowStringArray(pa.array(codes, type=pa.large_string()).take(take)))


def ifrs9_stages(facility_metrics: pd.DataFrame, pd_now: pd.Series | None = None,
                 pd_origination: pd.Series | pd.DataFrame | None = None,
                 params: WarningParams | StagingParams | None = None, *, lang: str = "zh",
                 watchlist: list[str] | pd.Index | None = None) -> pd.DataFrame:
    """The IFRS 9 stage of every facility, with its reasons.

    Parameters
    ----------
    facility_metrics
        :func:`crmkit.warn.alerting.facility_metrics` (index ``facility_id``; uses client_id,
        status, dpd_current and, if present, pd_origination and exposure).
    pd_now
        Current PD, a Series indexed by ``client_id`` (or by ``facility_id`` when its index
        is named so). None: SICR by PD is not assessed.
    pd_origination
        PD at origination: a Series like ``pd_now``, or :func:`origination_pd`'s frame.
    params
        The ``warning`` section or its ``staging`` subsection (defaults when None).
    lang
        Language of ``stage_reason``.
    watchlist
        Client or facility ids on the watch-list, added to ``params.staging.watchlist``.

    Returns
    -------
    pandas.DataFrame
        Index ``facility_id``; columns client_id, stage (1-3), stage_reason (in ``lang``),
        reason_codes (stable codes joined by ``;``), status, dpd_current, pd_now,
        pd_origination, pd_origination_source, pd_ratio, pd_change, sicr (NA where not
        assessable), exposure.
    """
    check_lang(lang)
    sp = _staging(params)
    fm = facility_frame(facility_metrics)
    n = len(fm)
    mapper = _Mapper(fm)
    now = np.full(n, np.nan) if pd_now is None else mapper(pd_now, "pd_now")
    src_given: np.ndarray | None = None
    if isinstance(pd_origination, pd.DataFrame):
        if "pd_origination" not in pd_origination.columns:
            raise WarningError("pd_origination frame needs a 'pd_origination' column (see "
                               "crmkit.warn.alerting.origination_pd)")
        orig = mapper(pd_origination["pd_origination"], "pd_origination")
        if ("pd_origination_source" in pd_origination.columns
                and pd_origination.index.name == "facility_id"):
            src_given = (pd_origination["pd_origination_source"].astype("string")
                         .reindex(fm.index.astype("string"))
                         .to_numpy(dtype=object, na_value="none"))
        given = "given"
    elif pd_origination is not None:
        orig, given = mapper(pd_origination, "pd_origination"), "given"
    elif "pd_origination" in fm.columns:
        orig = mapper(fm["pd_origination"].rename_axis("facility_id"), "pd_origination")
        given = "column"
    else:
        orig, given = np.full(n, np.nan), "none"
    has_orig = ~np.isnan(orig)
    if src_given is None:
        source = pd.arrays.ArrowStringArray(pa.array(["none", given], type=pa.large_string())
                                            .take(pa.array(has_orig.astype(np.int64))))
    else:
        source = pd.array(np.where(has_orig, src_given, "none"), dtype="string")

    dpd = (fm["dpd_current"].to_numpy(dtype=float, na_value=np.nan)
           if "dpd_current" in fm.columns else np.full(n, np.nan))
    status = (fm["status"].astype("string") if "status" in fm.columns
              else pd.Series(pd.NA, index=fm.index, dtype="string"))
    with np.errstate(invalid="ignore", divide="ignore"):
        dpd3 = dpd >= sp.stage3_dpd
        dpd2 = (dpd >= sp.stage2_dpd) & ~dpd3
        ratio = now / orig
        ratio[(orig == 0) & (now > 0)] = np.inf
        ratio[(orig == 0) & (now == 0)] = 1.0
        ratio[np.isnan(now) | ~has_orig] = np.nan
        change = now - orig
        assessable = ~np.isnan(ratio)
        sicr_pd = (assessable & (ratio >= sp.sicr_ratio - TOLERANCE)
                   & (change >= sp.sicr_abs - TOLERANCE))
    status_default = status.isin(sp.default_statuses).to_numpy(dtype=bool, na_value=False)
    watch_status = status.isin(sp.watch_statuses).to_numpy(dtype=bool, na_value=False)
    listed = [*sp.watchlist, *(watchlist if watchlist is not None else [])]
    on_list = np.zeros(n, dtype=bool)
    if listed:
        wl = pd.Index(listed, dtype="string")
        on_list = (fm.index.astype("string").isin(wl)
                   | mapper.client_ids.isin(wl))
    impaired = dpd3 | status_default
    obligor = np.zeros(n, dtype=bool)
    if sp.obligor_default and impaired.any():
        obligor = mapper.client_ids.isin(mapper.client_ids[impaired].unique()) & ~impaired
    stage3 = impaired | obligor
    stage2 = ~stage3 & (dpd2 | sicr_pd | watch_status | on_list)
    stage = np.where(stage3, 3, np.where(stage2, 2, 1))

    fields = {"stage3_dpd": sp.stage3_dpd, "stage2_dpd": sp.stage2_dpd,
              "sicr_ratio": sp.sicr_ratio, "sicr_pp": sp.sicr_abs * 100}
    no_now = np.isnan(now)
    conditions = [
        ("dpd_stage3", dpd3), ("status_default", status_default),
        ("obligor_default", obligor),
        ("dpd_stage2", stage2 & dpd2), ("sicr_pd", stage2 & sicr_pd),
        ("watch_status", stage2 & watch_status), ("watchlist", stage2 & on_list),
        ("performing", stage == 1),
        ("no_pd_now", ~stage3 & no_now), ("no_pd_origination", ~stage3 & ~no_now & ~has_orig),
    ]
    reason, codes = _join(
        [(m, c, t(f"warn.reason.{c}", lang).format(**fields)) for c, m in conditions], n,
        t("warn.reason.sep", lang))
    sicr = pd.array(sicr_pd, dtype="boolean")
    sicr[~assessable] = pd.NA
    exposure = (fm["exposure"].to_numpy(dtype=float, na_value=np.nan)
                if "exposure" in fm.columns else np.full(n, np.nan))
    return pd.DataFrame({
        "client_id": fm["client_id"].astype("string").array,
        "stage": pd.array(stage, dtype="Int64"),
        "stage_reason": reason, "reason_codes": codes,
        "status": status.array,
        "dpd_current": dpd, "pd_now": now, "pd_origination": orig,
        "pd_origination_source": source,
        "pd_ratio": ratio, "pd_change": change, "sicr": sicr, "exposure": exposure,
    }, index=pd.Index(fm.index.astype("string"), name="facility_id"))


def stage_summary(stages: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Facilities and exposure per stage (rows 1-3, also when empty), with the stage names.

    Returns
    -------
    pandas.DataFrame
        Index ``stage``; columns name (in ``lang``), facilities, exposure, share (of exposure).
    """
    check_lang(lang)
    g = stages.groupby("stage")
    out = pd.DataFrame({"facilities": g.size(), "exposure": g["exposure"].sum(min_count=1)}
                       ).reindex(list(STAGES))
    out["facilities"] = out["facilities"].fillna(0).astype("int64")
    out["exposure"] = out["exposure"].fillna(0.0)
    total = out["exposure"].sum()
    out["share"] = out["exposure"] / total if total > 0 else np.nan
    out.insert(0, "name", [t(f"warn.stage.{s}", lang) for s in STAGES])
    out.index.name = "stage"
    return out
