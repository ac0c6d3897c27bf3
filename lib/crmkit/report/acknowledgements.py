"""The report's "acknowledged alerts" section: who acknowledged which alert, when, and the note.

Managers acknowledge alerts in ``crmkit dashboard``; the acknowledgements are an append-only
audit table beside the history store (:mod:`crmkit.warn.acknowledgements`). The next run's
report lists those made for its as-of date or earlier, latest first, and says whether each
alert still fires in this run.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import Markdown

from crmkit.core.i18n import register, t
from crmkit.core.masking import mask_text
from crmkit.core.store import load_table, table_path
from crmkit.diagnose import labels as _diag_labels  # noqa: F401 - registers the severities
from crmkit.params import Params
from crmkit.warn.acknowledgements import alert_key, load_acknowledgements

__all__ = ["acknowledgement_tables"]

register({
    "report.h.acknowledgements": ("十三、已确认的预警", "13. Acknowledged alerts"),
    "report.p.acknowledgements": (
        "客户经理在管理看板中确认预警并填写处理说明，系统记录确认人与确认时间（只追加、不修改的审计记录）。"
        "共 {total} 条确认，下表列出最近 {shown} 条；“本期仍触发”表示该预警在本期数据中仍然存在。",
        "Relationship managers acknowledge alerts in the dashboard with a note on what was done; "
        "who and when are recorded in an append-only audit trail. {total} acknowledgements, "
        "the latest {shown} below; 'Still firing' says whether the alert is raised again in "
        "this run."),
    "report.col.ack_client": ("客户", "Client"),
    "report.col.ack_alert": ("预警", "Alert"),
    "report.col.ack_severity": ("严重程度", "Severity"),
    "report.col.ack_user": ("确认人", "Acknowledged by"),
    "report.col.ack_time": ("确认时间", "Acknowledged at"),
    "report.col.ack_note": ("处理说明", "Note"),
    "report.col.ack_still": ("本期仍触发", "Still firing"),
    "report.ack.yes": ("是", "Yes"),
    "report.ack.no": ("否", "No"),
})


def _time(stamp: object) -> str:
    """``2026-10-08 09:30 UTC`` from an ISO time stamp."""
    try:
        ts = pd.Timestamp(str(stamp))
    except ValueError:
        return str(stamp)
    return ts.strftime("%Y-%m-%d %H:%M") + (" UTC" if ts.tzinfo is not None else "")


def acknowledgement_tables(params: Params, lang: str, top_n: int = 30
                           ) -> tuple[Markdown, pd.DataFrame] | None:
    """The section's sentence and its table (latest first); None when nothing was
    acknowledged up to this run's as-of date."""
    acks = load_acknowledgements(params.history_path, params.portfolio)
    if acks.empty:
        return None
    acks = acks[pd.to_datetime(acks["as_of"]) <= pd.Timestamp(params.as_of)]
    if acks.empty:
        return None
    acks = acks.sort_values("acknowledged_at", ascending=False, kind="stable")
    firing: set[str] = set()
    if table_path(params, "warn", "alerts").is_file():
        alerts = load_table(params, "warn", "alerts")
        if len(alerts):
            firing = set(alert_key(alerts).dropna())
    top = acks.head(top_n)
    note = top["note"].astype("string").fillna("")
    if params.mask_pii:
        note = mask_text(note)
    sev = top["severity"].astype("string")
    table = pd.DataFrame({
        t("report.col.ack_client", lang): top["client_name"].fillna(top["client_id"]).to_numpy(),
        t("report.col.ack_alert", lang): top["rule_name"].fillna("—").to_numpy(),
        t("report.col.ack_severity", lang): [t(f"diag.severity.{s}", lang) if pd.notna(s)
                                             else "—" for s in sev],
        t("report.col.ack_user", lang): top["user"].to_numpy(),
        t("report.col.ack_time", lang): [_time(s) for s in top["acknowledged_at"]],
        t("report.col.ack_note", lang): note.to_numpy(),
        t("report.col.ack_still", lang): [t(f"report.ack.{'yes' if k in firing else 'no'}",
                                            lang) for k in top["alert_key"]],
    })
    text = t("report.p.acknowledgements", lang).format(total=len(acks), shown=len(top))
    return (Markdown(html.escape(text, quote=False)),
            table.set_index(table.columns[0]))
