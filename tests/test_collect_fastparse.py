"""The parsers' Arrow fast paths give, cell for cell, what the careful paths give.

Each property builds a column of mixed cells (plain forms the fast path takes, and every odd
form the careful path handles: thousands separators, brackets, percentages, 万, full-width
digits, blanks, missing tokens, impossible dates, Excel serials, labels, bad text), once as
Python objects and once Arrow-backed as the CSV reader gives it, and compares the public
parser (with and without a precomputed text view) to the careful reference on the same cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.collect import parsing

BLANKS = ["", " ", "NA", "n/a", "N/A", "null", "None", "nan", "-", "--", "—", "无", "#N/A", "\u3000"]
NUMBERS = ["1,234.5", "(12)", "(1,234)", "12.5%", "12.5％", "4.5 %", "3.2万", "1.5亿", "1万元",
           "3千元", "元", "３２００", "－５", "１２.0", "¥2,000", "￥3", "$4", "12 345", " 42 ",
           "\u300042", "42\u3000", "bad", "abc", "1e5", "-0", "-00", "+0", "0", "-0.0", "0.0",
           ".5", "5.", "+7", "007", "12345678901234567", "123456789012345", "1234567890123456",
           "45000", "2024-03-31", "NaN", "inf", "-inf", "1.0", "3.5", "-12.25"]
DATES = ["2024-03-31", "2024/3/31", "2024.03.31", "2024年3月31日", "20240331", "2024-02-30",
         "2023-02-29", "2024-02-29", "31/03/2024", "01/02/2024", "45000", "45000.5", "2024-03",
         "2024-03-31 10:00", "2024-03-31T10:00", "２０２４－０３－３１", " 2024-03-31 ",
         "2024-13-01", "2024-00-10", "2024-01-00", "0000-00-00", "abc", "1678-01-01",
         "2261-12-31", "20240230", "2024-3-1"]
BOOLS = sorted(parsing._TRUE | parsing._FALSE) + ["TRUE", "Yes", " yes ", "1.0", "0.0", "x",
                                                   "2", "True.0"]
TEXTS = ["1001.0", " 12.0 ", "１２.0", "12.00", "1001", "A1001.0", "\u3000x\u3000", "None",
         " none ", "ǅ", "ß", "Σ", "İ", "合计", "name"]


def _numbers() -> st.SearchStrategy[str]:
    plain = st.from_regex(r"[+-]?\d{1,12}(\.\d{1,6})?", fullmatch=True)
    ints = st.integers(-10**14, 10**14).map(str)
    return st.one_of(st.sampled_from(NUMBERS + BLANKS), plain, ints)


def _dates() -> st.SearchStrategy[str]:
    iso = st.dates(pd.Timestamp("1700-01-01").date(), pd.Timestamp("2250-12-31").date())
    shaped = st.from_regex(r"(19|20)\d{2}-[01]\d-[0-3]\d", fullmatch=True)
    return st.one_of(st.sampled_from(DATES + BLANKS), iso.map(lambda d: d.isoformat()), shaped)


def _codes(codes: str) -> st.SearchStrategy[str]:
    words = sorted(set(parsing._code_lookup(codes)) | set(parsing._code_lookup(codes).values()))
    forms = st.sampled_from(words).flatmap(lambda w: st.sampled_from(
        [w, w.upper(), w.title(), f" {w} ", w + "\u3000"]))
    return st.one_of(forms, st.sampled_from(BLANKS + ["xyz", "合计"]), st.text(max_size=6))


def _columns(cells: st.SearchStrategy[str]) -> st.SearchStrategy[list[str | None]]:
    return st.lists(st.one_of(cells, st.none()), min_size=0, max_size=40)


def _forms(cells: list[str | None]) -> list[pd.Series]:
    obj = pd.Series(cells, dtype=object)
    return [obj, obj.astype("string"), obj.fillna("").astype("string")]


def _same(fast: tuple[pd.Series, pd.Series], ref: tuple[pd.Series, pd.Series]) -> None:
    (v, b), (rv, rb) = fast, ref
    assert v.dtype == rv.dtype
    assert b.tolist() == rb.tolist()
    pd.testing.assert_series_equal(v, rv, check_dtype=True, check_exact=True)


def _check(cells: list[str | None], fast, careful) -> None:
    ref = careful(pd.Series(cells, dtype=object))
    for s in _forms(cells):
        if s.isna().any() and s.dtype != object:
            ref_s = careful(s)  # the careful path on the same (Arrow-backed) column
        else:
            ref_s = ref
        _same(fast(s, None), ref_s)
        _same(fast(s, parsing.text_view(s)), ref_s)


@settings(max_examples=80, deadline=None)
@given(_columns(_numbers()), st.booleans(), st.sampled_from([1.0, 1e4, 1e8]))
def test_parse_number_fast_equals_careful(cells, percent, factor):
    _check(cells, lambda s, t: parsing.parse_number(s, percent=percent, factor=factor, text=t),
           lambda s: parsing._number_careful(s, percent=percent, factor=factor))


@settings(max_examples=60, deadline=None)
@given(_columns(_numbers()))
def test_parse_int_fast_equals_careful(cells):
    def careful(s):
        vals, bad = parsing._number_careful(s)
        frac = vals.notna() & (vals != vals.round())
        bad = bad | frac
        return vals.mask(bad).round().astype("Int64"), bad

    _check(cells, lambda s, t: parsing.parse_int(s, text=t), careful)


@settings(max_examples=80, deadline=None)
@given(_columns(_dates()))
def test_parse_date_fast_equals_careful(cells):
    _check(cells, lambda s, t: parsing.parse_date(s, text=t), parsing._date_careful)


@settings(max_examples=60, deadline=None)
@given(_columns(st.one_of(st.sampled_from(BOOLS + BLANKS), st.text(max_size=4))))
def test_parse_bool_fast_equals_careful(cells):
    _check(cells, lambda s, t: parsing.parse_bool(s, text=t), parsing._bool_careful)


@settings(max_examples=60, deadline=None)
@given(_columns(_codes("industry")), st.sampled_from(["industry", "product", "channel"]))
def test_parse_code_fast_equals_careful(cells, codes):
    _check(cells, lambda s, t: parsing.parse_code(s, codes, text=t),
           lambda s: parsing._code_careful(s, codes))


@settings(max_examples=60, deadline=None)
@given(_columns(st.one_of(st.sampled_from(TEXTS + BLANKS), st.text(max_size=8),
                          st.from_regex(r"\d{1,6}\.0", fullmatch=True))), st.booleans())
def test_parse_text_fast_equals_careful(cells, identifier):
    _check(cells, lambda s, t: parsing.parse_text(s, identifier=identifier, text=t),
           lambda s: parsing._text_careful(s, identifier=identifier))


def test_plain_cells_take_the_fast_path_and_odd_ones_the_careful():
    s = pd.Series(["1234.5", "1,234.5", "2024-03-31", ""], dtype="string")
    plain, vals = parsing.fastparse.plain_numbers(parsing.fastparse.arrow_text(s))
    assert plain.tolist() == [True, False, False, False] and vals.tolist() == [1234.5]
    plain, _ = parsing.fastparse.plain_dates(parsing.fastparse.arrow_text(s))
    assert plain.tolist() == [False, False, True, False]
    vals, bad = parsing.parse_date(pd.Series(["2024-02-30", "2024/2/29"], dtype="string"))
    assert bad.tolist() == [True, False] and vals.iloc[1] == pd.Timestamp("2024-02-29")
    assert np.isnan(parsing.parse_number(pd.Series(["-0", "x"]))[0].iloc[1])


@settings(max_examples=60, deadline=None)
@given(_columns(st.one_of(st.sampled_from(BLANKS + TEXTS), st.text(max_size=5))))
def test_text_view_equals_the_pandas_reference(cells):
    s = pd.Series(cells, dtype=object)
    ref = parsing._as_text_pandas(s.astype("string").str.strip())
    pd.testing.assert_series_equal(parsing._as_text(s), ref, check_exact=True)


TOTALS = ["合计", "总计", "小计", "共计", "总合计", "Total", "TOTALS", "Grand Total", "subtotal",
          "ＴＯＴＡＬ", "⼩计", "合计：", "小计（万元）", "total(万元)", "t o t a l", "\u3000合计",
          "合 计", "tota", "totally", "service", "true", "gross", "s", "t", "ｇrand total"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TOTALS + BLANKS), st.text(max_size=6), st.none()),
                max_size=30))
def test_totals_prefilter_keeps_every_totals_row(cells):
    from crmkit.collect import layout

    frame = pd.DataFrame({"a": pd.Series(cells, dtype=object)})
    got = layout.totals_rows(frame)
    old = layout._OTHER_START
    try:
        layout._OTHER_START = "a^"  # matches nothing: every cell goes to the exact test
        ref = layout.totals_rows(frame)
    finally:
        layout._OTHER_START = old
    assert got[0].tolist() == ref[0].tolist()
    pd.testing.assert_series_equal(got[1], ref[1])
    pd.testing.assert_series_equal(got[2], ref[2])


_EDGES = [" ", "\t", "\u3000", "\xa0", "\x85", "\x0b", "\x1c", "\u2028", "\n", "", "x", "中"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.tuples(st.sampled_from(_EDGES), st.text(max_size=4),
                                               st.sampled_from(_EDGES)).map("".join)),
                max_size=6))
def test_needs_strip_exactly_when_strip_changes_a_cell(cells: list[str | None]) -> None:
    import pyarrow as pa

    from crmkit.collect.fastparse import needs_strip

    s = pd.Series(cells, dtype="string[pyarrow]")
    changed = not s.fillna("\x00").equals(s.str.strip().fillna("\x00"))
    assert needs_strip(pa.array(s.array)) == changed


_JSON_CHARS = st.sampled_from(['a', '中', '"', '\\', '/', '\n', '\x00', '\x1f', '\x7f', '\u2028',
                               '😀', ' ', '\t', '\b', '{', ',', ':']) | st.characters()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b/c", 'x"y', "中文", "n\\m", "t\tt"]), unique=True,
                max_size=4).flatmap(lambda cols: st.lists(
                    st.lists(st.none() | st.text(_JSON_CHARS, max_size=5),
                             min_size=len(cols), max_size=len(cols)),
                    min_size=1, max_size=5).map(lambda rows: (cols, rows))))
def test_row_json_is_pandas_to_json_per_row(case: tuple[list[str], list[list[str | None]]]
                                            ) -> None:
    from crmkit.collect.rowjson import row_json

    cols, rows = case
    cells = pd.DataFrame(rows, columns=cols, index=np.arange(len(rows))[::-1] * 3,
                         dtype="string")
    want = cells.apply(lambda r: r.dropna().to_json(force_ascii=False), axis=1) if cols \
        else pd.Series("{}", index=cells.index)
    got = row_json(cells)
    assert got.tolist() == want.tolist()
    assert got.index.equals(cells.index)
