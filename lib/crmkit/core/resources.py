"""Files that ship with crmkit: the stage notebooks and ``templates/`` (strategy table, report
template). An installed wheel carries them as package data under ``crmkit/_resources/``; a
checkout (``pip install -e``) reads them from the repository's own folders."""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_path"]

_PACKAGE = Path(__file__).resolve().parents[1]


def resource_path(*parts: str) -> Path:
    """Path of a shipped file or folder, e.g. ``resource_path("templates", "strategies.csv")``."""
    installed = _PACKAGE / "_resources"
    root = installed if installed.is_dir() else _PACKAGE.parents[1]
    return root.joinpath(*parts)
