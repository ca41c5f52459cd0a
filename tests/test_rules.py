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
