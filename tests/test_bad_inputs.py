"""The corpus of broken datasets (tests/bad_inputs/, written by make_corpus.py).

Each broken dataset is refused with findings that name the file (and sheet), the row as a
person sees it (CSV header = line 1; Parquet: record number), the column, the value and
the rule, every one at once; each case's errors are exactly the ones listed here. The
`warn_…` cases only warn and the `ok_…` controls pass. `sipm validate` and `sipm demo`
exit 2 on bad input and write nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import make_corpus  # tests/bad_inputs, on the path from conftest.py
import pandas as pd
import pytest

from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.findings import ERROR, WARNING, Finding
from sipm_helpers.data.validation import validate_path
from sipm_helpers.errors import SipmError

CASES = {case.name: case for case in make_corpus.CASES}


@dataclass(frozen=True)
class F:
    """An expected finding; ``message`` is a substring, ``origin`` may hold ``{path}``."""

    origin: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: str = ERROR

    def matches(self, f: Finding, path: Path) -> bool:
        return (f.severity, f.origin, f.row, f.column, f.value, f.rule) == (
            self.severity,
            self.origin.format(path=path),
            self.row,
            self.column,
            self.value,
            self.rule,
        ) and self.message in f.message


def W(*args) -> F:  # a warning; reads like F in the table below
    return F(*args, severity=WARNING)


# Every finding of every case: the expected ones, in full. A case's findings are exactly
# these (counted per rule), unless COUNTS gives the number of findings of a rule.
# fmt: off
EXPECTED: dict[str, list[F]] = {
    # Types
    "amount_not_a_number": [F("execution.csv", 60, "amount", "1o0", "type", "expected a number")],
    "year_fractional": [F("statistics.csv", 250, "year", "2024.5", "type", "expected a whole number")],
    "xlsx_initial_with_unit": [F("book.xlsx, sheet budget", 17, "initial", "1200万元", "type", "expected a number")],
    # Ranges and allowed values
    "month_13": [F("statistics.csv", 108, "month", "13", "range", "must be at most 12")],
    "month_0": [F("statistics.csv", 334, "month", "0", "range", "must be at least 1")],
    "parquet_negative_statistic": [F("statistics.parquet", 341, "value", "-900.0", "range", "must be at least 0")],
    "unknown_fund_code": [F("targets.csv", 5, "fund", "employee_medcal", "allowed_values", "not among the known funds — did you mean employee_medical?")],
    "unknown_line_item": [F("execution.csv", 56, "item", "premiums", "allowed_values", "not among the known line items — did you mean premium?")],
    "unknown_statistic": [F("statistics.csv", 472, "stat", "insured_persons", "allowed_values", "not among the known statistics — did you mean insured?")],
    "unknown_region_code": [F("explanations.csv", 2, "region_code", "110300", "allowed_values", "not among the known regions — did you mean 110200 or 110100 or 110000?")],
    "region_code_empty": [F("statistics.csv", 169, "region_code", None, "required_value", "a value is required")],
    "target_period_quarterly": [F("targets.csv", 3, "period", "quarterly", "allowed_values", "must be one of: annual, overall")],
    "qualitative_grade_excellent": [F("qualitative.csv", 5, "grade", "excellent", "allowed_values", "must be one of: achieved, partly, not_achieved")],
    "explanation_reason_empty": [F("explanations.csv", 2, "reason", None, "required_value", "a value is required")],
    "region_level_city": [F("regions.csv", 5, "level", "city", "allowed_values", "must be one of: country, province, prefecture")],
    "region_code_escapes_folder": [F("regions.csv", 6, "region_code", "../../../../escaped", "code_format", "must match the format: a code of 6, 9 or 12 digits")],
    "region_code_nul": [F("regions.csv", 6, "region_code", "1103\x0000", "code_format", "must match the format: a code of 6, 9 or 12 digits")],
    "budget_header_only": [F("budget.csv", None, None, None, "empty_table", "the table budget has its header but no rows")],
    "xlsx_merged_cells": [
        F("book.xlsx, sheet budget", 3, "fund", None, "merged_cells", "cells B3:B5 are merged: only the first holds a value, the others read as blank; unmerge them and fill in every row"),
        F("book.xlsx, sheet budget", 4, "fund", None, "required_value", "a value is required"),
        F("book.xlsx, sheet budget", 5, "fund", None, "required_value", "a value is required"),
        F("book.xlsx, sheet budget", None, "item", None, "budget_balance_missing", "no balance_start budgeted for region 110100, fund employee_medical, year 2024"),
        F("book.xlsx, sheet execution", 5, "item", "benefits", "unbudgeted_item", "benefits is executed but not budgeted for region 110100, fund employee_medical, year 2024"),
    ],
    "xlsx_formula_without_value": [F("book.xlsx, sheet budget", 3, "adjusted", None, "formula_without_value", "cell F3 holds the formula =E3*1.1 with no saved value (it reads as blank): open the workbook in Excel and save it again")],
    "region_code_lost_leading_zeros": [F("regions.csv", 2, "region_code", "0", "code_format", "'0' looks like 000000 with its leading zeros lost (Excel drops them when it takes a code for a number): format the column as text and enter the code again")],
    # Structure
    # The evaluator's records
    "review_grade_for_quantitative_indicator": [F("review.csv", 2, "finding", "adjusted_grade", "review_kind", "premium_collection_rate is quantitative: adjust its actual")],
    "review_adjusted_actual_missing": [F("review.csv", 2, "finding", "adjusted_actual", "review_value", "a finding of adjusted_actual gives the evaluator's actual")],
    "review_for_a_region_not_coordinating": [F("review.csv", 2, "region_code", "110100", "coordinating_level", "work_injury is pooled at province level in 110000: report it for 110000, not for 110100")],
    "submission_before_year_end": [F("submissions.csv", 2, "received", "2025-12-15", "submission_date", "a report on 2025 cannot reach the province before the year is over")],
    "submission_date_not_iso": [F("submissions.csv", 3, "received", "31/05/2026", "type", "expected a date (YYYY-MM-DD)")],
    "rectification_done_without_date": [F("rectification.csv", 2, "closed", None, "rectification_closed", "a rectification that is done gives the date it was closed")],
    "rectification_deadline_before_found": [F("rectification.csv", 3, "deadline", "2024-12-31", "rectification_deadline", "the deadline falls before 2025, the year the problem was found")],
    "rectification_status_unknown": [F("rectification.csv", 3, "status", "closed", "allowed_values", "must be one of: open, in_progress, done, overdue")],
    "warn_rectification_done_without_evidence": [W("rectification.csv", 2, "evidence", None, "missing_evidence", "the rectification is done but gives no evidence of it")],
    "missing_column": [F("execution.csv", None, "amount", None, "missing_column", "required column amount is missing (columns found: region_code, fund, year, month, item)")],
    "misspelled_column": [
        F("targets.csv", None, "benchmark", None, "missing_column", "required column benchmark is missing"),
        W("targets.csv", None, "benchmarks", None, "unknown_column", "column benchmarks is not part of table targets and is ignored"),
    ],
    "missing_table": [F("{path}", None, None, None, "missing_table", "the required table execution is missing (expected execution.csv)")],
    "duplicate_budget_key": [
        F("budget.csv", 30, None, None, "duplicate_key", "duplicate key region_code=110000, fund=work_injury, year=2024, item=balance_start (an earlier row has the same key)"),
        # which opening balance counts is unknown, so the budget no longer balances
        F("budget.csv", 25, "adjusted", "420.00", "balance_identity", "budgeted year-end balance 420.00 ≠ start 480.00"),
    ],
    "duplicate_qualitative_key": [F("qualitative.csv", 8, None, None, "duplicate_key", "indicator=risk_prevention (an earlier row has the same key)")],
    # Region hierarchy
    "parent_missing": [F("regions.csv", 6, "parent_code", "120000", "parent_exists", "the parent region is not in the table")],
    "parent_is_prefecture": [F("regions.csv", 6, "parent_code", "110100", "parent_level", "a prefecture must belong to a province, but 110100 is a prefecture")],
    "two_countries": [F("regions.csv", None, "level", None, "one_country", "exactly one region of level country, found 2")],
    "province_without_parent": [F("regions.csv", 6, "parent_code", None, "parent_exists", "a province needs a parent region")],
    "country_code_lost_leading_zeros": [
        F("regions.csv", 2, "region_code", "0", "code_format", "must match the format: a code of 6, 9 or 12 digits"),
        F("targets.csv", 5, "region_code", "000000", "allowed_values", "not among the known regions"),
        F("targets.csv", 6, "region_code", "000000", "allowed_values", "not among the known regions"),
    ],
    "pooling_for_prefecture": [F("pooling.csv", 4, "province_code", "110100", "pooling_province", "pooling is set per province: this is not a province")],
    # Applicability
    "item_not_for_fund": [F("budget.csv", 30, "item", "central_adjustment_in", "not_applicable", "line item central_adjustment_in does not apply to fund employee_medical")],
    "statistic_not_for_fund": [F("statistics.csv", 1184, "stat", "injury_determinations", "not_applicable", "statistic injury_determinations does not apply to fund employee_medical")],
    "pooled_fund_above_fund": [F("statistics.csv", 1184, "value", "900.0", "pooled_above_fund", "the pooled fund's balance (900.00) exceeds the fund's (764.00) in 2025-12: the personal accounts cannot be negative")],
    "work_injury_at_prefecture": [F("statistics.csv", 1184, "region_code", "110200", "coordinating_level", "work_injury is pooled at province level in 110000: report it for 110000, not for 110200")],
    "employee_medical_at_province": [F("statistics.csv", 1184, "region_code", "110000", "coordinating_level", "employee_medical is pooled at prefecture level in 110000: report it for each prefecture, not for 110000")],
    "fund_at_country_level": [F("qualitative.csv", 8, "region_code", "000000", "coordinating_level", "employee_medical is not reported at country level")],
    # Amounts and balances
    "negative_income": [F("budget.csv", 12, "initial", "-1200.0", "non_negative", "income and expenditure cannot be negative")],
    "negative_expenditure": [
        F("execution.csv", 258, "amount", "-90.0", "non_negative", "income and expenditure cannot be negative"),
        F("execution.csv", 259, "amount", "500.00", "balance_identity", "balance_end 500.00 ≠ previous balance 490.00 + income − expenditure 130.00 = 620.00 (region 110000, fund work_injury, 2025-08)"),
    ],
    "balance_identity_broken": [F("execution.csv", 120, "amount", "555.00", "balance_identity", "balance_end 555.00 ≠ previous balance 544.00 + income − expenditure 6.00 = 550.00 (region 110200, fund employee_medical, 2024-05)")],
    "balance_start_in_month_5": [F("execution.csv", 51, "month", "5", "balance_start_month", "balance_start is reported in month 1 only")],
    "balance_end_missing": [F("execution.csv", None, "item", None, "balance_missing", "no balance_end reported for region 110000, fund work_injury, 2024-03")],
    "budget_balance_identity_broken": [F("budget.csv", 21, "adjusted", "700.00", "balance_identity", "budgeted year-end balance 700.00 ≠ start 662.00 + income − expenditure 162.00 = 824.00 (region 110200, fund employee_medical, year 2025)")],
    "budget_balance_start_missing": [F("budget.csv", None, "item", None, "budget_balance_missing", "no balance_start budgeted for region 110000, fund work_injury, year 2025")],
    "executed_item_not_budgeted": [
        F("execution.csv", 151, "item", "interest", "unbudgeted_item", "interest is executed but not budgeted for region 110200, fund employee_medical, year 2025"),
        F("execution.csv", 195, "item", "interest", "unbudgeted_item", "interest is executed but not budgeted"),
    ],
    # Targets, grades, explanations
    "target_indicator_not_in_catalogue": [F("targets.csv", 3, "indicator", "injury_determination_timeliness", "not_applicable", "indicator injury_determination_timeliness does not apply to fund employee_medical")],
    "annual_target_spans_years": [F("targets.csv", 2, "end_year", "2026", "target_period", "an annual target has end_year equal to start_year")],
    "overall_target_ends_before_start": [F("targets.csv", 7, "end_year", "2019", "target_period", "end_year is before start_year")],
    "central_target_on_province": [F("targets.csv", 5, "region_code", "110000", "target_level", "a central guiding target belongs to the country")],
    "share_outside_band": [F("qualitative.csv", 3, "share", "0.9", "share_in_band", "a grade of partly earns between 0.5 and 0.8 of the points")],
    "qualitative_for_quantitative_indicator": [F("qualitative.csv", 8, "indicator", "premium_collection_rate", "not_applicable", "qualitative indicator premium_collection_rate does not apply to fund employee_medical")],
    # Row numbers count blank rows and the template's documentation row
    "blank_lines_before_error": [F("statistics.csv", 110, "month", "13", "range", "must be at most 12")],
    "xlsx_blank_row_before_error": [F("book.xlsx, sheet targets", 8, "target", "96%", "type", "expected a number")],
    "template_row_kept_with_error": [F("budget.csv", 9, "adjusted", "—", "type", "expected a number")],
    "xlsx_sheet_missing": [F("{path}", None, None, None, "missing_table", "the required table targets is missing (expected sheet 'targets')")],
    # All at once
    "several_errors": [
        F("budget.csv", 4, "initial", "n/a", "type", "expected a number"),
        F("statistics.csv", 295, "value", "950人", "type", "expected a number"),
        F("targets.csv", 8, "end_year", "2027", "target_period", "an annual target has end_year equal to start_year"),
        F("qualitative.csv", 2, "grade", "good", "allowed_values", "must be one of: achieved, partly, not_achieved"),
        F("explanations.csv", 2, "indicator", "coverage", "allowed_values", "not among the known indicators"),
    ],
    # Warnings only
    "warn_negative_balance": [
        W("execution.csv", 104, "amount", "-489.0", "negative_balance", "the fund's balance is negative"),
        W("execution.csv", 197, "amount", "-236.0", "negative_balance", "the fund's balance is negative"),
    ],
    "warn_grade_without_evidence": [W("qualitative.csv", 3, "evidence", None, "missing_evidence", "the grade gives no evidence")],
    "warn_target_contradicts_policy": [W("targets.csv", 9, "target", "350.0", "target_policy", "the target 350 of per_capita_contribution for 2025 contradicts the policy value in force that year, 400 (parameters/policy.yaml, resident_medical_contribution: NHSA, MoF and STA notice on the residents' medical insurance for 2024 (400 yuan))")],
    # the satisfaction survey's counts (Alpha, November 2025: 220 asked, 200 valid, 184 satisfied)
    "survey_valid_above_surveyed": [F("statistics.csv", 891, "value", "230", "survey_counts", "the satisfaction survey has more valid responses than persons surveyed (region 110100, fund employee_medical, 2025-11)")],
    "survey_satisfied_above_valid": [F("statistics.csv", 892, "value", "201", "survey_counts", "the satisfaction survey counts more responses satisfied than valid responses (region 110100, fund employee_medical, 2025-11)")],
    "warn_insured_above_target_population": [W("statistics.csv", 421, "value", "1,100", "implausible_statistic", "insured persons exceed the population required to be insured (coverage above 100 %) (region 110200, fund employee_medical, 2025-11)")],
    "warn_monthly_outlier": [W("execution.csv", 27, "amount", "5000.0", "outlier", "premium in 2024-07 is more than 10× its usual month")],
    "warn_missing_month": [W("execution.csv", None, "month", None, "missing_months", "month(s) 6 missing for region 110000, fund work_injury, year 2025")],
    "warn_unknown_column": [W("budget.csv", None, "note", None, "unknown_column", "column note is not part of table budget and is ignored")],
    # Controls
    "warn_full_width_date": [W("submissions.csv", 2, "received", "２０２６－０５－２０", "full_width", "full-width characters read as '2026-05-20' (1 cell(s) of the column)")],
    "warn_date_typed_year_first": [W("submissions.csv", 4, "received", "2026/5/28", "date_text", "a date written year first but not as YYYY-MM-DD, read as 2026-05-28")],
    "ok_bom_crlf_chinese": [],
    "warn_csv_saved_as_gb18030": [W("regions.csv", None, None, None, "encoding", "saved as GB18030 (Chinese Windows' encoding), not UTF-8: read as GB18030; save it as CSV UTF-8")],
    "ok_thousands_separators_blank_adjusted": [],
}
COUNTS: dict[str, dict[str, int]] = {
    "executed_item_not_budgeted": {"unbudgeted_item": 12},  # every month of 2025
    "warn_negative_balance": {"negative_balance": 24},
    # An audit item "done" without its date was not closed by its deadline as far as the
    # ledger shows: 11 of 12 findings reported rectified contradict its 0 of 1.
    "rectification_done_without_date": {"contradicts_ledger": 1},
    "xlsx_merged_cells": {"unbudgeted_item": 12},  # each month of the item the merge hid  # every month end of 110200
}
# Datasets that cannot even be read: the error names the file and what is wrong.
UNREADABLE: dict[str, str] = {
    "csv_unclosed_quote": r"explanations\.csv: cannot read: .*EOF inside string",
    "csv_extra_field": r"explanations\.csv: cannot read: line 2 has more fields than the header",
    "csv_empty_file": r"regions\.csv: the file is empty: it has neither a header row nor data",
    "csv_and_parquet_mixed": r"csv_and_parquet_mixed: holds both CSV and Parquet files",
    "csv_saved_as_utf16": r"regions\.csv: line 1 is not UTF-8 text \(byte 0xff\) nor GB18030; save it as CSV UTF-8",
}
# fmt: on
ERROR_CASES = sorted(n for n in EXPECTED if not n.startswith(("warn_", "ok_")))
USABLE_CASES = sorted(n for n in EXPECTED if n.startswith(("warn_", "ok_")))


@pytest.fixture
def dataset(corpus) -> Callable[[str], Path]:
    return lambda name: CASES[name].dataset(corpus)


@pytest.fixture
def parsed_once(ctx, monkeypatch):
    """The CLI reads the parameter files on every call; reuse the session's context."""
    monkeypatch.setattr("sipm_helpers.data.validation.load_context", lambda: ctx)


