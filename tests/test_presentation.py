"""The presentation layer: one money unit per column, words for headers, no internal ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.core.units import money_header, money_unit
from crmkit.diagnose import display
from crmkit.report.content import format_numbers
from crmkit.report.layout import shape_for_print
from crmkit.report.present import present


@pytest.mark.parametrize("values, lang, label, amount, text", [
    ([3.2e9, 4.5e8, 2.0e7], "zh", "亿元", 3.2e9, "32.00"),  # typical 4.5 亿: 亿元, 2 decimals
    ([8.0e6, 1.2e8, 5.0e5], "zh", "万元", 8.0e6, "800.0"),  # typical 800 万: 万元, 1 decimal
    ([3.2e9, 4.5e8, 2.0e7], "en", "CNY m", 3.2e9, "3,200.0"),
    ([np.nan, 0.0, None], "zh", "万元", 5.0e5, "50.00"),     # nothing to go by: 万元
])
def test_money_unit_follows_the_columns_scale(values, lang, label, amount, text) -> None:
    unit = money_unit(values, lang)
    assert unit.label == label and unit.text(amount) == text
    assert unit.text(float("nan")) == "—" and unit.value(None) is None


def test_money_header_states_the_unit() -> None:
    assert money_header("敞口", money_unit([3e9], "zh"), "zh") == "敞口（亿元）"
    assert money_header("Exposure", "CNY m", "en") == "Exposure (CNY m)"


def test_format_numbers_one_unit_per_column_and_whole_answers() -> None:
    df = pd.DataFrame({"client_name": ["甲", "乙"], "exposure": [3.0e9, 5.0e7],
                       "csat_latest": [4.0, np.nan], "score": [75.0, 60.25],
                       "strategy_id": ["grow_value", "watch_list"]})
    out = format_numbers(df, "zh")
    assert list(out.columns) == ["client_name", "敞口（亿元）", "csat_latest", "score"]
    assert out["敞口（亿元）"].tolist() == ["30.0", "0.5"]     # no 元/万元/亿元 mix
    assert out["csat_latest"].tolist() == ["4", "—"] and out["score"].tolist() == ["75.0", "60.2"]


def test_present_drops_ids_and_converts_money() -> None:
    df = pd.DataFrame({"client_id": ["C1", "C2"], "strategy_id": ["grow_value", "x_y"],
                       "exposure": [2.5e9, 1.5e9], "csat_latest": [4.0, 5.0],
                       "covenant_breach": [True, False], "pd": [0.01, 0.2]})
    sheet, formats = present(df, "zh", lambda f: display(f, "zh"))
    assert list(sheet.columns) == ["客户编号", "敞口（亿元）", "最新满意度", "违反契约", "违约概率"]
    assert sheet["敞口（亿元）"].tolist() == [25.0, 15.0]
    assert sheet["最新满意度"].tolist() == [4, 5] and sheet["违反契约"].tolist() == ["是", "否"]
    assert formats["违约概率"] == "0.00%" and formats["最新满意度"] == "#,##0"


def test_print_layout_folds_the_index_row_and_marks_wide_tables() -> None:
    from bs4 import BeautifulSoup

    wide = pd.DataFrame({f"c{i}": [1] for i in range(9)}, index=pd.Index(["C0000001"],
                                                                         name="客户编号"))
    html = (f'<main class="crm-body"><div class="jp-OutputArea"><div class="jp-OutputArea-child">'
            f'<h2>标题</h2></div><div class="jp-OutputArea-child">{wide.to_html()}</div>'
            "</div></main>")
    soup = BeautifulSoup(html, "html.parser")
    shape_for_print(soup)
    table = soup.find("table")
    assert len(table.thead.find_all("tr")) == 1 and table.thead.th.get_text() == "客户编号"
    assert "crm-wide" in table["class"] and "crm-id" in table.tbody.th["class"]
    keep = soup.select_one("div.crm-keep.crm-landscape")
    assert keep is not None and keep.find("h2") and keep.find("table")


def test_amounts_in_sentences_and_fixed_units_read_naturally_in_both_languages():
    from crmkit.core.units import amount_text, amount_texts, fixed_unit
    from crmkit.relate.views import limit_view

    v = np.array([3.2e8, 1.234e7, np.nan, 2.5e9])
    assert list(amount_texts(v, "zh")) == ["3.20亿元", "1,234万元", "-", "25.00亿元"]
    assert list(amount_texts(v, "en")) == ["CNY 320.0 m", "CNY 12.3 m", "-", "CNY 2.50 bn"]
    assert amount_text(1e8, "en") == "CNY 100.0 m"
    assert (fixed_unit("zh").label, fixed_unit("en").label) == ("亿元", "CNY m")
    limits = pd.DataFrame({"level": ["client"], "name": ["Acme"], "exposure": [3.2e8],
                           "limit": [3.0e8], "utilisation": [3.2e8 / 3.0e8],
                           "headroom": [-2e7], "breach": [True]})
    en, zh = limit_view(limits, "en"), limit_view(limits, "zh")
    assert en["Exposure (CNY m)"].tolist() == [320.0] and en["Headroom (CNY m)"].tolist() == [-20.0]
    assert zh["风险暴露（亿元）"].tolist() == [3.2] and zh["剩余额度（亿元）"].tolist() == [-0.2]
    assert not any("100m" in c for c in en.columns)
