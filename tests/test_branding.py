"""The ``branding:`` parameters reach the report, the client cards and the roll-up."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest
import yaml

from crmkit.core.branding import Brand, brand_of
from crmkit.core.errors import ParametersError
from crmkit.params import load_params

# a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")
BRANDING = {"consultancy": "远见咨询 Farsight Advisory", "logo": "logo.png",
            "primary_colour": "#7A1F5C", "accent_colour": "#E67E22",
            "cover_title": "授信客户关系年度评估", "cover_subtitle": "华东分行 · 2026 年三季度"}


@pytest.fixture()
def params(tmp_path: Path):
    (tmp_path / "logo.png").write_bytes(PNG)
    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "b", "as_of": "2026-09-30",
                                     "sources": {"default": {"path": "."}},
                                     "branding": BRANDING}, allow_unicode=True), "utf-8")
    return load_params(pfile)


def test_brand_reads_the_logo_beside_the_parameters_file(params) -> None:
    brand = brand_of(params)
    assert brand.primary == "#7a1f5c" and brand.accent == "#e67e22"
    assert brand.logo_uri == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert brand_of(None) == Brand()


def test_a_colour_must_be_hex(tmp_path: Path) -> None:
    pfile = tmp_path / "p.yaml"
    pfile.write_text(yaml.safe_dump({"portfolio": "b", "as_of": "2026-09-30",
                                     "sources": {"default": {"path": "."}},
                                     "branding": {"primary_colour": "navy"}}), "utf-8")
    with pytest.raises(ParametersError, match=r"branding\.primary_colour.*#rrggbb"):
        load_params(pfile)


def test_report_cover_colours_and_logo(params, tmp_path: Path) -> None:
    from crmkit.report.export import export_report

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## 一、摘要\n\n正文")])
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, path)
    html = export_report(path, tmp_path / "out", params=params, formats=["html"])["html"]
    page = html.read_text(encoding="utf-8")
    assert "--crm-navy:#7a1f5c" in page and "--crm-accent:#e67e22" in page
    assert '<h1 class="crm-cover-title">授信客户关系年度评估</h1>' in page
    assert "华东分行 · 2026 年三季度" in page and "远见咨询 Farsight Advisory" in page
    assert 'class="crm-cover-logo" src="data:image/png;base64,' in page


def test_cards_and_rollup_carry_the_brand(params, tmp_path: Path) -> None:
    from crmkit.diagnose.cards_html import client_cards_html
    from crmkit.report.rollup import rollup_table, write_rollup

    brand = brand_of(params)
    card = {"client_id": "C1", "client_name": "甲公司", "identity": {}, "business": {},
            "score": {"tier": "A"}, "risk": {}, "satisfaction": {}, "alerts": [],
            "next_actions": [], "strategy": {"zh": "深化合作"}}
    page = client_cards_html([card], "zh", brand=brand, embed_font=False)
    assert "--crm-primary:#7a1f5c" in page and "远见咨询 Farsight Advisory" in page
    assert 'src="data:image/png;base64,' in page
    roll = write_rollup(rollup_table([(tmp_path / "x" / "2026-09-30", "x", False)]),
                        tmp_path / "roll", "zh", brand)["html"].read_text(encoding="utf-8")
    assert "--crm-primary:#7a1f5c" in roll and "远见咨询 Farsight Advisory" in roll
