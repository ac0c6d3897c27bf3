"""The collect stage: every source kind, mapping, units, each quarantine reason, each error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.collect import RawTable, collect, collect_table, load_clean, write_outputs
from crmkit.core.contract import TABLES, clean_dtypes
from crmkit.core.errors import EncodingError, MissingColumnError, UnreadableSourceError
from crmkit.params import load_params

CLIENTS = pd.DataFrame({
    "client_id": ["C1", "C2", "C3"],
    "client_name": ["甲能源有限公司", "乙交通集团", "丙制造股份"],
    "industry": ["energy", "交通物流", "Manufacturing"],
    "region": ["east", "华南", "north"],
    "lifecycle_stage": ["maintenance", "执行", "assessment"],
    "relationship_manager": ["王芳", "李强", "王芳"],
    "onboarding_date": ["2019-05-01", "2020/6/30", "2021年1月15日"],
})
FACILITIES = pd.DataFrame({
    "facility_id": ["F1", "F2", "F3"],
    "client_id": ["C1", "C2", "C3"],
    "product": ["project_finance", "短期贷款", "working_capital"],
    "amount": ["1,000,000", "250000", "80000.5"],
    "start_date": ["2022-01-01", "2023-03-01", "2024-06-01"],
    "maturity_date": ["2032-01-01", "2025-03-01", "2026-06-01"],
    "interest_rate": ["4.5%", "0.038", "3.9%"],
    "status": ["active", "结清", "存续"],
})
REPAYMENTS = pd.DataFrame({
    "facility_id": ["F1", "F1", "F3"],
    "due_date": ["2023-01-01", "2023-04-01", "2025-01-01"],
    "amount_due": ["50000", "50000", "1000"],
    "paid_date": ["2023-01-01", "", ""],
    "amount_paid": ["50000", "", ""],
})
BASE = {"clients": CLIENTS, "facilities": FACILITIES, "repayments": REPAYMENTS}


def _params(folder: Path, **extra: object) -> Path:
    data = {"portfolio": "t", "as_of": "2026-09-30", "output_dir": "out",
            "sources": {"default": {"path": "."}}}
    data.update(extra)
    path = folder / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _write(folder: Path, tables: dict[str, pd.DataFrame], encoding: str = "utf-8") -> None:
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)


def _run(folder: Path, tables: dict[str, pd.DataFrame] | None = None, **extra: object):
    _write(folder, {**BASE, **(tables or {})})
    return collect(load_params(_params(folder, **extra)))


def _reasons(result, table: str) -> list[tuple[int, str, str]]:
    q = result.quarantine[result.quarantine["table"] == table]
    return sorted(zip(q["row"], q["reason"], q["column"], strict=True))


# --------------------------------------------------------------------------- clean path
def test_clean_portfolio_types_and_values(tmp_path: Path) -> None:
    r = _run(tmp_path)
    assert r.quarantine.empty
    c = r.tables["clients"]
    assert list(c.columns) == TABLES["clients"].names
    assert c["industry"].tolist() == ["energy", "transport", "manufacturing"]
    assert c["onboarding_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-05-01", "2020-06-30", "2021-01-15"]
    f = r.tables["facilities"]
    assert f["amount"].tolist() == [1_000_000.0, 250_000.0, 80_000.5]
    assert f["interest_rate"].round(6).tolist() == [0.045, 0.038, 0.039]
    assert f["status"].tolist() == ["active", "closed", "active"]
    for name, df in r.tables.items():
        assert {k: str(v) for k, v in df.dtypes.items()} == clean_dtypes(name)
    assert (r.summary["rows_read"] == r.summary["rows_kept"]).all()


def test_outputs_written_and_loaded_back(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    params = load_params(_params(tmp_path))
    r = collect(params)
    paths = write_outputs(r, params)
    assert Path(paths["quarantine"]).is_file() and Path(paths["quality"]).is_file()
    back = load_clean(params)
    pd.testing.assert_frame_equal(back["facilities"], r.tables["facilities"])
    assert back["surveys"].empty and list(back["surveys"].columns) == TABLES["surveys"].names
    assert not list(params.run_dir.rglob("*.part"))



def test_load_clean_reads_only_the_columns_asked(tmp_path: Path) -> None:
    """``columns=`` narrows the named tables (contract order), keeps every row, leaves the
    other tables whole, and later calls in the process add columns without changing any."""
    from crmkit.collect import required

    _write(tmp_path, BASE)
    params = load_params(_params(tmp_path))
    write_outputs(collect(params), params)
    full = load_clean(params)
    required._LAST.clear()
    part = load_clean(params, columns={"facilities": ["amount", "client_id"],
                                       "surveys": ["nps"]})
    assert list(part["facilities"].columns) == ["client_id", "amount"]
    pd.testing.assert_frame_equal(part["facilities"], full["facilities"][["client_id", "amount"]])
    assert list(part["surveys"].columns) == ["nps"] and part["surveys"].empty
    pd.testing.assert_frame_equal(part["clients"], full["clients"])
    again = load_clean(params)  # the missing columns read and merged in
    for name, df in full.items():
        pd.testing.assert_frame_equal(again[name], df)
    with pytest.raises(ValueError, match="no column.*'limit'"):
        load_clean(params, columns={"facilities": ["limit"]})
    required._LAST.clear()
    one = load_clean(params, only=["facilities"])  # the other tables not even read
    assert list(one) == ["facilities"] and list(required._LAST.values())[0].keys() == one.keys()
    pd.testing.assert_frame_equal(one["facilities"], full["facilities"])
    with pytest.raises(ValueError, match="no table.*'loans'"):
        load_clean(params, only=["loans"])


def test_report_tables_are_read_on_first_use(tmp_path: Path) -> None:
    """The report's ``RunData.tables`` reads a table when it is asked for, whole."""
    from crmkit.collect import required
    from crmkit.core.contract import TABLE_ORDER
    from crmkit.report.content import CleanTables

    _write(tmp_path, BASE)
    params = load_params(_params(tmp_path))
    write_outputs(collect(params), params)
    full = load_clean(params)
    required._LAST.clear()
    lazy = CleanTables(params)
    assert list(lazy) == list(TABLE_ORDER) and not list(required._LAST.values())
    pd.testing.assert_frame_equal(lazy["facilities"], full["facilities"])
    assert list(list(required._LAST.values())[0]) == ["facilities"]  # nothing else read
    assert lazy.get("loans") is None and lazy["surveys"].empty

