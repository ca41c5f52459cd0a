"""Validation findings and the report that gathers them: file, row, column, value, rule."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import pandas as pd

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    table: str
    origin: str  # file name, or "workbook.xlsx, sheet budget"
    row: int | None  # line of the file (header = line 1), sheet row, or record number
    column: str | None
    value: str | None
    rule: str  # a short stable identifier, e.g. "balance_identity"
    message: str
    # What the finding concerns, where it concerns one coordinating region's fund:
    region: str | None = None
    fund: str | None = None
    year: int | None = None

    def location(self) -> str:
        parts = [self.origin]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{self.severity.upper()} {self.location()}{value}: {self.message} [{self.rule}]"


@dataclass
class ValidationReport:
    """Every finding of one validation run, errors and warnings alike."""

    source: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def summary(self) -> str:
        return f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)" + (
            "" if self.ok else " — the dataset cannot be used until the errors are fixed"
        )

    def to_text(self, per_rule: int = 20) -> str:
        """A readable report: the summary, then findings grouped by rule, ``per_rule`` each.
        Findings that differ only in their row (one bad code repeated down a column) make
        one line listing the rows: the cause once, not eleven times."""
        lines = [self.summary()]
        for severity in (ERROR, WARNING):
            groups: dict[tuple, list[Finding]] = {}
            for f in self.findings:
                if f.severity == severity:
                    key = (f.table, f.origin, f.column, f.value, f.rule, f.message)
                    groups.setdefault(key, []).append(f)
            shown: Counter[str] = Counter()
            for same in groups.values():
                shown[same[0].rule] += 1
                if shown[same[0].rule] <= per_rule:
                    lines.append(f"  {_grouped(same)}")
            for rule, n in shown.items():
                if n > per_rule:
                    lines.append(f"  … and {n - per_rule:,} more {severity}(s) of rule {rule}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The findings as a DataFrame (one row each), for notebooks and exports."""
        columns = list(Finding.__dataclass_fields__)
        return pd.DataFrame([asdict(f) for f in self.findings], columns=columns)


ROWS_SHOWN = 8


def _grouped(same: list[Finding]) -> str:
    """One finding as it reads, or several that differ only in their row as one line."""
    if len(same) == 1:
        return str(same[0])
    f = same[0]
    rows = [str(x.row) for x in same if x.row is not None]
    listed = ", ".join(rows[:ROWS_SHOWN]) + (", …" if len(rows) > ROWS_SHOWN else "")
    where = ", ".join(
        p
        for p in (f.origin, f"rows {listed} ({len(same)} rows)", f.column and f"column {f.column}")
        if p
    )
    value = "" if f.value is None else f" (value {f.value!r})"
    return f"{f.severity.upper()} {where}{value}: {f.message} [{f.rule}]"
