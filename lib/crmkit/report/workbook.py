"""The run's Excel workbook: diagnostic table, segments, next actions, alerts and action plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmkit.core.i18n import register, t
from crmkit.core.store import load_indexed, load_table, table_path
from crmkit.diagnose import display
from crmkit.diagnose.labels import col_header
from crmkit.params import Params
from crmkit.report.groups_section import group_sheets
from crmkit.report.needs_section import needs_sheets
from crmkit.report.present import present
from crmkit.report.xlsx import write_workbook
from crmkit.tier import segment_labels
from crmkit.warn import display_frame, ecl_summary, worklist

__all__ = ["workbook_path", "write_run_workbook"]

register({"sheet.segments": ("分群策略", "Segments"),
          "sheet.next_actions": ("下一步行动", "Next actions"),
          "sheet.ecl_by_stage": ("IFRS9分阶段减值", "IFRS 9 by stage"),
          "sheet.ecl": ("预期信用损失明细", "ECL by facility"),
          "sheet.worklist": ("客户经理工作清单", "RM worklist")})


def workbook_path(params: Params) -> Path:
    """``<run_dir>/report/<portfolio>_<as_of>.xlsx``."""
    return params.run_dir / "report" / f"{params.portfolio}_{params.as_of.isoformat()}.xlsx"


def write_run_workbook(params: Params) -> Path:
    """Write the workbook of the tables the diagnose and warn stages saved; returns its path."""
    lang = params.language
    labels = {"segment": segment_labels(params.tiering, lang)}
    diag = load_indexed(params, "diagnose", "diagnostic")
    segments = load_indexed(params, "diagnose", "segments", "segment")
    actions = load_indexed(params, "diagnose", "next_actions")
    alerts = load_table(params, "warn", "alerts")
    plan = load_table(params, "warn", "action_plan")
    diag_show = lambda f: display(f, lang, labels=labels)  # noqa: E731
    warn_show = lambda f: display_frame(f, lang)  # noqa: E731
    formats: dict[str, str] = {}
    sheets = {}
    for key, frame, show, metric in (
            ("diagnostic_table", diag, diag_show, False),
            ("segments", segments, diag_show, False),
            ("next_actions", actions, diag_show, False),
            ("alerts", alerts, warn_show, True),
            ("worklist", worklist(alerts, params.warning.worklist_top_n)[0]
             .reset_index(drop=True), warn_show, True),
            ("action_plan", plan, warn_show, False)):
        sheets[key], fmts = present(frame, lang, show, value_is_money=not metric)
        formats.update(fmts)
    if table_path(params, "warn", "ecl").is_file():
        ecl = load_table(params, "warn", "ecl")
        by_stage = ecl_summary(ecl).reset_index()
        by_stage["stage"] = [t("report.col.total", lang) if v == "total"
                             else t(f"diag.stage.{v}", lang) for v in by_stage["stage"]]
        sheets["ecl_by_stage"], fmts = present(by_stage, lang, lambda f: f.rename(
            columns=lambda c: _ecl_header(c, lang) if c in ("ead", "ecl", "coverage")
            else t(f"report.col.{c}", lang)))
        formats.update(fmts)
        names = diag["client_name"].reindex(ecl["client_id"].astype("string")).to_numpy()
        detail = ecl.assign(client_name=names)[
            ["facility_id", "client_id", "client_name", "stage", "ead", "lgd", "pd_12m",
             "pd_lifetime", "years_left", "ecl", "coverage"]]
        detail["stage"] = [t(f"diag.stage.{int(v)}", lang) if pd.notna(v) else "—"
                           for v in detail["stage"]]
        sheets["ecl"], fmts = present(detail, lang, lambda f: f.rename(
            columns=lambda c: _ecl_header(c, lang)))
        formats.update(fmts)
    # groups, large exposures and concentration (relate stage), when it ran
    sheets.update(group_sheets(params, lang))
    # financing needs and high-potential clients (needs stage), when it ran
    sheets.update(needs_sheets(params, lang))
    full = {key: f"{stage}/{name}.parquet" for key, (stage, name) in (
        ("diagnostic_table", ("diagnose", "diagnostic")), ("next_actions", ("diagnose",
         "next_actions")), ("alerts", ("warn", "alerts")), ("action_plan", ("warn",
         "action_plan")), ("ecl", ("warn", "ecl")))}
    return write_workbook(sheets, workbook_path(params), lang, formats, mask_pii=params.mask_pii,
                          translate_headers=False, max_rows=params.diagnose.workbook_max_rows,
                          full_tables=full)


_ECL_HEADERS = {"facility_id": ("业务编号", "Facility"), "lgd": ("违约损失率", "LGD"),
                "pd_12m": ("12个月违约概率", "12-month PD"),
                "pd_lifetime": ("存续期违约概率", "Lifetime PD"),
                "years_left": ("剩余期限（年）", "Years left"),
                "client_id": ("客户编号", "Client ID"),
                "ead": ("违约风险敞口（元）", "EAD (CNY)"),
                "ecl": ("预期信用损失（元）", "ECL (CNY)"), "coverage": ("覆盖率", "Coverage")}


def _ecl_header(col: str, lang: str) -> str:
    pair = _ECL_HEADERS.get(col)
    if pair:
        return pair[0] if lang == "zh" else pair[1]
    return col_header(col, lang) if col != "stage" else t("report.col.stage", lang)
