"""Exports an evaluator hands on: tables of scores, totals and grades as one Excel workbook,
a sheet per table, formatted for people (units in the headings, rates as percentages,
points to two decimals, frozen heading row, filters), from an explorer's selection or a
run's structured results.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from sipm_helpers.config.context import Context
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.errors import SipmError

HEADER = PatternFill("solid", fgColor="1F4E79")
# Number formats by unit: a row's own unit for an indicator's actual and target.
FORMATS = {"rate": "0.0%", "months": "0.00", "ratio": "0.00", "points": "0.00", "year": "0"}
COUNT_FORMAT = "#,##0.##"
HEADINGS = {"points": "points", "rate": "%", "months": "months"}
ROW_UNIT = ("actual", "target")


def _heading(column: str, unit: str | None) -> str:
    return f"{column} ({HEADINGS[unit]})" if unit in HEADINGS and unit != column else column


def _sheet(ws, frame: pd.DataFrame, units: Mapping[str, str]) -> None:
    """One table: headings with units, each cell formatted by its column's unit or, for an
    indicator's actual and target, its row's."""
    shown = [_heading(c, units.get(c)) for c in frame.columns]
    ws.append(shown)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER
    row_units = frame.get("unit")
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        ws.append([None if pd.isna(v) else v for v in row])
        for j, column in enumerate(frame.columns, start=1):
            own = column in ROW_UNIT and row_units is not None
            unit = row_units.iloc[i - 2] if own else units.get(column)
            value = ws.cell(i, j).value
            if isinstance(value, float | int) and not isinstance(value, bool):
                ws.cell(i, j).number_format = FORMATS.get(unit, COUNT_FORMAT)
    for j, title in enumerate(shown, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(title) + 4))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def write_workbook(
    tables: Mapping[str, pd.DataFrame], path: str | Path, units: Mapping[str, str]
) -> Path:
    """``tables`` as one workbook, a sheet each, written atomically; ``units`` maps a
    column to its unit (rate, points, months)."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        _sheet(book.create_sheet(name[:31]), frame, units)
    buf = io.BytesIO()
    book.save(buf)
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