def test_every_case_is_written_and_has_expectations(corpus):
    on_disk = {p.name for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert on_disk == set(CASES)
    assert set(EXPECTED) | set(UNREADABLE) == set(CASES)
    assert not set(EXPECTED) & set(UNREADABLE)
    assert len(ERROR_CASES) + len(UNREADABLE) >= 25
    assert {c.fmt for c in CASES.values()} == {"csv", "xlsx", "parquet"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_findings(name, ctx, dataset):
    path = dataset(name)
    data, report = validate_path(path, ctx)
    for expected in EXPECTED[name]:
        assert any(expected.matches(f, path) for f in report.findings), (
            f"{name}: no finding like {expected}\n{report.to_text()}"
        )
    counts = Counter(e.rule for e in EXPECTED[name]) | Counter(COUNTS.get(name, {}))
    assert Counter(f.rule for f in report.findings) == counts, report.to_text()
    if name in ERROR_CASES:
        assert data is None and not report.ok
    else:
        assert data is not None and report.ok, report.to_text()
    _reads_in_chinese(report)


def _reads_in_chinese(report) -> None:
    """Every finding is said by a label key (none is plain text), worded in English as
    its message and in Chinese otherwise; the report around them too."""
    en, zh = load_labels("en"), load_labels("zh")
    for f in report.findings:
        assert f.said is not None and f.message == f.said.in_(en), f
        assert "{" not in f.text(zh) and f.text(zh) != f.text(en)
    chinese = report.to_text(labels=zh)
    assert "个错误" in chinese and "error(s)" not in chinese and "rows" not in chinese


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_dataset_names_the_file(name, capsys, parsed_once, dataset):
    with pytest.raises(SipmError, match=UNREADABLE[name]) as raised:
        validate_path(dataset(name))
    assert raised.value.said.in_(load_labels("zh")) != str(raised.value)  # said in Chinese too
    assert main(["validate", str(dataset(name))]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: ") and name in err


def _line(f: F, path: Path) -> str:
    """How the CLI prints the expected finding (see Finding.__str__), up to the message."""
    where = ", ".join(
        [f.origin.format(path=path)]
        + ([f"row {f.row}"] if f.row is not None else [])
        + ([f"column {f.column}"] if f.column else [])
    )
    value = "" if f.value is None else f" (value {f.value!r})"
    return f"{f.severity.upper()} {where}{value}: "


def _printed(f: F, path: Path, out: str) -> bool:
    """The finding is printed on its own line, or on the line of the findings that differ
    from it only in their row ("rows 5, 6 (2 rows)")."""
    if _line(f, path) in out:
        return True
    column = f", column {re.escape(f.column)}" if f.column else ""
    value = "" if f.value is None else re.escape(f" (value {f.value!r})")
    grouped = re.compile(
        rf"{f.severity.upper()} {re.escape(f.origin.format(path=path))}, rows ([0-9, …]+) "
        rf"\(\d+ rows\){column}{value}: "
    )
    listed = [m.group(1).split(", ") for m in grouped.finditer(out)]
    return any(str(f.row) in rows or rows[-1] == "…" for rows in listed)


@pytest.mark.parametrize("name", ERROR_CASES)
def test_cli_validate_exits_2_and_prints_where(name, capsys, parsed_once, dataset):
    path = dataset(name)
    assert main(["validate", str(path)]) == EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert "the dataset cannot be used until the errors are fixed" in out
    for f in EXPECTED[name]:
        assert _printed(f, path, out), out


@pytest.mark.parametrize("name", USABLE_CASES)
def test_cli_validate_passes_warnings_only(name, capsys, parsed_once, dataset):
    assert main(["validate", str(dataset(name))]) == EXIT_OK
    out = capsys.readouterr().out
    assert " 0 error(s)" in out
    assert all(_line(f, dataset(name)) in out for f in EXPECTED[name][:1])
    if name == "warn_negative_balance":  # 24 warnings: 20 shown, the rest counted
        assert "… and 4 more warning(s) of rule negative_balance" in out


def test_several_errors_in_different_files_are_all_printed(capsys, parsed_once, dataset):
    main(["validate", str(dataset("several_errors"))])
    out = capsys.readouterr().out
    assert ": 5 error(s), 0 warning(s)" in out
    for file in (
        "budget.csv",
        "statistics.csv",
        "targets.csv",
        "qualitative.csv",
        "explanations.csv",
    ):
        assert f"ERROR {file}, row " in out


def test_real_command_exit_status(dataset):
    sipm = Path(sys.executable).parent / "sipm"
    command = [str(sipm)] if sipm.exists() else [sys.executable, "-m", "sipm_helpers.cli"]
    done = subprocess.run(
        [*command, "validate", str(dataset("xlsx_initial_with_unit"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert (
        "ERROR book.xlsx, sheet budget, row 17, column initial (value '1200万元'): "
        "expected a number [type]" in done.stdout
    )


@pytest.mark.parametrize(
    "name", ["balance_identity_broken", "xlsx_initial_with_unit", "parquet_negative_statistic"]
)
def test_demo_on_bad_data_exits_2_and_writes_nothing(name, tmp_path, capsys, dataset):
    out = tmp_path / "out"
    argv = ["demo", "--data", str(dataset(name)), "--out", str(out), "--formats", "html"]
    assert main([*argv, "--quiet"]) == EXIT_BAD_INPUT
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert _line(EXPECTED[name][0], dataset(name)) in err


def test_one_bad_code_down_a_column_is_reported_once_with_its_rows(tiny_dir, tmp_path, ctx):
    """Region 110200 typed as 110300 in every budget row: one line naming the rows and the
    codes it may have meant and, under it as what it causes, one line per year its
    execution has no budget, instead of one error per budget row and one per executed
    item and month (82 findings)."""
    folder = tmp_path / "d"
    shutil.copytree(tiny_dir, folder)
    budget = pd.read_csv(folder / "budget.csv", dtype=str)
    mine = budget["region_code"] == "110200"
    budget.loc[mine, "region_code"] = "110300"
    budget.to_csv(folder / "budget.csv", index=False)
    _, report = validate_path(folder, ctx)
    text = report.to_text()
    rows = [str(i + 2) for i in budget.index[mine]]
    lines = text.splitlines()[1:]
    assert len(lines) == 5, text
    assert lines[0] == "  (of these, 2 follow from another and are listed under it: fix it first)"
    assert f"budget.csv, rows {', '.join(rows[:8])}, … ({len(rows)} rows)" in lines[1]
    assert "did you mean 110200" in lines[1] and "which causes" in lines[2]
    assert [line.startswith("      ERROR execution.csv") for line in lines[3:]] == [True, True]
    assert [line.endswith("[no_budget]") for line in lines[3:]] == [True, True]
    assert "region 110200, fund employee_medical, year 2024 is executed" in lines[3]
    frame = report.to_frame()
    causes = frame.loc[frame["rule"] == "allowed_values"].index
    assert set(frame.loc[frame["rule"] == "no_budget", "caused_by"]) <= set(causes)  # a row each
    assert frame.loc[causes, "caused_by"].isna().all()
