"""Charts of the warning stage: milestone Gantt chart, tier-migration heat map, alert counts.

Each function applies :func:`crmkit.core.style.use_style`, takes ``lang`` ("zh" | "en") and returns
a :class:`matplotlib.figure.Figure` (not registered with pyplot, so batch runs do not leak
figures). Milestone delays follow :func:`crmkit.score.features.client_features`: delay = (actual end,
or for an unfinished milestone max(as_of, planned end)) - planned end, floored at 0; only
records dated on or before ``as_of`` are used.
"""

from __future__ import annotations

import re

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps, colors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from crmkit.core.dates import as_timestamp
from crmkit.core.errors import WarningError
from crmkit.core.i18n import LABELS, check_lang, register, t
from crmkit.core.style import SEVERITY_COLORS, use_style
from crmkit.warn.history import LOST, NEW, NO_TIER

__all__ = ["milestone_gantt", "milestone_delays", "migration_heatmap", "alert_counts_chart",
           "short_name", "DELAY_COLORS", "SEVERITY_ORDER"]

register({
    "chart.gantt.title": ("项目里程碑甘特图", "Project milestone Gantt chart"),
    "chart.gantt.title_top": ("延误最严重的 {n} 个项目里程碑", "The {n} most delayed milestones"),
    "chart.gantt.planned": ("计划工期", "Planned"),
    "chart.gantt.on_time": ("实际：按期或延误≤{lo}天", "Actual: on time or ≤ {lo} days late"),
    "chart.gantt.medium": ("实际：延误>{lo}天", "Actual: > {lo} days late"),
    "chart.gantt.high": ("实际：延误>{hi}天", "Actual: > {hi} days late"),
    "chart.gantt.overdue": ("未开始且已逾期", "Not started, overdue"),
    "chart.gantt.as_of": ("数据日期 {date}", "As of {date}"),
    "chart.gantt.delay": ("+{days}天", "+{days} d"),
    "chart.gantt.none": ("没有延误的里程碑", "No delayed milestones"),
    "chart.gantt.no_milestones": ("该客户没有项目里程碑", "This client has no project milestones"),
    "chart.migration.title": ("客户层级迁移矩阵", "Tier migration matrix"),
    "chart.migration.from": ("期初层级", "Tier at start"),
    "chart.migration.to": ("期末层级", "Tier at end"),
    "chart.migration.new": ("新增客户", "New clients"),
    "chart.migration.lost": ("退出客户", "Exited clients"),
    "chart.migration.share": ("占期初客户比例", "Share of starting clients"),
    "chart.migration.count": ("客户数", "Clients"),
    "chart.alert_counts.title": ("预警数量（按规则）", "Alerts by rule"),
    "chart.alert_counts.x": ("预警数", "Alerts"),
    "chart.alert_counts.none": ("当前没有预警", "No alerts"),
    "chart.alert_counts.severity.critical": ("严重", "Critical"),
    "chart.alert_counts.severity.high": ("高", "High"),
    "chart.alert_counts.severity.medium": ("中", "Medium"),
    "chart.alert_counts.severity.low": ("低", "Low"),
    "chart.alert_counts.severity.info": ("提示", "Info"),
})

#: Delay band -> colour: within the first band, beyond it, beyond the second.
DELAY_COLORS = {"on_time": SEVERITY_COLORS["low"], "medium": SEVERITY_COLORS["medium"],
                "high": SEVERITY_COLORS["high"]}
