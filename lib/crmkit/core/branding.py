"""The look every deliverable shares: colours, logo and names from the ``branding:`` parameters.

:class:`Brand` is what the report, the client cards and the roll-up render with; build it with
:func:`brand_of` from a parameters object (anything with a ``branding`` section, or none: the
house defaults). The logo is read once and carried as a ``data:`` URL, which the pages'
Content-Security-Policy allows (``img-src data:``).
"""

from __future__ import annotations

import base64
import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Brand", "brand_of", "DEFAULT_PRIMARY", "DEFAULT_ACCENT"]

DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#c0392b"
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
          ".svg": "image/svg+xml"}
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Brand:
    """Colours (``#rrggbb``), the logo as a ``data:`` URL, and the names shown."""

    primary: str = DEFAULT_PRIMARY
    accent: str = DEFAULT_ACCENT
    logo_uri: str | None = None
    consultancy: str | None = None
    cover_title: str | None = None
    cover_subtitle: str | None = None

    def css(self, selector: str = ":root") -> str:
        """CSS custom properties ``--crm-navy`` (primary) and ``--crm-accent``."""
        return (f"{selector}{{--crm-navy:{self.primary};--crm-accent:{self.accent};"
                f"--crm-primary:{self.primary};}}")

    def logo_img(self, css_class: str = "crm-logo", alt: str = "") -> str:
        """An ``<img>`` of the logo (empty when there is none); ``alt`` defaults to the name."""
        if not self.logo_uri:
            return ""
        alt = alt or self.consultancy or "logo"
        return (f'<img class="{css_class}" src="{self.logo_uri}" '
                f'alt="{html.escape(alt, quote=True)}">')


def _data_uri(path: Path) -> str | None:
    kind = _TYPES.get(path.suffix.lower())
    try:
        data = path.read_bytes()
    except OSError as exc:
        _LOG.warning("branding logo %s cannot be read (%s); pages show no logo", path.name, exc)
        return None
    if kind is None:
        return None
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def brand_of(params: Any = None) -> Brand:
    """The :class:`Brand` of a parameters object's ``branding`` section (relative logo paths are
    read from the parameters file's folder); house defaults without one."""
    b = getattr(params, "branding", None)
    if b is None:
        return Brand()
    logo = None
    if b.logo is not None:
        path = Path(b.logo)
        src = getattr(params, "source_file", None)
        if not path.is_absolute() and src is not None:
            path = Path(src).parent / path
        logo = _data_uri(path)
    return Brand(primary=b.primary_colour, accent=b.accent_colour, logo_uri=logo,
                 consultancy=b.consultancy, cover_title=b.cover_title,
                 cover_subtitle=b.cover_subtitle)
