"""Shared fixtures: the sample portfolio run end to end, once per language, for the tests that
read the deliverables (scan, glyphs, screenshots, card PDF)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The system's Chromium, which Playwright drives (its own browser download is not used).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def sample_through(tmp_path_factory: pytest.TempPathFactory):
    """``sample_through(name, *stages)``: the sample portfolio's parameters with each stage
    library's ``run()`` done in turn, in a folder of its own (for a module-scoped fixture)."""
    import importlib

    from crmkit.params import load_params

    def run(name: str, *stages: str):
        out = tmp_path_factory.mktemp(name)
        params = load_params(ROOT / "parameters" / "sample.yaml", {"output_dir": str(out)})
        for stage in stages:
            importlib.import_module(f"crmkit.{stage}").run(params)
        return params

    return run


@dataclass
class Deliverables:
    """The exported artefacts of one language's sample run (both quarters and the roll-up)."""

    lang: str
    root: Path
    run_dir: Path

    @property
    def report_html(self) -> Path:
        return next((self.run_dir / "report").glob("*.html"))

    @property
    def report_pdf(self) -> Path:
        return next((self.run_dir / "report").glob("*.pdf"))

    @property
    def cards_html(self) -> Path:
        return self.run_dir / "diagnose" / "client_cards.html"

    @property
    def cards_pdf(self) -> Path:
        return self.run_dir / "diagnose" / "client_cards.pdf"

    @property
    def rollup_html(self) -> Path:
        return max((self.root / "_rollup").glob("*/rollup.html"))

    @property
    def workbooks(self) -> list[Path]:
        return sorted(self.root.glob("**/*.xlsx"))


def _params(name: str, out: Path, lang: str) -> None:
    data = yaml.safe_load((ROOT / "parameters" / name).read_text(encoding="utf-8"))
    data.update(output_dir=str(out / "outputs"), language=lang,
                sources={"default": {"path": str(ROOT / "data" / "sample")}})
    (out / "params").mkdir(exist_ok=True)
    (out / "params" / name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


@pytest.fixture(scope="session", params=["zh", "en"])
def deliverables(request, tmp_path_factory) -> Deliverables:
    """Both sample quarters (2026-06-30, then 2026-09-30) and their roll-up, in one language."""
    from crmkit.batch.runner import run_portfolios

    lang = request.param
    tmp = tmp_path_factory.mktemp(f"deliverables-{lang}")
    for name in ("sample_2026q2.yaml", "sample.yaml"):
        _params(name, tmp, lang)
    runs = run_portfolios([tmp / "params"], workers=1, progress=False)
    failed = [(r.portfolio, s.stage, s.error) for r in runs for s in r.stages if not s.ok]
    assert all(r.ok for r in runs) and not failed, failed
    latest = max((Path(r.run_dir) for r in runs), key=lambda p: p.name)
    return Deliverables(lang, tmp / "outputs", latest)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright (skips the test when either is missing)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip("no Chromium here")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
