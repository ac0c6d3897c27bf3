"""The notebooks' table face: headers in words, money in one unit per column, no raw markers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.display import grade_counts, grade_order, tidy, view
from crmkit.params.credit import DEFAULT_GRADES


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "client_name": ["甲公司", None, "丙公司"],
        "exposure": [1.218292e11, 3.0e9, np.nan],
        "pd": [0.0123, np.nan, 0.5],
        "dscr": [1.234, np.nan, 2.0],
        "n_products": [1.0, 2.0, np.nan],
        "score_min": pd.array([1, None, 3], dtype="Int64"),
    }, index=pd.Index(["C1", "C2", "C3"], name="client_id"))


def test_money_in_one_unit_named_in_the_header() -> None:
    zh = view(_frame(), "zh")
    assert "敞口（亿元）" in zh.columns and zh.index.name == "客户编号"
    assert list(zh["敞口（亿元）"]) == ["1,218.3", "30.0", "—"]
    en = view(_frame(), "en")
    assert "Exposure (CNY bn)" in en.columns and en.loc["C1", "Exposure (CNY bn)"] == "121.8"


def test_no_snake_case_headers_no_missing_markers_no_scientific_notation() -> None:
    for lang in ("zh", "en"):
        html = view(_frame(), lang).to_html()
        assert "score_min" not in html and "n_products" not in html and "client_id" not in html
        assert "&lt;NA&gt;" not in html and "NaN" not in html and "e+" not in html
    zh = view(_frame(), "zh")
    assert zh.loc["C2", "客户名称"] == "—" and zh.loc["C1", "违约概率"] == "1.23%"
    assert list(zh["产品数"]) == ["1", "2", "—"]  # counts as whole numbers, not 1.0


def test_tidy_keeps_headers_and_formats_values() -> None:
    df = pd.DataFrame({"客户数": [246.0, 3.0], "比率": [0.12345, np.nan], "名称": ["a", pd.NA]})
    out = tidy(df)
    assert list(out.columns) == ["客户数", "比率", "名称"]
    assert list(out["客户数"]) == ["246", "3"] and list(out["比率"]) == ["0.12", "—"]
    assert out.loc[1, "名称"] == "—"


def test_grades_in_rating_order_not_alphabetical() -> None:
    order = grade_order(DEFAULT_GRADES, worst_grade="C", default_grade="D")
    assert order == ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "C", "D"]
    grades = pd.Series(["B", "A", "BBB", "D", "CCC", "BB", "A", None])
    table = grade_counts(grades, order, "zh")
    assert list(table.index) == ["A", "BBB", "BB", "B", "CCC", "D"]
    assert list(table.iloc[:, 0]) == [2, 1, 1, 1, 1, 1]
    assert table.iloc[0, 1] == "28.6%"


def test_codes_pairs_dates_and_ranges_in_words() -> None:
    df = pd.DataFrame({
        "tier": ["A", "C"], "severity": ["critical", "low"], "strategy_zh": ["深化合作", "维护"],
        "strategy_en": ["Deepen", "Maintain"], "segment": ["low_strong", "x"],
        "due_date": pd.to_datetime(["2026-10-07", None]), "threshold": [1.1, (1.1, 1.25)],
    })
    zh = view(df, "zh", index=False, labels={"segment": {"low_strong": "优质核心"}})
    assert list(zh.columns[:2]) == ["客户层级", "严重程度"] and "strategy_en" not in zh.columns
    assert zh.iloc[0, 0] == "A 核心" and zh.iloc[0, 1] == "严重"
    assert list(zh.iloc[:, 2]) == ["深化合作", "维护"] and list(zh.iloc[:, 3]) == ["优质核心", "x"]
    assert list(zh.iloc[:, 4]) == ["2026-10-07", "—"] and list(zh.iloc[:, 5]) == ["1.10",
                                                                             "1.10 – 1.25"]
    en = view(df, "en", index=False)
    assert list(en.iloc[:, 2]) == ["Deepen", "Maintain"]


def test_styled_escapes_and_keeps_short_cells_on_one_line() -> None:
    from crmkit.display import styled

    df = pd.DataFrame({"名称": ["<script>x</script>", "乙"], "说明": ["很长的说明文字" * 10] * 2})
    page = styled(df).to_html()
    assert "<script>x" not in page and "&lt;script&gt;" in page
    assert "white-space: nowrap" in page and "white-space: normal" in page
    assert "row0_col0" in page and "level0_row0" not in page  # plain row numbers hidden


def test_quarantine_rows_in_words_without_raw_cells() -> None:
    from crmkit.display import quarantine_view

    q = pd.DataFrame({"table": ["surveys"], "source": ["surveys.csv"], "row": [564],
                      "reason": ["out_of_range"], "column": ["csat"], "value": ["7"],
                      "detail": ["7 is outside the range 1 to 5"], "raw": ['{"csat": "7"}']})
    shown = quarantine_view(q, "zh").data
    assert list(shown.columns) == ["数据表", "源文件行号", "隔离原因", "字段", "说明"]
    assert shown.iloc[0, 0] == "满意度调查" and shown.iloc[0, 2] == "数值超出范围"
