"""The registry of validation rules: one entry per check, each naming its table, the
column its findings point at and the rule they carry; a rule whose tables are absent does
not run."""

from __future__ import annotations

import pandas as pd
import pytest

from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.findings import ERROR, WARNING
from sipm_helpers.data.rules import Checked, Rule, registry, run_rules
from sipm_helpers.data.table import Table, rows
from sipm_helpers.data.validation import RULES


def test_every_rule_names_known_tables_and_columns(ctx):
    for rule in RULES.values():
        assert rule.id.split(".")[0] == rule.table and rule.table in TABLES
        assert set(rule.needs) <= set(TABLES) and rule.severity in (ERROR, WARNING)
        assert rule.column is None or rule.column in ctx.specs[rule.table].columns, rule.id


def test_a_rule_id_registered_twice_is_refused():
    one = Rule("budget.x", "budget", "x", None, lambda t, c: rows(t.frame, [], "never"))
    with pytest.raises(ValueError, match=r"budget\.x"):
        registry((one,), (one,))


def test_a_rule_returns_failing_rows_and_runs_only_with_its_tables(ctx, tiny):
    def odd_initial(t: Table, c: Checked) -> pd.DataFrame:
        return rows(t.frame, t.frame["initial"] % 2 == 1, lambda r: f"{r['initial']} is odd")

    rule = Rule("budget.odd", "budget", "odd", "initial", odd_initial, needs=("execution",))
    budget = Table("budget", pd.DataFrame({"initial": [1.0, 2.0, 3.0]}), "budget.csv", 2)
    alone = Checked({"budget": budget}, ctx, tiny.regions, tiny.coordination)
    assert run_rules({rule.id: rule}, alone) == []  # execution absent: not run
    both = Checked({"budget": budget, "execution": budget}, ctx, tiny.regions, tiny.coordination)
    found = run_rules({rule.id: rule}, both)
    assert [(f.row, f.column, f.value, f.rule, f.message) for f in found] == [
        (2, "initial", "1.0", "odd", "1.0 is odd"),
        (4, "initial", "3.0", "odd", "3.0 is odd"),
    ]


def test_a_target_that_is_a_national_standard_carries_the_value_in_force(ctx, tiny):
    """policy.yaml: the residents' contribution standard is 380 yuan from 2023 and 400
    from 2024 (still in force in 2025); the employees' inpatient reimbursement of about
    80 % is a goal, which regions set their own targets toward."""
    rule = RULES["targets.policy_value"]
    assert rule.severity == WARNING and rule.column == "target"
    rows_ = [  # region, fund, indicator, year, target
        ("000000", "resident_medical", "per_capita_contribution", 2025, 350.0),  # ≠ 400
        ("000000", "resident_medical", "per_capita_contribution", 2025, 400.0),
        ("000000", "resident_medical", "per_capita_contribution", 2023, 380.0),
        ("000000", "resident_medical", "per_capita_contribution", 2023, 400.0),  # ≠ 380
        ("000000", "employee_medical", "inpatient_reimbursement_ratio", 2025, 0.75),  # a goal
        ("110100", "employee_medical", "coverage_rate", 2025, 0.96),  # no policy value
    ]
    frame = pd.DataFrame(rows_, columns=["region_code", "fund", "indicator", "end_year", "target"])
    frame = frame.assign(start_year=frame["end_year"], period="annual", level="central")
    checked = Checked({"targets": Table("targets", frame, "targets.csv", 2)}, ctx, tiny.regions,
                      tiny.coordination)  # fmt: skip
    found = run_rules({rule.id: rule}, checked)
    assert [(f.row, f.column, f.value, f.rule) for f in found] == [
        (2, "target", "350.0", "target_policy"),
        (5, "target", "400.0", "target_policy"),
    ]
    assert "350 of per_capita_contribution for 2025" in found[0].message
    assert "value in force that year, 400" in found[0].message
    assert (
        "value in force that year, 380" in found[1].message
        and "2023 (380 yuan)" in found[1].message
    )


def test_the_demos_national_contribution_target_contradicts_the_standard(demo):
    """The shipped demo's national 2025 individual-contribution target is 350 yuan in
    targets.csv; parameters/policy.yaml has 400 in force since 2024."""
    from sipm_helpers.data.validation import validate_path
    from sipm_helpers.paths import demo_data_dir

    _, report = validate_path(demo_data_dir())
    found = [f for f in report.warnings if f.rule == "target_policy"]
    (row,) = [f for f in found if "per_capita_contribution for 2025" in f.message]
    assert (row.origin, row.column, row.value) == ("targets.csv", "target", "350.0")
    assert "350" in row.message and "in force that year, 400" in row.message
    t = demo.targets.reset_index(drop=True)
    assert t.loc[row.row - 2, ["region_code", "level", "start_year"]].tolist() == [
        "000000", "central", 2025
    ]  # fmt: skip
    assert report.ok  # a warning: the dataset stays usable
