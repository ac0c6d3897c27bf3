"""The CJK glyph subset is built once and then read from the cache (issue 16, per portfolio)."""

from __future__ import annotations

import io
from pathlib import Path

from fontTools.ttLib import TTFont

from crmkit.core import fonts


def test_subset_cached_on_disk_and_still_a_woff2_with_the_glyphs(tmp_path: Path,
                                                                 monkeypatch) -> None:
    monkeypatch.setenv("CRMKIT_CACHE", str(tmp_path))
    fonts.subset_font.cache_clear()
    first = fonts.subset_font("客户关系管理")
    (cached,) = (tmp_path / "fonts" / "subsets").glob("*.woff2")
    assert cached.read_bytes() == first
    cached.write_bytes(b"from the cache")  # the next call reads the file, builds nothing
    fonts.subset_font.cache_clear()
    assert fonts.subset_font("客户关系管理") == b"from the cache"
    font = TTFont(io.BytesIO(first))
    assert font.flavor == "woff2"
    assert {ord(c) for c in "客户关系管理A"} <= set(font.getBestCmap())
    fonts.subset_font.cache_clear()
