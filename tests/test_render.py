"""Tests of the render layer: notebook → HTML report, HTML → PDF, index page."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sipm_helpers.errors import SipmError
from sipm_helpers.render import html as render_html_mod
from sipm_helpers.render.html import clean_notebook, make_exporter, notebook_to_html, render_html
from sipm_helpers.render.pdf import PdfRenderer, find_chromium
from sipm_helpers.render.site import ReportEntry, render_index, write_index

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect x="10" y="10" width="80" height="60" fill="#1f4e79"/>'
    '<text x="100" y="50" font-family="WenQuanYi Micro Hei">收入</text></svg>'
)
TABLE = (
    '<table class="sipm-table"><caption>预算执行 Budget execution</caption>'
    '<thead><tr><th>项目 Item</th><th class="num">执行率 Rate</th></tr></thead>'
    '<tbody><tr><td>保险费收入 Premium income</td><td class="num">97.2%</td></tr>'
    '<tr><td>财政补贴 Fiscal subsidy</td><td class="num">100.0%</td></tr></tbody></table>'
)
# Markers: none of these may reach a report.
SOURCE_MARK = "SOURCE_CODE_MARK"
STDERR_MARK = "STDERR_MARK"
ERROR_MARK = "ERROR_MARK"
ANALYST_MARK = "ANALYST_NOTE_MARK"
PARAM_MARK = "PARAMETER_MARK"
CDN_PATTERN = re.compile(r"cdn|mathjax|require\.js|https?://", re.IGNORECASE)
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")


def fetched_urls(text: str) -> list[str]:
    """CDN/MathJax/require.js/http(s) mentions outside embedded data: URIs."""
    return CDN_PATTERN.findall(DATA_URI.sub("", text))


def executed_notebook() -> nbformat.NotebookNode:
    """A small executed notebook with every kind of output a report must filter."""
    return new_notebook(
        cells=[
            new_code_cell(f"fund = '{PARAM_MARK}'", metadata={"tags": ["parameters"]}),
            new_code_cell(f"fund = '{PARAM_MARK}2'", metadata={"tags": ["injected-parameters"]}),
            new_markdown_cell(f"{ANALYST_MARK}: check 2023", metadata={"tags": ["analyst"]}),
            new_markdown_cell("## 一、绩效目标 Targets\n\n本地区设定了年度绩效目标。"),
            new_code_cell(
                f"show_table()  # {SOURCE_MARK}",
                execution_count=1,
                outputs=[
                    new_output("display_data", data={"text/html": TABLE, "text/plain": "<T>"})
                ],
            ),
            new_code_cell(
                f"warn()  # {SOURCE_MARK}",
                execution_count=2,
                outputs=[
                    new_output(
                        "stream",
                        name="stderr",
                        text=f"Traceback (most recent call last):\n  File x\nValueError: {STDERR_MARK}\n",
                    ),
                    new_output("stream", name="stdout", text="数据截至 2024-12-31\n"),
                ],
            ),
            new_code_cell(
                f"1 / 0  # {SOURCE_MARK}",
                execution_count=3,
                outputs=[
                    new_output(
                        "error",
                        ename="ZeroDivisionError",
                        evalue=ERROR_MARK,
                        traceback=[
                            "Traceback (most recent call last)",
                            f"ZeroDivisionError: {ERROR_MARK}",
                        ],
                    )
                ],
            ),
            new_code_cell(
                f"plot()  # {SOURCE_MARK}",
                execution_count=4,
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "image/svg+xml": SVG,
                            "text/plain": "<Figure size 640x480 with 1 Axes>",
                        },
                        metadata={"alt": "收支趋势 chart"},
                    ),
                    new_output(
                        "execute_result",
                        data={"text/plain": "<Figure size 640x480 with 1 Axes>"},
                        execution_count=4,
                    ),
                ],
            ),
            new_code_cell(
                f"log()  # {SOURCE_MARK}",
                execution_count=5,
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/plain": f"Traceback (most recent call last): {STDERR_MARK}"},
                    )
                ],
            ),
        ]
    )


# ---------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def report_html() -> str:
    return notebook_to_html(
        executed_notebook(),
        title="2024年度 <自评> 报告",
        subtitle="示例市 & Self-evaluation",
        lang="zh",
    )


def test_html_has_no_code_or_hidden_material(report_html: str) -> None:
    for mark in (SOURCE_MARK, STDERR_MARK, ERROR_MARK, ANALYST_MARK, PARAM_MARK):
        assert mark not in report_html, mark
    assert "Traceback" not in report_html
    assert "ZeroDivisionError" not in report_html
    assert "<Figure size" not in report_html and "&lt;Figure size" not in report_html
    assert "In&nbsp;[" not in report_html and "Out[" not in report_html
    assert "jp-InputArea-editor" not in report_html


def test_html_keeps_content(report_html: str) -> None:
    assert '<html lang="zh-CN">' in report_html
    assert '<table class="sipm-table">' in report_html
    assert '<td class="num sipm-nw">97.2%</td>' in report_html
    assert "本地区设定了年度绩效目标。" in report_html
    assert "数据截至 2024-12-31" in report_html  # stdout is kept
    assert "data:image/svg+xml;base64," in report_html
    assert 'alt="收支趋势 chart"' in report_html
    assert "@page" in report_html and "size: A4" in report_html


def test_html_title_is_escaped(report_html: str) -> None:
    assert "<title>2024年度 &lt;自评&gt; 报告</title>" in report_html
    assert "2024年度 &lt;自评&gt; 报告</h1>" in report_html
    assert "示例市 &amp; Self-evaluation" in report_html
    assert "<自评>" not in report_html


def test_html_is_offline(report_html: str) -> None:
    assert fetched_urls(report_html) == []
    assert "<script" not in report_html
    assert "<link" not in report_html


def test_html_english_lang() -> None:
    text = notebook_to_html(executed_notebook(), title="Report", lang="en")
    assert '<html lang="en">' in text
    assert '<p class="sipm-subtitle">' not in text


def test_unknown_lang_and_empty_title_are_errors() -> None:
    with pytest.raises(SipmError, match="language"):
        notebook_to_html(executed_notebook(), title="x", lang="fr")
    with pytest.raises(SipmError, match="title"):
        notebook_to_html(executed_notebook(), title="  ")


def test_clean_notebook_does_not_modify_input() -> None:
    nb = executed_notebook()
    before = nbformat.writes(nb)
    cleaned = clean_notebook(nb)
    assert nbformat.writes(nb) == before
    kinds = [c.cell_type for c in cleaned.cells]
    assert kinds == ["markdown", "code", "code", "code"]  # table, stdout, svg
    assert all(o.get("name") != "stderr" for c in cleaned.cells for o in c.get("outputs", []))


def test_render_html_writes_file_and_reuses_exporter(tmp_path: Path) -> None:
    nb_path = tmp_path / "run.ipynb"
    nbformat.write(executed_notebook(), nb_path)
    exporter = make_exporter()
    out = render_html(nb_path, tmp_path / "site" / "a.html", title="A", exporter=exporter)
    out2 = render_html(nb_path, tmp_path / "site" / "b.html", title="B", exporter=exporter)
    assert out.read_text(encoding="utf-8").count("<title>A</title>") == 1
    assert "<title>B</title>" in out2.read_text(encoding="utf-8")
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp left


def test_render_html_bad_notebook_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SipmError, match=r"broken\.ipynb"):
        render_html(bad, tmp_path / "x.html", title="x")
    with pytest.raises(SipmError, match=r"missing\.ipynb"):
        render_html(tmp_path / "missing.ipynb", tmp_path / "x.html", title="x")


def test_no_module_level_exporter() -> None:
    from nbconvert import HTMLExporter

    assert not any(isinstance(v, HTMLExporter) for v in vars(render_html_mod).values())


# ---------------------------------------------------------------- PDF


def _mediaboxes(pdf: bytes) -> list[tuple[float, float]]:
    pattern = rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]"
    return [
        (float(x1) - float(x0), float(y1) - float(y0))
        for x0, y0, x1, y1 in re.findall(pattern, pdf)
    ]


def test_find_chromium_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIPM_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(SipmError, match="SIPM_CHROMIUM"):
        find_chromium()
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("SIPM_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)


def test_no_chromium_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SIPM_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() is None
    with pytest.raises(SipmError, match="no Chromium"), PdfRenderer():
        pass


def test_render_outside_context_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SipmError, match="outside"):
        PdfRenderer().render(tmp_path / "a.html", tmp_path / "a.pdf")


COVER = {
    "facts": [["评价对象", "示例市 · 养老保险基金"], ["文号", "ZP110100-01-2025"]],
    "number": "ZP110100-01-2025",
    "date": "2026年5月31日",
    "signers": [],
    "seal": "",
    "toc_title": "目录",
}


def test_pdf_a4_with_chinese_text(chromium: str, tmp_path: Path) -> None:
    html_path = tmp_path / "report.html"
    nb = executed_notebook()
    html_path.write_text(
        notebook_to_html(nb, title="养老保险基金 Pension fund report", lang="zh", cover=COVER),
        encoding="utf-8",
    )
    with PdfRenderer(executable=chromium) as renderer:
        pdf_path = renderer.render(html_path, tmp_path / "out" / "report.pdf")
        # the same browser serves a second report
        second = renderer.render(html_path, tmp_path / "out" / "second.pdf")
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    assert second.read_bytes().startswith(b"%PDF")
    boxes = _mediaboxes(data)
    assert boxes, "no MediaBox in the PDF"
    for width, height in boxes:
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (width, height)
    assert not [p for p in pdf_path.parent.iterdir() if p.name.startswith(".")]
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        assert "养老保险基金" in text
        assert "保险费收入" in text
        assert "Premium income" in text
        # the cover, the contents and the report: numbered from the second page on, as
        # GB/T 9704 sets page numbers ("— 2 —"); the cover bears none
        folios = [int(n) for n in re.findall(r"—\s*(\d+)\s*—", text)]
        assert folios == [2, 3]


def test_pdf_missing_html_names_file(chromium: str, tmp_path: Path) -> None:
    with PdfRenderer(executable=chromium) as renderer, pytest.raises(SipmError, match="nope"):
        renderer.render(tmp_path / "nope.html", tmp_path / "nope.pdf")


# ---------------------------------------------------------------- index


def _entries() -> list[ReportEntry]:
    return [
        ReportEntry(
            stage="self_evaluation",
            stage_label="自评 Self-evaluation",
            fund="work_injury",
            fund_name="工伤保险基金",
            region="370100",
            region_name="济南市",
            year=2024,
            score=93.456,
            grade="优 Excellent",
            html="reports/370100 work injury.html",
            pdf="reports/370100 work injury.pdf",
        ),
        ReportEntry(
            stage="self_evaluation",
            stage_label="自评 Self-evaluation",
            fund="enterprise_pension",
            fund_name="企业职工基本养老保险基金",
            region="370300",
            region_name="<script>alert('x')</script>淄博市",
            year=2024,
            score=72.25,
            grade="中 Fair",
            html="reports/a.html",
            pdf="reports/a.pdf",
            flags=("结余不足 <low balance>",),
        ),
        ReportEntry(
            stage="monitoring",
            stage_label="监控 Monitoring",
            fund="employee_medical",
            fund_name="职工基本医疗保险基金",
            region="370200",
            region_name="青岛市",
            year=2024,
            period="Q2",
            status="failed",
            error="KeyError: 'premium_income' <b>\nTraceback (most recent call last):\n  ...",
        ),
    ]


def test_index_escapes_and_links(tmp_path: Path) -> None:
    path = write_index(
        _entries(), tmp_path, title="报告 <index>", lang="zh", generated="2025-05-20"
    )
    assert path == tmp_path / "index.html"
    text = path.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;淄博市" in text
    assert "<title>报告 &lt;index&gt;</title>" in text
    assert "结余不足 &lt;low balance&gt;" in text
    assert 'href="reports/370100%20work%20injury.html"' in text
    assert 'href="reports/370100%20work%20injury.pdf"' in text
    assert 'href="reports/a.html"' in text
    assert ">93.5<" in text and ">72.2<" in text
    assert "2025-05-20" in text
    assert fetched_urls(text) == []
    assert "<link" not in text and "<script src" not in text


def test_index_failed_row_and_summary(tmp_path: Path) -> None:
    text = write_index(_entries(), tmp_path, title="Reports", lang="en").read_text("utf-8")
    assert '<html lang="en">' in text
    row = re.search(r'<tr class="failed".*?</tr>', text, re.S)
    assert row is not None
    assert "KeyError: &#39;premium_income&#39; &lt;b&gt;" in row.group(0)
    assert "Traceback" not in text
    assert 'data-status="failed"' in text
    summary = re.search(r'<section class="summary".*?</section>', text, re.S).group(0)
    values = re.findall(r'class="value">(\d+)<', summary)
    assert values[:3] == ["3", "2", "1"]  # reports, ok, failed
    assert summary.index("优 Excellent") < summary.index("中 Fair")  # best grade first


def test_index_filters_and_sorting(tmp_path: Path) -> None:
    text = render_index(_entries(), tmp_path, title="Reports", lang="en")
    for name in ("stage", "fund", "grade", "status"):
        assert f'<select name="{name}">' in text
    assert 'type="search"' in text
    assert '<option value="work_injury">工伤保险基金</option>' in text
    stages = re.findall(
        r'<tr class="\w+" data-province="\w*" data-stage="(\w+)" data-fund="(\w+)"', text
    )
    assert stages == [
        ("monitoring", "employee_medical"),
        ("self_evaluation", "enterprise_pension"),
        ("self_evaluation", "work_injury"),
    ]
    ordered = render_index(
        _entries(), tmp_path, title="R", stage_order=["self_evaluation", "monitoring"]
    )
    assert re.findall(r'data-stage="(\w+)"', ordered)[0] == "self_evaluation"


def test_index_groups_by_province_and_shows_each_reports_links(tmp_path: Path) -> None:
    east = [
        replace(
            e, province="370000", province_name="山东省 <east>", links=(("评分表 <x>", "r/a.xlsx"),)
        )
        for e in _entries()[:2]
    ]
    west = replace(_entries()[2], province="610000", province_name="陕西省")
    text = render_index([west, *east], tmp_path, title="R", lang="zh")
    groups = re.findall(r'<tr class="province-group" data-group="(\d+)"', text)
    assert groups == ["370000", "610000"]  # one heading per province, in code order
    assert "山东省 &lt;east&gt;" in text and '<select name="province">' in text
    rows = re.findall(r'data-province="(\d+)" data-stage="(\w+)"', text)
    assert [p for p, _ in rows] == ["370000", "370000", "610000"]
    assert text.count('<a href="r/a.xlsx">评分表 &lt;x&gt;</a>') == 2
    with pytest.raises(SipmError, match="inside the site"):
        render_index([replace(west, links=(("x", "../../etc/passwd"),))], tmp_path, title="R")


def test_index_is_deterministic(tmp_path: Path) -> None:
    a = render_index(_entries(), tmp_path, title="R", lang="zh")
    b = render_index(list(reversed(_entries())), tmp_path, title="R", lang="zh")
    assert a == b


def test_index_rejects_links_outside_site(tmp_path: Path) -> None:
    entry = ReportEntry("s", "S", "f", "F", "r", "R", 2024, html="../elsewhere/x.html")
    with pytest.raises(SipmError, match="inside the site"):
        render_index([entry], tmp_path, title="R")
    outside = ReportEntry("s", "S", "f", "F", "r", "R", 2024, pdf="/etc/passwd")
    with pytest.raises(SipmError, match="outside the site"):
        render_index([outside], tmp_path, title="R")
    inside = ReportEntry("s", "S", "f", "F", "r", "R", 2024, html=str(tmp_path / "r" / "x.html"))
    assert 'href="r/x.html"' in render_index([inside], tmp_path, title="R")


def test_index_link_cannot_become_javascript(tmp_path: Path) -> None:
    entry = ReportEntry("s", "S", "f", "F", "r", "R", 2024, html='javascript:alert("x")')
    text = render_index([entry], tmp_path, title="R")
    assert 'href="javascript:' not in text
    assert 'href="javascript%3Aalert%28%22x%22%29"' in text


def test_report_entry_status_checked() -> None:
    with pytest.raises(SipmError, match="status"):
        ReportEntry("s", "S", "f", "F", "r", "R", 2024, status="done")
    entry = ReportEntry("s", "S", "f", "F", "r", "R", 2024, flags=["a", "b"])  # type: ignore[arg-type]
    assert entry.flags == ("a", "b")


def test_index_filters_work_in_browser(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    index = write_index(_entries(), tmp_path, title="Reports", lang="en")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(index.as_uri())

            def visible() -> int:
                return page.locator("#reports tbody tr:visible").count()

            assert visible() == 3
            page.select_option("select[name=status]", "failed")
            assert visible() == 1 and page.inner_text("#shown") == "1"
            page.select_option("select[name=status]", "")
            page.fill("input[type=search]", "淄博")
            assert visible() == 1
            page.fill("input[type=search]", "no such thing")
            assert visible() == 0 and page.is_visible("#empty")
            assert errors == []
        finally:
            browser.close()


def test_renderer_survives_a_browser_crash(chromium: str, tmp_path: Path) -> None:
    html_path = tmp_path / "r.html"
    html_path.write_text(notebook_to_html(executed_notebook(), title="R"), encoding="utf-8")
    with PdfRenderer(executable=chromium) as renderer:
        renderer.render(html_path, tmp_path / "a.pdf")
        renderer._browser.close()  # simulate Chromium dying between two reports
        assert renderer.render(html_path, tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


def test_the_comparison_page_sets_regions_side_by_side_escaped_and_linked(tmp_path: Path) -> None:
    from sipm_helpers.render.compare import Compared, write_comparison
    from sipm_helpers.render.site import ui_strings

    def result(total, missed, solvency):
        return {
            "summary": {
                "total": total,
                "grade_zh": "优",
                "grade_en": "Excellent",
                "missed": missed,
            },
            "categories": [{"category": "decision", "earned": 8.5, "points": 10.0}],
            "unexplained_deviations": [{"indicator": "x"}] * missed,
            "sustainability": {"solvency_pass": solvency, "months_end": 7.25},
        }

    compared = [
        Compared(
            "wi", "工伤 <fund>", "370100", "济南<市>", "山东省", result(91.0, 0, 1.0), "r/a b.html"
        ),
        Compared("wi", "工伤 <fund>", "370200", "青岛市", "山东省", result(95.5, 2, 0.0), None),
    ]
    page = write_comparison(
        compared,
        {"wi": {"decision": "决策 <d>"}},
        tmp_path,
        title="T",
        ui=ui_strings("zh"),
        lang="zh",
    )
    text = page.read_text(encoding="utf-8")
    assert "<市>" not in text and "济南&lt;市&gt;" in text and "决策 &lt;d&gt;" in text
    assert '<a href="r/a%20b.html">济南&lt;市&gt;</a>' in text
    assert text.index("青岛市") < text.index("济南")  # best total first
    assert "8.5 / 10" in text and ">未通过<" in text and ">通过<" in text
    assert 'class="num bad" data-value="2">2<' in text
    assert 'data-kind="num"' in text and "localeCompare" in text  # sortable columns
