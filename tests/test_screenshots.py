"""Screenshots of the deliverables as a reader's browser shows them, written to the run folder.

Headless Chromium (Playwright, the system's ``/usr/bin/chromium``) opens the report, the client
cards and the roll-up at 1280 px wide, on screen and in print emulation, and writes PNGs under
``<run_dir>/screenshots/``. On every view: nothing is wider than the window, no identifier cell
is clipped, and no heading overlaps another heading or the block next to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="no Chromium here")
WIDTH, HEIGHT = 1280, 900

#: Page checks run in the browser: horizontal overflow, clipped id cells, overlapping headings.
_CHECKS = """() => {
  const out = {overflow: document.documentElement.scrollWidth - window.innerWidth,
               clipped: [], overlaps: []};
  for (const c of document.querySelectorAll('td.crm-id, th.crm-id, td.nowrap, .sub')) {
    if (c.scrollWidth > c.clientWidth + 1) out.clipped.push(c.innerText.slice(0, 40));
  }
  const box = e => e.getBoundingClientRect();
  const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                         Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const heads = [...document.querySelectorAll('h1, h2, h3')].filter(h => box(h).height > 0);
  for (const h of heads) {
    for (const o of [...heads, h.nextElementSibling, h.previousElementSibling]) {
      if (o && o !== h && box(o).height > 0 && meet(box(h), box(o)))
        out.overlaps.push(h.innerText.slice(0, 30) + ' / ' + o.innerText.slice(0, 30));
    }
  }
  return out;
}"""


def _views(d) -> list[tuple[str, Path, str, str | None]]:
    """(name, page, media, heading text to scroll to)."""
    nine = "九、" if d.lang == "zh" else "9."
    return [("report-cover", d.report_html, "screen", None),
            ("report-matrix", d.report_html, "screen", "三、" if d.lang == "zh" else "3."),
            ("report-table", d.report_html, "screen", nine),
            ("report-print", d.report_html, "print", None),
            ("card", d.cards_html, "screen", None),
            ("card-print", d.cards_html, "print", None),
            ("rollup", d.rollup_html, "screen", None),
            ("rollup-print", d.rollup_html, "print", None)]


def test_screenshots_show_no_overflow_clipping_or_overlap(deliverables, browser) -> None:
    folder = deliverables.run_dir / "screenshots"
    folder.mkdir(exist_ok=True)
    problems = []
    for name, path, media, anchor in _views(deliverables):
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.emulate_media(media=media)
        page.goto(path.as_uri())
        page.evaluate("document.fonts.ready")
        if anchor:
            page.evaluate("""a => { const h = [...document.querySelectorAll('h1, h2')]
                .find(e => e.innerText.trim().startsWith(a)); if (h) h.scrollIntoView(); }""",
                          anchor)
        shot = folder / f"{name}-{deliverables.lang}.png"
        page.screenshot(path=str(shot))
        found = page.evaluate(_CHECKS)
        page.close()
        assert shot.stat().st_size > 10_000, f"{shot.name} is blank"
        if found["overflow"] > 0:
            problems.append(f"{name}: {found['overflow']} px wider than the window")
        problems += [f"{name}: clipped {c!r}" for c in found["clipped"]]
        problems += [f"{name}: overlapping {o!r}" for o in found["overlaps"]]
    assert problems == []
    assert len(list(folder.glob(f"*-{deliverables.lang}.png"))) == len(_views(deliverables))
