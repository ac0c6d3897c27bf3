"""Print layout of the HTML report: what the page structure needs so the PDF reads well.

nbconvert writes every display output as its own block, so a heading, its paragraph and its
chart are siblings that a page break may separate. :func:`shape_for_print` edits the parsed page:

- **keep together**: a heading's output, the next output and, when that one is a short text, the
  chart or table after it, go into one ``div.crm-keep`` (``break-inside: avoid`` in print), so
  a heading never stands alone at the foot of a page;
- **one header row**: pandas writes the index name as a second header row; it is folded into the
  first (the index column's header);
- **wide tables** (:data:`WIDE_COLUMNS` columns or more) get ``table.crm-wide`` and their block
  ``div.crm-landscape``, printed on a landscape page (``@page landscape``) in a smaller font;
- **identifiers never wrap**: the index cells and the columns headed as an id, a name or a
  relationship manager get ``crm-id`` (``white-space: nowrap``);
- **short headers never wrap**: a header at most :data:`SHORT_HEADER_WIDTH` wide (a CJK
  character counts two) gets ``crm-short`` (``white-space: nowrap``), so a narrow column of
  small numbers does not print "成员数" one character per line.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from crmkit.core.i18n import text_width

__all__ = ["shape_for_print", "WIDE_COLUMNS", "ID_HEADER", "ID_MAX_CHARS", "SHORT_HEADER_WIDTH",
           "text_width"]

#: A table with this many columns or more goes on a landscape page.
WIDE_COLUMNS = 8
#: Headers of columns that hold identifiers or names (kept on one line).
ID_HEADER = re.compile(r"编号|名称|客户经理|负责人|集团|^ID$|\bID\b|[Nn]ame\b|[Mm]anager|[Oo]wner|"
                       r"^Client$|^Facility$|^Group$")
#: Longer cells (a list of names, a sentence) wrap even in an id column.
ID_MAX_CHARS = 30
#: Headers up to this width (in Latin characters; a CJK one counts two) stay on one line.
SHORT_HEADER_WIDTH = 10
_HEADING = ("h1", "h2", "h3")
_BLOCKS = ("img", "table", "svg")


def _fold_index_header(table: Tag) -> None:
    thead = table.find("thead")
    rows = thead.find_all("tr", recursive=False) if thead else []
    if len(rows) != 2:
        return
    first, second = (r.find_all(["th", "td"], recursive=False) for r in rows)
    if (len(first) == len(second) and second and second[0].get_text(strip=True)
            and not first[0].get_text(strip=True)
            and not any(c.get_text(strip=True) for c in second[1:])):
        first[0].string = second[0].get_text(strip=True)
        rows[1].decompose()


def _columns(table: Tag) -> int:
    return max((len(r.find_all(["th", "td"], recursive=False)) for r in table.find_all("tr")),
               default=0)


def _mark_ids(table: Tag) -> None:
    head = table.find("thead")
    heads = head.find("tr").find_all(["th", "td"], recursive=False) if head else []
    ids = {j for j, h in enumerate(heads) if ID_HEADER.search(h.get_text(" ", strip=True))}
    for row in table.find_all("tr"):
        for j, cell in enumerate(row.find_all(["th", "td"], recursive=False)):
            short = len(cell.get_text(strip=True)) <= ID_MAX_CHARS
            if short and (j in ids or (cell.name == "th" and row.parent.name == "tbody")):
                cell["class"] = [*cell.get("class", []), "crm-id"]


def _mark_short_headers(table: Tag) -> None:
    head = table.find("thead")
    for cell in head.find_all("th") if head else []:
        if 0 < text_width(cell.get_text(" ", strip=True)) <= SHORT_HEADER_WIDTH:
            cell["class"] = [*cell.get("class", []), "crm-short"]


def _keep_groups(soup: BeautifulSoup) -> None:
    for area in soup.select(".crm-body .jp-OutputArea"):
        children = area.find_all("div", class_="jp-OutputArea-child", recursive=False)
        i = 0
        while i < len(children):
            if not children[i].find(_HEADING):
                i += 1
                continue
            # the heading, at most one text block, and the chart or table right after them
            j = i + 1
            if j < len(children) and not children[j].find(_BLOCKS) and j + 1 < len(children) \
                    and children[j + 1].find(_BLOCKS):
                j += 1
            group = children[i:min(j + 1, len(children))]
            box = soup.new_tag("div", attrs={"class": "crm-keep"})
            group[0].insert_before(box)
            for child in group:
                box.append(child.extract())
            i = j + 1


def shape_for_print(soup: BeautifulSoup) -> None:
    """Apply the print layout described in the module docstring to the report's body."""
    for table in soup.select(".crm-body table"):
        _fold_index_header(table)
        _mark_ids(table)
        _mark_short_headers(table)
        if _columns(table) >= WIDE_COLUMNS:
            table["class"] = [*table.get("class", []), "crm-wide"]
    _keep_groups(soup)
    for table in soup.select(".crm-body table.crm-wide"):
        block = table.find_parent("div", class_="crm-keep") or table.find_parent(
            "div", class_="jp-OutputArea-child")
        if block is not None:
            block["class"] = [*block.get("class", []), "crm-landscape"]
