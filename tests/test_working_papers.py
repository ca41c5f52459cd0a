"""The working papers of the provincial evaluation (绩效评价工作底稿): every score of every
region traced to its data, rule, arithmetic and finding, and the totals recomputed by
formulas, on the tiny dataset (Testshire's employees' medical fund, 2025)."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_tables, write_tiny
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sipm_helpers.config.labels import load_labels
from sipm_helpers.domain.appraisal import appraise, self_assessed
from sipm_helpers.domain.ledger import ledger_items
from sipm_helpers.domain.measures import MEASURES, years_read
from sipm_helpers.domain.rules import RULES
from sipm_helpers.domain.scoring import at_stake, summarize_scores
from sipm_helpers.domain.sustainability import solvency_outlooks
from sipm_helpers.domain.working_papers import annual_data, data_years, score_rows
from sipm_helpers.paths import RECTIFICATION_ITEMS, WORKING_PAPERS
from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp
from sipm_helpers.present.working_papers import working_papers
from sipm_helpers.stages import session
from sipm_helpers.stages.provincial_evaluation import _self_results
from sipm_helpers.stages.provincial_evaluation import run as provincial_evaluation

FUND, PROVINCE, YEAR = "employee_medical", "110000", 2025
AS_OF, PREPARED = datetime.date(2026, 7, 31), datetime.date(2026, 8, 3)


def _run(data: Path, lang: str):
    return provincial_evaluation(fund=FUND, province=PROVINCE, year=YEAR, data=str(data), lang=lang)


@pytest.fixture(scope="module", params=["zh", "en"])
def saved(request, tiny_dir, tmp_path_factory):
    """The stage-04 run on the tiny dataset, saved as the batch saves it: the result and,
    beside it, its companions."""
    run = _run(tiny_dir, request.param)
    result = tmp_path_factory.mktemp(f"papers-{request.param}") / "110000-testshire.json"
    run.save(result)
    return run, result.with_suffix(WORKING_PAPERS), request.param


def _rows(ws: Worksheet, first: int = 3) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first)]


def _scores(wb: Workbook) -> Worksheet:
    return wb.worksheets[1]


# Formulas of the Totals sheet, evaluated as Excel does: SUMIFS over the Scores sheet's
# ranges, SUM of a row's cells, a reference, IF(x>0, ROUND(a*100/b, d), 0), ROUND(a-b, d).
SUMIFS = re.compile(r"=SUMIFS\((.+)\)$")
RANGE = re.compile(r"'([^']+)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)")


def _decimal(value: object) -> Decimal:
    return Decimal(0) if value is None else Decimal(repr(float(value)))


def _round(value: Decimal, digits: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _column(wb: Workbook, ref: str) -> list:
    sheet, column, first, _, last = RANGE.fullmatch(ref).groups()
    return [wb[sheet][f"{column}{r}"].value for r in range(int(first), int(last) + 1)]


def _sumifs(wb: Workbook, ws: Worksheet, args: str) -> Decimal:
    parts = args.split(",")  # ranges of the Scores sheet and criteria cells: no commas inside
    values, pairs = _column(wb, parts[0]), parts[1:]
    keep = [True] * len(values)
    for rng, criterion in zip(pairs[::2], pairs[1::2], strict=True):
        wanted = ws[criterion.replace("$", "")].value
        keep = [k and str(v) == str(wanted) for k, v in zip(keep, _column(wb, rng), strict=True)]
    return sum((_decimal(v) for v, k in zip(values, keep, strict=True) if k), Decimal(0))


def computed(wb: Workbook, ws: Worksheet, ref: str) -> Decimal:
    value = ws[ref].value
    if not (isinstance(value, str) and ws[ref].data_type == "f"):
        return _decimal(value)
    if m := SUMIFS.match(value):
        return _sumifs(wb, ws, m.group(1))
    if m := re.fullmatch(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", value):
        return sum((computed(wb, ws, c.coordinate) for c in ws[value[5:-1]][0]), Decimal(0))
    if m := re.fullmatch(r"=([A-Z]+\d+)", value):
        return computed(wb, ws, m.group(1))
    if m := re.fullmatch(
        r"=IF\(([A-Z]+\d+)>0,ROUND\(([A-Z]+\d+)\*100/([A-Z]+\d+),(\d)\),0\)", value
    ):
        basis = computed(wb, ws, m.group(3))
        earned = computed(wb, ws, m.group(2))
        return _round(earned * 100 / basis, m.group(4)) if basis > 0 else Decimal(0)
    m = re.fullmatch(r"=ROUND\(([A-Z]+\d+)-([A-Z]+\d+),(\d)\)", value)
    assert m, value
    return _round(computed(wb, ws, m.group(1)) - computed(wb, ws, m.group(2)), m.group(3))


# The workbook --------------------------------------------------------------------------
def test_every_region_and_indicator_of_the_appraisal_has_a_row(saved):
    run, path, _ = saved
    a, report = run.outcome, run.report
    rows = _rows(_scores(load_workbook(path)))
    shown = {(r[1], r[3]) for r in rows}
    wanted = {(str(c), report.indicator(i)) for c, i in zip(a.indicators["region_code"],
                                                           a.indicators["indicator"], strict=True)}  # fmt: skip
    assert len(rows) == len(a.indicators) == 48 and shown == wanted  # 2 regions × 24 indicators


def test_alphas_compliance_row_shows_the_evaluators_finding(saved):
    """Alpha graded fund-management compliance 'partly' (0.6 × 4 = 2.4); the evaluator's
    site visit found problems left unrectified and graded it 'not achieved' at its default
    share 0.25: 4 × 0.25 = 1.0."""
    run, path, lang = saved
    wb = load_workbook(path)
    ws = _scores(wb)
    header = [c.value for c in ws[2]]
    name = run.report.indicator("fund_management_compliance")
    row = dict(zip(header, next(r for r in _rows(ws) if r[1] == "110100" and r[3] == name),
                   strict=True))  # fmt: skip
    t = load_labels(lang).t
    assert row[t("papers_col_finding")] == t(
        "papers_finding_value", finding=t("review_finding_adjusted_grade"),
        basis=t("review_basis_site_visit"),
    )  # fmt: skip
    assert row[t("pe_note")] == "抽查发现问题未整改"
    assert row[t("pe_self_score")] == 2.4 and row[t("papers_col_evaluated_score")] == 1.0
    assert row[t("papers_col_grade")] == t("qual_not_achieved")
    assert row[t("papers_col_share")] == 0.25 and row[t("papers_col_at_stake")] == 4
    assert row[t("papers_col_rule")] == t("rule_qualitative")
    assert row[t("form_col_basis")].endswith("= 1.0")  # the scoring form's words
    findings = _rows(wb.worksheets[3])
    assert findings == [["甲市" if lang == "zh" else "Alpha City", "110100", name,
                         t("review_finding_adjusted_grade"), t("review_basis_site_visit"),
                         "抽查发现问题未整改", t("qual_partly"), t("qual_not_achieved"), 2.4, 1]]  # fmt: skip


def test_a_quantitative_row_has_its_formula_data_target_and_source(saved):
    """Alpha's premium collection: 1,200 of premiums ÷ 1,260 assessed (105 × 12) = 95.24%,
    against Alpha's own target of 98% (a region target), a point off each percentage point
    short: 8 − (98.0 − 95.24) = 5.24, 5.2."""
    run, path, lang = saved
    ws = _scores(load_workbook(path))
    t = load_labels(lang).t
    header = [c.value for c in ws[2]]
    name = run.report.indicator("premium_collection_rate")
    cells = next(row for row in ws.iter_rows(min_row=3) if row[1].value == "110100"
                 and row[3].value == name)  # fmt: skip
    row = {h: c for h, c in zip(header, cells, strict=True)}
    assert row[t("papers_col_formula")].value == t("measure_premium_collection_rate")
    assert row[t("col_actual")].value == pytest.approx(1200 / 1260)
    assert row[t("col_actual")].number_format == "0.0%"
    assert row[t("col_target")].value == 0.98 and row[t("col_source")].value == t("level_region")
    assert row[t("papers_col_rule")].value == t("rule_deduct_per_point")
    assert row[t("papers_col_evaluated_score")].value == 5.2
    assert row[t("papers_col_evaluated_score")].number_format == "0.0"
    assert row[t("papers_col_grade")].value is None and row[t("papers_col_share")].value is None


def test_a_target_following_a_national_standard_names_it(saved):
    """Inpatient reimbursement's default target follows the employees' standard of
    parameters/policy.yaml; the centre's 80 % target for the fund comes first (Art. 10)."""
    run, path, lang = saved
    ws = _scores(load_workbook(path))
    t = load_labels(lang).t
    name = run.report.indicator("inpatient_reimbursement_ratio")
    row = next(r for r in _rows(ws) if r[3] == name)
    assert row[6] == 0.8 and row[7] == t("level_central")
    months = next(r for r in _rows(ws) if r[3] == run.report.indicator("months_covered"))
    assert months[8:12] == [6, 9, 3, 15]  # the band and where its points reach zero


