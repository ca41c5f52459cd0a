"""Validation findings and the report that gathers them: file, row, column, value, rule.

A finding's message is said as a label key and its values (``said``), so that it reads in
the language of whoever reads it (parameters/labels, keys ``validation_*``); ``message`` is
its English wording. Findings of a check given as plain text (``said`` None) read as
written in every language.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields

import pandas as pd

from sipm_helpers.config.labels import Labels, Said, load_labels, said

ERROR, WARNING = "error", "warning"
# What the finding that stands for a rule's findings left out says (limits.yaml).
MORE = "validation_more_rows"


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
    said: Said | None = None  # what the message says, to word it in any language

    def message_in(self, labels: Labels) -> str:
        """The message in ``labels``' language."""
        return self.message if self.said is None else self.said.in_(labels)

    def location(self, labels: Labels | None = None) -> str:
        labels = labels or load_labels("en")
        parts = [origin_in(self.origin, labels)]
        if self.row is not None:
            parts.append(labels.t("validation_row", row=self.row))
        if self.column:
            parts.append(labels.t("validation_column", column=self.column))
        return labels.t("validation_separator").join(parts)

    def text(self, labels: Labels) -> str:
        """The finding as one line in ``labels``' language."""
        return _line(self, self.location(labels), labels)

    def __str__(self) -> str:
        return self.text(load_labels("en"))


SHEET = ", sheet "  # how a workbook's origin names the sheet: "data.xlsx, sheet budget"


def more_rows(
    severity: str, table: str, where: str, rule: str, count: int, shown: int, english: Labels
) -> Finding:
    """The finding that stands for ``count`` findings of ``rule`` left out, ``shown`` kept."""
    message = said(MORE, count=count, shown=shown)
    return Finding(severity, table, where, None, None, None, rule, message.in_(english),
                   said=message)  # fmt: skip


def origin(workbook: str, sheet: str) -> str:
    """Where a sheet's rows come from, as findings name it."""
    return f"{workbook}{SHEET}{sheet}"


def origin_in(where: str, labels: Labels) -> str:
    """An origin in ``labels``' language (a workbook's sheet named in it)."""
    workbook, sep, sheet = where.partition(SHEET)
    return labels.t("validation_sheet", workbook=workbook, sheet=sheet) if sep else where


def _line(f: Finding, where: str, labels: Labels) -> str:
    value = "" if f.value is None else labels.t("validation_value", value=f.value)
    return labels.t(
        "validation_line",
        severity=labels.t(f"validation_{f.severity}"),
        where=where,
        value=value,
        message=f.message_in(labels),
        rule=f.rule,
    )


@dataclass
class ValidationReport:
    """Every finding of one validation run, errors and warnings alike; ``caused_by`` maps
    a knock-on finding's position to its cause's (:mod:`sipm_helpers.data.knock_ons`)."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    caused_by: dict[int, int] = field(default_factory=dict)
    # Findings kept per severity, table and rule (parameters/limits.yaml findings_per_rule;
    # None: all); the rest are counted in ``left_out`` and said in one finding by close().
    most: int | None = None
    kept: Counter = field(default_factory=Counter)
    left_out: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)

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
        if self.most is None:
            self.findings.extend(findings)
            return
        for f in findings:
            key = (f.severity, f.table, f.rule)
            if f.said is not None and f.said.key == MORE:  # left out where it was found
                count, _ = self.left_out.get(key, (0, f.origin))
                self.left_out[key] = (count + dict(f.said.values)["count"], f.origin)
            elif self.kept[key] < self.most:
                self.kept[key] += 1
                self.findings.append(f)
            else:
                count, _ = self.left_out.get(key, (0, f.origin))
                self.left_out[key] = (count + 1, f.origin)

    def close(self, english: Labels) -> None:
        """One finding for each rule whose findings went over ``most``: how many more."""
        for (severity, table, rule), (count, where) in self.left_out.items():
            self.findings.append(more_rows(severity, table, where, rule, count, self.most,
                                           english))  # fmt: skip
        self.left_out = {}

    def summary(self, labels: Labels | None = None) -> str:
        labels = labels or load_labels("en")
        text = labels.t(
            "validation_summary",
            source=self.source,
            errors=len(self.errors),
            warnings=len(self.warnings),
        )
        if not self.ok:
            text += labels.t("validation_summary_unusable")
        n = len(self.caused_by)
        if n:
            text += "\n  " + labels.t(
                "validation_summary_follow_one" if n == 1 else "validation_summary_follow", count=n
            )
        return text

    def to_text(self, per_rule: int = 20, labels: Labels | None = None) -> str:
        """A readable report in ``labels``' language (default English): the summary, then
        findings grouped by rule, ``per_rule`` each. Findings that differ only in their row
        (one bad code repeated down a column) make one line listing the rows, and what a
        finding causes further on is listed under it: the cause once, not eleven times."""
        labels = labels or load_labels("en")
        lines = [self.summary(labels)]
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
                    lines.append(f"  {_grouped([self.findings[i] for i in same], labels)}")
                    lines += self._knock_on_lines(set(same), per_rule, labels)
            for rule, n in shown.items():
                if n > per_rule:
                    more = labels.t(f"validation_more_{severity}s", count=n - per_rule, rule=rule)
                    lines.append(f"  {more}")
        return "\n".join(lines)

    def _alike(self, indices: list[int]) -> list[list[int]]:
        """``indices`` grouped where their findings differ only in their row."""
        groups: dict[tuple, list[int]] = {}
        for i in indices:
            f = self.findings[i]
            key = (f.table, f.origin, f.column, f.value, f.rule, f.message, f.said)
            groups.setdefault(key, []).append(i)
        return list(groups.values())

    def _knock_on_lines(self, causes: set[int], limit: int, labels: Labels) -> list[str]:
        following = [i for i, c in self.caused_by.items() if c in causes]
        if not following:
            return []
        alike = self._alike(sorted(following))
        lines = [f"      {labels.t('validation_causes')}"]
        lines += [
            f"      {_grouped([self.findings[i] for i in same], labels)}" for same in alike[:limit]
        ]
        if len(alike) > limit:
            lines.append(f"      {labels.t('validation_more', count=len(alike) - limit)}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The findings as a DataFrame (one row each), for notebooks and exports, with the
        position of the finding each follows from (``caused_by``; empty for a cause)."""
        columns = [f.name for f in fields(Finding) if f.name != "said"]
        frame = pd.DataFrame(
            [{k: v for k, v in asdict(f).items() if k in columns} for f in self.findings],
            columns=columns,
        )
        caused = pd.array([self.caused_by.get(i) for i in range(len(frame))], dtype="Int64")
        return frame.assign(caused_by=caused)


ROWS_SHOWN = 8


def _grouped(same: list[Finding], labels: Labels) -> str:
    """One finding as it reads, or several that differ only in their row as one line."""
    if len(same) == 1:
        return same[0].text(labels)
    f = same[0]
    rows = [str(x.row) for x in same if x.row is not None]
    listed = ", ".join(rows[:ROWS_SHOWN]) + (", …" if len(rows) > ROWS_SHOWN else "")
    parts = (
        origin_in(f.origin, labels),
        labels.t("validation_rows", rows=listed, count=len(same)),
        f.column and labels.t("validation_column", column=f.column),
    )
    return _line(f, labels.t("validation_separator").join(p for p in parts if p), labels)
