"""Dataset I/O: formats round-trip with codes intact; writes are atomic and readable."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.io import (
    MARKER,
    atomic_write_bytes,
    detect_format,
    read_raw,
    write_dataset,
)
from sipm_helpers.errors import SipmError


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_formats_round_trip_with_leading_zeros(tmp_path, fmt):
    from builders import tiny_tables

    out = tmp_path / ("d.xlsx" if fmt == "xlsx" else "d")
    write_dataset(tiny_tables(), out, fmt)
    assert detect_format(out) == fmt
    raw = read_raw(out, list(TABLES))
    assert raw.tables["regions"]["region_code"].astype(str).tolist()[0] == "000000"
    assert len(raw.tables["execution"]) == len(tiny_tables()["execution"])


def test_atomic_write_leaves_nothing_on_failure_and_gives_readable_files(tmp_path):
    target = tmp_path / "a" / "r.json"
    atomic_write_bytes(target, b"{}")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask

    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "a" / "s.json", object())  # type: ignore[arg-type]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["r.json"]


def test_write_dataset_replaces_a_folder_it_wrote_whole(tmp_path):
    out = tmp_path / "d"
    write_dataset({"regions": pd.DataFrame({"a": [1]})}, out, "csv")
    write_dataset({"budget": pd.DataFrame({"b": [2]})}, out, "csv")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "budget.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_folder_holding_someone_elses_files_is_refused_unless_forced(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "notes.docx").write_bytes(b"the evaluator's notes")
    with pytest.raises(SipmError, match=r"holds files sipm did not write \(notes.docx\).*--force"):
        write_dataset({"regions": pd.DataFrame({"a": [1]})}, out, "csv")
    assert (out / "notes.docx").read_bytes() == b"the evaluator's notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # nothing half-written
    write_dataset({"regions": pd.DataFrame({"a": [1]})}, out, "csv", force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "regions.csv"]


def test_a_workbook_always_gets_its_suffix(tmp_path):
    frames = {"regions": pd.DataFrame({"a": [1]})}
    assert write_dataset(frames, tmp_path / "data", "xlsx") == tmp_path / "data.xlsx"
    assert write_dataset(frames, tmp_path / "b.XLSX", "xlsx") == tmp_path / "b.XLSX"
    (tmp_path / "folder").mkdir()
    assert write_dataset(frames, tmp_path / "folder", "xlsx") == tmp_path / "folder/dataset.xlsx"
    assert detect_format(tmp_path / "data.xlsx") == "xlsx"


def test_typed_parquet_numbers_are_read_as_numbers_and_fractions_refused(tmp_path, ctx):
    from builders import tiny_tables

    from sipm_helpers.data.validation import validate_path

    tables = tiny_tables()
    budget = tables["budget"].astype({"year": "float64", "initial": "float64"})
    budget.loc[0, "year"] = 2024.5
    tables["budget"] = budget
    dataset, report = validate_path(write_dataset(tables, tmp_path / "d", "parquet"), ctx)
    (finding,) = [f for f in report.errors if f.column == "year"]
    assert finding.row == 1 and "whole number" in finding.message and finding.value == "2024.5"
    assert dataset is None or dataset.budget["initial"].dtype == "Float64"


def test_unknown_paths_and_formats_are_clear_errors(tmp_path):
    with pytest.raises(SipmError, match="no such file or folder"):
        detect_format(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(
        SipmError, match=r"a dataset is a folder of CSV or Parquet files or an \.xlsx workbook"
    ):
        detect_format(tmp_path / "x.txt")
    with pytest.raises(SipmError, match="unknown format"):
        write_dataset({}, tmp_path / "o", "json")


def test_numbers_a_workbook_holds_as_text_read_as_the_numbers_they_show(tmp_path, ctx):
    """What Excel leaves after a paste from elsewhere: amounts stored as text, with
    thousands separators and stray spaces, read silently as the same numbers."""
    from builders import tiny_tables
    from openpyxl import load_workbook

    from sipm_helpers.data.validation import validate_path

    path = write_dataset(tiny_tables(), tmp_path / "d.xlsx", "xlsx")
    book = load_workbook(path)
    sheet = book["budget"]
    column = [c.value for c in sheet[1]].index("initial") + 1
    typed = []
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row, column)
        typed.append(float(cell.value))
        cell.value, cell.data_type = f" {float(cell.value):,.2f} ", "s"  # text, not a number
    book.save(path)
    dataset, report = validate_path(path, ctx)
    assert report.ok and not report.warnings, report.to_text()
    assert dataset.budget["initial"].tolist() == typed
