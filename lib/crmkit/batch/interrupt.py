"""Stopping a batch run on Ctrl-C, SIGINT or SIGTERM: workers and kernels stop within seconds.

Kernels run in sessions of their own (jupyter_client starts them so), so a signal to the
terminal's process group never reaches them, and a worker that dies leaves its kernel behind.
Therefore only the parent reacts to signals: it kills every kernel below it, terminates the
workers, and raises :class:`Interrupted` once the summary of what finished is printed. Workers
ignore SIGINT, and on SIGTERM (or when their parent disappears) kill their kernels and exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import psutil

__all__ = ["Interrupted", "parent_signals", "worker_init", "kill_kernels", "stop_processes"]

_KERNEL = "ipykernel_launcher"


class Interrupted(KeyboardInterrupt):
    """The batch run was stopped by ``signum``; ``exit_code`` is 128 + ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


def _is_kernel(p: psutil.Process) -> bool:
    try:
        return any(_KERNEL in part for part in p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def kill_kernels(root: int | None = None) -> list[int]:
    """Kill (SIGKILL) every Jupyter kernel below process ``root`` (default: this one)."""
    try:
        below = psutil.Process(root or os.getpid()).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = [p for p in below if _is_kernel(p)]
    for p in kernels:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(kernels, timeout=3)
    return [p.pid for p in kernels]


def stop_processes(pids: Iterable[int], grace: float = 3.0) -> None:
    """SIGTERM ``pids``, wait up to ``grace`` seconds, then SIGKILL whatever is left."""
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            p = psutil.Process(pid)
            p.terminate()
            procs.append(p)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=grace)


@contextlib.contextmanager
def parent_signals() -> Iterator[None]:
    """While active, SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (outside
    the main thread: no change); the caller then stops workers first, kernels last, so that no
    worker sees its kernel die and records the stage as failed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # one interruption is enough
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def worker_init() -> None:
    """Initializer of a pool worker: the parent decides about interruption (see module)."""
    parent = os.getppid()

    def leave(signum: int = signal.SIGTERM, frame: Any = None) -> None:
        kill_kernels()
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, lambda signum, frame: None)  # not SIG_IGN: kernels inherit it
    signal.signal(signal.SIGTERM, leave)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        leave()

    threading.Thread(target=watch, daemon=True, name="crmkit-parent-watch").start()
