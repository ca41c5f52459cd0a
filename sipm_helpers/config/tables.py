"""Declarative table specifications of a dataset (parameters/tables.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    names_zh: Mapping[str, str] = field(default_factory=dict)  # allowed value → Chinese name

    def describe(self, lang: str, words: Mapping[str, str]) -> str:
        """One line documenting the column for templates: meaning, unit, allowed values,
        in ``lang`` with its ``words`` (tables.yaml's template_words)."""
        zh = lang == "zh"
        parts = [self.zh if zh else self.en]
        if self.unit == "10k_yuan":
            parts.append(words["unit_10k_yuan"])
        if isinstance(self.allowed, tuple):
            parts.append(words["one_of"] + words["comma"].join(self.offered(words)))
        elif isinstance(self.allowed, str):
            parts.append(words["codes_from"] + lookup_sheet(self.allowed))
        if self.pattern is not None:
            parts.append(self.pattern[2] if zh else self.pattern[1])
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else f"{self.minimum:g}"
            hi = "" if self.maximum is None else f"{self.maximum:g}"
            parts.append(f"{words['range']}{lo}–{hi}")
        if self.type == "date":
            parts.append(words["date"])
        required = words["optional"] if self.nullable else words["required"]
        parts.append(f"{words['type_' + self.type]}{words['comma']}{required}")
        return words["separator"].join(parts)

    def offered(self, words: Mapping[str, str]) -> list[str]:
        """The allowed values as a template offers them (template_words' drop_downs: the
        codes, or their Chinese names where the column gives them)."""
        if words["drop_downs"] == "name_zh":
            return [self.names_zh.get(v, v) for v in self.allowed or ()]
        return list(self.allowed or ())

    def heading(self, lang: str) -> str:
        """The column's heading in ``lang``, written under its code in a template."""
        return getattr(self, lang)


def lookup_sheet(reference: str) -> str:
    """The template sheet listing a reference's codes: @funds → list_funds; the regions
    are the dataset's own regions sheet."""
    name = reference.lstrip("@")
    return name if name == "regions" else f"list_{name}"


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


WORDS = ("drop_downs", "readme_sheet", "separator", "comma", "unit_10k_yuan", "one_of", "codes_from", "range", "date", "required", "optional",
         *(f"type_{t}" for t in COLUMN_TYPES), "readme_title", "readme_text", "readme_table",
         "readme_required", "readme_key", "readme_description", "yes", "no", "code", "name_zh",
         "name_en", "kind", "unit", "fund")  # fmt: skip


def _distinct_names(path: Path, where: str, names: Mapping[str, str]) -> None:
    """Each allowed value's Chinese name is its own: one name for two values, or a name
    that is another value's code, could not be read back as one code."""
    seen = list(names.values())
    twice = sorted({n for n in seen if seen.count(n) > 1} | (set(seen) & set(names)))
    if twice:
        raise ParameterError(path, where, f"names given twice or as a code: {', '.join(twice)}")


def load_template_words(lang: str, path: str | Path | None = None) -> dict[str, str]:
    """The words templates are written in (tables.yaml's template_words for ``lang``)."""
    path = Path(path) if path else parameters_dir() / "tables.yaml"
    raw = read_yaml(path)
    languages = require_keys(path, "template_words", raw.get("template_words"), ["en", "zh"])
    words = require_keys(path, f"template_words.{lang}", languages[lang], list(WORDS))
    return {k: str(words[k]) for k in WORDS}


def load_table_specs(path: str | Path | None = None) -> dict[str, TableSpec]:
    """Read and validate the table specifications; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "tables.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "tables"], ["template_words"])
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
            allowed, names = cs.get("allowed"), {}
            if isinstance(allowed, dict):
                names = {str(k): str(v) for k, v in allowed.items()}
                _distinct_names(path, f"{cw}.allowed", names)
                allowed = tuple(names)
            elif isinstance(allowed, list):
                allowed = tuple(str(a) for a in allowed)
            elif allowed is not None and allowed not in REFERENCES:
                raise ParameterError(
                    path, f"{cw}.allowed", f"must be a list, a mapping or one of {REFERENCES}"
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
                names_zh=names,
            )
        key = tuple(spec["key"])
        if missing := [k for k in key if k not in columns]:
            raise ParameterError(
                path, f"{where}.key", f"names unknown column(s): {', '.join(missing)}"
            )
        specs[name] = TableSpec(name, bool(spec["required"]), spec["en"], spec["zh"], key, columns)
    return specs
