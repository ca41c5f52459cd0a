"""The self-evaluation's scoring form as an Excel workbook (openpyxl), in the layout
evaluators hand in with a self-evaluation report: first-, second- and third-level
indicator (the first and second level merged over their rows), points, target, actual,
score, the basis of the score, status, the reason and improvement measure for each
deviation (Art. 18) and the public source of the catalogue's standard; a subtotal per
first-level category (Art. 9) and the total as SUM formulas over the rows, at the
precision the scores are rounded to; the grade and the points assessed; and the funding
block (initial and adjusted budget, executed, execution rate) on a sheet of its own.
Cells without a value are empty, and text from the data stays text."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sipm_helpers.data.cells import Formula, append_row, put
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.scoring import NOT_APPLICABLE, REPORTED, TOTAL_BASIS
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.wording import expectation, score_basis, status_label

# Excel number formats by the indicator's unit.
NUMBER_FORMATS = {
    "rate": "0.0%",
    "months": "0.00",
    "ratio": "0.00",
    "persons": "#,##0",
    "years": "0",
}
HEAD = PatternFill("solid", fgColor="1F4E79")
GROUP = PatternFill("solid", fgColor="DDEBF7")
TOTAL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="BFBFBF")
# The columns of the points, the actual and the score; subtotals and the total add up
# the points and the score.
POINTS_COLUMN, ACTUAL_COLUMN, SCORE_COLUMN = 4, 6, 7
SUMMED_COLUMNS = (POINTS_COLUMN, SCORE_COLUMN)
# Column widths in characters: category, group, indicator, points, target, actual, score,
# basis, status, reason, measure, the standard's source.
WIDTHS = (14, 18, 40, 8, 14, 12, 8, 46, 22, 36, 36, 46)


def score_format(digits: int) -> str:
    """The Excel number format of points and scores at ``digits`` decimals: '0.0' for 1."""
    return "0" if digits == 0 else "0." + "0" * digits


def _value(row: pd.Series, report: SelfEvaluationReport) -> tuple[object, str | None]:
    """The actual as a number with its Excel format, or a grade as text."""
    if pd.notna(row.get("grade")):
        return report.labels.t(f"qual_{row['grade']}"), None
    actual = row.get("actual")
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return None, None
    return float(actual), NUMBER_FORMATS.get(str(row.get("unit")), "#,##0.00")


def _text(value: object) -> str | None:
    """Text of the data, or None (an empty cell) where there is none: never '<NA>'."""
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _indicator_row(r: pd.Series, report: SelfEvaluationReport) -> tuple[list, str | None]:
    counted = r["status"] not in (NOT_APPLICABLE, REPORTED)
    actual, number_format = _value(r, report)
    row = [
        report.category_name(r["category"]),
        report.catalogue.groups[r["group"]][report.lang],
        report.indicator_name(r["indicator"]),
        float(r["points"]) if counted else None,
        expectation(r.to_dict(), report.labels),
        actual,
        float(r["score"]) if counted else None,
        score_basis(r.to_dict(), report.labels, report.digits),
        status_label(r.to_dict(), report.labels)[0],
        _text(r.get("reason")),
        _text(r.get("improvement_measure")),
        _text(r.get(f"source_{report.lang}")),  # as the form's language cites it
    ]
    return row, number_format


def _put(ws: Worksheet, values: list, style: str = "body", width: int | None = None) -> int:
    """Append a row in one of the ROW_STYLES and return its number. Text stays text
    (:func:`sipm_helpers.data.cells.append_row`): a name or an explanation that begins
    with '=', '+', '-' or '@' is stored as a string, with the quote prefix that keeps Excel
    from reading it as a formula when edited. ``width``: the columns styled (the sheet's
    width unless given: finding it scans every cell, which a long sheet feels)."""
    # styled first: a style resets the number format and the quote prefix
    return append_row(ws, values, lambda row: _style_row(ws, row, style, width))


# The form's row styles: fill and bold. Named styles, registered once per workbook: a style
# object set cell by cell is hashed against every style of the workbook (measured: most of
# the form's cost).
ROW_STYLES = {
    "body": (None, False),
    "bold": (None, True),
    "group": (GROUP, True),
    "total": (TOTAL, True),
}


def _add_row_styles(wb: Workbook) -> None:
    for name, (fill, bold) in ROW_STYLES.items():
        style = NamedStyle(
            name=f"sipm {name}",
            border=Border(top=THIN, bottom=THIN, left=THIN, right=THIN),
            alignment=Alignment(vertical="top", wrap_text=True),
            font=Font(
                name=DEFAULT_FONT.name,
                sz=DEFAULT_FONT.sz,
                family=DEFAULT_FONT.family,
                scheme=DEFAULT_FONT.scheme,
                color=DEFAULT_FONT.color,
                bold=bold,
            ),
        )
        if fill is not None:
            style.fill = fill
        wb.add_named_style(style)


def _style_row(ws: Worksheet, row: int, style: str = "body", width: int | None = None) -> None:
    for column in range(1, (width or ws.max_column) + 1):
        ws.cell(row, column).style = f"sipm {style}"


def _header(ws: Worksheet, title: str, header: list[str]) -> None:
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, header)
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEAD
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A3"  # the title and the header row stay in view


def indicator_sheet(ws: Worksheet, report: SelfEvaluationReport) -> None:
    """The scoring form proper: indicators by category, each category's subtotal and the
    total as SUM formulas over the rows, the grade and the points assessed."""
    t, ev = report.labels.t, report.ev
    header = [
        t("form_col_category"),
        t("form_col_group"),
        t("form_col_indicator"),
        t("col_points"),
        t("col_target"),
        t("col_actual"),
        t("col_score"),
        t("form_col_basis"),
        t("col_status"),
        t("col_reason"),
        t("col_measure"),
        t("form_col_source"),
    ]
    _header(
        ws,
        t("form_title", region=report.region_name(), fund=report.fund_name(), year=ev.year),
        header,
    )
    shown = ev.indicators.loc[ev.indicators["status"] != REPORTED]
    subtotals = [
        _category_rows(ws, report, str(category), rows)
        for category, rows in shown.groupby("category", sort=False)
    ]
    total = _put(ws, [t("form_total")], "total")
    for column in SUMMED_COLUMNS:
        cells = ",".join(f"{get_column_letter(column)}{r}" for r in subtotals)
        put(ws.cell(total, column), Formula(f"=SUM({cells})"))
    last = _total_score(ws, report, total)
    s = ev.summary
    for label, value in (
        (t("grade"), report.grade_label()),
        (t("completeness"), report.completeness()),
        (t("missing_rule_" + str(s["missing"])), None),
    ):
        _put(ws, [label, None, value], "bold")
    fmt = score_format(report.digits)
    for column in SUMMED_COLUMNS:
        for (cell,) in ws.iter_rows(min_row=3, max_row=last, min_col=column, max_col=column):
            cell.number_format = fmt


def _category_rows(
    ws: Worksheet, report: SelfEvaluationReport, category: str, rows: pd.DataFrame
) -> int:
    """A category's indicators, its cells of the first and second level merged over
    them, and its subtotal row (SUM formulas over them); the subtotal's row number."""
    first = ws.max_row + 1
    for _, r in rows.iterrows():  # one region's ~20 indicators
        values, number_format = _indicator_row(r, report)
        row = _put(ws, values)
        if number_format:
            ws.cell(row, ACTUAL_COLUMN).number_format = number_format
    last = ws.max_row
    _merge_runs(ws, first, rows["group"].tolist())
    subtotal = _put(
        ws, [report.labels.t("form_subtotal", category=report.category_name(category))], "group"
    )
    for column in SUMMED_COLUMNS:
        letter = get_column_letter(column)
        put(ws.cell(subtotal, column), Formula(f"=SUM({letter}{first}:{letter}{last})"))
    return subtotal


