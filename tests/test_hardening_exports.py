"""Issue 17, exports: formulas in client data made inert in every CSV (9); quarantine masked,
client cards with a CSP, the roll-up of failed portfolios, source-option messages (12)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmkit.warn import write_plan_csv
from crmkit.warn.actions import KINDS

EVIL = ["=HYPERLINK(\"http://x.example\",\"click\")", "@SUM(A1:A9)", "+1+1", "-2+3",
        "\tTAB"]


def test_defect9_action_plan_csv_formulas_are_inert(tmp_path: Path) -> None:
    n = len(EVIL)
    plan = pd.DataFrame({
        "owner": EVIL, "date": pd.Timestamp("2026-10-01"), "client_id": [f"C{i}" for i in range(n)],
        "client_name": EVIL, "kind": KINDS[0], "title": EVIL, "detail": EVIL,
        "severity": "high", "facility_id": "F1"})
    path = write_plan_csv(plan, tmp_path / "action_plan.csv", "en")
    text = path.read_text(encoding="utf-8-sig")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for col in ("Relationship manager", "Client name"):
        assert all(v.startswith("'") for v in back[col]), back[col].tolist()
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text and ",@SUM" not in text


def test_defect9_neutralise_leaves_numbers_and_plain_text() -> None:
    from crmkit.core.csvsafe import neutralise

    df = pd.DataFrame({"a": ["ok", "=1+1", None, "\rCR"], "n": [-1.5, 2.0, 3.0, 4.0]})
    out = neutralise(df)
    assert out["a"].tolist()[:2] == ["ok", "'=1+1"] and pd.isna(out["a"].iloc[2])
    assert out["a"].iloc[3] == "'\rCR"
    assert out["n"].tolist() == [-1.5, 2.0, 3.0, 4.0]


def test_neutralise_covers_categoricals_mixed_columns_and_keeps_the_input() -> None:
    """Every text cell Excel would run is made inert whatever the column's dtype: categories,
    nullable strings, object columns mixing text and numbers; the input frame is not changed."""
    from crmkit.core.csvsafe import neutralise

    df = pd.DataFrame({
        "cat": pd.Categorical(["=SUM(A1)", "plain", "=SUM(A1)", None]),
        "nullable": pd.array(["@x", None, "y", "+1"], dtype="string"),
        "mixed": ["-2+3", -2, None, "text"],
        "obj": pd.Series(["ok", "\tTAB", "=A1", None], dtype=object)})
    out = neutralise(df)
    assert out["cat"].tolist()[:3] == ["'=SUM(A1)", "plain", "'=SUM(A1)"]
    assert pd.isna(out["cat"].iloc[3]) and isinstance(out["cat"].dtype, pd.CategoricalDtype)
    assert out["nullable"].tolist()[0] == "'@x" and out["nullable"].tolist()[2:] == ["y", "'+1"]
    assert out["mixed"].tolist()[0] == "'-2+3" and out["mixed"].iloc[1] == -2
    assert out["mixed"].iloc[3] == "text"
    assert out["obj"].tolist()[:3] == ["ok", "'\tTAB", "'=A1"]
    assert df["cat"].tolist()[0] == "=SUM(A1)" and df["obj"].iloc[2] == "=A1"


def test_defect9_quarantine_csv_formulas_are_inert(tmp_path: Path) -> None:
    import shutil

    import yaml

    from crmkit.collect import run
    from crmkit.params import load_params

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "sample", data)
    path = data / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[5] = "=HYPERLINK(\"\"http://x\"\")"  # industry: not a code, so quarantined
    lines[1] = ",".join(cells[:5] + ['"' + cells[5] + '"'] + cells[6:])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "f", "as_of": "2026-09-30",
                                     "output_dir": "out",
                                     "sources": {"default": {"path": "data"}}}),
                     encoding="utf-8")
    params = load_params(pfile)
    run(params)
    q = pd.read_csv(params.stage_dir("collect") / "quarantine.csv", encoding="utf-8-sig",
                    dtype=str, keep_default_na=False)
    row = q[q["value"].str.contains("HYPERLINK")]
    assert len(row) == 1 and row["value"].iloc[0].startswith("'=")


def test_defect12_quarantine_masks_pii_when_mask_pii(tmp_path: Path) -> None:
    import shutil

    import yaml

    from crmkit.collect import run
    from crmkit.params import load_params

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "sample", data)
    path = data / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    legal_rep, code = cells[header.index("legal_rep")], cells[header.index("credit_code")]
    cells[header.index("industry")] = "not-an-industry"  # quarantined with its raw cells
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "m", "as_of": "2026-09-30",
                                     "output_dir": "out", "mask_pii": True,
                                     "sources": {"default": {"path": "data"}}}),
                     encoding="utf-8")
    params = load_params(pfile)
    run(params)
    folder = params.stage_dir("collect")
    for name in ("quarantine.csv", "issues.csv"):
        text = (folder / name).read_text(encoding="utf-8-sig")
        assert legal_rep not in text and code not in text, name
    assert "not-an-industry" in (folder / "quarantine.csv").read_text(encoding="utf-8-sig")


def test_defect12_client_cards_and_rollup_have_a_csp(tmp_path: Path) -> None:
    from crmkit.diagnose.cards_html import client_cards_html
    from crmkit.report.rollup import rollup_table, write_rollup

    page = client_cards_html([], lang="en", embed_font=False)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    html = write_rollup(rollup_table([(tmp_path / "a" / "2026-09-30", "a", False),
                                      (tmp_path / "b" / "2026-09-30", "b", False)]),
                        tmp_path / "roll", "en")["html"].read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html


def test_defect12_rollup_shows_no_na_for_failed_portfolios(tmp_path: Path) -> None:
    from crmkit.report.rollup import rollup_table, write_rollup

    table = rollup_table([(tmp_path / "a" / "2026-09-30", "a", False),
                          (tmp_path / "b" / "2026-09-30", "b", False)])
    html = write_rollup(table, tmp_path / "roll", "en")["html"].read_text(encoding="utf-8")
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and "—" in html


def test_defect12_unknown_source_option_lists_the_known_ones(tmp_path: Path) -> None:
    import pytest
    import yaml

    from crmkit.core.errors import ParametersError
    from crmkit.params import load_params

    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "k", "as_of": "2026-09-30",
                                     "sources": {"clients": {"path": "x.csv",
                                                             "zzz": 1}}}), encoding="utf-8")
    with pytest.raises(ParametersError,
                       match=r"sources\.clients\.zzz: unknown key \(known: path, url"):
        load_params(pfile)


def test_formula_injection_xlsx_exports_store_text_not_formulas(tmp_path: Path) -> None:
    """Every workbook crmkit writes (report workbook, roll-up) keeps ``=...`` text as text."""
    import openpyxl

    from crmkit.report.rollup import rollup_table, write_rollup
    from crmkit.report.xlsx import write_workbook

    evil = EVIL[0]
    frame = pd.DataFrame({"client_name": [evil, "ok"], evil: ["=1+1", "x"], "n": [1, 2]})
    book = write_workbook({"alerts": frame}, tmp_path / "w.xlsx", "en",
                          translate_headers=False)
    runs = [(tmp_path / "a" / "2026-09-30", "a", False, evil),
            (tmp_path / "b" / "2026-09-30", "b", False, "=1+1")]
    roll = write_rollup(rollup_table(runs), tmp_path / "roll", "en")["xlsx"]
    for path in (book, roll):
        wb = openpyxl.load_workbook(path)
        cells = [c for ws in wb for row in ws.iter_rows() for c in row]
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert evil in texts and "=1+1" in texts, path.name
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        assert not formulas, f"{path.name}: formulas in {formulas}"
