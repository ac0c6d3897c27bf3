"""The report shows a chart its stage notebook drew in this run, and draws it when it cannot."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import nbformat

from crmkit.batch import stage_notebooks
from crmkit.params import Params
from crmkit.report.reuse import CHART_TAG, stage_chart, stage_png

PNG = b"\x89PNG\r\n\x1a\nnot really a picture"


def _params(tmp_path: Path) -> Params:
    return Params.model_validate({"portfolio": "t", "as_of": "2026-09-30",
                                  "output_dir": str(tmp_path / "out"),
                                  "sources": {"default": {"path": str(tmp_path)}}})


def _executed(params: Params, *, exception: bool = False, tag: str = "chart:matrix") -> Path:
    out = params.stage_dir("tier") / "tiers.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"table")
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": [tag]}, "source": "",
                     "outputs": [{"output_type": "display_data", "metadata": {},
                                  "data": {"image/png": base64.b64encode(PNG).decode(),
                                           "text/plain": "<Figure>"}}]}],
          "metadata": {"papermill": {"exception": exception}}}
    path = params.run_dir / "notebooks" / "03_tier.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    later = out.stat().st_mtime + 5
    os.utime(path, (later, later))
    return path


def test_the_stage_notebooks_image_is_shown(tmp_path: Path) -> None:
    params = _params(tmp_path)
    _executed(params)
    assert stage_png(params, "tier", "matrix") == PNG
    shown = stage_chart(params, "tier", "matrix", lambda: "drawn")
    assert shown.data == PNG and shown.format == "png"


def test_drawn_when_the_notebook_cannot_serve(tmp_path: Path) -> None:
    params = _params(tmp_path)
    assert stage_chart(params, "tier", "matrix", lambda: "drawn") == "drawn"  # no notebook
    path = _executed(params)
    assert stage_png(params, "tier", "treemap") is None  # no cell with that tag
    assert stage_png(params, "warn", "matrix") is None  # no notebook of that stage
    os.utime(path, (0, 0))  # the stage's tables were written again since
    assert stage_chart(params, "tier", "matrix", lambda: "drawn") == "drawn"
    _executed(params, exception=True)
    assert stage_png(params, "tier", "matrix") is None


def test_the_stage_notebooks_tag_the_charts_the_report_reuses() -> None:
    report = nbformat.read(stage_notebooks()["report"], 4)
    source = "\n".join(c.source for c in report.cells)
    wanted = {("tier", "matrix"), ("tier", "treemap"), ("tier", "pareto"),
              ("warn", "alert_counts")}
    for stage, name in wanted:
        assert f'stage_chart(params, "{stage}", "{name}"' in source
        nb = nbformat.read(stage_notebooks()[stage], 4)
        tagged = [c for c in nb.cells if CHART_TAG + name in c.metadata.get("tags", [])]
        assert len(tagged) == 1, (stage, name)
    for stage, name in (("relate", "relationship_treemap"), ("needs", "needs_by_month")):
        nb = nbformat.read(stage_notebooks()[stage], 4)
        assert sum(CHART_TAG + name in c.metadata.get("tags", []) for c in nb.cells) == 1
