"""The score and warn stages read only the columns they declare (``SCORE_COLUMNS``,
``WARN_COLUMNS``), interaction notes only for complaints, and the warn stage's limit uses
without the relate tables: each gives what the whole tables give, on the collected sample."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.collect import load_clean
from crmkit.core.contract import TABLES
from crmkit.score.features import client_features, default_flag
from crmkit.score.stage import SCORE_COLUMNS
from crmkit.warn.stage import WARN_COLUMNS, warn_columns


@pytest.fixture(scope="module")
def params(sample_through):
    """The sample portfolio, collected and scored, in a folder of its own."""
    return sample_through("columns", "collect", "score")


@pytest.mark.parametrize("columns", [SCORE_COLUMNS, WARN_COLUMNS])
def test_declared_columns_are_contract_columns(columns) -> None:
    for name, cols in columns.items():
        assert set(cols) <= set(TABLES[name].names), name


def test_features_from_the_score_columns_equal_those_from_whole_tables(params) -> None:
    whole, part = load_clean(params), load_clean(params, SCORE_COLUMNS)
    assert "notes" not in part["interactions"].columns
    for when in (params.as_of, pd.Timestamp(params.as_of) - pd.DateOffset(months=24)):
        pd.testing.assert_frame_equal(client_features(part, when, snapshot_date=params.as_of),
                                      client_features(whole, when, snapshot_date=params.as_of))
    start = pd.Timestamp(params.as_of) - pd.DateOffset(months=12)
    pd.testing.assert_series_equal(default_flag(part, start, params.as_of),
                                   default_flag(whole, start, params.as_of))


def test_warn_inputs_from_the_warn_columns_equal_those_from_whole_tables(params) -> None:
    from crmkit.score import load_features
    from crmkit.warn.churn import fit_churn
    from crmkit.warn.metrics import client_metrics, facility_metrics

    whole, part = load_clean(params), load_clean(params, warn_columns(params))
    features = load_features(params)  # as the stage: the score stage's, not recomputed
    pd.testing.assert_frame_equal(client_metrics(part, params.as_of, features=features),
                                  client_metrics(whole, params.as_of, features=features))
    pd.testing.assert_frame_equal(facility_metrics(part, params.as_of),
                                  facility_metrics(whole, params.as_of))
    a = fit_churn(part, params.as_of, params.churn, features)
    b = fit_churn(whole, params.as_of, params.churn, features)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.training, b.training)


def test_warn_reads_the_financials_only_for_a_financial_churn_feature(params) -> None:
    assert warn_columns(params)["financials"] == ("client_id",)
    own = params.model_copy(update={"churn": params.churn.model_copy(
        update={"features": [*params.churn.features, "dscr"]})})
    assert warn_columns(own)["financials"] == SCORE_COLUMNS["financials"]


def test_theme_metrics_from_complaint_notes_equal_those_from_every_note(params) -> None:
    from crmkit.voice.alerts import theme_alert_metrics
    from crmkit.warn.stage import _complaints_with_notes

    whole, part = load_clean(params), load_clean(params, warn_columns(params))
    complaints = _complaints_with_notes(params, part["interactions"])
    assert (complaints["type"] == "complaint").all()
    # the sample has complaints without a category: their theme comes from the note
    assert complaints["complaint_category"].isna().any() and complaints["notes"].notna().all()
    pd.testing.assert_frame_equal(
        theme_alert_metrics({**part, "interactions": complaints}, params.as_of, params.voice),
        theme_alert_metrics(whole, params.as_of, params.voice))


def test_limit_uses_equal_the_relate_tables_figures(params) -> None:
    from crmkit.relate import LIMIT_METRICS, limit_uses, relate_tables
    from crmkit.score import load_features

    whole, part = load_clean(params), load_clean(params, warn_columns(params))
    features = load_features(params)
    ref = relate_tables(whole, features, params)["clients"].set_index("client_id")
    got = limit_uses(part, params, features)
    assert got["group_limit_use"].notna().any()
    pd.testing.assert_frame_equal(got, ref[list(LIMIT_METRICS)])


def test_relate_tables_from_its_tables_and_columns_equal_those_from_whole_tables(params) -> None:
    """The relate stage reads seven tables (statements and instalments narrowed): its groups,
    limits and need forecast are those of the whole tables."""
    from crmkit.relate import expected_needs, relate_tables
    from crmkit.relate.stage import RELATE_COLUMNS
    from crmkit.score import load_features

    whole = load_clean(params)
    part = load_clean(params, {k: v for k, v in RELATE_COLUMNS.items() if v is not None},
                      only=RELATE_COLUMNS)
    assert "interactions" not in part and list(part["financials"].columns) == [
        "client_id", "fiscal_year", "revenue"]
    features = load_features(params)
    a, b = relate_tables(part, features, params), relate_tables(whole, features, params)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    pd.testing.assert_frame_equal(expected_needs(part, params)[0],
                                  expected_needs(whole, params)[0])


@pytest.mark.parametrize("read", [["dscr", "in_default", "industry"],
                                  ["complaints_12m", "nps_latest", "needs_fulfilled_share"]])
def test_features_of_some_columns_equal_those_of_every_column(params, read) -> None:
    """``client_features(columns=)`` skips the blocks nobody reads; the columns read are the
    same as in the full computation, the others NA."""
    from crmkit.core.feature_columns import FEATURE_COLUMNS

    tables = load_clean(params, SCORE_COLUMNS)
    when = pd.Timestamp(params.as_of) - pd.DateOffset(months=12)
    full = client_features(tables, when, snapshot_date=params.as_of)
    part = client_features(tables, when, snapshot_date=params.as_of, columns=read)
    assert list(part.columns) == list(FEATURE_COLUMNS)
    pd.testing.assert_frame_equal(part[read], full[read])
    assert part["total_assets" if "dscr" not in read else "csat_latest"].isna().all()


def test_the_needs_notebooks_tables_give_the_forecast_of_whole_tables(params) -> None:
    """03a and 03b read ``needs_tables`` (never the interaction notes): the same forecast,
    backtest and client names as from whole tables."""
    from crmkit.needs import backtest, forecast_needs, needs_tables

    part, whole = needs_tables(params), load_clean(params)
    assert "interactions" not in part and "surveys" not in part
    pd.testing.assert_frame_equal(part["clients"], whole["clients"])  # every client column
    pd.testing.assert_frame_equal(forecast_needs(part, params.as_of, params),
                                  forecast_needs(whole, params.as_of, params))
    earlier = pd.Timestamp(params.as_of) - pd.DateOffset(years=1)
    assert backtest(part, earlier).table().equals(backtest(whole, earlier).table())
