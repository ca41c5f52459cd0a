"""The corpus of broken datasets, as mutation specs of the tiny dataset.

Every case is the tiny dataset of ``tests/builders.py`` with one mutation, written as a
CSV folder unless the case says otherwise (an .xlsx workbook is written as
``<case>/book.xlsx``, a Parquet folder as ``<case>/``). The tests write the corpus once a
session into a temporary folder (the ``corpus`` fixture of ``tests/conftest.py``);
``tests/test_bad_inputs.py`` asserts each case's findings. To look at the files, write
them to a folder of your own:

    .venv/bin/python tests/bad_inputs/make_corpus.py /tmp/bad_inputs

Cases named ``warn_…`` hold data wrinkles that must only warn, and ``ok_…`` are controls
that must pass; every other case must fail validation.
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from builders import tiny_tables  # noqa: E402

from sipm_helpers.data.io import MARKER, write_dataset  # noqa: E402

Tables = dict[str, pd.DataFrame]
Mutation = Callable[[Tables], None]
PostEdit = Callable[[Path], None]  # edits the written files, for faults below the table level

EM, WI = "employee_medical", "work_injury"


@dataclass(frozen=True)
class Case:
    name: str  # what it breaks
    why: str  # one line: why this is bad input (or why a warning / control must pass)
    mutate: Mutation
    fmt: str = "csv"  # csv | parquet | xlsx
    post: PostEdit | None = None

    def dataset(self, root: Path) -> Path:
        """Where the case's dataset is: its folder, or the workbook inside it."""
        return root / self.name / "book.xlsx" if self.fmt == "xlsx" else root / self.name


# --- mutations: each returns a function that edits the tiny tables in place -----------


def _rows(frame: pd.DataFrame, match: dict) -> pd.Index:
    hit = np.logical_and.reduce([frame[k] == v for k, v in match.items()]) if match else None
    rows = frame.index if hit is None else frame.index[hit]
    if not len(rows):
        raise ValueError(f"no row matches {match}")
    return rows


def set_cell(table: str, column: str, value, **match) -> Mutation:
    """Set ``column`` to ``value`` in every row of ``table`` matching ``match``."""

    def mutate(t: Tables) -> None:
        frame = t[table]
        rows = _rows(frame, match)
        if isinstance(value, str) or value is None:
            frame[column] = frame[column].astype(object)
        frame.loc[rows, column] = value

    return mutate


def shift(table: str, column: str, by: float, **match) -> Mutation:
    """Add ``by`` to ``column`` in the rows matching ``match``."""

    def mutate(t: Tables) -> None:
        frame = t[table]
        frame.loc[_rows(frame, match), column] += by

    return mutate


def add_row(table: str, **values) -> Mutation:
    """Append a row (at the end of the file); unnamed columns are empty."""

    def mutate(t: Tables) -> None:
        t[table] = pd.concat([t[table], pd.DataFrame([values])], ignore_index=True)

    return mutate


def insert_row(table: str, before: dict, **values) -> Mutation:
    """Insert a row before the first row matching ``before``; unnamed columns are empty."""

    def mutate(t: Tables) -> None:
        frame = t[table]
        frame = frame.astype({c: "Int64" for c in frame.columns if frame[c].dtype == "int64"})
        at = frame.index.get_loc(_rows(frame, before)[0])
        row = pd.DataFrame([values], columns=frame.columns).astype(frame.dtypes.to_dict())
        t[table] = pd.concat([frame.iloc[:at], row, frame.iloc[at:]], ignore_index=True)

    return mutate


def copy_row(table: str, changes: dict | None = None, **match) -> Mutation:
    """Append a copy of the first row matching ``match``, with ``changes`` applied."""

    def mutate(t: Tables) -> None:
        row = t[table].loc[_rows(t[table], match)[:1]].assign(**(changes or {}))
        t[table] = pd.concat([t[table], row], ignore_index=True)

    return mutate


def drop_rows(table: str, **match) -> Mutation:
    def mutate(t: Tables) -> None:
        t[table] = t[table].drop(_rows(t[table], match)).reset_index(drop=True)

    return mutate


def drop_column(table: str, column: str) -> Mutation:
    def mutate(t: Tables) -> None:
        t[table] = t[table].drop(columns=column)

    return mutate


def drop_table(table: str) -> Mutation:
    def mutate(t: Tables) -> None:
        del t[table]

    return mutate


