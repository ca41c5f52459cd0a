"""Word copies of the reports (issue 19 §3): real headings, Word tables, charts as images,
the page and faces of the PDF, and every stage's report published as .docx."""

from __future__ import annotations

import base64
from pathlib import Path

import docx
from docx.shared import Mm
from nbformat.v4 import new_code_cell, new_notebook, new_output

from sipm_helpers.render.docx import html_to_docx, word_ready
from sipm_helpers.render.html import notebook_to_html

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect x="10" y="10" width="80" height="60" fill="#1f4e79"/></svg>'
)
BODY = (
    "<h2>总体评价</h2><p>本基金自评得分 97.2 分。</p>"
    '<table class="sipm-table"><thead><tr><th>指标</th><th>依据</th></tr></thead><tbody>'
    + "".join(f"<tr><td>保险费征缴率{i}</td><td>行业</td></tr>" for i in range(40))
    + "</tbody></table>"
    f'<h2>图表</h2><figure class="sipm-chart">{SVG}</figure><h3>分项</h3><p>文字</p>'
)
COVER = {
    "facts": [["评价对象", "示例市 · 工伤保险基金"]],
    "number": "ZP1",
    "date": "2026年5月31日",
    "signers": ["示例省财政厅"],
    "seal": "（盖章）",
    "toc_title": "目录",
}


def test_svg_charts_become_png_images() -> None:
    data = base64.b64encode(SVG.encode()).decode()
    html = f'<p>a</p>{SVG}<div><img src="data:image/svg+xml;base64,{data}" alt="x"></div><p>b</p>'
    ready = word_ready(html)
    assert "<svg" not in ready and "image/svg" not in ready
    assert ready.count('<img src="data:image/png;base64,') == 2
    assert ready.startswith("<p>a</p>") and ready.endswith("</div><p>b</p>")


def test_a_report_in_word(tmp_path: Path) -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                execution_count=1,
                outputs=[new_output("display_data", data={"text/html": BODY})],
            )
        ]
    )
    html = tmp_path / "r.zh.html"
    html.write_text(notebook_to_html(nb, title="自评报告", lang="zh", cover=COVER), "utf-8")
    path = html_to_docx(html, tmp_path / "r.zh.docx", lang="zh", toc_title="目录")
    document = docx.Document(str(path))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert ("Heading 1", "自评报告") in headings
    assert ("Heading 2", "一、总体评价") in headings and ("Heading 3", "（一）分项") in headings
    assert len(document.tables) == 1
    table = document.tables[0]
    assert table.cell(0, 1).text == "依据" and table.cell(1, 1).text == "行业"
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # the header row repeats
    assert all(row._tr.trPr.xpath("./w:cantSplit") for row in table.rows)
    assert len(document.inline_shapes) == 1  # the chart, as an image
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1) and abs(section.left_margin - Mm(28)) < Mm(
        0.1
    )
    assert document.styles["Normal"].font.name == "Noto Serif CJK SC"
    assert document.styles["Normal"].font.size.pt == 16
    footer = section.footer._element.xml
    assert "PAGE" in footer and "—" in footer
    assert section.different_first_page_header_footer  # no number on the cover
    texts = [p.text for p in document.paragraphs]
    assert "目录" in texts and any("示例省财政厅" in t for t in texts)
    toc = next(p for p in document.paragraphs if p.text == "目录")
    assert toc.paragraph_format.page_break_before


def test_the_worker_that_ran_a_notebook_makes_its_word_copy(tmp_path: Path) -> None:
    """The batch's follow-up of a notebook writes its page and, when Word is asked for, its
    Word copy beside it (in the worker, in parallel); without Word, the page alone."""
    import nbformat

    from sipm_helpers.render.publish import render_page_and_copy

    nb = new_notebook(
        cells=[new_code_cell("x", execution_count=1,
                             outputs=[new_output("display_data", data={"text/html": BODY})])]
    )  # fmt: skip
    executed = tmp_path / "r.ipynb"
    nbformat.write(nb, executed)
    page = {"title": "自评报告", "subtitle": "", "lang": "zh", "cover": COVER}
    html = render_page_and_copy(executed, tmp_path / "a" / "r.zh.html", {}, word="目录", **page)
    assert html.exists() and html.with_suffix(".docx").exists()
    assert any(
        p.style.name.startswith("Heading")
        for p in docx.Document(html.with_suffix(".docx")).paragraphs
    )
    alone = render_page_and_copy(executed, tmp_path / "b" / "r.zh.html", {}, word=None, **page)
    assert alone.exists() and not alone.with_suffix(".docx").exists()
