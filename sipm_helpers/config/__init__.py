"""Parameters layer: reads and validates the YAML in parameters/ (yaml.safe_load only)."""

from sipm_helpers.config.loader import read_yaml
from sipm_helpers.config.registry import FundRegistry, load_registry
from sipm_helpers.config.standards import ScoringStandards, load_standards
from sipm_helpers.config.tables import ColumnSpec, TableSpec, load_table_specs

__all__ = [
    "ColumnSpec",
    "FundRegistry",
    "ScoringStandards",
    "TableSpec",
    "load_registry",
    "load_standards",
    "load_table_specs",
    "read_yaml",
]
