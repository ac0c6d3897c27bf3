"""Giving freed memory back to the system between the large steps of a stage."""

from __future__ import annotations

import ctypes
import sys

__all__ = ["release_memory"]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl): nothing to trim
        return None


_LIBC = _libc()


def release_memory() -> None:
    """Return freed pages to the system: the Arrow pool's and the C heap's (glibc
    ``malloc_trim``). At a million clients the reads, joins and text analysis free gigabytes
    that otherwise stay counted in the process's memory until reused."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)