# --------------------------------------------------------------------------- source kinds
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    _write(tmp_path, BASE, encoding=encoding)
    r = collect(load_params(_params(tmp_path)))
    assert r.tables["clients"]["client_name"].tolist() == CLIENTS["client_name"].tolist()
    assert r.tables["clients"].columns[0] == "client_id"  # no BOM left in the header


def test_explicit_encoding_is_used(tmp_path: Path) -> None:
    _write(tmp_path, BASE, encoding="gbk")
    p = _params(tmp_path, sources={"default": {"path": "."},
                                   "clients": {"path": "clients.csv", "encoding": "gbk"}})
    assert collect(load_params(p)).tables["clients"]["client_name"][0] == "甲能源有限公司"


def test_xlsx_parquet_and_sql_sources(tmp_path: Path) -> None:
    CLIENTS.to_excel(tmp_path / "clients.xlsx", index=False)
    fac = FACILITIES.assign(amount=[1_000_000.0, 250_000.0, 80_000.5])
    fac.to_parquet(tmp_path / "facilities.parquet", index=False)
    with sqlite3.connect(tmp_path / "core.db") as con:
        REPAYMENTS.to_sql("repay", con, index=False)
    p = _params(tmp_path, sources={
        "clients": {"path": "clients.xlsx"},
        "facilities": {"path": "facilities.parquet"},
        "repayments": {"url": "sqlite:///core.db", "table": "repay"},
    })
    r = collect(load_params(p))
    assert r.quarantine.empty
    assert len(r.tables["clients"]) == 3 and r.tables["facilities"]["amount"].sum() == 1_330_000.5
    assert r.summary.set_index("table").loc["repayments", "source"].endswith("[repay]")


def test_duckdb_default_database(tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(tmp_path / "p.duckdb"))
    for name, df in BASE.items():
        con.register("df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM df")
        con.unregister("df")
    con.close()
    r = collect(load_params(_params(tmp_path, sources={"default": {"url": "duckdb:///p.duckdb"}})))
    assert r.summary["rows_kept"].tolist() == [3, 3, 3]
    assert "surveys" not in r.tables  # optional table absent from the database


