"""The run's Excel workbook: diagnostic table, segments, next actions, alerts and action plan."""

from __future__ import annotations

from pathlib import Path

from crmkit.core.i18n import register
from crmkit.core.store import load_indexed, load_table
from crmkit.diagnose import display
from crmkit.params import Params
from crmkit.report.xlsx import write_workbook
from crmkit.tier import segment_labels
from crmkit.warn import display_frame

__all__ = ["workbook_path", "write_run_workbook"]

register({"sheet.segments": ("分群策略", "Segments"),
          "sheet.next_actions": ("下一步行动", "Next actions")})


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
    return write_workbook({
        "diagnostic_table": display(diag, lang, labels=labels),
        "segments": display(segments, lang, labels=labels),
        "next_actions": display(actions, lang, labels=labels),
        "alerts": display_frame(alerts, lang),
        "action_plan": display_frame(plan, lang),
    }, workbook_path(params), lang, mask_pii=params.mask_pii, translate_headers=False)
