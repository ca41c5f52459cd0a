"""Fuzzed intake: valid CSV and XLSX datasets mutated at random (wrong types, stray
characters, other encodings, truncations, merged cells, formulas, empty files and sheets,
huge numbers, NaN and infinity, dates out of range, deleted or renamed columns, blank rows,
a title row above the header).

Property: validation (what `sipm validate` runs) never raises but to refuse the whole
input in words; the exit code `sipm validate` would give is 0 or 2; every finding names a
file and, where it has one, a row (as a person counts it) and a column.

Each case holds the regions, the pooling and one table of the tiny dataset (a rule whose
tables are absent does not run): validation's fixed cost is what bounds the cases. The
default run is derandomized and small; ``SIPM_FUZZ_EXAMPLES=5000`` runs more cases.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sipm_helpers.config.context import Context
from sipm_helpers.data.findings import Finding
from sipm_helpers.data.io import write_dataset
from sipm_helpers.data.validation import validate_path
from sipm_helpers.errors import SipmError
from tests.builders import tiny_tables

EXAMPLES = int(os.environ.get("SIPM_FUZZ_EXAMPLES", "0"))
FUZZED = ("budget", "execution", "targets", "qualitative", "review", "rectification", "regions")
ALWAYS = ("regions", "pooling")

HOSTILE = st.sampled_from(
    [
        "", " ", "abc", "１２３", "1,000", "1e308", "-1e400", "1e999999", "NaN", "nan", "inf",
        "-Infinity", "9" * 40, "-0", "0x1F", "12.5.3", "2025-13-45", "0000-01-01", "9999-12-31",
        "1900-02-29", "=SUM(A1:A3)", "+1", "'=1", '"', "a\"b", "x\ny", "\t", "\x00", "\ufeff",
        "null", "None", "#N/A", "TRUE", "测试", "\u200b", "2025年", "100万元",
    ]
)  # fmt: skip
STRAY = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)


def _small_tables() -> dict[str, pd.DataFrame]:
    """The tiny dataset cut to a few rows a table: each case validates quickly."""
    tables = tiny_tables()
    return {name: frame.head(14).reset_index(drop=True) for name, frame in tables.items()}


@st.composite
def cell_edits(draw, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as text with a few cells replaced by hostile values or stray characters."""
    text = frame.astype(object).where(frame.notna(), None).astype(str).replace("None", "")
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(text) - 1))
        column = draw(st.sampled_from(list(text.columns)))
        text.iat[row, text.columns.get_loc(column)] = draw(st.one_of(HOSTILE, STRAY))
    return text


