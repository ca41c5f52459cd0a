"""Report sections, tables, charts and formatting, in English and Chinese."""

from __future__ import annotations

import matplotlib
import pytest

from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.present import plots
from sipm_helpers.present.formatting import fmt_money, fmt_number, fmt_rate, fmt_value
from sipm_helpers.present.labels import load_labels
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


def test_tables_escape_and_align():
    html = html_table(
        ["<b>", "n"], [["<script>alert(1)</script>", Cell("1,200.0", True)]], numeric_columns=[1]
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<td class="num">1,200.0</td>' in html and '<th class="num">n</th>' in html
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
    assert "2025 年分科目预算执行情况" in svg
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
    assert report._deviation_text(rows.loc["satisfaction"]) == "–"
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
    assert "Points assessed" in header and "72 of 100" in header
    assert "72 of 100 points" in summary and "missing = zero" in summary
    table = report.indicators().html
    assert "Not assessed: no evidence" in table and "Not assessed: no target" in table
    zh = SelfEvaluationReport(ev, tiny, ctx, "zh").indicators().html
    assert "未评价：无佐证材料" in zh
