"""What one bad cell causes further on is listed under it (data/knock_ons.py)."""

from __future__ import annotations

import shutil

import pandas as pd

from sipm_helpers.data.validation import validate_path

EM = "employee_medical"


def _report(tiny_dir, tmp_path, ctx, change):
    folder = tmp_path / "d"
    shutil.copytree(tiny_dir, folder)
    for table, edit in change.items():
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str)
        edit(frame)
        frame.to_csv(folder / f"{table}.csv", index=False)
    return validate_path(folder, ctx)[1]


def _premium_misspelt(e: pd.DataFrame) -> None:
    mine = (e["region_code"] == "110100") & (e["year"] == "2025") & (e["item"] == "premium")
    e.loc[mine, "item"] = "premiums"


def test_a_misspelt_item_carries_the_warning_it_causes(tiny_dir, tmp_path, ctx):
    report = _report(tiny_dir, tmp_path, ctx, {"execution": _premium_misspelt})
    text = report.to_text()
    never = next(i for i, f in enumerate(report.findings) if f.rule == "never_executed")
    assert report.findings[report.caused_by[never]].value == "premiums"
    cause, under = text.index("(value 'premiums')"), text.index("[never_executed]")
    assert cause < text.index("which causes") < under
    assert "\n      WARNING budget.csv, row " in text  # indented under its cause


def test_an_unrelated_finding_stays_on_its_own(tiny_dir, tmp_path, ctx):
    """The same misspelling, and a work-injury budget row whose year is dropped: what the
    row without a year causes (its fund's balance and items) goes under it, the medical
    fund's unexecuted premium under the misspelling, never the one under the other."""

    def drop_work_injury_year(b: pd.DataFrame) -> None:
        b.loc[(b["fund"] == "work_injury").idxmax(), "year"] = ""

    report = _report(
        tiny_dir, tmp_path, ctx,
        {"execution": _premium_misspelt, "budget": drop_work_injury_year},
    )  # fmt: skip
    f = report.findings
    for i, cause in report.caused_by.items():
        assert (f[i].fund, f[cause].rule) in {
            ("work_injury", "required_value"),
            (EM, "allowed_values"),
        }
    assert {f[i].rule for i in report.caused_by} == {
        "balance_identity", "unbudgeted_item", "never_executed"
    }  # fmt: skip


def test_blank_cells_of_a_merged_range_and_what_they_cause_go_under_the_merge(ctx, corpus):
    report = validate_path(corpus / "xlsx_merged_cells" / "book.xlsx", ctx)[1]
    merge = next(i for i, f in enumerate(report.findings) if f.rule == "merged_cells")
    following = {report.findings[i].rule for i, c in report.caused_by.items() if c == merge}
    assert following == {"required_value", "budget_balance_missing", "unbudgeted_item"}
    assert len(report.caused_by) == len(report.findings) - 1
    lines = report.to_text().splitlines()
    assert lines[2].startswith("  ERROR book.xlsx, sheet budget, row 3, column fund: cells B3:B5")
    assert all(line.startswith("      ") for line in lines[3:])


def test_a_knock_on_must_concern_what_the_bad_code_may_have_meant():
    """A budget row typed 110300: a year without budget in 110200 (a code close to it)
    follows from it; one in 990100, same fund and year, does not."""
    from sipm_helpers.data.findings import ERROR, Finding
    from sipm_helpers.data.knock_ons import link
    from sipm_helpers.data.table import Table

    budget = pd.DataFrame({"region_code": ["110300"], "fund": [EM], "year": [2025]})
    tables = {"budget": Table("budget", budget, "budget.csv", 2)}
    typo = Finding(ERROR, "budget", "budget.csv", 2, "region_code", "110300", "allowed_values",
                   "unknown code", region="110300", fund=EM, year=2025)  # fmt: skip

    def missing(region: str) -> Finding:
        return Finding(ERROR, "execution", "execution.csv", None, "year", "2025", "no_budget",
                       "no budget", region=region, fund=EM, year=2025)  # fmt: skip

    findings = [typo, missing("110200"), missing("990100")]
    meant = {"110300", "110200", "110100"}
    assert link(findings, tables, lambda f: frozenset(meant)) == {1: 0}
    assert link(findings, tables, lambda f: None) == {1: 0, 2: 0}  # a blank: anything
