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
