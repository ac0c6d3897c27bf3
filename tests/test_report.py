"""Report exports: sanitised HTML (static checks and a real headless browser), PDF, workbook.

The notebook is built with nbformat and given the outputs IPython would record (DataFrame HTML
from pandas, a matplotlib PNG with a Chinese title, a raw HTML output carrying scripts), so no
kernel is needed. Hostile payloads create a marker element or rename the document only if a
script runs; a control page without sanitising proves the browser check can see that.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from nbformat.v4 import (  # noqa: E402
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)
from openpyxl import load_workbook  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from crmkit.core import CrmkitError  # noqa: E402
from crmkit.core.fonts import pdf_font_path  # noqa: E402
from crmkit.report import (
    export_html,
    export_pdf,
    export_report,
    mask_frame,
    sanitize_html,
    write_workbook,
)
from crmkit.report.sanitize import clean_css  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
GENERATED = dt.datetime(2026, 10, 8, 9, 30)
EVIL_NAME = "<script>alert(1)</script>"
# Creates <p id="crm-pwned"> and renames the page, using no literal tag a sanitiser could see.
PAYLOAD = ("var p=document.createElement('p');p.id='crm-pwned';document.body.appendChild(p);"
           "document.title='pwned';")


def _png_with_chinese_title() -> str:
    # the bundled font, as crmkit.core.style.use_style() registers it (without importing seaborn)
    path = str(pdf_font_path())
    font_manager.fontManager.addfont(path)
    plt.rcParams["font.family"] = font_manager.FontProperties(fname=path).get_name()
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.bar(["A 核心", "B 重点", "C 一般"], [12, 30, 58], color="#1f4e79")
    ax.set_title("各层级客户数")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=70)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _notebook(path: Path) -> Path:
    df = pd.DataFrame({"client_name": [EVIL_NAME, "华能新能源有限公司"], "tier": ["A", "B"],
                       "exposure": [1.2e8, 3.5e7]})
    styled = (df.style.format({"exposure": "{:,.0f}"})
              .bar(subset=["exposure"], color="#f5b041").to_html())
    evil_html = (f"<div>原始输出<script>{PAYLOAD}</script><img src=x onerror=\"{PAYLOAD}\">"
                 f"<a href=\"javascript:{PAYLOAD}\">链接</a></div>")
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["papermill"] = {"parameters": {
        "params_file": str(ROOT / "parameters" / "sample.yaml")}}
    nb.cells = [
        new_markdown_cell(f"# 客户分层概览\n\n本报告概述分层结果。<script>{PAYLOAD}</script>"),
        new_code_cell("secret_code_marker = 1", metadata={"tags": ["parameters"]},
                      execution_count=1),
        new_markdown_cell("## 分层结果表\n\n见[小结](#Summary-小结)。"),
        new_code_cell("df", execution_count=2, outputs=[new_output(
            "execute_result", execution_count=2,
            data={"text/html": df._repr_html_(), "text/plain": repr(df)})]),
        new_code_cell("df.style", outputs=[new_output(
            "display_data", data={"text/html": styled, "text/plain": "<Styler>"})]),
        new_markdown_cell("### 客户数分布"),
        new_code_cell("fig", outputs=[
            new_output("display_data", data={"image/png": _png_with_chinese_title(),
                                             "text/plain": "<Figure>"}),
            new_output("stream", name="stderr", text="FutureWarning: stderr-marker\n")]),
        new_code_cell("HTML(evil)", outputs=[new_output("display_data", data={
            "text/html": evil_html, "application/javascript": "document.title='pwned-js'",
            "text/plain": "<HTML>"})]),
        new_raw_cell(f"<script>{PAYLOAD}</script>", metadata={"raw_mimetype": "text/html"}),
        new_markdown_cell("## Summary 小结\n\n风险集中在 C 层客户。"),
        new_code_cell("hidden()", metadata={"tags": ["remove-cell"]}, outputs=[
            new_output("stream", name="stdout", text="removed-cell-marker\n")]),
        new_code_cell("print(n)", outputs=[new_output("stream", name="stdout",
                                                      text="合计 2 户\n")]),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report")
    nb = _notebook(tmp / "report.ipynb")
    paths = export_report(nb, tmp / "out", "zh", generated=GENERATED)
    paths["nb"] = nb
    return paths


@pytest.fixture(scope="module")
def soup(exported: dict[str, Path]) -> BeautifulSoup:
    return BeautifulSoup(exported["html"].read_text(encoding="utf-8"), "html.parser")


# -- HTML -----------------------------------------------------------------------------------
def test_export_report_writes_both_formats(exported: dict[str, Path]) -> None:
    assert exported["html"].name == "report.html" and exported["pdf"].name == "report.pdf"
    assert sorted(p.name for p in exported["html"].parent.iterdir()) == [
        "report.html", "report.pdf"]  # no temporary files left behind


def test_cover_language_and_portfolio_from_injected_parameters(soup: BeautifulSoup) -> None:
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one(".crm-cover-title").get_text() == "客户关系分析报告"
    meta = {d.dt.get_text(): d.dd.get_text() for d in soup.select(".crm-cover-meta div")}
    # read from parameters/sample.yaml, which Papermill's injected params_file names
    assert meta == {"组合": "示例项目融资组合 Sample project-finance portfolio",
                    "数据截至": "2026-09-30", "生成时间": "2026-10-08 09:30"}


def test_contents_list_markdown_headings_with_working_anchors(soup: BeautifulSoup) -> None:
    items = soup.select("nav.crm-toc li")
    assert [(li["class"][0], li.get_text()) for li in items] == [
        ("crm-toc-1", "客户分层概览"), ("crm-toc-2", "分层结果表"),
        ("crm-toc-3", "客户数分布"), ("crm-toc-2", "Summary 小结")]
    for li in items:
        target = soup.find(id=li.a["href"][1:])
        assert target is not None and target.name in ("h1", "h2", "h3")
        assert target.get_text() == li.get_text()
    # a markdown link to a heading follows its new id
    link = soup.find("a", string="小结")
    assert soup.find(id=link["href"][1:]).get_text() == "Summary 小结"


def test_code_prompts_stderr_and_removed_cells_are_hidden(exported: dict[str, Path]) -> None:
    html = exported["html"].read_text(encoding="utf-8")
    for hidden in ("secret_code_marker", "In&nbsp;[", "Out[", "stderr-marker",
                   "removed-cell-marker", "pwned-js"):
        assert hidden not in html
    assert "合计 2 户" in html


def test_outputs_are_sanitised_but_tables_and_charts_survive(soup: BeautifulSoup,
                                                             exported: dict[str, Path]) -> None:
    html = exported["html"].read_text(encoding="utf-8")
    assert soup.find_all(["script", "iframe", "object", "embed", "form"]) == []
    assert not [(t.name, a) for t in soup.find_all(True) for a in t.attrs
                if a.lower().startswith("on")]
    assert not [a for a in soup.find_all("a", href=True) if "javascript" in a["href"].lower()]
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    # the client name is text in both the DataFrame and the Styler table
    cells = [td for td in soup.select("table td") if td.get_text() == EVIL_NAME]
    assert len(cells) == 2
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    # markdown and raw-cell scripts show as text
    assert soup.find("p", string=re.compile("本报告概述分层结果")) is not None
    assert "<script>" in soup.select_one(".jp-RenderedMarkdown").get_text()
    assert f"<script>{PAYLOAD}</script>" in soup.get_text()  # the raw cell, in order
    # DataFrame structure, numeric alignment, Styler colours, embedded PNG
    heads = [th.get_text() for th in soup.select("table.dataframe thead th")]
    assert heads == ["", "client_name", "tier", "exposure"]
    assert "crm-num" in soup.find("td", string="120,000,000")["class"]
    style = " ".join(s.get_text() for s in soup.find_all("style")
                     if s.get("id") != "crm-embedded-font")  # our own data: font, not output
    assert "linear-gradient(90deg, #f5b041" in style and "url(" not in style
    imgs = soup.select(".jp-RenderedImage img")
    assert len(imgs) == 1 and imgs[0]["src"].startswith("data:image/png;base64,")


def test_english_report_and_explicit_parameters(exported: dict[str, Path]) -> None:
    from crmkit import load_params

    params = load_params(ROOT / "parameters" / "sample.yaml")
    out = export_report(exported["nb"], exported["nb"].parent / "en", "en", ("html",),
                        title="Q3 <b>review</b>", params=params, stem="q3")
    assert list(out) == ["html"] and out["html"].name == "q3.html"
    soup = BeautifulSoup(out["html"].read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one(".crm-cover-title").get_text() == "Q3 <b>review</b>"  # escaped
    assert soup.select_one(".crm-toc-title").get_text() == "Contents"
    assert soup.select_one(".crm-cover-meta dt").get_text() == "Portfolio"


def test_export_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CrmkitError, match="no such notebook; run the notebook"):
        export_html(tmp_path / "missing.ipynb", tmp_path / "x.html")
    with pytest.raises(CrmkitError, match=r"lang='fr' is not supported"):
        export_html(tmp_path / "missing.ipynb", tmp_path / "x.html", lang="fr")
    with pytest.raises(CrmkitError, match=r"\['docx'\] are not known; choose from"):
        export_report(tmp_path / "x.ipynb", tmp_path, "zh", ("html", "docx"))
    with pytest.raises(CrmkitError, match="no such HTML report"):
        export_pdf(tmp_path / "missing.html", tmp_path / "x.pdf")


@pytest.mark.parametrize(("payload", "forbidden", "kept"), [
    ('<img src=x onerror="alert(1)">', "onerror", "<img"),
    ('<a href="javascript:alert(1)">x</a>', "javascript", "<a>x</a>"),
    ('<a href="data:text/html,<script>">x</a>', "data:", "<a>x</a>"),
    ("<iframe src='http://evil'></iframe>", "<iframe", "&lt;iframe"),
    ("<svg onload=alert(1)></svg>", "<svg", "&lt;svg"),
    ('<p style="color: red; background: url(http://evil/x.png)">t</p>', "url(", "color: red;"),
    ("<style>body { display: none } #T_ab td { color: red }</style>", "body", "#T_ab td"),
    ("<style>@import url(http://evil);</style><b>x</b>", "@import", "<b>x</b>"),
    ('<img src="data:image/png;base64,iVBORw0KGgo=">', "onerror", 'src="data:image/png'),
    ('<img src="file:///etc/passwd">', "passwd", "<img"),
])
def test_sanitize_html_payloads(payload: str, forbidden: str, kept: str) -> None:
    out = sanitize_html(payload)
    assert forbidden not in out
    assert kept in out


def test_clean_css_keeps_only_styler_rules() -> None:
    css = ("#T_1_row0_col0 { background-color: #023858; color: #f1f1f1; position: fixed }\n"
           "#T_1_row0_col0, .x { color: red }\n#T_1 td { background: url(javascript:x) }")
    assert clean_css(css) == (
        "#T_1_row0_col0 {\n  background-color: #023858;\n  color: #f1f1f1;\n}")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed (make system-deps)")
def test_headless_browser_shows_names_as_text_and_runs_no_script(
        exported: dict[str, Path], tmp_path: Path) -> None:
    def dom(page: Path) -> BeautifulSoup:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
               "--virtual-time-budget=3000", "--dump-dom", page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True)
        except subprocess.TimeoutExpired:  # an alert() dialog blocks a headless page for ever
            pytest.fail(f"chromium hung on {page.name}: a script probably opened a dialog")
        return BeautifulSoup(done.stdout, "html.parser")

    # control: the same payload, unsanitised, does run in this browser
    control = tmp_path / "control.html"
    control.write_text(f"<html><head><title>ok</title></head><body><script>{PAYLOAD}</script>"
                       "</body></html>", encoding="utf-8")
    ran = dom(control)
    assert ran.find(id="crm-pwned") is not None and ran.title.get_text() == "pwned"

    page = dom(exported["html"])
    assert page.find(id="crm-pwned") is None
    assert page.title.get_text() == ("客户关系分析报告 · 示例项目融资组合 "
                                     "Sample project-finance portfolio")
    assert [td.get_text() for td in page.select("table td") if "alert" in td.get_text()] == [
        EVIL_NAME, EVIL_NAME]
    assert page.find_all("script") == []


# -- PDF ------------------------------------------------------------------------------------
def test_pdf_has_chinese_text_page_numbers_and_the_bundled_sc_face(
        exported: dict[str, Path]) -> None:
    from fontTools.ttLib import TTFont

    reader = PdfReader(exported["pdf"])
    n = len(reader.pages)
    assert n >= 3  # the cover page, the contents page, then the body
    text = [p.extract_text() for p in reader.pages]
    assert "客户关系分析报告" in text[0] and "目录" in text[1]
    assert all(f"第 {i} 页 / 共 {n} 页" in text[i - 1] for i in range(1, n + 1))
    body = "\n".join(text[1:])
    assert "客户分层概览" in body and "华能新能源有限公司" in body and EVIL_NAME in body
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"].get("/Font", {}).values()}
    # CJK text is set in the bundled SC face (DejaVu Sans Mono only for <pre> Latin text)
    faces = {f.split("+", 1)[1] for f in fonts}
    assert "Noto-Sans-CJK-SC" in faces, faces
    assert faces <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold", "DejaVu-Sans-Mono"}, faces
    assert TTFont(pdf_font_path())["name"].getDebugName(1) == "Noto Sans CJK SC"
    assert any(p["/Resources"].get("/XObject") for p in reader.pages)  # the chart


def test_pdf_fetches_nothing_outside_the_report(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(base64.b64decode(_png_with_chinese_title()))
    html = tmp_path / "hostile.html"
    inline = "data:image/png;base64," + base64.b64encode(secret.read_bytes()).decode()
    html.write_text(f'<html lang="en"><head><title>t</title></head><body><p>Body 正文</p>'
                    f'<img src="{secret.as_uri()}"><img src="http://127.0.0.1:9/x.png">'
                    f'<img src="{inline}"></body></html>', encoding="utf-8")
    reader = PdfReader(export_pdf(html, tmp_path / "hostile.pdf"))
    page = reader.pages[0]
    assert "Page 1 of 1" in page.extract_text() and "Body 正文" in page.extract_text()
    # only the inline image is drawn: the local file and the URL were not fetched
    assert len(page["/Resources"]["/XObject"]) == 1


# -- workbook -------------------------------------------------------------------------------
@pytest.fixture()
def frames() -> dict[str, pd.DataFrame]:
    diag = pd.DataFrame({
        "client_id": pd.array(["C001", "C002", "C003"], dtype="string"),
        "client_name": ["中国建设银行股份有限公司", "=1+1", "Acme"],
        "legal_rep": ["张三丰", "李四", None],
        "credit_code": ["91110000100000000X", "12345678", "913100007109345671"],
        "tier": ["A", "B", "C"],
        "exposure": [1.25e8, 3.5e7, np.nan],
        "pd": [0.0125, 0.034, 0.2],
        "score": [81.25, 60.0, 12.5],
        "onboarding_date": pd.to_datetime(["2019-03-01", "2021-07-15", None]),
    })
    alerts = pd.DataFrame({"client_id": ["C001", "C003"], "severity": ["critical", "low"],
                           "rule": ["逾期超过90天", "满意度下降"]})
    return {"diagnostic_table": diag, "alerts": alerts}


def test_workbook_layout_formats_and_masking(frames: dict[str, pd.DataFrame],
                                             tmp_path: Path) -> None:
    out = write_workbook(frames, tmp_path / "book.xlsx", "zh", mask_pii=True)
    wb = load_workbook(out)
    assert wb.sheetnames == ["诊断表", "预警清单"]
    ws = wb["诊断表"]
    assert [c.value for c in ws[1]] == ["客户编号", "客户名称", "法定代表人", "统一社会信用代码",
                                        "客户层级", "敞口", "违约概率", "综合得分", "建立关系日期"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I4"
    assert ws["A1"].font.bold and ws["A1"].fill.start_color.rgb.endswith("1F4E79")
    assert [ws.cell(2, c).number_format for c in range(6, 10)] == [
        "#,##0", "0.0%", "0.0", "yyyy-mm-dd"]
    assert ws["F4"].value is None and ws["I2"].value == dt.datetime(2019, 3, 1)
    # personal data masked: names keep the first character, IDs the first and last four
    assert [ws.cell(r, 3).value for r in (2, 3, 4)] == ["张**", "李*", None]
    assert [ws.cell(r, 4).value for r in (2, 3, 4)] == [
        "9111**********000X", "********", "9131**********5671"]
    # a formula-looking name stays text
    assert ws["B3"].value == "=1+1" and ws["B3"].data_type == "s"
    # widths: 12 CJK characters count 24, plus 2; a short ID column is as wide as its header
    # (the file stores what Excel shows plus its 5-pixel cell padding, 5/7 of a character)
    assert ws.column_dimensions["B"].width == pytest.approx(26 + 5 / 7, abs=0.01)
    assert ws.column_dimensions["A"].width == pytest.approx(11 + 5 / 7, abs=0.01)  # 8 + 3
    tiers = {str(r.sqref): [x.formula[0] for x in r.rules] for r in ws.conditional_formatting}
    assert list(tiers) == ["E2:E4"] and len(tiers["E2:E4"]) == 3
    assert tiers["E2:E4"][0].startswith('OR($E2="A",') and '"核心客户"' in tiers["E2:E4"][0]
    sev = wb["预警清单"].conditional_formatting
    rules = [r for cf in sev for r in cf.rules]
    assert [str(cf.sqref) for cf in sev] == ["B2:B3"] and len(rules) == 4
    assert rules[0].dxf.fill.start_color.rgb.endswith("922B21")


def test_workbook_english_names_overrides_and_translated_headers(
        frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    from crmkit.warn import display_frame

    sheets = {"diagnostic_table": frames["diagnostic_table"],
              "alerts": display_frame(frames["alerts"], "zh"),  # 严重程度 / 严重
              "clients": frames["diagnostic_table"][["client_id", "legal_rep"]]}
    out = write_workbook(sheets, tmp_path / "book_en.xlsx", "en", formats={"score": "0.000"})
    wb = load_workbook(out)
    assert wb.sheetnames == ["Diagnostics", "Alerts", "Clients"]
    ws = wb["Diagnostics"]
    assert ws["H1"].value == "Composite score" and ws["H2"].number_format == "0.000"
    assert ws["C2"].value == "张三丰"  # mask_pii defaults to off
    alerts = wb["Alerts"]
    assert alerts["B1"].value == "严重程度" and alerts["B2"].value == "严重"
    formulas = [r.formula[0] for cf in alerts.conditional_formatting for r in cf.rules]
    assert '$B2="严重"' in formulas[0]  # translated values still get their fill


def test_workbook_errors(frames: dict[str, pd.DataFrame], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    import crmkit.report.xlsx as rx

    with pytest.raises(CrmkitError, match="no tables to write"):
        write_workbook({}, tmp_path / "x.xlsx")
    with pytest.raises(CrmkitError, match="expected a pandas DataFrame"):
        write_workbook({"alerts": [1, 2]}, tmp_path / "x.xlsx")  # type: ignore[dict-item]
    monkeypatch.setattr(rx, "MAX_ROWS", 2)
    with pytest.raises(CrmkitError, match="has 3 rows; Excel holds 2"):
        write_workbook(frames, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


names = st.text(alphabet=st.characters(categories=("Lo", "Lu", "Ll")), min_size=2, max_size=12)
ids = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=20)


@settings(max_examples=40, deadline=None)
@given(name=names, code=ids)
def test_mask_frame_under_any_header_keeps_only_the_allowed_characters(name: str,
                                                                         code: str) -> None:
    df = pd.DataFrame({"法定代表人 / Legal representative": [name], "Unified credit code": [code],
                       "client_name": [name]})
    out = mask_frame(df)
    masked_name = out.iloc[0, 0]
    masked_code = out.iloc[0, 1]
    assert masked_name == name[0] + "*" * (len(name) - 1)
    assert masked_code == code[:4] + "*" * (len(code) - 8) + code[-4:]
    assert out.iloc[0, 2] == name  # not a personal column
    assert df.iloc[0, 0] == name  # the input is untouched


def test_font_subset_embeds_only_the_glyphs_used():
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from crmkit.core.fonts import EMBEDDED_FAMILY, font_face_css

    css = font_face_css("客户关系 report", "body")
    assert f'font-family:"{EMBEDDED_FAMILY}"' in css and "var(" not in css
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "客户关系")
    assert ord("银") not in cmap and len(cmap) < 200  # a subset, not the 16 MB face
    assert font_face_css("plain ASCII only") == ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_large_exposure_table_is_bounded_and_says_where_every_breach_is(lang: str) -> None:
    """A book with more breaches than the page holds (a 100k-client run had 1,513) shows the
    ``n`` highest uses above and below the limit, and the sentence names the workbook sheet."""
    from crmkit.params import load_params
    from crmkit.relate import limit_view
    from crmkit.report.groups_section import _limits_sentence

    use = np.linspace(3.0, 0.2, 70)  # saved in order of use, as the relate stage saves them
    limits = pd.DataFrame({"level": "client", "id": [f"C{i:03d}" for i in range(70)],
                           "name": [f"客户{i}" for i in range(70)], "exposure": use * 1e9,
                           "limit": 1e9, "utilisation": use, "headroom": (1 - use) * 1e9,
                           "breach": use > 1.0})
    params = load_params(Path(__file__).resolve().parents[1] / "parameters" / "sample.yaml")
    shown = limit_view(limits, lang, n=10, tier1_capital=params.limits.tier1_capital)
    assert len(shown) == 20  # 10 breaches + the 10 highest uses under the limit
    assert shown.iloc[0, 1] == "客户0" and shown.iloc[9, 1] == "客户9"
    n = int(limits["breach"].sum())
    from crmkit.relate import breach_count

    assert breach_count(limits, lang) == (f"超限：{n} 个（单一客户 {n}，集团 0）" if lang == "zh"
                                          else f"Breaches: {n} ({n} clients, 0 groups)")
    text = _limits_sentence(params, limits, lang, shown=10)
    pointer = "Excel 工作簿“大额风险暴露”表" if lang == "zh" else "\"Large exposures\" sheet"
    assert str(n) in text and pointer in text
    few = limits[limits["utilisation"] < 1.3]  # 7 breaches: all on the page, no pointer
    assert pointer not in _limits_sentence(
        params, few, lang, shown=10)
    # the report: every breach up to n, and only the 5 highest uses under the limit (the
    # group and limits tables share one landscape page); the sentence says so
    from crmkit.core.i18n import t
    from crmkit.report.groups_section import UNDER_LIMIT_ROWS, _closing_sentence

    report = limit_view(few, lang, n=10, n_under=UNDER_LIMIT_ROWS, text=True)
    k = int(few["breach"].sum())
    assert len(report) == k + 5 and report.iloc[k - 1:k + 1, 6].tolist() == [
        t("relate.breach.yes", lang), t("relate.breach.no", lang)]
    under = "使用率最高的 5 个未超限者" if lang == "zh" else "the 5 highest uses within"
    assert under in _closing_sentence(few, lang, UNDER_LIMIT_ROWS)
    assert under not in _closing_sentence(few.head(k + 5), lang, UNDER_LIMIT_ROWS)