#: Severities from most to least severe (others follow, in grey).
SEVERITY_ORDER: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
#: Chinese tick labels of the date axis (ConciseDateFormatter's defaults are English).
_DATE_FORMATS = {"zh": {
    "formats": ["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y年", "%m月", "%m月%d日", "%H:%M", "%H:%M"],
    "offset_formats": ["", "%Y年", "%Y年%m月", "%Y年%m月%d日", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
}}
_PLANNED = {"facecolor": "#eef2f5", "edgecolor": "#7f8c8d", "linewidth": 0.9}
_LEGAL_FORM = re.compile(r"(集团)?(股份)?有限(责任)?公司$|(控股|投资|实业)?集团$|"
                         r",?\s*(co\.?,?\s*)?(ltd\.?|limited|inc\.?|corp\.?)$", re.IGNORECASE)


def short_name(name: object, max_chars: int = 8) -> str:
    """A company name without its legal form (有限公司, Co., Ltd.), cut to ``max_chars``."""
    s = "" if name is None or name is pd.NA else str(name).strip()
    s = _LEGAL_FORM.sub("", s).strip() or s
    return s if len(s) <= max_chars else s[: max_chars - 1] + "…"


def _ts(value: object) -> pd.Timestamp:
    return as_timestamp(value, "as_of", WarningError)


def milestone_delays(tables: dict[str, pd.DataFrame], as_of: object) -> pd.DataFrame:
    """One row per milestone with its client, project, actual span as known at ``as_of`` and
    ``delay_days`` (see the module docstring); ``started`` / ``done`` are as of ``as_of``."""
    as_of = _ts(as_of)
    ms, pr = tables.get("milestones"), tables.get("projects")
    if ms is None or pr is None:
        raise WarningError("the Gantt chart needs the 'projects' and 'milestones' tables; "
                           "collect them first (they are optional in the data contract)")
    cl = tables.get("clients")
    names = (cl.set_index(cl["client_id"].astype("string"))["client_name"].astype("string")
             if cl is not None and "client_name" in cl else pd.Series(dtype="string"))
    proj = pr.set_index(pr["project_id"].astype("string"))
    m = ms.copy()
    pid = m["project_id"].astype("string")
    m["client_id"] = proj["client_id"].astype("string").reindex(pid).to_numpy()
    m["project_name"] = proj["project_name"].astype("string").reindex(pid).to_numpy()
    m["client_name"] = names.reindex(m["client_id"]).to_numpy()
    start = m["actual_start"].where(m["actual_start"] <= as_of)
    end = m["actual_end"].where((m["actual_end"] <= as_of) & start.notna())
    m["started"], m["done"] = start.notna(), end.notna()
    m["bar_start"], m["bar_end"] = start, end.fillna(as_of).where(start.notna())
    reach = end.fillna(m["planned_end"].clip(lower=as_of))
    m["delay_days"] = ((reach - m["planned_end"]).dt.days.clip(lower=0)).astype(float)
    return m.reset_index(drop=True)


def _band(delay: np.ndarray, bands: tuple[int, int]) -> np.ndarray:
    return np.where(delay > bands[1], "high", np.where(delay > bands[0], "medium", "on_time"))


def milestone_gantt(tables: dict[str, pd.DataFrame], as_of: object, lang: str = "zh",
                    client_id: str | None = None, top_n: int = 25,
                    delay_bands: tuple[int, int] = (30, 90), label_chars: int = 10,
                    only_open: bool = False) -> Figure:
    """Gantt chart of project milestones: planned bar (light, outlined) and actual bar (start ->
    end, or -> ``as_of`` while in progress) coloured by delay band, a line at ``as_of``.

    Portfolio (``client_id`` None): the ``top_n`` most delayed milestones (delay > 0), most
    delayed at the top, labelled "client · project · milestone". One client: all its
    milestones, grouped by project. Not-started overdue milestones show a hatched bar from
    their planned end to ``as_of``. Each part of a label is cut to ``label_chars``.
    ``only_open`` keeps only milestones not finished at ``as_of`` (the delays still running).
    """
    check_lang(lang)
    use_style()
    lo, hi = (int(b) for b in delay_bands)
    if not 0 <= lo < hi:
        raise WarningError(f"delay_bands must be two increasing day counts (e.g. (30, 90)); "
                           f"got {delay_bands!r}")
    as_of = _ts(as_of)
    m = milestone_delays(tables, as_of)
    if only_open:
        m = m[~m["done"]]
    if client_id is None:
        rows = m[m["delay_days"] > 0].sort_values(["delay_days", "planned_end"],
                                                  ascending=[False, True], kind="stable")
        rows = rows.head(top_n)
        labels = [" · ".join(short_name(x, label_chars) for x in (c, p, n)) for c, p, n in
                  zip(rows["client_name"], rows["project_name"], rows["milestone_name"],
                      strict=True)]
        title = t("chart.gantt.title_top", lang).format(n=len(rows))
        empty = t("chart.gantt.none", lang)
    else:
        rows = m[m["client_id"] == str(client_id)].copy()
        first = rows.groupby("project_id")["planned_start"].transform("min")
        rows = rows.assign(_first=first).sort_values(["_first", "project_id", "planned_start"],
                                                     kind="stable")
        labels = [" · ".join(short_name(x, label_chars) for x in (p, n)) for p, n in
                  zip(rows["project_name"], rows["milestone_name"], strict=True)]
        name = rows["client_name"].dropna().iloc[0] if rows["client_name"].notna().any() \
            else str(client_id)
        title = f"{t('chart.gantt.title', lang)} — {short_name(name, 20)}"
        empty = t("chart.gantt.no_milestones", lang)
    n = len(rows)
    fig = Figure(figsize=(13, 2.6 + 0.42 * max(n, 3)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=14, pad=22)
    if n == 0:
        ax.text(0.5, 0.5, empty, ha="center", va="center", fontsize=13, transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    y = np.arange(n)
    d = mdates.date2num
    ps, pe = d(rows["planned_start"]), d(rows["planned_end"])
    ax.barh(y, pe - ps, left=ps, height=0.72, gid="planned", label="_planned", **_PLANNED)
    band = _band(rows["delay_days"].to_numpy(), (lo, hi))
    started = rows["started"].to_numpy(dtype=bool)
    if started.any():
        bs, be = d(rows.loc[started, "bar_start"]), d(rows.loc[started, "bar_end"])
        ax.barh(y[started], np.maximum(be - bs, 1.0), left=bs, height=0.36, gid="actual",
                color=[DELAY_COLORS[b] for b in band[started]], edgecolor="none")
    overdue = ~started & (rows["delay_days"].to_numpy() > 0)
    if overdue.any():
        ax.barh(y[overdue], d(as_of) - pe[overdue], left=pe[overdue], height=0.36,
                gid="overdue", facecolor="none", hatch="////", linewidth=0.8,
                edgecolor=[DELAY_COLORS[b] for b in band[overdue]])
    right = np.fmax(pe, np.where(started, d(rows["bar_end"]), np.nan))
    right = np.fmax(right, np.where(overdue, d(as_of), np.nan))
    for yi, xi, days in zip(y, right, rows["delay_days"], strict=True):
        if days > 0:
            ax.annotate(t("chart.gantt.delay", lang).format(days=int(days)), (xi, yi),
                        xytext=(5, 0), textcoords="offset points", va="center", ha="left",
                        fontsize=8.5, color="#424949", gid="delay-label")
    ax.axvline(d(as_of), color="#1b2631", ls="--", lw=1.2, gid="as_of")
    ax.text(d(as_of), 1.005, t("chart.gantt.as_of", lang).format(date=as_of.date()),
            transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9.5,
            color="#1b2631")
    if client_id is not None:
        proj = rows["project_id"].to_numpy()
        for k in np.flatnonzero(proj[1:] != proj[:-1]):
            ax.axhline(k + 0.5, color="#b3b6b7", lw=0.8)
    lo_x = min(np.nanmin(ps), np.nanmin(d(rows["bar_start"])) if started.any() else np.inf)
    hi_x = max(np.nanmax(pe), np.nanmax(right), d(as_of))
    pad = max((hi_x - lo_x) * 0.03, 10)
    ax.set_xlim(lo_x - pad, hi_x + pad * 3.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, labels, fontsize=9.5 if n <= 30 else 8)
    ax.grid(axis="y", visible=False)
    loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, **_DATE_FORMATS.get(lang, {})))
    handles = [Patch(label=t("chart.gantt.planned", lang), **_PLANNED),
               Patch(color=DELAY_COLORS["on_time"], label=t("chart.gantt.on_time", lang)
                     .format(lo=lo)),
               Patch(color=DELAY_COLORS["medium"], label=t("chart.gantt.medium", lang)
                     .format(lo=lo)),
               Patch(color=DELAY_COLORS["high"], label=t("chart.gantt.high", lang).format(hi=hi))]
    if overdue.any():
        handles.append(Patch(facecolor="none", edgecolor="#424949", hatch="////",
                             label=t("chart.gantt.overdue", lang)))
    handles.append(Line2D([], [], color="#1b2631", ls="--",
                          label=t("chart.gantt.as_of", lang).format(date=as_of.date())))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3),
               fontsize=9.5, frameon=False)
    return fig


