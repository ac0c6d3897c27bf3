"""Every character a reader sees in the report, the client cards and the roll-up is drawn from a
font the page embeds, so the pages read the same on a machine without any Chinese system font.

Each page is opened in headless Chromium (Playwright driving the system's ``/usr/bin/chromium``).
Two checks, in both languages:

1. every distinct character of ``document.body.innerText`` is in the character map of one of the
   ``@font-face`` fonts the page embeds (``data:`` URLs, read with fontTools);
2. Chromium's own account of the fonts it used (DevTools ``CSS.getPlatformFontsForNode``) names
   only embedded (custom) fonts for the text of the page: no system fallback.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest

from conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="no Chromium here")

_FACE = re.compile(r"@font-face\s*\{[^}]*?url\(\s*[\"']?data:[^;,]+;base64,([A-Za-z0-9+/=]+)")
#: elements whose text the DevTools check asks about (a sample of each page)
_TEXT_NODES = "h1,h2,h3,h4,p,li,td,th,dt,dd,span,a,div.sub,div.badges,caption,figcaption"
_SAMPLE = 400


def embedded_cmap(html: str) -> set[int]:
    """Code points covered by the fonts a page embeds as ``data:`` URLs."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for data in _FACE.findall(html):
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        points |= set(font.getBestCmap())
    return points


def _pages(d) -> dict[str, Path]:
    return {"report": d.report_html, "cards": d.cards_html, "rollup": d.rollup_html}


def _used_fonts(page, limit: int = _SAMPLE) -> dict[str, bool]:
    """Family -> is it a web font, over a sample of the page's text elements (DevTools)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": _TEXT_NODES})["nodeIds"]
    step = max(1, len(ids) // limit)
    used: dict[str, bool] = {}
    for node in ids[::step]:
        for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            used[f["familyName"]] = used.get(f["familyName"], True) and f["isCustomFont"]
    cdp.detach()
    return used


@pytest.mark.parametrize("which", ["report", "cards", "rollup"])
def test_every_character_is_in_an_embedded_font(deliverables, browser, which: str) -> None:
    path = _pages(deliverables)[which]
    html = path.read_text(encoding="utf-8")
    covered = embedded_cmap(html)
    assert covered, f"{which}: the page embeds no font"
    page = browser.new_page()
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready")
    text = page.evaluate("document.body.innerText")
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in covered})
    assert not missing, f"{which} ({deliverables.lang}): no embedded glyph for {missing[:40]}"
    used = _used_fonts(page)
    page.close()
    system = sorted(name for name, custom in used.items() if not custom)
    assert used and not system, f"{which} ({deliverables.lang}): system fonts used: {system}"


def test_the_cmap_reader_sees_a_subset() -> None:
    from crmkit.core.fonts import font_face_css

    css = font_face_css("客户关系", "body")
    points = embedded_cmap(css)
    assert {ord(c) for c in "客户关系A1"} <= points and ord("龘") not in points
