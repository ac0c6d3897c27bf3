"""Charts the report shares with a stage notebook, shown as that notebook of this run drew them.

The report repeats six charts its stage notebooks already drew from the same tables (the tier
matrix, tree map and Pareto curve, the alert counts, the relationship tree map, needs by month);
drawing each again cost 0.3-1 CPU-s. A chart cell of a stage notebook carries the tag
``chart:<name>``; :func:`stage_chart` shows the PNG that cell produced in this run's executed
notebook (``<run_dir>/notebooks/``) when that notebook is newer than every file of its stage's
output folder, and otherwise draws the chart (a report notebook run on its own, a stage run
again since, a notebook run by hand).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crmkit.params import Params

__all__ = ["stage_chart", "stage_png", "CHART_TAG"]

#: Tag prefix of a stage notebook's chart cell (``chart:matrix``).
CHART_TAG = "chart:"


def _executed(params: Params, stage: str) -> Path | None:
    folder = params.run_dir / "notebooks"
    if not folder.is_dir():
        return None
    name = re.compile(rf"^\d\d[a-z]?_{re.escape(stage)}\.ipynb$")
    found = sorted(p for p in folder.iterdir() if name.match(p.name))
    return found[0] if found else None


def _newest_output(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def stage_png(params: Params, stage: str, name: str) -> bytes | None:
    """The PNG of the cell tagged ``chart:<name>`` in this run's executed ``stage`` notebook,
    or None (no such notebook, cell or image; the cell failed; the stage's outputs are newer)."""
    path = _executed(params, stage)
    if path is None:
        return None
    try:
        if path.stat().st_mtime < _newest_output(params.stage_dir(stage)):
            return None
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if nb.get("metadata", {}).get("papermill", {}).get("exception"):
        return None
    for cell in nb.get("cells", []):
        if CHART_TAG + name not in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if out.get("output_type") in ("display_data", "execute_result") and png:
                return base64.b64decode(png if isinstance(png, str) else "".join(png))
    return None


def stage_chart(params: Params, stage: str, name: str, draw: Callable[[], Any]) -> Any:
    """The ``stage`` notebook's ``chart:<name>`` image of this run, else ``draw()``."""
    png = stage_png(params, stage, name)
    if png is None:
        return draw()
    from IPython.display import Image

    return Image(data=png, format="png")
