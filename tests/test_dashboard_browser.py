"""``crmkit dashboard`` in a real browser: the system's Chromium driven by Playwright.

The test copies the sample run of the session fixture (both quarters, Chinese), starts the
command on a free loopback port with an access token (a request without it is turned away),
loads the page, filters by relationship manager, clicks a
matrix cell, opens a client card, acknowledges an alert with a note, and checks the note
landed in the history store's audit table, that the next warn run marks the alert and the
report section lists it. Screenshots of the filtered matrix and the card
are written to a temporary folder printed in the output (``pytest -s`` shows it), or to
``$CRMKIT_SCREENSHOT_DIR``.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium (make system-deps installs it)")
START_TIMEOUT = 60
PAGE_TIMEOUT = 150_000  # ms: the first page load starts a kernel and imports crmkit
EXPECT_TIMEOUT = 60_000  # ms: each step after a click (the kernel computes, then the page)


def _wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dashboard exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"dashboard not up after {START_TIMEOUT} s:\n{log.read_text()}")


def _status(port: int, path: str) -> int:
    """HTTP status of ``GET path`` (redirects not followed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture
def run_copy(deliverables, tmp_path) -> Path:
    """A parameters file over a private copy of the sample runs (the fixture stays clean)."""
    out = tmp_path / "outputs"
    shutil.copytree(deliverables.root, out, ignore=shutil.ignore_patterns("_rollup"))
    # the parameters the fixture ran with (its latest quarter), pointed at the copy
    used = deliverables.root.parent / "params" / "sample.yaml"
    data = yaml.safe_load(used.read_text(encoding="utf-8"))
    data.update(output_dir=str(out))
    pfile = tmp_path / "sample.yaml"
    pfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pfile


@pytest.mark.parametrize("deliverables", ["zh"], indirect=True)
def test_filter_drill_down_card_and_acknowledge(run_copy: Path, tmp_path: Path,
                                                browser) -> None:
    # the session's one Playwright (conftest): a second sync_playwright in the same process
    # finds the first one's event loop running and refuses
    from playwright.sync_api import expect

    from crmkit.dashboard.server import free_port
    from crmkit.params import load_params

    params = load_params(run_copy)
    # CRMKIT_SCREENSHOT_DIR keeps them for review (pytest prunes old temporary folders)
    shots = Path(os.environ.get("CRMKIT_SCREENSHOT_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    token = secrets.token_urlsafe(24)
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "CRMKIT_DASHBOARD_TOKEN"}
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "crmkit.cli", "dashboard", str(run_copy),
                                 "--port", str(port), "--token", token], stdout=fh,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/?token={token}"
        _wait_http(url, proc, log)
        assert url in log.read_text()  # the command prints the URL
        assert _status(port, "/") != 200 and _status(port, "/?token=wrong") != 200
        page = browser.new_page(viewport={"width": 1280, "height": 1300})
        page.set_default_timeout(PAGE_TIMEOUT)
        expect.set_options(timeout=EXPECT_TIMEOUT)  # a busy machine builds a card slowly
        page.goto(url)
        page.wait_for_selector(".crm-cell-low-strong")
        summary = page.locator(".crm-summary")
        expect(summary).to_contain_text("300")

        # the as-of filter: the earlier quarter has other figures; then back to the latest
        latest = summary.inner_text()
        page.locator(".crm-as-of select").select_option("2026-06-30")
        expect(summary).not_to_have_text(latest)
        page.locator(".crm-as-of select").select_option(params.as_of.isoformat())
        expect(summary).to_have_text(latest)

        # filter: one relationship manager
        rm = page.locator(".crm-filter-relationship_manager select option").first
        rm_name = rm.inner_text().strip()
        page.locator(".crm-filter-relationship_manager select").select_option(label=rm_name)
        expect(summary).not_to_contain_text("300 ")
        n = int(re.search(r"已选 (\d+) 户", summary.inner_text()).group(1))
        assert 0 < n < 300

        # drill down: the busiest cell lists its clients
        cell = page.locator(".crm-cell-low-strong")
        count = int(re.search(r"(\d+) 户", cell.inner_text()).group(1))
        assert count > 0
        cell.click()
        expect(page.locator(".crm-drill h4").first).to_contain_text(f"{count} 户")
        rows = page.locator(".crm-drill .crm-table tbody tr").first
        expect(rows).to_contain_text(rm_name)
        page.screenshot(path=str(shots / "matrix_filtered.png"), full_page=True)

        # the tree map: a tile lists its clients too
        page.get_by_role("tab", name="层级树图").click()
        tile = page.locator(".crm-tile").first
        tile_n = int(re.search(r"\n(\d+) ·", tile.inner_text()).group(1))
        tile.click()
        expect(page.locator(".crm-drill h4").nth(1)).to_contain_text(f"{tile_n} 户")
        page.get_by_role("tab", name="风险 × 还款能力").click()

        # the client card of the first listed client
        name = page.locator(".crm-drill-pick select").first.evaluate(
            "s => s.options[s.selectedIndex].text")
        page.locator(".crm-open-card").first.click()
        frame = page.frame_locator("iframe.crm-card-frame")
        expect(frame.locator("h1").first).to_contain_text(name)
        page.screenshot(path=str(shots / "card.png"), full_page=True)

        # acknowledge the most urgent open alert with a note
        page.get_by_role("tab", name="预警工作清单").click()
        page.locator(".crm-ack-box input").first.check()
        page.locator(".crm-user input").fill("王经理")
        page.locator(".crm-note textarea").fill("已约见财务总监，下周提交还款计划")
        page.locator(".crm-ack").click()
        expect(page.locator(".crm-ack-status")).to_contain_text("已确认 1 条")
        page.screenshot(path=str(shots / "worklist.png"), full_page=True)
        page.close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        sys.stdout.write(f"\ndashboard screenshots: {shots}\n")

    acks = pd.read_parquet(params.history_path.parent / "acknowledgements.parquet")
    assert len(acks) == 1
    row = acks.iloc[0]
    assert row["user"] == "王经理" and row["note"] == "已约见财务总监，下周提交还款计划"
    assert row["portfolio"] == "sample" and row["as_of"] == params.as_of.isoformat()
    assert row["client_id"].startswith("C") and pd.Timestamp(row["acknowledged_at"]).tzinfo


    # the next run of the warn stage marks the alert, and the report lists the acknowledgement
    from crmkit import warn
    from crmkit.report.acknowledgements import acknowledgement_tables

    alerts = warn.run(params).alerts.set_index("client_id")
    marked = alerts[alerts["acknowledged"].fillna(False).astype(bool)]
    assert list(marked.index) == [row["client_id"]]
    assert marked["acknowledged_note"].iloc[0] == row["note"]
    note, table = acknowledgement_tables(params, "zh")
    assert "共 1 条确认" in note.data and table["确认人"].tolist() == ["王经理"]
