"""What a batch run prints: stage events as they arrive, a line per portfolio, the summary."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from crmkit.batch.results import PortfolioRun

__all__ = ["Printer", "portfolio_done", "progress_line", "print_summary"]


class Printer:
    """Prints stage events from worker processes as they arrive."""

    def __init__(self, events: Any, total: int) -> None:
        self.events, self.total, self.done = events, total, 0
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self.events.get()
            if item is None:
                return
            portfolio, stage, status, secs = item
            tail = f" ({secs:.1f}s)" if status in ("ok", "failed") else ""
            sys.stdout.write(f"  {portfolio} · {stage}: {status}{tail}\n")
            sys.stdout.flush()

    def stop(self) -> None:
        self.events.put(None)
        self._thread.join(timeout=5)


def portfolio_done(printer: Printer | None, r: PortfolioRun) -> None:
    if printer is None:
        return
    printer.done += 1
    progress_line(r, printer.done, printer.total, True)


def progress_line(r: PortfolioRun, done: int, total: int, show: bool) -> None:
    if not show:
        return
    status = "ok" if r.ok else "FAILED"
    stages = " ".join(f"{s.stage}:{'ok' if s.ok else 'FAIL'}({s.seconds:.1f}s)" for s in r.stages)
    sys.stdout.write(f"[{done}/{total}] {r.portfolio or r.params_file}: {status} {stages}\n")
    sys.stdout.flush()


def print_summary(results: list[PortfolioRun]) -> None:
    lines = ["", f"{'portfolio':<24} {'status':<8} {'time':>7}  detail"]
    for r in results:
        if r.ok:
            detail = r.run_dir
        elif r.error:
            detail = r.error.splitlines()[0]
        else:
            bad = next(s for s in r.stages if not s.ok)
            detail = f"stage {bad.stage}: {bad.error.splitlines()[0] if bad.error else ''}" \
                     f" (see {bad.notebook})"
        lines.append(f"{(r.portfolio or Path(r.params_file).name):<24} "
                     f"{'ok' if r.ok else 'FAILED':<8} {r.seconds:>6.1f}s  {detail}")
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} portfolios succeeded.")
    sys.stdout.write("\n".join(lines) + "\n")
