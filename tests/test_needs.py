"""The financing-need forecast, its backtest and the high-potential score (issue 11, 4 and 5).

Hand-made books with figures worked out by hand, the no-leakage guarantee, and the acceptance
test: on the sample, the forecast beats the last-year baseline on F1.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.core.contract import conform
from crmkit.core.i18n import LABELS
from crmkit.core.i18n import t as t_
from crmkit.needs import (
    FORECAST_COLUMNS,
    backtest,
    backtest_view,
    classification_scores,
    client_outlook,
    forecast_needs,
    forecast_view,
    high_potential,
    potential_view,
)
from crmkit.params.needs import NEED_CAUSES, NeedsParams
from crmkit.sample import generate
from crmkit.score import client_features

AS_OF = pd.Timestamp("2025-09-30")
DAY = pd.Timedelta(days=1)
SNAKE = re.compile(r"[A-Za-z]+_[A-Za-z_]+")


def _t(name: str, rows: list[dict]) -> pd.DataFrame:
    return conform(name, pd.DataFrame(rows))


def _clients(*ids: str) -> pd.DataFrame:
    return _t("clients", [dict(client_id=c, client_name=f"客户{c}", industry="energy",
                               region="east", size_class="medium",
                               onboarding_date="2015-01-01") for c in ids])


def _fac(fid: str, cid: str, start: str, maturity: str, amount: float = 1e8,
         project_id: str | None = None) -> dict:
    return dict(facility_id=fid, client_id=cid, product="short_term", currency="CNY",
                amount=amount, outstanding=amount, start_date=start, maturity_date=maturity,
                interest_rate=0.04, status="active", project_id=project_id)


def _need(nid: str, cid: str, date: str, kind: str, amount: float) -> dict:
    return dict(need_id=nid, client_id=cid, request_date=date, need_type=kind,
                requested_amount=amount, fulfilled=True)


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return generate(300, seed=7)


# -- each cause on a hand-made book ----------------------------------------------------------
def test_facility_maturing_in_60_days_is_a_refinancing_need_in_window():
    mat = AS_OF + 60 * DAY
    tables = {"clients": _clients("C1"),
              "facilities": _t("facilities", [_fac("F1", "C1", "2024-11-29",
                                                   mat.date().isoformat())])}
    f = forecast_needs(tables, AS_OF)
    assert list(f.columns) == FORECAST_COLUMNS
    row = f.iloc[0]
    assert (row.client_id, row.need_type, row.cause) == ("C1", "refinancing", "refinancing")
    # asked 120 to 30 days before maturity: the window is open and closes in 30 days
    assert row.window_start == mat - 120 * DAY and row.window_end == mat - 30 * DAY
    assert row.window_start <= AS_OF <= row.window_end and row.days_until == 30
    # no history: ask rate (0 + 1) / (0 + 2) = 0.5; window of 91 days, 60 elapsed
    still = 1 - 0.5 * 60 / 91
    assert row.probability == pytest.approx(0.5 * 31 / 91 / still)
    assert row.p_horizon == pytest.approx(0.5 * 30 / 91 / still)
    assert row.amount == 1e8


def test_refinancing_already_requested_is_not_forecast_again():
    mat = (AS_OF + 60 * DAY).date().isoformat()
    tables = {"clients": _clients("C1"),
              "facilities": _t("facilities", [_fac("F1", "C1", "2024-11-29", mat)]),
              "needs": _t("needs", [_need("N1", "C1", "2025-09-01", "refinancing", 1e8)])}
    assert forecast_needs(tables, AS_OF).empty


def test_project_phase_starting_without_financing_is_a_capex_need():
    start = AS_OF + 45 * DAY
    proj = _t("projects", [dict(project_id="P1", client_id="C1", project_name="二期工程",
                                planned_start=start, planned_end="2028-01-01",
                                status="planned", investment=3e8),
                           dict(project_id="P2", client_id="C2", project_name="一期工程",
                                planned_start=start, planned_end="2028-01-01",
                                status="planned", investment=3e8)])
    fac = _t("facilities", [_fac("F2", "C2", "2025-09-01", "2035-09-01", project_id="P2")])
    f = forecast_needs({"clients": _clients("C1", "C2"), "projects": proj, "facilities": fac},
                       AS_OF)
    capex = f[f.cause == "project_capex"]
    assert capex.client_id.tolist() == ["C1"]             # P2 is financed already
    row = capex.iloc[0]
    assert row.need_type == "new_loan" and row.window_end == start and row.days_until == 45
    assert row.amount == pytest.approx(0.6 * 3e8)          # no history: 60 % of the investment


def test_working_capital_in_the_same_quarter_each_year_is_seasonal():
    needs = [_need(f"N{y}", "C1", f"{y}-11-10", "working_capital", 5e6 + y)
             for y in (2022, 2023, 2024)]
    needs.append(_need("N9", "C2", "2024-11-10", "working_capital", 5e6))   # once only
    f = forecast_needs({"clients": _clients("C1", "C2"), "needs": _t("needs", needs)}, AS_OF)
    assert f.client_id.tolist() == ["C1"]
    row = f.iloc[0]
    assert row.cause == "seasonal_working_capital" and row.need_type == "working_capital"
    assert row.window_start == pd.Timestamp("2025-10-01")
    assert row.window_end == pd.Timestamp("2025-12-31")
    assert row.amount == pytest.approx(5e6 + 2023, abs=1e4)  # the median, to 10 000 yuan
    assert row.probability == pytest.approx((3 + 1) / (3 + 2))  # 3 of 3 years, smoothed


def test_fast_revenue_growth_is_a_growth_need_once_the_statements_are_known():
    def fin(cid: str, year: int, revenue: float) -> dict:
        return dict(client_id=cid, fiscal_year=year, total_assets=1e9, revenue=revenue)
    financials = _t("financials", [fin("C1", 2023, 1e8), fin("C1", 2024, 1.3e8),
                                   fin("C2", 2023, 1e8), fin("C2", 2024, 1.05e8),
                                   fin("C3", 2023, 1e8), fin("C3", 2024, 6e8)])
    tables = {"clients": _clients("C1", "C2", "C3"), "financials": financials}
    f = forecast_needs(tables, AS_OF)
    assert f.client_id.tolist() == ["C1", "C3"] and set(f.cause) == {"growth"}
    assert (f.window_start == pd.Timestamp("2024-12-31") + 120 * DAY).all()
    # no history: 45 % of the revenue increase, the increase capped at 30 % of last year's
    assert f.amount.tolist() == pytest.approx([0.45 * 3e7, 0.45 * 0.3 * 1e8])
    # before the 2024 statements are published (end of April 2025) nothing is known
    assert forecast_needs(tables, "2025-03-31").empty


# -- no leakage ------------------------------------------------------------------------------
def _cut_by_hand(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> dict:
    """What was known at as_of, written independently of the library's own filter."""
    t = {k: v.copy() for k, v in tables.items()}
    t["needs"] = t["needs"][t["needs"].request_date <= as_of]
    t["facilities"] = t["facilities"][t["facilities"].start_date <= as_of]
    t["financials"] = t["financials"][t["financials"].fiscal_year <= as_of.year - 1]
    t["clients"] = t["clients"][t["clients"].onboarding_date <= as_of]
    r = t["repayments"][t["repayments"].due_date <= as_of].copy()
    r.loc[r.paid_date > as_of, ["paid_date", "amount_paid"]] = [pd.NaT, np.nan]
    t["repayments"] = r
    for name in ("projects", "milestones"):
        for col in ("actual_start", "actual_end"):
            t[name][col] = t[name][col].mask(t[name][col] > as_of)
    return t


