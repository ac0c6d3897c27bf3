"""The run manifest: what went into a portfolio run and what came out, for audit and resume.

``<run_dir>/manifest.json`` records the parameters, the hash of every input file, package
versions, and per stage its fingerprint, timing, status and output paths. A stage's fingerprint
hashes its notebook, the parameters file, the input files, the crmkit version and the previous
stage's fingerprint, so ``--resume`` re-runs a stage exactly when something it depends on
changed.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from crmkit.core.store import atomic_write
from crmkit.params import Params

__all__ = ["file_hash", "input_files", "input_hashes", "package_versions", "stage_fingerprint",
           "read_manifest", "write_manifest", "stage_models", "MANIFEST"]

MANIFEST = "manifest.json"
_PACKAGES = ("crmkit", "pandas", "numpy", "scikit-learn", "papermill", "matplotlib", "seaborn",
             "pyarrow", "duckdb", "openpyxl", "nbconvert", "weasyprint")


def file_hash(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def input_files(params: Params) -> list[Path]:
    """Every local file the portfolio's sources point at (folders are listed; SQL URLs to local
    SQLite/DuckDB files count as files)."""
    files: list[Path] = []
    for spec in params.sources.values():
        if spec.path is not None:
            p = Path(spec.path)
            if p.is_dir():
                files += sorted(q for q in p.iterdir() if q.is_file()
                                and q.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm",
                                                         ".parquet", ".pq"))
            elif p.is_file():
                files.append(p)
        elif spec.url and spec.url.startswith(("sqlite:///", "duckdb:///")):
            p = Path(spec.url.split(":///", 1)[1])
            if p.is_file():
                files.append(p)
    return sorted(set(files))


def input_hashes(params: Params) -> dict[str, str]:
    """Input file path -> SHA-256."""
    return {str(p): file_hash(p) for p in input_files(params)}


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run's results depend on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def stage_fingerprint(notebook: Path, params_file: Path, inputs: dict[str, str],
                      previous: str = "") -> str:
    """Hash of everything a stage depends on (see module docstring)."""
    h = hashlib.sha256()
    h.update(file_hash(notebook).encode())
    h.update(file_hash(params_file).encode())
    h.update(json.dumps(inputs, sort_keys=True).encode())
    h.update(package_versions().get("crmkit", "").encode())
    h.update(previous.encode())
    return h.hexdigest()


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a run folder, or an empty one."""
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError):
        return {}


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
    return atomic_write(Path(run_dir) / MANIFEST,
                        lambda tmp: tmp.write_text(text, encoding="utf-8"))


def stage_models(stage_dir: Path) -> dict[str, Any]:
    """The stage's model decisions (``models.json``: method used, AUC, gate, fallback)."""
    path = stage_dir / "models.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