def rename_column(table: str, old: str, new: str) -> Mutation:
    def mutate(t: Tables) -> None:
        t[table] = t[table].rename(columns={old: new})

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(t: Tables) -> None:
        for m in mutations:
            m(t)

    return mutate


def unchanged(t: Tables) -> None:
    pass


# --- edits of the written files -------------------------------------------------------


def with_bom(folder: Path) -> None:
    """Save every CSV as Excel's "CSV UTF-8" does: a byte-order mark, CRLF line ends."""
    for file in sorted(folder.glob("*.csv")):
        text = file.read_text(encoding="utf-8")
        file.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))


def encoded(file: str, encoding: str) -> PostEdit:
    """Save ``file`` in ``encoding`` instead of UTF-8 (as Chinese Windows' Excel does)."""

    def edit(folder: Path) -> None:
        path = folder / file
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return edit


def replace_text(file: str, old: str, new: str) -> PostEdit:
    """Replace the first occurrence of ``old`` in ``file`` (bytes-level faults: quotes, fields)."""

    def edit(folder: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise ValueError(f"{old!r} not in {path}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def everywhere(old: str, new: str, *files: str) -> PostEdit:
    """Replace every ``old`` field with ``new`` in ``files`` (as Excel rewrites a column)."""

    def edit(folder: Path) -> None:
        for file in files:
            path = folder / file
            lines = path.read_text(encoding="utf-8").split("\n")
            fields = [",".join(new if f == old else f for f in line.split(",")) for line in lines]
            path.write_text("\n".join(fields), encoding="utf-8")

    return edit


def insert_lines(file: str, after_line: int, *lines: str) -> PostEdit:
    """Insert raw ``lines`` after line ``after_line`` (1 = the header) of ``file``."""

    def edit(folder: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8").split("\n")
        path.write_text(
            "\n".join([*text[:after_line], *lines, *text[after_line:]]), encoding="utf-8"
        )

    return edit


def in_sheet(sheet: str, edit: Callable) -> PostEdit:
    """Edit a sheet of the case's workbook with openpyxl, as a person would in Excel."""

    def post(folder: Path) -> None:
        book = openpyxl.load_workbook(folder / "book.xlsx")
        edit(book[sheet])
        book.save(folder / "book.xlsx")
        freeze_workbook(folder / "book.xlsx")

    return post


def also_parquet(folder: Path) -> None:
    """Leave a stray Parquet copy of one table next to the CSV files."""
    pd.read_csv(folder / "regions.csv", dtype=str).to_parquet(folder / "regions.parquet")


# --- the corpus ----------------------------------------------------------------------

# 110100's employee medical fund in 2025, where several cases strike.
EM25 = {"region_code": "110100", "fund": EM, "year": 2025}

# fmt: off
CASES: list[Case] = [
    # Types: a cell that is not what its column's type says.
    Case("amount_not_a_number", "a typed 'o' for a zero makes the amount unreadable",
         set_cell("execution", "amount", "1o0", **EM25, month=3, item="premium")),
    Case("year_fractional", "a year is a whole number, not 2024.5",
         set_cell("statistics", "year", "2024.5", region_code="110200", year=2024, month=4, stat="insured")),
    Case("xlsx_initial_with_unit", "money is a bare number in 10k yuan: '1200万元' is text",
         set_cell("budget", "initial", "1200万元", region_code="110200", year=2025, item="premium"), fmt="xlsx"),
    # Ranges and allowed values.
    Case("month_13", "months run from 1 to 12",
         set_cell("statistics", "month", 13, region_code="110100", year=2024, month=12, stat="contributors")),
    Case("month_0", "months run from 1 to 12; 0 is not a month",
         set_cell("statistics", "month", 0, region_code="110200", year=2025, month=1, stat="beneficiaries")),
    Case("parquet_negative_statistic", "a count of persons cannot be negative (Parquet rows count from 1)",
         set_cell("statistics", "value", -900, region_code="110200", year=2025, month=2, stat="contributors"), fmt="parquet"),
    Case("unknown_fund_code", "'employee_medcal' is not a fund of the registry",
         set_cell("targets", "fund", "employee_medcal", region_code="000000", indicator="coverage_rate")),
    Case("unknown_line_item", "'premiums' is not a line item of the registry",
         set_cell("execution", "item", "premiums", **EM25, month=2, item="premium")),
    Case("unknown_statistic", "'insured_persons' is an indicator, not a statistic",
         set_cell("statistics", "stat", "insured_persons", region_code="110000", year=2024, month=6, stat="insured")),
    Case("unknown_region_code", "explanations name a region that is not in regions.csv",
         set_cell("explanations", "region_code", "110300")),
    Case("region_code_empty", "every statistic belongs to a region: the code is required",
         set_cell("statistics", "region_code", None, region_code="110100", year=2025, month=7, stat="insured")),
    Case("target_period_quarterly", "targets are annual or overall, not quarterly",
         set_cell("targets", "period", "quarterly", indicator="insured_persons", fund=EM)),
    Case("qualitative_grade_excellent", "'excellent' is a grade of the total score, not a qualitative level",
         set_cell("qualitative", "grade", "excellent", indicator="risk_prevention")),
    Case("explanation_reason_empty", "an explanation without a reason explains nothing (Art. 18)",
         set_cell("explanations", "reason", None)),
    Case("region_level_city", "levels are country, province, prefecture; a regions error stops the other checks",
         set_cell("regions", "level", "city", region_code="110200")),
    Case("region_code_escapes_folder", "codes name report files: '../' would write outside the output folder",
         add_row("regions", region_code="../../../../escaped", name_zh="逃逸", name_en="Escape", level="prefecture", parent_code="110000")),
    Case("region_code_nul", "a control character in a code cannot name a file",
         add_row("regions", region_code="1103\x0000", name_zh="空字符", name_en="Nul", level="prefecture", parent_code="110000")),
    # Structure: tables, columns, keys.
    Case("missing_column", "execution.csv lost its amount column",
         drop_column("execution", "amount")),
    Case("misspelled_column", "a misspelled header is a missing column (and an ignored unknown one)",
         rename_column("targets", "benchmark", "benchmarks")),
    Case("missing_table", "execution.csv is required",
         drop_table("execution")),
    Case("duplicate_budget_key", "the same budget line twice: which one counts?",
         copy_row("budget", {"initial": 480.0, "adjusted": 480.0}, region_code="110000", year=2024, item="balance_start")),
    Case("duplicate_qualitative_key", "two grades for one indicator in one year",
         copy_row("qualitative", {"grade": "partly", "share": 0.7}, indicator="risk_prevention")),
    # Region hierarchy.
    Case("parent_missing", "prefecture 120100 names a parent 120000 that is not in the table",
         add_row("regions", region_code="120100", name_zh="丙市", name_en="Gamma City", level="prefecture", parent_code="120000")),
    Case("parent_is_prefecture", "a prefecture belongs to a province, not to another prefecture",
         add_row("regions", region_code="110101", name_zh="甲区", name_en="Alpha District", level="prefecture", parent_code="110100")),
    Case("two_countries", "the hierarchy has exactly one country",
         add_row("regions", region_code="999999", name_zh="他国", name_en="Otherland", level="country")),
    Case("province_without_parent", "a province belongs to the country",
         add_row("regions", region_code="120000", name_zh="丙省", name_en="Gammashire", level="province")),
    Case("country_code_lost_leading_zeros", "a spreadsheet turned 000000 into 0: codes are text",
         set_cell("regions", "region_code", "0", region_code="000000")),
    Case("pooling_for_prefecture", "pooling levels are set per province, 110100 is a prefecture",
         add_row("pooling", province_code="110100", fund="resident_medical", pooling_level="prefecture")),
    # Applicability: what a fund reports, and where (Art. 6).
    Case("item_not_for_fund", "national pooling adjustment receipts belong to the enterprise pension fund only",
         add_row("budget", **EM25, item="central_adjustment_in", initial=0.0, adjusted=0.0)),
    Case("statistic_not_for_fund", "work-injury determinations are not a statistic of the medical fund",
         add_row("statistics", **EM25, month=1, stat="injury_determinations", value=3)),
    Case("pooled_fund_above_fund", "the pooled fund's balance exceeds the whole fund's: personal accounts below zero",
         add_row("statistics", **EM25, month=12, stat="pooled_fund_balance", value=900)),
    Case("work_injury_at_prefecture", "work injury is pooled by province: a prefecture does not report it",
         add_row("statistics", region_code="110200", fund=WI, year=2025, month=1, stat="insured", value=120)),
    Case("employee_medical_at_province", "employee medical is pooled by prefecture: the province does not report it",
         add_row("statistics", region_code="110000", fund=EM, year=2025, month=1, stat="insured", value=1900)),
    Case("fund_at_country_level", "no fund is reported at country level",
         add_row("qualitative", region_code="000000", fund=EM, year=2025, indicator="risk_prevention", grade="achieved", evidence="全国核查")),
    # Amounts and the balance identity.
    Case("negative_income", "a budgeted premium income of -1,200: a sign typo",
         set_cell("budget", "initial", -1200.0, region_code="110200", year=2024, item="premium")),
    Case("negative_expenditure", "benefits paid entered as -90: expenditure is a positive amount (so August no longer balances)",
         set_cell("execution", "amount", -90.0, region_code="110000", fund=WI, year=2025, month=8, item="benefits")),
    Case("balance_identity_broken", "benefits of 95 in May but the balance moved as if 90 were paid",
         set_cell("execution", "amount", 95.0, region_code="110200", fund=EM, year=2024, month=5, item="benefits")),
    Case("balance_start_in_month_5", "the opening balance is reported in month 1, here it sits in May",
         set_cell("execution", "month", 5, **EM25, item="balance_start")),
    Case("balance_end_missing", "no closing balance for March: the month cannot be checked",
         drop_rows("execution", region_code="110000", fund=WI, year=2024, month=3, item="balance_end")),
    Case("budget_balance_identity_broken", "the adjusted year-end balance does not follow from the adjusted budget",
         set_cell("budget", "adjusted", 700.0, region_code="110200", year=2025, item="balance_end")),
    Case("budget_balance_start_missing", "a budget needs its opening balance",
         drop_rows("budget", region_code="110000", fund=WI, year=2025, item="balance_start")),
    Case("executed_item_not_budgeted", "interest is executed all 2025 but was not budgeted (balance kept)",
         both(drop_rows("budget", region_code="110200", year=2025, item="interest"),
              shift("budget", "initial", -12.0, region_code="110200", year=2025, item="balance_end"),
              shift("budget", "adjusted", -12.0, region_code="110200", year=2025, item="balance_end"))),
    # Targets, grades and explanations.
    Case("target_indicator_not_in_catalogue", "work-injury determination timeliness is not an indicator of the medical fund",
         set_cell("targets", "indicator", "injury_determination_timeliness", region_code="110100", indicator="insured_persons")),
    Case("annual_target_spans_years", "an annual target covers one year: end_year must equal start_year",
         set_cell("targets", "end_year", 2026, region_code="110100", indicator="premium_collection_rate")),
    Case("overall_target_ends_before_start", "an overall target 2021–2019 covers no years",
         set_cell("targets", "end_year", 2019, period="overall")),
    Case("central_target_on_province", "a central guiding target is set for the country, not for a province",
         set_cell("targets", "region_code", "110000", region_code="000000", indicator="coverage_rate")),
    Case("share_outside_band", "a grade of partly earns 50–80 % of the points, not 90 %",
         set_cell("qualitative", "share", 0.9, indicator="fund_management_compliance")),
    Case("qualitative_for_quantitative_indicator", "the premium collection rate is computed, not graded",
         add_row("qualitative", **EM25, indicator="premium_collection_rate", grade="achieved", share=0.9, evidence="征缴率 98%")),
    # The evaluator's records (Art. 17–20).
    Case("review_grade_for_quantitative_indicator", "the premium collection rate is computed: the evaluator adjusts its actual, not a grade",
         set_cell("review", "indicator", "premium_collection_rate")),
    Case("review_adjusted_actual_missing", "a finding of adjusted_actual must give the evaluator's actual",
         both(set_cell("review", "indicator", "coverage_rate"), set_cell("review", "finding", "adjusted_actual"),
              set_cell("review", "grade", None))),
    Case("review_for_a_region_not_coordinating", "work injury is pooled at province level: reviewed for 110000, not 110100",
         set_cell("review", "fund", WI)),
    Case("submission_before_year_end", "a report on 2025 cannot reach the province in December 2025",
         set_cell("submissions", "received", "2025-12-15", region_code="110100")),
    Case("submission_date_not_iso", "31/05/2026 is not a date in the YYYY-MM-DD form",
         set_cell("submissions", "received", "31/05/2026", region_code="110200")),
    Case("rectification_done_without_date", "a rectification that is done says when it was closed",
         set_cell("rectification", "closed", None, item_id="R2024-1")),
    Case("rectification_deadline_before_found", "a problem found in 2025 cannot be due in 2024",
         set_cell("rectification", "deadline", "2024-12-31", item_id="R2025-1")),
    Case("rectification_status_unknown", "the status is one of open, in_progress, done, overdue",
         set_cell("rectification", "status", "closed", item_id="R2025-1")),
    # Row numbers count what a person sees: blank rows and the template's documentation row.
    Case("blank_lines_before_error", "month 13 on line 110; a blank line and an empty row above it still count",
         set_cell("statistics", "month", 13, region_code="110100", year=2024, month=12, stat="contributors"),
         post=insert_lines("statistics.csv", 50, "", ",,,,,")),
    Case("xlsx_blank_row_before_error", "an empty sheet row above the bad cell counts in the row number",
         both(insert_row("targets", {"indicator": "coverage_rate", "period": "overall"}),
              set_cell("targets", "target", "96%", indicator="coverage_rate", period="overall")), fmt="xlsx"),
    Case("template_row_kept_with_error", "the template's documentation row is skipped but counted; '—' is not a number",
         both(insert_row("budget", {"region_code": "110100"}, region_code="# Coordinating region code"),
              set_cell("budget", "adjusted", "—", region_code="110100", year=2025, item="interest"))),
    Case("xlsx_sheet_missing", "the workbook has no targets sheet",
         drop_table("targets"), fmt="xlsx"),
    Case("xlsx_merged_cells", "three rows' fund cells merged into one: two read as blank",
         unchanged, fmt="xlsx", post=in_sheet("budget", lambda ws: ws.merge_cells("B3:B5"))),
    Case("xlsx_formula_without_value", "an adjusted budget typed as a formula a program never calculated",
         unchanged, fmt="xlsx", post=in_sheet("budget", lambda ws: ws.__setitem__("F3", "=E3*1.1"))),
    # Files that cannot be read as a dataset at all.
    Case("csv_unclosed_quote", "an unclosed quote swallows the rest of the file",
         unchanged, post=replace_text("explanations.csv", "企业欠费", '"企业欠费')),
    Case("csv_extra_field", "an unquoted comma in a reason splits it into an extra field",
         unchanged, post=replace_text("explanations.csv", "企业欠费", "企业欠费,多")),
    Case("csv_empty_file", "regions.csv is an empty file: not even a header",
         unchanged, post=lambda folder: (folder / "regions.csv").write_text("")),
    Case("csv_and_parquet_mixed", "a dataset folder holds one format, not CSV and Parquet side by side",
         unchanged, post=also_parquet),
    Case("region_code_lost_leading_zeros", "Excel took the country's code 000000 for a number and saved 0",
         unchanged, post=everywhere("000000", "0", "regions.csv", "targets.csv")),
    Case("budget_header_only", "budget.csv keeps its header and no rows: one finding, not one per executed item",
         lambda t: t.__setitem__("budget", t["budget"].iloc[:0])),
    Case("csv_saved_as_utf16", "regions.csv saved as UTF-16 (Excel's 'Unicode text'): neither UTF-8 nor GB18030",
         unchanged, post=encoded("regions.csv", "utf-16")),
    # Several errors in different tables: all are reported at once.
    Case("several_errors", "one error in each of five tables: every one is reported, not only the first",
         both(set_cell("budget", "initial", "n/a", region_code="110100", year=2024, item="benefits"),
              set_cell("statistics", "value", "950人", region_code="110200", year=2024, month=9, stat="insured"),
              set_cell("targets", "end_year", 2027, region_code="110000", fund=WI),
              set_cell("qualitative", "grade", "good", indicator="target_setting_quality"),
              set_cell("explanations", "indicator", "coverage"))),
    # Warnings only: the dataset is usable, the evaluator is told.
    Case("warn_negative_balance", "a deficit fund: balances below zero throughout (identity kept)",
         both(shift("execution", "amount", -1000.0, region_code="110200", item="balance_start"),
              shift("execution", "amount", -1000.0, region_code="110200", item="balance_end"))),
    Case("warn_rectification_done_without_evidence", "a rectification reported done should show its evidence",
         set_cell("rectification", "evidence", None, item_id="R2024-1")),
    Case("warn_target_contradicts_policy", "the national 2025 contribution target says 350 yuan; the standard in force is 400",
         add_row("targets", region_code="000000", fund="resident_medical", indicator="per_capita_contribution",
                 period="annual", start_year=2025, end_year=2025, target=350, level="central", benchmark="policy")),
    Case("warn_grade_without_evidence", "a grade should say what it rests on",
         set_cell("qualitative", "evidence", None, indicator="fund_management_compliance")),
    Case("survey_valid_above_surveyed", "230 valid responses to a survey that asked 220",
         set_cell("statistics", "value", 230, region_code="110100", stat="survey_valid")),
    Case("survey_satisfied_above_valid", "201 satisfied of 200 valid responses",
         set_cell("statistics", "value", 201, region_code="110100", stat="survey_satisfied")),
    Case("warn_insured_above_target_population", "coverage above 100 % in one month is implausible",
         set_cell("statistics", "value", 1100, region_code="110200", year=2025, month=11, stat="insured")),
    Case("warn_monthly_outlier", "a July premium 50× the usual month (balances follow it)",
         both(shift("execution", "amount", 4900.0, region_code="110100", year=2024, month=7, item="premium"),
              *[shift("execution", "amount", 4900.0, region_code="110100", year=2024, month=m, item="balance_end") for m in range(7, 13)],
              shift("execution", "amount", 4900.0, region_code="110100", year=2025, item="balance_start"),
              shift("execution", "amount", 4900.0, region_code="110100", year=2025, item="balance_end"))),
    Case("warn_missing_month", "June is not reported; the July balance still follows from May's",
         drop_rows("execution", region_code="110000", fund=WI, year=2025, month=6)),
    Case("warn_unknown_column", "an extra column is ignored",
         lambda t: t["budget"].insert(6, "note", "")),
    Case("warn_csv_saved_as_gb18030", "regions.csv saved by Chinese Excel in GB18030: read as such, with a warning",
         unchanged, post=encoded("regions.csv", "gb18030")),
    Case("warn_full_width_date", "a date typed with a Chinese input method's full-width digits is read",
         unchanged, post=replace_text("submissions.csv", "2026-05-20", "２０２６－０５－２０")),
    Case("warn_date_typed_year_first", "2026/5/28 has one reading: read, with a warning",
         unchanged, post=replace_text("submissions.csv", "2026-05-28", "2026/5/28")),
    # Controls: valid datasets that must pass.
    Case("ok_bom_crlf_chinese", "Excel's CSV UTF-8: byte-order mark, CRLF, Chinese names",
         unchanged, post=with_bom),
    Case("ok_thousands_separators_blank_adjusted", "'1,250' is a number; an empty adjusted budget means the initial one",
         both(set_cell("budget", "adjusted", "1,250", region_code="110100", year=2024, item="premium"),
              set_cell("budget", "adjusted", None, region_code="110100", year=2024, item="interest"))),
]
# fmt: on


def freeze_workbook(path: Path) -> None:
    """Fixed timestamps in the workbook, so writing it again gives the same bytes."""
    with zipfile.ZipFile(path) as book:
        parts = [(info, book.read(info)) for info in book.infolist()]
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    with zipfile.ZipFile(path, "w") as book:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = stamp.sub(b"2026-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            book.writestr(fixed, data, compress_type=zipfile.ZIP_DEFLATED)


def write_case(case: Case, root: Path) -> Path:
    """Write ``case`` under ``root``; returns its dataset path."""
    tables = tiny_tables()
    case.mutate(tables)
    folder = root / case.name
    if folder.exists():
        shutil.rmtree(folder)
    if case.fmt == "xlsx":
        folder.mkdir(parents=True)
    write_dataset(tables, case.dataset(root), case.fmt)
    (folder / MARKER).unlink(missing_ok=True)  # a corpus case is data, not sipm's output
    if case.fmt == "xlsx":
        freeze_workbook(case.dataset(root))
    if case.post is not None:
        case.post(folder)
    return case.dataset(root)


def write_corpus(root: Path) -> list[Path]:
    """Write every case under ``root`` and an index of them."""
    root.mkdir(parents=True, exist_ok=True)
    if len({c.name for c in CASES}) != len(CASES):
        raise ValueError("case names must be unique")
    paths = [write_case(case, root) for case in CASES]
    lines = ["# Bad-input corpus", "", "Generated by `make_corpus.py`; do not edit by hand.", ""]
    lines += [f"- `{c.name}` ({c.fmt}): {c.why}" for c in CASES]
    (root / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py FOLDER")
    target = Path(sys.argv[1])
    print(f"wrote {len(write_corpus(target))} cases to {target}")