def test_the_totals_formulas_recompute_the_reports_totals(saved):
    """Alpha: self-assessed 93.4; the finding moves compliance from 2.4 to 1.0, so the
    evaluated total is 93.4 − 1.4 = 92.0 and the gap 1.4; Beta (no finding): 65.2, gap 0."""
    run, path, _ = saved
    wb = load_workbook(path)
    ws = wb.worksheets[2]
    regions = run.outcome.regions.set_index("region_code")
    header = [c.value for c in ws[2]]
    total = header.index(run.report.t("pe_evaluated_total")) + 1
    gap = header.index(run.report.t("pe_gap")) + 1
    found = {}
    for r in range(3, ws.max_row + 1):
        code = ws.cell(r, 2).value
        found[code] = (
            computed(wb, ws, ws.cell(r, total).coordinate),
            computed(wb, ws, ws.cell(r, gap).coordinate),
        )
    assert found == {
        code: (_decimal(regions.at[code, "evaluated_total"]), _decimal(regions.at[code, "gap"]))
        for code in regions.index
    }
    assert found["110100"] == (Decimal("92.0"), Decimal("1.4"))
    assert found["110200"] == (Decimal("65.2"), Decimal("0.0"))
    assert ws.cell(3, total).data_type == "f"  # a formula, not the figure copied


