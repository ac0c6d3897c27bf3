"""The client cards PDF printed beside the report notebook (crmkit.batch.cards), the kernel's
environment that hands the print to the runner, and the runner's notebook saves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crmkit.batch import cards as cards_mod
from crmkit.batch.cards import CardsPrint
from crmkit.batch.kernels import STATIC_WIDGETS_ENV, kernel_environment
from crmkit.params import Params
from crmkit.report.pdf import CARDS_PDF_ENV


def _params(tmp_path: Path, formats: list[str] | None = None) -> Params:
    return Params.model_validate({
        "portfolio": "t", "as_of": "2026-09-30", "output_dir": str(tmp_path / "out"),
        "sources": {"default": {"path": str(tmp_path)}},
        "batch": {"report_formats": formats or ["html", "pdf"]}})


def _cards_page(params: Params) -> Path:
    page = params.stage_dir("diagnose") / "client_cards.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>'
                    '<section class="card"><h1>Client 1</h1></section>'
                    '<section class="card"><h1>Client 2</h1></section></body></html>',
                    encoding="utf-8")
    return page


def test_the_print_writes_the_pdf_beside_the_page(tmp_path: Path) -> None:
    params = _params(tmp_path)
    page = _cards_page(params)
    job = CardsPrint(params, wanted=True)
    job.start()
    assert job.wait() == ""
    assert page.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert job.wait() == ""  # waiting again is harmless


def test_nothing_is_printed_when_not_wanted(tmp_path: Path) -> None:
    for params, wanted in ((_params(tmp_path, ["html"]), True), (_params(tmp_path), False)):
        page = _cards_page(params)
        job = CardsPrint(params, wanted=wanted)
        job.start()
        assert job.proc is None and job.wait() == ""
        assert not page.with_suffix(".pdf").exists()


def test_no_cards_page_no_print(tmp_path: Path) -> None:
    job = CardsPrint(_params(tmp_path), wanted=True)
    job.start()
    assert job.proc is None and job.wait() == ""


def _started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, program: str) -> CardsPrint:
    """A print of a cards page by ``program`` instead of the real one, started."""
    params = _params(tmp_path)
    _cards_page(params)
    monkeypatch.setattr(cards_mod, "_PROGRAM", program)
    job = CardsPrint(params, wanted=True)
    job.start()
    return job


def test_a_failed_print_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _started(tmp_path, monkeypatch, "import sys\nsys.exit('the printer broke')\n")
    assert job.wait() == "client cards PDF: the printer broke"


def test_stop_ends_a_running_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _started(tmp_path, monkeypatch, "import time\ntime.sleep(60)\n")
    proc = job.proc
    job.stop()
    assert proc is not None and proc.returncode is not None and job.proc is None


def test_the_print_does_not_inherit_the_kernel_variable(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    params = _params(tmp_path)
    _cards_page(params)
    monkeypatch.setenv(CARDS_PDF_ENV, "runner")
    monkeypatch.setattr(cards_mod, "_PROGRAM",
                        f"import os, sys\nsys.exit(os.environ.get({CARDS_PDF_ENV!r}) or 0)\n")
    job = CardsPrint(params, wanted=True)
    job.start()
    assert job.wait() == ""


def _rewrite(params: Params) -> None:
    """Write the cards page anew, atomically, as the diagnose stage does."""
    page = params.stage_dir("diagnose") / "client_cards.html"
    tmp = page.with_name(".client_cards.tmp")
    tmp.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    os.replace(tmp, page)


def test_watching_starts_the_print_when_the_page_is_written_during_the_block(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The diagnose notebook writes the cards page in its first cell: the print starts then,
    while the notebook's charts are still being drawn, not when the notebook ends."""
    import time

    params = _params(tmp_path)
    _cards_page(params)  # the page of an earlier run
    monkeypatch.setattr(cards_mod, "_PROGRAM", "import time\ntime.sleep(60)\n")
    job = CardsPrint(params, wanted=True)
    with job.watching(every=0.02):
        time.sleep(0.2)
        assert job.proc is None  # the old page is not printed
        _rewrite(params)
        deadline = time.monotonic() + 5
        while job.proc is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.proc is not None  # started inside the block
    started = job.proc
    job.start()  # the runner's call after the stage: a no-op, the print runs already
    assert job.proc is started
    job.stop()


def test_watching_without_a_new_page_starts_nothing(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    params = _params(tmp_path)
    _cards_page(params)
    monkeypatch.setattr(cards_mod, "_PROGRAM", "import time\ntime.sleep(60)\n")
    job = CardsPrint(params, wanted=True)
    with job.watching(every=0.02):
        pass
    assert job.proc is None
    unwanted = CardsPrint(_params(tmp_path, ["html"]), wanted=True)
    with unwanted.watching(every=0.02):
        _rewrite(params)
    assert unwanted.proc is None


def test_kernel_environment_sets_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CARDS_PDF_ENV, raising=False)
    monkeypatch.setenv(STATIC_WIDGETS_ENV, "0")
    with kernel_environment():
        assert os.environ[CARDS_PDF_ENV] == "runner"
        assert os.environ[STATIC_WIDGETS_ENV] == "1"
    assert CARDS_PDF_ENV not in os.environ
    assert os.environ[STATIC_WIDGETS_ENV] == "0"


def test_the_engine_saves_the_notebook_once_at_the_end() -> None:
    """Papermill's per-cell saves are off while the cells run, and back for the final save."""
    from crmkit.batch import watchdog

    class Manager:
        saves = 0

        def save(self, **_: object) -> None:
            Manager.saves += 1

    class Client:
        owns_km, kc = True, None

        def __init__(self, nb_man: Manager, **_: object) -> None:
            self.nb_man = nb_man

        def execute(self) -> str:
            self.nb_man.save()  # as cell_start / cell_complete do
            return "done"

    man = Manager()
    original = watchdog.WatchedClient
    watchdog.WatchedClient = Client  # type: ignore[misc, assignment]
    try:
        assert watchdog.WatchedEngine.execute_managed_notebook(man, "python3") == "done"
    finally:
        watchdog.WatchedClient = original  # type: ignore[misc]
    assert Manager.saves == 0
    man.save()
    assert Manager.saves == 1
