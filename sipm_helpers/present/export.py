"""Exports an evaluator hands on: tables of scores, totals and grades as one Excel workbook,
a sheet per table, formatted for people (units in the headings, rates as percentages,
points to two decimals, frozen heading row, filters), from an explorer's selection or a
run's structured results; in a language: headings, and the names of regions, funds,
indicators, grades, statuses beside or instead of their codes
(:mod:`~sipm_helpers.present.vocabulary`).

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
from sipm_helpers.config.labels import Labels, load_labels, refusal
from sipm_helpers.data.cells import reads_as_formula
from sipm_helpers.data.io import AUTHOR, atomic_write_bytes, replaceable_file
from sipm_helpers.present.tidy import ROW_UNIT, tidy
from sipm_helpers.present.vocabulary import code_names, headings, named

HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79"}
# Number formats by unit: a row's own unit for an indicator's actual and target.
FORMATS = {"rate": "0.0%", "months": "0.00", "ratio": "0.00", "points": "0.00", "year": "0",
           "10k_yuan": "#,##0.0"}  # fmt: skip
COUNT_FORMAT = "#,##0.##"
HEADED = ("points", "rate", "months", "10k_yuan")  # units a heading names (export_unit_*)
MAX_ROWS = 1_048_575  # an Excel sheet's rows, less the heading
WIDTH = (12, 40)  # a column's width in characters: its heading's, within these bounds


def _heading(column: str, unit: str | None, labels: Labels) -> str:
    shown = headings([column], labels)[column]
    if unit in HEADED and unit != column:
        return labels.t("export_heading", column=shown, unit=labels.t(f"export_unit_{unit}"))
    return shown


class _Formats:
    """The workbook's cell formats, one per number format, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book, self.made = book, {}
        self.header = book.add_format(HEADER)
        self.text = book.add_format(
            {"quote_prefix": True}
        )  # a text Excel would edit into a formula

    def of(self, unit: str | None):
        code = FORMATS.get(unit, COUNT_FORMAT)
        if code not in self.made:
            self.made[code] = self.book.add_format({"num_format": code})
        return self.made[code]


def _cells(values: pd.Series) -> list:
    """A column's values as cells take them: missing as blank, numpy scalars as Python's."""
    return values.astype(object).where(values.notna(), None).tolist()


def _sheet(book: xlsxwriter.Workbook, formats: _Formats, name: str, frame: pd.DataFrame,
           units: Mapping[str, str], labels: Labels) -> None:  # fmt: skip
    """One table: headings with units, each number formatted by its column's unit or, for
    an indicator's actual and target, its row's; codes by their names where the table
    has them (an answer's); headings frozen, filters on."""
    ws = book.add_worksheet(name[:31])
    units = {**units, **(getattr(frame, "units", None) or {})}  # an answer's own units first
    names = getattr(frame, "names", None) or {}
    shown = [_heading(c, units.get(c), labels) for c in frame.columns]
    ws.write_row(0, 0, shown, formats.header)
    row_units = _cells(frame["unit"]) if "unit" in frame else None
    for j, column in enumerate(frame.columns):
        values = _cells(frame[column])
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].dtype == bool:
            _text_column(ws, formats, j, named(values, names.get(column)))
        elif column in ROW_UNIT and row_units is not None:
            for i, (v, unit) in enumerate(zip(values, row_units, strict=True), start=1):
                ws.write(i, j, v, formats.of(unit))
        else:
            ws.write_column(1, j, values, formats.of(units.get(column)))
        ws.set_column(j, j, max(WIDTH[0], min(WIDTH[1], len(shown[j]) + 4)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), max(len(frame.columns) - 1, 0))