def test_the_category_subtotals_match_the_reports(saved, ctx):
    """Beta's subtotals as its self-evaluation's scoring form has them: decision 0 (no
    qualitative evidence), process 17.0, output 28.2, benefit 20.0."""
    _, path, _ = saved
    wb = load_workbook(path)
    ws = wb.worksheets[2]
    beta = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "110200")
    assert [computed(wb, ws, f"{c}{beta}") for c in "CDEF"] == [
        Decimal("0"), Decimal("17.0"), Decimal("28.2"), Decimal("20.0")
    ]  # fmt: skip


def test_nothing_reads_na_and_only_the_totals_hold_formulas(saved):
    _, path, _ = saved
    wb = load_workbook(path)
    texts = [c.value for s in wb.worksheets for row in s.iter_rows() for c in row]
    bad = re.compile(r"<NA>|\bnan\b|\bNaN\b|\bNone\b")
    assert not [v for v in texts if isinstance(v, str) and (bad.search(v) or not v.strip())]
    formulas = {(s.title, c.column) for s in wb.worksheets for row in s.iter_rows() for c in row
                if c.data_type == "f"}  # fmt: skip
    totals = wb.worksheets[2].title
    assert formulas and {sheet for sheet, _ in formulas} == {totals}


def test_sheet_names_and_headers_in_the_runs_language(saved):
    _, path, lang = saved
    wb = load_workbook(path)
    if lang == "zh":
        assert wb.sheetnames == ["说明", "评分底稿", "汇总", "复核发现", "整改台账", "原始数据"]
        assert [c.value for c in wb["评分底稿"][2]][:5] == [
            "统筹地区", "区划代码", "一级指标", "指标", "计算公式"
        ]  # fmt: skip
        assert wb["说明"]["A1"].value.startswith("测试省·职工基本医疗保险基金")
    else:
        assert wb.sheetnames == ["Notes", "Scores", "Totals", "Findings", "Ledger", "Data"]
        assert [c.value for c in wb["Scores"][2]][:5] == [
            "Coordinating region", "Region code", "First-level indicator", "Indicator", "Formula"
        ]  # fmt: skip
        assert "working papers of the performance evaluation, 2025" in wb["Notes"]["A1"].value


