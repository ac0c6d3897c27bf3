"""The synthetic sample portfolio: contract conformance, integrity, determinism, chunked
writing and the planted relationships."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from crmkit.core import CrmkitError
from crmkit.core.contract import CODES, TABLE_ORDER, TABLES, clean_dtypes
from crmkit.sample import SampleError, generate, write_portfolio

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = pd.Timestamp("2026-09-30")
WINDOW = AS_OF - pd.Timedelta(days=365)


@pytest.fixture(scope="module")
def s300() -> dict[str, pd.DataFrame]:
    return generate(300, seed=7)


@pytest.fixture(scope="module")
def s2000() -> dict[str, pd.DataFrame]:
    return generate(2000, seed=11)


# -- helpers --------------------------------------------------------------------------------
def assert_contract(tables: dict[str, pd.DataFrame]) -> None:
    """Columns, dtypes, codes, ranges, required values, unique keys and foreign keys."""
    assert list(tables) == list(TABLE_ORDER)
    for name, df in tables.items():
        t = TABLES[name]
        assert list(df.columns) == t.names, name
        assert {c: str(d) for c, d in df.dtypes.items()} == clean_dtypes(name), name
        for col in t.columns:
            s = df[col.name]
            if col.required:
                assert s.notna().all(), f"{name}.{col.name} has blanks"
            if col.codes:
                assert set(s.dropna()) <= set(CODES[col.codes]), f"{name}.{col.name}"
            if col.minimum is not None:
                assert (s.dropna() >= col.minimum).all(), f"{name}.{col.name} < min"
            if col.maximum is not None:
                assert (s.dropna() <= col.maximum).all(), f"{name}.{col.name} > max"
        assert not df.duplicated(list(t.key)).any(), f"{name}: duplicate {t.key}"
        for fk, parent in t.foreign_keys.items():
            assert df[fk].isin(tables[parent][TABLES[parent].key[0]]).all(), f"{name}.{fk}"
    fac, proj = tables["facilities"], tables["projects"]
    linked = fac.dropna(subset=["project_id"]).merge(proj[["project_id", "client_id"]],
                                                     on="project_id", suffixes=("", "_p"))
    assert len(linked) == fac.project_id.notna().sum()
    assert (linked.client_id == linked.client_id_p).all()   # a client finances its own project


def luhn31(code: str) -> bool:
    """GB 32100 check of an 18-character unified social credit code (written independently)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return alphabet[(31 - total % 31) % 31] == code[17]


