"""Reading and writing a run's stage tables: ``<run_dir>/<stage>/<name>.parquet``.

Every write goes to a temporary name in the same folder and is renamed into place, so an
interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crmkit.core.errors import CrmkitError, OutputError

if TYPE_CHECKING:
    from crmkit.params import Params

__all__ = ["atomic_write", "output_error", "ensure_dir", "save_table", "load_table",
           "load_indexed", "table_path", "STAGES",
           "record_model"]

#: The stages of a run, in order; each is a sub-folder of the run folder.
STAGES = ("collect", "score", "tier", "relate", "needs", "warn", "diagnose", "report")


_OUTPUT_FIXES = {
    errno.ENOSPC: "the disk is full: free some space (or set 'output_dir:' to another disk) "
                  "and run again",
    errno.EDQUOT: "the disk quota is used up: free some space (or set 'output_dir:' to "
                  "another disk) and run again",
    errno.EROFS: "the file system is read-only: set 'output_dir:' in the parameters file to a "
                 "writable folder",
    errno.EACCES: "permission denied: make the folder writable or set 'output_dir:' to a "
                  "folder you may write",
    errno.EPERM: "permission denied: make the folder writable or set 'output_dir:' to a "
                 "folder you may write",
    errno.ENOTDIR: "part of the path is a file, not a folder: set 'output_dir:' to a folder",
}


def output_error(exc: OSError, folder: Path) -> OutputError:
    """A clear :class:`OutputError` for an ``OSError`` met writing into ``folder``."""
    fix = _OUTPUT_FIXES.get(exc.errno or 0,
                            "check that the folder exists, is writable and has free space")
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{folder}: cannot write the outputs ({reason}); {fix}.")


def ensure_dir(folder: Path) -> Path:
    """Create ``folder`` (and parents); an :class:`OutputError` says why it cannot be."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, Path(folder)) from None
    return Path(folder)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The process's umask, read once at import: ``os.umask`` can only be read by setting it,
#: which two threads writing outputs at once (collect encodes tables in parallel) would race on.
_UMASK = _read_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    A read-only, full or forbidden folder raises :class:`OutputError` naming the folder.
    """
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                        dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path.parent) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno not in _OUTPUT_FIXES:
            raise
        raise output_error(exc, path.parent) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def table_path(params: Params, stage: str, name: str) -> Path:
    """Where stage ``stage`` keeps its table ``name``."""
    return params.run_dir / stage / f"{name}.parquet"


def save_table(params: Params, stage: str, name: str, df: pd.DataFrame) -> Path:
    """Write one stage table as Parquet, atomically."""
    return atomic_write(table_path(params, stage, name),
                        lambda tmp: df.to_parquet(tmp, index=False))


def load_table(params: Params, stage: str, name: str) -> pd.DataFrame:
    """Read a table an earlier stage wrote; a clear error says which notebook to run first."""
    path = table_path(params, stage, name)
    if not path.is_file():
        raise CrmkitError(
            f"{path}: the {stage} stage has not written {name!r} for portfolio "
            f"{params.portfolio!r} as of {params.as_of}. Run that stage first "
            f"(crmkit run {params.source_file or 'PARAMS.yaml'})."
        )
    return pd.read_parquet(path)


def load_indexed(params: Params, stage: str, name: str, key: str = "client_id") -> pd.DataFrame:
    """:func:`load_table`, indexed by ``key`` when the table has that column."""
    df = load_table(params, stage, name)
    return df.set_index(key) if key in df.columns else df


def record_model(params: Params, stage: str, name: str, info: dict) -> Path:
    """Record which model a stage used and why (``<run_dir>/<stage>/models.json``).

    ``info`` holds at least ``method`` (what produced the numbers), and for a model gate
    ``auc``, ``min_auc`` and ``fallback`` (True when the model was not used). The batch
    runner copies the file into the run's ``manifest.json``.
    """
    import json

    path = params.run_dir / stage / "models.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data[name] = info
    text = json.dumps(data, ensure_ascii=False, indent=2, default=float)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
