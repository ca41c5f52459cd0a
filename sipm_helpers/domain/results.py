"""Structured results written beside each executed notebook, read by later stages."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.errors import SipmError


def json_value(value: Any) -> Any:
    """numpy and pandas scalars as plain Python for JSON; NaN, NA and NaT as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_result(result: dict[str, Any], path: str | Path) -> Path:
    """Write a result dict as JSON, atomically; return the path."""
    path = Path(path)
    atomic_write_text(
        path, json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    )
    return path


def read_result(path: str | Path, schema: str, version: int) -> dict[str, Any]:
    """Read a result and check its schema and version (SipmError naming the file otherwise)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SipmError(f"{path}: cannot read result: {exc}") from exc
    if data.get("schema") != schema or data.get("version") != version:
        raise SipmError(
            f"{path}: expected a {schema} result of version {version}, "
            f"found {data.get('schema')!r} version {data.get('version')!r}"
        )
    return data


def read_region_results(
    folder: str | Path, regions: list[str], schema: str, version: int
) -> dict[str, dict[str, Any] | None]:
    """Each region's result in ``folder`` (its file is named by its code first, as the
    batch lays them out: ``<code>-<name>[.<lang>].json``); None where there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SipmError(f"{folder}: no such folder of results")
    found: dict[str, dict[str, Any] | None] = {}
    for region in regions:
        file = region_result_file(folder, region)
        found[region] = read_result(file, schema, version) if file else None
    return found


def region_result_file(folder: str | Path, region: str) -> Path | None:
    """The result file of ``region`` in ``folder`` (None where there is none)."""
    folder = Path(folder)
    files = sorted(folder.glob(f"{region}-*.json")) or sorted(folder.glob(f"{region}.json"))
    return files[0] if files else None