def test_sql_query_source(tmp_path: Path) -> None:
    _write(tmp_path, {k: v for k, v in BASE.items() if k != "repayments"})
    with sqlite3.connect(tmp_path / "core.db") as con:
        REPAYMENTS.to_sql("repay", con, index=False)
    p = _params(tmp_path, sources={"default": {"path": "."}, "repayments": {
        "url": "sqlite:///core.db", "query": "SELECT * FROM repay WHERE facility_id = 'F1'"}})
    assert len(collect(load_params(p)).tables["repayments"]) == 2


# --------------------------------------------------------------------------- mapping & units
def test_chinese_headers_mapped_and_units(tmp_path: Path) -> None:
    fac = FACILITIES.rename(columns={"facility_id": "借据号", "client_id": "客户号",
                                     "amount": "金额"}).assign(金额=["100", "25", "8"])
    p = _params(tmp_path, columns={"facilities": {"借据号": "facility_id", "客户号": "client_id",
                                                  "金额": "amount"}},
                units={"facilities": {"amount": "万元"}})
    _write(tmp_path, {**BASE, "facilities": fac})
    r = collect(load_params(p))
    assert r.tables["facilities"]["amount"].tolist() == [1_000_000.0, 250_000.0, 80_000.0]


def test_bilingual_headers_and_header_unit_need_no_mapping(tmp_path: Path) -> None:
    t = TABLES["facilities"]
    fac = FACILITIES.rename(columns={c: t.column(c).header for c in FACILITIES.columns})
    fac = fac.rename(columns={t.column("amount").header: "合同金额(万元)"})
    fac["合同金额(万元)"] = ["100", "25", "8"]
    fac["备注"] = "x"  # not in the contract: ignored with a note
    r = _run(tmp_path, {"facilities": fac})
    assert r.tables["facilities"]["amount"].tolist() == [1_000_000.0, 250_000.0, 80_000.0]
    assert any("备注" in n for n in r.notes)


# --------------------------------------------------------------------------- quarantine
def test_each_quarantine_reason(tmp_path: Path) -> None:
    clients = pd.concat([CLIENTS, pd.DataFrame({
        "client_id": ["C4", "C5", "C3", "C1"],
        "client_name": ["", "戊公司", "丙制造股份", "甲能源改名"],
        "industry": ["energy", "spaceflight", "Manufacturing", "energy"],
        "region": ["east"] * 4, "lifecycle_stage": ["execution"] * 4,
        "relationship_manager": ["王芳"] * 4,
        "onboarding_date": ["2020-01-01", "2020-01-01", "2021年1月15日", "2019-05-01"],
    })], ignore_index=True)
    clients.loc[5, "region"] = "north"  # C3 copy: identical to row 4 below
    clients.loc[5] = CLIENTS.loc[2]
    fac = pd.concat([FACILITIES, pd.DataFrame({
        "facility_id": ["F4", "F5", "F6", "F7"], "client_id": ["C1", "C9", "C1", "C1"],
        "product": ["short_term"] * 4, "amount": ["-5", "10", "10", "ten"],
        "start_date": ["2022-01-01", "2022-01-01", "2022-01-01", "2022-01-01"],
        "maturity_date": ["2023-01-01", "2023-01-01", "2021-01-01", "2023-01-01"],
        "interest_rate": ["0.04"] * 4, "status": ["active"] * 4,
    })], ignore_index=True)
    rep = pd.concat([REPAYMENTS, pd.DataFrame({
        "facility_id": ["F5", "F1"], "due_date": ["2023-01-01", "01/02/2024"],
        "amount_due": ["1", "1"], "paid_date": ["", ""], "amount_paid": ["", ""]})],
        ignore_index=True)
    r = _run(tmp_path, {"clients": clients, "facilities": fac, "repayments": rep})
    assert _reasons(r, "clients") == [
        (5, "missing_required", "client_name"),
        (6, "invalid_category", "industry"),
        (7, "duplicate_row", "*"),
        (8, "duplicate_key", "client_id"),
    ]
    assert _reasons(r, "facilities") == [
        (5, "out_of_range", "amount"),
        (6, "orphan", "client_id"),
        (7, "inconsistent", "maturity_date"),
        (8, "invalid_type", "amount"),
    ]
    # the repayment of the quarantined facility F5 is an orphan too: checks cascade
    assert _reasons(r, "repayments") == [(5, "orphan", "facility_id"),
                                         (6, "invalid_type", "due_date")]
    msg = r.quarantine.set_index(["table", "row"]).loc[("repayments", 6), "detail"]
    assert "repayments.csv row 6" in msg and "应还日 / Due date" in msg and "YYYY-MM-DD" in msg
    assert "spaceflight" in r.quarantine.loc[r.quarantine["reason"] == "invalid_category",
                                             "raw"].iloc[0]
    s = r.summary.set_index("table")
    assert (s["rows_read"] == s["rows_kept"] + s["rows_quarantined"]).all()
    assert s.loc["clients", "duplicate_row"] == 1 and s.loc["facilities", "orphan"] == 1


