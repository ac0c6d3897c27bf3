"""The dashboard's widget panels: matrix, tree map, drill-down list and worklist rows.

Each panel is built from the pure functions of :mod:`crmkit.dashboard.views` and calls back
into :class:`crmkit.dashboard.app.Dashboard` when a cell, tile or client is clicked.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
import pandas as pd
from matplotlib import colormaps, colors

from crmkit.core.i18n import t
from crmkit.dashboard.labels import value_label
from crmkit.dashboard.views import client_list, matrix_counts, money, treemap_tiles
from crmkit.params.tiering import CAPACITY_LEVELS, RISK_LEVELS

__all__ = ["DrillList", "matrix_grid", "treemap_rows", "alert_row", "table_html"]

#: Cell colours of the matrix by risk level (light shades: the text stays readable).
_RISK_COLOUR = {"low": "#d5f5e3", "medium": "#fdebd0", "high": "#f5b7b1"}
_PD_NORM = colors.LogNorm(vmin=0.002, vmax=0.2, clip=True)


def table_html(df: pd.DataFrame, max_rows: int = 200) -> str:
    """A small, escaped HTML table of ``df`` (header = its columns)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.head(max_rows).itertuples(index=False))
    return f'<table class="crm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class DrillList:
    """What a clicked cell or tile holds: a title, the client table and 'open the card'."""

    def __init__(self, lang: str, open_card: Callable[[str], None]) -> None:
        self.lang = lang
        self.title = w.HTML(f"<p class='crm-muted'>{html.escape(t('dash.list.pick', lang))}</p>")
        self.table = w.HTML()
        self.pick = w.Dropdown(options=[], layout=w.Layout(width="420px"))
        self.pick.add_class("crm-drill-pick")
        self.button = w.Button(description=t("dash.list.open", lang), button_style="primary",
                               disabled=True)
        self.button.add_class("crm-open-card")
        self.button.on_click(lambda _: self.pick.value and open_card(self.pick.value))
        self.box = w.VBox([self.title, w.HBox([self.pick, self.button]), self.table])
        self.box.add_class("crm-drill")

    def show(self, what: str, clients: pd.DataFrame) -> None:
        """List ``clients`` under the heading ``what``."""
        title = t("dash.list.title", self.lang).format(what=what, n=len(clients))
        self.title.value = f"<h4>{html.escape(title)}</h4>"
        self.table.value = table_html(client_list(clients, self.lang))
        names = clients["client_name"].astype("string").fillna(pd.Series(clients.index,
                                                                          index=clients.index))
        self.pick.options = [(str(n), str(i)) for i, n in zip(clients.index, names, strict=True)]
        self.pick.index = 0 if len(clients) else None
        self.button.disabled = clients.empty

    def clear(self) -> None:
        self.title.value = f"<p class='crm-muted'>{html.escape(t('dash.list.pick', self.lang))}</p>"
        self.table.value = ""
        self.pick.options = []
        self.button.disabled = True


def matrix_grid(clients: pd.DataFrame, names: dict[str, str], lang: str,
                on_cell: Callable[[str, str], None]) -> w.GridBox:
    """The 3x3 grid: risk rows, capacity columns; each cell a button with name, count,
    exposure."""
    cells = matrix_counts(clients).set_index("segment")
    items: list[w.Widget] = [w.HTML("")]
    items += [w.HTML(f"<b>{html.escape(t(f'capacity.{c}', lang))}</b>") for c in CAPACITY_LEVELS]
    for r in RISK_LEVELS:
        items.append(w.HTML(f"<b>{html.escape(t(f'risk.{r}', lang))}</b>"))
        for c in CAPACITY_LEVELS:
            row = cells.loc[f"{r}_{c}"]
            label = t("dash.matrix.cell", lang).format(
                name=names.get(f"{r}_{c}", f"{r}/{c}"), n=int(row["count"]),
                exposure=money(row["exposure"], lang))
            b = w.Button(description=label, tooltip=label.replace("\n", " · "),
                         layout=w.Layout(width="auto", height="72px"))
            b.style.button_color = _RISK_COLOUR[r]
            b.add_class("crm-cell")
            b.add_class(f"crm-cell-{r}-{c}")
            b.on_click(lambda _, r=r, c=c: on_cell(r, c))
            items.append(b)
    return w.GridBox(items, layout=w.Layout(grid_template_columns="110px repeat(3, 1fr)",
                                            grid_gap="6px", max_width="900px"))


