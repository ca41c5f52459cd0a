"""pandera schemas built from the declarative table specifications, and type coercion.

Tables are read as text. :func:`coerce_table` turns the text into typed columns and
reports every cell that is not a valid number; :func:`build_schema` then declares the
column checks (nullability, allowed values, ranges) that pandera runs lazily, so every
failure is reported at once.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from sipm_helpers.config.labels import Labels, Named, Said, said
from sipm_helpers.config.tables import ColumnSpec, TableSpec
from sipm_helpers.data.findings import ERROR, WARNING, Finding, more_rows

DTYPES = {"text": "string", "integer": "Int64", "number": "Float64", "date": "datetime64[ns]"}


def coerce_table(
    frame: pd.DataFrame,
    spec: TableSpec,
    origin: str,
    row_offset: int,
    english: Labels,
    names: Mapping[str, Mapping[str, str]] | None = None,
    most: int | None = None,
) -> tuple[pd.DataFrame, list[Finding]]:
    """Cast the spec's columns to their types; report cells that are not valid values.

    ``row_offset`` turns the 0-based row position (the index) into the row a person sees;
    ``english`` words the findings' messages in English. A coded column's Chinese names
    (its spec's, or ``names`` of its reference: "@funds" → name → code) are read as their
    codes, as a template's drop-down lists offer them.
    Returns the typed frame (spec columns only, in spec order; invalid cells become
    missing) and the findings. What Excel or an input method does to a cell and whose
    intent is plain (full-width digits, a date typed 2026/5/31) is read, with a warning.
    ``most``: the findings made per column (limits.yaml), one more saying how many are left.
    """
    findings: list[Finding] = []
    out = {}
    for name, col in spec.columns.items():
        if name not in frame.columns:
            continue
        raw = frame[name]
        where = _Where(spec, name, origin, row_offset, english, most)
        if col.type in ("integer", "number") and pd.api.types.is_numeric_dtype(raw.dtype):
            # Parquet and Excel numbers arrive typed: no text round trip (1.8 M national rows)
            out[name], bad = _typed_numbers(raw, col.type)
            text = raw.astype("string") if bad.any() else raw
            findings += _type_findings(frame.index[bad], text, where)
            continue
        if col.type == "text" and col.pattern is None and col.allowed is None:
            out[name] = raw.astype("string")  # names and free text: as written
            continue
        text = raw.astype("string").str.strip()
        if col.type == "text":  # a name as offered, before its full-width brackets are read
            text = _codes_of_names(text, col, names or {})
        text, found = _half_width(text, where)
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
    """Where a column's findings point: its table, file and the row offset; and the
    English labels their messages are worded in."""

    spec: TableSpec
    column: str
    origin: str
    row_offset: int
    english: Labels
    most: int | None = None

    def finding(self, severity: str, label, value: str, rule: str, message: Said) -> Finding:
        row = int(label) + self.row_offset
        return Finding(severity, self.spec.name, self.origin, row, self.column, value, rule,
                       message.in_(self.english), said=message)  # fmt: skip


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
    message = said("validation_full_width", read=str(normal.loc[first]), count=int(changed.sum()))
    return normal, [where.finding(WARNING, first, str(text.loc[first]), "full_width", message)]


def _codes_of_names(
    text: pd.Series, col: ColumnSpec, names: Mapping[str, Mapping[str, str]]
) -> pd.Series:
    """The column with each Chinese name of an allowed value read as the value's code (the
    name as given, or with its full-width characters typed half-width)."""
    if isinstance(col.allowed, tuple):
        given = {zh: code for code, zh in col.names_zh.items()}
    else:
        given = names.get(col.allowed or "", {})
    if not given:
        return text
    codes = {unicodedata.normalize("NFKC", n): c for n, c in given.items()} | dict(given)
    named = text.isin(list(codes)).to_numpy(dtype=bool)
    if not named.any():
        return text
    out = text.copy()
    out[named] = text[named].map(codes)
    return out


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
            message = said("validation_date_text", read=shown, count=int(read.notna().sum()))
            value = str(text.loc[first[0]])
            found.append(where.finding(WARNING, first[0], value, "date_text", message))
    bad = (text.notna() & dates.isna()).to_numpy(dtype=bool)
    return dates.astype("datetime64[ns]"), bad, found


def _type_findings(labels, text: pd.Series, where: _Where) -> list[Finding]:
    expected = said(f"validation_type_{where.spec.columns[where.column].type}")
    most = len(labels) if where.most is None else where.most
    out = [where.finding(ERROR, label, str(text.loc[label]), "type", expected)
           for label in labels[:most]]  # fmt: skip
    if len(labels) > most:
        out.append(more_rows(ERROR, where.spec.name, where.origin, "type", len(labels) - most,
                             most, where.english))  # fmt: skip
    return out


# The checks of build_schema, by the name pandera reports them under (their error text).
RANGE_MIN, RANGE_MAX, CODE_FORMAT, ALLOWED, UNKNOWN_CODE = (
    "range_min", "range_max", "code_format", "allowed_values", "unknown_code"
)  # fmt: skip


def build_schema(spec: TableSpec, references: Mapping[str, set[str]]) -> pa.DataFrameSchema:
    """The pandera schema of a table; references such as "@funds" resolve via ``references``."""
    columns = {}
    for name, col in spec.columns.items():
        checks = []
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum, error=RANGE_MIN))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum, error=RANGE_MAX))
        if col.pattern is not None:
            checks.append(pa.Check.str_matches(rf"(?:{col.pattern[0]})\Z", error=CODE_FORMAT))
        if isinstance(col.allowed, tuple):
            checks.append(pa.Check.isin(list(col.allowed), error=ALLOWED))
        elif isinstance(col.allowed, str):
            known = sorted(references.get(col.allowed, set()))
            checks.append(pa.Check.isin(known, error=UNKNOWN_CODE))
        columns[name] = pa.Column(
            DTYPES[col.type], checks=checks, nullable=col.nullable, required=True
        )
    return pa.DataFrameSchema(columns, name=spec.name, strict=False, coerce=False)


def close_codes(value: str, allowed: Sequence[str]) -> list[str]:
    """The allowed values closest to ``value`` (difflib), best first."""
    return difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.6)


def _did_you_mean(value: str | None, allowed: Sequence[str]) -> Said | str:
    """' — did you mean X?' with the allowed values closest to ``value`` (three at most),
    or ''."""
    close = [] if value is None else close_codes(value, allowed)
    if not close:
        return ""
    return said(f"validation_did_you_mean_{len(close)}", **dict(zip("abc", close, strict=False)))


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


def _lost_zeros(value: str | None) -> Said | str:
    """The hint for a code that Excel turned into a number, dropping its leading zeros."""
    if value is None or not value.isdigit() or len(value) >= CODE_DIGITS:
        return ""
    return said("validation_lost_zeros", value=value, padded=value.zfill(CODE_DIGITS))


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
    english: Labels,
    already_bad: pd.DataFrame | None = None,
    references: Mapping[str, set[str]] | None = None,
    most: int | None = None,
) -> list[Finding]:
    """Run the schema lazily and turn pandera's failure cases into findings, their
    messages worded in English by ``english``.

    Cells already reported as type errors (``already_bad``, a boolean frame) are not
    reported again as missing. A value not among the allowed ones is given the closest
    allowed values (``references`` resolves "@funds" and the like). ``most``: the findings
    made per check (limits.yaml), one more saying how many are left.
    """
    try:
        schema.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = _new_cases(cases, already_bad)
    findings = []
    if most is not None and len(cases):
        order = cases.groupby("check", sort=False).cumcount()
        for check, left in cases.loc[order >= most, "check"].value_counts(sort=False).items():
            first = cases.loc[cases["check"] == check].iloc[0]
            column = None if pd.isna(first["column"]) else str(first["column"])
            rule, _ = _failed(str(check), spec, column, None, references or {})
            findings.append(more_rows(ERROR, spec.name, origin, rule, int(left), most, english))
        cases = cases.loc[order < most]
    for case in cases.itertuples(index=False):
        column = None if pd.isna(case.column) else str(case.column)
        index = None if case.index is None or pd.isna(case.index) else int(case.index)
        check = str(case.check)
        value = (
            None
            if case.failure_case is None or pd.isna(case.failure_case)
            else str(case.failure_case)
        )
        rule, message = _failed(check, spec, column, value, references or {})
        findings.append(
            Finding(
                ERROR,
                spec.name,
                origin,
                None if index is None else index + row_offset,
                column,
                value,
                rule,
                message.in_(english),
                said=message,
            )
        )
    return findings


def _new_cases(cases: pd.DataFrame, already_bad: pd.DataFrame | None) -> pd.DataFrame:
    """Pandera's failure cases less its type checks (coerce_table reported them) and the
    missing values of cells already reported as type errors (``already_bad``)."""
    check = cases["check"].astype(str)
    keep = ~check.str.startswith("dtype(").to_numpy(dtype=bool)
    if already_bad is not None:
        rows = already_bad.index.get_indexer(pd.to_numeric(cases["index"], errors="coerce"))
        columns = already_bad.columns.get_indexer(cases["column"])
        known = (rows >= 0) & (columns >= 0) & (check == "not_nullable").to_numpy(dtype=bool)
        flagged = np.zeros(len(cases), dtype=bool)
        flagged[known] = already_bad.to_numpy(dtype=bool)[rows[known], columns[known]]
        keep &= ~flagged
    return cases.loc[keep].reset_index(drop=True)


def _failed(
    check: str,
    spec: TableSpec,
    column: str | None,
    value: str | None,
    references: Mapping[str, set[str]],
) -> tuple[str, Said]:
    """The rule a failed check of build_schema's reports and what its finding says."""
    col = spec.columns.get(column) if column else None
    if check == "not_nullable" or col is None:
        return "required_value", said("validation_required_value")
    if check == RANGE_MIN:
        return "range", said("validation_range_min", minimum=col.minimum)
    if check == RANGE_MAX:
        return "range", said("validation_range_max", maximum=col.maximum)
    if check == CODE_FORMAT and col.pattern is not None:
        pattern = Named(col.pattern[1], col.pattern[2])
        return "code_format", said(
            "validation_code_format", pattern=pattern, hint=_lost_zeros(value)
        )
    hint = _did_you_mean(value, _allowed(spec, column, references))
    if isinstance(col.allowed, str):
        what = said(f"validation_known_{col.allowed.lstrip('@')}")
        return "allowed_values", said("validation_unknown_code", what=what, hint=hint)
    allowed = ", ".join(col.allowed or ())
    return "allowed_values", said("validation_allowed_values", allowed=allowed, hint=hint)