def test_data_after_as_of_changes_nothing(sample):
    full = forecast_needs(sample, AS_OF)
    cut = forecast_needs(_cut_by_hand(sample, AS_OF), AS_OF)
    pd.testing.assert_frame_equal(full, cut)
    # and scrambling everything after as_of changes nothing either
    scrambled = {k: v.copy() for k, v in sample.items()}
    later = scrambled["needs"].request_date > AS_OF
    scrambled["needs"].loc[later, "requested_amount"] *= 10
    scrambled["needs"].loc[later, "need_type"] = "refinancing"
    fin = scrambled["financials"]
    fin.loc[fin.fiscal_year == 2025, "revenue"] *= 5
    pd.testing.assert_frame_equal(full, forecast_needs(scrambled, AS_OF))
    assert len(full) > 50 and set(full.cause) == set(NEED_CAUSES)


# -- backtest figures ------------------------------------------------------------------------
def test_classification_scores_by_hand():
    idx = pd.Index(list("abcde"))
    actual = pd.Series([True, True, False, False, True], index=idx)
    predicted = pd.Series([True, False, True, False, True], index=idx)
    a_amt = pd.Series([100.0, 50.0, np.nan, np.nan, 30.0], index=idx)
    p_amt = pd.Series([90.0, np.nan, 10.0, np.nan, 45.0], index=idx)
    s = classification_scores(actual, predicted, a_amt, p_amt)
    assert (s.tp, s.fp, s.fn) == (2, 1, 1)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.mae == pytest.approx((10 + 15) / 2)
    none = classification_scores(actual, predicted & False)
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0) and np.isnan(none.mae)


