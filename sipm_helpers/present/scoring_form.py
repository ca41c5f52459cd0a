"""The self-evaluation's scoring form as an Excel workbook (openpyxl), in the layout
evaluators hand in with a self-evaluation report: first-, second- and third-level
indicator, points, target, actual, score, the basis of the score, status, the reason and
improvement measure for each deviation (Art. 18) and the public source of the catalogue's
standard; a subtotal per first-level category
(Art. 9), the total, the grade and the points assessed; and the funding block (initial
and adjusted budget, executed, execution rate) on a sheet of its own."""

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

from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.scoring import NOT_APPLICABLE, REPORTED
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
# Column widths in characters: category, group, indicator, points, target, actual, score,
# basis, status, reason, measure, the standard's source.
WIDTHS = (14, 18, 40, 8, 14, 12, 8, 46, 22, 36, 36, 46)


def _value(row: pd.Series, report: SelfEvaluationReport) -> tuple[object, str | None]:
    """The actual as a number with its Excel format, or a grade as text."""
    if pd.notna(row.get("grade")):
        return report.labels.t(f"qual_{row['grade']}"), None
    actual = row.get("actual")
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return None, None
    return float(actual), NUMBER_FORMATS.get(str(row.get("unit")), "#,##0.00")


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


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
        score_basis(r.to_dict(), report.labels),
        status_label(r.to_dict(), report.labels)[0],
        _text(r.get("reason")),
        _text(r.get("improvement_measure")),
        _text(r.get("source")),
    ]
    return row, number_format


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


def _style_row(ws: Worksheet, row: int, style: str = "body") -> None:
    for cell in ws[row]:
        cell.style = f"sipm {style}"


def _header(ws: Worksheet, title: str, header: list[str]) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEAD
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A3"  # the title and the header row stay in view


def indicator_sheet(ws: Worksheet, report: SelfEvaluationReport) -> None:
    """The scoring form proper: indicators by category with subtotals, total and grade."""
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
    categories = ev.categories.set_index("category")
    shown = ev.indicators.loc[ev.indicators["status"] != REPORTED]
    for category, rows in shown.groupby("category", sort=False):
        for _, r in rows.iterrows():  # one region's ~20 indicators
            values, number_format = _indicator_row(r, report)
            ws.append(values)
            _style_row(ws, ws.max_row)  # before the number format: a style resets it
            if number_format:
                ws.cell(ws.max_row, 6).number_format = number_format
        c = categories.loc[category]
        ws.append(
            [
                t("form_subtotal", category=report.category_name(category)),
                "",
                "",
                float(c["points"]),
                "",
                "",
                float(c["earned"]),
            ]
        )
        _style_row(ws, ws.max_row, "group")
    s = ev.summary
    ws.append([t("form_total"), "", "", float(s["points"]), "", "", float(s["total"])])
    _style_row(ws, ws.max_row, "total")
    for label, value in (
        (t("grade"), report.grade_label()),
        (t("completeness"), report.completeness()),
        (t("missing_rule_" + str(s["missing"])), ""),
    ):
        ws.append([label, "", value])
        _style_row(ws, ws.max_row, "bold")
    for column in (4, 7):
        for (cell,) in ws.iter_rows(min_row=3, min_col=column, max_col=column):
            cell.number_format = "0.00"


def funding_sheet(ws: Worksheet, report: SelfEvaluationReport) -> None:
    """The funding block: initial and adjusted budget, executed and execution rate."""
    t = report.labels.t
    header = [t("col_item"), t("col_initial"), t("col_adjusted"), t("col_executed"), t("col_rate")]
    _header(ws, f"{t('section_funding')} ({t('unit_money')})", header)
    for r in report.ev.funding.itertuples():
        ws.append(
            [
                report.item_name(r.item),
                *(None if math.isnan(v) else float(v) for v in (r.initial, r.adjusted, r.executed)),
                None if math.isnan(r.execution_rate) else float(r.execution_rate),
            ]
        )
        _style_row(ws, ws.max_row, "group" if r.kind == "total" else "body")
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
