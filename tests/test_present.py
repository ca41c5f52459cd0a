"""Report sections, tables, charts and formatting, in English and Chinese."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import matplotlib
import pytest

from sipm_helpers.config.labels import load_labels
from sipm_helpers.domain.evaluation import evaluate, score_fund
from sipm_helpers.domain.scoring import NOT_APPLICABLE, REPORTED
from sipm_helpers.present import plots
from sipm_helpers.present.formatting import (
    fmt_money,
    fmt_number,
    fmt_points,
    fmt_rate,
    fmt_score,
    fmt_value,
)
from sipm_helpers.present.report import SelfEvaluationReport, rich
from sipm_helpers.present.tables import Cell, html_table

SECTIONS = [
    "header",
    "summary",
    "targets",
    "funding",
    "management",
    "overall_targets",
    "indicators",
    "deviations",
    "data_quality",
]


@pytest.fixture(scope="module")
def ev(tiny, ctx):
    return evaluate(tiny, ctx, fund="employee_medical", region="110100", year=2025)


def test_formatting():
    assert fmt_money(1234567.84) == "1,234,567.8"
    assert fmt_rate(0.95342) == "95.3%"
    assert fmt_number(float("nan")) == "–" and fmt_rate(None) == "–"
    assert fmt_value(8.4888, "months") == "8.49" and fmt_value(950, "persons") == "950"


def test_scores_are_shown_rounded_half_up_at_the_precision_given():
    # f"{8.65:.1f}" happens to read 8.7, but 0.25 and 3.28 + 2.67 + 2.7 (8.649999999999999)
    # read 0.2 and 8.6 by Python's formatting
    assert f"{0.25:.1f}" == "0.2" and f"{3.28 + 2.67 + 2.7:.1f}" == "8.6"
    assert fmt_score(0.25, 1) == "0.3" and fmt_score(3.28 + 2.67 + 2.7, 1) == "8.7"
    assert fmt_score(2.675, 2) == "2.68" and fmt_score(95.5, 0) == "96"
    assert fmt_score(1.7, 1, signed=True) == "+1.7" and fmt_score(-0.05, 1, signed=True) == "-0.1"
    assert fmt_score(None, 1) == "–"
    assert (
        fmt_points(8.0, 1) == "8" and fmt_points(6.66, 1) == "6.7" and fmt_points(5.7, 1) == "5.7"
    )


def test_tables_escape_and_align():
    html = html_table(
        ["<b>", "n"], [["<script>alert(1)</script>", Cell("1,200.0", True)]], numeric_columns=[1]
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    # numbers right and text left, inline too: JupyterLab's style right-aligns every cell
    assert '<td class="num" style="text-align:right">1,200.0</td>' in html
    assert '<th class="num" style="text-align:right">n</th>' in html
    assert '<td style="text-align:left">&lt;script&gt;' in html
    assert '<th style="text-align:left">&lt;b&gt;</th>' in html
    assert rich("**a** <i>") == "<strong>a</strong> &lt;i&gt;"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_renders(ev, tiny, ctx, lang):
    report = SelfEvaluationReport(ev, tiny, ctx, lang)
    html = "".join(getattr(report, name)()._repr_html_() for name in SECTIONS)
    if lang == "zh":
        assert "甲市" in report.title() and "职工基本医疗保险基金" in report.title()
        assert "偏差原因及改进措施" in html and "未说明" in html and "优" in html
    else:
        assert "Alpha City" in report.title()
        assert (
            "Deviations, their reasons and improvement measures" in html and "Not explained" in html
        )
    assert html.count("<svg") == 3  # execution, months covered, categories
    assert f"{ev.summary['total']:.1f}" in html  # the total, formatted to one decimal
    assert "企业欠费" in html  # the agency's reason, as submitted


def test_data_is_escaped_in_reports(tiny, ctx):
    hostile = tiny.explanations.copy()
    hostile.loc[0, "reason"] = "<img src=x onerror=alert(1)>"
    ds = type(tiny)(**{**tiny.__dict__, "explanations": hostile})
    ev = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    html = SelfEvaluationReport(ev, ds, ctx, "en").indicators()._repr_html_()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_charts_are_titled_svg_and_leave_global_settings_alone(ev):
    before = dict(matplotlib.rcParams)
    labels = load_labels("zh")
    svg = plots.months_chart(ev.balance_history, 6, 9, labels)
    assert svg.startswith("<svg") and "累计结余可支付月数" in svg  # text kept as text
    svg = plots.execution_chart(ev.funding, list(ev.funding["item"]), labels, 2025)
    assert "2025年分科目预算执行情况" in svg
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("label", ["Short", "一个名字很长很长的统筹地区（市本级）医疗保险基金"])
def test_chart_text_fits_inside_the_figure(label):
    with matplotlib.rc_context(plots._style()):
        fig = plots._figure(6.8, 2.4)
        ax = fig.add_subplot()
        ax.barh(range(3), [5, 120_000, 3], label="bars")
        ax.set_yticks(range(3), [label, "B", label * 2])
        ax.set_title("A title placed on the left " * 2, loc="left")
        ax.set_xlabel("months")
        plots.legend_below(ax)
        plots.fit_axes(fig)
        renderer = fig._get_renderer()
        box, (width, height) = fig.get_tightbbox(renderer), fig.get_size_inches()
    pos = ax.get_position()
    assert pos.width >= plots.MIN_AXES_SHARE and pos.height >= plots.MIN_AXES_SHARE
    if len(label) < 10:  # labels that fit are neither cut nor left with wide margins
        assert box.x0 >= -0.01 and box.y0 >= -0.01
        assert box.x1 <= width + 0.01 and box.y1 <= height + 0.01
        assert box.x0 <= 0.1 and box.y0 <= 0.1


def test_band_text(ev, tiny, ctx):
    assert SelfEvaluationReport(ev, tiny, ctx, "en")._band_text() == "6 to 9 months"
    assert SelfEvaluationReport(ev, tiny, ctx, "zh")._band_text() == "6至9个月"


def test_deviation_is_in_points_for_rates_and_units_otherwise(ev, tiny, ctx):
    report = SelfEvaluationReport(ev, tiny, ctx, "en")
    rows = ev.indicators.set_index("indicator", drop=False)
    assert (
        report._deviation_text(rows.loc["premium_collection_rate"])
        == f"{(1200 / 1260 - 0.98) * 100:+.1f} pp"
    )
    assert report._deviation_text(rows.loc["insured_persons"]) == "-50"
    assert report._deviation_text(rows.loc["months_covered"]) == "+0.00"  # inside the band
    assert report._deviation_text(rows.loc["satisfaction"]) == "+2.0 pp"  # 92 % against 90 %
    zh = SelfEvaluationReport(ev, tiny, ctx, "zh")
    assert zh._deviation_text(rows.loc["premium_collection_rate"]).endswith("个百分点")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_target_review_report_words_every_finding(tiny, ctx, lang):
    from sipm_helpers.domain.target_review import review_targets
    from sipm_helpers.present.target_review_report import TargetReviewReport

    review = review_targets(tiny, ctx, fund="employee_medical", region="110100", year=2025)
    report = TargetReviewReport(review, tiny, ctx, lang)
    html = "".join(
        s._repr_html_()
        for s in (report.header(), report.summary(), report.findings(), report.targets_table())
    )
    assert ("退回修改" if lang == "zh" else "Return for revision") in html
    # the findings by dimension with their points, the score behind the verdict, and the
    # figures the review rests on (reviewed on 30 September 2024: 2024's January–September)
    if lang == "zh":
        assert "依据2025年年初预算、2024年1—9月执行数及2023年度省级评价结果" in html
        assert "30分（15分及以上退回修改，1分及以上修改后通过）" in html
        assert all(f"{d}（" in html for d in ("完整性", "相关性", "适当性", "可行性"))
        assert "完整性（30分）" in html and "2024（预计）" in html
    else:
        assert (
            "Based on the initial budget for 2025, execution to the end of month 9 of 2024 "
            "and the provincial evaluation of 2023" in html
        )
        assert "Completeness (30 points)" in html and "Feasibility (0 points)" in html
        assert "30 points (return at 15, approve with changes at 1)" in html
    for finding in review.findings:
        message = report.message(finding)
        assert "{" not in message and "}" not in message  # every placeholder filled
        assert escape_html(message) in html


def escape_html(text: str) -> str:
    from html import escape

    return escape(text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_pooled_fund_and_personal_accounts(tmp_path, ctx, lang):
    from builders import tiny_tables, with_pooled_fund, write_tiny

    from sipm_helpers.data.validation import load_dataset

    ds = load_dataset(write_tiny(tmp_path / "p", tables=with_pooled_fund(tiny_tables())), ctx)
    ev = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    html = SelfEvaluationReport(ev, ds, ctx, lang).management().html
    assert "764.0" in html and "400.0" in html and "364.0" in html and "6.7" in html
    assert ("pooled fund" in html) if lang == "en" else ("统筹基金" in html and "个人账户" in html)


def test_report_states_completeness_redistribution_and_the_missing_rule(tiny, ctx):
    ev = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)
    report = SelfEvaluationReport(ev, tiny, ctx, "en")
    header, summary = report.header().html, report.summary().html
    assert "Points assessed" in header and "70 of 100" in header
    assert "70 of 100 points" in summary and "not assessed and earn 0 points" in summary
    assert "missing =" not in summary  # a parameter's name is no sentence of a report
    table = report.indicators().html
    assert "Not assessed: no evidence" in table and "Not assessed: no target" in table
    zh = SelfEvaluationReport(ev, tiny, ctx, "zh").indicators().html
    assert "未评价：无佐证材料" in zh


def _table_rows(html: str) -> list[list[str]]:
    """The rows of the first table in ``html`` as the texts of their cells."""
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_indicator_table_adds_up_as_shown(ev, tiny, ctx, lang):
    """Alpha 2025 (test_evaluation.py): the scores shown per category add up to the subtotal
    shown under them, 15.0, 24.3, 29.2 and 26.0, and those to the total shown, 94.5, the
    total of the header; the text above the table gives the same subtotals. The survey
    rate shows the valid responses it rests on."""
    report = SelfEvaluationReport(ev, tiny, ctx, lang)
    section = report.indicators().html
    subtotal, total = ("小计", "合计") if lang == "zh" else ("Subtotal", "Total")
    scores, subtotals, totals = [], [], []
    for cells in _table_rows(section):
        if len(cells) == 1:  # a category's heading row
            scores.append([])
        elif cells[0] == subtotal:
            subtotals.append((Decimal(cells[3]), Decimal(cells[4])))
        elif cells[0] == total:
            totals.append((Decimal(cells[3]), Decimal(cells[4])))
        else:
            scores[-1].append(Decimal(cells[4]))
    assert [sum(s) for s in scores] == [e for _, e in subtotals]
    assert [e for _, e in subtotals] == [Decimal(x) for x in ("15.0", "24.3", "29.2", "26.0")]
    assert totals == [(sum(p for p, _ in subtotals), sum(e for _, e in subtotals))]
    assert totals == [(Decimal(100), Decimal("94.5"))]
    assert "94.5" in report.header().html
    shown = "92.0%（有效样本200份）" if lang == "zh" else "92.0% (200 valid responses)"
    assert shown in section
    for name, (points, earned) in zip(
        ("decision", "process", "output", "benefit"), subtotals, strict=True
    ):
        said = report.labels.t("category_score", category=report.category_name(name),
                               earned=str(earned), points=str(points))  # fmt: skip
        assert said in section  # zh: 决策15.0分（满分15分）
    rounded = "保留至0.1分" if lang == "zh" else "rounded half up to 0.1 point"
    assert rounded in report.summary().html


def _shown(value: object, digits: int) -> Decimal:
    return Decimal(fmt_score(value, digits).replace(",", ""))


def test_every_self_evaluation_of_the_demo_adds_up_as_shown(demo, ctx):
    """Every region's self-evaluation of every fund in 2025 (58): in each category the
    scores and the points as the report shows them add up to the subtotal it shows, and
    the subtotals to the total and the 100 points (the shipped ``missing: zero``)."""
    digits, checked = ctx.standards.score_decimals, 0
    assert ctx.standards.missing == "zero"
    for fund, regions in demo.coordination.groupby("fund")["region_code"]:
        scores = score_fund(demo, ctx, fund=fund, year=2025, regions=list(regions))
        for region in regions:
            ev = evaluate(demo, ctx, fund=fund, region=region, year=2025, scores=scores)
            rows = ev.indicators.loc[~ev.indicators["status"].isin([NOT_APPLICABLE, REPORTED])]
            for c in ev.categories.itertuples():
                mine = rows.loc[rows["category"] == c.category]
                where = (fund, region, c.category)
                assert sum(_shown(v, digits) for v in mine["score"]) == _shown(c.earned, digits), (
                    where
                )
                points = sum(Decimal(fmt_points(v, digits)) for v in mine["points"])
                assert points == Decimal(fmt_points(c.points, digits)), where
            earned = sum(_shown(v, digits) for v in ev.categories["earned"])
            assert earned == _shown(ev.summary["total"], digits), (fund, region)
            assert sum(Decimal(fmt_points(v, digits)) for v in ev.categories["points"]) == 100
            checked += 1
    assert checked == len(demo.coordination) == 58


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_band_reads_as_a_band_in_its_unit(ev, tiny, ctx, lang):
    report = SelfEvaluationReport(ev, tiny, ctx, lang)
    rows = ev.indicators.set_index("indicator", drop=False)
    band = "6–9 months" if lang == "en" else "6–9个月"
    assert report._target_text(rows.loc["months_covered"]) == band
    assert report._target_text(rows.loc["per_capita_expenditure_growth"]) == "≤ 8.0%"
    # a deduction per point below it reads as a floor; no unit word
    assert report._target_text(rows.loc["premium_collection_rate"]) == "≥ 98.0%"
    assert band in report.indicators().html


def test_a_measure_taken_as_the_larger_of_its_parts_names_both_and_the_larger(ev, tiny, ctx):
    from sipm_helpers.present.wording import parts_note

    # Beta City executed income and expenditure exactly as first budgeted: both 0.0 %
    html = SelfEvaluationReport(ev, tiny, ctx, "zh").indicators().html
    assert "收入0.0%，支出0.0%，本年度取收入、支出。" in html

    # Shiquan's 2025 deviation: income 0.9 % off its initial budget, expenditure 19.6 %
    row = {"unit": "rate", "part_income": 0.009, "part_expenditure": 0.196}
    assert parts_note(row, "预算编制准确率偏差", load_labels("zh")) == (
        "“预算编制准确率偏差”分项计算、取较大者计分：收入0.9%，支出19.6%，本年度取支出。"
    )
    assert parts_note(row, "Deviation", load_labels("en")) == (
        "Deviation is measured on each part and scored on the larger: income 0.9%, "
        "expenditure 19.6%; this year, expenditure."
    )
    tie = {"unit": "rate", "part_income": 0.0, "part_expenditure": 0.0}
    assert parts_note(tie, "D", load_labels("en")).endswith("this year, income and expenditure.")
    assert parts_note({"unit": "rate", "part_income": None}, "D", load_labels("en")) is None


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", "满意度调查有效样本数不足（100份，少于规定的139份）：未评价，计0分。"),
        ("en", "Too few valid survey responses (100, fewer than the 139 required): not assessed, 0 points."),
    ],
)  # fmt: skip
def test_a_small_survey_is_noted_with_its_sample_and_the_minimum(tiny, ctx, lang, said):
    """Beta's satisfaction survey: 100 valid responses against the 139 required, noted
    on the data, its rate shown with the sample it rests on."""
    beta = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)
    report = SelfEvaluationReport(beta, tiny, ctx, lang)
    assert said in report.data_quality().html
    shown = "95.0%（有效样本100份）" if lang == "zh" else "95.0% (100 valid responses)"
    assert shown in report.indicators().html


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("zh", ("生育津贴按时足额支付率", "按病组和病种分值付费医保基金支出占比", "违法违规使用医保基金追回率")),
        ("en", ("Maternity allowance paid on time and in full",
                "DRG/DIP payments", "Misused medical insurance funds recovered")),
    ],
)  # fmt: skip
def test_the_self_evaluation_shows_the_indicators_of_issue_20(tiny, ctx, lang, names):
    """Alpha's indicator table names the employees' medical indicators added for issue 20
    (their scores: tests/test_evaluation.py)."""
    ev = evaluate(tiny, ctx, fund="employee_medical", region="110100", year=2025)
    html = SelfEvaluationReport(ev, tiny, ctx, lang).indicators().html
    assert all(n in html for n in names), [n for n in names if n not in html]