def _merge_runs(ws: Worksheet, first: int, groups: list[str]) -> None:
    """Merge the category's cell (column A) over all its rows from ``first``, and each
    run of rows of the same second-level indicator (column B), centred vertically."""
    runs = [(first, first + len(groups) - 1, 1)]
    start = 0
    for i in range(1, len(groups) + 1):
        if i == len(groups) or groups[i] != groups[start]:
            runs.append((first + start, first + i - 1, 2))
            start = i
    for top, bottom, column in runs:
        if bottom > top:
            ws.merge_cells(start_row=top, end_row=bottom, start_column=column, end_column=column)
            ws.cell(top, column).alignment = Alignment(vertical="center", wrap_text=True)


def _total_score(ws: Worksheet, report: SelfEvaluationReport, total: int) -> int:
    """Where the total score is not the points earned (the ``missing: rescale`` choice, or
    fewer than 100 points at stake), a row with it: the points earned over the basis of
    parameters/scoring.yaml, times 100, rounded as the scores are. The last row's number."""
    s = report.ev.summary
    if s["total"] == s["earned"]:
        return total
    basis = float(s[TOTAL_BASIS[str(s["missing"])]])
    row = _put(ws, [report.labels.t("total_score")], "total")
    score = f"{get_column_letter(SCORE_COLUMN)}{total}"
    put(ws.cell(row, SCORE_COLUMN), Formula(f"=ROUND({score}*100/{basis:g},{report.digits})"))
    return row


def funding_sheet(ws: Worksheet, report: SelfEvaluationReport) -> None:
    """The funding block: initial and adjusted budget, executed and execution rate."""
    t = report.labels.t
    header = [t("col_item"), t("col_initial"), t("col_adjusted"), t("col_executed"), t("col_rate")]
    _header(ws, f"{t('section_funding')} ({t('unit_money')})", header)
    for r in report.ev.funding.itertuples():
        style = "group" if r.kind == "total" else "body"
        append_row(
            ws,
            [
                report.item_name(r.item),
                *(None if math.isnan(v) else float(v) for v in (r.initial, r.adjusted, r.executed)),
                None if math.isnan(r.execution_rate) else float(r.execution_rate),
            ],
            lambda row, style=style: _style_row(ws, row, style),
        )
        for column in (2, 3, 4):
            ws.cell(ws.max_row, column).number_format = "#,##0.0"
        ws.cell(ws.max_row, 5).number_format = "0.0%"
    for i, width in enumerate((28, 16, 16, 16, 12), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def scoring_form(report: SelfEvaluationReport) -> Workbook:
    """The workbook of one self-evaluation, in the report's language."""
    wb = Workbook()
    _add_row_styles(wb)
    ws = wb.active
    ws.title = report.labels.t("form_sheet_indicators")
    indicator_sheet(ws, report)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    funding_sheet(wb.create_sheet(report.labels.t("form_sheet_funding")), report)
    return wb


def write_scoring_form(report: SelfEvaluationReport, path: str | Path) -> Path:
    """Write the scoring form of ``report`` to ``path`` (.xlsx), atomically; return the path."""
    buffer = io.BytesIO()
    scoring_form(report).save(buffer)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
