"""Notebooks are committed clean and run end to end with Papermill on the sample portfolio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crmkit.batch import NOTEBOOKS, run_portfolio, stage_notebooks
from crmkit.collect import load_clean
from crmkit.params import load_params

ROOT = Path(__file__).resolve().parents[1]
BOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_parameters_cell(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        f"{path.name} has outputs: clear them before committing"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and "params_file" in "".join(tagged[0]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown"  # every notebook starts by teaching
    text = " ".join("".join(c["source"]) for c in code)
    assert "def " not in text, "logic belongs in lib/, not in notebook cells"


def _copy_params(name: str, out: Path) -> Path:
    data = yaml.safe_load((ROOT / "parameters" / name).read_text(encoding="utf-8"))
    data["output_dir"] = str(out)
    data["sources"] = {"default": {"path": str(ROOT / "data" / "sample")}}
    pfile = out / name
    pfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pfile


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[Path, object]:
    """The sample run at 2026-06-30, then at 2026-09-30 (which sees the first snapshot)."""
    out = tmp_path_factory.mktemp("run")
    first = run_portfolio(_copy_params("sample_2026q2.yaml", out))
    assert first.ok, [(s.stage, s.error) for s in first.stages]
    pfile = _copy_params("sample.yaml", out)
    return pfile, run_portfolio(pfile)


def test_every_stage_notebook_runs_on_the_sample(sample_run) -> None:
    pfile, run = sample_run
    failed = [(s.stage, s.error) for s in run.stages if not s.ok]
    assert not failed and not run.error, failed or run.error
    assert [s.stage for s in run.stages] == list(stage_notebooks())
    for s in run.stages:
        executed = json.loads(Path(s.notebook).read_text(encoding="utf-8"))
        assert any(c.get("outputs") for c in executed["cells"] if c["cell_type"] == "code")


def test_collect_notebook_outputs(sample_run) -> None:
    pfile, _ = sample_run
    params = load_params(pfile)
    tables = load_clean(params)
    assert len(tables["clients"]) >= 250 and len(tables["repayments"]) > 1000
    folder = params.run_dir / "collect"
    for name in ("quarantine.csv", "quality.csv", "summary.csv", "clients.parquet"):
        assert (folder / name).is_file(), name
    # the sample's planted errors, one per reason, and nothing else
    import pandas as pd

    from crmkit.sample import PLANTED_ERRORS

    q = pd.read_csv(folder / "quarantine.csv")
    assert sorted(zip(q["table"], q["reason"], strict=True)) == sorted(
        (t, r) for t, r, _ in PLANTED_ERRORS)


def test_second_run_shows_changes_migrations_and_their_alerts(sample_run) -> None:
    import pandas as pd

    pfile, _ = sample_run
    warn = load_params(pfile).run_dir / "warn"
    changes = pd.read_parquet(warn / "changes.parquet")
    assert len(changes) >= 250 and changes["score_change"].notna().all()
    assert (changes["score_change"] < 0).any() and (changes["score_change"] > 0).any()
    migration = pd.read_parquet(warn / "migration.parquet").set_index("from")
    assert migration.loc[["A", "B", "C"], ["A", "B", "C", "lost"]].sum(axis=1).round(6).eq(1).all()
    alerts = pd.read_parquet(warn / "alerts.parquet")
    downgraded = set(changes.loc[changes["tier_downgrade"] == 1, "client_id"])
    flagged = set(alerts.loc[alerts["rule_id"] == "tier_downgrade", "client_id"])
    assert downgraded and flagged == downgraded
    ics = (warn / "actions.ics").read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics


def test_relate_notebook_outputs(sample_run) -> None:
    """03a_relate: groups, limits and the dashboard tables; the warn stage alerts on the
    sample's two planted breaches (the largest client, the largest group)."""
    import pandas as pd

    pfile, _ = sample_run
    rd = load_params(pfile).run_dir
    for name in ("clients", "groups", "shares", "concentration", "limits", "need_modules",
                 "tier_treemap"):
        assert (rd / "relate" / f"{name}.parquet").is_file(), name
    limits = pd.read_parquet(rd / "relate" / "limits.parquet")
    breached = limits[limits["breach"]]
    assert sorted(breached["level"]) == ["client", "group"]
    groups = pd.read_parquet(rd / "relate" / "groups.parquet")
    feats = pd.read_parquet(rd / "score" / "features.parquet")
    assert groups["direct_exposure"].sum() == pytest.approx(feats["exposure"].sum())
    alerts = pd.read_parquet(rd / "warn" / "alerts.parquet")
    fired = alerts[alerts["rule_id"].astype(str).str.startswith("large_exposure")]
    assert set(breached.loc[breached["level"] == "client", "id"]) <= set(fired["client_id"])
    assert len(pd.read_parquet(rd / "relate" / "need_modules.parquet")) > 0
    cards = (rd / "diagnose" / "client_cards.html").read_text(encoding="utf-8")
    assert "同集团其他成员" in cards


