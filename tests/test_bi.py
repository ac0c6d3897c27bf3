"""The BI extract: opened in DuckDB, the documented joins give the report's totals back."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from crmkit.bi import RELATIONSHIPS, SCHEMA, BiExportError, export_bi
from crmkit.cli import main
from crmkit.core.store import load_table
from crmkit.params import Params, load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params(tmp_path_factory) -> Params:
    """The sample portfolio run through collect .. diagnose, relate and needs included
    (library runners, no notebooks)."""
    from crmkit import collect, diagnose, needs, relate, score, tier, warn

    out = tmp_path_factory.mktemp("bi")
    data = yaml.safe_load((ROOT / "parameters" / "sample.yaml").read_text(encoding="utf-8"))
    data.update(output_dir=str(out / "outputs"),
                sources={"default": {"path": str(ROOT / "data" / "sample")}})
    pfile = out / "sample.yaml"
    pfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    p = load_params(pfile)
    for stage in (collect, score, tier, relate, needs, warn, diagnose):
        stage.run(p)
    return p


def _open(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in SCHEMA:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / name}.parquet')")
    return con


def _earlier(params: Params, tmp_path: Path, as_of: str = "2026-06-30") -> Params:
    """A second as-of date: the run folder copied, one alert and one facility fewer."""
    other = params.model_copy(update={"as_of": pd.Timestamp(as_of).date()})
    shutil.copytree(params.run_dir, other.run_dir, dirs_exist_ok=True)
    for stage, name in (("warn", "alerts"), ("collect", "facilities")):
        df = load_table(other, stage, name).iloc[1:]
        df.to_parquet(other.run_dir / stage / f"{name}.parquet", index=False)
    return other


def test_documented_joins_give_the_reports_totals(params, tmp_path) -> None:
    from crmkit.report.risk import alert_worklist
    from crmkit.score.stage import load_features
    from crmkit.warn.ecl import ecl_summary

    export_bi(params, tmp_path)
    con = _open(tmp_path / "sample")
    latest = "JOIN dim_date d USING (date_key) WHERE d.is_latest"

    exposure = con.execute(f"SELECT SUM(e.exposure) FROM fact_exposure e {latest}").fetchone()[0]
    assert exposure == pytest.approx(load_features(params)["exposure"].sum(), rel=0, abs=0.005)
    per_client = con.execute("SELECT client_id, SUM(exposure) x FROM fact_exposure GROUP BY 1"
                         ).df().set_index("client_id")["x"]
    tiers = load_table(params, "tier", "tiers").set_index("client_id")
    assert per_client.reindex(tiers.index).fillna(0).to_numpy() == pytest.approx(
        tiers["exposure"].to_numpy(), abs=0.005)

    ecl = load_table(params, "warn", "ecl")
    got = con.execute(f"SELECT s.stage, SUM(s.ecl), SUM(s.ead) FROM fact_stages_ecl s {latest} "
                  "GROUP BY 1 ORDER BY 1").fetchall()
    want = ecl_summary(ecl).drop(index="total")
    assert [int(r[0]) for r in got] == [int(i) for i in want.index]
    assert [r[1] for r in got] == pytest.approx(want["ecl"].tolist(), abs=0.005)
    assert [r[2] for r in got] == pytest.approx(want["ead"].tolist(), abs=0.005)

    alerts = load_table(params, "warn", "alerts")
    _, _, per_rm = alert_worklist(alerts, params.warning.worklist_top_n, "en")
    got = dict(con.execute(f"SELECT r.rm_name, COUNT(*) FROM fact_alerts a JOIN dim_rm r "
                       f"USING (rm_key) {latest} GROUP BY 1").fetchall())
    assert got == per_rm.iloc[:, 0].to_dict() and sum(got.values()) == len(alerts) > 0

    got = dict(con.execute(f"SELECT t.tier, COUNT(*) FROM fact_tiers t {latest} GROUP BY 1"
                       ).fetchall())
    assert got == tiers["tier"].astype(str).value_counts().to_dict()


def test_limits_needs_potential_and_acknowledgements_are_in_the_extract(params, tmp_path
                                                                      ) -> None:
    export_bi(params, tmp_path)
    con = _open(tmp_path / "sample")
    limits = load_table(params, "relate", "limits")
    got = con.execute("SELECT level, limit_id, breach, headroom FROM fact_limits "
                      "ORDER BY level, limit_id").df()
    want = limits.sort_values(["level", "id"]).reset_index(drop=True)
    assert got["limit_id"].tolist() == want["id"].astype(str).tolist()
    assert got["breach"].sum() == want["breach"].sum() > 0   # the sample has two breaches
    assert got["headroom"].to_numpy() == pytest.approx(want["headroom"].to_numpy())
    groups = con.execute("SELECT f.group_key, g.group_name, c.client_name FROM fact_limits f "
                         "JOIN dim_group g USING (group_key) JOIN dim_client c USING "
                         "(client_id) WHERE level = 'group'").df()
    assert len(groups) == (want["level"] == "group").sum() > 0
    assert (groups["group_key"] == groups["group_name"]).all()
    assert set(groups["client_name"]) == {"集团口径 / Group level"}

    forecast = load_table(params, "needs", "needs_forecast")
    got = con.execute("SELECT SUM(p_horizon * amount), COUNT(*) FROM fact_need_forecast").fetchone()
    assert got[0] == pytest.approx((forecast["p_horizon"] * forecast["amount"]).sum())
    assert got[1] == len(forecast) > 0

    hp = load_table(params, "needs", "high_potential").set_index("client_id")
    got = con.execute("SELECT client_id, potential_rank, potential_recommended FROM fact_tiers"
                      ).df().set_index("client_id")
    assert got["potential_rank"].astype(int).to_dict() == hp["rank"].astype(int).to_dict()
    assert got["potential_recommended"].sum() == hp["recommended"].sum()

    cols = [r[0] for r in con.execute("DESCRIBE fact_alerts").fetchall()]
    assert {"acknowledged", "acknowledged_by", "acknowledged_at", "acknowledged_note"} <= set(cols)
    n = con.execute("SELECT COUNT(*) FROM fact_alerts WHERE acknowledged").fetchone()[0]
    assert n == int(load_table(params, "warn", "alerts")["acknowledged"].sum())


def test_every_fact_key_finds_its_dimension_row(params, tmp_path) -> None:
    export_bi(params, tmp_path)
    con = _open(tmp_path / "sample")
    for fact, col, dim, key in RELATIONSHIPS:
        n_fact = con.execute(f"SELECT COUNT(*) FROM {fact}").fetchone()[0]
        joined = con.execute(f"SELECT COUNT(*) FROM {fact} f JOIN {dim} d ON f.{col} = d.{key}"
                         ).fetchone()[0]
        assert joined == n_fact, f"{fact}.{col} -> {dim}.{key}"
    for name, table in SCHEMA.items():
        cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        assert cols == list(table.columns), name
        dupes = con.execute(f"SELECT COUNT(*) - COUNT(DISTINCT ({', '.join(table.key)})) "
                        f"FROM {name}").fetchone()[0]
        assert dupes == 0, f"{name} key {table.key} is not unique"
    schema = (tmp_path / "sample" / "schema.md").read_text(encoding="utf-8")
    assert "`fact_alerts.rm_key` | `dim_rm.rm_key`" in schema and "2026-09-30" in schema


def test_a_new_date_is_appended_and_a_repeated_one_replaced(params, tmp_path) -> None:
    earlier = _earlier(params, tmp_path / "runs")
    out = tmp_path / "bi"
    export_bi(params, out)
    first = pd.read_parquet(out / "sample" / "fact_alerts.parquet")
    result = export_bi(earlier, out)  # an older date, exported later
    assert result.dates == ["2026-06-30", "2026-09-30"]
    export_bi(earlier, out)  # again: replaced, not duplicated
    con = _open(out / "sample")
    counts = dict(con.execute("SELECT d.as_of::VARCHAR, COUNT(*) FROM fact_alerts JOIN dim_date d "
                          "USING (date_key) GROUP BY 1").fetchall())
    assert counts == {"2026-09-30": len(first), "2026-06-30": len(first) - 1}
    assert con.execute("SELECT as_of::VARCHAR FROM dim_date WHERE is_latest").fetchall() == [
        ("2026-09-30",)]
    n_fac = dict(con.execute("SELECT date_key, COUNT(*) FROM fact_exposure GROUP BY 1").fetchall())
    assert n_fac[20260930] == n_fac[20260630] + 1
    assert con.execute("SELECT COUNT(*) FROM dim_client WHERE client_id <> '_none'"
                       ).fetchone()[0] == con.execute(
        "SELECT COUNT(DISTINCT client_id) FROM fact_tiers").fetchone()[0]
    latest = con.execute("SELECT MAX(last_as_of)::DATE::VARCHAR FROM dim_client").fetchone()[0]
    assert latest == "2026-09-30"  # the older date did not overwrite newer attributes


def test_csv_is_excel_ready_and_formula_safe(params, tmp_path) -> None:
    other = params.model_copy(update={"as_of": pd.Timestamp("2026-03-31").date()})
    shutil.copytree(params.run_dir, other.run_dir, dirs_exist_ok=True)
    surveys = load_table(other, "collect", "surveys")
    surveys.loc[surveys.index[0], "feedback"] = "=HYPERLINK(\"http://x\",\"点我\")"
    surveys.to_parquet(other.run_dir / "collect" / "surveys.parquet", index=False)
    export_bi(other, tmp_path)
    raw = (tmp_path / "sample" / "fact_surveys.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(tmp_path / "sample" / "fact_surveys.csv", encoding="utf-8-sig")
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in csv["feedback"].tolist()
    parquet = pd.read_parquet(tmp_path / "sample" / "fact_surveys.parquet")
    assert "=HYPERLINK(\"http://x\",\"点我\")" in parquet["feedback"].tolist()


def test_cli_export_and_clear_errors(params, tmp_path, capsys) -> None:
    assert main(["export", "--bi", str(tmp_path / "bi"), str(params.source_file)]) == 0
    assert "2026-09-30" in capsys.readouterr().out
    assert (tmp_path / "bi" / "sample" / "fact_tiers.csv").is_file()
    never_run = params.model_copy(update={"as_of": pd.Timestamp("2025-12-31").date()})
    with pytest.raises(BiExportError, match=r"no collect/clients.*run the stages first"):
        export_bi(never_run, tmp_path / "bi")
    bad = tmp_path / "bi" / "sample" / "fact_tiers.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(bad)
    with pytest.raises(BiExportError, match=r"fact_tiers\.parquet.*empty folder"):
        export_bi(params, tmp_path / "bi")