def outcomes(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per client: the PD target, financial ratios, early behaviour, churn and service."""
    c = t["clients"].set_index("client_id")
    r = t["repayments"].merge(t["facilities"][["facility_id", "client_id"]], on="facility_id")
    dpd = (r.paid_date.fillna(AS_OF) - r.due_date).dt.days
    hit = r.due_date + pd.Timedelta(days=90)
    ever = (dpd >= 90) & (hit <= AS_OF)
    first = hit.where(ever).groupby(r.client_id).min()      # first 90+ days past due
    bad = set(first.index[first >= WINDOW])                   # a new default in the last year
    old_bad = set(first.index[first < WINDOW])
    f = t["financials"]
    fl = f[f.fiscal_year == f.fiscal_year.max()].set_index("client_id").reindex(c.index)
    out = pd.DataFrame(index=c.index)
    out["default"] = c.index.isin(bad).astype(int)
    out["ever_default"] = c.index.isin(bad | old_bad).astype(int)  # the last four years
    out["lev"] = fl.total_liabilities / fl.total_assets
    out["dscr"] = np.log(fl.ebitda.clip(lower=1) / fl.debt_service)
    out["ocf"] = fl.operating_cash_flow / fl.debt_service
    out["cur"] = np.log(fl.current_assets / fl.current_liabilities)
    early = r[r.due_date < WINDOW]
    days = (early.paid_date.fillna(WINDOW) - early.due_date).dt.days.clip(lower=0)
    g = pd.DataFrame({"c": early.client_id, "late": (days > 0) * 1.0, "d": days}).groupby("c")
    out["late_share"] = g.late.mean().reindex(c.index).fillna(0)
    out["max_late"] = np.log1p(g.d.max().reindex(c.index).fillna(0))
    fac = t["facilities"]
    closed = fac.status.eq("closed").groupby(fac.client_id).all()
    out["churned"] = closed.reindex(c.index).astype(bool) & ~out["ever_default"].astype(bool)
    cp = t["interactions"][t["interactions"].type == "complaint"]
    agg = cp.groupby("client_id").agg(h=("response_hours", "mean"),
                                      unres=("resolved", lambda s: int((~s.astype(bool)).sum())))
    out["slow"] = ((agg.h > 24) | (agg.unres > 0)).reindex(c.index, fill_value=False)
    sv = t["surveys"].groupby("client_id")[["csat", "nps"]].mean()
    out = out.join(sv)
    out["size_class"] = c.size_class
    return out


# -- contract, integrity, realism -----------------------------------------------------------
def test_every_table_conforms_to_the_contract(s300):
    assert_contract(s300)
    assert len(s300["clients"]) == 300
    assert all(len(df) > 0 for df in s300.values())


def test_ids_and_names(s300):
    c = s300["clients"]
    assert c.client_id.iloc[0] == "C0000001" and c.client_id.iloc[-1] == "C0000300"
    assert s300["facilities"].facility_id.iloc[0] == "F00000001"
    assert c.client_name.is_unique
    assert c.client_name.str.endswith("公司").all()
    assert c.legal_rep.str.len().between(2, 3).all()
    codes = c.credit_code.dropna()
    assert codes.str.len().eq(18).all() and codes.is_unique
    assert all(luhn31(x) for x in codes)
    assert luhn31("91350100M000100Y43")                      # a published valid example
    assert not luhn31("91350100M000100Y44")
    overseas = c.region.eq("overseas").to_numpy(dtype=bool)
    assert (c.credit_code.isna().to_numpy() == overseas).all()   # no Chinese code abroad
    assert c.relationship_manager.nunique() == 12
    assert c.group_name.notna().mean() == pytest.approx(0.3, abs=0.08)
    assert c.industry.nunique() >= 12 and c.region.nunique() >= 7
    # group members share their relationship manager
    grouped = c.dropna(subset=["group_name"]).groupby("group_name").relationship_manager
    assert grouped.nunique().eq(1).all()


def test_volumes_per_client(s300):
    t = s300
    assert t["financials"].groupby("client_id").size().eq(5).all()
    assert sorted(t["financials"].fiscal_year.unique()) == [2021, 2022, 2023, 2024, 2025]
    assert t["facilities"].groupby("client_id").size().between(1, 4).all()
    assert t["facilities"].client_id.nunique() == 300
    assert t["milestones"].groupby("project_id").size().between(4, 6).all()
    assert t["projects"].client_id.nunique() / 300 == pytest.approx(0.4, abs=0.1)
    assert t["surveys"].groupby("client_id").size().between(1, 3).all()
    assert set(t["interactions"].type) == set(CODES["interaction_type"])
    fac = t["facilities"]
    assert fac.amount.between(1e7, 8e9).all()
    assert fac.interest_rate.between(0.025, 0.07).all()
    assert (fac.outstanding <= fac.amount).all()
    assert (fac.start_date < fac.maturity_date).all()
    years = (fac.maturity_date - fac.start_date).dt.days / 365.25
    assert years.between(0.99, 15.01).all()
    assert fac.start_date.dt.year.between(2018, 2026).all()
    assert fac.status.value_counts().idxmax() == "active"
    assert fac[fac.status == "closed"].outstanding.eq(0).all()


def test_financials_are_internally_consistent(s300):
    f = s300["financials"]
    assert (f.total_liabilities < f.total_assets).all()
    assert (f.current_assets <= f.total_assets).all()
    assert (f.current_liabilities <= f.total_liabilities).all()
    assert (f.ebitda > f.net_income).all()
    assert (f.interest_expense < f.debt_service).all()
    # debt service covers at least what the client owes this bank in the fiscal year
    r = s300["repayments"].merge(s300["facilities"][["facility_id", "client_id"]])
    bank = r.groupby(["client_id", r.due_date.dt.year.rename("fiscal_year")]).amount_due.sum()
    m = f.set_index(["client_id", "fiscal_year"]).join(bank.rename("bank"), how="inner")
    assert len(m) > 300 and (m.debt_service >= m.bank - 0.5).all()


def test_nothing_is_dated_after_as_of_except_schedules_and_plans(s300):
    t = s300
    done = {"clients": ["onboarding_date"], "facilities": ["start_date"],
            "repayments": ["paid_date"], "projects": ["actual_start", "actual_end"],
            "milestones": ["actual_start", "actual_end"],
            "interactions": ["date", "resolved_date"], "surveys": ["survey_date"],
            "needs": ["request_date"]}
    for name, cols in done.items():
        for col in cols:
            assert (t[name][col].dropna() <= AS_OF).all(), f"{name}.{col}"
    r = t["repayments"]
    future = r[r.due_date > AS_OF]
    assert len(future) > 0
    assert future.paid_date.isna().all() and future.amount_paid.isna().all()
    assert (future.due_date <= AS_OF + pd.DateOffset(months=13)).all()
    paid = r.dropna(subset=["paid_date"])
    assert (paid.paid_date >= paid.due_date - pd.Timedelta(days=5)).all()
    assert (paid.amount_paid <= paid.amount_due).all()
    i = t["interactions"].dropna(subset=["resolved_date"])
    assert (i.resolved_date >= i.date).all()
    f = t["facilities"].merge(t["clients"][["client_id", "onboarding_date"]])
    assert (f.start_date > f.onboarding_date).all()


def test_quarterly_schedule_ends_at_maturity(s300):
    r = s300["repayments"].merge(s300["facilities"][["facility_id", "maturity_date"]])
    gaps = r.groupby("facility_id").due_date.diff().dt.days.dropna()
    assert gaps.between(89, 92).all()                        # quarterly
    last = r.groupby("facility_id").agg(due=("due_date", "max"), mat=("maturity_date", "first"))
    fac = s300["facilities"].set_index("facility_id")
    # a defaulted facility worked out (closed) before maturity has no instalments after that
    worked_out = fac.index[(fac.status == "closed") & (fac.maturity_date > AS_OF)]
    within = last[(last.mat <= AS_OF + pd.DateOffset(months=12))
                  & ~last.index.isin(worked_out)]
    assert (within.due == within.mat).all()


def test_churned_clients_left_and_stopped_new_business(s300):
    t = s300
    o = outcomes(t)
    churned = o.index[o.churned]
    assert 0.05 <= len(churned) / 300 <= 0.15
    fac = t["facilities"][t["facilities"].client_id.isin(churned)]
    assert (fac.start_date < WINDOW).all()
    assert not t["needs"][t["needs"].client_id.isin(churned)].request_date.gt(WINDOW).any()
    stages = t["clients"].set_index("client_id").lifecycle_stage
    assert stages[churned].eq("exit").mean() > 0.4
    assert stages.drop(churned).eq("exit").mean() < 0.05


# -- determinism and chunking ---------------------------------------------------------------
def test_same_seed_same_tables_and_other_seed_differs(s300):
    again = generate(300, seed=7)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(s300[name], again[name])
    other = generate(300, seed=8)
    assert not other["clients"].client_name.equals(s300["clients"].client_name)
    assert len(other["repayments"]) != len(s300["repayments"])


def test_chunked_generation_keeps_ids_unique_and_links_intact():
    t = generate(250, seed=3, chunk_size=100)
    assert_contract(t)
    assert t["clients"].client_id.tolist() == [f"C{i:07d}" for i in range(1, 251)]
    for name, col, prefix in [("facilities", "facility_id", "F"),
                              ("interactions", "interaction_id", "I"),
                              ("milestones", "milestone_id", "M")]:
        nums = t[name][col].str[1:].astype(int)
        assert nums.tolist() == list(range(1, len(t[name]) + 1)), prefix
    # the first chunk (and everything attached to it) equals a 100-client portfolio
    head = generate(100, seed=3)
    for name in TABLE_ORDER:
        n = len(head[name])
        pd.testing.assert_frame_equal(t[name].iloc[:n], head[name], obj=name)


def test_write_portfolio_parquet_equals_generate(tmp_path):
    files = write_portfolio(tmp_path, 250, seed=3, fmt="parquet", chunk_size=100)
    expected = generate(250, seed=3, chunk_size=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.parquet" for n in TABLE_ORDER)
    for name in TABLE_ORDER:
        got = pd.read_parquet(files[name])
        pd.testing.assert_frame_equal(got, expected[name], check_dtype=False)
        assert {c: str(d) for c, d in got.dtypes.items()} == clean_dtypes(name) or name


def test_write_portfolio_csv_format(tmp_path):
    files = write_portfolio(tmp_path, 120, seed=5, as_of="2026-09-30", chunk_size=50)
    expected = generate(120, seed=5, chunk_size=50)
    for name in TABLE_ORDER:
        raw = files[name].read_text(encoding="utf-8")
        assert raw.splitlines()[0] == ",".join(TABLES[name].names)
        df = pd.read_csv(files[name], dtype=str, keep_default_na=False)
        assert len(df) == len(expected[name])
        for col in TABLES[name].columns:
            vals = df[col.name][df[col.name] != ""]
            if col.kind == "date":
                assert vals.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), col.name
            if col.kind == "bool":
                assert set(vals) <= {"true", "false"}, col.name
            if col.kind in ("money", "float", "rate"):
                assert not vals.str.contains("e", case=False).any(), col.name
        blanks = df.eq("").sum().to_dict()
        nulls = expected[name].isna().sum().to_dict()
        assert blanks == nulls, name                          # missing is written empty
    i = pd.read_csv(files["interactions"], dtype=str, keep_default_na=False)
    assert i.resolved.ne("").any()
    r = pd.read_csv(files["repayments"])
    np.testing.assert_allclose(r.amount_due, expected["repayments"].amount_due)


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    files = write_portfolio(tmp_path, 300, seed=7, as_of=dt.date(2026, 9, 30), fmt="csv",
                            with_errors=True)
    total = 0
    for name, path in files.items():
        committed = SAMPLE_DIR / f"{name}.csv"
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run crmkit sample --clients 300 --seed 7 --with-errors "
            "--out data/sample")
        total += committed.stat().st_size
    assert total < 1.5e6                                      # the folder stays well under 2 MB


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(SampleError, match="n_clients must be a whole number >= 0; got -1"):
        generate(-1)
    with pytest.raises(SampleError, match=r"as_of must be a date written YYYY-MM-DD"):
        generate(10, as_of="2026-13-01")
    with pytest.raises(SampleError, match=r"seed .* got 'x'.*chunk_size .* got 0"):
        generate(10, seed="x", chunk_size=0)
    with pytest.raises(CrmkitError, match=r"fmt must be one of \['csv', 'parquet'\]; got 'xlsx'"):
        write_portfolio(tmp_path, 10, fmt="xlsx")
    assert not any(tmp_path.iterdir())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(0, 40), seed=st.integers(0, 2**16),
       as_of=st.dates(dt.date(2021, 1, 1), dt.date(2031, 12, 31)))
def test_any_small_portfolio_conforms(n, seed, as_of):
    t = generate(n, seed=seed, as_of=as_of, chunk_size=17)
    assert_contract(t)
    assert len(t["clients"]) == n
    ts = pd.Timestamp(as_of)
    assert (t["interactions"].date <= ts).all() and (t["surveys"].survey_date <= ts).all()
    assert (t["repayments"].paid_date.dropna() <= ts).all()


# -- planted relationships ------------------------------------------------------------------
def test_default_rate_gives_a_pd_model_enough_positives(s300, s2000):
    o, big = outcomes(s300), outcomes(s2000)
    # planted: 8.5 % of clients default over the four years before as_of (yearly cohorts),
    # so about 2 % a year; pooled cohorts give the PD model enough positives
    assert 0.07 <= o["ever_default"].mean() <= 0.10
    assert 0.07 <= big["ever_default"].mean() <= 0.10
    assert 0.01 <= big["default"].mean() <= 0.04


def test_leverage_and_thin_dscr_raise_defaults(s2000):
    o = outcomes(s2000)
    q = pd.qcut(o.lev, 5, labels=False)
    by_q = o.groupby(q)["default"].mean()
    assert by_q[4] > 2 * by_q[0]
    thin = np.exp(o.dscr) < 1.2
    assert o.loc[thin, "default"].mean() > 2 * o.loc[~thin, "default"].mean()


def test_ratios_and_early_behaviour_predict_default_out_of_fold(s2000):
    o = outcomes(s2000)
    cols = ["lev", "dscr", "ocf", "cur", "late_share", "max_late"]
    x = (o[cols] - o[cols].mean()) / o[cols].std()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    p = cross_val_predict(LogisticRegression(max_iter=1000), x, o["default"], cv=cv,
                          method="predict_proba")[:, 1]
    assert roc_auc_score(o["default"], p) >= 0.75


def test_slow_complaint_handling_lowers_satisfaction_and_raises_churn(s2000):
    o = outcomes(s2000)
    slow, rest = o[o.slow], o[~o.slow]
    assert len(slow) > 100
    assert slow.nps.mean() < rest.nps.mean() - 1.0
    assert slow.csat.mean() < rest.csat.mean() - 0.4
    assert slow.churned.mean() > 1.5 * rest.churned.mean()


def test_slipped_milestones_precede_more_late_payments(s2000):
    t = s2000
    ms = t["milestones"].merge(t["projects"][["project_id", "client_id"]])
    late_days = (ms.actual_end.fillna(AS_OF) - ms.planned_end).dt.days
    seen = (ms.planned_end + pd.Timedelta(days=91))[late_days > 90].groupby(
        ms.client_id[late_days > 90]).min()
    r = t["repayments"].merge(t["facilities"][["facility_id", "client_id"]])
    r = r[r.due_date <= AS_OF].assign(seen=lambda d: d.client_id.map(seen))
    r["late"] = (r.paid_date.fillna(AS_OF) - r.due_date).dt.days > 0
    s = r.dropna(subset=["seen"])
    before, after = s[s.due_date < s.seen].late.mean(), s[s.due_date >= s.seen].late.mean()
    assert after > 2 * before


def test_larger_clients_bring_more_income(s2000):
    fac = s2000["facilities"].merge(s2000["clients"][["client_id", "size_class"]])
    income = (fac.outstanding * fac.interest_rate + fac.fees).groupby(fac.client_id).sum()
    size = s2000["clients"].set_index("client_id").size_class
    by_size = income.groupby(size).mean()
    assert by_size["large"] > by_size["medium"] > by_size["small"] > by_size["micro"]