@st.composite
def shape_edits(draw, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns deleted or renamed, blank or duplicated rows."""
    kind = draw(
        st.sampled_from(["none", "drop", "rename", "blank_rows", "duplicate", "header_only"])
    )
    column = draw(st.sampled_from(list(frame.columns)))
    if kind == "drop":
        return frame.drop(columns=[column])
    if kind == "rename":
        return frame.rename(
            columns={column: draw(st.sampled_from(["", " x", column.upper(), "名称"]))}
        )
    if kind == "blank_rows":
        blank = pd.DataFrame([[""] * frame.shape[1]] * 2, columns=frame.columns)
        at = draw(st.integers(0, len(frame)))
        return pd.concat([frame.iloc[:at], blank, frame.iloc[at:]], ignore_index=True)
    if kind == "duplicate":
        return pd.concat([frame, frame.iloc[:3]], ignore_index=True)
    if kind == "header_only":
        return frame.iloc[:0]
    return frame


@st.composite
def mutated(draw, tables: dict[str, pd.DataFrame]) -> tuple[str, dict[str, pd.DataFrame]]:
    """One table of a small dataset, mutated in its cells and its shape."""
    name = draw(st.sampled_from(FUZZED))
    frame = draw(shape_edits(draw(cell_edits(tables[name]))))
    kept = {n: tables[n] for n in ALWAYS} | {name: frame}
    return name, kept


BYTE_EDITS = st.sampled_from(
    [
        "none",
        "gbk",
        "utf-16",
        "utf-8-sig",
        "truncate",
        "title_row",
        "empty",
        "crlf",
        "nul",
        "latin-1",
    ]
)


def _edit_bytes(text: str, edit: str, cut: float) -> bytes:
    """A CSV file's text as bytes, re-encoded, cut short, or with a line above its header."""
    encodings = {"gbk": "gbk", "utf-16": "utf-16", "utf-8-sig": "utf-8-sig", "latin-1": "latin-1"}
    if edit in encodings:
        return text.encode(encodings[edit], errors="replace")
    data = text.encode("utf-8")
    if edit == "truncate":
        return data[: int(len(data) * cut)]
    if edit == "title_row":
        return "2025年社会保险基金预算表\n".encode() + data
    if edit == "empty":
        return b""
    if edit == "crlf":
        return data.replace(b"\n", b"\r\n")
    if edit == "nul":
        return data[: int(len(data) * cut)] + b"\x00\x00" + data[int(len(data) * cut) :]
    return data


def _exit_code(path: Path, ctx: Context) -> tuple[int, list[Finding]]:
    """What `sipm validate` does with ``path``, in process: its exit code and findings."""
    try:
        _, report = validate_path(path, ctx)
    except SipmError as exc:  # the whole input refused, in words
        message = str(exc)
        assert message and "No columns to parse" not in message, message
        return EXIT_BAD_INPUT, []
    return (EXIT_OK if report.ok else EXIT_BAD_INPUT), report.findings


def _check(findings: list[Finding], code: int) -> None:
    assert code in (EXIT_OK, EXIT_BAD_INPUT)
    for f in findings:
        assert f.origin and f.table, f
        assert f.row is None or (isinstance(f.row, int) and f.row >= 1), f
        assert f.column is None or (isinstance(f.column, str) and f.column), f
        assert f.message, f


def _settings(default: int):
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        derandomize=not EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return _small_tables()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@given(data=st.data())
@_settings(150)
def test_fuzzed_csv_never_crashes(data, small, scratch, ctx):
    name, tables = data.draw(mutated(small))
    edit, cut = data.draw(BYTE_EDITS), data.draw(st.floats(0.0, 1.0))
    with tempfile.TemporaryDirectory(dir=scratch) as where:
        folder = write_dataset(tables, Path(where) / "data", "csv")
        file = folder / f"{name}.csv"
        file.write_bytes(_edit_bytes(file.read_text(encoding="utf-8"), edit, cut))
        code, findings = _exit_code(folder, ctx)
    _check(findings, code)


@st.composite
def sheet_edits(draw) -> tuple[str, int, int]:
    kind = draw(st.sampled_from(["none", "merge", "formula", "empty", "title_row", "number"]))
    return kind, draw(st.integers(2, 8)), draw(st.integers(1, 4))


def _writable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the control characters a worksheet cannot hold (no XLSX has them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = frame.astype(object).where(frame.notna(), None)
    return text.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)


def _edit_sheet(path: Path, name: str, edit: tuple[str, int, int]) -> None:
    """A workbook's sheet with cells merged, a formula, a title row above the header, a
    number where text goes, or emptied."""
    import openpyxl

    kind, row, column = edit
    if kind == "none":
        return
    book = openpyxl.load_workbook(path)
    ws = book[name]
    if kind == "merge":
        ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)
    elif kind == "formula":
        ws.cell(row, column).value = "=1/0"
    elif kind == "empty":
        book.remove(ws)
        book.create_sheet(name)
    elif kind == "title_row":
        ws.insert_rows(1)
        ws.cell(1, 1).value = "2025年社会保险基金预算表"
    elif kind == "number":
        ws.cell(row, column).value = float("inf") if row % 2 else 1e308
    book.save(path)


@given(data=st.data())
@_settings(40)
def test_fuzzed_xlsx_never_crashes(data, small, scratch, ctx):
    name, tables = data.draw(mutated(small))
    tables = {n: _writable(f) for n, f in tables.items()}
    edit = data.draw(sheet_edits())
    with tempfile.TemporaryDirectory(dir=scratch) as where:
        book = write_dataset(tables, Path(where) / "data", "xlsx")
        _edit_sheet(book, name, edit)
        code, findings = _exit_code(book, ctx)
    _check(findings, code)


def test_the_cli_exits_2_on_a_fuzzed_file_and_says_why(tmp_path, capsys):
    tables = _small_tables()
    folder = write_dataset(tables, tmp_path / "data", "csv")
    (folder / "budget.csv").write_bytes(b"")
    assert main(["validate", str(folder)]) == EXIT_BAD_INPUT
    out = capsys.readouterr()
    assert "empty" in out.out + out.err