def test_backtest_on_a_hand_made_book():
    fac = [_fac("F1", "C1", "2022-03-01", "2023-03-01"), _fac("F2", "C1", "2022-12-01",
                                                              "2023-12-01"),
           _fac("F3", "C1", "2023-11-15", "2024-11-15"),
           _fac("F4", "C1", "2024-11-29", "2025-11-29")]               # matures in 60 days
    needs = [_need("N1", "C1", "2023-01-01", "refinancing", 1e8),
             _need("N2", "C1", "2023-10-02", "refinancing", 1e8),
             _need("N3", "C1", "2024-09-16", "refinancing", 1e8),
             _need("N4", "C2", "2024-10-15", "working_capital", 5e6),     # last year only
             _need("N5", "C1", "2025-10-20", "refinancing", 9e7),         # arrives: C1
             _need("N6", "C3", "2025-11-01", "new_loan", 2e8)]            # arrives: C3
    proj = _t("projects", [dict(project_id="P1", client_id="C3", project_name="项目",
                                planned_start="2025-11-15", planned_end="2027-01-01",
                                status="planned", investment=2e8)])
    tables = {"clients": _clients("C1", "C2", "C3", "C4"),
              "facilities": _t("facilities", fac), "needs": _t("needs", needs),
              "projects": proj}
    bt = backtest(tables, AS_OF, horizon_days=90)
    # C1: 3 of 3 past maturities refinanced -> ask rate 4/5; its 91-day window (120 to 30
    # days before maturity) is 60 days gone, the 30 left all inside the horizon:
    # P = 0.8*30/91 / (1 - 0.8*60/91) = 0.56 >= 0.5 -> forecast.
    # C3: capex, no history (rate 1/2), 46 of 91 days in the horizon: P = 0.33 -> not.
    per = bt.clients
    assert per.loc["C1", "p_need"] == pytest.approx((0.8 * 30 / 91) / (1 - 0.8 * 60 / 91))
    assert per["predicted"].tolist() == [True, False, False, False]
    assert per["actual"].tolist() == [True, False, True, False]
    assert per["baseline"].tolist() == [False, True, False, False]
    m, b = bt.model, bt.baseline
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)
    assert (m.precision, m.recall) == (1.0, 0.5) and m.f1 == pytest.approx(2 / 3)
    assert m.mae == pytest.approx(1e8 - 9e7)
    assert (b.tp, b.fp, b.fn, b.f1) == (0, 1, 2, 0.0) and np.isnan(b.mae)


def test_forecast_beats_the_last_year_baseline_on_the_sample(sample):
    """The issue's acceptance test: from one year before the sample's as-of date."""
    bt = backtest(sample, AS_OF, horizon_days=90)
    assert bt.model.f1 > bt.baseline.f1
    assert bt.model.tp > 0 and bt.n_clients > 250
    out = client_outlook(forecast_needs(sample, AS_OF))
    assert out["p_need"].between(0, 1).all()


# -- high potential --------------------------------------------------------------------------
STATUSES = ("default", "watch", "elevated", "normal")
EMPTY_FORECAST = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
    FORECAST_COLUMNS, ["string", "string", float, "datetime64[ns]", "datetime64[ns]", int,
                       "string", float, float, "string"], strict=True)})


def _features(growth, exposure, dscr, lev) -> pd.DataFrame:
    n = len(growth)
    return pd.DataFrame({"revenue_growth": growth, "exposure": exposure, "dscr": dscr,
                         "debt_to_assets": lev, "industry": ["energy"] * n,
                         "size_class": ["large"] * n, "in_default": [False] * n},
                        index=pd.Index([f"C{i}" for i in range(n)], name="client_id"))