def test_needs_notebook_outputs(sample_run) -> None:
    """03b_needs: the forecast, the backtest beating the baseline a year back, and the
    high-potential list, whose recommended clients get the growth strategy only at normal
    risk status."""
    import pandas as pd

    pfile, _ = sample_run
    rd = load_params(pfile).run_dir
    forecast = pd.read_parquet(rd / "needs" / "needs_forecast.parquet")
    assert len(forecast) > 50 and forecast["probability"].between(0, 1).all()
    bt = pd.read_parquet(rd / "needs" / "backtest.parquet").set_index("figure")
    assert bt.loc["f1", "model"] > bt.loc["f1", "baseline"]
    hp = pd.read_parquet(rd / "needs" / "high_potential.parquet")
    assert hp["recommended"].sum() == 20 and (hp.loc[hp["recommended"], "risk_status"]
                                              == "normal").all()
    diag = pd.read_parquet(rd / "diagnose" / "diagnostic.parquet")
    grow = diag[diag["strategy_id"] == "grow_high_potential"]
    assert len(grow) > 0 and (grow["risk_status"].astype(str) == "normal").all()
    assert set(grow["client_id"]) <= set(hp.loc[hp["recommended"], "client_id"])


def _report_files(pfile: Path) -> tuple[Path, Path, Path]:
    params = load_params(pfile)
    folder = params.run_dir / "report"
    stem = f"{params.portfolio}_{params.as_of.isoformat()}"
    return folder / f"{stem}.html", folder / f"{stem}.pdf", folder / f"{stem}.xlsx"


def test_report_exports_in_chinese(sample_run) -> None:
    import re

    import openpyxl
    from pypdf import PdfReader

    html_file, pdf_file, xlsx_file = _report_files(sample_run[0])
    page = html_file.read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in page and "一、执行摘要" in page and "<script" not in page
    assert "font/woff2;base64" in page  # the CJK glyphs travel with the report
    reader = PdfReader(pdf_file)
    assert len(reader.pages) >= 5
    text = "".join(p.extract_text() for p in reader.pages[:3])
    assert "执行摘要" in text and "信用风险" in text
    book = openpyxl.load_workbook(xlsx_file, read_only=True)
    assert len(book.sheetnames) == 13 and any("诊断" in s for s in book.sheetnames)
    assert {"集团客户", "大额风险暴露", "集中度"} <= set(book.sheetnames)       # relate stage
    assert {"融资需求预测", "高潜力客户"} <= set(book.sheetnames)                # needs stage
    # numbered in the order shown: no gap where an optional section (acknowledgements) is absent
    from crmkit.report.content import zh_numeral

    numbers = re.findall(r"<h2[^>]*>\s*([一二三四五六七八九十]+)、", page)
    assert numbers == [zh_numeral(i) for i in range(1, len(numbers) + 1)] and len(numbers) >= 14
    assert "、融资需求预测与高潜力客户" in page
    assert "、集团客户与大额风险暴露" in page and "超限 2 个" in page
    assert {"IFRS9分阶段减值", "预期信用损失明细", "客户经理工作清单"} <= set(book.sheetnames)
    assert "七、IFRS 9 阶段与预期信用损失" in "".join(p.extract_text() for p in reader.pages)
    assert "数据质量与合理性检查" in page and "风险闸门" in page
    assert "主要发现与建议" in page and "建议行动" in page and "较上期（2026-06-30）" in page
    assert "附：数据质量" in page and "仅供内部管理参考" in page
    assert "&lt;NA&gt;" not in page and "<NA>" not in page
    # no internal codes a bank reader would see: strategy ids, rule ids, metric names
    from crmkit.diagnose import load_strategies
    from crmkit.params.warning import DEFAULT_RULES

    codes = ({*load_strategies()["id"]} | {r.id for r in DEFAULT_RULES}
             | {r.metric for r in DEFAULT_RULES if "_" in r.metric})
    cards_page = (html_file.parents[1] / "diagnose" / "client_cards.html").read_text("utf-8")
    assert not {c for c in codes if re.search(rf"\b{c}\b", page)}
    assert not {c for c in codes if re.search(rf"\b{c}\b", cards_page)}
    # voice of the client: the section is there and its quotes carry no phone number
    assert "十二、客户声音" in page and not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", page)
    cards = (html_file.parents[1] / "diagnose" / "client_cards.html").read_text(encoding="utf-8")
    assert "客户声音" in cards and "风险状态" in cards and "预期信用损失" in cards