def test_the_notes_state_the_parameters_that_applied(saved):
    _, path, lang = saved
    notes = {r[0]: r[1] for r in _rows(load_workbook(path).worksheets[0])}
    t = load_labels(lang).t
    assert "parameters/indicators/employee_medical.yaml" in notes[t("papers_rules")]
    assert "parameters/scoring.yaml" in notes[t("papers_rules")]
    assert "0.1" in notes[t("papers_precision")]  # score_decimals: 1
    assert notes[t("papers_missing")] == t("missing_rule_zero")
    assert re.search(r"(?<![\d.])5(?![\d.])", notes[t("papers_tolerance")])  # ledger.yaml: 0.05
    assert "5.0" in notes[t("papers_gap")]  # appraisal.yaml: gap_points 5.0
    assert notes[t("papers_as_of")] in ("2026年7月31日", "2026-07-31")  # the provincial due date
    assert notes[t("papers_recompute")] == t("papers_recompute_text")


def test_the_data_sheet_lets_the_actuals_be_recomputed(saved):
    """Alpha's year: premiums 100 a month (1,200) of 105 assessed (1,260), interest 1 a month:
    income 1,212; the year before is shown too (growth measures read it)."""
    _, path, lang = saved
    rows = _rows(load_workbook(path).worksheets[5])
    t = load_labels(lang).t
    alpha = {(r[2], r[3], r[4]): r[5] for r in rows if r[1] == "110100"}
    executed, statistics = t("papers_facts_executed"), t("papers_facts_statistics")
    premium = "保险费收入" if lang == "zh" else "Premium income"
    assessed = "应征保险费" if lang == "zh" else "Premiums assessed"
    assert alpha[(2025, executed, premium)] == 1200 and alpha[(2025, statistics, assessed)] == 1260
    assert alpha[(2025, executed, t("total_income"))] == 1212
    assert {r[2] for r in rows} == {2024, 2025} and {r[1] for r in rows} == {"110100", "110200"}


def test_the_ledger_sheet_shows_the_counts_and_the_items_behind_them(saved):
    """Alpha's audit item R2024-1 (deadline 2025-06-30, closed 2025-05-10) is due in 2025
    and closed on time: 1 of 1; Beta's evaluation item R2025-1, open and not yet due, is
    listed (an earlier evaluation's item overdue would cap compliance) but counts in no
    audit rate."""
    _, path, lang = saved
    rows = _rows(load_workbook(path).worksheets[4])
    t = load_labels(lang).t
    assert rows[0][:6] == ["甲市" if lang == "zh" else "Alpha City", "110100", 2025, 1, 1, 1]
    item = next(r for r in rows if r[0] == "R2024-1")
    assert item[3] == t("papers_source_audit") and item[7] == t("papers_status_done")
    assert item[9:13] == [t("papers_yes"), t("papers_yes"), t("papers_no"), t("papers_no")]
    beta = next(r for r in rows if r[0] == "R2025-1")
    assert beta[3] == t("papers_source_evaluation") and beta[9:13] == [
        t("papers_no"), t("papers_no"), t("papers_no"), t("papers_yes")
    ]  # fmt: skip
    assert rows[0][:6] == ["甲市" if lang == "zh" else "Alpha City", "110100", 2025, 1, 1, 1]


def test_saving_writes_the_papers_beside_the_rectification_items(saved):
    _, path, _ = saved
    assert path.name == "110000-testshire.papers.xlsx" and path.exists()
    assert path.with_name("110000-testshire" + RECTIFICATION_ITEMS).exists()


