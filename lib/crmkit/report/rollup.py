"""Cross-portfolio roll-up: one table (and report) comparing the portfolios of a batch run.

For each portfolio run it reads what the stages wrote (``collect/clients.parquet``,
``tier/tiers.parquet``, ``warn/alerts.parquet``, ``warn/ecl.parquet``,
``diagnose/diagnostic.parquet`` and the report's own figures, ``diagnose/kpis.json``, so NPS,
CSAT and CLV are the same numbers as in each portfolio's report); a stage that did not run
leaves its columns blank rather than failing the roll-up. Risk comes first (clients in default,
expected credit loss), money is shown in 亿元 (CNY bn), and no local path is shown.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.csvsafe import text_not_formulas
from crmkit.core.fonts import font_face_css
from crmkit.core.i18n import register, t
from crmkit.core.store import atomic_write
from crmkit.diagnose.labels import fmt_money

__all__ = ["rollup_table", "write_rollup", "ROLLUP_COLUMNS"]

ROLLUP_COLUMNS = ["portfolio", "as_of", "status", "clients", "exposure", "in_default", "ecl",
                  "tier_A", "tier_B", "tier_C", "alerts", "alerts_critical", "alerts_high", "nps",
                  "csat", "clv", "error"]

register({
    "rollup.title": ("多组合汇总", "Portfolio roll-up"),
    "rollup.portfolio": ("组合", "Portfolio"), "rollup.as_of": ("基准日", "As of"),
    "rollup.status": ("状态", "Status"), "rollup.clients": ("客户数", "Clients"),
    "rollup.exposure": ("敞口合计", "Exposure"), "rollup.tier_A": ("A 核心", "Tier A"),
    "rollup.tier_B": ("B 重点", "Tier B"), "rollup.tier_C": ("C 一般", "Tier C"),
    "rollup.alerts": ("预警数", "Alerts"), "rollup.alerts_critical": ("严重预警", "Critical"),
    "rollup.alerts_high": ("高级预警", "High"), "rollup.nps": ("净推荐值 NPS", "NPS"),
    "rollup.csat": ("满意度 CSAT", "CSAT"),
    "rollup.clv": ("风险调整 CLV 合计", "Risk-adjusted CLV"),
    "rollup.in_default": ("违约客户", "In default"),
    "rollup.ecl": ("预期信用损失", "Expected credit loss"),
    "rollup.error": ("失败原因", "Why it failed"),
    "rollup.ok": ("成功", "ok"), "rollup.failed": ("失败", "failed"),
    "rollup.generated": ("生成时间", "Generated"),
})


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def _portfolio_row(run_dir: Path, portfolio: str, ok: bool, error: str = "") -> dict:
    row: dict = {c: pd.NA for c in ROLLUP_COLUMNS}
    row.update(portfolio=portfolio, as_of=run_dir.name, status="ok" if ok else "failed",
               error=(error.strip().splitlines() or [""])[0][:200] if not ok else "")
    clients = _read(run_dir / "collect" / "clients.parquet")
    if clients is not None:
        row["clients"] = len(clients)
    diag = _read(run_dir / "diagnose" / "diagnostic.parquet")
    tiers = _read(run_dir / "tier" / "tiers.parquet")
    source = diag if diag is not None else tiers
    if source is not None:
        if "exposure" in source:
            row["exposure"] = float(source["exposure"].sum())
        if "tier" in source:
            counts = source["tier"].astype("string").value_counts()
            for tier in "ABC":
                row[f"tier_{tier}"] = int(counts.get(tier, 0))
    alerts = _read(run_dir / "warn" / "alerts.parquet")
    if alerts is not None:
        row["alerts"] = len(alerts)
        sev = alerts["severity"].astype("string").value_counts() if "severity" in alerts else {}
        row["alerts_critical"] = int(sev.get("critical", 0))
        row["alerts_high"] = int(sev.get("high", 0))
    if diag is not None and "risk_status" in diag:
        row["in_default"] = int(diag["risk_status"].astype("string").eq("default").sum())
    ecl = _read(run_dir / "warn" / "ecl.parquet")
    if ecl is not None:
        row["ecl"] = float(ecl["ecl"].sum())
    kpis = run_dir / "diagnose" / "kpis.json"
    if kpis.is_file():  # the report's own figures: one definition of each metric
        k = json.loads(kpis.read_text(encoding="utf-8"))
        for col, key in (("nps", "nps"), ("csat", "csat_share"), ("clv", "clv_total")):
            if k.get(key) is not None:
                row[col] = float(k[key])
    return row


def rollup_table(runs: list[tuple]) -> pd.DataFrame:
    """One row per portfolio run: ``runs`` holds ``(run_dir, portfolio, ok)`` or
    ``(run_dir, portfolio, ok, error)``."""
    rows = [_portfolio_row(Path(r[0]), r[1], r[2], r[3] if len(r) > 3 else "") for r in runs]
    return pd.DataFrame(rows, columns=ROLLUP_COLUMNS)


def _shown(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The roll-up for reading: money in 亿元 / CNY bn, shares as %, status in words."""
    out = table.copy()
    for col in ("exposure", "ecl", "clv"):
        out[col] = [fmt_money(float(v), lang) if pd.notna(v) else "—" for v in out[col]]
    out["csat"] = [f"{float(v):.1%}" if pd.notna(v) else "—" for v in out["csat"]]
    out["nps"] = [f"{float(v):+.0f}" if pd.notna(v) else "—" for v in out["nps"]]
    out["status"] = [t(f"rollup.{v}", lang) for v in out["status"]]
    for col in ("clients", "in_default", "tier_A", "tier_B", "tier_C", "alerts",
                "alerts_critical", "alerts_high"):
        out[col] = [f"{int(v):,}" if pd.notna(v) else "—" for v in out[col]]
    if not out["error"].astype("string").fillna("").str.len().gt(0).any():
        out = out.drop(columns="error")
    return out.rename(columns={c: t(f"rollup.{c}", lang) for c in out.columns})


