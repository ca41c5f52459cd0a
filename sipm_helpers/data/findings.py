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
    last_row: int | None = None  # where a finding covers several rows (a merged range)

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
    """Every finding of one validation run, errors and warnings alike; ``caused_by`` maps
    a knock-on finding's position to its cause's (:mod:`sipm_helpers.data.knock_ons`)."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    caused_by: dict[int, int] = field(default_factory=dict)

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
        text = f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if not self.ok:
            text += " — the dataset cannot be used until the errors are fixed"
        n = len(self.caused_by)
        if n:
            verb, be = ("follows", "is") if n == 1 else ("follow", "are")
            text += (
                f"\n  (of these, {n:,} {verb} from another and {be} listed under it: fix it first)"
            )
        return text

    def to_text(self, per_rule: int = 20) -> str:
        """A readable report: the summary, then findings grouped by rule, ``per_rule`` each.
        Findings that differ only in their row (one bad code repeated down a column) make
        one line listing the rows, and what a finding causes further on is listed under
        it: the cause once, not eleven times."""
        lines = [self.summary()]
        for severity in (ERROR, WARNING):
            chosen = [
                i for i, f in enumerate(self.findings)
                if f.severity == severity and i not in self.caused_by
            ]  # fmt: skip
            shown: Counter[str] = Counter()
            for same in self._alike(chosen):
                rule = self.findings[same[0]].rule
                shown[rule] += 1
                if shown[rule] <= per_rule:
                    lines.append(f"  {_grouped([self.findings[i] for i in same])}")
                    lines += self._knock_on_lines(set(same), per_rule)
            for rule, n in shown.items():
                if n > per_rule:
                    lines.append(f"  … and {n - per_rule:,} more {severity}(s) of rule {rule}")
        return "\n".join(lines)

    def _alike(self, indices: list[int]) -> list[list[int]]:
        """``indices`` grouped where their findings differ only in their row."""
        groups: dict[tuple, list[int]] = {}
        for i in indices:
            f = self.findings[i]
            groups.setdefault((f.table, f.origin, f.column, f.value, f.rule, f.message), []).append(
                i
            )
        return list(groups.values())

    def _knock_on_lines(self, causes: set[int], limit: int) -> list[str]:
        following = [i for i, c in self.caused_by.items() if c in causes]
        if not following:
            return []
        alike = self._alike(sorted(following))
        lines = ["      which causes (these go when it is fixed):"]
        lines += [f"      {_grouped([self.findings[i] for i in same])}" for same in alike[:limit]]
        if len(alike) > limit:
            lines.append(f"      … and {len(alike) - limit:,} more")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The findings as a DataFrame (one row each), for notebooks and exports, with the
        position of the finding each follows from (``caused_by``; empty for a cause)."""
        columns = list(Finding.__dataclass_fields__)
        frame = pd.DataFrame([asdict(f) for f in self.findings], columns=columns)
        caused = pd.array([self.caused_by.get(i) for i in range(len(frame))], dtype="Int64")
        return frame.assign(caused_by=caused)


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