def test_the_batch_publishes_the_papers_beside_the_provincial_report(tiny, tiny_dir, tmp_path):
    """As the batch does: the job's run saved at its result path, then its companions copied
    into the site beside its page and linked from the index under their labels (keys, worded
    by each language's index)."""
    from sipm_helpers.batch.plan import plan_jobs
    from sipm_helpers.render.publish import _publish_companions

    jobs = plan_jobs(tiny, {"provincial_evaluation": 2025}, data=str(tiny_dir))
    job = next(j for j in jobs if j.fund == FUND)
    _run(tiny_dir, job.lang).save(job.result_path(tmp_path))
    links = _publish_companions(job, tmp_path)
    page = "provincial_evaluation/2025/employee_medical/110000-testshire"
    assert links == (
        ("link_items", f"{page}.rectification.csv"),
        ("link_papers", f"{page}.papers.xlsx"),
    )
    assert [load_labels("en").t(key) for key, _ in links] == [
        "Rectification items (CSV)",
        "Working papers",
    ]
    copied = tmp_path / "site" / f"{page}.papers.xlsx"
    assert copied.read_bytes() == job.result_path(tmp_path).with_suffix(WORKING_PAPERS).read_bytes()


def test_text_that_reads_like_a_formula_stays_text(tmp_path):
    tables = tiny_tables()
    tables["review"].loc[0, "comment"] = '=HYPERLINK("http://example.com","详见")'
    tables["qualitative"].loc[0, "evidence"] = "-目标已分解下达"
    run = _run(write_tiny(tmp_path / "hostile", tables=tables), "zh")
    path = run.save(tmp_path / "r.json").with_suffix(WORKING_PAPERS)
    wb = load_workbook(path)
    cells = [c for s in wb.worksheets for row in s.iter_rows() for c in row]
    hostile = [
        c for c in cells if isinstance(c.value, str) and c.value.startswith(("=HYP", "-目标"))
    ]
    assert len(hostile) >= 3  # the comment on the Scores and Findings sheets, the evidence
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)


def test_a_rescaled_total_is_recomputed_over_the_points_assessed(tiny, tiny_dir, ctx):
    """With ``missing: rescale`` Beta's evaluated total is 65.2 ÷ 69 × 100 = 94.49, 94.5
    (its 28 points of unevidenced grades left out); the basis is the points assessed."""
    rescale = replace(ctx, standards=replace(ctx.standards, missing="rescale"))
    loaded = session.load(str(tiny_dir))
    outlooks = solvency_outlooks(
        tiny, rescale, years=[YEAR], funds=[FUND], regions=["110100", "110200"]
    )
    found = _self_results(loaded, FUND, ["110100", "110200"], YEAR, "", outlooks)
    a = appraise(tiny, rescale, fund=FUND, province=PROVINCE, year=YEAR, results=found)
    empty = pd.DataFrame()
    follow = FollowUp(empty, empty, empty, empty, empty)
    report = AppraisalReport(a, follow, tiny, rescale, "en")
    wb = working_papers(report, self_assessed(found), AS_OF, PREPARED)
    ws = wb["Totals"]
    beta = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "110200")
    header = [c.value for c in ws[2]]
    total = ws.cell(beta, header.index("Evaluated total") + 1).coordinate
    assert computed(wb, ws, total) == Decimal("94.5")
    assert a.regions.set_index("region_code").at["110200", "evaluated_total"] == 94.5


