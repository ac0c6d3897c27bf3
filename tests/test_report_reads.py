"""The report's voice section reads the client columns that name people, not every clean table
(at a million clients the interaction notes alone are gigabytes): the names it masks are those
the whole tables give."""

from __future__ import annotations

import pytest

from crmkit.collect import load_clean, required
from crmkit.voice.documents import PERSON_COLUMNS, person_names


@pytest.fixture(scope="module")
def params(sample_through):
    """The sample portfolio through collect, score, tier and the voice analysis."""
    return sample_through("report-reads", "collect", "score", "tier", "voice")


def test_person_names_from_the_person_columns_equal_those_from_whole_tables(params) -> None:
    part = load_clean(params, {"clients": PERSON_COLUMNS}, only=["clients"])
    names = person_names(part)
    assert names and person_names(load_clean(params)) == names


def test_the_voice_section_reads_only_the_clients_people(params, monkeypatch) -> None:
    from crmkit.report.voice_section import voice_tables

    read: list[tuple[str, tuple[str, ...]]] = []
    real = required._read

    def spy(p, name, path, cols):
        read.append((name, tuple(cols)))
        return real(p, name, path, cols)

    required._LAST.clear()  # nothing held from earlier reads: every table read is seen
    monkeypatch.setattr(required, "_read", spy)
    sentence, themes, quotes = voice_tables(params, "en")
    assert len(themes) and len(quotes)
    assert read == [("clients", PERSON_COLUMNS)]


def test_the_english_voice_section_names_every_theme_in_english(params) -> None:
    """The sample has a topic the theme table does not name (季度走访 notes): in English it is
    "Other topics", never its Chinese keywords; text counts are grouped in thousands."""
    import re

    from crmkit.report.voice_section import voice_tables

    _, themes, quotes = voice_tables(params, "en")
    cjk = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
    names = [*themes.index, *quotes.index]
    assert "Other topics" in names and not any(cjk.search(n) for n in names)
    counts = themes["Texts"].tolist()
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", c) for c in counts)
    assert any("," in c for c in counts)  # the sample's themes hold 1,000 texts and more


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_quality_appendix_writes_row_counts_in_thousands(lang) -> None:
    from types import SimpleNamespace

    import pandas as pd

    from crmkit.report.findings import quality_appendix

    quality = pd.DataFrame({"table": ["interactions", "clients"], "rows_read": [7189, 300],
                            "rows_kept": [7001, 300], "rows_quarantined": [188, 0]})
    note, table = quality_appendix(SimpleNamespace(quality=quality), lang)
    assert table.iloc[0, :3].tolist() == ["7,189", "7,001", "188"]
    assert table.iloc[1, :3].tolist() == ["300", "300", "0"]
    assert "7,489" in note.data  # the totals
