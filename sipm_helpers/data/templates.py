"""Empty input templates an agency fills in: one table per sheet (xlsx) or file (csv).

Row 1 holds the column names (in a workbook, each with its heading in words on a second
line of the cell: the reader takes the first line); row 2, starting with '#', documents
each column (meaning, unit, allowed values, required or optional). The reader skips that
row, so a filled-in template validates as it is. The workbook also has a README sheet
listing every table, lookup sheets (list_funds, list_line_items, list_statistics,
list_indicators) with each code's names, drop-down lists (Excel data validation) on every
coded column, and code columns formatted as text so Excel keeps their leading zeros.
Every word is in the language asked for (parameters/tables.yaml, template_words); the
Chinese template's drop-down lists offer the Chinese names (省/地市, 达成/部分达成/未达成,
the funds', line items', regions' names), which validation reads as their codes.

Once the regions are known (a dataset of the province's, last year's for instance), the
template carries them: its regions and pooling sheets come filled in, validated first, and
the drop-down lists of region codes offer exactly those regions.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.config.labels import refusal
from sipm_helpers.config.tables import ColumnSpec, TableSpec, load_template_words, lookup_sheet
from sipm_helpers.data.cells import append_row, csv_text
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.findings import ValidationReport
from sipm_helpers.data.io import (
    AUTHOR,
    atomic_write_bytes,
    atomic_write_text,
    read_raw,
    replaceable_file,
)
from sipm_helpers.errors import DataError

KNOWN = ("regions", "pooling")  # the tables a template can carry filled in

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
DOC_FILL = PatternFill("solid", fgColor="DDEBF7")
TEXT = "@"  # Excel's text number format: what is typed stays as typed (000000 stays)
ROWS = 5000  # rows of a data sheet the drop-down lists and text formats cover
INLINE_LIST_LIMIT = 255  # Excel's limit on a list typed into a validation rule


def documentation_row(spec: TableSpec, lang: str = "en") -> list[str]:
    """The '#'-prefixed row that documents each column of ``spec``."""
    words = load_template_words(lang)
    notes = [col.describe(lang, words) for col in spec.columns.values()]
    notes[0] = "# " + notes[0]
    return notes


def lookups(ctx: Context, lang: str) -> dict[str, tuple[list[str], list[list]]]:
    """The lookup sheets: their headings and rows (the code first), by sheet name."""
    w = load_template_words(lang)
    head = [w["code"], w["name_zh"], w["name_en"]]
    indicators = {
        (cat.fund, i.code): [i.code, i.zh, i.en, cat.fund, i.kind, i.unit or ""]
        for cat in ctx.all_catalogues()
        for i in cat.indicators
    }
    return {
        "list_funds": (head, [[c, f.zh, f.en] for c, f in ctx.registry.funds.items()]),
        "list_line_items": (
            [*head, w["kind"]],
            [[c, i.zh, i.en, i.kind] for c, i in ctx.registry.line_items.items()],
        ),
        "list_statistics": (
            [*head, w["unit"]],
            [[c, s.zh, s.en, s.unit] for c, s in ctx.registry.statistics.items()],
        ),
        "list_indicators": ([*head, w["fund"], w["kind"], w["unit"]], list(indicators.values())),
    }


def known_regions(path: str | Path, ctx: Context) -> dict[str, pd.DataFrame]:
    """The regions table (and the pooling table, where there is one) of the dataset at
    ``path``, as read, once they validate; DataError listing their findings otherwise."""
    from sipm_helpers.data.validation import validate_raw

    raw = read_raw(path, list(KNOWN))  # the other tables have nothing to say about these
    if "regions" not in raw.tables:
        raise refusal("error_no_regions_table", path=str(path))
    _, report = validate_raw(raw, ctx)
    own = [f for f in report.errors if f.table in KNOWN]
    if own:
        raise DataError(ValidationReport(str(path), own))
    return {name: raw.tables[name] for name in KNOWN if name in raw.tables}


def write_templates(
    target: Path,
    fmt: str = "xlsx",
    *,
    lang: str = "en",
    regions: str | Path | None = None,
    force: bool = False,
) -> Path:
    """Write the templates: ``target`` is a folder (csv; for xlsx, a folder or a name
    without suffix gets ``sipm-template.xlsx``) or an .xlsx path; ``regions``, a dataset
    whose regions (and pooling) the templates carry filled in. A file already there that
    holds something else (a template filled in) is kept unless ``force``: nothing is
    written then. Returns what was written."""
    ctx = load_context()
    filled = {} if regions is None else known_regions(regions, ctx)
    if fmt == "csv":
        texts = {
            target / f"{name}.csv": csv_text([
                list(ctx.specs[name].columns),
                documentation_row(ctx.specs[name], lang),
                *_rows(filled.get(name), ctx.specs[name]),
            ])
            for name in TABLES
        }  # fmt: skip
        for path, text in texts.items():  # every file checked before any is written
            replaceable_file(path, suffix=".csv", force=force, would_write=text.encode("utf-8"))
        for path, text in texts.items():
            atomic_write_text(path, text)
        return target
    if fmt != "xlsx":
        raise ValueError(f"template format must be xlsx or csv, not {fmt!r}")
    path = target if target.suffix and not target.is_dir() else target / "sipm-template.xlsx"
    replaceable_file(path, suffix=".xlsx", force=force)
    book = Workbook()
    book.properties.creator = book.properties.lastModifiedBy = AUTHOR
    _readme(book.active, ctx, lang)
    sheets = lookups(ctx, lang)
    known = len(filled["regions"]) if "regions" in filled else None
    for name in TABLES:
        sheet = book.create_sheet(name)
        _data_sheet(sheet, ctx.specs[name], lang, sheets, known)
        for row in _rows(filled.get(name), ctx.specs[name]):
            append_row(sheet, row)
    for name, (head, rows) in sheets.items():
        _lookup_sheet(book.create_sheet(name), head, rows)
    buf = io.BytesIO()
    book.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _rows(frame: pd.DataFrame | None, spec: TableSpec) -> list[list]:
    """A known table's rows in the template's column order, blanks as empty cells."""
    if frame is None:
        return []
    columns = frame.reindex(columns=list(spec.columns))
    return columns.astype(object).where(columns.notna(), None).values.tolist()


def _readme(sheet, ctx: Context, lang: str) -> None:
    w = load_template_words(lang)
    sheet.title = w["readme_sheet"]
    append_row(sheet, [w["readme_title"]])
    append_row(sheet, [w["readme_text"]])
    append_row(sheet, [])
    append_row(
        sheet, [w["readme_table"], w["readme_required"], w["readme_key"], w["readme_description"]]
    )
    for name in TABLES:
        spec = ctx.specs[name]
        description = spec.zh if lang == "zh" else spec.en
        append_row(
            sheet, [name, w["yes"] if spec.required else w["no"], ", ".join(spec.key), description]
        )
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["D"].width = 90
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")


def _data_sheet(sheet, spec: TableSpec, lang: str, lookups_: dict, region_rows: int | None) -> None:
    """A table's sheet: headings, the documentation row, text formats and drop-downs
    (region codes from the regions sheet: its ``region_rows`` rows where it is filled)."""
    words = load_template_words(lang)
    sheet.title = spec.name
    append_row(sheet, [f"{name}\n{col.heading(lang)}" for name, col in spec.columns.items()])
    append_row(sheet, documentation_row(spec, lang))
    for i, col in enumerate(spec.columns.values(), start=1):
        head, doc = sheet.cell(1, i), sheet.cell(2, i)
        head.font, head.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        head.comment = Comment(col.describe(lang, words), "sipm")
        doc.fill, doc.alignment = DOC_FILL, Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = 24
        if col.type == "text":  # the column's own format: every cell typed in later is text
            sheet.column_dimensions[letter].number_format = TEXT
        rule = _drop_down(col, lookups_, region_rows, words)
        if rule is not None:
            rule.add(f"{letter}3:{letter}{ROWS + 2}")
            sheet.add_data_validation(rule)
    sheet.row_dimensions[1].height = 45
    sheet.row_dimensions[2].height = 60
    sheet.freeze_panes = "A3"


def _drop_down(
    col: ColumnSpec, lookups_: dict, region_rows: int | None, words: dict[str, str]
) -> DataValidation | None:
    """The list a coded column's cells choose from: its allowed values typed in, or a
    column of its lookup sheet (or of the regions sheet, its filled rows where known): the
    codes, or their Chinese names where the template offers names (template_words'
    drop_downs). A cell may hold a value off the list (a code where names are offered):
    Excel does not refuse it; validation reads both."""
    if isinstance(col.allowed, tuple):
        listed = ",".join(col.offered(words))
        if len(listed) > INLINE_LIST_LIMIT:
            return None
        formula = f'"{listed}"'
    elif isinstance(col.allowed, str):
        sheet = lookup_sheet(col.allowed)
        regions_last = ROWS + 2 if region_rows is None else region_rows + 2
        last = len(lookups_[sheet][1]) + 1 if sheet in lookups_ else regions_last
        first = 2 if sheet in lookups_ else 3  # the regions sheet has its documentation row
        letter = "B" if words["drop_downs"] == "name_zh" else "A"  # name_zh: lookups' and regions'
        formula = f"={sheet}!${letter}${first}:${letter}${last}"
    else:
        return None
    return DataValidation(type="list", formula1=formula, allow_blank=col.nullable,
                          showErrorMessage=False)  # fmt: skip


def _lookup_sheet(sheet, head: list[str], rows: list[list]) -> None:
    append_row(sheet, head)
    for row in rows:
        append_row(sheet, row)
    for i in range(1, len(head) + 1):
        sheet.cell(1, i).font = Font(bold=True, color="FFFFFF")
        sheet.cell(1, i).fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(i)].width = 28 if i > 1 else 34
    sheet.column_dimensions["A"].number_format = TEXT
    sheet.freeze_panes = "A2"