def test_papers_of_a_province_whose_self_evaluations_are_all_missing(tiny, ctx):
    """No region submitted: the papers list them as missing, with no score to recompute."""
    missing = {"110100": None, "110200": None}
    a = appraise(tiny, ctx, fund=FUND, province=PROVINCE, year=YEAR, results=missing)
    empty = pd.DataFrame()
    report = AppraisalReport(a, FollowUp(empty, empty, empty, empty, empty), tiny, ctx, "en")
    wb = working_papers(report, self_assessed(missing), AS_OF, PREPARED)
    assert _rows(wb["Scores"]) == [] and _rows(wb["Data"]) == []
    totals = _rows(wb["Totals"])
    assert [(r[1], r[-1]) for r in totals] == [("110100", "Self-evaluation missing"),
                                               ("110200", "Self-evaluation missing")]  # fmt: skip
    assert not [c for s in wb.worksheets for row in s.iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip


# The domain ----------------------------------------------------------------------------
def test_the_rows_add_up_to_what_the_totals_sum(saved, ctx):
    run, _, _ = saved
    a = run.outcome
    stakes = at_stake(a.indicators)
    summary = summarize_scores(a.indicators, ctx.standards, ["region_code"])
    by_region = stakes.groupby(a.indicators["region_code"].astype(str)).sum()
    for column, total in (("earned", "earned"), ("points", "points"),
                          ("assessed", "assessed_points")):  # fmt: skip
        got = by_region[column].round(1).to_dict()
        assert got == summary.set_index(summary["region_code"].astype(str))[total].to_dict()


def test_score_rows_carry_the_self_score_and_the_finding(saved, ctx):
    run, _, _ = saved
    a = run.outcome
    mine = pd.DataFrame(
        {"region_code": ["110100", "110200"], "self_scores": [{"coverage_rate": 5.9}, {}]}
    )
    rows = score_rows(a, mine, ctx.standards).set_index(["region_code", "indicator"])
    assert rows.at[("110100", "coverage_rate"), "self_score"] == 5.9
    assert pd.isna(rows.at[("110200", "coverage_rate"), "self_score"])
    assert rows.at[("110100", "fund_management_compliance"), "finding"] == "adjusted_grade"
    assert rows.at[("110100", "fund_management_compliance"), "share_applied"] == 0.25
    assert rows.at[("110100", "satisfaction"), "share_applied"] == 0.9  # the share given
    assert pd.isna(rows.at[("110200", "satisfaction"), "share_applied"])  # no evidence
    assert len(rows) == len(a.indicators)


def test_the_data_years_are_those_the_measures_read(saved, tiny, ctx):
    run, _, _ = saved
    a = run.outcome
    assert years_read(["coverage_rate"]) == 0
    assert years_read(["coverage_rate", "per_capita_expenditure_growth"]) == 1
    assert years_read(["projected_months_min"]) == 4  # the five-year fit window
    # employees' medical: its fund sustainability reads the projection's five-year fit
    assert data_years(ctx, a) == [2021, 2022, 2023, 2024, 2025]
    data = annual_data(tiny, ctx, a)
    alpha = data.loc[(data["region_code"] == "110100") & (data["year"] == 2024)]
    months = alpha.loc[(alpha["table"] == "executed") & (alpha["item"] == "months"), "value"]
    assert months.tolist() == [12]


def test_the_data_are_free_of_float_noise(saved, tiny, ctx):
    """Interest of 0.3 a month: twelve of them add up to 3.599999999999999 in floats; 3.6."""
    run, _, _ = saved
    e = tiny.execution
    dimes = e.assign(amount=e["amount"].where(e["item"] != "interest", 0.3))
    data = annual_data(replace(tiny, execution=dimes), ctx, run.outcome)
    interest = data.loc[
        (data["region_code"] == "110100") & (data["year"] == 2025)
        & (data["table"] == "executed") & (data["item"] == "interest"), "value"
    ]  # fmt: skip
    assert pd.Series([0.3] * 12).sum() != 3.6 and interest.tolist() == [3.6]


def test_ledger_items_are_the_audit_items_with_their_states(tiny, ctx):
    """Alpha's audit item, and Beta's item of the 2024 evaluation, which would cap its
    compliance grade were it overdue at the year's end (it is due in June 2026)."""
    items = ledger_items(tiny, ctx, fund=FUND, regions=["110100", "110200"], years=[2025])
    assert items["item_id"].tolist() == ["R2024-1", "R2025-1"]
    second = items.iloc[1]
    assert (second["source"], second["due"], second["overdue"], second["open"]) == (
        "evaluation", False, False, True
    )  # fmt: skip
    first = items.iloc[0]
    assert (first["due"], first["on_time"], first["overdue"], first["open"]) == (
        True, True, False, False
    )  # fmt: skip
    assert first["problem"] == "基金收入未及时缴入财政专户" and first["status"] == "done"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_measure_and_rule_is_worded(lang):
    texts = load_labels(lang).texts
    assert not [m for m in MEASURES if f"measure_{m}" not in texts]
    assert not [r for r in RULES if f"rule_{r}" not in texts]
