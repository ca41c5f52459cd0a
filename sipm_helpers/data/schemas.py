"""pandera schemas built from the declarative table specifications, and type coercion.

Tables are read as text. :func:`coerce_table` turns the text into typed columns and
reports every cell that is not a valid number; :func:`build_schema` then declares the
column checks (nullability, allowed values, ranges) that pandera runs lazily, so every
failure is reported at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from sipm_helpers.config.tables import TableSpec
from sipm_helpers.data.findings import ERROR, WARNING, Finding

PATTERN_ERROR = "must match the format: "  # + the pattern's description
DTYPES = {"text": "string", "integer": "Int64", "number": "Float64", "date": "datetime64[ns]"}


def coerce_table(
    frame: pd.DataFrame, spec: TableSpec, origin: str, row_offset: int
) -> tuple[pd.DataFrame, list[Finding]]:
    """Cast the spec's columns to their types; report cells that are not valid values.

    ``row_offset`` turns the 0-based row position (the index) into the row a person sees.
    Returns the typed frame (spec columns only, in spec order; invalid cells become
    missing) and the findings. What Excel or an input method does to a cell and whose
    intent is plain (full-width digits, a date typed 2026/5/31) is read, with a warning.
    """
    findings: list[Finding] = []
    out = {}
    for name, col in spec.columns.items():
        if name not in frame.columns:
            continue
        raw = frame[name]
        where = _Where(spec, name, origin, row_offset)
        if col.type in ("integer", "number") and pd.api.types.is_numeric_dtype(raw.dtype):
            # Parquet and Excel numbers arrive typed: no text round trip (1.8 M national rows)
            out[name], bad = _typed_numbers(raw, col.type)
            text = raw.astype("string") if bad.any() else raw
            findings += _type_findings(frame.index[bad], text, where)
            continue
        if col.type == "text" and col.pattern is None and col.allowed is None:
            out[name] = raw.astype("string")  # names and free text: as written
            continue
        text, found = _half_width(raw.astype("string").str.strip(), where)
        findings += found
        if col.type == "text":
            out[name] = text
        elif col.type == "date":
            out[name], bad, found = _dates(text, where)
            findings += found + _type_findings(frame.index[bad], text, where)
        else:
            out[name], bad = _numbers(text, col.type)
            findings += _type_findings(frame.index[bad], text, where)
    typed = pd.DataFrame(out, index=frame.index)
    return typed, findings


@dataclass(frozen=True)
class _Where:
    """Where a column's findings point: its table, file and the row offset."""

    spec: TableSpec
    column: str
    origin: str
    row_offset: int

    def warning(self, label, value: str, rule: str, message: str) -> Finding:
        row = int(label) + self.row_offset
        return Finding(WARNING, self.spec.name, self.origin, row, self.column, value, rule, message)


def _half_width(text: pd.Series, where: _Where) -> tuple[pd.Series, list[Finding]]:
    """Full-width digits, letters, commas and spaces (a Chinese input method's) as their
    ASCII forms (Unicode NFKC), with one warning for the column naming its first such cell."""
    ascii_ = pc.string_is_ascii(pyarrow.array(text.astype("string[pyarrow]")))
    wide = ~pc.fill_null(ascii_, True).to_numpy(zero_copy_only=False)
    if not wide.any():  # all ASCII, as codes and numbers nearly always are: nothing to do
        return text, []
    normal = text.copy()
    normal[wide] = text[wide].str.normalize("NFKC").str.strip()
    changed = (normal != text).fillna(False).to_numpy(dtype=bool)
    if not changed.any():
        return text, []
    first = text.index[changed][0]
    message = (
        f"full-width characters read as {normal.loc[first]!r} ({int(changed.sum())} cell(s) of "
        "the column): switch the input method to half-width to be sure"
    )
    return normal, [where.warning(first, str(text.loc[first]), "full_width", message)]


