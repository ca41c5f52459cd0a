"""Everything read from parameters/ at once: registry, scoring standards, catalogues, tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from sipm_helpers.config.catalogue import Catalogue, load_catalogue, load_province_catalogues
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
    province_catalogues: dict[tuple[str, str], Catalogue] = field(default_factory=dict)

    def catalogue(self, fund: str, province: str | None = None) -> Catalogue:
        """The catalogue that applies to ``fund`` in ``province``: the province's own
        (Art. 24) where it has one, else the fund's."""
        return self.province_catalogues.get((str(province), fund)) or self.catalogues[fund]

    def indicator_codes(self, kind: str | None = None) -> dict[str, tuple[str, ...]]:
        """Per fund, every indicator code any of its catalogues uses (optionally of one kind)."""
        codes: dict[str, dict[str, None]] = {f: {} for f in self.catalogues}
        for cat in self.all_catalogues():
            codes[cat.fund].update(
                {i.code: None for i in cat.indicators if kind is None or i.kind == kind}
            )
        return {f: tuple(c) for f, c in codes.items()}

    def all_catalogues(self) -> list[Catalogue]:
        """Every catalogue, the funds' and the provinces' own."""
        return [*self.catalogues.values(), *self.province_catalogues.values()]


def load_context() -> Context:
    """Read and validate every parameter file (ParameterError names the file on failure)."""
    registry = load_registry()
    return Context(
        registry=registry,
        standards=load_standards(),
        catalogues={f: load_catalogue(f) for f in registry.funds},
        specs=load_table_specs(),
        province_catalogues=load_province_catalogues(),
    )
