"""Cross-portfolio roll-up: one table (and report) comparing the portfolios of a batch run.

For each portfolio run it reads what the stages wrote (``collect/clients.parquet``,
``tier/tiers.parquet``, ``warn/alerts.parquet``, ``warn/ecl.parquet``,
``diagnose/diagnostic.parquet`` and the report's own figures, ``diagnose/kpis.json``, so NPS,
CSAT and CLV are the same numbers as in each portfolio's report); a stage that did not run
leaves its columns blank rather than failing the roll-up. Risk comes first (clients in default,
expected credit loss), each money column is shown in one unit stated in its header (亿元 or 万元),
failed portfolios are listed with their error, and no local path is shown.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pandas as pd

from crmkit.core.branding import Brand
from crmkit.core.csvsafe import text_not_formulas
from crmkit.core.fonts import font_face_css
from crmkit.core.i18n import register, t
from crmkit.core.store import atomic_write
from crmkit.core.units import money_header, money_unit

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
    "rollup.failures": ("未完成的组合", "Portfolios that did not finish"),
    "rollup.no_detail": ("未记录原因", "no reason recorded"),
    "rollup.summary": ("共 {n} 个组合运行，{ok} 个成功 · 生成时间 {generated}",
                       "{n} portfolio runs, {ok} succeeded · generated {generated}"),
    "rollup.note": ("各指标与各组合报告口径一致：净推荐值、满意度（4-5 分占比）与风险调整客户价值"
                    "取自各报告自身的计算结果；金额单位见列标题。",
                    "Every figure is defined as in each portfolio's report: NPS, CSAT (share "
                    "rating 4-5) and risk-adjusted CLV are the reports' own figures; money units "
                    "are stated in the column headers."),
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
    """The roll-up for reading: each money column in one unit stated in its header (亿元 /
    CNY bn, :func:`crmkit.core.units.money_unit`), shares as %, counts whole, status in words."""
    out = table.copy()
    renames = {}
    for col in ("exposure", "ecl", "clv"):
        unit = money_unit(pd.to_numeric(out[col], errors="coerce").tolist(), lang)
        out[col] = [unit.text(float(v)) if pd.notna(v) else "—" for v in out[col]]
        renames[col] = money_header(t(f"rollup.{col}", lang), unit, lang)
    out["csat"] = [f"{float(v):.1%}" if pd.notna(v) else "—" for v in out["csat"]]
    out["nps"] = [f"{float(v):+.0f}" if pd.notna(v) else "—" for v in out["nps"]]
    out["status"] = [t(f"rollup.{v}", lang) for v in out["status"]]
    for col in ("clients", "in_default", "tier_A", "tier_B", "tier_C", "alerts",
                "alerts_critical", "alerts_high"):
        out[col] = [f"{int(v):,}" if pd.notna(v) else "—" for v in out[col]]
    if not out["error"].astype("string").fillna("").str.len().gt(0).any():
        out = out.drop(columns="error")
    return out.rename(columns={c: renames.get(c) or t(f"rollup.{c}", lang) for c in out.columns})


_CSS = """
:root { --crm-primary: #1f4e79; --crm-accent: #c0392b; }
* { box-sizing: border-box; }
body { font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 0 auto;
       max-width: 1240px; padding: 28px 24px 48px; color: #1b2631; }
header { border-top: 6px solid var(--crm-primary); padding: 18px 0 10px;
         display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; }
header h1 { color: var(--crm-primary); margin: 0 0 6px; font-size: 1.8rem; }
header p { margin: 0; color: #5d6d7e; }
header .brand { text-align: right; color: #5d6d7e; font-size: .85rem; }
header .brand img { display: block; max-height: 44px; max-width: 180px; margin-left: auto; }
h2 { color: var(--crm-primary); font-size: 1.15rem; margin: 26px 0 8px;
     border-bottom: 1px solid #c9d3dd; padding-bottom: 4px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th { background: var(--crm-primary); color: #fff; padding: 6px 8px; word-break: keep-all;
     font-weight: 600; text-align: right; vertical-align: bottom; }
td { padding: 5px 8px; border-bottom: 1px solid #d5dbdb; text-align: right;
     white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(3), td:nth-child(3) { text-align: left; }
tr:nth-child(even) td { background: #f4f6f7; }
.wrap { overflow-x: auto; }
ul.failed li { margin: 4px 0; } ul.failed b { color: var(--crm-accent); }
p.note { color: #5d6d7e; font-size: .85rem; max-width: 60em; }
@media print { @page { size: A4 landscape; margin: 14mm; } body { max-width: none; padding: 0; }
               table { font-size: 8.5pt; } }
"""


def write_rollup(table: pd.DataFrame, out_dir: Path, lang: str = "zh",
                 brand: Brand | None = None) -> dict[str, Path]:
    """Write the roll-up as ``rollup.xlsx`` and a self-contained ``rollup.html`` (the report's
    units, fonts and brand; failed portfolios listed with their error in words)."""
    out_dir = Path(out_dir)
    brand = brand or Brand()
    shown = _shown(table, lang)
    xlsx = atomic_write(out_dir / "rollup.xlsx", lambda tmp: _xlsx(shown, tmp))
    on_page = shown.drop(columns=[t("rollup.error", lang)], errors="ignore")  # listed below
    # the figures as _shown wrote them (one unit and precision per column), blanks as a dash
    body = on_page.astype(object).where(on_page.notna(), "—").to_html(index=False, escape=True)
    failed = table[table["status"].eq("failed")]
    colon = "：" if lang == "zh" else ": "
    items = "".join(f"<li><b>{html.escape(str(r.portfolio))}</b> · {html.escape(str(r.as_of))}"
                    f"{colon}{html.escape(str(r.error) or t('rollup.no_detail', lang))}</li>"
                    for r in failed.itertuples())
    failures = (f"<h2>{html.escape(t('rollup.failures', lang))}</h2>"
                f'<ul class="failed">{items}</ul>' if items else "")
    title = html.escape(t("rollup.title", lang))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    summary = html.escape(t("rollup.summary", lang).format(
        n=len(table), ok=int(table["status"].eq("ok").sum()), generated=stamp))
    who = brand.logo_img() + (f"<div>{html.escape(brand.consultancy)}</div>"
                              if brand.consultancy else "")
    note = html.escape(t("rollup.note", lang))
    text = title + summary + body + failures + note + (brand.consultancy or "")
    doc = (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
           f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
           f'content="{CSP}"><meta name="viewport" content="width=device-width, '
           f'initial-scale=1"><title>{title}</title><style>{_CSS}{brand.css()}'
           f"{font_face_css(text)}</style></head><body><header><div><h1>{title}</h1>"
           f"<p>{summary}</p></div><div class=\"brand\">{who}</div></header>"
           f'<div class="wrap">{body}</div>{failures}<p class="note">{note}</p></body></html>')
    page = atomic_write(out_dir / "rollup.html", lambda tmp: tmp.write_text(doc, "utf-8"))
    return {"xlsx": xlsx, "html": page}


#: The roll-up page runs nothing and loads nothing (as the report and client cards).
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")


_NUMBER = re.compile(r"^[+\-]?\d[\d,]*(\.\d+)?%?$")


def _as_number(text: object) -> tuple[object, str | None]:
    """A shown figure back to a number and its Excel format ("79.2%" -> 0.792, "0.0%")."""
    if not isinstance(text, str) or not _NUMBER.match(text):
        return text, None
    digits = text.rstrip("%").replace(",", "")
    places = len(digits.partition(".")[2])
    if text.endswith("%"):
        return float(digits) / 100, "0." + "0" * max(places, 1) + "%"
    value = float(digits)
    return (int(value), "#,##0") if not places else (value, "#,##0." + "0" * places)


def _xlsx(frame: pd.DataFrame, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        frame.to_excel(xw, index=False, sheet_name="rollup")
        ws = xw.sheets["rollup"]
        for row in ws.iter_rows(min_row=2):  # figures as numbers, in the page's format
            for cell in row:
                cell.value, fmt = _as_number(cell.value)
                if fmt:
                    cell.number_format = fmt
        text_not_formulas(ws)  # a title or error starting with '=' stays text
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(40, width + 4)
