"""The outcome of a batch run: one :class:`PortfolioRun` per portfolio, one :class:`StageRun` per
stage notebook."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["StageRun", "PortfolioRun"]


@dataclass
class StageRun:
    stage: str
    ok: bool
    seconds: float
    notebook: str
    error: str = ""
    attempts: int = 1
    skipped: bool = False


@dataclass
class PortfolioRun:
    params_file: str
    portfolio: str = ""
    run_dir: str = ""
    stages: list[StageRun] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(s.ok for s in self.stages)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)
