"""The ``branding:`` section: the consultancy's name, logo, colours and cover text.

Example (every key optional; these are the defaults)::

    branding:
      consultancy: null          # shown on the cover, the page footer and the client cards
      logo: null                 # PNG, JPEG or SVG file, relative to the parameters file
      primary_colour: "#1f4e79"  # headings, table headers, the cover rule
      accent_colour: "#c0392b"   # highlights: critical alerts, the tier badge's edge
      cover_title: null          # default: 客户关系分析报告 / Client relationship analysis report
      cover_subtitle: null       # a line under the title, e.g. the engagement's name

The logo is embedded into every page as a ``data:`` URL, so the report, cards and roll-up stay
single files. See docs/branding.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator

from crmkit.params._base import Section

__all__ = ["BrandingParams", "LOGO_TYPES"]

#: Logo file suffixes and their media types.
LOGO_TYPES: dict[str, str] = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                              ".svg": "image/svg+xml"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class BrandingParams(Section):
    """Who puts their name on the deliverables, and how they look."""

    consultancy: str | None = Field(None, max_length=80, description="Consultancy name")
    logo: Path | None = Field(None, description="Logo file (png, jpg, svg)")
    primary_colour: str = Field("#1f4e79", description="Main colour, #rrggbb")
    accent_colour: str = Field("#c0392b", description="Accent colour, #rrggbb")
    cover_title: str | None = Field(None, max_length=120, description="Report cover title")
    cover_subtitle: str | None = Field(None, max_length=200, description="Line under the title")

    @field_validator("primary_colour", "accent_colour")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not _COLOUR.match(v):
            raise ValueError(f"{v!r} is not a colour: write it as #rrggbb, e.g. '#1f4e79' "
                             "(quote it in YAML: a bare # starts a comment)")
        return v.lower()

    @field_validator("logo")
    @classmethod
    def _logo_type(cls, v: Path | None) -> Path | None:
        if v is not None and v.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"logo {v.name!r}: use a {', '.join(LOGO_TYPES)} file")
        return v
