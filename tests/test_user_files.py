"""Never over a user's file (issue 21 §2): `sipm template` and `sipm export` write only
into what the suite wrote and nobody has changed since, or with --force; a name whose
suffix is not the format's is refused. One line, exit 2, the file untouched."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sipm_helpers.data.io import replaceable_file
from sipm_helpers.data.templates import write_templates
from sipm_helpers.errors import SipmError
from sipm_helpers.present.export import write_workbook


def _saved_by_someone(path: Path) -> None:
    """``path`` opened and saved again, as a spreadsheet program by its user would."""
    book = openpyxl.load_workbook(path)
    book.properties.lastModifiedBy = "王会计"
    book.save(path)


def test_a_filled_in_csv_template_is_kept(tmp_path, capsys):
    folder = tmp_path / "templates"
    assert main(["template", str(folder), "--format", "csv"]) == EXIT_OK
    assert main(["template", str(folder), "--format", "csv"]) == EXIT_OK  # its own, unchanged
    regions = folder / "regions.csv"
    filled = regions.read_text("utf-8") + "910000,东川省,Dongchuan,province,000000\n"
    regions.write_text(filled, "utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    capsys.readouterr()
    assert main(["template", str(folder), "--format", "csv"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "regions.csv" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written
    assert main(["template", str(folder), "--format", "csv", "--force"]) == EXIT_OK
    assert regions.read_text("utf-8") != filled


def test_a_workbook_template_replaces_only_its_own_unsaved_copy(tmp_path, capsys):
    book = tmp_path / "模板.xlsx"
    assert main(["template", str(book)]) == EXIT_OK
    assert main(["template", str(book)]) == EXIT_OK  # written by sipm, saved by no one since
    _saved_by_someone(book)
    kept = book.read_bytes()
    assert main(["template", str(book)]) == EXIT_BAD_INPUT
    assert book.read_bytes() == kept and "--force" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("会议记录", "utf-8")
    assert main(["template", str(notes)]) == EXIT_BAD_INPUT
    assert notes.read_text("utf-8") == "会议记录" and ".xlsx" in capsys.readouterr().err
    assert main(["template", str(book), "--force"]) == EXIT_OK
    assert openpyxl.load_workbook(book).properties.lastModifiedBy == "sipm"


def test_an_export_never_replaces_another_file(tmp_path):
    frame = pd.DataFrame({"region": ["甲市"], "total": [91.2]})
    out = write_workbook({"totals": frame}, tmp_path / "e.xlsx", {"total": "points"})
    write_workbook({"totals": frame}, out, {"total": "points"})  # its own: replaced
    with zipfile.ZipFile(out) as z:
        assert b"<cp:lastModifiedBy>sipm</cp:lastModifiedBy>" in z.read("docProps/core.xml")
    _saved_by_someone(out)
    with pytest.raises(SipmError, match="did not write"):
        write_workbook({"totals": frame}, out, {"total": "points"})
    write_workbook({"totals": frame}, out, {"total": "points"}, force=True)
    notes = tmp_path / "notes.txt"
    notes.write_text("x", "utf-8")
    for path in (notes, tmp_path / "folder"):
        path.mkdir() if path.suffix == "" else None
        with pytest.raises(SipmError, match=r"\.xlsx|folder"):
            write_workbook({"totals": frame}, path, {"total": "points"}, force=True)
    assert notes.read_text("utf-8") == "x"


def test_a_file_the_suite_would_write_as_it_is_may_be_written_again(tmp_path):
    path = tmp_path / "budget.csv"
    path.write_bytes(b"a,b\n")
    replaceable_file(path, suffix=".csv", would_write=b"a,b\n")
    with pytest.raises(SipmError, match="did not write"):
        replaceable_file(path, suffix=".csv", would_write=b"a,b,c\n")
    shutil.copy(path, tmp_path / "budget.CSV")
    replaceable_file(tmp_path / "budget.CSV", suffix=".csv", force=True)
    assert write_templates(tmp_path / "new", "csv").is_dir()
