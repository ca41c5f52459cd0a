"""Exports an evaluator hands on: tables of scores, totals and grades as one Excel workbook,
a sheet per table, formatted for people (units in the headings, rates as percentages,
points to two decimals, frozen heading row, filters), from an explorer's selection or a
run's structured results.

Written with XlsxWriter (openpyxl reads the agencies' workbooks): measured on a national
year of scores, 27,032 rows, it wrote in half openpyxl's time. Text is written as text,
never as a formula, whatever a region's name begins with.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xlsxwriter

from sipm_helpers.config.context import Context
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.errors import SipmError
from sipm_helpers.present.tidy import ROW_UNIT

HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79"}
# Number formats by unit: a row's own unit for an indicator's actual and target.
FORMATS = {"rate": "0.0%", "months": "0.00", "ratio": "0.00", "points": "0.00", "year": "0",
           "10k_yuan": "#,##0.0"}  # fmt: skip
COUNT_FORMAT = "#,##0.##"
HEADINGS = {"points": "points", "rate": "%", "months": "months", "10k_yuan": "10,000 yuan"}
MAX_ROWS = 1_048_575  # an Excel sheet's rows, less the heading
WIDTH = (12, 40)  # a column's width in characters: its heading's, within these bounds


def _heading(column: str, unit: str | None) -> str:
    return f"{column} ({HEADINGS[unit]})" if unit in HEADINGS and unit != column else column


class _Formats:
    """The workbook's cell formats, one per number format, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book, self.made = book, {}
        self.header = book.add_format(HEADER)

    def of(self, unit: str | None):
        code = FORMATS.get(unit, COUNT_FORMAT)
        if code not in self.made:
            self.made[code] = self.book.add_format({"num_format": code})
        return self.made[code]


def _cells(values: pd.Series) -> list:
    """A column's values as cells take them: missing as blank, numpy scalars as Python's."""
    return values.astype(object).where(values.notna(), None).tolist()


def _sheet(book: xlsxwriter.Workbook, formats: _Formats, name: str, frame: pd.DataFrame,
           units: Mapping[str, str]) -> None:  # fmt: skip
    """One table: headings with units, each number formatted by its column's unit or, for
    an indicator's actual and target, its row's; headings frozen, filters on."""
    ws = book.add_worksheet(name[:31])
    units = {**units, **(getattr(frame, "units", None) or {})}  # an answer's own units first
    shown = [_heading(c, units.get(c)) for c in frame.columns]
    ws.write_row(0, 0, shown, formats.header)
    row_units = _cells(frame["unit"]) if "unit" in frame else None
    for j, column in enumerate(frame.columns):
        values = _cells(frame[column])
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].dtype == bool:
            ws.write_column(1, j, values)
        elif column in ROW_UNIT and row_units is not None:
            for i, (v, unit) in enumerate(zip(values, row_units, strict=True), start=1):
                ws.write(i, j, v, formats.of(unit))
        else:
            ws.write_column(1, j, values, formats.of(units.get(column)))
        ws.set_column(j, j, max(WIDTH[0], min(WIDTH[1], len(shown[j]) + 4)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), max(len(frame.columns) - 1, 0))


def write_workbook(
    tables: Mapping[str, pd.DataFrame], path: str | Path, units: Mapping[str, str]
) -> Path:
    """``tables`` as one workbook, a sheet each, written atomically; ``units`` maps a
    column to its unit (rate, points, months, 10k_yuan), a table's own ``units`` (an
    explorer's answer) taking precedence."""
    for name, frame in tables.items():
        if len(frame) > MAX_ROWS:
            raise SipmError(
                f"{name}: {len(frame):,} rows do not fit in one Excel sheet ({MAX_ROWS:,} at "
                "most): narrow the selection (fewer years or funds), or save the table with "
                "DataFrame.to_parquet or to_csv"
            )
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})  # fmt: skip
    formats = _Formats(book)
    for name, frame in tables.items():
        _sheet(book, formats, name, frame, units)
    book.close()
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


UNITS = {"total": "points", "score": "points", "points": "points", "year": "year"}


def run_tables(run: str | Path, ctx: Context) -> dict[str, pd.DataFrame]:
    """A run's self-evaluations (``runs/self_evaluation/<year>/<fund>/*.json``, one per
    region, the English ones): totals and grades, and every indicator's score with its
    unit (from the fund's catalogue)."""
    folder = Path(run) / "runs" / "self_evaluation"
    files = sorted(p for p in folder.glob("*/*/*.json") if not p.name.endswith(".zh.json"))
    if not files:
        raise SipmError(f"{run}: no self-evaluation results under runs/self_evaluation/")
    totals, scores = [], []
    for f in files:
        r = json.loads(f.read_text(encoding="utf-8"))
        keys = {"region_code": r["region"], "fund": r["fund"], "year": r["year"]}
        s = r["summary"]
        totals.append({**keys, "total": s["total"], "grade": s["grade"], "missed": s["missed"],
                       "not_assessed_points": s["not_assessed_points"]})  # fmt: skip
        catalogue = ctx.catalogue(r["fund"], r.get("province"))
        scores += [
            {**keys, **{k: i.get(k) for k in SCORE_COLUMNS},
             "unit": catalogue.indicator(i["indicator"]).unit}
            for i in r["indicators"]
        ]  # fmt: skip
    return {"totals": pd.DataFrame(totals), "scores": pd.DataFrame(scores)}


SCORE_COLUMNS = ("indicator", "category", "kind", "points", "target", "actual", "score",
                 "status", "met")  # fmt: skip