def _text_column(ws, formats: _Formats, j: int, values: list) -> None:
    """A column of text, written as strings (the workbook never turns a text into a
    formula), with the quote prefix where a text reads as one."""
    ws.write_column(1, j, values)
    for i, v in enumerate(values, start=1):
        if isinstance(v, str) and reads_as_formula(v):
            ws.write_string(i, j, v, formats.text)


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    units: Mapping[str, str],
    labels: Labels | None = None,
    *,
    force: bool = False,
) -> Path:
    """``tables`` as one workbook, a sheet each, written atomically; ``units`` maps a
    column to its unit (rate, points, months, 10k_yuan), a table's own ``units`` (an
    explorer's answer) taking precedence; headings in ``labels``' language (English).
    ``path`` must name an .xlsx file; one that holds something else is kept unless
    ``force``."""
    labels = labels or load_labels("en")
    path = Path(path)
    replaceable_file(path, suffix=".xlsx", force=force)
    for name, frame in tables.items():
        if len(frame) > MAX_ROWS:
            raise refusal("error_sheet_rows", name=name, rows=len(frame), most=MAX_ROWS)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})  # fmt: skip
    book.set_properties({"author": AUTHOR})
    formats = _Formats(book)
    for name, frame in tables.items():
        _sheet(book, formats, name, frame, units, labels)
    book.close()
    atomic_write_bytes(path, buf.getvalue())
    return path


UNITS = {"total": "points", "score": "points", "points": "points", "year": "year"}


ZH_RESULT = ".zh.json"  # a result's suffix in a Chinese run; an English one's is .json


def run_language(files: list[Path]) -> str:
    """The language a run's results were written in: English where it has English
    results, Chinese where it has only Chinese ones."""
    return "en" if any(not f.name.endswith(ZH_RESULT) for f in files) else "zh"


def run_tables(
    run: str | Path,
    ctx: Context,
    lang: str | None = None,
    regions: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """A run's self-evaluations (``runs/self_evaluation/<year>/<fund>/*.json``, one per
    region and language): totals and grades, and every indicator's score with its unit
    (from the fund's catalogue), with the names of regions (from ``regions``: region_code,
    name_zh, name_en; the code where there are none), funds and indicators, as answers
    (:class:`~sipm_helpers.present.tidy.Tidy`) in ``lang`` (default: the run's) that name
    their grades, categories, kinds and statuses. The results of one language are read
    (``lang``'s where the run has them): the figures are the same in both."""
    folder = Path(run) / "runs" / "self_evaluation"
    every = sorted(folder.glob("*/*/*.json"))
    if not every:
        raise refusal("error_no_results", run=str(run))
    written = lang if lang in {run_language([f]) for f in every} else run_language(every)
    files = [f for f in every if run_language([f]) == written]
    labels = load_labels(lang or written)
    names = code_names(ctx, labels)
    region_names = _region_names(regions, labels.lang)
    totals, scores = [], []
    for f in files:
        r = json.loads(f.read_text(encoding="utf-8"))
        fund = ctx.registry.fund(r["fund"])
        keys = {"region_code": r["region"], "region": region_names.get(r["region"], r["region"]),
                "fund": r["fund"], "fund_name": getattr(fund, labels.lang), "year": r["year"]}  # fmt: skip
        s = r["summary"]
        totals.append({**keys, "total": s["total"], "grade": s["grade"], "missed": s["missed"],
                       "not_assessed_points": s["not_assessed_points"]})  # fmt: skip
        catalogue = ctx.catalogue(r["fund"], r.get("province"))
        for i in r["indicators"]:
            indicator = catalogue.indicator(i["indicator"])
            scores.append({**keys, "indicator": i["indicator"],
                           "indicator_name": getattr(indicator, labels.lang),
                           **{k: i.get(k) for k in SCORE_COLUMNS}, "unit": indicator.unit})  # fmt: skip
    words = {"lang": labels.lang, "names": names}
    return {
        "totals": tidy(pd.DataFrame(totals), labels.t("explore_totals"), **words),
        "scores": tidy(pd.DataFrame(scores), labels.t("explore_scores"), **words),
    }


SCORE_COLUMNS = ("category", "kind", "points", "target", "actual", "score", "status", "met")


def _region_names(regions: pd.DataFrame | None, lang: str) -> dict[str, str]:
    if regions is None:
        return {}
    return dict(zip(regions["region_code"], regions[f"name_{lang}"], strict=True))
