"""The client cards PDF of a batch run, printed in a process of its own beside the report.

Printing the cards (one A4 page per card, WeasyPrint) is the largest single cost of a small
portfolio's report stage, and it needs only ``diagnose/client_cards.html``. The kernel runs the
stage notebooks one after the other on one core; so the runner starts the print as soon as the
diagnose stage has written the cards page (its first cell does: :meth:`CardsPrint.watching`
notices the new file while the rest of the diagnose notebook runs), the report notebook runs
meanwhile (its kernel has
``CRMKIT_CARDS_PDF=runner`` and skips the print, :func:`crmkit.report.run`), and the report
stage waits for the PDF after its export. Same file as before, written atomically; a failed
print fails the report stage, as it did inside the notebook.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

from crmkit.params import Params
from crmkit.report.pdf import CARDS_PDF_ENV

__all__ = ["CardsPrint"]

_PROGRAM = ("import sys\nfrom pathlib import Path\n"
            "from crmkit.report.pdf import export_cards_pdf\n"
            "export_cards_pdf(Path(sys.argv[1]))\n")


class CardsPrint:
    """At most one background print of ``<run_dir>/diagnose/client_cards.pdf``.

    ``wanted``: the report stage is to run and PDFs are asked for. :meth:`start` is a no-op
    when not wanted, already started, or there is no cards page; :meth:`wait` returns an error
    text or ``""``; :meth:`stop` ends a print still running (an interrupted or failed run).
    """

    def __init__(self, params: Params, wanted: bool) -> None:
        self.html = params.stage_dir("diagnose") / "client_cards.html"
        self.wanted = wanted and "pdf" in params.batch.report_formats
        self.timeout = params.batch.cell_timeout_seconds
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        """Start printing the cards page, if wanted and not started yet."""
        if not self.wanted or self.proc is not None or not self.html.is_file():
            return
        env = {k: v for k, v in os.environ.items() if k != CARDS_PDF_ENV}
        self._log = tempfile.TemporaryFile(prefix="crmkit-cards-")
        self.proc = subprocess.Popen([sys.executable, "-c", _PROGRAM, str(self.html)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log, env=env)

    @contextlib.contextmanager
    def watching(self, every: float = 0.2) -> Iterator[None]:
        """While the block runs (the diagnose notebook), start the print as soon as a new cards
        page is written (written atomically: a new file, never a half-written one)."""
        if not self.wanted or self.proc is not None:
            yield
            return
        before = self._stamp()
        done = threading.Event()

        def poll() -> None:
            while not done.wait(every):
                stamp = self._stamp()
                if stamp is not None and stamp != before:
                    self.start()
                    return

        watcher = threading.Thread(target=poll, name="crmkit-cards-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.html.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def wait(self) -> str:
        """Wait for the print; an error text (the last lines it wrote), or ``""``."""
        if self.proc is None:
            return ""
        try:
            code = self.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return f"client cards PDF: no result after {self.timeout} s"
        text = self._read_log()
        self.proc = None
        if code == 0:
            return ""
        last = [line for line in text.splitlines() if line.strip()][-3:]
        return f"client cards PDF: {' / '.join(last) or f'exit status {code}'}"

    def stop(self) -> None:
        """End a print still running (nothing half-written is left: the write is atomic)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self._read_log()

    def _read_log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.close()
        self._log = None
        return text
