"""The one writer of the cells of every workbook and CSV file the suite produces.

Text from the data stays text (OWASP's CSV injection): in a workbook a text is stored as a
string (data type 's'), never a formula, and one that begins with what Excel reads as the
start of a formula carries the quote prefix that keeps it text when the cell is edited; in
a CSV file such a text gets a leading apostrophe and is quoted, and the reader
(:func:`unescaped`) takes the apostrophe off again, so a file the suite wrote reads back as
it was. Numbers stay numbers. A formula the suite writes on purpose is a :class:`Formula`:
only that type is written as one, whatever a text looks like."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# What a spreadsheet reads as the start of a formula (OWASP: = + - @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What neutralises such a text in a CSV file.
ESCAPE = "'"
# A number written as text: harmless whatever its sign (-5 is a number, not a formula).
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class Formula(str):
    """A formula the suite writes on purpose (=SUM(D3:D5)): the only text written as one."""


def reads_as_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` (typed into a cell or read from a CSV
    file) for a formula: it begins with one of FORMULA_STARTS and is not a number."""
    return text[:1] in FORMULA_STARTS and NUMBER.fullmatch(text.strip()) is None


def put(cell: Cell, value: object) -> Cell:
    """Write ``value`` to ``cell``: a :class:`Formula` as a formula, any other text as a
    string (with the quote prefix where it reads as a formula), anything else as it is."""
    cell.value = value
    if isinstance(value, str) and not isinstance(value, Formula):
        cell.data_type = "s"
        cell.quotePrefix = reads_as_formula(value)
    return cell


def append_row(
    ws: Worksheet, values: Sequence[object], styled: Callable[[int], None] | None = None
) -> int:
    """Append ``values`` as a row of ``ws`` through :func:`put`; return its number.
    ``styled(row)`` styles the row first (a named style resets the quote prefix)."""
    ws.append([None] * len(values))
    row = ws._current_row
    if styled is not None:
        styled(row)
    for column, value in enumerate(values, start=1):
        if value is not None:
            put(ws.cell(row, column), value)
    return row


def csv_field(value: object) -> object:
    """A value as a CSV field: a text that reads as a formula behind an apostrophe."""
    if isinstance(value, str) and reads_as_formula(value):
        return ESCAPE + value
    return value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, each field through :func:`csv_field`; where one was escaped, every
    text field is quoted (OWASP: the apostrophe and the quotes), numbers are not."""
    fields = [[csv_field(v) for v in row] for row in rows]
    escaped = any(isinstance(f, str) and f.startswith(ESCAPE) for row in fields for f in row)
    buf = io.StringIO()
    quoting = csv.QUOTE_NONNUMERIC if escaped else csv.QUOTE_MINIMAL
    csv.writer(buf, lineterminator="\n", quoting=quoting).writerows(fields)
    return buf.getvalue()


def frame_csv(frame: pd.DataFrame) -> str:
    """A DataFrame (its heading and rows) as CSV text, its text cells through
    :func:`csv_field`, quoted as :func:`csv_text` quotes them."""
    out, escaped = frame.copy(), False
    for column in out.columns:
        values = out[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            risky = values.map(lambda v: isinstance(v, str) and reads_as_formula(v)).astype(bool)
            if risky.any():
                out[column] = values.astype(object).where(~risky, ESCAPE + values.astype(str))
                escaped = True
    quoting = csv.QUOTE_NONNUMERIC if escaped else csv.QUOTE_MINIMAL
    return out.to_csv(index=False, quoting=quoting, lineterminator="\n")


def unescaped(text: str) -> str:
    """A CSV field as written before :func:`csv_field` escaped it."""
    if text.startswith(ESCAPE) and reads_as_formula(text[1:]):
        return text[1:]
    return text
