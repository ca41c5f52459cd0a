"""Bounded memory and time on hostile input (issue 21 §4): YAML anchors and aliases are
refused in plans and parameter files, and a dataset over the limits of
parameters/limits.yaml is refused before it is parsed; each with one line naming the
file and exit 2, no traceback. The inputs are built small, the limits lowered."""

from __future__ import annotations

import shutil
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from builders import write_tiny

from sipm_helpers.cli import EXIT_BAD_INPUT, main
from sipm_helpers.config.limits import load_limits
from sipm_helpers.config.loader import read_yaml
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# Billion laughs: each line nine times the one before.
LAUGHS = """version: 1
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
stages: [*d]
"""


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_plan_with_aliases_is_refused_with_one_line(tmp_path, capsys):
    plan = tmp_path / "laughs.yaml"
    plan.write_text(LAUGHS, encoding="utf-8")
    assert main(["plan", str(plan)]) == EXIT_BAD_INPUT
    line = one_line(capsys.readouterr().err)
    assert "laughs.yaml" in line and "line 2" in line and "alias" in line


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\nb: &x [1, 2]\n", 2), ("a: !!str &x y\n", 1), ("x: 1\ny:\n  z: *q\n", 3)],
)
def test_parameter_files_refuse_anchors_and_aliases(tmp_path, text, line):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=f"p.yaml: line {line}: YAML anchors"):
        read_yaml(path)


