"""Policy parameters by date (parameters/policy.yaml): benefit adjustments, contribution
and subsidy standards, reimbursement targets, caps. Each value applies from its date until
the next; a budget year uses the value in force on 1 January of that year, as OpenFisca
evaluates a dated parameter at the start of a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sipm_helpers.config.loader import (
    Citation,
    read_yaml,
    require_citation,
    require_keys,
    require_number,
)
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: float
    source: Citation  # the public document it comes from, as each language cites it


# What a parameter is to a region (policy.yaml explains each): a national standard it
# applies as it is, a national plan's goal it approaches at its own pace, a ceiling.
STANDARD = "standard"
PARAMETER_KINDS = (STANDARD, "goal", "cap")


@dataclass(frozen=True)
class PolicyParameter:
    name: str
    zh: str
    en: str
    unit: str
    values: tuple[DatedValue, ...]  # by start date, earliest first
    kind: str  # one of PARAMETER_KINDS

    @property
    def standard(self) -> bool:
        """A national standard: a target that follows it is not the region's own."""
        return self.kind == STANDARD

    def in_force(self, year: int) -> DatedValue | None:
        """The value in force on 1 January of ``year`` (None before the first one)."""
        day = dt.date(int(year), 1, 1)
        found = [v for v in self.values if v.start <= day]
        return found[-1] if found else None


@dataclass(frozen=True)
class Policy:
    """Every dated policy parameter by name."""

    parameters: dict[str, PolicyParameter]
    source: str

    def parameter(self, name: str) -> PolicyParameter:
        try:
            return self.parameters[name]
        except KeyError:
            known = ", ".join(self.parameters)
            raise KeyError(f"unknown policy parameter {name!r}; known: {known}") from None

    def value(self, name: str, year: int) -> float:
        """The value of ``name`` in force in ``year`` (NaN before its first date)."""
        found = self.parameter(name).in_force(year)
        return found.value if found else float("nan")

    def values(self, name: str, years: np.ndarray) -> np.ndarray:
        """:meth:`value` for each of ``years``."""
        years = np.asarray(years, dtype="int64")
        out = np.full(len(years), np.nan)
        for year in np.unique(years):
            out[years == year] = self.value(name, int(year))
        return out


def _dated(path: Path, where: str, raw: object) -> DatedValue:
    spec = require_keys(path, where, raw, ["from", "value", "source"])
    start = spec["from"]
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise ParameterError(
            path, f"{where}.from", f"expected a date such as 2024-01-01, got {start!r}"
        )
    return DatedValue(
        start,
        require_number(path, f"{where}.value", spec["value"]),
        require_citation(path, f"{where}.source", spec["source"]),
    )


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate the dated policy parameters; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "policy.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "parameters"])
    parameters = {}
    for name, spec in (raw["parameters"] or {}).items():
        where = f"parameters.{name}"
        require_keys(path, where, spec, ["zh", "en", "kind", "unit", "values"])
        if spec["kind"] not in PARAMETER_KINDS:
            raise ParameterError(
                path, f"{where}.kind", f"must be one of {', '.join(PARAMETER_KINDS)}"
            )
        values = tuple(
            _dated(path, f"{where}.values[{i}]", v) for i, v in enumerate(spec["values"] or [])
        )
        if not values:
            raise ParameterError(path, f"{where}.values", "needs at least one dated value")
        starts = [v.start for v in values]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ParameterError(
                path, f"{where}.values", "list the values by date, earliest first, one per date"
            )
        parameters[str(name)] = PolicyParameter(
            str(name), spec["zh"], spec["en"], spec["unit"], values, spec["kind"]
        )
    return Policy(parameters, str(path))
