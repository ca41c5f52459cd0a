"""Empty input templates an agency fills in: one table per sheet (xlsx) or file (csv).

Row 1 holds the column names; row 2, starting with '#', documents each column (meaning,
unit, allowed values, required or optional). The reader skips that row, so a filled-in
template validates as it is. The workbook also has a README sheet listing every table.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from sipm_helpers.config import load_table_specs
from sipm_helpers.config.tables import TableSpec
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.io import atomic_write_bytes, atomic_write_text

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
DOC_FILL = PatternFill("solid", fgColor="DDEBF7")


def documentation_row(spec: TableSpec, lang: str = "en") -> list[str]:
    """The '#'-prefixed row that documents each column of ``spec``."""
    notes = [col.describe(lang) for col in spec.columns.values()]
    notes[0] = "# " + notes[0]
    return notes


def write_templates(target: Path, fmt: str = "xlsx", *, lang: str = "en") -> Path:
    """Write the templates: ``target`` is a folder (csv; for xlsx, a folder gets
    ``sipm-template.xlsx``) or an .xlsx path. Returns what was written."""
    specs = load_table_specs()
    if fmt == "csv":
        target.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            spec = specs[name]
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(list(spec.columns))
            writer.writerow(documentation_row(spec, lang))
            atomic_write_text(target / f"{name}.csv", buf.getvalue())
        return target
    if fmt != "xlsx":
        raise ValueError(f"template format must be xlsx or csv, not {fmt!r}")
    path = target if target.suffix.lower() == ".xlsx" else target / "sipm-template.xlsx"
    book = Workbook()
    readme = book.active
    readme.title = "README"
    readme.append(["sipm input template" if lang == "en" else "sipm 数据模板"])
    readme.append(
        [
            "One sheet per table. Row 1: column names (do not change). Row 2: what each column holds "
            "(starts with #; keep or delete it). Money in 10,000 yuan; rates as fractions (0.95)."
            if lang == "en"
            else "每张表一个工作表。第 1 行为列名（请勿修改）；第 2 行为说明（以 # 开头，可保留或删除）。金额单位万元，比率填小数（如 0.95）。"
        ]
    )
    readme.append([])
    readme.append(["table", "required", "key", "description"])
    for name in TABLES:
        spec = specs[name]
        readme.append(
            [
                name,
                "yes" if spec.required else "no",
                ", ".join(spec.key),
                spec.zh if lang == "zh" else spec.en,
            ]
        )
    readme.column_dimensions["A"].width = 16
    readme.column_dimensions["D"].width = 90
    readme["A1"].font = Font(bold=True, size=14)
    for name in TABLES:
        spec = specs[name]
        sheet = book.create_sheet(name)
        sheet.append(list(spec.columns))
        sheet.append(documentation_row(spec, lang))
        for i, col in enumerate(spec.columns.values(), start=1):
            head, doc = sheet.cell(1, i), sheet.cell(2, i)
            head.font, head.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
            head.comment = Comment(col.describe(lang), "sipm")
            doc.fill, doc.alignment = DOC_FILL, Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[head.column_letter].width = 24
        sheet.row_dimensions[2].height = 60
        sheet.freeze_panes = "A3"
    buf = io.BytesIO()
    book.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    return path
