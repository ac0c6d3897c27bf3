"""Tests of crmkit.tier.charts: the figures hold the expected cells, rectangles and labels
(checked on the artists, not just that a file is written)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crmkit.core.errors import TieringError
from crmkit.params.gates import RiskGates
from crmkit.params.tiering import ProfileParams, TieringParams
from crmkit.tier import (
    client_profiles,
    matrix_heatmap,
    pareto,
    pareto_chart,
    profile_heatmap,
    score_distribution,
    segment_labels,
    tier_table,
    tree_map,
)
from crmkit.tier.charts import money

CJK = re.compile(r"[\u4e00-\u9fff]")


def frame(n: int = 60, seed: int = 5) -> pd.DataFrame:
    """A small tier table: every risk x capacity cell filled, some unknowns."""
    rng = np.random.default_rng(seed)
    idx = pd.Index([f"C{i:03d}" for i in range(n)], name="client_id")
    feats = pd.DataFrame({
        "client_name": pd.array([f"客户{i}有限公司" for i in range(n)], dtype="string"),
        "industry": pd.array(rng.choice(["energy", "manufacturing", "real_estate"], n),
                             dtype="string"),
        "exposure": rng.lognormal(18, 1, n),
        "income": rng.lognormal(15, 1, n),
        "dscr": np.tile([2.0, 1.3, 0.8], n // 3 + 1)[:n],
        "interest_cover": np.nan,
    }, index=idx)
    pdv = pd.Series(np.repeat([0.01, 0.05, 0.2], n // 3 + 1)[:n], index=idx)
    pdv.iloc[:2] = np.nan  # two clients with unknown risk
    score = pd.Series(np.linspace(10, 99, n), index=idx)
    # a covenant below every DSCR here: these chart tests are about layout, not the gates
    return tier_table(score, pdv, feats, gates=RiskGates(covenant_dscr_below=0.5))


def texts(fig: Figure) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [s for s in out if s]


def test_money_format():
    assert money(1.234e9, "zh") == "12.3 亿元"
    assert money(56_000, "zh") == "5.6 万元"
    assert money(1.234e9, "en") == "CNY 1.2 bn"
    assert money(float("nan"), "en") == "-"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_matrix_heatmap_cells(lang):
    f = frame()
    fig = matrix_heatmap(f, lang=lang)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.texts if t.get_gid() == "cell-name"]
    assert sorted(names) == sorted(v for k, v in segment_labels(lang=lang).items()
                                   if k != "unknown")
    bodies = [t.get_text() for t in ax.texts if t.get_gid() == "cell-body"]
    assert len(bodies) == 9
    # counts in the cells add up to the classified clients (60 - 2 unknown risk)
    unit = "户" if lang == "zh" else "clients"
    assert sum(int(re.match(rf"(\d+) {unit}", b).group(1)) for b in bodies) == 58
    notes = [t.get_text() for t in fig.texts if t.get_gid() == "note"]
    assert len(notes) == 1 and "2" in notes[0]
    title = ax.get_title()
    assert bool(CJK.search(title)) == (lang == "zh")
    assert ax.images[0].get_array().shape == (3, 3)


def test_matrix_heatmap_uses_renamed_segments():
    p = TieringParams.model_validate({"segments": {"high_weak": {"name_zh": "压降名单"}}})
    fig = matrix_heatmap(frame(), p, lang="zh")
    assert "压降名单" in [t.get_text() for t in fig.axes[0].texts]


def gids(fig: Figure, gid: str) -> int:
    return sum(1 for p in fig.axes[0].patches if p.get_gid() == gid)


def test_tree_map_rectangles_and_labels():
    f = frame()
    f.loc[f.index[:3], "exposure"] = [0.0, np.nan, -5.0]  # no area -> excluded, noted
    fig = tree_map(f, lang="zh")
    assert gids(fig, "client") == 57 and gids(fig, "other") == 0
    assert gids(fig, "tier") == f["tier"].nunique()
    n_ind = f.iloc[3:].groupby(["tier", "industry"], observed=True).ngroups
    assert gids(fig, "industry") == n_ind
    tier_labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "tier-label"]
    assert tier_labels and all(CJK.search(s) for s in tier_labels)
    assert any("3 户" in s for s in texts(fig))  # the exclusion note
    assert CJK.search(fig.axes[0].get_title())
    # labelled client rectangles are the large ones only
    n_client_labels = sum(1 for t in fig.axes[0].texts if t.get_gid() == "client-label")
    assert 0 < n_client_labels < 57


def test_tree_map_groups_small_clients_and_risk_colours():
    f = frame()
    fig = tree_map(f, lang="en", color="risk", max_clients=10)
    assert gids(fig, "client") == 10
    rest = f.drop(f["exposure"].nlargest(10).index)
    assert gids(fig, "other") == rest.groupby(["tier", "industry"], observed=True).ngroups
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Low risk", "Medium risk", "High risk", "Risk unknown",
                      "Smaller clients, combined"]
    assert not any(CJK.search(s) for s in texts(fig) if not s.startswith("客户"))  # names


def test_tree_map_missing_column():
    with pytest.raises(TieringError, match=r"tree_map: column\(s\) \['pd'\]"):
        tree_map(frame().drop(columns="pd"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pareto_chart(lang):
    r = pareto(pd.Series([50.0, 30, 10, 5, 5]))
    fig = pareto_chart(r, lang=lang)
    ax = fig.axes[0]
    cut = next(t.get_text() for t in ax.texts if t.get_gid() == "cut-label")
    top = next(t.get_text() for t in ax.texts if t.get_gid() == "top-label")
    if lang == "zh":
        assert cut == "前 40% 客户贡献 80%" and top == "前 20% 客户贡献 50%"
        assert CJK.search(ax.get_title())
    else:
        assert cut == "Top 40% of clients give 80%" and top == "Top 20% of clients give 50%"
    marker = next(line for line in ax.lines if line.get_gid() == "cut-marker")
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == pytest.approx((0.4, 0.8))
    assert any(np.allclose(line.get_ydata(), 0.8) for line in ax.lines)  # the 80 % line


def test_pareto_chart_without_positive_values():
    fig = pareto_chart(pareto(pd.Series([0.0, -1.0])), lang="zh")
    assert "没有正的贡献值" in texts(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_score_distribution(lang):
    f = frame()
    fig = score_distribution(f, lang=lang)
    hist, box = fig.axes[:2]
    assert len(hist.patches) == 3 * 40  # 3 stacked tiers x 40 bins
    heights = sum(p.get_height() for p in hist.patches)
    assert heights == f["score"].notna().sum()
    assert [t.get_text() for t in box.get_xticklabels()] == (
        ["A 核心", "B 重点", "C 一般"] if lang == "zh" else ["A core", "B key", "C ordinary"])
    assert bool(CJK.search(fig._suptitle.get_text())) == (lang == "zh")
    cut_lines = [line.get_xdata()[0] for line in hist.lines]
    assert sorted(cut_lines) == [55, 75]


def test_score_distribution_quantile_cutoffs():
    p = TieringParams.model_validate({"abc": {"method": "quantiles"}})
    f = frame()
    from crmkit.tier import abc_tiers

    f["tier"] = abc_tiers(f["score"], p)
    fig = score_distribution(f, p, lang="en")
    cuts = sorted(line.get_xdata()[0] for line in fig.axes[0].lines)
    assert cuts == pytest.approx([f.loc[f["tier"] == "B", "score"].min(),
                                  f.loc[f["tier"] == "A", "score"].min()])


def test_profile_heatmap():
    rng = np.random.default_rng(0)
    feats = pd.DataFrame({"debt_to_assets": np.r_[rng.normal(0.9, 0.02, 20),
                                                  rng.normal(0.3, 0.02, 20)],
                          "csat_latest": np.r_[rng.normal(1.5, 0.1, 20), rng.normal(4.5, 0.1, 20)]})
    p = TieringParams(profiles=ProfileParams(features=["debt_to_assets", "csat_latest"],
                                             log_features=[], k=2, seed=1))
    r = client_profiles(feats, p)
    fig = profile_heatmap(r, lang="zh")
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(rows) == ["低杠杆·高满意度 (n=20)", "高杠杆·低满意度 (n=20)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["资产负债率", "最新满意度"]
    assert len(ax.texts) == 4 and CJK.search(ax.get_title())


def test_tree_map_labels_a_thin_tier_and_marks_pd_bands():
    f = frame()
    f.loc[f["tier"] == "C", "exposure"] = 1.0  # C is a sliver: its title is overlaid
    fig = tree_map(f, lang="zh")
    tier_labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "tier-label"]
    assert len(tier_labels) == 3 and any(s.startswith("C 一般") for s in tier_labels)
    cbar = fig.axes[1]
    assert sorted(line.get_ydata()[0] for line in cbar.lines) == [0.02, 0.08]  # PD bands
    assert cbar.get_ylim()[1] == pytest.approx(0.16)  # 2 x pd_medium_below
