"""The dashboard's Chinese font: the bundled Noto Sans CJK glyphs its pages use, embedded as CSS.

A manager's browser may have no Chinese font. The dashboard embeds a subset of the bundled
font (:func:`crmkit.core.fonts.font_face_css`) holding every CJK character of the labels and
of the run's tables (names, rules, reasons, comments), cached on disk by the set of characters
so that only the first page load of a run pays for the subsetting.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from crmkit.core.codes import CODES
from crmkit.core.fonts import font_face_css
from crmkit.core.i18n import LABELS
from crmkit.core.store import atomic_write

__all__ = ["page_chars", "font_css"]

_CACHE = Path(tempfile.gettempdir()) / "crmkit-dashboard-fonts"


def page_chars(run_dirs: Iterable[Path], extra: str = "") -> str:
    """Every non-ASCII character of the labels and the text columns of the runs' tables."""
    chars = set(extra)
    for zh, en in LABELS.values():
        chars.update(zh + en)
    for table in CODES.values():
        for zh, en in table.values():
            chars.update(zh + en)
    for run in run_dirs:
        for path in Path(run).glob("*/*.parquet"):
            try:
                df = pd.read_parquet(path)
            except (OSError, ValueError):
                continue
            for col in df.columns:
                s = df[col]
                if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
                    continue
                chars.update("".join(map(str, s.dropna().tolist())))
    return "".join(sorted(c for c in chars if ord(c) > 0x7E and not c.isspace()))


def font_css(chars: str, selector: str) -> str:
    """``@font-face`` CSS for ``chars`` applied to ``selector`` (cached on disk)."""
    if not chars:
        return ""
    digest = hashlib.sha1(f"{selector}\n{chars}".encode()).hexdigest()[:16]
    path = _CACHE / f"{digest}.css"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    css = font_face_css(chars, selector)
    if css:
        try:
            atomic_write(path, lambda tmp: tmp.write_text(css, encoding="utf-8"))
        except OSError:  # an unwritable temp folder only costs time
            pass
    return css
