"""The synthetic sample portfolio: a generated Chinese corporate and project-finance book, with
optional planted bad rows (one per quarantine reason) for teaching the collect stage."""

from __future__ import annotations

from crmkit.sample.planted_errors import PLANTED_ERRORS, plant_errors
from crmkit.sample.portfolio import (
    DEFAULT_AS_OF,
    PLANTED,
    Planted,
    SampleError,
    generate,
    iter_chunks,
    write_portfolio,
)

__all__ = ["generate", "write_portfolio", "iter_chunks", "SampleError", "DEFAULT_AS_OF",
           "Planted", "PLANTED", "PLANTED_ERRORS", "plant_errors"]