client_rows = st.lists(st.tuples(
    st.floats(-0.5, 2.0), st.floats(0, 1e9), st.floats(0.2, 4.0), st.floats(0.1, 1.0),
    st.floats(0.0005, 0.3), st.sampled_from(STATUSES)), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(rows=client_rows, top_n=st.integers(1, 10))
def test_gated_clients_are_never_recommended_for_growth(rows, top_n):
    g, x, d, lev, pd_, status = map(list, zip(*rows, strict=True))
    feats = _features(g, x, d, lev)
    out = high_potential(feats, EMPTY_FORECAST, NeedsParams(top_n=top_n),
                         credit=pd.Series(pd_, index=feats.index),
                         status=pd.Series(status, index=feats.index), as_of=AS_OF)
    st_of = dict(zip(feats.index, status, strict=True))
    rec = out[out.recommended]
    assert all(st_of[c] == "normal" for c in rec.client_id)
    assert len(rec) == min(top_n, status.count("normal"))
    assert out.score.between(0, 100).all() and sorted(out["rank"]) == list(range(1, len(g) + 1))
    gated = out[out.risk_status != "normal"]
    assert gated.reasons.str.contains("不推荐增长").all()


@settings(max_examples=60, deadline=None)
@given(rows=client_rows, which=st.integers(0, 24), bump=st.floats(0.0, 1.0))
def test_score_is_monotone_in_growth(rows, which, bump):
    g, x, d, lev, pd_, _ = map(list, zip(*rows, strict=True))
    i = which % len(g)
    feats = _features(g, x, d, lev)
    more = feats.copy()
    more.iloc[i, 0] += bump
    credit = pd.Series(pd_, index=feats.index)
    a = high_potential(feats, EMPTY_FORECAST, credit=credit, as_of=AS_OF).set_index("client_id")
    b = high_potential(more, EMPTY_FORECAST, credit=credit, as_of=AS_OF).set_index("client_id")
    cid = feats.index[i]
    assert b.loc[cid, "score"] >= a.loc[cid, "score"]
    others = feats.index.drop(cid)
    pd.testing.assert_series_equal(a.loc[others, "score"], b.loc[others, "score"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reasons_are_readable_on_the_sample(sample, lang):
    feats = client_features(sample, AS_OF)
    f = forecast_needs(sample, AS_OF)
    out = high_potential(feats, f, NeedsParams(top_n=15), tables=sample, as_of=AS_OF,
                         lang=lang)
    assert out.recommended.sum() == 15 and (out.reasons.str.len() > 0).mean() > 0.9
    text = " ".join(out.reasons)
    assert not SNAKE.search(text) and not re.search(r"\bnan\b|<NA>", text, re.I)
    assert out[out.recommended].risk_status.eq("normal").all()
    top = out[out.recommended]
    assert (top.reasons.str.count("；" if lang == "zh" else "; ") <= 2).all()
    # growth in percent, grouped in thousands like every other figure (1,423%, not 1423%)
    assert not re.search(r"\d{4,}%", text)


def test_labels_cover_every_cause_and_need_type():
    for cause in NEED_CAUSES:
        assert LABELS[f"needs.cause.{cause}"][0] and LABELS[f"needs.cause.{cause}"][1]
    for kind in ("new_loan", "refinancing", "working_capital"):
        zh, en = LABELS[f"needs.module.{kind}"]
        assert zh and en and not SNAKE.search(zh + en)


def test_bad_needs_parameters_say_what_to_fix():
    with pytest.raises(ValueError, match="unknown weight.*'grwoth'"):
        NeedsParams(weights={"grwoth": 1.0})
    with pytest.raises(ValueError, match="refinancing_lead_min_days must be below"):
        NeedsParams(refinancing_lead_min_days=120, refinancing_lead_max_days=30)


def test_growth_strategy_reaches_high_potential_clients_only_through_the_gates():
    from crmkit.diagnose import diagnostic_table

    idx = pd.Index(["A", "B", "C", "D"], name="client_id")
    feats = pd.DataFrame({"in_default": [False, True, False, False],      # B in default
                          "dscr": [2.0, 2.0, 0.8, 2.0],                   # C breaches
                          "income": 1e6, "exposure": 1e8}, index=idx)
    pd_ = pd.Series([0.005, 0.005, 0.005, 0.10], index=idx)               # D: PD too high
    everyone = pd.DataFrame({"recommended": True}, index=idx)
    diag = diagnostic_table(feats, pd_=pd_, potential=everyone)
    assert diag["risk_status"].astype(str).tolist() == ["normal", "default", "watch", "elevated"]
    assert diag.loc["A", "strategy_id"] == "grow_high_potential"
    assert not diag.loc[["B", "C", "D"], "strategy_id"].eq("grow_high_potential").any()
    assert not diag.loc[["B", "C", "D"], "strategy_kind"].eq("value").any()
    nobody = diagnostic_table(feats, pd_=pd_, potential=everyone.assign(recommended=False))
    assert not nobody["strategy_id"].eq("grow_high_potential").any()
    assert not diagnostic_table(feats, pd_=pd_)["strategy_id"].eq("grow_high_potential").any()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reader_views_speak_words_not_codes(sample, lang):
    f = forecast_needs(sample, AS_OF)
    hp = high_potential(client_features(sample, AS_OF), f, tables=sample, as_of=AS_OF,
                        lang=lang)
    bt = backtest(sample, AS_OF)
    views = [forecast_view(f, lang, sample["clients"]), backtest_view(bt, lang),
             potential_view(hp, lang, sample["clients"]),
             potential_view(hp, lang, sample["clients"], which="gated")]
    for v in views:
        cells = " ".join(map(str, [*v.columns, *v.index, *v.to_numpy().ravel()]))
        assert not SNAKE.search(cells) and not re.search(r"\bnan\b|<NA>", cells), cells[:300]
    assert len(views[0]) == 20 and len(views[2]) == 20
    assert views[3][t_("needs.col.risk_status", lang)].ne(t_("needs.status.normal", lang)).all()
    f1 = views[1].loc[t_("needs.metric.f1", lang) + " (%)"]
    assert f1.iloc[0] == pytest.approx(100 * bt.model.f1, abs=0.05)
    mae = views[1].loc[t_("needs.metric.mae", lang)].iloc[0]   # 万元, grouped in thousands
    assert mae == f"{bt.model.mae / 1e4:,.0f}" and ("," in mae) == (bt.model.mae >= 1e7)
    assert backtest_view(None, lang).empty
    saved = bt.table().reset_index(names="figure")      # as the stage writes it
    pd.testing.assert_frame_equal(backtest_view(saved, lang), views[1])


def test_missing_columns_are_named_with_the_fix(sample):
    from crmkit.needs import NeedsError

    broken = {**sample, "facilities": sample["facilities"].drop(columns=["maturity_date"]),
              "needs": sample["needs"].drop(columns=["request_date"])}
    with pytest.raises(NeedsError, match=r"facilities\.maturity_date, needs\.request_date.*"
                                         r"crmkit\.collect\.load_clean"):
        forecast_needs(broken, AS_OF)
    with pytest.raises(NeedsError, match="as_of must be a date written YYYY-MM-DD"):
        forecast_needs(sample, "2025-13-01")


def test_charts_draw_what_the_tables_say(sample):
    from crmkit.core.style import cjk_font_family
    from crmkit.needs import backtest_chart, needs_by_month_chart

    bt = backtest(sample, AS_OF)
    fig = backtest_chart(bt, "zh")
    ax = fig.axes[0]
    model = [p.get_height() for p in ax.patches if p.get_gid() == "bt-model"]
    base = [p.get_height() for p in ax.patches if p.get_gid() == "bt-baseline"]
    assert model == pytest.approx([bt.model.precision, bt.model.recall, bt.model.f1])
    assert base == pytest.approx([bt.baseline.precision, bt.baseline.recall, bt.baseline.f1])
    assert [x.get_text() for x in ax.get_xticklabels()] == ["精确率", "召回率", "F1 值"]
    assert ax.title.get_fontname() == cjk_font_family()
    f = forecast_needs(sample, "2026-09-30")
    ahead = f[(f.probability > 0) & (f.days_until >= 0)]
    expected = (ahead.probability * ahead.amount).sum()
    for lang, divisor, unit in (("en", 1e6, "(CNY m)"), ("zh", 1e8, "（亿元）")):
        ax = needs_by_month_chart(f, lang).axes[0]
        bars = [p.get_height() for p in ax.patches if str(p.get_gid()).startswith("cause-")]
        assert sum(bars) == pytest.approx(expected / divisor)
        assert ax.get_ylabel().endswith(unit)
    empty = needs_by_month_chart(f.iloc[:0], "zh").axes[0]
    assert [x.get_text() for x in empty.texts] == ["没有预计的融资需求"]


def test_the_explorer_recomputes_the_backtest_and_saves_the_settings(sample, tmp_path):
    import yaml

    from crmkit.needs import NeedsStage
    from crmkit.needs_widget import NeedsExplorer
    from crmkit.params import Params, load_params

    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "t", "as_of": "2026-09-30",
                                     "sources": {"default": {"path": "."}}}), encoding="utf-8")
    params = load_params(pfile)
    assert isinstance(params, Params)
    f = forecast_needs(sample, params.as_of, params)
    hp = high_potential(client_features(sample, pd.Timestamp(params.as_of)), f, params,
                        tables=sample)
    ex = NeedsExplorer(NeedsStage(f, hp, None), sample, params)
    at_90 = ex.backtest()
    assert at_90.model == backtest(sample, AS_OF, params=params).model
    ex.sliders["horizon_days"].value = 180
    ex.sliders["decision_probability"].value = 0.3
    ex.sliders["top_n"].value = 40
    ex._recompute()
    assert (ex.needs.horizon_days, ex.needs.decision_probability, ex.needs.top_n) == (180, 0.3,
                                                                                      40)
    wider = ex.backtest()
    assert wider.horizon_days == 180 and wider.model.tp + wider.model.fn > at_90.model.tp + \
        at_90.model.fn                                    # more needs arrive in 180 days
    ex.save(pfile)
    saved = load_params(pfile).needs
    assert (saved.horizon_days, saved.decision_probability, saved.top_n) == (180, 0.3, 40)


