"""Knock-on findings: what one bad cell causes further on, linked to it.

A mistyped region code in five budget rows leaves that region's year without a budget; a
merged cell leaves blank funds below it, and those rows' items then look executed but
not budgeted. The report lists each such cause once with what follows from it under it
(fix the cause, and they go), instead of as unrelated errors.

A **cause** is a finding about one cell of a key column (region_code, fund, year, item):
a code not allowed, in the wrong format, missing or of the wrong type, a merged range, a
formula without its value. A later finding is its **knock-on** when it concerns a region,
fund and year (a cross-table rule's finding) and agrees with the cause's row on every key
but the broken one: the row's other keys say where its figures were meant to go. A knock-on
of a knock-on is listed under the first cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sipm_helpers.data.findings import Finding
from sipm_helpers.data.table import Table

# The key columns rules join tables on, and the field of a finding each fills.
KEYS = {"region_code": "region", "fund": "fund", "year": "year", "item": None}
CELL_CAUSES = frozenset(
    {"allowed_values", "code_format", "required_value", "type", "merged_cells",
     "formula_without_value"}
)  # fmt: skip
MERGED = "merged_cells"


@dataclass(frozen=True)
class Cause:
    """One bad cell of a key column and the other keys of its row."""

    index: int  # the finding's position in the report
    column: str
    keys: dict[str, object]  # finding field → the row's value, the broken column left out


def link(findings: list[Finding], tables: Mapping[str, Table]) -> dict[int, int]:
    """Each knock-on finding's position → its cause's (the first cause, for a chain)."""
    causes = [c for i, f in enumerate(findings) for c in _causes(i, f, tables)]
    merged = [i for i, f in enumerate(findings) if f.rule == MERGED]
    if not causes and not merged:
        return {}
    by_keys = _index(causes)
    caused_by: dict[int, int] = {}
    for i, f in enumerate(findings):
        cause = (
            _merged_over(f, findings, merged) if f.rule in CELL_CAUSES else _matching(f, by_keys)
        )
        if cause is not None and cause != i:
            caused_by[i] = cause
    return {i: _root(c, caused_by) for i, c in caused_by.items()}


def _index(causes: list[Cause]) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """Causes by the fields their rows pin down, then by those fields' values: the first
    cause of each."""
    out: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
    for c in causes:
        fields = tuple(sorted(c.keys))
        out.setdefault(fields, {}).setdefault(tuple(str(c.keys[k]) for k in fields), c.index)
    return out


def _causes(index: int, f: Finding, tables: Mapping[str, Table]) -> list[Cause]:
    """The cause a finding is, one per row it covers (a merged range covers several)."""
    if f.rule not in CELL_CAUSES or f.column not in KEYS or f.row is None:
        return []
    table = tables.get(f.table)
    if table is None:
        return []
    last = f.last_row if f.last_row is not None else f.row
    out = []
    for row in range(f.row, last + 1):
        label = row - table.row_offset
        if label not in table.frame.index:
            continue
        values = table.frame.loc[label]
        keys = {
            field: values[column]
            for column, field in KEYS.items()
            if field and column != f.column and column in values and not pd.isna(values[column])
        }
        if keys:
            out.append(Cause(index, f.column, keys))
    return out


def _matching(f: Finding, by_keys: dict[tuple[str, ...], dict[tuple[str, ...], int]]) -> int | None:
    """The first cause whose row agrees with the finding on each key but the broken one."""
    mine = {"region": f.region, "fund": f.fund, "year": f.year}
    found = []
    for fields, causes in by_keys.items():
        if any(mine[k] is None for k in fields):
            continue
        index = causes.get(tuple(str(mine[k]) for k in fields))
        if index is not None:
            found.append(index)
    return min(found, default=None)


def _merged_over(f: Finding, findings: list[Finding], merged: list[int]) -> int | None:
    """A blank cell inside a merged range: the merge."""
    if f.rule != "required_value" or f.row is None:
        return None
    for i in merged:
        m = findings[i]
        inside = m.row is not None and m.row <= f.row <= (m.last_row or m.row)
        if inside and (m.origin, m.column) == (f.origin, f.column):
            return i
    return None


def _root(index: int, caused_by: dict[int, int]) -> int:
    seen = {index}
    while index in caused_by and caused_by[index] not in seen:
        index = caused_by[index]
        seen.add(index)
    return index
