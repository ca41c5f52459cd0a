"""Indicator catalogues (parameters/indicators/): the library and each fund's selection (Art. 9).

A fund's catalogue picks indicators from library.yaml and gives each a weight; the
weights of a fund sum to 100. Whether each ``function`` exists is checked by the domain
layer, which holds the measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

KINDS = ("quantitative", "qualitative")
RULES = ("higher_is_better", "lower_is_better", "band", "pass_fail", "qualitative")
DIRECTIONS = ("higher", "lower", "band")
WEIGHT_TOTAL = 100.0
OVERRIDABLE = ("default_target", "band", "explain_threshold")


@dataclass(frozen=True)
class Band:
    lower: float | None
    upper: float | None
    zero_at: float


@dataclass(frozen=True)
class Indicator:
    code: str
    category: str
    group: str
    kind: str
    rule: str
    zh: str
    en: str
    explain_threshold: float
    function: str | None = None
    unit: str | None = None
    direction: str | None = None
    default_target: float | None = None
    band: Band | None = None
    weight: float = 0.0

    def name(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Catalogue:
    """One fund's indicators with their weights, plus the names of categories and groups."""

    fund: str
    indicators: tuple[Indicator, ...]
    categories: dict[str, dict[str, str]]
    groups: dict[str, dict[str, str]]
    source: str

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(f"indicator {code!r} is not in the catalogue of {self.fund}")

    def frame(self) -> pd.DataFrame:
        """The catalogue as a DataFrame, one row per indicator, for vectorized scoring."""
        rows = []
        for i, ind in enumerate(self.indicators):
            band = ind.band or Band(None, None, math.nan)
            rows.append(
                {
                    "order": i,
                    "indicator": ind.code,
                    "category": ind.category,
                    "group": ind.group,
                    "kind": ind.kind,
                    "rule": ind.rule,
                    "function": ind.function,
                    "unit": ind.unit,
                    "direction": ind.direction,
                    "weight": ind.weight,
                    "default_target": ind.default_target,
                    "band_lower": band.lower,
                    "band_upper": band.upper,
                    "band_zero_at": band.zero_at,
                    "explain_threshold": ind.explain_threshold,
                }
            )
        frame = pd.DataFrame(rows)
        for col in ("default_target", "band_lower", "band_upper", "band_zero_at"):
            frame[col] = frame[col].astype("float64")
        return frame


def _band(file: Path, where: str, raw: object) -> Band:
    spec = require_keys(file, where, raw, ["zero_at"], ["lower", "upper"])
    lower = require_number(file, f"{where}.lower", spec.get("lower"), allow_none=True)
    upper = require_number(file, f"{where}.upper", spec.get("upper"), allow_none=True)
    zero_at = require_number(file, f"{where}.zero_at", spec["zero_at"])
    if lower is None and upper is None:
        raise ParameterError(file, where, "a band needs a lower or an upper bound")
    if lower is not None and upper is not None and lower > upper:
        raise ParameterError(file, where, f"lower bound {lower:g} exceeds upper bound {upper:g}")
    if zero_at <= 0:
        raise ParameterError(file, f"{where}.zero_at", "must be positive")
    return Band(lower, upper, zero_at)


def load_library(path: str | Path | None = None) -> tuple[dict[str, Indicator], dict, dict]:
    """Read the indicator library: (indicators by code, categories, groups)."""
    path = Path(path) if path else parameters_dir() / "indicators" / "library.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "categories", "groups", "indicators"])
    categories = {
        c: dict(require_keys(path, f"categories.{c}", v, ["zh", "en"]))
        for c, v in raw["categories"].items()
    }
    groups = {}
    for g, v in raw["groups"].items():
        require_keys(path, f"groups.{g}", v, ["category", "zh", "en"])
        if v["category"] not in categories:
            raise ParameterError(
                path, f"groups.{g}.category", f"unknown category {v['category']!r}"
            )
        groups[g] = dict(v)
    indicators = {}
    for code, spec in raw["indicators"].items():
        where = f"indicators.{code}"
        require_keys(
            path,
            where,
            spec,
            ["group", "kind", "rule", "zh", "en", "explain_threshold"],
            ["function", "unit", "direction", "default_target", "band"],
        )
        if spec["group"] not in groups:
            raise ParameterError(path, f"{where}.group", f"unknown group {spec['group']!r}")
        if spec["kind"] not in KINDS:
            raise ParameterError(path, f"{where}.kind", f"must be one of {KINDS}")
        if spec["rule"] not in RULES:
            raise ParameterError(path, f"{where}.rule", f"must be one of {RULES}")
        if (spec["kind"] == "qualitative") != (spec["rule"] == "qualitative"):
            raise ParameterError(
                path, where, "qualitative indicators, and only they, use the qualitative rule"
            )
        if spec["kind"] == "quantitative" and not spec.get("function"):
            raise ParameterError(
                path, where, "a quantitative indicator must name its measure `function`"
            )
        if spec.get("direction") is not None and spec["direction"] not in DIRECTIONS:
            raise ParameterError(path, f"{where}.direction", f"must be one of {DIRECTIONS}")
        if spec["rule"] == "band" and "band" not in spec:
            raise ParameterError(path, where, "the band rule needs a `band`")
        indicators[code] = Indicator(
            code=code,
            category=groups[spec["group"]]["category"],
            group=spec["group"],
            kind=spec["kind"],
            rule=spec["rule"],
            zh=spec["zh"],
            en=spec["en"],
            explain_threshold=require_number(
                path, f"{where}.explain_threshold", spec["explain_threshold"]
            ),
            function=spec.get("function"),
            unit=spec.get("unit"),
            direction=spec.get("direction"),
            default_target=require_number(
                path, f"{where}.default_target", spec.get("default_target"), allow_none=True
            ),
            band=_band(path, f"{where}.band", spec["band"]) if "band" in spec else None,
        )
    return indicators, categories, groups


