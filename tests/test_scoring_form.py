"""The self-evaluation's scoring form (.xlsx) in the layout evaluators hand in."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.scoring_form import write_scoring_form


@pytest.fixture(scope="module")
def ev(tiny, ctx):
    return evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)


def rows_of(path):
    ws = load_workbook(path)["Scoring form"]
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def test_form_lists_every_indicator_by_category_with_subtotals_and_total(ev, tiny, ctx, tmp_path):
    report = SelfEvaluationReport(ev, tiny, ctx, "en")
    path = write_scoring_form(report, tmp_path / "form.xlsx")
    ws, rows = rows_of(path)
    assert rows[0][0].startswith("Beta City") and "scoring form, 2025" in rows[0][0]
    assert rows[1][:4] == [
        "First-level indicator",
        "Second-level indicator",
        "Third-level indicator",
        "Points",
    ]
    assert ws.freeze_panes == "A3"
    names = {r[2] for r in rows[2:]}
    assert {report.indicator_name(c) for c in ev.indicators["indicator"]} <= names
    subtotals = [r for r in rows if str(r[0]).startswith("Subtotal")]
    assert [r[0] for r in subtotals] == [
        "Subtotal: Decision-making",
        "Subtotal: Process",
        "Subtotal: Output",
        "Subtotal: Benefit",
    ]
    assert sum(r[6] for r in subtotals) == pytest.approx(ev.summary["earned"])
    total = next(r for r in rows if r[0] == "Total")
    assert total[3] == 100 and total[6] == pytest.approx(ev.summary["total"])
    assert next(r for r in rows if r[0] == "Grade")[2] == "Fair (中)"
    assert next(r for r in rows if r[0] == "Points assessed")[2] == "72 of 100"


def test_form_says_why_each_score_is_what_it_is(ev, tiny, ctx, tmp_path):
    report = SelfEvaluationReport(ev, tiny, ctx, "en")
    ws, rows = rows_of(write_scoring_form(report, tmp_path / "form.xlsx"))
    by_code = {r[2]: r for r in rows[2:]}
    coverage = by_code[report.indicator_name("coverage_rate")]
    assert coverage[7] == (
        "95.0% is 2.0 percentage points below the target 97.0%; 0.5 off per percentage point,"
        " down to 0: 6.0 − 1.00 = 5.00"
    )
    months = by_code[report.indicator_name("months_covered")]
    assert months[7].startswith("8.49 within 6.00–9.00: full points")
    missing = by_code[report.indicator_name("satisfaction")]
    assert missing[6] == 0 and missing[8] == "Not assessed: no evidence"
    rate_cell = next(row[5] for row in ws.iter_rows(min_row=3) if row[2].value == coverage[2])
    assert rate_cell.number_format == "0.0%" and rate_cell.value == pytest.approx(0.95)
    assert "Renshebufa [2009] No. 67" in months[11]  # the band's public source
    accuracy = by_code[report.indicator_name("budget_preparation_accuracy")]
    assert accuracy[7].startswith("3.0 × target 5.0% ÷ actual ")  # the inverse rule
    on_time = by_code[report.indicator_name("benefits_paid_on_time")]
    assert on_time[7] == "100.0% against ≥ 100.0%, all or nothing = 7.00"
    ahead = by_code[report.indicator_name("fund_sustainability")]
    assert ahead[7] == "0 within ≤ 0: full points = 5.00"  # no year below the floor


def test_form_in_chinese_and_its_funding_sheet(ev, tiny, ctx, tmp_path):
    report = SelfEvaluationReport(ev, tiny, ctx, "zh")
    wb = load_workbook(write_scoring_form(report, tmp_path / "表.xlsx"))
    assert wb.sheetnames == ["评分表", "资金情况"]
    header = [c.value for c in wb["评分表"][2]]
    assert header[:3] == ["一级指标", "二级指标", "三级指标"] and "评分依据" in header
    rows = {r[2]: r for r in ([c.value for c in row] for row in wb["评分表"].iter_rows())}
    collection = rows[report.indicator_name("premium_collection_rate")]
    basis = header.index("评分依据")
    # 1,200 ÷ 1,260 = 95.2 % against 98 %: 2.8 points short, a point off each
    assert collection[basis] == (
        "95.2% 比目标值 98.0% 低 2.8 个百分点，每低 1 个百分点扣 1 分，扣至 0 分为止："
        "8.0 − 2.76 = 5.24"
    )
    funding = [[c.value for c in row] for row in wb["资金情况"].iter_rows()]
    premium = next(r for r in funding if r[0] == "保险费收入")
    assert premium[1:4] == [1200, 1250, 1200] and premium[4] == pytest.approx(1200 / 1250)
