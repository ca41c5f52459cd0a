"""Typesetting of reports (issue 19 §2): sections numbered and listed in the contents,
table columns classed by their content, wide tables set smaller or in landscape, the
cover's facts and signature by stage, the page of each language, and the printed PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from sipm_helpers.batch.plan import Job
from sipm_helpers.config.appraisal import load_appraisal_rules
from sipm_helpers.config.labels import load_labels
from sipm_helpers.errors import ParameterError
from sipm_helpers.render.cover import document_date, make_cover
from sipm_helpers.render.html import notebook_to_html
from sipm_helpers.render.page import PAGES, page_spec
from sipm_helpers.render.pdf import PdfRenderer
from sipm_helpers.render.typeset import (
    Measure,
    chinese_number,
    is_numbered,
    section_number,
    table_layout,
    text_em,
    typeset,
)

MEASURE = Measure(portrait=30.0, landscape=45.0, dense=52.0)
PAGE = '<main><header><h1>T</h1></header><nav class="sipm-toc"></nav><div>{}</div></main>'


def _page(body: str, lang: str = "zh") -> str:
    return typeset(PAGE.format(body), lang=lang, measure=MEASURE, toc_title="目录")


# ---------------------------------------------------------------- numbers and widths


def test_widths_count_cjk_as_one_em_and_the_rest_about_half() -> None:
    assert text_em("行业") == 2.0
    assert text_em("2026-12-31") == pytest.approx(5.5)
    assert text_em("97.2% 优") == pytest.approx(5 * 0.55 + 0.3 + 1)


def test_section_numbers_in_each_language() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 99)] == [
        "一", "九", "十", "十二", "二十", "九十九"
    ]  # fmt: skip
    assert section_number(2, (3, 0), "zh") == "三、"
    assert section_number(3, (3, 2), "zh") == "（二）"
    assert section_number(2, (3, 0), "en") == "3. "
    assert section_number(3, (3, 2), "en") == "3.2 "
    assert is_numbered("一、绩效目标设定情况") and is_numbered("（三）总体目标")
    assert is_numbered("2.1 Funding") and is_numbered("3. Deviations")
    assert (
        not is_numbered("总体评价")
        and not is_numbered("Summary")
        and not is_numbered("2025 budget")
    )


# ---------------------------------------------------------------- headings and contents


def test_unnumbered_report_is_numbered_and_listed_in_the_contents() -> None:
    html = _page("<h2>总体评价</h2><p>x</p><h3>分项</h3><h3>另一项</h3><h2>审核发现</h2>")
    assert '<h2 id="sec-1"><span class="sipm-secnum">一、</span>总体评价</h2>' in html
    assert '<h3 id="sec-2"><span class="sipm-secnum">（一）</span>分项</h3>' in html
    assert '<span class="sipm-secnum">（二）</span>另一项' in html
    assert '<span class="sipm-secnum">二、</span>审核发现' in html
    toc = html[html.index('<nav class="sipm-toc">') : html.index("</nav>")]
    assert '<p class="sipm-toc-title">目录</p>' in toc
    assert (
        '<li class="toc-2"><a href="#sec-1">一、总体评价</a>'
        '<span class="toc-page" data-for="sec-1"></span></li>'
    ) in toc
    assert '<li class="toc-3"><a href="#sec-3">（二）另一项</a><span class="toc-page"' in toc
    # the headings keep their place: the contents come before them, the cover's h1 is not listed
    assert html.index("</nav>") < html.index('id="sec-1"') and ">T<" not in toc


def test_a_report_numbering_its_own_sections_keeps_its_numbers() -> None:
    html = _page('<h2>摘要</h2><h2 id="own">一、基本情况</h2><h3>（一）各基金</h3>', lang="zh")
    assert "sipm-secnum" not in html
    assert '<h2 id="own">一、基本情况</h2>' in html  # an existing id is kept
    assert '<a href="#own">一、基本情况</a>' in html and '<a href="#sec-1">摘要</a>' in html


def test_english_numbers_and_the_anchor_link_is_not_heading_text() -> None:
    html = typeset(
        PAGE.format('<h2 id="a">Summary<a class="anchor-link" href="#a">¶</a></h2>'),
        lang="en",
        measure=MEASURE,
        toc_title="Contents",
    )
    assert '<a href="#a">1. Summary</a>' in html


def test_contents_escape_heading_text_and_attributes() -> None:
    html = _page('<h2 title="a &quot;b&quot; &lt;c&gt;">&lt;script&gt;x &amp; y</h2>')
    assert "<script>" not in html
    assert "一、&lt;script&gt;x &amp; y</a>" in html
    assert 'title="a &quot;b&quot; &lt;c&gt;"' in html


def test_no_heading_no_contents() -> None:
    html = _page("<p>only text</p>")
    assert "sipm-toc" not in html and "<p>only text</p>" in html


# ---------------------------------------------------------------- tables


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="sipm-table"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'


LONG = "预算编制准确率偏差（收入、支出分别按执行数与年初预算之差计算）"


def test_short_columns_never_wrap_and_long_ones_keep_a_width() -> None:
    html = _page(_table(["指标", "依据"], [[LONG, "行业"], ["收入预算完成率", "计划"]]))
    assert '<td class="sipm-wrap">' + LONG in html
    assert '<td class="sipm-nw">行业</td>' in html and '<td class="sipm-nw">计划</td>' in html
    assert '<th class="sipm-head">依据</th>' in html
    assert "sipm-landscape" not in html and "sipm-dense" not in html


def test_a_spanning_group_row_is_left_alone_and_classes_are_added_to_existing_ones() -> None:
    table = (
        '<table class="sipm-table"><tbody><tr class="group"><td colspan="2">企业职工基本养老保险基金'
        '</td></tr><tr><td>金河市</td><td class="num bad">97.2</td></tr></tbody></table>'
    )
    html = _page(table)
    assert '<td colspan="2">企业职工基本养老保险基金</td>' in html
    assert '<td class="sipm-nw">金河市</td>' in html
    assert '<td class="num bad sipm-nw">97.2</td>' in html


def test_wide_tables_are_set_smaller_then_in_landscape() -> None:
    measure = Measure(portrait=31.6, landscape=45.6, dense=53.1)
    numbers = {i: ["12,797,847.5"] for i in range(4)}  # 6.6 em + padding each
    assert table_layout(numbers, measure)[2] == ()
    wider = {i: ["12,797,847.5"] for i in range(5)}  # 37 em: fits portrait at 12 pt (36.9)?
    assert table_layout(wider, measure)[2] in (("sipm-dense",), ("sipm-landscape", "sipm-dense"))
    widest = {i: ["12,797,847.5"] for i in range(7)}
    assert table_layout(widest, measure)[2] == ("sipm-landscape", "sipm-dense")
    html = _page(_table([f"列{i}" for i in range(7)], [["12,797,847.5"] * 7]))
    assert (
        '<div class="sipm-landscape"><table class="sipm-table sipm-landscape sipm-dense">' in html
    )
    assert html.count("</table></div>") == 1


def test_header_words_count_not_the_whole_header() -> None:
    body = {0: ["97.2%"]}
    kinds, heads, own = table_layout(body, MEASURE, {0: ["Self-assessed total score 2025"]})
    assert kinds == {0: "sipm-nw"} and heads == {0: "sipm-head"} and own == ()


# ---------------------------------------------------------------- pages


def test_chinese_page_is_gb_t_9704s_type_area() -> None:
    zh = PAGES["zh"]
    assert (zh.width, zh.height) == (156.0, 225.0)
    assert zh.body_pt == 16 and zh.table_pt < zh.body_pt and zh.folio_pt == 14
    assert "Noto Serif CJK SC" in zh.body_font and "Noto Sans CJK SC" in zh.heading_font
    assert page_spec("zh-CN") is zh and page_spec("en") is PAGES["en"]
    assert zh.measure.portrait == pytest.approx(156 / (25.4 / 72) / 14)


def test_report_css_carries_the_page() -> None:
    nb = new_notebook(cells=[])
    zh = notebook_to_html(nb, title="标题", lang="zh")
    assert "margin: 37.0mm 26.0mm 35.0mm 28.0mm" in zh and "font-size: 16.0pt" in zh
    assert '"— " counter(page) " —"' in zh and "@bottom-left" in zh
    en = notebook_to_html(nb, title="Title", lang="en")
    assert '"— "' not in en and 'counter(page) " / " counter(pages)' in en


# ---------------------------------------------------------------- covers


def _job(
    stage: str, fund: str = "employee_medical", region: str = "910100", when=2025, lang="zh"
) -> Job:
    return Job(stage, fund, region, "x", when, lang, "")


def test_cover_by_stage_dates_numbers_and_signatures(demo, ctx) -> None:
    zh = load_labels("zh")
    letter = make_cover(_job("feedback_letter"), zh, demo, ctx)
    facts = dict(letter.facts)
    assert (
        facts["评价对象"].endswith("职工基本医疗保险基金（含生育保险）")
        or "医疗" in facts["评价对象"]
    )
    assert facts["评价机构"] == "受托第三方绩效评价机构"
    assert facts["委托单位"].endswith("财政厅")
    assert letter.date == "2026年7月31日"
    place = ctx.registry.place("employee_medical")
    assert letter.number == f"财社绩反〔2026〕910100-{place}号"
    assert letter.signers[0].endswith("财政厅") and letter.signers[1].endswith("医疗保障局")
    assert letter.seal == "（盖章）" and len(letter.signers) == 2

    report = make_cover(_job("provincial_report", "all", "910000"), zh, demo, ctx)
    assert report.number == "财社绩〔2026〕910000号" and ctx.registry.place("all") == "00"
    assert [s[-5:] for s in report.signers[1:]] == ["人力资源社会保障厅"[-5:], "医疗保障局"[-5:]]

    evaluation = make_cover(_job("self_evaluation"), zh, demo, ctx)
    assert evaluation.signers == () and evaluation.seal == ""
    assert evaluation.date == "2026年5月31日" and evaluation.number.startswith(
        "绩效自评〔2026〕910100-"
    )
    monitoring = make_cover(_job("monitoring", when="2026-10"), zh, demo, ctx)
    assert monitoring.date == "2026年10月31日" and monitoring.number.startswith("财社监控〔2026〕")
    english = make_cover(_job("monitoring", when="2026-10", lang="en"), load_labels("en"), demo,
                         ctx)  # fmt: skip
    assert english.number.endswith("-2026-10")
    review = make_cover(_job("target_review", when=2026), zh, demo, ctx)
    assert review.date == "2025年12月31日"


def test_the_plan_names_the_evaluator_and_client(demo, ctx) -> None:
    zh = load_labels("zh")
    cover = make_cover(
        _job("self_evaluation"),
        zh,
        demo,
        ctx,
        evaluator={"zh": "某某会计师事务所", "en": "X LLP"},
        client={"zh": "{province}财政厅社会保障处"},
    )
    facts = dict(cover.facts)
    assert facts["评价机构"] == "某某会计师事务所"
    assert facts["委托单位"] == demo.region_name("910000", "zh") + "财政厅社会保障处"


def test_a_plans_as_of_dates_the_provincial_documents(ctx) -> None:
    job = Job("provincial_evaluation", "work_injury", "910000", "x", 2025, "zh", "", "2026-08-15")
    assert str(document_date(job, ctx)) == "2026-08-15"


def test_document_number_patterns_are_checked(tmp_path: Path) -> None:
    source = (Path(__file__).parents[1] / "parameters" / "appraisal.yaml").read_text("utf-8")
    bad = tmp_path / "appraisal.yaml"
    pattern = '"ZP-{region}-{fund}-{year}"'
    bad.write_text(source.replace(pattern, '"ZP{region.__class__}"'), "utf-8")
    with pytest.raises(ParameterError, match=r"report\.numbers\.self_evaluation"):
        load_appraisal_rules(bad)
    bad.write_text(source.replace(pattern, '"ZP{secret}"'), "utf-8")
    with pytest.raises(ParameterError, match="may use only"):
        load_appraisal_rules(bad)


# ---------------------------------------------------------------- printed


def _report(body_html: str, signers: list[str]) -> new_notebook:
    return new_notebook(
        cells=[
            new_code_cell(
                "x",
                execution_count=1,
                outputs=[new_output("display_data", data={"text/html": body_html})],
            )
        ]
    )


def test_printed_report_cover_numbers_columns_landscape_and_bookmarks(
    chromium: str, tmp_path: Path
) -> None:
    rows = [[LONG * 2, "行业", "整改中", "金河市"] for _ in range(3)]
    narrow = _table(["指标", "依据", "状态", "地区"], rows)
    wide = _table([f"列{i}" for i in range(9)], [["12,797,847.5"] * 9])
    body = f"<h2>总体评价</h2><p>{'文字' * 400}</p>{narrow}<h2>地区</h2>{wide}<h2>结论</h2>"
    cover = {
        "facts": [["文号", "FK1"]],
        "number": "FK1",
        "date": "2026年7月31日",
        "signers": ["示例省财政厅", "示例省医疗保障局"],
        "seal": "（盖章）",
        "toc_title": "目录",
    }
    html_path = tmp_path / "r.html"
    html_path.write_text(
        notebook_to_html(_report(body, []), title="反馈意见", lang="zh", cover=cover), "utf-8"
    )
    with PdfRenderer(executable=chromium) as renderer:
        pdf_path = renderer.render(html_path, tmp_path / "r.pdf")
    reader = pypdf.PdfReader(pdf_path)
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    assert sizes[0] == (595, 842) and (842, 595) in sizes  # A4, and a landscape page
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    nested = [o.title for group in reader.outline if isinstance(group, list) for o in group]
    assert "一、总体评价" in titles + nested and "三、结论" in titles + nested
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf_path), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        # no short column wraps a character a line: each short text stays whole
        assert text.count("行业") >= 3 and text.count("整改中") >= 3 and text.count("金河市") >= 3
        assert "示例省财政厅" in text and "（盖章）" in text and "2026年7月31日" in text
        pages = text.split("\f")
        assert not re.search(r"—\s*\d+\s*—", pages[0])  # the cover bears no number
        for number, page in enumerate(pages[1:-1], start=2):
            line = next(ln for ln in page.splitlines() if re.search(rf"—\s*{number}\s*—", ln))
            indent = len(line) - len(line.lstrip())
            # even pages: the number at the left; odd pages: at the right
            assert (indent < 10) == (number % 2 == 0), (number, line)


def test_the_printed_contents_give_each_sections_page_and_the_bookmarks_match_them(
    chromium: str, tmp_path: Path
) -> None:
    """The contents carry the page each section starts on (the folio printed on it), the
    bookmarks are the title and the contents' entries, each once, and the link to the
    scoring form beside the report names no folder of this machine."""
    body = (
        f"<h2>总体评价</h2><p>{'文字' * 900}</p><h3>分项</h3><p>{'文字' * 300}</p>"
        '<h2>评分表</h2><p><a href="form.xlsx">评分表</a></p>'
    )
    cover = {"facts": [], "number": "", "date": "2026年7月31日", "signers": [], "seal": "",
             "toc_title": "目录"}  # fmt: skip
    html_path = tmp_path / "r.zh.html"
    html_path.write_text(
        notebook_to_html(_report(body, []), title="自评报告", lang="zh", cover=cover), "utf-8"
    )
    with PdfRenderer(executable=chromium) as renderer:
        pdf_path = renderer.render(html_path, tmp_path / "r.zh.pdf")
    reader = pypdf.PdfReader(pdf_path)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["自评报告"]
    assert [t for t, _ in _flat(reader.outline)] == ["自评报告", "一、总体评价", "（一）分项",
                                                     "二、评分表"]  # fmt: skip
    starts = {t: reader.get_destination_page_number(o) + 1 for t, o in _flat(reader.outline)}
    assert starts["一、总体评价"] == 3 and starts["二、评分表"] > starts["（一）分项"] > 3
    contents = reader.pages[1].extract_text()
    for title, page in starts.items():
        if title != "自评报告":
            assert re.search(rf"{re.escape(title)}[\s.…·]*{page}\b", contents), (title, contents)
        assert title in reader.pages[page - 1].extract_text(), title
    links = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])
             if "/A" in a.get_object()]  # fmt: skip
    assert links == ["form.xlsx"] and b"file://" not in pdf_path.read_bytes()
    assert not list(tmp_path.glob(".*"))  # the numbered print's page is gone


def _flat(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item.title, item


# ---------------------------------------------------------------- chart titles


def test_title_lines_break_between_words_and_cjk_characters_but_not_before_a_closing_mark() -> None:
    from sipm_helpers.present.plots import wrap_line

    assert wrap_line("Premium income: cumulative execution", lambda s: len(s) <= 20) == (
        "Premium income:\ncumulative execution"
    )
    assert (
        wrap_line("保险费收入：累计执行进度", lambda s: len(s) <= 5)
        == "保险费收\n入：累计执\n行进度"
    )
    assert wrap_line("short", lambda s: False) == "short"  # a token too long stays whole


@pytest.mark.parametrize(
    "title",
    [
        "Premium income: cumulative execution against the seasonal profile of past years",
        "保险费收入：累计执行进度与季节性序时进度比较（万元）及全年预算",
    ],
)
def test_a_long_chart_title_is_wrapped_inside_the_figure(title: str) -> None:
    import matplotlib

    from sipm_helpers.present.plots import _figure, _style, fit_axes

    with matplotlib.rc_context(_style()):
        fig = _figure(3.3, 2.4)
        ax = fig.add_subplot()
        ax.plot([1, 12], [0, 100])
        ax.set_ylabel("10k yuan")
        ax.set_title(title, loc="left", fontsize=10)
        fit_axes(fig)
        renderer = fig._get_renderer()
        box = ax._left_title.get_window_extent(renderer)
        width, height = fig.get_size_inches() * fig.dpi
        assert "\n" in ax._left_title.get_text()
        assert box.x0 >= 0 and box.x1 <= width and box.y1 <= height
        # the axes keep their width: only the title was broken
        assert ax.get_position().width > 0.6
