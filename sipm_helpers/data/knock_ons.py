"""Knock-on findings: what one bad cell causes further on, linked to it.

A mistyped region code in five budget rows leaves that region's year without a budget; a
merged cell leaves blank funds below it, and those rows' items then look executed but
not budgeted. The report lists each such cause once with what follows from it under it
(fix the cause, and they go), instead of as unrelated errors.

A **cause** is a finding about one cell of a key column (region_code, fund, year, item):
a code not allowed, in the wrong format, missing or of the wrong type, a merged range, a
formula without its value. A later finding is its **knock-on** when it concerns a region,
fund and year (a cross-table rule's finding) that agree with the cause's row on every key
but the broken one, and on the broken one with what the cell may have meant: the code
typed, or one close to it (``meant``), or anything where the cell is blank. A knock-on of a
knock-on is listed under the first cause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from sipm_helpers.data.findings import Finding
from sipm_helpers.data.table import Table

# The key columns rules join tables on, and the field of a finding each fills; a cause's
# row is placed by the first three (an item only matters where it is the broken cell).
KEYS = {"region_code": "region", "fund": "fund", "year": "year", "item": "item"}
PLACED_BY = ("region_code", "fund", "year")
CELL_CAUSES = frozenset(
    {"allowed_values", "code_format", "required_value", "type", "merged_cells",
     "formula_without_value"}
)  # fmt: skip
MERGED = "merged_cells"

Meant = Callable[[Finding], frozenset[str] | None]  # what a bad cell may have meant; None: any


@dataclass(frozen=True)
class Cause:
    """One bad cell of a key column: the other keys of its row, and what it may have meant."""

    index: int  # the finding's position in the report
    broken: str  # the field of the broken column
    meant: frozenset[str] | None


def link(findings: list[Finding], tables: Mapping[str, Table], meant: Meant) -> dict[int, int]:
    """Each knock-on finding's position → its cause's (the first cause, for a chain)."""
    by_keys = _causes(findings, tables, meant)
    merged = [i for i, f in enumerate(findings) if f.rule == MERGED]
    if not by_keys and not merged:
        return {}
    caused_by: dict[int, int] = {}
    for i, f in enumerate(findings):
        cause = (
            _merged_over(f, findings, merged) if f.rule in CELL_CAUSES else _matching(f, by_keys)
        )
        if cause is not None and cause != i:
            caused_by[i] = cause
    return {i: _root(c, caused_by) for i, c in caused_by.items()}


Index = dict[tuple[str, ...], dict[tuple[str, ...], list[Cause]]]


def _causes(findings: list[Finding], tables: Mapping[str, Table], meant: Meant) -> Index:
    """The causes by the fields their rows pin down, then by those fields' values; of
    causes alike (the same broken cell down a column) only the first."""
    out: Index = {}
    for (table, column), group in _cause_findings(findings, tables).items():
        frame = tables[table].frame
        labels = [row - tables[table].row_offset for _, row in group]
        others = [c for c in PLACED_BY if c != column and c in frame.columns]
        rows = frame[others].reindex(labels)
        fields = tuple(KEYS[c] for c in others)
        positions = [i for i, _ in group]
        for i, values in zip(positions, rows.itertuples(index=False, name=None), strict=True):
            known = [(k, str(v)) for k, v in zip(fields, values, strict=True) if not pd.isna(v)]
            if not known:
                continue
            cause = Cause(i, KEYS[column], meant(findings[i]))
            alike = out.setdefault(tuple(k for k, _ in known), {})
            same = alike.setdefault(tuple(v for _, v in known), [])
            if all((c.broken, c.meant) != (cause.broken, cause.meant) for c in same):
                same.append(cause)
    return out


def _cause_findings(
    findings: list[Finding], tables: Mapping[str, Table]
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(position, row) of the findings that are causes, by table and column; a merged
    range once for each row it covers."""
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for i, f in enumerate(findings):
        if f.rule in CELL_CAUSES and f.column in KEYS and f.row is not None and f.table in tables:
            last = f.last_row if f.last_row is not None else f.row
            out.setdefault((f.table, f.column), []).extend((i, r) for r in range(f.row, last + 1))
    return out


def _fields(f: Finding) -> dict[str, str | None]:
    """What a finding concerns, field by field (an item where it points at the item)."""
    item = f.value if f.column == "item" else None
    return {
        "region": f.region,
        "fund": f.fund,
        "year": None if f.year is None else str(f.year),
        "item": item,
    }


def _matching(f: Finding, by_keys: Index) -> int | None:
    """The first cause whose row agrees with the finding on each key but the broken one,
    and whose broken cell may have meant the finding's value there."""
    mine = _fields(f)
    if mine["region"] is None and mine["fund"] is None and mine["year"] is None:
        return None
    found = []
    for fields, causes in by_keys.items():
        if any(mine[k] is None for k in fields):
            continue
        for c in causes.get(tuple(mine[k] for k in fields), ()):
            if c.meant is None or mine[c.broken] in c.meant:
                found.append(c.index)
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
