"""The self-evaluation's scoring form (.xlsx) in the layout evaluators hand in."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.rounding import round_half_up
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.scoring_form import write_scoring_form


@pytest.fixture(scope="module")
def ev(tiny, ctx):
    return evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)


def computed(ws: Worksheet, ref: str) -> Decimal:
    """A cell's value as Excel computes it, for the form's formulas (SUM over ranges and
    cells, ROUND of a product and quotient): the figures as decimals, summed exactly."""
    value = ws[ref].value
    if not isinstance(value, str) or not value.startswith("="):
        return Decimal(0) if value is None else Decimal(repr(float(value)))
    if value.startswith("=ROUND("):
        product, digits = value[len("=ROUND(") : -1].rsplit(",", 1)
        cell, rest = product.split("*100/")
        exact = computed(ws, cell) * 100 / Decimal(rest)
        return Decimal(repr(float(round_half_up(float(exact), int(digits)))))
    assert value.startswith("=SUM(") and value.endswith(")"), value
    total = Decimal(0)
    for part in value[len("=SUM(") : -1].split(","):
        cells = [c for row in ws[part] for c in row] if ":" in part else [ws[part]]
        total += sum((computed(ws, c.coordinate) for c in cells), Decimal(0))
    return total


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
    total = next(i for i, r in enumerate(rows, start=1) if r[0] == "Total")
    assert computed(ws, f"D{total}") == 100 and computed(ws, f"G{total}") == Decimal("66.2")
    assert next(r for r in rows if r[0] == "Grade")[2] == "Fair (中)"
    assert next(r for r in rows if r[0] == "Points assessed")[2] == "70 of 100"


def test_form_says_why_each_score_is_what_it_is(ev, tiny, ctx, tmp_path):
    report = SelfEvaluationReport(ev, tiny, ctx, "en")
    ws, rows = rows_of(write_scoring_form(report, tmp_path / "form.xlsx"))
    by_code = {r[2]: r for r in rows[2:]}
    coverage = by_code[report.indicator_name("coverage_rate")]
    assert coverage[7] == (
        "95.0% is 2.0 percentage points below the target 97.0%; 0.5 off per percentage point,"
        " down to 0: 5.0 − 1.0 = 4.0"
    )
    months = by_code[report.indicator_name("months_covered")]
    assert months[4] == "6–9 months"  # the band as a band, in its unit
    assert months[7].startswith("8.49 within 6–9 months: full points")
    missing = by_code[report.indicator_name("satisfaction")]
    # Beta's survey: 100 valid responses, fewer than the 139 required
    assert missing[6] == 0 and missing[8] == "Not assessed: too few valid survey responses"
    rate_cell = next(row[5] for row in ws.iter_rows(min_row=3) if row[2].value == coverage[2])
    assert rate_cell.number_format == "0.0%" and rate_cell.value == pytest.approx(0.95)
    assert "Renshebufa [2009] No. 67" in months[11]  # the band's public source
    accuracy = by_code[report.indicator_name("budget_preparation_accuracy")]
    assert accuracy[7].startswith("3.0 × target 5.0% ÷ actual ")  # the inverse rule
    on_time = by_code[report.indicator_name("benefits_paid_on_time")]
    # 7 → 5 → 3: 2 to cross-province settlement, then 2 to the maternity allowance
    assert on_time[7] == "100.0% against ≥ 100.0%, all or nothing = 3.0"
    ahead = by_code[report.indicator_name("fund_sustainability")]
    assert ahead[7] == "0 within ≤ 0: full points = 5.0"  # no year below the floor


def test_form_in_chinese_and_its_funding_sheet(ev, tiny, ctx, tmp_path):
    report = SelfEvaluationReport(ev, tiny, ctx, "zh")
    wb = load_workbook(write_scoring_form(report, tmp_path / "表.xlsx"))
    assert wb.sheetnames == ["评分表", "资金情况"]
    header = [c.value for c in wb["评分表"][2]]
    assert header[:3] == ["一级指标", "二级指标", "三级指标"] and "评分依据" in header
    rows = {r[2]: r for r in ([c.value for c in row] for row in wb["评分表"].iter_rows())}
    collection = rows[report.indicator_name("premium_collection_rate")]
    basis = header.index("评分依据")
    # 1,200 ÷ 1,260 = 95.2 % against 98 %: 2.8 points short, a point off each (of 7)
    assert collection[basis] == (
        "95.2%比目标值98.0%低2.8个百分点，每低1个百分点扣1分，扣至0分为止：7.0 − 2.8 = 4.2"
    )
    funding = [[c.value for c in row] for row in wb["资金情况"].iter_rows()]
    premium = next(r for r in funding if r[0] == "保险费收入")
    assert premium[1:4] == [1200, 1250, 1200] and premium[4] == pytest.approx(1200 / 1250)


def test_subtotals_and_the_total_are_sum_formulas_over_the_rows_shown(ev, tiny, ctx, tmp_path):
    """Beta City 2025: decision rows 3–5, its subtotal in row 6; process 7–14 (15), output
    16–25 (26), benefit 27–32 (33); the total in row 34 adds the four subtotals. Computed
    from the cells, the score column adds up to the stored total: 0 + 18.0 + 28.2 + 20.0
    = 66.2 (process: 0 + 3 + 5 + 5 + 0 + 3 + 0 + 2, misused funds all recovered; output:
    4.2 + 4.0 + 0 + 3 + 2 + 5 + 3 + 2 + 3 + 2, the maternity allowance, DRG/DIP coverage
    and cross-province settlement in full; benefit: 10 + 2 + 1 + 2 + 5 + 0)."""
    ws, _ = rows_of(
        write_scoring_form(SelfEvaluationReport(ev, tiny, ctx, "en"), tmp_path / "f.xlsx")
    )
    blocks = {6: (3, 5), 15: (7, 14), 26: (16, 25), 33: (27, 32)}
    for subtotal, (first, last) in blocks.items():
        for column in ("D", "G"):
            assert ws[f"{column}{subtotal}"].value == f"=SUM({column}{first}:{column}{last})"
    assert ws["D34"].value == "=SUM(D6,D15,D26,D33)" and ws["G34"].value == "=SUM(G6,G15,G26,G33)"
    earned = {c: Decimal(repr(v)) for c, v in ev.categories.set_index("category")["earned"].items()}
    assert (
        [computed(ws, f"G{r}") for r in blocks]
        == [earned["decision"], earned["process"], earned["output"], earned["benefit"]]
        == [Decimal("0"), Decimal("18.0"), Decimal("28.2"), Decimal("20.0")]
    )
    assert (
        computed(ws, "G34") == Decimal(repr(ev.to_result()["summary"]["total"])) == Decimal("66.2")
    )
    assert computed(ws, "D34") == Decimal(repr(ev.to_result()["summary"]["points"])) == 100
    formulas = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert formulas == {f"{c}{r}" for c in "DG" for r in (*blocks, 34)}
    # the points and scores at the one decimal of parameters/scoring.yaml
    for r in range(3, 35):
        assert ws[f"D{r}"].number_format == ws[f"G{r}"].number_format == "0.0", r


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_first_level_is_merged_over_its_rows_and_nothing_reads_na(
    ev, tiny, ctx, tmp_path, lang
):
    report = SelfEvaluationReport(ev, tiny, ctx, lang)
    wb = load_workbook(write_scoring_form(report, tmp_path / f"f.{lang}.xlsx"))
    ws = wb.worksheets[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A5", "A7:A14", "A16:A25", "A27:A32"} <= merged
    assert ws["A7"].value == report.category_name("process") and ws["A8"].value is None
    # second-level runs merged too, each over rows of one second-level indicator
    shown = ev.indicators.loc[ev.indicators["status"] != "reported"]
    rows = {r: g for r, g in zip(_indicator_rows(), shown["group"], strict=True)}
    for rng in (r for r in ws.merged_cells.ranges if r.min_col == 2):
        assert len({rows[r] for r in range(rng.min_row, rng.max_row + 1)}) == 1, rng
    assert "B8:B10" in merged  # budget management: accuracy, income and expenditure execution
    texts = [c.value for s in wb.worksheets for row in s.iter_rows() for c in row]
    assert not [v for v in texts if isinstance(v, str) and v.strip() in {"<NA>", "nan", "None", ""}]
    subtotal = "小计：过程" if lang == "zh" else "Subtotal: Process"
    assert ws["A15"].value == subtotal and ws["A34"].value == ("合计" if lang == "zh" else "Total")
    assert ws["J16"].value is None and ws["K16"].value is None  # no reason given: empty cells


def _indicator_rows() -> list[int]:
    """The rows of Beta City's indicators in the form (the subtotals in 6, 15, 26, 33)."""
    return [*range(3, 6), *range(7, 15), *range(16, 26), *range(27, 33)]


