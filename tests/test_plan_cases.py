"""Similar-case library: Gower distance by hand, neighbours, outcome mix, the cases file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.plan import CaseLibrary, PlanError, case_cards, outcome_mix, portfolio_cases
from crmkit.plan.case_file import read_case_file, validate_cases


def _cases() -> pd.DataFrame:
    return pd.DataFrame({
        "case_id": ["K1", "K2", "K3", "K4"], "client_id": ["C1", "C2", "C3", "C4"],
        "industry": ["energy", "energy", "mining", "energy"],
        "region": ["east", None, "east", "north"], "size_class": [None] * 4,
        "product": ["project_finance"] * 3 + ["short_term"],
        "amount": [1e8, 1e9, 1e8, 1e7], "tenor_months": [120, 120, 60, 12],
        "collateral_type": ["project_assets"] * 4, "structure": ["sculpted"] * 4,
        "outcome": ["repaid", "default", "current", "repaid"],
        "realised_dscr": [1.5, 0.8, np.nan, 2.0]})


QUERY = {"industry": "energy", "region": "east", "product": "project_finance",
         "collateral_type": "project_assets", "structure": "sculpted", "amount": 1e8,
         "tenor_months": 120}


def test_gower_distance_by_hand():
    lib = CaseLibrary(weights={"industry": 2, "region": 1, "log_amount": 2,
                               "tenor_months": 1}).fit(_cases())
    d = lib.distances(QUERY)
    # log10 amounts 8, 9, 8, 7: range 2; tenors 120, 120, 60, 12: range 108
    assert d[0] == 0
    assert d[1] == pytest.approx((2 * 0.5) / 5)  # region blank: skipped, weight 5 not 6
    assert d[2] == pytest.approx((2 * 1 + 1 * 60 / 108) / 6)
    assert d[3] == pytest.approx((1 + 2 * 0.5 + 1) / 6)


def test_neighbours_are_nearest_first_and_can_leave_out_the_client():
    lib = CaseLibrary().fit(_cases())
    nb = lib.neighbours(QUERY, k=3)
    assert list(nb["case_id"]) == ["K1", "K2", "K3"]
    assert nb["distance"].is_monotonic_increasing
    assert np.allclose(nb["similarity"], 1 - nb["distance"])
    assert "K1" not in set(lib.neighbours(QUERY, k=3, exclude_client="C1")["case_id"])
    assert len(lib.neighbours(QUERY, k=50)) == 4
    with pytest.raises(PlanError, match="industry 'oil' is not one of"):
        lib.distances({**QUERY, "industry": "oil"})


def test_outcome_mix_and_cards():
    lib = CaseLibrary().fit(_cases())
    nb = lib.neighbours(QUERY, k=2)
    mix = outcome_mix(nb)
    assert mix.loc["repaid", "cases"] == 1 and mix.loc["default", "cases"] == 1
    s1, s2 = nb["similarity"]
    assert mix.loc["repaid", "weighted_share"] == pytest.approx(s1 / (s1 + s2))
    assert mix["share"].sum() == pytest.approx(1)
    assert mix.attrs["mean_realised_dscr"] == pytest.approx((1.5 + 0.8) / 2)
    zh, en = case_cards(nb, "zh")[0], case_cards(nb, "en")[0]
    assert zh.startswith("K1: 能源电力 · 华东 · 项目融资 · 1.00 亿元 · 120 个月")
    assert "已结清" in zh and "按现金流塑形" in zh
    assert "Repaid" in en and "CNY 100.0 m" in en


def test_portfolio_cases_from_facilities():
    tables = {
        "clients": pd.DataFrame({"client_id": ["C1"], "industry": ["energy"], "region": ["east"],
                                 "size_class": ["large"]}),
        "facilities": pd.DataFrame({
            "facility_id": ["F1", "F2"], "client_id": ["C1", "C1"],
            "product": ["project_finance", "short_term"], "amount": [1e8, 5e6],
            "start_date": pd.to_datetime(["2020-01-15", "2025-03-01"]),
            "maturity_date": pd.to_datetime(["2030-01-15", "2026-03-01"]),
            "collateral_type": ["project_assets", None], "status": ["restructured", "closed"]}),
        "repayments": pd.DataFrame({
            "facility_id": ["F1", "F1", "F1", "F2"],
            "due_date": pd.to_datetime(["2021-01-15", "2022-01-15", "2023-01-15", "2026-03-01"]),
            "amount_due": [40.0, 30.0, 20.0, 5e6]}),
    }
    feats = pd.DataFrame({"dscr": [1.2]}, index=pd.Index(["C1"], name="client_id"))
    c = portfolio_cases(tables, feats)
    assert list(c["outcome"]) == ["restructured", "repaid"]
    assert list(c["tenor_months"]) == [120, 12]
    assert list(c["structure"]) == ["equal_principal", "bullet"]
    assert list(c["realised_dscr"]) == [1.2, 1.2] and (c["industry"] == "energy").all()


def test_cases_file_reads_labels_units_and_gbk(tmp_path):
    text = ("案例编号,行业,产品类型,金额(万元),期限(月),结果,担保方式,还款结构\n"
            "K1,能源电力,项目融资,\"12,000\",120,已结清,项目资产,按现金流塑形\n"
            "K2,mining,Long-term loan,500,36,default,,annuity\n")
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode("gb18030"))
    df = read_case_file(path)
    assert list(df["industry"]) == ["energy", "mining"]
    assert list(df["amount"]) == [1.2e8, 5e6]
    assert list(df["product"]) == ["project_finance", "long_term"]
    assert list(df["structure"]) == ["sculpted", "annuity"]
    assert df["collateral_type"].isna().tolist() == [False, True]


def test_bad_cases_file_names_every_row_and_column():
    raw = pd.DataFrame({"case_id": ["K1", "K1", "K3"], "industry": ["energy", "oil", ""],
                        "product": ["long_term"] * 3, "amount": ["1e6", "lots", "5"],
                        "tenor_months": ["12", "700", "24"],
                        "outcome": ["repaid", "repaid", "lost"], "colour": ["", "", ""]})
    with pytest.raises(PlanError) as err:
        validate_cases(raw, "deals.csv")
    msg = str(err.value)
    for part in ("deals.csv: 7 problem(s)", "unknown column 'colour'",
                 "row 3, industry: 'oil' is not one of", "row 4, industry: required value is "
                 "blank", "row 3, amount: 'lots' is not a number",
                 "row 3, tenor_months: 700 is outside [1, 600]", "row 4, outcome: 'lost'",
                 "case_id 'K1' appears more than once"):
        assert part in msg, part
    with pytest.raises(PlanError, match="required column 'outcome' is missing"):
        validate_cases(raw.drop(columns="outcome"), "deals.csv")
    with pytest.raises(PlanError, match="cases file not found"):
        read_case_file("/nonexistent/cases.csv")
