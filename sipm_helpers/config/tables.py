"""Declarative table specifications of a dataset (parameters/tables.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

COLUMN_TYPES = ("text", "integer", "number", "date")
REFERENCES = ("@funds", "@line_items", "@statistics", "@indicators", "@regions")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    en: str
    zh: str
    nullable: bool = False
    allowed: tuple[str, ...] | str | None = None  # a list, or a reference such as "@funds"
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    pattern: tuple[str, str, str] | None = None  # regex, English and Chinese description

    def describe(self, lang: str = "en") -> str:
        """One line documenting the column for templates: meaning, unit, allowed values."""
        parts = [self.zh if lang == "zh" else self.en]
        if self.unit == "10k_yuan":
            parts.append("万元" if lang == "zh" else "unit: 10,000 yuan")
        if isinstance(self.allowed, tuple):
            parts.append(("可选值: " if lang == "zh" else "one of: ") + ", ".join(self.allowed))
        elif isinstance(self.allowed, str):
            parts.append(
                ("代码见: " if lang == "zh" else "codes from: ") + self.allowed.lstrip("@")
            )
        if self.pattern is not None:
            parts.append(self.pattern[2] if lang == "zh" else self.pattern[1])
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else f"{self.minimum:g}"
            hi = "" if self.maximum is None else f"{self.maximum:g}"
            parts.append(f"range: {lo}–{hi}")
        if self.type == "date":
            parts.append("YYYY-MM-DD")
        parts.append(self.type + (", optional" if self.nullable else ", required"))
        return "; ".join(parts)


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: bool
    en: str
    zh: str
    key: tuple[str, ...]
    columns: dict[str, ColumnSpec]


def _pattern(path: Path, where: str, raw) -> tuple[str, str, str] | None:
    if raw is None:
        return None
    require_keys(path, where, raw, ["regex", "en", "zh"])
    try:
        re.compile(raw["regex"])
    except re.error as exc:
        raise ParameterError(path, f"{where}.regex", f"not a regular expression: {exc}") from None
    return str(raw["regex"]), str(raw["en"]), str(raw["zh"])


def load_table_specs(path: str | Path | None = None) -> dict[str, TableSpec]:
    """Read and validate the table specifications; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "tables.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "tables"])
    specs: dict[str, TableSpec] = {}
    for name, spec in raw["tables"].items():
        where = f"tables.{name}"
        require_keys(path, where, spec, ["required", "en", "zh", "key", "columns"])
        columns: dict[str, ColumnSpec] = {}
        for col, cs in spec["columns"].items():
            cw = f"{where}.columns.{col}"
            require_keys(
                path,
                cw,
                cs,
                ["type", "en", "zh"],
                ["nullable", "allowed", "min", "max", "unit", "pattern"],
            )
            if cs["type"] not in COLUMN_TYPES:
                raise ParameterError(path, f"{cw}.type", f"must be one of {COLUMN_TYPES}")
            allowed = cs.get("allowed")
            if isinstance(allowed, list):
                allowed = tuple(str(a) for a in allowed)
            elif allowed is not None and allowed not in REFERENCES:
                raise ParameterError(
                    path, f"{cw}.allowed", f"must be a list or one of {REFERENCES}"
                )
            columns[col] = ColumnSpec(
                name=col,
                type=cs["type"],
                en=cs["en"],
                zh=cs["zh"],
                nullable=bool(cs.get("nullable", False)),
                allowed=allowed,
                minimum=require_number(path, f"{cw}.min", cs.get("min"), allow_none=True),
                maximum=require_number(path, f"{cw}.max", cs.get("max"), allow_none=True),
                unit=cs.get("unit"),
                pattern=_pattern(path, f"{cw}.pattern", cs.get("pattern")),
            )
        key = tuple(spec["key"])
        if missing := [k for k in key if k not in columns]:
            raise ParameterError(
                path, f"{where}.key", f"names unknown column(s): {', '.join(missing)}"
            )
        specs[name] = TableSpec(name, bool(spec["required"]), spec["en"], spec["zh"], key, columns)
    return specs