def test_a_client_missing_from_the_status_is_gated_on_its_own_features():
    feats = _features([0.3, 0.3], [1e8, 1e8], [2.0, 2.0], [0.3, 0.3])
    feats["in_default"] = [False, True]
    status = pd.Series(["normal"], index=["C0"])            # C1 is not listed
    out = high_potential(feats, EMPTY_FORECAST, NeedsParams(top_n=5),
                         credit=pd.Series([0.01, 0.01], index=feats.index), status=status,
                         as_of=AS_OF).set_index("client_id")
    assert out.loc["C1", "risk_status"] == "default" and not out.loc["C1", "recommended"]
    assert out.loc["C0", "recommended"]


def test_the_stage_columns_give_what_whole_tables_give(sample):
    """The stage reads only ``NEEDS_COLUMNS`` (no notes, surveys or milestones): the forecast,
    the backtest and the high-potential list are those of the whole tables."""
    from crmkit.needs.stage import NEEDS_COLUMNS

    part = {name: sample[name][list(cols)] for name, cols in NEEDS_COLUMNS.items()}
    for when in (AS_OF, AS_OF + pd.DateOffset(years=1)):  # the stage forecasts at both
        pd.testing.assert_frame_equal(forecast_needs(part, when), forecast_needs(sample, when))
    a, b = backtest(part, AS_OF, horizon_days=90), backtest(sample, AS_OF, horizon_days=90)
    pd.testing.assert_frame_equal(a.table(), b.table())
    feats = client_features(sample, AS_OF)
    fc = forecast_needs(sample, AS_OF)
    pd.testing.assert_frame_equal(high_potential(feats, fc, tables=part),
                                  high_potential(feats, fc, tables=sample))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_growth_reason_groups_thousands(lang):
    from crmkit.needs.potential import POTENTIAL_COMPONENTS
    from crmkit.needs.reasons import reasons

    comp = pd.DataFrame({k: [1.0 if k == "growth" else 0.0] for k in POTENTIAL_COMPONENTS})
    out = reasons(comp, dict.fromkeys(POTENTIAL_COMPONENTS, 1.0), np.array([14.23]),
                  np.array([None], dtype=object), np.array([0.0]), np.array([0.0]),
                  pd.DataFrame(index=range(1)), np.array(["normal"], dtype=object), lang)
    assert "1,423%" in out[0], out[0]