def _pd_colour(p: float) -> str:
    if pd.isna(p):
        return "#d5d8dc"
    rgba = colormaps["RdYlGn_r"](_PD_NORM(max(float(p), 1e-6)))
    # lighten so that dark text stays readable
    return colors.to_hex(tuple(0.45 * x + 0.55 for x in rgba[:3]))


def treemap_rows(clients: pd.DataFrame, lang: str,
                 on_tile: Callable[[str, str], None]) -> w.VBox:
    """One row per tier, one tile per industry: width = share of the tier's exposure,
    colour = exposure-weighted mean PD."""
    tiles = treemap_tiles(clients)
    rows: list[w.Widget] = []
    for tier, sub in tiles.groupby("tier", sort=True):
        total = money(sub["exposure"].sum(), lang)
        head = w.HTML(f"<b>{html.escape(value_label('tier', tier, lang))}</b><br>"
                      f"<span class='crm-muted'>{html.escape(total)}</span>",
                      layout=w.Layout(width="120px"))
        buttons = []
        for row in sub.itertuples(index=False):
            label = f"{value_label('industry', row.key, lang)}\n{row.count} · {row.share:.0%}"
            b = w.Button(description=label,
                         tooltip=f"{value_label('industry', row.key, lang)} · "
                                 f"{money(row.exposure, lang)}",
                         layout=w.Layout(flex=f"{max(row.share, 0.02):.4f} 1 0px",
                                         min_width="28px", height="64px", margin="1px"))
            b.style.button_color = _pd_colour(row.pd)
            b.add_class("crm-tile")
            b.add_class(f"crm-tile-{tier}-{row.key}")
            b.on_click(lambda _, tier=tier, key=row.key: on_tile(tier, key))
            buttons.append(b)
        rows.append(w.HBox([head, w.HBox(buttons, layout=w.Layout(flex="1", width="100%"))],
                           layout=w.Layout(width="100%", max_width="1100px")))
    return w.VBox(rows)


def alert_row(alert: pd.Series, lang: str) -> tuple[w.Checkbox, w.HBox]:
    """A worklist row: a tick box and the alert in words (acknowledged ones say by whom)."""
    sev = str(alert.get("severity"))
    due = alert.get("due_date")
    due = "" if pd.isna(due) else str(due)[:10]
    text = (f"<span class='crm-sev crm-sev-{html.escape(sev)}'>"
            f"{html.escape(t(f'diag.severity.{sev}', lang))}</span> "
            f"<b>{html.escape(str(alert.get('client_name') or alert.get('client_id')))}</b> · "
            f"{html.escape(str(alert.get('rule_name') or ''))} · "
            f"<span class='crm-muted'>{html.escape(str(alert.get('reason') or ''))} · "
            f"{html.escape(str(alert.get('owner') or ''))} · {html.escape(due)}</span>")
    if bool(alert.get("acknowledged")):
        text += "<br><span class='crm-acked'>" + html.escape(t("dash.work.acked_by", lang).format(
            user=alert.get("acknowledged_by"), when=str(alert.get("acknowledged_at"))[:16],
            note=alert.get("acknowledged_note"))) + "</span>"
    box = w.Checkbox(value=False, indent=False, layout=w.Layout(width="28px"),
                     disabled=bool(alert.get("acknowledged")))
    box.add_class("crm-ack-box")
    return box, w.HBox([box, w.HTML(text, layout=w.Layout(width="100%"))])