def _numbers(text: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Numbers written as text (thousands separators allowed); the cells that are not one
    (for a whole-number column, fractions too)."""
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(
        "Float64"
    )
    bad = text.notna() & numbers.isna()
    if kind == "integer":
        bad |= (numbers.notna() & (numbers != numbers.round())).fillna(False)
        numbers = numbers.mask(bad)
    return numbers.astype(DTYPES[kind]), bad.to_numpy(dtype=bool)


def _typed_numbers(raw: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """A numeric column as the spec's type; for an integer column, the fractional values
    (invalid, and left missing)."""
    numbers = raw.astype("Float64")
    bad = np.zeros(len(raw), dtype=bool)
    if kind == "integer":
        bad = (numbers.notna() & (numbers != numbers.round())).fillna(False).to_numpy(dtype=bool)
        numbers = numbers.mask(bad)
    return numbers.astype(DTYPES[kind]), bad


EXPECTED = {"integer": "a whole number", "number": "a number", "date": "a date (YYYY-MM-DD)"}


# A date typed year first with slashes, dots or 年月日 (2026/5/31, 2026.5.31, 2026年5月31日):
# one reading only, so it is read, with a warning. Day-first or month-first stays an error.
YEAR_FIRST = r"^(\d{4})\s*[/.年]\s*(\d{1,2})\s*[/.月]\s*(\d{1,2})\s*日?$"


def _dates(text: pd.Series, where: _Where) -> tuple[pd.Series, np.ndarray, list[Finding]]:
    """ISO dates (a time of day, as Excel cells read as text carry, is dropped), year-first
    dates read with a warning, and the cells that are neither."""
    iso = text.str.match(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)").fillna(False)
    dates = pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce").dt.normalize()
    parts = text.where(dates.isna()).str.extract(YEAR_FIRST)
    typed = parts.dropna().astype(int)
    found: list[Finding] = []
    if len(typed):
        read = pd.to_datetime(
            pd.DataFrame({"year": typed[0], "month": typed[1], "day": typed[2]}), errors="coerce"
        )
        dates = dates.fillna(read.reindex(dates.index))
        first = read.dropna().index[:1]
        if len(first):
            shown = read.loc[first[0]].date().isoformat()
            message = (
                f"a date written year first but not as YYYY-MM-DD, read as {shown} "
                f"({int(read.notna().sum())} cell(s) of the column): write dates as YYYY-MM-DD"
            )
            found.append(where.warning(first[0], str(text.loc[first[0]]), "date_text", message))
    bad = (text.notna() & dates.isna()).to_numpy(dtype=bool)
    return dates.astype("datetime64[ns]"), bad, found


def _type_findings(labels, text: pd.Series, where: _Where) -> list[Finding]:
    expected = EXPECTED[where.spec.columns[where.column].type]
    return [
        Finding(
            ERROR,
            where.spec.name,
            where.origin,
            int(label) + where.row_offset,
            where.column,
            str(text.loc[label]),
            "type",
            f"expected {expected}",
        )
        for label in labels
    ]


def build_schema(spec: TableSpec, references: Mapping[str, set[str]]) -> pa.DataFrameSchema:
    """The pandera schema of a table; references such as "@funds" resolve via ``references``."""
    columns = {}
    for name, col in spec.columns.items():
        checks = []
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum, error=f"must be at least {col.minimum:g}"))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum, error=f"must be at most {col.maximum:g}"))
        if col.pattern is not None:
            checks.append(
                pa.Check.str_matches(
                    rf"(?:{col.pattern[0]})\Z", error=f"{PATTERN_ERROR}{col.pattern[1]}"
                )
            )
        if isinstance(col.allowed, tuple):
            checks.append(
                pa.Check.isin(list(col.allowed), error=f"must be one of: {', '.join(col.allowed)}")
            )
        elif isinstance(col.allowed, str):
            known = sorted(references.get(col.allowed, set()))
            what = col.allowed.lstrip("@").replace("_", " ")
            checks.append(pa.Check.isin(known, error=f"unknown code: not among the known {what}"))
        columns[name] = pa.Column(
            DTYPES[col.type], checks=checks, nullable=col.nullable, required=True
        )
    return pa.DataFrameSchema(columns, name=spec.name, strict=False, coerce=False)


def close_codes(value: str, allowed: Sequence[str]) -> list[str]:
    """The allowed values closest to ``value`` (difflib), best first."""
    return difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.6)


def _did_you_mean(value: str | None, allowed: Sequence[str]) -> str:
    """' — did you mean X?' with the allowed values closest to ``value``, or ''."""
    close = [] if value is None else close_codes(value, allowed)
    return f" — did you mean {' or '.join(close)}?" if close else ""


CODE_DIGITS = 6  # the shortest region code (GB/T 2260); 9 and 12 digits extend it


def meant_codes(
    f: Finding, specs: Mapping[str, TableSpec], references: Mapping[str, set[str]]
) -> frozenset[str] | None:
    """What a code not allowed may have meant: itself, the allowed codes close to it and,
    for digits that lost their leading zeros, the code with them; None (anything) for a
    blank cell or another kind of finding."""
    if f.value is None or f.rule not in ("allowed_values", "code_format"):
        return None
    spec = specs.get(f.table)
    allowed = _allowed(spec, f.column, references) if spec and f.column else []
    padded = [f.value.zfill(CODE_DIGITS)] if f.value.isdigit() else []
    return frozenset({f.value, *close_codes(f.value, allowed), *padded})


def _lost_zeros(value: str | None) -> str:
    """The hint for a code that Excel turned into a number, dropping its leading zeros."""
    if value is None or not value.isdigit() or len(value) >= CODE_DIGITS:
        return ""
    return (
        f" — {value!r} looks like {value.zfill(CODE_DIGITS)} with its leading zeros lost (Excel "
        "drops them when it takes a code for a number): format the column as text and enter "
        "the code again"
    )


def _allowed(spec: TableSpec, column: str | None, references: Mapping[str, set[str]]):
    """The values a column allows (its list, or the codes its reference names)."""
    allowed = spec.columns[column].allowed if column in spec.columns else None
    if isinstance(allowed, str):
        return sorted(references.get(allowed, set()))
    return list(allowed or ())


def schema_findings(
    typed: pd.DataFrame,
    schema: pa.DataFrameSchema,
    spec: TableSpec,
    origin: str,
    row_offset: int,
    already_bad: pd.DataFrame | None = None,
    references: Mapping[str, set[str]] | None = None,
) -> list[Finding]:
    """Run the schema lazily and turn pandera's failure cases into findings.

    Cells already reported as type errors (``already_bad``, a boolean frame) are not
    reported again as missing. A value not among the allowed ones is given the closest
    allowed values (``references`` resolves "@funds" and the like).
    """
    try:
        schema.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    findings = []
    for case in cases.itertuples(index=False):
        column = None if pd.isna(case.column) else str(case.column)
        index = None if case.index is None or pd.isna(case.index) else int(case.index)
        check = str(case.check)
        if (
            column
            and index is not None
            and already_bad is not None
            and check == "not_nullable"
            and column in already_bad
            and bool(already_bad.at[index, column])
        ):
            continue
        value = (
            None
            if case.failure_case is None or pd.isna(case.failure_case)
            else str(case.failure_case)
        )
        if check == "not_nullable":
            rule, message = "required_value", "a value is required"
        elif check.startswith("dtype("):
            continue  # type problems were reported by coerce_table
        else:
            # Our checks carry their message as the check's error text (see build_schema).
            message = check
            rule = (
                "range"
                if check.startswith("must be at")
                else "code_format"
                if check.startswith(PATTERN_ERROR)
                else "allowed_values"
            )
            if rule == "allowed_values":
                message += _did_you_mean(value, _allowed(spec, column, references or {}))
            elif rule == "code_format":
                message += _lost_zeros(value)
        findings.append(
            Finding(
                ERROR,
                spec.name,
                origin,
                None if index is None else index + row_offset,
                column,
                value,
                rule,
                message,
            )
        )
    return findings