def test_explanations_stay_text_even_when_they_read_like_formulas(tiny, ctx, tmp_path):
    hostile = tiny.explanations.copy()
    hostile.loc[0, "reason"] = '=HYPERLINK("http://example.com","详见")'
    hostile.loc[0, "improvement_measure"] = "+加强征缴，-欠费清理，@经办机构"
    ds = type(tiny)(**{**tiny.__dict__, "explanations": hostile})
    ev = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    ws = load_workbook(
        write_scoring_form(SelfEvaluationReport(ev, ds, ctx, "zh"), tmp_path / "f.xlsx")
    ).worksheets[0]
    found = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    reason = found['=HYPERLINK("http://example.com","详见")']
    measure = found["+加强征缴，-欠费清理，@经办机构"]
    for cell in (reason, measure):
        assert cell.data_type == "s" and cell.quotePrefix  # a string, not a formula
    assert {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"} <= {
        f"{c}{r}" for c in "DG" for r in range(3, ws.max_row + 1)
    }


def test_a_rescaled_total_is_the_sum_over_the_points_assessed(tiny, ctx, tmp_path):
    """With ``missing: rescale`` Beta's total is 66.2 ÷ 70 × 100 = 94.57, 94.6: the total
    row still adds up the subtotals (66.2) and the total score below it rescales that sum."""
    rescale = replace(ctx, standards=replace(ctx.standards, missing="rescale"))
    ev = evaluate(tiny, rescale, fund="employee_medical", region="110200", year=2025)
    report = SelfEvaluationReport(ev, tiny, rescale, "zh")
    ws = load_workbook(write_scoring_form(report, tmp_path / "f.xlsx"))["评分表"]
    assert ws["A34"].value == "合计" and computed(ws, "G34") == Decimal("66.2")
    assert ws["A35"].value == "总分" and ws["G35"].value == "=ROUND(G34*100/70,1)"
    assert computed(ws, "G35") == Decimal(repr(ev.summary["total"])) == Decimal("94.6")


