"""Crashes the fuzzed intake found (tests/test_fuzz_intake.py), each as its minimal
example: a rule reads a missing value as a finding of its own or as not applicable, and
never raises; a whole file refused says what is wrong in words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sipm_helpers.data.findings import ERROR
from sipm_helpers.data.table import rows, selected
from sipm_helpers.data.validation import validate_path
from sipm_helpers.errors import SipmError
from tests.builders import tiny_tables, write_tiny


def _validate(tmp_path: Path, tables: dict[str, pd.DataFrame]):
    return validate_path(write_tiny(tmp_path / "data", "csv", tables))[1]


def test_a_missing_mask_value_selects_no_row():
    frame = pd.DataFrame({"a": ["x", None, "y"]}).astype("string")
    chosen = rows(frame, frame["a"] == "x", "m")
    assert list(chosen.index) == [0]
    assert selected(pd.array([True, pd.NA, False], dtype="boolean")).tolist() == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("rectification", "status"),
        ("review", "finding"),
        ("targets", "period"),
        ("targets", "level"),
        ("targets", "region_code"),
        ("execution", "item"),
        ("budget", "item"),
    ],
)
def test_a_blank_cell_in_a_rule_column_is_a_finding_not_a_crash(tmp_path, table, column):
    tables = tiny_tables()
    tables[table].loc[0, column] = None
    report = _validate(tmp_path, tables)
    assert any(f.severity == ERROR and f.column == column for f in report.findings)


def test_duplicated_budget_rows_are_findings_not_a_crash(tmp_path):
    tables = tiny_tables()
    budget = tables["budget"]
    tables["budget"] = pd.concat([budget, budget.iloc[:12]], ignore_index=True)
    report = _validate(tmp_path, tables)
    assert report.findings and all(f.origin for f in report.findings)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_an_empty_csv_file_is_refused_as_empty(tmp_path, content):
    folder = write_tiny(tmp_path / "data")
    (folder / "budget.csv").write_bytes(content)
    with pytest.raises(SipmError, match=r"budget\.csv: the file is empty") as refused:
        validate_path(folder)
    assert "No columns to parse" not in str(refused.value)


def test_an_empty_sheet_is_refused_as_empty(tmp_path):
    import openpyxl

    book_path = write_tiny(tmp_path / "data", "xlsx")
    book = openpyxl.load_workbook(book_path)
    book.remove(book["targets"])
    book.create_sheet("targets")
    book.save(book_path)
    with pytest.raises(SipmError, match="sheet targets: the sheet is empty"):
        validate_path(book_path)
