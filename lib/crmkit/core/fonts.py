"""The bundled CJK font: its Simplified Chinese face for PDFs, and glyph subsets for HTML.

The PDF uses the SC face of the bundled Noto Sans CJK collection (OFL), extracted once with
fontTools into ``~/.cache/crmkit/fonts`` (fontconfig would otherwise pick the Japanese face for
``lang="en"``). HTML pages embed just the CJK glyphs they use, so their Chinese renders on any
machine.

A reader's browser may have no Chinese font (a fresh Linux machine, a locked-down terminal); the
bundled Noto Sans CJK SC is 16 MB, far too big to embed whole. :func:`font_face_css` subsets it
to the characters of the document (typically a few hundred glyphs, 100-300 KB as WOFF2) and
returns an ``@font-face`` rule with the font as a ``data:`` URL, which the report's
Content-Security-Policy allows (``font-src data:``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from crmkit.core.store import atomic_write

__all__ = ["EMBEDDED_FAMILY", "SC_FACE", "cjk_font_path", "font_face_css", "pdf_font_path",
           "subset_font"]

#: Full name of the face extracted from the collection.
SC_FACE = "Noto Sans CJK SC"

EMBEDDED_FAMILY = "Crmkit CJK"
#: After the embedded subset: the reader's own CJK fonts, then any sans-serif.
FALLBACK_FONTS = ('"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
                  '"Hiragino Sans GB","Helvetica Neue",Arial,sans-serif')
_LOG = logging.getLogger(__name__)


def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans CJK collection (.ttc, PyPI ``noto-cjk-sans-otc``)."""
    import noto_cjk_sans_otc

    return Path(noto_cjk_sans_otc.FONT_PATH)


def _cache_dir() -> Path:
    root = os.environ.get("CRMKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "crmkit")
    return Path(root) / "fonts"


def pdf_font_path() -> Path:
    """The Noto Sans CJK SC face as a single ``.otf``, extracted once into the cache folder.

    Falls back to the ``.ttc`` collection itself (with a logged warning) when the face cannot be
    extracted or the cache is not writable.
    """
    ttc = cjk_font_path()
    stat = ttc.stat()
    target = _cache_dir() / f"NotoSansCJKsc-Regular-{stat.st_size}-{int(stat.st_mtime)}.otf"
    if target.is_file():
        return target
    try:
        from fontTools.ttLib import TTCollection

        fonts = TTCollection(str(ttc), lazy=True).fonts
        face = next(f for f in fonts if f["name"].getDebugName(1) == SC_FACE)
        atomic_write(target, lambda tmp: face.save(str(tmp)))
        return target
    except Exception as exc:  # the PDF still renders, possibly with JP glyph shapes
        _LOG.warning("cannot extract %s from %s (%s); using the collection", SC_FACE, ttc, exc)
        return ttc


#: Brotli quality of the WOFF2 subsets: 9 compresses in a fifteenth of the CPU time of
#: fontTools' default (11, ~1 s for a report's 600 glyphs) for a font ~8 % larger.
WOFF2_QUALITY = 9


@contextlib.contextmanager
def _woff2_quality(quality: int) -> Iterator[None]:
    """fontTools' WOFF2 writer calls ``brotli.compress`` without a quality: set one."""
    from fontTools.ttLib import woff2

    real = woff2.brotli

    class _Brotli:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        @staticmethod
        def compress(data: bytes, mode: int = 0, **_: object) -> bytes:
            return real.compress(data, mode=mode, quality=quality)

    woff2.brotli = _Brotli()
    try:
        yield
    finally:
        woff2.brotli = real


@lru_cache(maxsize=8)
def subset_font(chars: str) -> bytes:
    """WOFF2 bytes of Noto Sans CJK SC holding only ``chars`` (plus basic Latin).

    Cached per process and on disk (beside the extracted face, keyed by the characters), so a
    report exported again, or a portfolio run again, does not subset the font again.
    """
    text = "".join(sorted(set(chars) | set(map(chr, range(0x20, 0x7F)))))
    source = pdf_font_path()
    stat = source.stat()
    key = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:{WOFF2_QUALITY}:{text}".encode()
                         ).hexdigest()[:24]
    cached = _cache_dir() / "subsets" / f"{key}.woff2"
    if cached.is_file():
        return cached.read_bytes()
    from fontTools import subset

    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(str(source), opts)
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    buf = io.BytesIO()
    with _woff2_quality(WOFF2_QUALITY):
        subset.save_font(font, buf, opts)
    data = buf.getvalue()
    with contextlib.suppress(Exception):  # a read-only cache only costs the next call time
        atomic_write(cached, lambda tmp: tmp.write_bytes(data))
    return data


def font_face_css(text: str, selector: str = "body") -> str:
    """An ``@font-face`` for the CJK characters of ``text`` and a rule putting it first for
    ``selector``; empty when ``text`` has no non-ASCII character or subsetting fails."""
    chars = "".join(sorted({c for c in text if ord(c) > 0x7E and not c.isspace()}))
    if not chars:
        return ""
    try:
        data = base64.b64encode(subset_font(chars)).decode("ascii")
    except Exception as exc:  # noqa: BLE001 - the report still works with system fonts
        _LOG.warning("could not embed the CJK font subset: %s", exc)
        return ""
    return (f'@font-face{{font-family:"{EMBEDDED_FAMILY}";'
            f'src:url(data:font/woff2;base64,{data}) format("woff2");}}'
            f'{selector}{{font-family:"{EMBEDDED_FAMILY}",{FALLBACK_FONTS};}}')
