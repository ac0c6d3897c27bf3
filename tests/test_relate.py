"""The relate stage: groups and guarantees on a hand-made book, HHI and limits computed by hand,
the large-exposure rules, bad relationship rows, and the relationship tree map's CJK labels."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager, rcParams

from crmkit.collect.readers import read_table
from crmkit.collect.tables import collect_table
from crmkit.core.contract import TABLES
from crmkit.params import SourceSpec
from crmkit.params.limits import LimitsParams
from crmkit.params.relate import RelateParams
from crmkit.params.warning import WarningParams
from crmkit.relate import (
    RelateError,
    backstop_stage,
    check_relationships,
    client_exposure,
    client_groups,
    concentration_summary,
    group_table,
    guarantee_amounts,
    hhi,
    limit_metrics,
    limit_table,
    need_modules,
    other_members,
    relationship_tree_map,
    shares,
)
from crmkit.warn.rules import evaluate_rules

IDS = ["A", "B", "C", "D", "E"]


@pytest.fixture()
def book() -> dict[str, pd.DataFrame]:
    """A and B share a group name; D is controlled by B (60 %), so it joins their group;
    E is held by A at 30 % only (not control) and stays alone; C is alone.

    Direct exposure A 100, B 50, C 30, D 20, E 10. Guarantees: A for B (amount 40, inside the
    group), B for C (amount blank: C's guarantee-backed outstanding, 25 of its 30).
    """
    clients = pd.DataFrame({
        "client_id": IDS, "client_name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"],
        "group_name": ["星海集团", "星海集团", None, None, None],
        "industry": ["energy", "energy", "transport", "mining", "retail"],
        "region": ["east", "east", "north", "east", "south"]})
    rel = pd.DataFrame({
        "parent_id": ["B", "A", "A", "B"], "child_id": ["D", "E", "B", "C"],
        "type": ["持股", "shareholding", "担保", "guarantee"],
        "share": ["60%", 0.3, None, None], "amount": [None, None, 40.0, None]})
    facilities = pd.DataFrame({
        "facility_id": ["F1", "F2", "F3", "F4", "F5", "F6"],
        "client_id": ["A", "B", "C", "C", "D", "E"],
        "status": ["active", "active", "active", "active", "restructured", "active"],
        "collateral_type": ["mortgage", "guarantee", "guarantee", "mortgage", "pledge",
                            "unsecured"],
        "amount": [100.0, 50.0, 25.0, 5.0, 20.0, 10.0],
        "outstanding": [100.0, 50.0, 25.0, 5.0, 20.0, 10.0]})
    features = pd.DataFrame({"exposure": [100.0, 50.0, 30.0, 20.0, 10.0],
                             "dpd_current": [0.0, 0.0, 0.0, 45.0, 0.0],
                             "in_default": [False, False, False, False, False]},
                            index=pd.Index(IDS, name="client_id"))
    return {"clients": clients, "relationships": rel, "facilities": facilities,
            "features": features}


def _relate(book):
    rel = check_relationships(book["relationships"], book["clients"]["client_id"])
    groups = client_groups(book["clients"], rel, control_share=0.5)
    guar = guarantee_amounts(rel, book["facilities"])
    exp = client_exposure(book["features"]["exposure"], guar)
    return rel, groups, guar, exp


def test_groups_by_name_and_by_control(book) -> None:
    rel, groups, _, _ = _relate(book)
    assert list(rel["type"]) == ["shareholding", "shareholding", "guarantee", "guarantee"]
    assert rel["share"].iloc[0] == pytest.approx(0.6)
    g = groups["group_id"]
    assert g["A"] == g["B"] == g["D"] == "星海集团"          # D joins through B's 60 %
    assert g["E"] == "E" and g["C"] == "C"                   # 30 % is not control
    assert not groups.loc["E", "in_group"] and groups.loc["D", "in_group"]
    assert sorted(other_members(groups, book["clients"], "A")) == ["丁公司", "乙公司"]
    assert other_members(groups, book["clients"], "C") == []


def test_group_exposure_counts_a_guarantee_between_members_once(book) -> None:
    _, groups, guar, exp = _relate(book)
    # B's guarantee for C has no amount: C's outstanding secured by a guarantee (25, not 30)
    assert guar.set_index("child_id")["amount"].to_dict() == {"B": 40.0, "C": 25.0}
    assert exp.loc["A", "exposure"] == 100 + 40 and exp.loc["B", "exposure"] == 50 + 25
    grades = pd.Series(["BBB", "B", "A", "AA", "CCC"], index=IDS)
    stage = backstop_stage(book["features"], book["facilities"])
    assert stage.to_dict() == {"A": 1, "B": 1, "C": 1, "D": 2, "E": 1}
    table = group_table(book["clients"], groups, exp, guar, grades, stage).set_index("group_id")
    star = table.loc["星海集团"]
    # members' direct exposure 100 + 50 + 20, plus B's guarantee to outsider C (25); A's
    # guarantee for member B (40) is B's loan already and is not added
    assert star["direct_exposure"] == 170 and star["guarantees_inside"] == 40
    assert star["guarantees_outside"] == 25 and star["exposure"] == 195
    assert star["members"] == 3 and star["worst_grade"] == "B" and star["worst_stage"] == 2
    # the book adds up: every client's direct exposure is in exactly one group
    assert table["direct_exposure"].sum() == book["features"]["exposure"].sum()
    assert table.loc["C", "exposure"] == 30 and table.loc["E", "worst_grade"] == "CCC"


def test_hhi_and_shares_by_hand() -> None:
    s = shares(pd.Series([50.0, 30.0, 20.0], index=["x", "y", "z"]))
    assert s["share"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert hhi(s["share"]) == pytest.approx(0.5**2 + 0.3**2 + 0.2**2)  # 0.38
    by = shares(pd.Series([10.0, 40.0, 25.0, 25.0]), pd.Series(["e", "e", "t", "m"]))
    assert by.loc["e", "share"] == pytest.approx(0.5)
    summary = concentration_summary({"industry": by}, top=2).iloc[0]
    assert summary["hhi"] == pytest.approx(0.25 + 0.0625 + 0.0625)
    assert summary["effective_number"] == pytest.approx(1 / 0.375)
    assert summary["top_share"] == pytest.approx(0.75) and summary["units"] == 3
    # n equal units: HHI 1/n
    assert hhi(shares(pd.Series(np.ones(8)))["share"]) == pytest.approx(1 / 8)


def _limits_case(book, capital: float = 1000.0):
    _, groups, guar, exp = _relate(book)
    table = group_table(book["clients"], groups, exp, guar)
    limits = LimitsParams(tier1_capital=capital)            # client 100, group 150
    per_client = exp.join(book["clients"].set_index("client_id")["client_name"])
    return groups, table, exp, limits, limit_table(per_client, table, limits)


def test_limit_breaches_and_headroom_by_hand(book) -> None:
    _, _, _, limits, lt = _limits_case(book)
    assert limits.amount("single_client") == 100 and limits.amount("group") == 150
    rows = lt.set_index(["level", "id"])
    a, b = rows.loc[("client", "A")], rows.loc[("client", "B")]
    assert a["breach"] and a["headroom"] == -40 and a["utilisation"] == pytest.approx(1.4)
    assert not b["breach"] and b["headroom"] == 25
    g = rows.loc[("group", "星海集团")]
    assert g["breach"] and g["headroom"] == -45 and g["utilisation"] == pytest.approx(1.3)
    # only groups of two or more are tested against the group limit
    assert set(lt.loc[lt["level"] == "group", "id"]) == {"星海集团"}
    assert lt["breach"].sum() == 2 and lt.iloc[0]["id"] == "A"      # highest use first
    # exactly at the limit is allowed ("不得超过")
    _, _, _, _, at = _limits_case(book, capital=1400.0)
    assert at.set_index(["level", "id"]).loc[("client", "A"), "utilisation"] == 1.0
    assert not at["breach"].any()


def test_without_capital_nothing_is_assessed(book) -> None:
    _, _, _, _, lt = _limits_case(book, capital=1000.0)
    _, groups, guar, exp = _relate(book)
    none = limit_table(exp.join(book["clients"].set_index("client_id")["client_name"]),
                       group_table(book["clients"], groups, exp, guar), LimitsParams())
    assert none["utilisation"].isna().all() and not none["breach"].any()
    assert len(none) == len(lt)


def test_limit_rules_fire_on_a_breach_and_not_with_headroom(book) -> None:
    groups, table, exp, limits, _ = _limits_case(book)
    metrics = limit_metrics(exp["exposure"], groups, table.set_index("group_id")["exposure"],
                            limits)
    metrics["client_name"] = ["甲", "乙", "丙", "丁", "戊"]
    metrics["relationship_manager"] = "RM"
    ev = evaluate_rules(metrics, None, WarningParams())
    assert ev.fired["large_exposure_client"].tolist() == [True, False, False, False, False]
    # every member of the breaching group (A, B, D), no stand-alone client (C, E: NaN)
    assert ev.fired["large_exposure_group"].tolist() == [True, True, False, True, False]
    assert metrics.loc["C", "group_limit_use"] != metrics.loc["C", "group_limit_use"]  # NaN
    # with capital 1400 A is exactly at its limit and the group has headroom: nothing fires
    groups, table, exp, limits, _ = _limits_case(book, capital=1400.0)
    metrics = limit_metrics(exp["exposure"], groups, table.set_index("group_id")["exposure"],
                            limits).assign(client_name="x", relationship_manager="RM")
    ev = evaluate_rules(metrics, None, WarningParams())
    assert not ev.fired["large_exposure_client"].any()
    assert not ev.fired["large_exposure_group"].any()


def test_bad_relationship_rows_name_file_row_column_and_fix(book) -> None:
    bad = pd.DataFrame({"parent_id": ["A", "A", "X9", "B"], "child_id": ["B", "C", "A", "B"],
                        "type": ["parent", "shareholding", "guarantee", "supply_chain"],
                        "share": [None, 1.5, None, None]})
    with pytest.raises(RelateError) as err:
        check_relationships(bad, pd.Index(IDS), source="关联关系.csv")
    msg = str(err.value)
    assert msg.startswith("4 problem(s) in 关联关系.csv")
    assert ("关联关系.csv row 2, column '关系类型 / Relationship type': 'parent' is not a "
            "relationship type; use one of shareholding (持股)") in msg
    assert "row 3, column '持股比例 / Share held': 1.5 is not a share between 0 and 1" in msg
    assert ("row 4, column '上级客户编号 / Parent client ID': 'X9' is not a client id of the "
            "clients table; add the client or correct the id") in msg
    assert "row 5, column '下级客户编号 / Child client ID': a client cannot be related" in msg
    with pytest.raises(RelateError, match=r"relationships: column\(s\) \['type'\] missing"):
        check_relationships(bad.drop(columns="type"), pd.Index(IDS))


def test_collect_quarantines_bad_relationship_rows(tmp_path: Path) -> None:
    path = tmp_path / "relationships.csv"
    path.write_text("上级客户编号,下级客户编号,关系类型,持股比例\n"
                    "C1,C2,持股,60%\nC1,C3,控股,0.5\nC2,C3,shareholding,150%\nC4,C4,担保,\n",
                    encoding="utf-8")
    oc = collect_table(read_table(SourceSpec(path=path), "relationships"),
                       TABLES["relationships"])
    issues = oc.issues.set_index("row")
    assert oc.clean["child_id"].tolist() == ["C2", "C4"]   # the self-link is caught by collect
    assert issues.loc[3, "reason"] == "invalid_category" and "'控股'" in issues.loc[3, "message"]
    assert issues.loc[4, "reason"] == "out_of_range"
    assert "relationships.csv row 4, column '持股比例 / Share held'" in issues.loc[4, "message"]


def _modules() -> tuple[pd.DataFrame, pd.DataFrame]:
    clients = pd.DataFrame({"client_id": ["A", "B", "C", "D"],
                            "client_name": ["星海能源有限公司", "星海港口物流有限公司",
                                            "青山矿业股份有限公司", "绿洲农业有限公司"]})
    groups = pd.DataFrame({"group_id": ["星海集团", "星海集团", "C", "D"],
                           "group_name": ["星海集团", "星海集团", "青山矿业股份有限公司",
                                          "绿洲农业有限公司"],
                           "in_group": [True, True, False, False]},
                          index=pd.Index(["A", "B", "C", "D"], name="client_id"))
    needs = pd.DataFrame({  # the shape of crmkit.needs.forecast_needs
        "client_id": ["A", "A", "A", "B", "C", "C", "D", "D"],
        "need_type": ["refinancing", "working_capital", "working_capital", "new_loan",
                      "refinancing", "cash_management", "new_loan", "advisory"],
        "amount": [8e8, 2e8, 1e8, 5e8, 4e8, 0.0, 3e8, 9e9],
        "window_start": pd.NaT, "window_end": pd.NaT,
        "days_until": [-10, 20, 45, 100, 250, 30, 60, 900],
        "cause": "refinancing"})
    return needs, clients, groups


def test_need_modules_window_and_urgency() -> None:
    needs, clients, groups = _modules()
    m = need_modules(needs, clients, groups, RelateParams(window_days=365), "zh")
    # zero amounts and needs beyond the window left out; A's two working-capital needs added
    assert len(m) == 5 and m["amount"].sum() == pytest.approx(8e8 + 3e8 + 5e8 + 4e8 + 3e8)
    wc = m[(m["client_id"] == "A") & (m["need_type"] == "working_capital")].iloc[0]
    assert wc["amount"] == 3e8 and wc["days_until"] == 20 and wc["urgency_label"] == "30 天内"
    band = m.set_index("need_type")["urgency"]
    assert set(band["refinancing"]) == {0, 4}           # overdue (-10) and after 180 days (250)
    assert m.loc[m["days_until"] == -10, "urgency_label"].item() == "已逾期"
    assert m.loc[m["days_until"] == 100, "urgency_label"].item() == "91–180 天内"
    with pytest.raises(RelateError, match="days_until"):
        need_modules(needs.drop(columns="days_until"), clients, groups)


def _cjk_font_cmap() -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont

    path = font_manager.findfont(font_manager.FontProperties(family=rcParams["font.family"]))
    if path.lower().endswith((".ttc", ".otc")):
        fonts = TTCollection(path).fonts
        return set().union(*(f.getBestCmap() for f in fonts[:1]))
    return set(TTFont(path).getBestCmap())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tree_map_renders_every_tile_with_cjk_glyphs(lang: str) -> None:
    needs, clients, groups = _modules()
    m = need_modules(needs, clients, groups, RelateParams(), "zh")
    fig = relationship_tree_map(m, RelateParams(), lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    tiles = [p for p in ax.patches if p.get_gid() == "need"]
    assert len(tiles) == len(m) == 5
    assert len([p for p in ax.patches if p.get_gid() == "client"]) == 4
    # the group block and the stand-alone block
    assert len([p for p in ax.patches if p.get_gid() == "group"]) == 2
    cmap = _cjk_font_cmap()
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))
             if t.get_text()]
    assert any("星海" in s for s in texts) and any("→" in s for s in texts)
    # need labels follow the chart's language, whatever language the table was made in
    assert any(s.startswith("再融资" if lang == "zh" else "Refinancing") for s in texts)
    assert lang == "zh" or not any(s.startswith("再融资") for s in texts)
    missing = {ch for s in texts for ch in s if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"characters without a glyph in the chart font: {missing}"
    assert len(ax.get_legend().get_texts()) >= 4


def test_tree_map_of_no_needs_says_so() -> None:
    _, clients, groups = _modules()
    empty = need_modules(pd.DataFrame(columns=["client_id", "need_type", "amount",
                                               "days_until"]), clients, groups)
    fig = relationship_tree_map(empty, lang="en")
    assert any(t.get_text() == "No financing need in the window" for t in fig.axes[0].texts)


def test_relate_runs_after_tier_and_before_warn() -> None:
    from crmkit.batch import stage_notebooks

    order = list(stage_notebooks())
    assert order.index("relate") == order.index("tier") + 1 < order.index("warn")


def test_sample_relationships_agree_with_group_names() -> None:
    from crmkit.sample import generate

    t = generate(120, seed=3)
    rel, clients = t["relationships"], t["clients"].set_index("client_id")
    held = rel[rel["type"] == "shareholding"]
    same = clients.loc[held["parent_id"], "group_name"].to_numpy() == \
        clients.loc[held["child_id"], "group_name"].to_numpy()
    assert len(held) and same.all()
    check_relationships(rel, clients.index)          # and they pass the relate checks
    groups = client_groups(t["clients"], check_relationships(rel, clients.index))
    named = clients["group_name"].notna()
    assert groups.loc[named, "in_group"].all()


def _params(capital: float | None):
    from crmkit.params import Params

    return Params.model_validate({
        "portfolio": "t", "as_of": "2026-09-30", "sources": {"default": {"path": "."}},
        "limits": {"tier1_capital": capital}})


def test_relate_tables_and_the_explorer_on_a_hand_made_book(book, monkeypatch) -> None:
    from crmkit.relate import RelateStage, relate_tables
    from crmkit.relate_widget import LimitsExplorer

    tables = {"clients": book["clients"], "relationships": book["relationships"],
              "facilities": book["facilities"]}
    out = relate_tables(tables, book["features"], _params(1000.0),
                        pd.Series(["BBB", "B", "A", "AA", "CCC"], index=IDS))
    shares_ = out["shares"].set_index(["dimension", "unit"])
    assert shares_.loc[("group", "星海集团"), "share"] == pytest.approx(170 / 210)
    assert shares_.loc[("industry", "energy"), "name"] == "能源电力"
    assert out["limits"]["breach"].sum() == 2
    per = out["clients"].set_index("client_id")
    assert per.loc["A", "client_limit_use"] == pytest.approx(1.4)
    assert per.loc["D", "group_limit_use"] == pytest.approx(1.3)
    stage = RelateStage(**out, need_modules=pd.DataFrame(), tier_treemap=pd.DataFrame(),
                        needs_source="open")
    needs, clients, groups = _modules()
    ex = LimitsExplorer(stage, needs, clients, _params(1000.0))
    assert ex.breaches()["breach"].sum() == 2
    shown: list[object] = []
    monkeypatch.setattr("crmkit.relate_widget.display", lambda *objs: shown.extend(objs))
    ex._show()
    (table,) = [o for o in shown if isinstance(o, pd.DataFrame)]
    assert not isinstance(table.index, pd.RangeIndex)  # rows named, no 0, 1, 2
    assert set(table.index) <= set(out["limits"]["name"])
    ex.sliders["tier1_capital"].value = 1500.0 / 1e8      # 1,500 yuan, in 亿元 on the slider
    limits, relate = ex.settings()
    assert limits.tier1_capital == pytest.approx(1500.0, rel=1e-9)
    assert ex.breaches(limits)["breach"].sum() == 0       # A 140 < 150, group 195 < 225


def test_explorer_saves_the_limits_into_the_parameters_file(book, tmp_path: Path) -> None:
    import shutil

    from crmkit.params import load_params
    from crmkit.relate import RelateStage, relate_tables
    from crmkit.relate_widget import LimitsExplorer

    root = Path(__file__).resolve().parents[1]
    pfile = tmp_path / "sample.yaml"
    shutil.copy(root / "parameters" / "sample.yaml", pfile)
    params = load_params(pfile)
    out = relate_tables({"clients": book["clients"], "relationships": book["relationships"],
                         "facilities": book["facilities"]}, book["features"], params)
    stage = RelateStage(**out, need_modules=pd.DataFrame(), tier_treemap=pd.DataFrame(),
                        needs_source="open")
    ex = LimitsExplorer(stage, *_modules()[:2], params)
    ex.sliders["group"].value = 0.2
    ex.sliders["window_days"].value = 180
    ex.save()
    again = load_params(pfile)
    assert again.limits.group == pytest.approx(0.2) and again.relate.window_days == 180
    assert again.limits.tier1_capital == pytest.approx(params.limits.tier1_capital)
    assert again.limits.single_client == pytest.approx(0.10)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_groups_section_shows_no_row_numbers_and_its_wide_tables_last(
        book, tmp_path: Path, lang: str) -> None:
    """The report's groups section (and the relate notebook, through ``index=True``): each table
    is indexed by its first column in words, with the same rows as the workbook sheet; the
    portrait-width blocks come before the two landscape tables, so the page before those is
    not cut off after the concentration table."""
    from bs4 import BeautifulSoup
    from IPython.display import Markdown

    from crmkit.core.i18n import t
    from crmkit.core.store import save_table
    from crmkit.params import Params
    from crmkit.relate import relate_tables
    from crmkit.report.groups_section import group_sheets, group_tables
    from crmkit.report.layout import shape_for_print

    params = Params.model_validate({
        "portfolio": "t", "as_of": "2026-09-30", "sources": {"default": {"path": "."}},
        "output_dir": str(tmp_path), "language": lang, "limits": {"tier1_capital": 1000.0}})
    out = relate_tables({"clients": book["clients"], "relationships": book["relationships"],
                         "facilities": book["facilities"]}, book["features"], params)
    for name in ("groups", "limits", "concentration"):
        save_table(params, "relate", name, out[name])
    needs, clients, groups = _modules()
    save_table(params, "relate", "need_modules",
               need_modules(needs, clients, groups, RelateParams(window_days=365), lang))

    sentence, conc, chart, grp, lim = group_tables(params, lang)
    assert isinstance(sentence, Markdown) and not isinstance(chart, pd.DataFrame)
    sheets = group_sheets(params, lang)
    header = {"zh": ("维度", "集团", "名称"), "en": ("Dimension", "Group", "Name")}[lang]
    for shown, sheet, key in zip((conc, grp, lim), ("concentration", "groups",
                                                    "large_exposures"), header, strict=True):
        assert shown.index.name == key and not isinstance(shown.index, pd.RangeIndex)
        body = BeautifulSoup(shown.to_html(), "html.parser").tbody
        assert [r.th.get_text() for r in body.find_all("tr")] == shown.index.astype(str).tolist()
        assert not {r.th.get_text() for r in body.find_all("tr")} & {"0", "1", "2"}
        # the same rows and numbers as the workbook sheet, the key column moved to the index;
        # the report's numbers are text grouped in thousands, the sheet's are numbers
        whole = sheets[sheet]
        assert key in whole.columns and isinstance(whole.index, pd.RangeIndex)
        head = whole.head(len(shown)).reset_index(drop=True)
        text = shown.reset_index()[whole.columns]
        for col in whole.columns:
            if pd.api.types.is_numeric_dtype(head[col]):
                assert text[col].map(lambda v: isinstance(v, str)).all()
                back = pd.to_numeric(text[col].str.replace(",", "").replace("—", None))
                np.testing.assert_allclose(back.astype(float), head[col].astype(float))
            else:
                assert text[col].tolist() == head[col].tolist()
    assert grp.index.tolist() == ["星海集团"]
    dims = out["concentration"]["dimension"]
    assert list(conc.index) == [t(f"relate.dim.{d}", lang) for d in dims]

    # as nbconvert writes the cell's outputs: one block each; then the print layout
    blocks = ["<h2>heading</h2>", "<p>sentence</p>", conc.to_html(), '<img src="data:,">',
              grp.to_html(), lim.to_html()]
    page = ('<main class="crm-body"><div class="jp-OutputArea">'
            + "".join(f'<div class="jp-OutputArea-child">{b}</div>' for b in blocks)
            + "</div></main>")
    soup = BeautifulSoup(page, "html.parser")
    shape_for_print(soup)
    tables = soup.find_all("table")
    landscape = [t_.find_parent("div", class_="crm-landscape") is not None for t_ in tables]
    assert landscape == [False, True, True]          # the concentration table stays portrait
    keep = soup.select_one("div.crm-keep")
    assert keep.find("h2") and keep.find("table") is tables[0]   # heading kept with it
    order = [tag.name for tag in soup.find_all(["table", "img"])]
    assert order == ["table", "img", "table", "table"]           # the wide ones last
