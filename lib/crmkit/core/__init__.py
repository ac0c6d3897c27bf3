"""The base every stage builds on: errors, dates, the data contract, the run store, labels (zh/en),
PII masking, fonts and the chart style. It imports no stage."""

from __future__ import annotations

from crmkit.core.errors import CrmkitError

__all__ = ["CrmkitError"]
