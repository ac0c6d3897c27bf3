"""Reader-facing views of the relate tables: headers in words with their unit, money in 亿元
(CNY m), shares in %, codes in words (notebook, report section and workbook sheet use the same
views).

The views hold numbers (the workbook formats them as Excel numbers); ``text=True`` gives the
report's copy, every number as text grouped in thousands (``20,913.6``) as in the other
sections' tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.core.i18n import check_lang, t
from crmkit.core.units import fixed_unit
from crmkit.relate.labels import RELATE_LABELS  # noqa: F401  (registers the labels)

__all__ = ["group_view", "limit_view", "breach_count", "concentration_view", "STAGE_WORDS"]

#: IFRS 9 stage in words.
STAGE_WORDS = {1: ("阶段一", "Stage 1"), 2: ("阶段二", "Stage 2"), 3: ("阶段三", "Stage 3")}
_GROUP_MONEY = ("direct_exposure", "guarantees_inside", "guarantees_outside", "exposure")


def _headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return df.rename(columns={c: t(f"relate.col.{c}", lang) for c in df.columns})


def _money(s: pd.Series, lang: str) -> pd.Series:
    unit = fixed_unit(lang)
    return (s.astype(float) / unit.divisor).round(unit.decimals)


def _pct(s: pd.Series) -> pd.Series:
    return (s.astype(float) * 100).round(1)


def _as_text(out: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """``out`` with the columns of ``decimals`` as text to that many places, grouped in
    thousands (``20,913.6``); "—" where missing."""
    return out.assign(**{c: [("—" if pd.isna(v) else f"{v:,.{d}f}") for v in out[c]]
                         for c, d in decimals.items() if c in out})


def _rows(out: pd.DataFrame, key: str, index: bool) -> pd.DataFrame:
    """``out`` indexed by its column ``key`` (a reader's table shows no row numbers), else
    with a plain 0..n-1 index (a workbook sheet, where ``key`` stays a column)."""
    return out.set_index(key) if index else out.reset_index(drop=True)


def group_view(groups: pd.DataFrame, lang: str = "zh", n: int | None = 15,
               only_groups: bool = True, index: bool = False, text: bool = False
               ) -> pd.DataFrame:
    """The group table for reading: the ``n`` largest groups (of two or more clients);
    ``index``: the group's name as the index (no row numbers in the report and notebook);
    ``text``: numbers as text grouped in thousands (the report's tables)."""
    check_lang(lang)
    g = groups[groups["in_group"].astype(bool)] if only_groups else groups
    g = g.head(n) if n is not None else g
    i = 0 if lang == "zh" else 1
    out = pd.DataFrame({
        "group_name": g["group_name"].astype(str), "members": g["members"].astype(int),
        "member_names": g["member_names"].astype(str).str.replace(
            "、", "、" if lang == "zh" else ", ", regex=False),
        "direct_exposure": _money(g["direct_exposure"], lang),
        "guarantees_inside": _money(g["guarantees_inside"], lang),
        "guarantees_outside": _money(g["guarantees_outside"], lang),
        "exposure": _money(g["exposure"], lang),
        "worst_grade": g["worst_grade"].astype("string").fillna("—").astype(str),
        "worst_stage": [STAGE_WORDS[int(s)][i] if pd.notna(s) else "—"
                        for s in g["worst_stage"]]})
    if text:
        d = fixed_unit(lang).decimals
        out = _as_text(out, {"members": 0, **dict.fromkeys(_GROUP_MONEY, d)})
    return _rows(_headers(out, lang), t("relate.col.group_name", lang), index)


def limit_view(limits: pd.DataFrame, lang: str = "zh", n: int | None = 15,
               tier1_capital: float | None = None, index: bool = False, text: bool = False,
               n_under: int | None = None) -> pd.DataFrame:
    """Clients and groups nearest to (or over) their limit: the ``n`` highest uses over the
    limit, then the ``n_under`` (default ``n``) highest under it (the relate stage saves the
    limits in order of use; :func:`breach_count` says how many breaches there are in all).
    Empty when the limits were not assessed. ``index``: the client's or group's name as the
    index (no row numbers in the report and notebook); ``text``: numbers as text grouped in
    thousands (the report's tables)."""
    check_lang(lang)
    d = limits.dropna(subset=["utilisation"])
    if n is not None:
        over = d["breach"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        d = pd.concat([d[over].head(n), d[~over].head(n if n_under is None else n_under)])
    out = pd.DataFrame({
        "level": [t(f"relate.level.{x}", lang) for x in d["level"]],
        "name": d["name"].astype(str), "exposure": _money(d["exposure"], lang),
        "limit": _money(d["limit"], lang), "utilisation": _pct(d["utilisation"]),
        "headroom": _money(d["headroom"], lang),
        "breach": [t("relate.breach.yes" if b else "relate.breach.no", lang)
                   for b in d["breach"]]})
    if tier1_capital:
        out.insert(3, "share_of_tier1", _pct(d["exposure"] / tier1_capital))
    if text:
        out = _as_text(out, {**dict.fromkeys(("exposure", "limit", "headroom"),
                                             fixed_unit(lang).decimals),
                             "share_of_tier1": 1, "utilisation": 1})
    return _rows(_headers(out, lang), t("relate.col.name", lang), index)


def breach_count(limits: pd.DataFrame, lang: str = "zh") -> str:
    """"Breaches: n (c clients, g groups)" in words, for the line above :func:`limit_view`."""
    b = limits[limits["breach"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    return t("relate.breaches", lang).format(
        n=len(b), c=int((b["level"] == "client").sum()), g=int((b["level"] == "group").sum()))


def concentration_view(summary: pd.DataFrame, lang: str = "zh",
                       index: bool = False, text: bool = False) -> pd.DataFrame:
    """The concentration summary for reading (HHI to three places, shares in %); ``index``:
    the dimension as the index (no row numbers in the report and notebook); ``text``:
    numbers as text grouped in thousands (the report's tables)."""
    check_lang(lang)
    out = pd.DataFrame({
        "dimension": [t(f"relate.dim.{d}", lang) for d in summary["dimension"]],
        "units": summary["units"].astype(int), "hhi": summary["hhi"].astype(float).round(3),
        "effective_number": summary["effective_number"].astype(float).round(1),
        "largest_share": _pct(summary["largest_share"]),
        "top_share": _pct(summary["top_share"])})
    out = out.replace({np.nan: None})
    if text:
        out = _as_text(out, {"units": 0, "hhi": 3, "effective_number": 1,
                             "largest_share": 1, "top_share": 1})
    return _rows(_headers(out, lang), t("relate.col.dimension", lang), index)
