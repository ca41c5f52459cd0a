"""Exploring a dataset in a notebook: selection by code or name, one-call answers as tidy
frames with a formatted, escaped display."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pandas as pd
import pytest

import sipm_helpers
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.sustainability import project
from sipm_helpers.present.explore import Explorer, Tidy
from sipm_helpers.present.natural_charts import MAX_BARS, PROGRESS
from sipm_helpers.present.tidy import Chart

EM = "employee_medical"
MED = ["110100", "110200"]


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
    assert "%</td>" in html and '">Coverage rate, Employees&#x27; basic medical' in html
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


# the year in progress, the reserve and the projection ------------------------------------


@pytest.fixture(scope="module")
def tiny_ex(tiny, ctx):
    return Explorer(tiny, ctx)


def test_budget_execution_to_date_by_hand(tiny_ex):
    """Tiny: premium 100 a month against an adjusted budget of 1,250; 2024 spread evenly."""
    e = tiny_ex.execution(regions="Alpha City", funds=EM, year=2025, month=6)
    assert e.title == "Budget executed to the end of month 6, 2025"
    rows = e.set_index("item")
    assert list(e["item"]) == ["premium", "interest", "income", "benefits", "expenditure"]
    premium, income = rows.loc["premium"], rows.loc["income"]
    assert (premium["budget"], premium["executed"]) == (1250, 600)
    assert premium["execution_rate"] == pytest.approx(600 / 1250)
    assert premium["expected_share"] == pytest.approx(0.5)  # 2024: the same every month
    assert premium["pace"] == pytest.approx(0.96)
    assert premium["forecast"] == pytest.approx(1200)  # 2024's total ÷ its first half, × 600
    assert (income["budget"], income["executed"]) == (1262, 606)
    assert rows.loc["benefits", "executed"] == 540 and rows.loc["expenditure", "budget"] == 1100
    assert set(e["reported_to"]) == {12} and set(e["region"]) == {"Alpha City"}
    latest = tiny_ex.execution(funds=EM)  # by default the latest year and month reported
    assert set(latest["year"]) == {2025} and set(latest["month"]) == {12}
    assert set(latest["region_code"]) == {"110100", "110200"}


def test_months_covered_by_hand(tiny_ex, ctx):
    m = tiny_ex.months_covered(regions="110100", funds=EM)
    assert list(m["year"]) == [2024, 2025] and list(m["months_reported"]) == [12, 12]
    assert list(m["months_covered"]) == pytest.approx([632 / 90, 764 / 90])
    band = ctx.reserve_band(EM, "110000")
    assert set(m["band_lower"]) == {band.lower} and set(m["band_upper"]) == {band.upper}
    assert list(tiny_ex.months_covered(funds=EM, years=2025)["region_code"]) == MED


def test_projection_continues_the_history(tiny_ex, ctx, tiny):
    p = tiny_ex.projection(regions="110100", funds=EM)
    past, ahead = p[p["kind"] == "history"], p[p["kind"] == "projection"]
    assert list(past["year"]) == [2024, 2025]
    assert list(past["months_covered"]) == pytest.approx([632 / 90, 764 / 90])
    assert list(ahead["year"]) == list(range(2026, 2026 + ctx.sustainability.horizon))
    summary = project(tiny, ctx, ctx.sustainability, funds=[EM], regions=["110100"]).summary
    assert set(p["threshold"]) == {summary["threshold"].iloc[0]}


def test_answers_draw_their_natural_chart(ex, tiny_ex):
    one = tiny_ex.execution(regions="110100", funds=EM, year=2025, month=6).plot()
    assert isinstance(one, Chart) and one._repr_svg_().startswith("<svg")
    assert "Premium income" in one.svg and "Budget executed to the end of month 6" in one.svg
    many = tiny_ex.months_covered(funds=EM).plot().svg
    assert "Alpha City" in many and "Beta City" in many  # one line per region
    assert "Months of expenditure covered" in tiny_ex.projection(regions="110100").plot().svg
    fund = ex.execution(funds=EM)  # more bars than fit: each region's totals
    svg = fund.plot().svg
    assert len(fund) > MAX_BARS and "Premium income" not in svg
    assert svg.count("Total income") == svg.count("Total expenditure") == fund["region"].nunique()
    every = ex.execution()  # still too many: the expenditure totals furthest behind
    svg = every.plot().svg
    assert "Total income" not in svg and svg.count("Total expenditure") == MAX_BARS
    assert f"({MAX_BARS} of {len(every)}, furthest behind the seasonal profile)" in svg
    zh = Explorer(tiny_ex.dataset, tiny_ex.context, "zh")
    assert "甲市" in zh.months_covered(funds=EM).plot().svg


def test_a_narrowed_answer_keeps_its_chart_while_it_can(tiny_ex, tmp_path):
    e = tiny_ex.execution(funds=EM, year=2025, month=6)
    assert isinstance(e[e["item"] == "premium"].plot(), Chart)  # rows narrowed: still drawn
    assert not isinstance(e[["item", "executed"]].plot(x="item"), Chart)  # pandas' own
    assert not isinstance(e[["item", "executed"]].plot(), Chart)  # its columns gone
    again = pickle.loads(pickle.dumps(e))
    assert again.chart == PROGRESS and again.lang == "en"
    saved = e.plot().save(tmp_path / "progress.svg")
    assert saved.read_text(encoding="utf-8").startswith("<svg")


def test_numbers_show_in_their_units_in_html_and_text(tiny_ex):
    e = tiny_ex.execution(regions="110100", funds=EM, year=2025, month=6)
    html, text = e._repr_html_(), repr(e)
    for shown in ("1,250.0", "48.0%", "0.96"):
        assert shown in html and shown in text
    assert ">2025<" in html and "2,025" not in html and "2,025" not in text
    assert text.splitlines()[0] == e.title


def test_text_from_data_is_exported_as_text_never_as_a_formula(demo, ctx, tmp_path):
    from openpyxl import load_workbook

    regions = demo.regions.copy()
    crafted = '=HYPERLINK("http://example.invalid","Jinhe")'
    regions.loc[regions["region_code"] == "910100", "name_en"] = crafted
    ex = Explorer(replace(demo, regions=regions), ctx)
    path = ex.export(str(tmp_path / "x.xlsx"), regions="910100", funds=EM, years=2025)
    cell = load_workbook(path)["totals"]["B2"]
    assert cell.value == crafted and cell.data_type == "s"


def test_a_selection_too_large_for_excel_is_refused_before_writing(ex, tmp_path, monkeypatch):
    from sipm_helpers.errors import SipmError
    from sipm_helpers.present import export

    monkeypatch.setattr(export, "MAX_ROWS", 10)
    with pytest.raises(SipmError, match=r"scores: 2\d rows do not fit in one Excel sheet"):
        ex.export(str(tmp_path / "big.xlsx"), regions="910100", funds=EM, years=2025)
    assert not (tmp_path / "big.xlsx").exists()


def test_one_indicator_across_regions_is_drawn_as_bars_against_targets(ex):
    c = ex.compare("coverage_rate", EM, 2025)
    svg = c.plot().svg
    assert all(name in svg for name in c["region"]) and "Target" in svg and "per cent" in svg
    zh = Explorer(ex.dataset, ex.context, "zh").compare("coverage_rate", EM, 2025)
    assert zh.title == "参保率，职工基本医疗保险基金（含生育保险），2025"


def test_the_tables_are_there_to_read(ex, demo):
    assert list(ex.tables) == list(TABLES)
    assert ex.tables["budget"] is demo.budget
    with pytest.raises(TypeError):
        ex.tables["budget"] = None  # read-only: the answers rest on them


def test_every_answer_on_a_generated_dataset(tmp_path):
    """A dataset from sipm generate (two provinces, data to June 2025): each question
    answered, each answer with its chart."""
    from sipm_helpers.data.generate import generate_dataset
    from sipm_helpers.data.io import write_dataset

    tables = generate_dataset(2, (2, 3), (2022, 2025), last_month=6, seed=7)
    ds = sipm_helpers.open_dataset(str(write_dataset(tables, tmp_path / "g", "parquet")))
    assert ds.years == [2022, 2023, 2024, 2025] and ds.latest_complete_year == 2024
    region = ds.regions[ds.regions["level"] == "prefecture"]["region_code"].iloc[0]
    fund = "employee_medical"
    totals = ds.totals(funds=fund, years=2024)
    assert len(totals) > 1 and totals["grade"].notna().all()
    e = ds.execution(regions=region, funds=fund)
    assert set(e["year"]) == {2025} and set(e["month"]) == {6} and len(e) > 2
    income = e["item"].isin(ds.context.registry.items_of_kind("income"))
    assert e.loc[e["item"] == "income", "executed"].iloc[0] == pytest.approx(
        e.loc[income, "executed"].sum()
    )
    answers = [e, ds.months_covered(funds=fund), ds.projection(regions=region, funds=fund),
               ds.compare("coverage_rate", fund, 2024), ds.scores(regions=region, years=2024)]  # fmt: skip
    assert all(len(a) for a in answers)
    assert all(a.plot()._repr_svg_().startswith("<svg") for a in answers[:4])


def test_any_answer_exports_beside_the_scores_in_its_own_units(tiny_ex, tmp_path):
    from openpyxl import load_workbook

    e = tiny_ex.execution(regions="110100", funds=EM, year=2025, month=6)
    path = tiny_ex.export(str(tmp_path / "x.xlsx"), funds=EM, years=2025, execution=e)
    sheet = load_workbook(path)["execution"]
    heads = [c.value for c in sheet[1]]
    assert load_workbook(path).sheetnames == ["totals", "scores", "execution"]
    assert "budget (10,000 yuan)" in heads and "execution_rate (%)" in heads
    row = {h: c for h, c in zip(heads, sheet[2], strict=True)}
    assert row["budget (10,000 yuan)"].value == 1250 and row["month"].value == 6
    assert row["budget (10,000 yuan)"].number_format == "#,##0.0"
    assert row["execution_rate (%)"].number_format == "0.0%"
