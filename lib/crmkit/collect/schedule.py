"""Running the tables' tasks ``workers`` at a time, with two rules: a task starts only after
its parent tables' tasks have started (it waits for their results inside), and at most one
*large* task runs at a time (the large tables' raw cells and parsed columns together would
not fit where one at a time does; a small table runs beside a large one instead)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future
from typing import TypeVar

__all__ = ["run_tasks"]

T = TypeVar("T")


def run_tasks(futures: Mapping[str, Future[T]], parents: Mapping[str, Collection[str]],
              large: Collection[str], workers: int, task: Callable[[str], T]) -> None:
    """Run ``task(name)`` for every name of ``futures`` (in their order: the first runnable
    one each time a worker is free) and set its future's result or error; returns when all
    are done. ``parents``: the names each task waits for (itself excluded)."""
    pending = list(futures)
    started: set[str] = set()
    large_running = [0]
    cond = threading.Condition()

    def runnable(name: str) -> bool:
        return (not (name in large and large_running[0])
                and all(p in started for p in parents.get(name, ())
                        if p in futures and p != name))

    def worker() -> None:
        while True:
            with cond:
                while True:
                    if not pending:
                        return
                    name = next((n for n in pending if runnable(n)), None)
                    if name is not None:
                        break
                    cond.wait()
                pending.remove(name)
                started.add(name)
                large_running[0] += name in large
            try:
                futures[name].set_result(task(name))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller by the future
                futures[name].set_exception(exc)
            finally:
                with cond:
                    large_running[0] -= name in large
                    cond.notify_all()

    threads = [threading.Thread(target=worker, name=f"collect-{i}", daemon=True)
               for i in range(max(workers, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
