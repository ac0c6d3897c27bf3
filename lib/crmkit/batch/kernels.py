"""Running one stage notebook with Papermill in its own kernel, written atomically."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmkit.params import Params
from crmkit.report.pdf import CARDS_PDF_ENV

if TYPE_CHECKING:
    from crmkit.batch.session import KernelSession

__all__ = ["execute_notebook", "ipc_kernel_manager", "kernel_environment", "STATIC_WIDGETS_ENV",
           "KERNEL_ARGUMENTS"]

#: Set to "1" in a kernel's environment to make the slider panels static.
STATIC_WIDGETS_ENV = "CRMKIT_STATIC_WIDGETS"
#: Kernel command-line options: only errors reach the terminal (not the start-up warning
#: "running over TCP without encryption", six times per portfolio, burying the progress).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


def _skip_iri_grammars() -> None:
    """Papermill loads nbformat, nbformat jsonschema, and jsonschema, when ``rfc3987_syntax`` is
    installed (a Jupyter dependency), compiles its 38 IRI grammars at import: 1.4 CPU-s in
    each batch process, for a format no notebook schema uses. Mark it absent instead."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


_skip_iri_grammars()


@contextlib.contextmanager
def kernel_environment() -> Iterator[None]:
    """Variables a batch kernel inherits while it starts: static slider panels (live ipywidgets
    in a kernel nobody looks at only add comm traffic, and an Output-widget cell was seen to
    leave the client waiting on an idle kernel until the cell timeout), and the client cards
    PDF left to the runner, which prints it beside the report notebook
    (:mod:`crmkit.batch.cards`)."""
    wanted = {STATIC_WIDGETS_ENV: "1", CARDS_PDF_ENV: "runner"}
    previous = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def ipc_kernel_manager() -> type:
    """A kernel manager on Unix-domain sockets: parallel kernels cannot clash on TCP ports
    (the ``ZMQError: Address already in use`` race), and nothing listens on the network."""
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._sock_dir = tempfile.mkdtemp(prefix="crmkit-kernel-")
            self.transport = "ipc"
            self.ip = os.path.join(self._sock_dir, "k")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if not restart:
                shutil.rmtree(self._sock_dir, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources

    return IPCKernelManager


def execute_notebook(nb: Path, out: Path, params_file: Path, params: Params,
                     session: KernelSession | None = None) -> None:
    """Run one notebook into ``out``; a failed notebook is kept (with its error), an
    interrupted one is removed, so no half-written notebook is ever left behind.

    With a ``session``, the notebook runs in the session's kernel (started or reset first) and
    any failure discards that kernel; without, in a kernel of its own, shut down after."""
    import papermill as pm

    from crmkit.batch.watchdog import ENGINE

    tmp = out.with_name(f".{out.stem}.part.ipynb")
    # TCP kernels: the Unix-socket manager below was seen to lose a reply now and then (the
    # kernel idle, the client waiting), so it is opt-in via CRMKIT_KERNEL_IPC=1.
    ipc = os.environ.get("CRMKIT_KERNEL_IPC") == "1" and os.name == "posix"
    extra: dict[str, Any] = {"kernel_manager_class": ipc_kernel_manager()} if ipc else {}
    try:
        with kernel_environment():  # inherited by the kernel this call starts
            if session is not None:  # its live kernel: Papermill neither starts nor stops it
                extra = {"km": session.kernel(params.batch.start_timeout_seconds)}
            pm.execute_notebook(
                str(nb), str(tmp), parameters={"params_file": str(params_file)},
                kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
                shutdown_kernel="immediate", start_timeout=params.batch.start_timeout_seconds,
                execution_timeout=params.batch.cell_timeout_seconds, engine_name=ENGINE,
                silent_seconds=params.batch.silent_kernel_seconds,
                extra_arguments=KERNEL_ARGUMENTS, **extra)
    except Exception:
        if session is not None:
            session.discard()
        if tmp.exists():
            os.replace(tmp, out)  # the executed notebook shows the failing cell
        raise
    except BaseException:
        if session is not None:
            session.discard()
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
