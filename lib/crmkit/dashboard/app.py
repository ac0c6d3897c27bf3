"""The dashboard as ipywidgets: :func:`dashboard` returns the whole page for a notebook or Voilà.

The parameters files come from the ``CRMKIT_DASHBOARD_PARAMS`` environment variable (set by
``crmkit dashboard``; paths separated by ``os.pathsep``) or the call. Every number shown is
computed by :mod:`crmkit.dashboard.views` and :mod:`crmkit.dashboard.trends`; this module only
wires widgets to them.
"""

from __future__ import annotations

import html
import io
import os
import threading
from pathlib import Path

import ipywidgets as w
import matplotlib

from crmkit.core.errors import CrmkitError
from crmkit.core.i18n import t
from crmkit.dashboard.card import card_frame, card_page
from crmkit.dashboard.data import DashboardError, RunView, load_view, run_dates
from crmkit.dashboard.fonts import font_css, page_chars
from crmkit.dashboard.labels import FILTER_KEYS, value_label
from crmkit.dashboard.panels import DrillList, alert_row, matrix_grid, treemap_rows
from crmkit.dashboard.trends import trend_figure, trend_table
from crmkit.dashboard.views import (
    cell_clients,
    filter_clients,
    filter_options,
    money,
    open_worklist,
    tile_clients,
)
from crmkit.params import Params, load_params
from crmkit.tier.tiers import segment_labels
from crmkit.warn.acknowledgements import acknowledge, default_user

__all__ = ["Dashboard", "dashboard", "ENV_PARAMS", "WORKLIST_ROWS"]

#: Environment variable carrying the parameters files to the Voilà kernel.
ENV_PARAMS = "CRMKIT_DASHBOARD_PARAMS"
#: Alerts listed in the worklist at most (most urgent first).
WORKLIST_ROWS = 60
_FONT_SELECTOR = "body, .crm-dash, .crm-dash *"
_CSS = """
.crm-dash { max-width: 1200px; color: #1b2631; }
.crm-dash h2 { color: #1f4e79; margin: 4px 0; }
.crm-muted { color: #5d6d7e; }
.crm-cell, .crm-tile { white-space: pre-line !important; line-height: 1.3 !important;
  color: #1b2631 !important; border-radius: 4px !important; overflow: hidden; }
.crm-cell { font-size: 13px !important; }
.crm-tile { font-size: 11px !important; padding: 2px !important; }
.crm-table { border-collapse: collapse; font-size: 12px; margin-top: 4px; }
.crm-table th { text-align: left; color: #5d6d7e; border-bottom: 1px solid #d5d8dc;
  padding: 2px 8px; font-weight: normal; }
.crm-table td { padding: 2px 8px; border-bottom: 1px solid #f2f3f4; }
.crm-sev { font-weight: bold; padding: 0 4px; border-radius: 3px; }
.crm-sev-critical, .crm-sev-high { color: #cb4335; } .crm-sev-medium { color: #b9770e; }
.crm-acked { color: #1e8449; }
.crm-summary { font-size: 14px; padding: 4px 0; }
"""


def _params_from_env() -> list[Params]:
    raw = os.environ.get(ENV_PARAMS, "")
    paths = [Path(p) for p in raw.split(os.pathsep) if p]
    if not paths:
        raise DashboardError(f"no parameters files: start the dashboard with "
                             f"'crmkit dashboard PARAMS.yaml' (or set {ENV_PARAMS})")
    return [load_params(p) for p in paths]


def _portfolios(params: list[Params]) -> dict[str, Params]:
    """One parameters set per portfolio (the latest as-of date wins)."""
    out: dict[str, Params] = {}
    for p in sorted(params, key=lambda p: p.as_of):
        out[p.portfolio] = p
    return out