def test_an_ampersand_or_a_star_in_a_text_is_no_anchor(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('a: "R&D *"\nb: x & y\nc: 2 * 3\n', encoding="utf-8")
    assert read_yaml(path) == {"a": "R&D *", "b": "x & y", "c": "2 * 3"}


# Limits on a dataset, checked before it is parsed ---------------------------------------
def lowered(monkeypatch, **values) -> None:
    """The limits of parameters/limits.yaml with ``values`` in place of theirs."""
    from sipm_helpers.data import io

    limits = replace(load_limits(), **values)
    monkeypatch.setattr(io, "load_limits", lambda: limits)


def refused(path: Path, capsys) -> str:
    assert main(["validate", str(path)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out
    return one_line(captured.err)


def test_a_csv_file_over_the_rows_is_refused_before_it_is_parsed(tmp_path, monkeypatch, capsys):
    data = write_tiny(tmp_path / "d")
    lowered(monkeypatch, rows=100)
    line = refused(data, capsys)
    assert "execution.csv" in line and "100 a table" in line


def test_a_csv_file_over_the_cells_or_the_bytes_is_refused(tmp_path, monkeypatch, capsys):
    data = write_tiny(tmp_path / "d")
    lowered(monkeypatch, cells=1000)
    assert "cells" in refused(data, capsys)
    lowered(monkeypatch, file_bytes=10_000)
    line = refused(data, capsys)
    assert "bytes" in line and ".csv" in line


def test_a_million_garbage_rows_are_refused_at_the_default_limits(tmp_path, capsys):
    """The garbage CSV of the issue, a twentieth of its size: over the rows allowed."""
    data = tmp_path / "garbage"
    data.mkdir()
    line = b"\x01;lol,\xff\xfe," + b"9" * 20 + b"\n"
    (data / "regions.csv").write_bytes(b"region_code,name_zh\n" + line * 600_000)
    out = refused(data, capsys)
    assert "regions.csv" in out and "rows" in out


def bomb(path: Path, rows: int, width: int) -> Path:
    """A workbook whose one sheet holds ``rows`` cells of ``width`` letters: a few
    kilobytes on disk, rows × width bytes once inflated."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "regions"
    book.active.append(["region_code", "name_zh"])
    small = path.with_suffix(".small.xlsx")
    book.save(small)
    cell = "a" * width
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, src.read(item))
                continue
            with out.open(item.filename, "w") as fh:
                fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         b'2006/main"><sheetData>')  # fmt: skip
                for r in range(1, rows + 1):
                    fh.write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{cell}</t></is></c>'
                             "</row>".encode())  # fmt: skip
                fh.write(b"</sheetData></worksheet>")
    small.unlink()
    return path


def test_a_workbook_that_expands_past_the_limit_is_refused_unopened(tmp_path, monkeypatch, capsys):
    book = bomb(tmp_path / "bomb.xlsx", rows=50, width=20_000)
    assert book.stat().st_size < 50_000
    lowered(monkeypatch, expanded_bytes=500_000)
    line = refused(book, capsys)
    assert "bomb.xlsx" in line and "expands" in line


def test_a_sheet_over_the_rows_is_refused(tmp_path, monkeypatch, capsys):
    book = write_tiny(tmp_path / "d", "xlsx")
    lowered(monkeypatch, rows=100)
    line = refused(book, capsys)
    assert "sheet" in line and "rows" in line


def test_a_parquet_file_over_the_rows_is_refused(tmp_path, monkeypatch, capsys):
    data = write_tiny(tmp_path / "d", "parquet")
    lowered(monkeypatch, rows=100)
    assert "execution.parquet" in refused(data, capsys)


def test_the_limits_are_checked_on_load(tmp_path):
    path = tmp_path / "limits.yaml"
    text = (parameters_dir() / "limits.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("rows: 500000", "rows: -1"), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"limits\.yaml: rows"):
        load_limits(path)


def test_the_limits_are_read_from_the_parameters_folder(tmp_path, monkeypatch, capsys):
    """A parameters folder of one's own (SIPM_PARAMETERS) with lower limits."""
    params = tmp_path / "parameters"
    shutil.copytree(parameters_dir(), params)
    limits = params / "limits.yaml"
    limits.write_text(limits.read_text(encoding="utf-8").replace("rows: 500000", "rows: 100"),
                      encoding="utf-8")  # fmt: skip
    data = write_tiny(tmp_path / "d")
    monkeypatch.setenv("SIPM_PARAMETERS", str(params))
    assert "rows" in refused(data, capsys)


def test_validation_keeps_a_set_number_of_findings_per_rule(tmp_path, monkeypatch, ctx):
    """Every amount of the execution table not a number: the first three findings of the
    rule are kept, and one more says how many others there are."""
    from builders import tiny_tables

    from sipm_helpers.config.labels import load_labels
    from sipm_helpers.data import validation

    tables = tiny_tables()
    tables["execution"]["amount"] = "lol"
    data = write_tiny(tmp_path / "d", tables=tables)
    monkeypatch.setattr(
        validation, "load_limits", lambda: replace(load_limits(), findings_per_rule=3)
    )
    _, report = validation.validate_path(data, ctx)
    typed = [f for f in report.findings if f.table == "execution" and f.rule == "type"]
    assert len(typed) == 4 and [f.row for f in typed[:3]] == [2, 3, 4]
    rows = len(tables["execution"])
    assert typed[3].said.key == "validation_more_rows" and typed[3].row is None
    assert typed[3].message == (
        f"{rows - 3} more rows fail this rule; the first 3 are listed "
        "(parameters/limits.yaml findings_per_rule)"
    )
    assert f"另有{rows - 3}行" in typed[3].message_in(load_labels("zh"))


def test_every_kind_of_finding_is_kept_to_the_set_number(tmp_path, monkeypatch, ctx):
    """A code unknown on every row (pandera's check), a statistic off the list on every row
    and targets naming no indicator of the catalogue (a rule across tables): each rule's
    findings are three and one that counts the rest (the duplicated keys and budgets
    missing too, found by rules across rows and tables)."""
    from builders import tiny_tables

    from sipm_helpers.data import validation

    tables = tiny_tables()
    tables["execution"]["fund"] = "no_such_fund"
    tables["statistics"]["stat"] = "no_such_stat"
    tables["targets"]["indicator"] = "no_such_indicator"
    data = write_tiny(tmp_path / "d", tables=tables)
    monkeypatch.setattr(
        validation, "load_limits", lambda: replace(load_limits(), findings_per_rule=3)
    )
    _, report = validation.validate_path(data, ctx)
    by_rule = Counter((f.table, f.rule) for f in report.findings)
    more = {
        (f.table, f.rule)
        for f in report.findings
        if f.said and f.said.key == "validation_more_rows"
    }
    assert {("execution", "allowed_values"), ("statistics", "allowed_values"),
            ("execution", "no_budget"), ("statistics", "duplicate_key")} <= more  # fmt: skip
    assert all(n <= 4 for n in by_rule.values()), by_rule
    assert all(by_rule[key] == 4 for key in more)
