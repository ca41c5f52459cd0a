"""The rules a dataset's tables must keep beyond their schemas (across rows and tables),
registered as data, as pandera registers its checks.

Each rule is one small function that returns the failing rows of its table (or the
failing groups: a month, a year of one region's fund) with the message for each; the
rule's entry names the table, the column a finding points at, the rule's identifier in
findings and its severity. Validation runs every registered rule whose tables are there
and turns what fails into findings that name the file, row, column, value and rule.
Rules live by concern: ``regions`` (the hierarchy, who coordinates which fund, which
codes apply to which fund), ``money`` (budget and execution), ``statistics`` and
``targets`` (targets, grades, explanations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.data.findings import ERROR, Finding
from sipm_helpers.data.table import Table


@dataclass(frozen=True)
class Checked:
    """What the rules read: the typed tables present, the parameters, the regions and
    each fund's coordinating regions; and the English labels their findings are worded in."""

    tables: Mapping[str, Table]
    ctx: Context
    regions: pd.DataFrame
    coordination: pd.DataFrame
    english: Labels = field(default_factory=lambda: load_labels("en"))


@dataclass(frozen=True)
class Rule:
    """One rule: ``check(table, checked)`` returns the failing rows of ``table``."""

    id: str  # unique: <table>.<what it checks>
    table: str
    rule: str  # the identifier findings carry (several checks may share one)
    column: str | None
    check: Callable[[Table, Checked], pd.DataFrame]
    severity: str = ERROR
    needs: tuple[str, ...] = ()  # other tables it reads; without them it does not run

    def run(self, checked: Checked) -> list[Finding]:
        if self.table not in checked.tables or any(n not in checked.tables for n in self.needs):
            return []
        table = checked.tables[self.table]
        failing = self.check(table, checked)
        return table.findings(failing, self.column, self.rule, self.severity, checked.english)


def registry(*modules_rules: tuple[Rule, ...]) -> Mapping[str, Rule]:
    """The rules by id, in the order given (findings are reported in that order)."""
    rules = [r for group in modules_rules for r in group]
    ids = [r.id for r in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"rule ids registered twice: {', '.join(duplicated)}")
    return MappingProxyType({r.id: r for r in rules})


def run_rules(rules: Mapping[str, Rule], checked: Checked) -> list[Finding]:
    return [f for rule in rules.values() for f in rule.run(checked)]
