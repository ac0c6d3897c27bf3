"""Issue 17, collect defects: empty tables (6), ragged CSV (4), implausible repayments (7),
encodings and headers (10), values (11), quarantine masking (12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from crmkit.collect import load_clean, run
from crmkit.collect.readers import read_table
from crmkit.core.errors import CollectError, UnreadableSourceError
from crmkit.params import SourceSpec, load_params

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _portfolio(tmp_path: Path, **extra: object) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"portfolio": "h", "as_of": "2026-09-30",
                                    "output_dir": "out", "sources": {"default": {"path": "data"}},
                                    **extra}), encoding="utf-8")
    return path


def _keep_header(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def test_defect6_header_only_clients_file_stops_at_collect(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path)
    _keep_header(tmp_path / "data" / "clients.csv")
    params = load_params(pfile)
    with pytest.raises(CollectError, match=r"clients\.csv: table 'clients'.*only a header row"):
        run(params)
    # the quality files are written all the same, for the user to look at
    assert (params.stage_dir("collect") / "summary.csv").is_file()


def test_defect6_all_rows_quarantined_names_the_quarantine_file(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path)
    lines = (tmp_path / "data" / "repayments.csv").read_text(encoding="utf-8").splitlines()
    body = [line.split(",") for line in lines[1:4]]
    header = lines[0].split(",")
    i = header.index("client_id") if "client_id" in header else 1
    for cells in body:
        cells[i] = "NOBODY"  # orphans: every row is quarantined
    (tmp_path / "data" / "repayments.csv").write_text(
        "\n".join([lines[0], *(",".join(c) for c in body)]) + "\n", encoding="utf-8")
    with pytest.raises(CollectError, match=r"all 3 rows were quarantined.*quarantine\.csv"):
        run(load_params(pfile))


def test_defect6_later_stages_fail_with_a_message_not_a_keyerror(tmp_path: Path) -> None:
    from crmkit.score import run as score

    pfile = _portfolio(tmp_path)
    params = load_params(pfile)
    run(params)
    import pandas as pd

    path = params.stage_dir("collect") / "clients.parquet"
    pd.read_parquet(path).head(0).to_parquet(path)  # an empty table left by some other tool
    with pytest.raises(CollectError, match="table 'clients'.*no usable rows"):
        load_clean(params)
    with pytest.raises(CollectError, match="no usable rows"):
        score(params)


def _csv(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_defect4_ragged_csv_unclosed_quote_is_refused_naming_the_line(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path)
    path = tmp_path / "data" / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",", ',"', 1)  # physical line 5 opens a quote never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableSourceError,
                       match=r"clients\.csv: malformed CSV.*line 5: a quote .* not closed"):
        run(load_params(pfile))


def test_defect4_ragged_csv_field_count_mismatch_names_the_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name,n\n1,a,2\n2,b,3,extra\n3,c\n4,d,5\n")
    with pytest.raises(UnreadableSourceError, match=r"t\.csv.*line 3: 4 fields where the header "
                                                    r"has 3; line 4: 2 fields"):
        read_table(SourceSpec(path=path), "clients")


def test_defect4_ragged_csv_quote_closing_later_never_merges_records(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'id,name,n\n1,"a,2\n2,b",3\n3,c,4\n')
    with pytest.raises(UnreadableSourceError, match="line 2: a quote"):
        read_table(SourceSpec(path=path), "clients")


def test_defect4_quoted_line_break_keeps_later_row_numbers(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'id,name,n\n1,"two\nlines",2\n\n3,c,4\n4,d,5,\n')
    raw = read_table(SourceSpec(path=path), "clients")
    assert raw.rows.tolist() == [2, 5, 6]
    assert raw.frame["name"].tolist() == ["two\nlines", "c", "d"]


def test_defect10_utf16_tab_separated_from_excel_is_read(tmp_path: Path) -> None:
    text = "client_id\tclient_name\r\nC1\t甲公司\r\nC2\t乙公司\r\n"
    for enc in ("auto", "utf-16"):
        path = _csv(tmp_path, "\ufeff" + text, encoding="utf-16-le")
        raw = read_table(SourceSpec(path=path, encoding=enc), "clients")
        assert raw.frame["client_name"].tolist() == ["甲公司", "乙公司"]
        assert raw.encoding == "utf-16"


def test_defect11_full_width_digits_are_numbers_and_dates() -> None:
    import pandas as pd

    from crmkit.collect.parsing import parse_date, parse_number, parse_text

    cells = pd.Series(["３２００", "１，２３４．５", "－５", "3.2万"], dtype=object)
    vals, bad = parse_number(cells)
    assert vals.tolist() == [3200.0, 1234.5, -5.0, 32000.0] and not bad.any()
    dates, bad = parse_date(pd.Series(["２０２４－０３－３１"], dtype=object))
    assert dates.iloc[0] == pd.Timestamp("2024-03-31") and not bad.any()
    names, _ = parse_text(pd.Series(["中铁（北京）有限公司"], dtype=object))
    assert names.iloc[0] == "中铁（北京）有限公司"  # names keep their full-width brackets


def _edit_repayment(tmp_path: Path, line: int, **cells: str) -> None:
    path = tmp_path / "data" / "repayments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[line - 1].split(",")
    for col, value in cells.items():
        row[header.index(col)] = value
    lines[line - 1] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _paid_rows(tmp_path: Path) -> list[int]:
    import pandas as pd

    rep = pd.read_csv(tmp_path / "data" / "repayments.csv", dtype=str, keep_default_na=False)
    paid = rep[(rep["paid_date"] != "") & (rep["amount_paid"] != "")]
    return [int(i) + 2 for i in paid.index[:2]]


def test_defect7_implausible_repayments_are_quarantined_with_reasons(tmp_path: Path) -> None:
    import pandas as pd

    pfile = _portfolio(tmp_path)
    early, much = _paid_rows(tmp_path)
    due = pd.read_csv(tmp_path / "data" / "repayments.csv", dtype=str).iloc[early - 2]
    five_years = (pd.Timestamp(due["due_date"]) - pd.DateOffset(years=5)).strftime("%Y-%m-%d")
    _edit_repayment(tmp_path, early, paid_date=five_years)
    amount_due = float(pd.read_csv(tmp_path / "data" / "repayments.csv").iloc[much - 2]
                       ["amount_due"])
    _edit_repayment(tmp_path, much, amount_paid=f"{amount_due * 100:.2f}")
    result = run(load_params(pfile))
    q = result.quarantine[result.quarantine["table"] == "repayments"]
    flagged = q.set_index("row")
    assert "days before the due date" in flagged.loc[early, "detail"]
    assert "paid_early_days_max = 366" in flagged.loc[early, "detail"]
    assert "100 times the amount due" in flagged.loc[much, "detail"]
    assert {flagged.loc[early, "reason"], flagged.loc[much, "reason"]} == {"inconsistent"}
    s = result.summary.set_index("table").loc["repayments"]
    assert s["rows_read"] == s["rows_kept"] + s["rows_quarantined"]


def test_defect7_thresholds_come_from_the_parameters(tmp_path: Path) -> None:
    import pandas as pd

    pfile = _portfolio(tmp_path, checks={"repayments": {"paid_ratio_max": 200}})
    _, much = _paid_rows(tmp_path)
    amount_due = float(pd.read_csv(tmp_path / "data" / "repayments.csv").iloc[much - 2]
                       ["amount_due"])
    _edit_repayment(tmp_path, much, amount_paid=f"{amount_due * 100:.2f}")
    result = run(load_params(pfile))
    q = result.quarantine
    assert not ((q["table"] == "repayments") & (q["row"] == much)).any()


def _clients_workbook(tmp_path: Path, *, title: bool = True, band: bool = True,
                      totals: str | None = "合计") -> Path:
    """The sample's clients as a bank's own sheet: a merged title row, a merged header band
    ("基本信息" / "经营信息") above the contract headers, and a totals row at the bottom."""
    import openpyxl
    import pandas as pd

    csv = tmp_path / "data" / "clients.csv"
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    csv.unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户 clients"
    n = len(df.columns)
    if title:
        ws.append(["2026年三季度对公客户清单（单位：元）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    if band:
        ws.append(["基本信息", *[None] * 5, "经营信息", *[None] * (n - 7)])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=n)
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append([v if v != "" else None for v in rec])
    if totals is not None:
        cap = pd.to_numeric(df["registered_capital"], errors="coerce").sum()
        ws.append([totals, f"共 {len(df)} 户", None, None, float(cap)])
    path = tmp_path / "data" / "clients.xlsx"
    wb.save(path)
    return path


def test_defect10_xlsx_title_row_and_merged_header_band_are_skipped(tmp_path: Path) -> None:
    base = run(load_params(_portfolio(tmp_path / "base")))
    pfile = _portfolio(tmp_path)
    _clients_workbook(tmp_path)
    result = run(load_params(pfile))
    assert len(result.tables["clients"]) == len(base.tables["clients"])
    note = next(n for n in result.notes if n.startswith("clients"))
    assert "header row 3" in note and "header_row:" in note
    q = result.quarantine[result.quarantine["table"] == "clients"]
    qb = base.quarantine[base.quarantine["table"] == "clients"]
    totals = q[q["reason"] == "totals_row"]
    assert len(totals) == 1 and "合计" in totals["detail"].iloc[0]
    # the planted bad rows are quarantined as before, two lines lower in the sheet
    assert sorted(q.loc[q["reason"] != "totals_row", "row"]) == sorted(qb["row"] + 2)
    s = result.summary.set_index("table").loc["clients"]
    assert s["rows_read"] == s["rows_kept"] + s["rows_quarantined"]
    assert s["totals_row"] == 1


def test_defect10_header_row_from_the_parameters(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path, sources={"default": {"path": "data"},
                                          "clients": {"path": "data/clients.xlsx",
                                                      "header_row": 2}})
    _clients_workbook(tmp_path, band=False, totals=None)
    result = run(load_params(pfile))
    assert any("header row 2" in n and "header_row: 2" in n for n in result.notes)
    pfile = _portfolio(tmp_path / "wrong", sources={
        "default": {"path": "data"}, "clients": {"path": "data/clients.xlsx", "header_row": 1}})
    _clients_workbook(tmp_path / "wrong", band=False, totals=None)
    with pytest.raises(CollectError, match=r"required column 'client_id'.*header_row"):
        run(load_params(pfile))


@pytest.mark.parametrize("label", ["合计", "总计：", "小 计", "Total", "Grand total"])
def test_defect10_totals_row_is_never_a_client(tmp_path: Path, label: str) -> None:
    from crmkit.collect import collect_table
    from crmkit.core.contract import TABLES

    head = "序号,client_id,client_name,industry,region,lifecycle_stage,relationship_manager," \
           "onboarding_date\n"
    ok = ",甲公司,energy,east,execution,杨帆,2024-01-01\n"
    path = _csv(tmp_path, f"{head}1,C1{ok}2,C2{ok}{label},,,,,,,\n,,{label},,,,,\n")
    oc = collect_table(read_table(SourceSpec(path=path), "clients"), TABLES["clients"])
    assert oc.clean["client_id"].tolist() == ["C1", "C2"]
    assert oc.issues.groupby("row")["reason"].agg(set).to_dict() == {
        4: {"totals_row"}, 5: {"totals_row"}}
    assert label.split("：")[0] in oc.issues["message"].iloc[0]


_HEAD = ("client_id,client_name,industry,region,lifecycle_stage,relationship_manager,"
         "onboarding_date\n")


def test_defect11_value_mapping_in_the_parameters(tmp_path: Path) -> None:
    pfile = _portfolio(tmp_path, values={"clients": {"industry": {"能源": "energy",
                                                                  "科技": "technology"}}})
    path = tmp_path / "data" / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    i = header.index("industry")
    body = [line.split(",") for line in lines[1:]]
    body[0][i], body[1][i] = "能源", " 科技 "
    path.write_text("\n".join([lines[0], *(",".join(c) for c in body)]) + "\n", encoding="utf-8")
    params = load_params(pfile)
    clients = run(params).tables["clients"].set_index("client_id")
    assert clients.loc[body[0][0], "industry"] == "energy"
    assert clients.loc[body[1][0], "industry"] == "technology"


def test_defect11_unknown_code_message_suggests_a_values_mapping(tmp_path: Path) -> None:
    from crmkit.collect import collect_table
    from crmkit.core.contract import TABLES

    path = _csv(tmp_path, _HEAD + "C1,甲公司,能源,east,execution,杨帆,2024-01-01\n")
    oc = collect_table(read_table(SourceSpec(path=path), "clients"), TABLES["clients"])
    msg = oc.issues.set_index("reason").loc["invalid_category", "message"]
    assert "'能源'" in msg and "values: clients: industry:" in msg


def test_defect11_values_mapping_is_checked(tmp_path: Path) -> None:
    from crmkit.core.errors import ParametersError

    pfile = _portfolio(tmp_path, values={"clients": {"industry": {"能源": "enrgy"},
                                                     "nosuch": {"a": "b"}}})
    with pytest.raises(ParametersError, match=r"(?s)'enrgy'.*did you mean 'energy'.*nosuch"):
        load_params(pfile)


def test_defect11_a_row_counts_under_each_of_its_reasons(tmp_path: Path) -> None:
    from crmkit.collect import collect

    ok = "C1,甲公司,energy,east,execution,杨帆,2024-01-01\n"
    bad = "C2,乙公司,energy,火星,execution,,2024-01-01\n"  # unknown region, no RM
    (tmp_path / "c.csv").write_text(_HEAD + ok + bad + bad + ok, encoding="utf-8")
    pfile = _portfolio(tmp_path, sources={"default": {"path": "data"},
                                          "clients": {"path": "c.csv"}})
    s = collect(load_params(pfile)).summary.set_index("table").loc["clients"]
    assert (s["rows_read"], s["rows_kept"], s["rows_quarantined"]) == (4, 1, 3)
    assert (s["invalid_category"], s["missing_required"], s["duplicate_row"]) == (2, 2, 2)


def test_defect10_header_row_on_a_csv_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, "标题\nclient_id,client_name\nC1,甲\n")
    with pytest.raises(UnreadableSourceError, match=r"t\.csv: 'header_row:' is for xlsx sheets"):
        read_table(SourceSpec(path=path, header_row=2), "clients")


def test_a_date_outside_the_storable_years_is_an_invalid_cell_not_a_crash(tmp_path: Path
                                                                          ) -> None:
    """``1600-01-01`` (a typo) cannot be held as a date; it is reported, the run goes on."""
    import pandas as pd

    from crmkit.collect.parsing import parse_date

    dates, bad = parse_date(pd.Series(["2024-01-01", "1600-01-01", "2300/1/1", "1600年1月1日"],
                                      dtype=object))
    assert dates.iloc[0] == pd.Timestamp("2024-01-01") and dates.iloc[1:].isna().all()
    assert bad.tolist() == [False, True, True, True]
    p = _portfolio(tmp_path)
    _edit_repayment(tmp_path, 5, due_date="1600-01-01")
    result = run(load_params(p))
    issue = result.issues[(result.issues["table"] == "repayments")
                          & (result.issues["reason"] == "invalid_type")
                          & (result.issues["row"] == 5)]
    assert issue["column"].tolist() == ["due_date"]
    assert "1600-01-01" in issue["message"].iloc[0] and "YYYY-MM-DD" in issue["message"].iloc[0]