# -- tier migration --------------------------------------------------------------------------
def _tier_label(code: str, lang: str) -> str:
    special = {NEW: "chart.migration.new", LOST: "chart.migration.lost", NO_TIER: "tier.none"}
    if code in special:
        return t(special[code], lang)
    key = f"tier.{code}.short"
    return t(key, lang) if key in LABELS else str(code)


def _ink(rgba: tuple) -> str:
    r, g, b = colors.to_rgb(rgba)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else "#1b2631"


def migration_heatmap(matrix: pd.DataFrame, lang: str = "zh", *,
                      period: tuple[object, object] | None = None) -> Figure:
    """Annotated heat map of :func:`crmkit.warn.history.migration_matrix` (shares or counts).

    Shares show as percentages (an empty row as "–"), counts as integers; the diagonal (no
    move) is outlined. ``period`` = (start, end) dates adds them to the title.
    """
    check_lang(lang)
    use_style()
    vals = matrix.to_numpy(dtype=float)
    counts = all(pd.api.types.is_integer_dtype(x) for x in matrix.dtypes)
    fig = Figure(figsize=(1.25 * matrix.shape[1] + 3.2, 0.8 * matrix.shape[0] + 2.2),
                 layout="constrained")
    ax = fig.add_subplot()
    cmap = colormaps["Blues"]
    top = np.nanmax(vals) if np.isfinite(vals).any() and np.nanmax(vals) > 0 else 1.0
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, vmin=0, vmax=top, aspect="auto")
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            text = "–" if not np.isfinite(v) else (f"{int(v)}" if counts else f"{v:.0%}")
            ink = "#1b2631" if not np.isfinite(v) else _ink(cmap(v / top))
            ax.text(j, i, text, ha="center", va="center", fontsize=11, color=ink)
    for i, r in enumerate(matrix.index):
        if r in matrix.columns:
            j = list(matrix.columns).index(r)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#1b2631", lw=1.6))
    ax.set_xticks(range(matrix.shape[1]), [_tier_label(c, lang) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [_tier_label(r, lang) for r in matrix.index])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(t("chart.migration.to", lang))
    ax.set_ylabel(t("chart.migration.from", lang))
    ax.grid(False)
    title = t("chart.migration.title", lang)
    if period is not None:
        a, b = (pd.Timestamp(x).date() for x in period)  # type: ignore[arg-type]
        title += f"（{a} → {b}）" if lang == "zh" else f" ({a} → {b})"
    fig.suptitle(title, fontsize=14)
    bar = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label(t("chart.migration.count" if counts else "chart.migration.share", lang))
    if not counts:
        bar.ax.yaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    return fig


# -- alert counts ----------------------------------------------------------------------------
def _severity_label(sev: str, lang: str) -> str:
    for key in (f"severity.{sev}", f"chart.alert_counts.severity.{sev}"):
        if key in LABELS:
            return t(key, lang)
    return sev


def alert_counts_chart(alerts: pd.DataFrame, lang: str = "zh", *,
                       rule_labels: dict[str, str] | None = None) -> Figure:
    """Horizontal bars of alert counts per rule, stacked and coloured by severity.

    ``alerts`` needs columns ``rule`` and ``severity`` (one row per alert). Rule names show
    as ``rule_labels[rule]``, else the label ``rule.<rule>`` if defined, else the rule itself.
    """
    check_lang(lang)
    use_style()
    missing = [c for c in ("rule", "severity") if c not in alerts.columns]
    if missing:
        raise WarningError(f"alert_counts_chart needs columns {missing} in the alerts frame "
                           f"(it has {list(alerts.columns)[:10]})")
    tab = pd.crosstab(alerts["rule"].astype("string").fillna("?"),
                      alerts["severity"].astype("string").fillna("?"))
    sevs = [s for s in SEVERITY_ORDER if s in tab.columns] + sorted(
        set(tab.columns) - set(SEVERITY_ORDER))
    tab = tab.reindex(columns=sevs)
    tab = tab.loc[tab.sum(axis=1).sort_values(ascending=True, kind="stable").index]
    fig = Figure(figsize=(10, 1.8 + 0.45 * max(len(tab), 3)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(t("chart.alert_counts.title", lang), fontsize=14)
    if tab.empty:
        ax.text(0.5, 0.5, t("chart.alert_counts.none", lang), ha="center", va="center",
                fontsize=13, transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    names = [(rule_labels or {}).get(r) or (t(f"rule.{r}", lang) if f"rule.{r}" in LABELS
                                            else r) for r in tab.index]
    left = np.zeros(len(tab))
    for s in sevs:
        v = tab[s].to_numpy(dtype=float)
        ax.barh(range(len(tab)), v, left=left, height=0.62, label=_severity_label(s, lang),
                color=SEVERITY_COLORS.get(s, "#aab7b8"), edgecolor="white", gid=f"sev-{s}")
        left += v
    for i, total in enumerate(left):
        ax.text(total, i, f" {int(total)}", va="center", ha="left", fontsize=10)
    ax.set_yticks(range(len(tab)), names)
    ax.set_xlim(0, left.max() * 1.12)
    ax.set_xlabel(t("chart.alert_counts.x", lang))
    ax.grid(axis="y", visible=False)
    fig.legend(loc="outside lower center", ncol=len(sevs), fontsize=9.5, frameon=False)
    return fig