def _read_fund_entries(path: Path, fund: str) -> dict[str, dict]:
    if not path.exists():
        raise ParameterError(path, "", f"no indicator catalogue for fund {fund!r}")
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "fund", "indicators"])
    if raw["fund"] != fund:
        raise ParameterError(path, "fund", f"says {raw['fund']!r}, expected {fund!r}")
    return {str(code): spec for code, spec in (raw["indicators"] or {}).items()}


def _build(
    path: Path,
    fund: str,
    entries: dict[str, dict],
    library: dict[str, Indicator],
    categories: dict,
    groups: dict,
) -> Catalogue:
    """Turn catalogue entries (code → weight and overrides) into a validated catalogue:
    known indicators, positive weights summing to 100, every category of Art. 9 covered."""
    chosen = []
    for code, spec in entries.items():
        where = f"indicators.{code}"
        if code not in library:
            raise ParameterError(
                path, where, "unknown indicator (not in the library, indicators/library.yaml)"
            )
        require_keys(path, where, spec, ["weight"], OVERRIDABLE)
        weight = require_number(path, f"{where}.weight", spec["weight"])
        if weight <= 0:
            raise ParameterError(path, f"{where}.weight", "must be positive")
        ind = replace(library[code], weight=weight)
        if "default_target" in spec:
            ind = replace(
                ind,
                default_target=require_number(
                    path, f"{where}.default_target", spec["default_target"]
                ),
            )
        if "explain_threshold" in spec:
            ind = replace(
                ind,
                explain_threshold=require_number(
                    path, f"{where}.explain_threshold", spec["explain_threshold"]
                ),
            )
        if "band" in spec:
            ind = replace(ind, band=_band(path, f"{where}.band", spec["band"]))
        chosen.append(ind)
    total = sum(i.weight for i in chosen)
    if not math.isclose(total, WEIGHT_TOTAL, abs_tol=1e-9):
        raise ParameterError(path, "indicators", f"weights sum to {total:g}, not {WEIGHT_TOTAL:g}")
    missing = sorted(set(categories) - {i.category for i in chosen})
    if missing:
        raise ParameterError(
            path, "indicators", f"no indicator in category(ies): {', '.join(missing)} (Art. 9)"
        )
    return Catalogue(fund, tuple(chosen), categories, groups, str(path))


def load_catalogue(fund: str, directory: str | Path | None = None) -> Catalogue:
    """Read one fund's catalogue merged with the library; weights must sum to 100."""
    directory = Path(directory) if directory else parameters_dir() / "indicators"
    library, categories, groups = load_library(directory / "library.yaml")
    path = directory / f"{fund}.yaml"
    return _build(path, fund, _read_fund_entries(path, fund), library, categories, groups)


def load_province_catalogues(
    directory: str | Path | None = None,
) -> dict[tuple[str, str], Catalogue]:
    """A province's own implementation rules (Art. 24) as catalogue overrides.

    Each file ``indicators/provinces/<province_code>/<fund>.yaml`` holds ``remove`` (codes
    to drop), ``reweight`` (code → new weight), ``add`` (code → entry, as in a fund
    catalogue) and ``change`` (code → default_target, band or explain_threshold). The merged
    catalogue is validated like any other: weights summing to 100, every category covered.
    Returns {(province_code, fund): catalogue}.
    """
    directory = Path(directory) if directory else parameters_dir() / "indicators"
    root = directory / "provinces"
    if not root.is_dir():
        return {}
    library, categories, groups = load_library(directory / "library.yaml")
    merged: dict[tuple[str, str], Catalogue] = {}
    for path in sorted(root.glob("*/*.yaml")):
        raw = read_yaml(path)
        require_keys(
            path,
            "",
            raw,
            ["version", "province", "fund", "source"],
            ["remove", "reweight", "add", "change"],
        )
        province, fund = str(raw["province"]), str(raw["fund"])
        if (province, fund) != (path.parent.name, path.stem):
            raise ParameterError(
                path,
                "",
                f"names province {province!r} and fund {fund!r}; the file must be provinces/{province}/{fund}.yaml",
            )
        entries = {
            code: dict(spec)
            for code, spec in _read_fund_entries(directory / f"{fund}.yaml", fund).items()
        }
        for code in raw.get("remove") or []:
            if code not in entries:
                raise ParameterError(path, f"remove.{code}", "is not in the fund's catalogue")
            del entries[code]
        for code, weight in (raw.get("reweight") or {}).items():
            if code not in entries:
                raise ParameterError(path, f"reweight.{code}", "is not in the fund's catalogue")
            entries[code]["weight"] = weight
        for code, spec in (raw.get("add") or {}).items():
            if code in entries:
                raise ParameterError(
                    path, f"add.{code}", "is in the fund's catalogue already: reweight or change it"
                )
            entries[code] = dict(spec)
        for code, spec in (raw.get("change") or {}).items():
            if code not in entries:
                raise ParameterError(path, f"change.{code}", "is not in the fund's catalogue")
            require_keys(path, f"change.{code}", spec, [], OVERRIDABLE)
            entries[code].update(spec)
        merged[(province, fund)] = _build(path, fund, entries, library, categories, groups)
    return merged