LATIN_CITATIONS = ("Caishe", "Renshebufa", "Guobanfa", "Guofa", "Caiyu", "No.", "Art.")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_standards_are_cited_in_the_forms_language(ev, tiny, ctx, tmp_path, lang):
    """标准依据 cites 财社〔2022〕65号 and 人社部发〔2009〕67号 as a Chinese official would,
    with no English citation anywhere in a Chinese form; an English form keeps English."""
    report = SelfEvaluationReport(ev, tiny, ctx, lang)
    ws = load_workbook(write_scoring_form(report, tmp_path / f"f.{lang}.xlsx")).worksheets[0]
    header = [c.value for c in ws[2]]
    source = header.index("标准依据" if lang == "zh" else "Source of the standard")
    rows = {r[2]: r for r in ([c.value for c in row] for row in ws.iter_rows(min_row=3))}
    months = rows[report.indicator_name("months_covered")][source]
    rectified = rows[report.indicator_name("audit_rectification_rate")][source]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    if lang == "zh":
        assert months.startswith("人社部发〔2009〕67号：统筹基金累计结余原则上控制在6至9个月")
        assert rectified.startswith("财社〔2022〕65号第二十条：")
        assert not [t for t in texts for word in LATIN_CITATIONS if word in t]
    else:
        assert months.startswith("Renshebufa [2009] No. 67: the pooled fund")
        assert rectified.startswith("Caishe [2022] No. 65, Art. 20: ")
        assert not [t for t in texts if "〔" in t]