def write_rollup(table: pd.DataFrame, out_dir: Path, lang: str = "zh") -> dict[str, Path]:
    """Write the roll-up as ``rollup.xlsx`` and a self-contained ``rollup.html``."""
    out_dir = Path(out_dir)
    shown = _shown(table, lang)
    xlsx = atomic_write(out_dir / "rollup.xlsx", lambda tmp: _xlsx(shown, tmp))
    body = _html_ready(shown).to_html(index=False, escape=True, na_rep="—",
                                      float_format=lambda v: f"{v:,.2f}")
    title = html.escape(t("rollup.title", lang))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    doc = (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
           f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
           f'content="{CSP}"><title>{title}</title><style>'
           "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
           "color:#1b2631}h1{color:#1f4e79}table{border-collapse:collapse;font-size:13px}"
           "th{background:#1f4e79;color:#fff;padding:6px 10px}td{padding:5px 10px;"
           "border-bottom:1px solid #d5dbdb;text-align:right;white-space:nowrap}"
           "tr:nth-child(even){background:#f4f6f7}"
           f"{font_face_css(title + t('rollup.generated', lang) + body)}"
           f"</style></head><body><h1>{title}</h1><p>{html.escape(t('rollup.generated', lang))}"
           f": {stamp}</p>{body}</body></html>")
    page = atomic_write(out_dir / "rollup.html", lambda tmp: tmp.write_text(doc, "utf-8"))
    return {"xlsx": xlsx, "html": page}


#: The roll-up page runs nothing and loads nothing (as the report and client cards).
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")


def _html_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as NaN (shown as a dash, never ``<NA>``), numeric columns as floats."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        num = pd.to_numeric(s, errors="coerce")
        numeric = bool(s.notna().sum()) and num.notna().sum() == s.notna().sum()
        if numeric and (num.dropna() % 1 == 0).all():  # counts stay whole numbers
            out[col] = [int(v) if pd.notna(v) else np.nan for v in num]
        elif numeric:
            out[col] = num.astype("float64")
        else:
            out[col] = s.astype(object).where(s.notna(), np.nan)
    return out


def _xlsx(frame: pd.DataFrame, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        frame.to_excel(xw, index=False, sheet_name="rollup")
        ws = xw.sheets["rollup"]
        text_not_formulas(ws)  # a title or error starting with '=' stays text
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(40, width + 4)
