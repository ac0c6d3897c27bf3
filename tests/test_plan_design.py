"""Plans on the sample portfolio: proposed terms, save and reload, the command, the widget."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from crmkit.cli import main
from crmkit.params import load_params
from crmkit.plan import (
    PlanContext,
    PlanError,
    covenant_dscr,
    list_plans,
    load_plan,
    plan_notes,
    plan_text,
    save_plan,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, PlanContext]:
    """The sample portfolio collected and scored (no notebooks) in a temporary folder."""
    from crmkit import collect, score

    out = tmp_path_factory.mktemp("plan")
    data = yaml.safe_load((ROOT / "parameters" / "sample.yaml").read_text(encoding="utf-8"))
    data.update(output_dir=str(out / "outputs"),
                sources={"default": {"path": str(ROOT / "data" / "sample")}})
    pfile = out / "sample.yaml"
    pfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    params = load_params(pfile)
    collect.run(params)
    score.run(params)
    return pfile, PlanContext(params)


def _client_with_need(ctx: PlanContext) -> tuple[str, pd.Series]:
    needs = ctx.tables["needs"]
    loan = needs[needs["need_type"].eq("new_loan").fillna(False)
                 & needs["requested_amount"].notna() & needs["term_months"].notna()]
    last = loan.sort_values("request_date").groupby("client_id").tail(1).iloc[0]
    return str(last["client_id"]), last


def test_proposed_terms_come_from_the_clients_latest_need(run):
    _, ctx = run
    cid, need = _client_with_need(ctx)
    terms = ctx.default_terms(cid)
    assert terms.amount == need["requested_amount"] and terms.need_id == need["need_id"]
    assert terms.tenor_months >= need["term_months"] and terms.tenor_months % 6 == 0
    assert terms.start == ctx.params.as_of
    assert ctx.default_terms(cid, profile="bullet").profile == "bullet"
    with pytest.raises(PlanError, match="'NOPE' is not in portfolio"):
        ctx.default_terms("NOPE")


def test_every_client_gets_a_plan_with_pd_and_cases(run):
    _, ctx = run
    for cid in list(ctx.clients.index)[:40]:
        plan = ctx.evaluate(ctx.default_terms(cid))
        assert plan.schedule["principal"].sum() == pytest.approx(plan.terms.amount)
        assert plan.pricing is not None and 0 <= plan.pricing["pd"] <= 1
        assert len(plan.neighbours) == ctx.params.plan.neighbours
        assert cid not in set(plan.neighbours["client_id"])
    assert ctx.covenant == covenant_dscr(ctx.params) == 1.10


def test_saved_plan_reloads_to_the_same_schedule_even_after_parameters_change(run):
    pfile, ctx = run
    cid = str(ctx.clients.index[5])
    plan = ctx.evaluate(ctx.default_terms(cid, profile="annuity", rate_type="floating"))
    p1, p2 = save_plan(ctx.params, plan), save_plan(ctx.params, plan)
    assert (p1.name, p2.name) == (f"{cid}_1.yaml", f"{cid}_2.yaml")
    assert p1.parent == ctx.params.output_dir / "sample" / "plans"
    changed = ctx.params.model_copy(deep=True)
    changed.plan.lpr[0].lpr_1y = 0.09  # a later LPR must not change a saved plan
    back = load_plan(p1)
    pd.testing.assert_frame_equal(back.schedule, plan.schedule)
    assert back.pricing == pytest.approx(plan.pricing)
    listed = list_plans(ctx.params, [cid])
    assert list(listed["n"]) == [1, 2] and listed["min_dscr"].iloc[0] == pytest.approx(
        plan.figures["min_dscr"])
    notes = plan_notes(ctx.params, cid, "en")
    assert len(notes) == 2 and notes[0].startswith("Saved plan 1:") and "Annuity" in notes[0]


def test_bad_saved_plan_is_named(tmp_path):
    bad = tmp_path / "C1_1.yaml"
    bad.write_text("terms: {amount: 5}\n", encoding="utf-8")
    with pytest.raises(PlanError, match="C1_1.yaml: not a saved plan"):
        load_plan(bad)
    bad.write_text("terms: {amount: 5}\nmarket: {}\n", encoding="utf-8")
    with pytest.raises(PlanError,
                       match=r"(?s)C1_1.yaml: 3 problem.*client_id: required key is missing"):
        load_plan(bad)


def test_plan_command_prints_and_saves(run, tmp_path, capsys):
    pfile, ctx = run
    a, b = (str(c) for c in ctx.clients.index[10:12])
    terms = tmp_path / "terms.yaml"
    terms.write_text(f"profile: equal_principal\ntenor_months: 36\ngrace_months: 0\n"
                     f"clients:\n  {a}: {{amount: 3.0e+7}}\n", encoding="utf-8")
    assert main(["plan", str(pfile), "--client", a, b, "--terms", str(terms)]) == 0
    out = capsys.readouterr().out
    assert f"还款计划: {a}" in out and f"还款计划: {b}" in out and "RAROC" in out
    saved = load_plan(ctx.params.output_dir / "sample" / "plans" / f"{a}_1.yaml")
    assert saved.terms.amount == 3e7 and saved.terms.tenor_months == 36
    assert saved.schedule["principal"].round(2).eq(round(3e7 / 6, 2)).all()
    terms.write_text("tenr: 12\n", encoding="utf-8")
    assert main(["plan", str(pfile), "--client", a, "--terms", str(terms)]) == 2
    err = capsys.readouterr().err
    assert "terms.yaml" in err and "did you mean 'tenor_months'" in err


def test_plan_text_in_english(run):
    _, ctx = run
    plan = ctx.evaluate(ctx.default_terms(str(ctx.clients.index[0])))
    text = plan_text(plan, "en", rows=3)
    assert "Repayment schedule" in text and "Debt capacity" in text and "Similar cases" in text


def test_designer_widget_set_save_reload(run, monkeypatch):
    from crmkit.plan_widget import PlanDesigner

    monkeypatch.delenv("CRMKIT_STATIC_WIDGETS", raising=False)
    _, ctx = run
    cid = str(ctx.clients.index[20])
    d = PlanDesigner(ctx, cid, lang="en")
    assert d.plan.terms == ctx.default_terms(cid)
    plan = d.set(amount=80.0, tenor_months=60, grace_months=12, period_months=6,
                 profile="annuity", rate_type="fixed", fixed_rate=0.045, upfront_fee_rate=0.005,
                 collateral_type="mortgage")
    assert plan.terms.amount == 8e7 and plan.terms.fixed_rate == 0.045
    assert (plan.schedule["rate"] == 0.045).all()
    assert plan.schedule.loc[~plan.schedule["repaying"], "principal"].eq(0).all()
    assert plan.pricing["lgd"] == ctx.params.plan.lgd["mortgage"]
    path = d.save()
    assert d.last_saved == path and path.name.startswith(f"{cid}_")
    pd.testing.assert_frame_equal(load_plan(path).schedule, plan.schedule)
    d.controls["grace_months"].value = 60  # invalid: as long as the tenor -> message, no raise
    assert "grace_months 60 must be shorter" in d.message and d.plan is plan
    d.client.value = str(ctx.clients.index[21])  # another client resets the terms
    assert d.plan.terms.client_id == str(ctx.clients.index[21])
    assert d.widget() is not None


def test_designer_is_static_in_batch_kernels(run, monkeypatch):
    from crmkit.plan_widget import PlanDesigner

    monkeypatch.setenv("CRMKIT_STATIC_WIDGETS", "1")
    _, ctx = run
    assert PlanDesigner(ctx, str(ctx.clients.index[0])).widget() is None


@pytest.mark.notebook
def test_designer_notebook_runs_with_papermill(run, tmp_path, monkeypatch):
    import json

    import papermill as pm

    from crmkit.batch import stage_notebooks

    pfile, ctx = run
    src = ROOT / "notebooks" / "plan_designer.ipynb"
    assert src.name not in {p.name for p in stage_notebooks().values()}  # not a batch stage
    out = tmp_path / "plan_designer.ipynb"
    cid = str(ctx.clients.index[3])
    monkeypatch.setenv("CRMKIT_STATIC_WIDGETS", "1")  # as crmkit run sets it: no live widget
    pm.execute_notebook(str(src), str(out), parameters={"params_file": str(pfile),
                                                        "client_id": cid},
                        cwd=str(src.parent), kernel_name="python3", progress_bar=False)
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    text = json.dumps([c.get("outputs") for c in cells], ensure_ascii=False)
    assert "方案关键指标" in text and "image/png" in text and cid in text
    assert "widget-view" not in text and "批量运行" in text  # static results, no dead widget


def test_saved_plans_appear_on_the_card_and_in_next_actions(run):
    """A saved plan shows on the client's card and in the report's next-actions table."""
    from crmkit import diagnose, tier, warn
    from crmkit.core.store import load_table

    pfile, ctx = run
    params = ctx.params
    tier.run(params)
    warn.run(params)
    first = diagnose.run(params)
    cid = str(first.actions.index[0])
    save_plan(params, ctx.evaluate(ctx.default_terms(cid, profile="annuity")))
    again = diagnose.run(params)
    note = plan_notes(params, cid, params.language)[-1]
    assert note in again.actions.loc[cid, "saved_plan"]
    assert note in again.cards_html.read_text(encoding="utf-8")
    saved = load_table(params, "diagnose", "next_actions").set_index("client_id")["saved_plan"]
    assert saved.notna().sum() >= 1 and note in saved.loc[cid]


def test_the_designer_reads_its_tables_only_and_proposes_the_same_terms(run) -> None:
    """The context reads six tables (the instalments' three columns the case library needs),
    not the interaction notes; its cases and proposed terms equal those from whole tables."""
    from crmkit.collect import load_clean
    from crmkit.plan.cases import portfolio_cases

    pfile, ctx = run
    assert set(ctx.tables) == {"clients", "facilities", "repayments", "needs", "projects",
                               "financials"}
    assert list(ctx.tables["repayments"].columns) == ["facility_id", "due_date", "amount_due"]
    whole = PlanContext(ctx.params, tables=load_clean(ctx.params))
    pd.testing.assert_frame_equal(portfolio_cases(ctx.tables, ctx.features),
                                  portfolio_cases(whole.tables, whole.features))
    for client_id in ctx.clients.index[:25]:
        assert ctx.default_terms(client_id) == whole.default_terms(client_id)
