"""Exploring a dataset in a notebook: selection by code or name, one-call answers as tidy
frames with a formatted, escaped display."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import sipm_helpers
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.present.explore import Explorer, Tidy

EM = "employee_medical"


@pytest.fixture(scope="module")
def ex(demo, ctx):
    return Explorer(demo, ctx)


def test_regions_and_funds_are_chosen_by_code_or_either_name(ex, demo):
    name_zh = demo.region_name("910100", "zh")
    assert {ex.region("910100"), ex.region(name_zh), ex.region("Jinhe City")} == {"910100"}
    assert ex.fund("职工基本医疗保险基金（含生育保险）") == EM == ex.fund(EM)
    with pytest.raises(KeyError, match="no region named 'Jinhe'; close matches: Jinhe City"):
        ex.region("Jinhe")
    with pytest.raises(KeyError, match="close matches: employee_medical"):
        ex.fund("employee_medcal")
    assert set(ex.regions["region_code"]) == set(demo.regions["region_code"])
    assert ex.years == [2021, 2022, 2023, 2024, 2025, 2026] and ex.latest_complete_year == 2025


def test_totals_are_the_self_evaluations_and_answers_stay_tidy(ex, demo, ctx):
    t = ex.totals(regions=["Jinhe City", "910200"], funds=EM, years=2025)
    assert isinstance(t, Tidy) and t.title == "Totals and grades"
    for r in t.itertuples():
        summary = evaluate(demo, ctx, fund=EM, region=r.region_code, year=2025).to_result()
        assert r.total == pytest.approx(summary["summary"]["total"])
        assert r.grade == summary["summary"]["grade"]
    assert isinstance(t[t["total"] > 0], Tidy)  # pandas keeps the type through selection
    s = ex.scores(regions="910100", funds=[EM], years=[2024, 2025])
    assert set(s["year"]) == {2024, 2025} and s["indicator"].is_unique is False
    assert len(s) == 2 * len(ctx.catalogue(EM, "910000").indicators)


def test_one_indicator_compared_across_regions(ex, demo):
    c = ex.compare("coverage_rate", "职工基本医疗保险基金（含生育保险）", 2025)
    coordinating = demo.coordination.loc[demo.coordination["fund"] == EM, "region_code"]
    assert set(c["region_code"]) == set(coordinating)
    assert c["actual"].is_monotonic_decreasing
    with pytest.raises(KeyError, match="not an indicator of employee_medical"):
        ex.compare("nope", EM, 2025)


def test_the_notebook_display_is_formatted_and_escaped(demo, ctx):
    regions = demo.regions.copy()
    regions.loc[regions["region_code"] == "910100", "name_en"] = "<script>alert(1)</script>"
    ex = Explorer(replace(demo, regions=regions), ctx)
    html = ex.compare("coverage_rate", EM, 2025)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "%</td>" in html and "<caption>coverage_rate, employee_medical, 2025</caption>" in html
    totals = ex.totals(funds=EM, years=2025)._repr_html_()
    assert "font-weight:600" in totals  # grades coloured
    text = repr(ex.totals(funds=EM, years=2025))
    assert "region_code" in text and "<table" not in text  # a readable text form outside


def test_open_dataset_opens_the_demo_by_default():
    ex = sipm_helpers.open_dataset()
    assert isinstance(ex, Explorer) and "910100" in set(ex.regions["region_code"])
    assert isinstance(ex.funds, pd.DataFrame) and len(ex.funds) == 7


def test_a_selection_exports_to_a_formatted_workbook(ex, tmp_path):
    from openpyxl import load_workbook

    path = ex.export(str(tmp_path / "scores.xlsx"), regions="金河市", funds=EM, years=2025)
    book = load_workbook(path)
    assert book.sheetnames == ["totals", "scores"]
    totals, scores = book["totals"], book["scores"]
    assert [c.value for c in totals[1]][:5] == [
        "region_code",
        "region",
        "fund",
        "year",
        "total (points)",
    ]
    assert totals["A2"].value == "910100" and totals["E2"].number_format == "0.00"
    assert totals["D2"].number_format == "0" and totals.freeze_panes == "A2"
    heads = [c.value for c in scores[1]]
    rate = next(r for r in scores.iter_rows(min_row=2) if r[heads.index("unit")].value == "rate")
    assert rate[heads.index("actual")].number_format == "0.0%"  # a rate as a percentage
    expected = ex.scores(regions="910100", funds=EM, years=2025)
    assert scores.max_row - 1 == len(expected)
