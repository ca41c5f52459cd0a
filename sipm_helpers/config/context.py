"""Everything read from parameters/ at once: registry, scoring standards, catalogues, tables."""

from __future__ import annotations

from dataclasses import dataclass

from sipm_helpers.config.catalogue import Catalogue, load_catalogue
from sipm_helpers.config.registry import FundRegistry, load_registry
from sipm_helpers.config.standards import ScoringStandards, load_standards
from sipm_helpers.config.tables import TableSpec, load_table_specs


@dataclass(frozen=True)
class Context:
    """The validated parameters a run works with."""

    registry: FundRegistry
    standards: ScoringStandards
    catalogues: dict[str, Catalogue]
    specs: dict[str, TableSpec]


def load_context() -> Context:
    """Read and validate every parameter file (ParameterError names the file on failure)."""
    registry = load_registry()
    return Context(
        registry=registry,
        standards=load_standards(),
        catalogues={f: load_catalogue(f) for f in registry.funds},
        specs=load_table_specs(),
    )
