"""What a dataset may hold before it is read (parameters/limits.yaml): bytes of a file,
rows and cells of a table, the uncompressed size of a workbook, and the findings kept
per rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_whole
from sipm_helpers.paths import parameters_dir

KEYS = ("file_bytes", "rows", "cells", "expanded_bytes", "findings_per_rule")


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    rows: int
    cells: int
    expanded_bytes: int
    findings_per_rule: int


def load_limits(path: str | Path | None = None) -> Limits:
    """Read and validate the limits; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "limits.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", *KEYS])
    return Limits(**{key: require_whole(path, key, raw[key], 1) for key in KEYS})
