"""Parameters of batch runs (section ``batch:`` of a portfolio's parameters file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crmkit.params._base import Section

__all__ = ["BatchParams"]


class BatchParams(Section):
    """How ``crmkit run`` executes this portfolio's notebooks."""

    cell_timeout_seconds: int = Field(
        600, gt=0, description="A notebook cell running longer than this fails the stage "
        "(then it is retried once); guards against a kernel that stops answering")
    silent_kernel_seconds: float = Field(
        20, gt=0, description="A kernel that reported a cell finished but sent no reply, or "
        "never started a cell, for this long is stalled: the stage fails and is retried once")
    start_timeout_seconds: int = Field(120, gt=0, description="Time allowed for a kernel to start")
    report_formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html", "pdf"],
                                      description="Exports of the report notebook: html, pdf")