def test_one_parameter_switches_the_whole_report_to_english(tmp_path: Path) -> None:
    import openpyxl
    from pypdf import PdfReader

    pfile = _copy_params("sample.yaml", tmp_path)
    data = yaml.safe_load(pfile.read_text(encoding="utf-8"))
    data["language"] = "en"
    pfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = run_portfolio(pfile)
    assert run.ok, [(s.stage, s.error) for s in run.stages if not s.ok]
    html_file, pdf_file, xlsx_file = _report_files(pfile)
    page = html_file.read_text(encoding="utf-8")
    assert '<html lang="en"' in page and "1. Executive summary" in page
    assert "执行摘要" not in page and "信用风险 ×" not in page
    text = "".join(p.extract_text() for p in PdfReader(pdf_file).pages[:3])
    assert "Executive summary" in text
    book = openpyxl.load_workbook(xlsx_file, read_only=True)
    assert any("Diagnos" in s for s in book.sheetnames)


def test_sample_run_figures_are_credible(sample_run) -> None:
    """The bundled sample reads like a Chinese bank's corporate book (docs/sample-portfolio.md
    gives the targets and the measured values)."""
    import pandas as pd

    pfile, run = sample_run
    rd = Path(run.run_dir)
    feats = pd.read_parquet(rd / "score" / "features.parquet")
    diag = pd.read_parquet(rd / "diagnose" / "diagnostic.parquet")
    alerts = pd.read_parquet(rd / "warn" / "alerts.parquet")
    ecl = pd.read_parquet(rd / "warn" / "ecl.parquet")
    kpis = json.loads((rd / "diagnose" / "kpis.json").read_text(encoding="utf-8"))
    models = json.loads((rd / "score" / "models.json").read_text(encoding="utf-8"))
    n = len(diag)
    assert 0.015 <= feats["in_default"].mean() <= 0.03                  # NPL 1.5-3 %
    assert 0.03 <= (diag["ifrs9_stage"] == 2).mean() <= 0.12             # Stage 2
    assert 0.03 <= (feats["dscr"] < 1.0).mean() <= 0.10                  # covenant breaches
    assert len(alerts) < 0.5 * n                                        # after de-duplication
    assert diag["clv"].sum() > 0 and kpis["clv_total"] > 0
    assert 0 <= kpis["nps"] <= 50 and 0.7 <= kpis["csat_share"] <= 0.95
    assert models["credit"]["method"] == "scorecard" and models["credit"]["auc"] >= 0.70
    # risk before value, end to end
    gated = diag["risk_status"].isin(["default", "watch"])
    assert not diag.loc[gated, "strategy_kind"].eq("value").any()
    assert not diag.loc[diag["risk_status"] == "default", "tier"].isin(["A", "B"]).any()
    cov = ecl.groupby("stage")["ecl"].sum() / ecl.groupby("stage")["ead"].sum()
    assert cov.is_monotonic_increasing and cov.loc[3] > 0.2             # coverage by stage
    manifest = json.loads((rd / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["score"]["models"]["credit"]["method"] == "scorecard"


def test_rollup_uses_the_reports_figures_and_shows_no_paths(sample_run, tmp_path) -> None:
    from crmkit.report.rollup import rollup_table, write_rollup

    pfile, run = sample_run
    rd = Path(run.run_dir)
    kpis = json.loads((rd / "diagnose" / "kpis.json").read_text(encoding="utf-8"))
    table = rollup_table([(rd, "sample", True), (rd.parent / "1999-12-31", "broken", False,
                                                 "stage warn: the DSCR column is missing")])
    row = table.iloc[0]
    assert row["nps"] == kpis["nps"] and row["csat"] == kpis["csat_share"]
    assert row["clv"] == kpis["clv_total"] and row["in_default"] >= 1 and row["ecl"] > 0
    page = write_rollup(table, tmp_path, "zh")["html"].read_text(encoding="utf-8")
    assert "亿元" in page and "font/woff2;base64" in page and str(rd) not in page
    assert "the DSCR column is missing" in page and "失败" in page and "&lt;NA&gt;" not in page
