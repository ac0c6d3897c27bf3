"""Embed just the CJK glyphs a report uses, so its Chinese renders on any machine.

A reader's browser may have no Chinese font (a fresh Linux machine, a locked-down terminal); the
bundled Noto Sans CJK SC is 16 MB, far too big to embed whole. :func:`font_face_css` subsets it
to the characters of the document (typically a few hundred glyphs, 100-300 KB as WOFF2) and
returns an ``@font-face`` rule with the font as a ``data:`` URL, which the report's
Content-Security-Policy allows (``font-src data:``).
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache

__all__ = ["EMBEDDED_FAMILY", "font_face_css", "subset_font"]

EMBEDDED_FAMILY = "Crmkit CJK"
#: After the embedded subset: the reader's own CJK fonts, then any sans-serif.
FALLBACK_FONTS = ('"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
                  '"Hiragino Sans GB","Helvetica Neue",Arial,sans-serif')
_LOG = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def subset_font(chars: str) -> bytes:
    """WOFF2 bytes of Noto Sans CJK SC holding only ``chars`` (plus basic Latin)."""
    from fontTools import subset

    from crmkit.report_pdf import pdf_font_path

    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(str(pdf_font_path()), opts)
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(set(chars) | set(map(chr, range(0x20, 0x7F))))))
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue()


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