def test_rate_written_as_plain_percent_is_out_of_range_not_guessed(tmp_path: Path) -> None:
    fac = FACILITIES.assign(interest_rate=["4.5", "0.038", "3.9%"])
    r = _run(tmp_path, {"facilities": fac})
    row = r.quarantine.iloc[0]
    assert (row["reason"], row["column"]) == ("out_of_range", "interest_rate")
    assert "4.5%" in row["detail"]


def test_quality_report_completeness(tmp_path: Path) -> None:
    rep = REPAYMENTS.copy()
    r = _run(tmp_path, {"repayments": rep})
    q = r.quality.set_index(["table", "column"])
    assert q.loc[("repayments", "paid_date"), "completeness"] == pytest.approx(1 / 3)
    assert q.loc[("repayments", "due_date"), "completeness"] == 1.0
    assert not q.loc[("clients", "legal_rep"), "present"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C9", ""]),
                          st.sampled_from(["100", "-1", "x", "", "1,5", "2万"]),
                          st.sampled_from(["2022-01-01", "2022/13/01", ""]),
                          st.sampled_from(["active", "结清", "bad"])),
                min_size=0, max_size=30))
def test_no_row_is_ever_lost(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("prop")
    fac = pd.DataFrame({
        "facility_id": [f"F{i}" for i in range(len(rows))],
        "client_id": [r[0] for r in rows], "product": "short_term",
        "amount": [r[1] for r in rows], "start_date": [r[2] for r in rows],
        "maturity_date": "2030-01-01", "interest_rate": "0.04", "status": [r[3] for r in rows],
    }, columns=list(FACILITIES.columns))
    r = _run(folder, {"facilities": fac, "repayments": REPAYMENTS.iloc[:0]})
    s = r.summary.set_index("table")
    assert (s["rows_read"] == s["rows_kept"] + s["rows_quarantined"]).all()
    assert s.loc["facilities", "rows_read"] == len(rows)
    kept = r.tables["facilities"]
    assert (kept["amount"] >= 0).all() and kept["client_id"].isin(["C1", "C2"]).all()


# --------------------------------------------------------------------------- errors
def test_missing_required_column_names_file_column_and_fix(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError, match=r"facilities\.csv: required column 'amount' "
                       r"\(合同金额 / Committed amount\).*columns: facilities"):
        _run(tmp_path, {"facilities": FACILITIES.drop(columns="amount")})


def test_undecodable_csv(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    (tmp_path / "clients.csv").write_bytes(b"client_id\n" + b"\x81\x30\xff\xff\n")
    with pytest.raises(EncodingError, match=r"clients\.csv: cannot decode line 2.*CSV UTF-8"):
        collect(load_params(_params(tmp_path)))


def test_unknown_encoding_name(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    p = _params(tmp_path, sources={"default": {"path": "."},
                                   "clients": {"path": "clients.csv", "encoding": "klingon"}})
    with pytest.raises(EncodingError, match="unknown encoding 'klingon'.*'gbk'"):
        collect(load_params(p))


def test_binary_file_as_csv(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    (tmp_path / "clients.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(EncodingError, match=r"clients\.csv: this is not a text CSV"):
        collect(load_params(_params(tmp_path)))


def test_unreadable_workbook_and_missing_file(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    (tmp_path / "bad.xlsx").write_text("not a workbook")
    p = _params(tmp_path, sources={"default": {"path": "."}, "clients": {"path": "bad.xlsx"}})
    with pytest.raises(UnreadableSourceError, match=r"bad\.xlsx: cannot open as an Excel"):
        collect(load_params(p))
    p = _params(tmp_path, sources={"default": {"path": "."}, "clients": {"path": "nope.csv"}})
    with pytest.raises(UnreadableSourceError, match=r"nope\.csv: file not found.*sources: clients"):
        collect(load_params(p))


def test_missing_required_table(tmp_path: Path) -> None:
    _write(tmp_path, {k: v for k, v in BASE.items() if k != "repayments"})
    with pytest.raises(Exception, match="table 'repayments'.*not found"):
        collect(load_params(_params(tmp_path)))


def test_bad_sql_url_and_missing_table(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    p = _params(tmp_path, sources={"default": {"path": "."},
                                   "repayments": {"url": "nosuchdb://x"}})
    with pytest.raises(UnreadableSourceError, match="not a usable SQLAlchemy URL"):
        collect(load_params(p))
    sqlite3.connect(tmp_path / "e.db").close()
    p = _params(tmp_path, sources={"default": {"path": "."},
                                   "repayments": {"url": "sqlite:///e.db", "table": "x"}})
    with pytest.raises(UnreadableSourceError, match="no table 'x'"):
        collect(load_params(p))


def test_ragged_csv(tmp_path: Path) -> None:
    _write(tmp_path, BASE)
    (tmp_path / "clients.csv").write_text("client_id,client_name\nC1,a\nC2,b,c,d\n", encoding="utf-8")
    with pytest.raises(UnreadableSourceError, match=r"clients\.csv: malformed CSV"):
        collect(load_params(_params(tmp_path)))


def test_collect_table_directly_on_a_frame() -> None:
    raw = RawTable(SURVEYS := pd.DataFrame({"client_id": ["C1", "C1"],
                                            "survey_date": ["2024-01-01", "2024-06-01"],
                                            "csat": ["5", "7"], "nps": ["10", "9.5"]}),
                   pd.Series([2, 3]), "surveys.csv")
    oc = collect_table(raw, TABLES["surveys"])
    assert len(SURVEYS) == 2 and len(oc.clean) == 1
    assert set(oc.issues["reason"]) == {"out_of_range", "invalid_type"}


def test_filled_in_template_reads_back_with_no_mapping(tmp_path: Path) -> None:
    """The client fills the blank workbook (labels from its drop-downs); collect needs no
    mapping, and the workbook is the default source for every table."""
    import openpyxl

    from crmkit.collect import sheet_title, write_template
    from crmkit.core.contract import CODES

    book_path = write_template(tmp_path / "返回.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book_path)
    zh = {k: {c: v[0] for c, v in codes.items()} for k, codes in CODES.items()}
    rows = {
        "clients": [["C1", "甲能源有限公司", None, None, "5000万", zh["industry"]["energy"],
                     zh["region"]["east"], "江苏", zh["size_class"]["large"],
                     zh["lifecycle_stage"]["execution"], "王芳", "2020-03-01",
                     zh["risk_appetite"]["moderate"], None]],
        "facilities": [["F1", "C1", zh["product"]["project_finance"], "人民币", 1_000_000,
                        800_000, "2022-01-01", "2032-01-01", "4.5%", 5_000,
                        zh["collateral_type"]["mortgage"], zh["facility_status"]["active"], None]],
        "repayments": [["F1", "2023-01-01", 50_000, "2023-01-02", 50_000]],
        "surveys": [["C1", "2025-06-30", 4, 9, "服务很好"]],
    }
    for name, data in rows.items():
        ws = wb[sheet_title(name)]
        for r, values in enumerate(data, start=2):
            for c, v in enumerate(values, start=1):
                ws.cell(row=r, column=c, value=v)
    wb.save(book_path)
    p = _params(tmp_path, sources={"default": {"path": "返回.xlsx"}})
    r = collect(load_params(p))
    assert r.quarantine.empty, r.quarantine[["table", "row", "detail"]].to_string()
    c = r.tables["clients"].iloc[0]
    assert (c["industry"], c["lifecycle_stage"], c["registered_capital"]) == (
        "energy", "execution", 50_000_000.0)
    f = r.tables["facilities"].iloc[0]
    assert (f["product"], f["interest_rate"], f["status"]) == ("project_finance", 0.045, "active")
    assert r.tables["surveys"]["nps"].tolist() == [9]
    assert "financials" in r.tables and r.tables["financials"].empty  # blank sheet: no rows
