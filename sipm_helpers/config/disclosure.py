"""What the disclosure to the people's congress and the public withholds
(parameters/disclosure.yaml; Caishe [2022] No. 65, Art. 21): the columns of the data's
tables and the fields of the provincial evaluation's result never read into a disclosed
table, each with its reason and the rule it rests on, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import (
    Citation,
    read_yaml,
    require_citation,
    require_keys,
    require_whole,
)
from sipm_helpers.config.tables import load_table_specs
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# The parts of the provincial evaluation's result (stage 04) a field may be withheld from.
RESULT_PARTS = ("regions", "moved", "categories", "missed", "problems", "suggestions")


@dataclass(frozen=True)
class Withheld:
    """One column of a table (``where`` the table) or field of a result part withheld."""

    where: str
    name: str
    reason: Citation
    source: Citation


@dataclass(frozen=True)
class DisclosureRules:
    tables: tuple[Withheld, ...]
    results: tuple[Withheld, ...]
    main_problems: int = 5  # the problems named per fund; the rest are counted

    def columns(self, table: str) -> tuple[str, ...]:
        """The withheld columns of ``table``."""
        return tuple(w.name for w in self.tables if w.where == table)

    def fields(self, part: str) -> tuple[str, ...]:
        """The withheld fields of the result's ``part``."""
        return tuple(w.name for w in self.results if w.where == part)


def _entries(
    path: Path, key: str, raw: object, names: tuple[str, str], known: dict[str, set[str] | None]
) -> tuple[Withheld, ...]:
    """The entries of ``key``: each names a known ``names[0]`` (a table, a result part) and
    its ``names[1]`` (a column the table declares; any field of a result part)."""
    if not isinstance(raw, list) or not raw:
        raise ParameterError(path, key, "expected a non-empty list of withheld entries")
    out, seen = [], set()
    for i, spec in enumerate(raw):
        where = f"{key}[{i}]"
        spec = require_keys(path, where, spec, [*names, "reason", "source"])
        owner, name = str(spec[names[0]]), str(spec[names[1]])
        if owner not in known:
            raise ParameterError(
                path, f"{where}.{names[0]}", f"unknown: {owner!r}; known: {', '.join(known)}"
            )
        columns = known[owner]
        if columns is not None and name not in columns:
            raise ParameterError(path, f"{where}.{names[1]}", f"{owner} has no column {name!r}")
        if (owner, name) in seen:
            raise ParameterError(path, where, f"{owner}.{name} is declared twice")
        seen.add((owner, name))
        out.append(Withheld(owner, name, require_citation(path, f"{where}.reason", spec["reason"]),
                            require_citation(path, f"{where}.source", spec["source"])))  # fmt: skip
    return tuple(out)


def load_disclosure_rules(path: str | Path | None = None) -> DisclosureRules:
    """Read and validate parameters/disclosure.yaml: every table and column named is one
    parameters/tables.yaml declares, every result part one of :data:`RESULT_PARTS`, each
    entry with its reason and source in both languages, none twice; at least one main
    problem named per fund. ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "disclosure.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "main_problems", "tables", "results"])
    specs = load_table_specs()
    tables = {name: set(spec.columns) for name, spec in specs.items()}
    return DisclosureRules(
        _entries(path, "tables", raw["tables"], ("table", "column"), dict(tables)),
        _entries(path, "results", raw["results"], ("part", "field"), dict.fromkeys(RESULT_PARTS)),
        require_whole(path, "main_problems", raw["main_problems"], 1),
    )
