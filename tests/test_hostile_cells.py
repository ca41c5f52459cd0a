"""No live formula in anything the suite writes (issue 21 §1, OWASP CSV injection): a
dataset whose names, explanations, evidence, comments and owners begin with what a
spreadsheet reads as a formula, through every writer of a workbook or a CSV file; each
file read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_tables, write_tiny
from openpyxl import load_workbook

from sipm_helpers.data.cells import Formula, csv_text, put
from sipm_helpers.data.io import read_raw, write_dataset
from sipm_helpers.data.templates import write_templates
from sipm_helpers.paths import RECTIFICATION_ITEMS, SCORING_FORM, WORKING_PAPERS
from sipm_helpers.present.export import write_workbook
from sipm_helpers.stages.provincial_evaluation import run as provincial_evaluation
from sipm_helpers.stages.self_evaluation import run as self_evaluation

STARTS = ("=", "+", "-", "@", "\t", "\r")
# One payload per start; "evil" marks them, so a formula holding one is found.
PAYLOADS = ('=HYPERLINK("http://evil.example","x")', "+evil|' /C calc'!A0", "-2+3+evil()",
            "@evil(A1)", "\t=evil()", "\r=evil()")  # fmt: skip
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _risky(text: str) -> bool:
    return text[:1] in STARTS and NUMBER.fullmatch(text.strip()) is None


def hostile_tables() -> dict[str, pd.DataFrame]:
    """The tiny dataset with every free text a payload: region names, explanations,
    evidence, the evaluator's comment, owners and problems of the rectification items."""
    t = tiny_tables()
    regions = t["regions"]
    for i in range(len(regions)):
        regions.loc[i, "name_zh"] = PAYLOADS[i % 4] + "市"
        regions.loc[i, "name_en"] = PAYLOADS[(i + 1) % 4] + " City"
    t["explanations"].loc[0, ["reason", "improvement_measure"]] = PAYLOADS[0], PAYLOADS[1]
    q = t["qualitative"]
    q["evidence"] = [PAYLOADS[i % 4] for i in range(len(q))]
    t["review"].loc[0, "comment"] = PAYLOADS[3]
    r = t["rectification"]
    r["owner"] = [PAYLOADS[2], PAYLOADS[3]]
    r["problem"] = [PAYLOADS[0], PAYLOADS[1]]
    r.loc[0, "evidence"] = PAYLOADS[2]
    t["submissions"]["prepared_by"] = [PAYLOADS[i] for i in range(3)]
    return t


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("hostile") / "data", tables=hostile_tables())


def assert_workbook_safe(path: Path) -> int:
    """No formula holds a payload, every text that reads as a formula is a string with the
    quote prefix; the number of such texts (to show the payloads reached the file)."""
    seen = 0
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert "evil" not in str(c.value), (path.name, c.coordinate, c.value)
                elif isinstance(c.value, str) and _risky(c.value):
                    assert c.data_type == "s" and c.quotePrefix, (path.name, c.coordinate)
                    seen += 1
                if isinstance(c.value, str) and "evil" in c.value:
                    assert c.data_type == "s", (path.name, c.coordinate)
    return seen


def assert_csv_safe(path: Path) -> int:
    """No field begins with what reads as a formula; the number of escaped fields."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        fields = [f for row in csv.reader(fh) for f in row]
    assert not [f for f in fields if _risky(f)], path.name
    return sum(f.startswith("'") and _risky(f[1:]) for f in fields)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scoring_form_holds_no_live_formula(hostile_dir, tmp_path, lang):
    run = self_evaluation(region="110100", data=str(hostile_dir), lang=lang)
    result = tmp_path / "110100.json"
    run.save(result)
    form = result.with_suffix(SCORING_FORM)
    assert assert_workbook_safe(form) >= 2  # the title (the region's name), the explanation
    formulas = [
        c for r in load_workbook(form).worksheets[0].iter_rows() for c in r if c.data_type == "f"
    ]
    assert formulas and all(c.value.startswith(("=SUM(", "=ROUND(")) for c in formulas)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_working_papers_and_rectification_items_hold_no_live_formula(
    hostile_dir, tmp_path, lang
):
    run = provincial_evaluation(fund="employee_medical", province="110000", year=2025,
                                data=str(hostile_dir), lang=lang)  # fmt: skip
    result = tmp_path / "110000.json"
    run.save(result)
    assert assert_workbook_safe(result.with_suffix(WORKING_PAPERS)) >= 2
    items = result.with_suffix(RECTIFICATION_ITEMS)
    assert assert_csv_safe(items) >= 1  # the owners begin with the region's name
    # and the items read back as they were written: the apostrophe is the writer's own
    with items.open(encoding="utf-8", newline="") as fh:
        owners = [row["owner"] for row in csv.DictReader(fh)]
    assert all(o.startswith("'") for o in owners if _risky(o[1:]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_with_regions_hold_no_live_formula(hostile_dir, tmp_path, fmt):
    out = write_templates(tmp_path / ("t" if fmt == "csv" else "t.xlsx"), fmt, regions=hostile_dir)
    if fmt == "xlsx":
        assert assert_workbook_safe(out) >= 8  # the regions' names in both languages
    else:
        assert sum(assert_csv_safe(f) for f in out.glob("*.csv")) >= 8
    # filled in, the template reads back with the names as they were
    names = read_raw(out, ["regions"]).tables["regions"]["name_zh"].tolist()
    assert names == hostile_tables()["regions"]["name_zh"].tolist()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_dataset_written_reads_back_as_it_was(tmp_path, fmt):
    tables = hostile_tables()
    out = write_dataset(tables, tmp_path / "d", fmt)
    if fmt == "xlsx":
        assert assert_workbook_safe(out) >= 8
    else:
        assert sum(assert_csv_safe(f) for f in out.glob("*.csv")) >= 8
    raw = read_raw(out, list(tables))
    assert raw.tables["regions"]["name_zh"].tolist() == tables["regions"]["name_zh"].tolist()
    assert raw.tables["rectification"]["owner"].tolist() == [PAYLOADS[2], PAYLOADS[3]]
    assert raw.tables["budget"]["initial"].notna().all()  # numbers stay numbers


def test_the_export_holds_no_live_formula(tmp_path):
    frame = pd.DataFrame({"region": list(PAYLOADS), "total": [-1.5, 2, 3, 4, 5, 6]})
    path = write_workbook({"totals": frame}, tmp_path / "e.xlsx", {"total": "points"})
    assert assert_workbook_safe(path) >= len(PAYLOADS) - 1  # XML reads a lone \r as \n
    ws = load_workbook(path).worksheets[0]
    assert [ws.cell(r, 2).value for r in range(2, 8)] == [-1.5, 2, 3, 4, 5, 6]


def test_the_writer_escapes_every_start_and_keeps_numbers_and_formulas():
    text = csv_text([["name", "amount"], *[[p, -5] for p in PAYLOADS], ["-7.5", 1.5]])
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert [r[0] for r in rows[1:7]] == ["'" + p for p in PAYLOADS]
    assert rows[7] == ["-7.5", "1.5"] and rows[1][1] == "-5"
    assert "\"'=HYPERLINK" in text  # quoted, as OWASP recommends
    from openpyxl import Workbook

    ws = Workbook().active
    assert put(ws["A1"], "=SUM(B1:B2)").data_type == "s"
    assert put(ws["A2"], Formula("=SUM(B1:B2)")).data_type == "f"
    assert put(ws["A3"], -5).data_type == "n"
