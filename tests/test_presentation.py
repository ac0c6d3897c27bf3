"""The presentation layer: one money unit per column, words for headers, no internal ids."""

from __future__ import annotations

import re
from pathlib import Path

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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_relate_views_for_the_report_group_money_in_thousands(lang: str) -> None:
    """The report's group and limit tables read like the other sections: 20,913.6, not
    20913.6 (the workbook keeps numbers)."""
    from crmkit.relate.views import concentration_view, group_view, limit_view

    groups = pd.DataFrame({"group_name": ["星海集团"], "in_group": [True], "members": [1234],
                           "member_names": ["甲、乙"], "direct_exposure": [2.09136e10],
                           "guarantees_inside": [2.634e9], "guarantees_outside": [0.0],
                           "exposure": [2.09136e11], "worst_grade": ["BBB"], "worst_stage": [1]})
    shown = group_view(groups, lang, index=True, text=True)
    sheet = group_view(groups, lang)
    money = [c for c in shown.columns if ("亿元" if lang == "zh" else "CNY m") in c]
    assert len(money) == 4
    row = shown.iloc[0]
    expect = {"zh": ["209.14", "26.34", "0.00", "2,091.36"],
              "en": ["20,913.6", "2,634.0", "0.0", "209,136.0"]}[lang]
    assert [row[c] for c in money] == expect and row.iloc[0] == "1,234"
    assert sheet[money[0]].dtype == float  # the sheet: numbers, Excel formats them
    limits = pd.DataFrame({"level": ["group"], "name": ["星海集团"], "exposure": [2.09136e10],
                           "limit": [1.8e10], "utilisation": [2.09136e10 / 1.8e10],
                           "headroom": [-2.9136e9], "breach": [True]})
    lim = limit_view(limits, lang, tier1_capital=1.2e11, index=True, text=True).iloc[0]
    assert (lim.iloc[1], lim.iloc[4], lim.iloc[5]) == ({"zh": ("209.14", "116.2", "-29.14"),
                                                        "en": ("20,913.6", "116.2",
                                                               "-2,913.6")}[lang])
    conc = pd.DataFrame({"dimension": ["client"], "units": [1500], "hhi": [0.0213],
                         "effective_number": [np.nan], "largest_share": [0.058],
                         "top_share": [0.21]})
    assert concentration_view(conc, lang, text=True).iloc[0, 1:].tolist() == [
        "1,500", "0.021", "—", "5.8", "21.0"]


def test_print_layout_keeps_short_headers_on_one_line() -> None:
    """"成员数" above a column of small numbers must not print one character per line; long
    headers still wrap."""
    from bs4 import BeautifulSoup

    from crmkit.report.layout import SHORT_HEADER_WIDTH, text_width

    assert text_width("成员数") == 6 and text_width("Members") == 7
    df = pd.DataFrame({"成员数": [3], "Members": [3], "最差评级": ["B"],
                       "集团内担保，不重复计（亿元）": [0.0], "Worst stage (IFRS 9)": ["1"]})
    soup = BeautifulSoup(f'<main class="crm-body">{df.to_html()}</main>', "html.parser")
    shape_for_print(soup)
    short = {th.get_text() for th in soup.select("thead th.crm-short")}
    assert short == {"成员数", "Members", "最差评级"}
    assert all(text_width(h) > SHORT_HEADER_WIDTH for h in
               ("集团内担保，不重复计（亿元）", "Worst stage (IFRS 9)"))
    css = (Path(__file__).resolve().parents[1] / "templates" / "report" / "static" /
           "report.css").read_text(encoding="utf-8")
    assert re.search(r"th\.crm-short[^{]*\{[^}]*white-space:\s*nowrap", css)
