"""One kernel per portfolio: the stage notebooks run in turn in it, each in a clean namespace.

Starting a kernel and importing pandas, scikit-learn, matplotlib and crmkit again for each of
six stages cost more than the analysis of a sample-sized portfolio. A :class:`KernelSession`
starts one kernel for a portfolio and runs every stage notebook in it with Papermill (the
``crmkit`` engine, parameters injected, the executed notebook written as before). Between two
notebooks the kernel's namespace is reset (``InteractiveShell.reset``: variables, ``In``/``Out``
and the history counter), open figures are closed, matplotlib's rc settings and the working
folder restored, so a name
defined by one stage is never visible in the next; only imported modules stay loaded. A
notebook that fails, a kernel that dies or stalls: the kernel is shut down and the next
notebook (or the retry) gets a fresh one.

``CRMKIT_KERNEL=stage`` restores one kernel per stage notebook (the behaviour before, kept to
compare the two in :mod:`benchmarks.bench_overhead`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crmkit.batch.kernels import KERNEL_ARGUMENTS, ipc_kernel_manager, kernel_environment

__all__ = ["KernelSession", "KERNEL_MODE_ENV", "kernel_per_portfolio", "RESET_CODE"]

#: ``stage``: one kernel per stage notebook; anything else: one kernel per portfolio.
KERNEL_MODE_ENV = "CRMKIT_KERNEL"
#: Run silently between two notebooks: close figures, restore matplotlib's rc settings and the
#: folder, clear the namespace (``reset`` comes last: it also removes the names defined here).
RESET_CODE = """\
import os as __crmkit_os, sys as __crmkit_sys
if "matplotlib.pyplot" in __crmkit_sys.modules:
    __crmkit_sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib" in __crmkit_sys.modules:  # the rc settings a fresh kernel starts with
    __crmkit_sys.modules["matplotlib"].rc_file_defaults()
__crmkit_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
"""


def kernel_per_portfolio() -> bool:
    """True unless ``CRMKIT_KERNEL=stage`` asks for one kernel per stage notebook."""
    return os.environ.get(KERNEL_MODE_ENV, "portfolio").strip().lower() != "stage"


class KernelSession:
    """A kernel kept alive across the stage notebooks of one portfolio (see the module).

    Parameters
    ----------
    cwd
        The kernel's working folder (the notebooks' folder, as Papermill would use).
    start_timeout
        Seconds the kernel may take to start.
    """

    def __init__(self, cwd: Path, start_timeout: float = 60.0) -> None:
        self.cwd, self.start_timeout = Path(cwd), start_timeout
        self.km: Any = None
        self.used = False  # a notebook ran since the kernel started: reset before the next
        self.starts = 0

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def kernel(self, start_timeout: float | None = None) -> Any:
        """The kernel manager of a live kernel with a clean namespace, started if needed."""
        from jupyter_core.utils import run_sync

        self.start_timeout = start_timeout or self.start_timeout
        if self.km is not None and not run_sync(self.km.is_alive)():
            self.close()
        if self.km is None:
            self._start()
        elif self.used:
            self._reset()
        self.used = True
        return self.km

    def discard(self) -> None:
        """Forget the kernel after a failure: shut it down; the next notebook starts afresh."""
        self.close()

    def close(self) -> None:
        """Shut the kernel down at once (no graceful wait: nothing in it is kept)."""
        km, self.km, self.used = self.km, None, False
        if km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already dead, or its sockets gone: clean up anyway
            try:
                run_sync(km.cleanup_resources)()
            except Exception:  # noqa: BLE001
                pass

    def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        ipc = os.environ.get("CRMKIT_KERNEL_IPC") == "1" and os.name == "posix"
        km = (ipc_kernel_manager() if ipc else AsyncKernelManager)(kernel_name="python3")
        with kernel_environment():  # inherited by the kernel (static slider panels, ...)
            run_sync(km.start_kernel)(
                extra_arguments=[*KERNEL_ARGUMENTS, "--HistoryManager.hist_file=:memory:"],
                cwd=str(self.cwd))
        self.km, self.used = km, False
        self.starts += 1

    def _reset(self) -> None:
        """Run :data:`RESET_CODE` silently; a kernel that cannot is replaced by a fresh one."""
        from jupyter_core.utils import run_sync

        try:
            run_sync(self._run_silent)(RESET_CODE.format(cwd=str(self.cwd)))
        except Exception:  # noqa: BLE001 - never run a stage in a kernel we could not clean
            self.close()
            self._start()

    async def _run_silent(self, code: str) -> None:
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.start_timeout)
            reply = await kc.execute_interactive(code, silent=True, store_history=False,
                                                 timeout=self.start_timeout)
        finally:
            kc.stop_channels()
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel reset failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")
