"""pandera schemas built from the declarative table specifications, and type coercion.

Tables are read as text. :func:`coerce_table` turns the text into typed columns and
reports every cell that is not a valid number; :func:`build_schema` then declares the
column checks (nullability, allowed values, ranges) that pandera runs lazily, so every
failure is reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from sipm_helpers.config.tables import TableSpec
from sipm_helpers.data.findings import ERROR, Finding

PATTERN_ERROR = "must match the format: "  # + the pattern's description
DTYPES = {"text": "string", "integer": "Int64", "number": "Float64", "date": "datetime64[ns]"}


def coerce_table(
    frame: pd.DataFrame, spec: TableSpec, origin: str, row_offset: int
) -> tuple[pd.DataFrame, list[Finding]]:
    """Cast the spec's columns to their types; report cells that are not valid values.

    ``row_offset`` turns the 0-based row position (the index) into the row a person sees.
    Returns the typed frame (spec columns only, in spec order; invalid cells become
    missing) and the findings.
    """
    findings: list[Finding] = []
    out = {}
    for name, col in spec.columns.items():
        if name not in frame.columns:
            continue
        raw = frame[name]
        if col.type == "text":
            out[name] = raw.astype("string")
            continue
        if col.type in ("integer", "number") and pd.api.types.is_numeric_dtype(raw.dtype):
            # Parquet and Excel numbers arrive typed: no text round trip (1.8 M national rows)
            out[name], bad = _typed_numbers(raw, col.type)
            text = raw.astype("string") if bad.any() else raw
            findings += _type_findings(frame.index[bad], text, spec, name, origin, row_offset)
            continue
        text = raw.astype("string").str.strip()
        if col.type == "date":
            out[name], bad = _dates(text)
            findings += _type_findings(frame.index[bad], text, spec, name, origin, row_offset)
            continue
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(
            "Float64"
        )
        bad = text.notna() & numbers.isna()
        if col.type == "integer":
            fractional = numbers.notna() & (numbers != numbers.round())
            bad |= fractional.fillna(False)
            numbers = numbers.mask(bad)
        findings += _type_findings(
            frame.index[bad.to_numpy(dtype=bool)], text, spec, name, origin, row_offset
        )
        out[name] = numbers.astype(DTYPES[col.type])
    typed = pd.DataFrame(out, index=frame.index)
    return typed, findings


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


def _dates(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """ISO dates (a time of day, as Excel cells read as text carry, is dropped) and the
    cells that are not one."""
    dates = pd.to_datetime(text, format="ISO8601", errors="coerce").dt.normalize()
    return dates.astype("datetime64[ns]"), (text.notna() & dates.isna()).to_numpy(dtype=bool)


def _type_findings(
    labels, text: pd.Series, spec: TableSpec, name: str, origin: str, row_offset: int
) -> list[Finding]:
    expected = EXPECTED[spec.columns[name].type]
    return [
        Finding(
            ERROR,
            spec.name,
            origin,
            int(label) + row_offset,
            name,
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


def schema_findings(
    typed: pd.DataFrame,
    schema: pa.DataFrameSchema,
    spec: TableSpec,
    origin: str,
    row_offset: int,
    already_bad: pd.DataFrame | None = None,
) -> list[Finding]:
    """Run the schema lazily and turn pandera's failure cases into findings.

    Cells already reported as type errors (``already_bad``, a boolean frame) are not
    reported again as missing.
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
