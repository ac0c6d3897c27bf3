"""A Papermill engine whose client notices a silent kernel within seconds, not at the cell timeout.

A kernel that lost a message looks, to a plain client, like a long cell: the client waits for
an ``execute_reply`` that will never come until the cell timeout (600 s). Two states are
unambiguous, though, and the ``crmkit`` engine fails the cell with :class:`KernelStallError`
as soon as one of them lasts ``batch.silent_kernel_seconds``:

- the kernel reported the cell finished (``status: idle`` on IOPub) but no reply came; or
- the kernel never reported starting the cell (no ``status: busy``) after the request was sent.

A long-running cell reports ``busy`` at once and stays silent legitimately; it is untouched
and only the cell timeout applies to it. The batch runner retries a stalled stage once.
"""

from __future__ import annotations

import asyncio
from queue import Empty
from time import monotonic
from typing import Any

from nbclient.client import timestamp
from nbclient.exceptions import CellTimeoutError
from nbclient.util import ensure_async
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from traitlets import Float

__all__ = ["KernelStallError", "WatchedClient", "WatchedEngine", "ENGINE"]

#: The Papermill engine name the batch runner uses.
ENGINE = "crmkit"


class KernelStallError(RuntimeError):
    """The kernel went silent: a reply or a status message was lost (the stage is retried)."""


class WatchedClient(PapermillNotebookClient):
    """:class:`PapermillNotebookClient` that fails a cell fast when its kernel goes silent."""

    silent_seconds = Float(15.0, help="Seconds a lost reply / unstarted cell is tolerated"
                           ).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started: set[str] = set()

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        """Note which requests the kernel began (``busy``), then handle as usual."""
        content = msg.get("content", {})
        if msg.get("msg_type") == "status" and content.get("execution_state") == "busy":
            self._started.add(msg.get("parent_header", {}).get("msg_id", ""))
        return super().process_message(msg, cell, cell_index)

    async def _async_poll_for_reply(self, msg_id: str, cell: Any, timeout: int | None,
                                    task_poll_output_msg: asyncio.Future[Any],
                                    task_poll_kernel_alive: asyncio.Future[Any]
                                    ) -> dict[str, Any]:
        assert self.kc is not None
        sent = monotonic()
        deadline = sent + timeout if timeout is not None else None
        idle_since: float | None = None
        step = max(0.2, min(1.0, self.silent_seconds / 5))
        while True:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=step))
            except Empty:
                msg = None
            if msg is None:
                now = monotonic()
                if task_poll_output_msg.done() and idle_since is None:
                    idle_since = now
                stall = self._stall(msg_id, now - sent,
                                    None if idle_since is None else now - idle_since, cell)
                if stall is not None or (deadline is not None and now > deadline):
                    task_poll_kernel_alive.cancel()
                    if stall is not None:
                        raise stall
                    await self._async_check_alive()
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Cell execution timed out", timeout, cell)
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if self.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
            try:
                await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
            except (TimeoutError, Empty):
                task_poll_kernel_alive.cancel()
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Timeout waiting for IOPub output", self.iopub_timeout, cell) from None
            task_poll_kernel_alive.cancel()
            return msg

    def _stall(self, msg_id: str, since_sent: float, since_idle: float | None,
               cell: Any) -> KernelStallError | None:
        """The stall error when the kernel has been silent too long in a telling state."""
        limit = self.silent_seconds
        if since_idle is not None and since_idle > limit:
            return KernelStallError(
                f"silent kernel: cell {cell.get('execution_count')} finished (kernel idle) "
                f"but its reply never came in {limit:g} s")
        if msg_id not in self._started and since_sent > limit:
            return KernelStallError(
                f"silent kernel: the kernel did not start the cell within {limit:g} s of "
                "the request")
        return None


class WatchedEngine(NBClientEngine):
    """Papermill's nbclient engine, executing with :class:`WatchedClient`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: int = 60, execution_timeout: int | None = None,
                                 **kwargs: Any) -> Any:
        """Run the notebook in ``nb_man`` with the watched client (see the module docstring)."""
        kwargs.pop("input_path", None)
        kwargs.pop("startup_timeout", None)
        timeout = execution_timeout or kwargs.pop("timeout", None)
        kwargs.pop("timeout", None)
        client = WatchedClient(nb_man, timeout=timeout, startup_timeout=start_timeout,
                               kernel_name=kernel_name, log=logger, log_output=log_output,
                               stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        # Papermill rewrites the whole notebook, charts included, as each cell starts and ends
        # (2-3 CPU-s a portfolio); the batch writes a hidden temporary file nobody reads until
        # the notebook completes, when Papermill saves it once more (also after an error).
        nb_man.save = _no_save
        try:
            return client.execute()
        finally:  # a kernel given as ``km`` (crmkit.batch.session) lives on: close our client
            del nb_man.save
            if not client.owns_km and client.kc is not None:
                client.kc.stop_channels()
                client.kc = None


def _no_save(**_: Any) -> None:
    """Stands in for ``NotebookExecutionManager.save`` while the cells run."""


papermill_engines.register(ENGINE, WatchedEngine)