class Dashboard:
    """The dashboard's state and widgets (``.page`` is the whole page)."""

    def __init__(self, params: list[Params]) -> None:
        self.portfolios = _portfolios(params)
        first = next(iter(self.portfolios.values()))
        self.lang = first.language
        lang = self.lang
        self.style = w.HTML(f"<style>{_CSS}</style>")
        self.font = w.HTML("")
        self.portfolio = w.Dropdown(options=list(self.portfolios), description=t(
            "dash.portfolio", lang), layout=w.Layout(display="" if len(self.portfolios) > 1
                                                     else "none"))
        self.as_of = w.Dropdown(description=t("dash.as_of", lang))
        self.as_of.add_class("crm-as-of")
        self.filters = {c: w.SelectMultiple(rows=5, layout=w.Layout(width="200px"))
                        for c in FILTER_KEYS}
        for col, sel in self.filters.items():
            sel.add_class(f"crm-filter-{col}")
        self.clear = w.Button(description=t("dash.filter.clear", lang))
        self.summary = w.HTML()
        self.summary.add_class("crm-summary")
        self.matrix_box, self.tree_box = w.VBox(), w.VBox()
        self.matrix_list = DrillList(lang, self.open_card)
        self.tree_list = DrillList(lang, self.open_card)
        self.card_pick = w.Dropdown(description=t("dash.card.pick", lang),
                                    layout=w.Layout(width="480px"))
        self.card_pick.add_class("crm-card-pick")
        self.card = w.HTML(f"<p class='crm-muted'>{html.escape(t('dash.card.none', lang))}</p>")
        self.trend_image = w.Image(format="png", layout=w.Layout(max_width="1150px"))
        self.trend_note = w.HTML()
        self.work_rows = w.VBox()
        self.work_boxes: list[tuple[w.Checkbox, str]] = []
        self.show_acked = w.Checkbox(description=t("dash.work.show_acked", lang), indent=False)
        self.user = w.Text(value=default_user(), description=t("dash.work.user", lang))
        self.user.add_class("crm-user")
        self.note = w.Textarea(placeholder=t("dash.work.note_placeholder", lang),
                               description=t("dash.work.note_field", lang),
                               layout=w.Layout(width="600px", height="60px"))
        self.note.add_class("crm-note")
        self.ack = w.Button(description=t("dash.work.ack", lang), button_style="success")
        self.ack.add_class("crm-ack")
        self.ack_status = w.HTML()
        self.ack_status.add_class("crm-ack-status")
        self.tabs = w.Tab(children=[
            w.VBox([w.HTML(t("dash.matrix.note", lang)), self.matrix_box,
                    self.matrix_list.box]),
            w.VBox([w.HTML(t("dash.treemap.note", lang)), self.tree_box, self.tree_list.box]),
            w.VBox([self.card_pick, self.card]),
            w.VBox([self.trend_note, self.trend_image]),
            w.VBox([w.HTML(t("dash.work.note", lang)), self.show_acked, self.work_rows,
                    self.user, self.note, w.HBox([self.ack, self.ack_status])])])
        for i, key in enumerate(("matrix", "treemap", "card", "trends", "worklist")):
            self.tabs.set_title(i, t(f"dash.tab.{key}", lang))
        filters = [w.VBox([w.HTML(f"<b>{html.escape(t(FILTER_KEYS[c], lang))}</b>"), s])
                   for c, s in self.filters.items()]
        head = w.HTML(f"<h2>{html.escape(t('dash.title', lang))} · "
                      f"{html.escape(first.title or first.portfolio)}</h2>")
        hint = w.HTML(f"<span class='crm-muted'>{html.escape(t('dash.filter.hint', lang))}</span>")
        self.page = w.VBox([self.style, self.font, head, w.HBox([self.portfolio, self.as_of]),
                            w.HBox(filters, layout=w.Layout(flex_flow="row wrap")),
                            w.HBox([self.clear, hint]), self.summary, self.tabs])
        self.page.add_class("crm-dash")
        self.view: RunView | None = None
        self._css = ""
        self._quiet = False
        self._trends_shown = False
        self._wire()
        self._load_portfolio()

    # -- wiring --------------------------------------------------------------------------
    def _wire(self) -> None:
        self.portfolio.observe(lambda _: self._load_portfolio(), "value")
        self.as_of.observe(lambda ch: ch["new"] and not self._quiet and self._load_run(),
                           "value")
        self.tabs.observe(lambda _: self._show_tab(), "selected_index")
        for sel in self.filters.values():
            sel.observe(lambda _: self._quiet or self.refresh(), "value")
        self.clear.on_click(lambda _: self._clear_filters())
        self.card_pick.observe(lambda ch: ch["new"] and self._show_card(ch["new"]), "value")
        self.show_acked.observe(lambda _: self._worklist(), "value")
        self.ack.on_click(lambda _: self._acknowledge())

    @property
    def params(self) -> Params:
        return self.portfolios[self.portfolio.value]

    def _load_portfolio(self) -> None:
        dates = run_dates(self.params)
        if not dates:
            raise DashboardError(f"{self.params.output_dir / self.params.portfolio}: no "
                                 "finished run yet; run 'crmkit run' on the parameters first")
        self._quiet = True
        try:
            self.as_of.options = [(d.isoformat(), d.isoformat()) for d in reversed(dates)]
            self.as_of.value = dates[-1].isoformat()
        finally:
            self._quiet = False
        self._load_run()
        threading.Thread(target=self._load_font, args=(dates,), daemon=True).start()

    def _load_font(self, dates) -> None:
        runs = [self.params.output_dir / self.params.portfolio / d.isoformat() for d in dates]
        self._css = font_css(page_chars(runs), _FONT_SELECTOR)
        self.font.value = f"<style>{self._css}</style>"

    def _load_run(self) -> None:
        self.view = load_view(self.params, self.as_of.value)
        options = filter_options(self.view.clients, self.lang)
        self._quiet = True
        try:
            for col, sel in self.filters.items():
                keep = [v for v in sel.value if v in {o[1] for o in options[col]}]
                sel.options = options[col]
                sel.value = tuple(keep)
        finally:
            self._quiet = False
        self.refresh()

    def _clear_filters(self) -> None:
        self._quiet = True
        try:
            for sel in self.filters.values():
                sel.value = ()
        finally:
            self._quiet = False
        self.refresh()

    def selection(self) -> dict[str, list[str]]:
        return {c: list(s.value) for c, s in self.filters.items()}

    def refresh(self) -> None:
        """Redraw every panel for the current run and filters."""
        v = self.view
        if v is None:
            return
        clients = filter_clients(v.clients, self.selection())
        self.clients = clients
        names = segment_labels(v.params.tiering, self.lang)
        self.matrix_box.children = [matrix_grid(clients, names, self.lang, self._cell)]
        self.tree_box.children = [treemap_rows(clients, self.lang, self._tile)]
        self.matrix_list.clear()
        self.tree_list.clear()
        names_ = clients["client_name"].astype("string").fillna("")
        self.card_pick.options = [("", "")] + sorted(
            ((str(n) or str(i), str(i)) for i, n in zip(clients.index, names_, strict=True)))
        self._trends_shown = False
        self._worklist()
        self._show_tab()
        # last: when the summary changes, every panel above is up to date
        open_n = len(open_worklist(v.alerts, clients.index))
        self.summary.value = html.escape(t("dash.summary", self.lang).format(
            n=len(clients), exposure=money(clients["exposure"].sum(), self.lang),
            alerts=open_n))

    # -- drill-down --------------------------------------------------------------------------
    def _cell(self, risk: str, capacity: str) -> None:
        name = segment_labels(self.params.tiering, self.lang).get(f"{risk}_{capacity}", "")
        self.matrix_list.show(name, cell_clients(self.clients, risk, capacity))

    def _tile(self, tier: str, key: str) -> None:
        what = f"{value_label('tier', tier, self.lang)} · {value_label('industry', key, self.lang)}"
        self.tree_list.show(what, tile_clients(self.clients, tier, key))

    def open_card(self, client_id: str) -> None:
        """Show ``client_id``'s card in the client view."""
        self.tabs.selected_index = 2
        if self.card_pick.value == client_id:
            self._show_card(client_id)
        else:
            self.card_pick.value = client_id

    def _show_card(self, client_id: str) -> None:
        assert self.view is not None
        self.card.value = card_frame(card_page(self.view, client_id, self.lang, self._css))

    # -- trends and worklist ------------------------------------------------------------------
    def _show_tab(self) -> None:
        """Draw the trends when their tab is open (they take a few seconds)."""
        if self.tabs.selected_index == 3 and not self._trends_shown and self.view is not None:
            self._trends_shown = True
            self._trends()

    def _trends(self) -> None:
        table = trend_table(self.params, self.clients.index)
        if table.empty:
            self.trend_note.value = html.escape(t("dash.trend.empty", self.lang))
            return
        self.trend_note.value = html.escape(t("dash.trend.note", self.lang))
        matplotlib.use("Agg")
        fig = trend_figure(table, self.lang)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        matplotlib.pyplot.close(fig)
        self.trend_image.value = buf.getvalue()

    def _worklist(self) -> None:
        assert self.view is not None
        rows = open_worklist(self.view.alerts, self.clients.index, self.show_acked.value)
        self.work_boxes = []
        widgets: list[w.Widget] = []
        for _, alert in rows.head(WORKLIST_ROWS).iterrows():
            box, row = alert_row(alert, self.lang)
            self.work_boxes.append((box, str(alert["alert_key"])))
            widgets.append(row)
        if rows.empty:
            widgets.append(w.HTML(html.escape(t("dash.work.none", self.lang))))
        elif len(rows) > WORKLIST_ROWS:
            widgets.append(w.HTML(html.escape(t("dash.work.more", self.lang).format(
                n=len(rows) - WORKLIST_ROWS, top=WORKLIST_ROWS))))
        self.work_rows.children = widgets

    def _acknowledge(self) -> None:
        assert self.view is not None
        keys = [k for box, k in self.work_boxes if box.value]
        alerts = self.view.alerts[self.view.alerts["alert_key"].isin(keys)]
        p = self.view.params
        try:
            done = acknowledge(p.history_path, p.portfolio, p.as_of, alerts, self.note.value,
                               user=self.user.value)
        except CrmkitError as exc:  # no alert ticked, no note: say so next to the button
            self.ack_status.value = html.escape(t("dash.error", self.lang).format(msg=exc))
            return
        self.note.value = ""
        self._load_run()
        self.ack_status.value = html.escape(t("dash.work.done", self.lang).format(
            n=len(done), user=done["user"].iloc[0]))


def dashboard(params: str | list[Params] | list[str | Path] | None = None) -> w.VBox:
    """The dashboard page for ``params``: parameters, files, or one string of files separated
    by ``os.pathsep`` (default: from ``CRMKIT_DASHBOARD_PARAMS``)."""
    if isinstance(params, str):
        params = [p for p in params.split(os.pathsep) if p]
    if not params:
        ps = _params_from_env()
    else:
        ps = [p if isinstance(p, Params) else load_params(p) for p in params]
    return Dashboard(ps).page
