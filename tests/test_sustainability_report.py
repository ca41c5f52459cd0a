"""Sustainability in reports: the self-evaluation section, the regions compared, the
stage result."""

from __future__ import annotations

import re

import pytest
from builders import MED_FUND, annual_dataset

from sipm_helpers.config.sustainability import load_sustainability_rules
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.sustainability import project
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.sustainability_report import SustainabilityReport, region_comparison

RULES = load_sustainability_rules()


def geometric(first: float, growth: float, years: int) -> list[float]:
    return [first * (1 + growth) ** k for k in range(years)]


@pytest.fixture(scope="module")
def two_regions(tiny):
    return annual_dataset(
        tiny,
        {
            "110100": (2000.0, geometric(1000, 0.04, 5), geometric(1200, 0.04, 5)),  # fails
            "110200": (900.0, geometric(1000, 0.06, 5), geometric(950, 0.05, 5)),  # passes
        },
    )


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))


def test_section_for_a_failing_fund_in_both_languages(two_regions, ctx):
    proj = project(two_regions, ctx, RULES, funds=[MED_FUND])
    en = SustainabilityReport(proj, MED_FUND, "110100", two_regions, ctx, "en").section().html
    words = text(en)
    assert "Sustainability and actuarial balance" in words
    assert "income grows +4.0% a year" in words and "expenditure +4.0%" in words
    assert "fails the 10-year solvency test" in words
    # below 6 months from 2024 on: every year of the test is short (the indicator's actual)
    assert (
        "in 2024 (it passes on 0% of the simulated paths). It covers fewer than 6 months in 10 of the"
        in words
    )
    assert (
        "would be exhausted in 20" in words
        and "To pass, premium income would have to grow" in words
    )
    assert en.count("<svg") == 2  # the fan chart and the months covered
    assert "Accumulated balance: history and projection to 2033" in en
    assert len(re.findall(r"<tr>", en.split("<h4>")[1])) == 6  # header and five cases
    zh = text(SustainabilityReport(proj, MED_FUND, "110100", two_regions, ctx, "zh").section().html)
    assert "未通过10年偿付能力检验" in zh and "累计结余预计于" in zh
    assert "检验期10年中，共有10年累计结余可支付月数低于6个月。" in zh


def test_section_for_a_passing_fund(two_regions, ctx):
    proj = project(two_regions, ctx, RULES, funds=[MED_FUND])
    words = text(SustainabilityReport(proj, MED_FUND, "110200", two_regions, ctx).section().html)
    assert "passes the 10-year solvency test" in words
    assert "not exhausted within the horizon (to 2033)" in words
    assert "would still pass" in words or "whatever its premium income did" in words


def test_regions_compared(two_regions, ctx):
    proj = project(two_regions, ctx, RULES, funds=[MED_FUND])
    html = region_comparison(proj, two_regions, ctx, fund=MED_FUND, province="110000").html
    words = text(html)
    assert "1 of 2 region(s) fail the 10-year solvency test" in words
    rows = re.findall(r"<tr>(.*?)</tr>", html)[1:]
    assert "Fails in" in rows[0] and "Passes" in rows[1]  # failures first
    assert "Regions against the 10-year solvency test" in html


def test_self_evaluation_without_a_projection_says_so(tiny, ctx):
    ev = evaluate(tiny, ctx, fund=MED_FUND, region="110100", year=2025)
    html = SelfEvaluationReport(ev, tiny, ctx, "en").sustainability().html
    assert "No complete year to project from" in html


def test_stage_result_carries_the_projection(demo, ctx):
    from sipm_helpers.stages.self_evaluation import run as self_evaluation

    run = self_evaluation(fund="resident_medical", region="930400", year=2025)
    result = run.result()["sustainability"]
    assert result["last_year"] == 2025 and result["solvency_pass"] == 0
    assert result["depletion_year"] == 2026  # the planted low reserve runs out
    assert len(result["projection"]) == 10 and len(result["sensitivity"]) == 5
    assert "solvency_fails" in run.result()["flags"]  # the index shows it
    passing = self_evaluation(fund="employee_medical", region="910100", year=2025).result()
    assert passing["sustainability"]["solvency_pass"] == 1
    assert "solvency_fails" not in passing["flags"]
    assert "sustainability" in run.report.sustainability().html.lower()


def test_a_fund_failing_the_solvency_test_is_no_longer_excellent(demo, ctx):
    """The issue's case: Nanyu's enterprise pension of 2025 fails the solvency test (below
    its 12 months from 2030) and was graded excellent (94.1). Its sustainability now reads
    the very verdict the report gives: 6 years short (2030–2035) of the 5 that take all 5
    points; and its collection rate, 9.7 points short of 97.3 %, loses its 8 points."""
    from sipm_helpers.stages.self_evaluation import run as self_evaluation

    run = self_evaluation(fund="enterprise_pension", region="930000", year=2025)
    result = run.result()
    sus = result["sustainability"]
    assert sus["solvency_pass"] == 0 and sus["solvency_fail_year"] == 2030
    rows = run.outcome.indicators.set_index("indicator")
    assert rows.loc["fund_sustainability", "actual"] == sus["years_short"] == 6
    assert rows.loc["fund_sustainability", "score"] == 0
    assert rows.loc["premium_collection_rate", "score"] == 0
    assert result["summary"]["grade"] == "good" and result["summary"]["total"] < 90
