"""Indicator catalogues (parameters/indicators/): the library and each fund's selection (Art. 9).

A fund's catalogue picks indicators from library.yaml and gives each a weight; the
weights of a fund sum to 100. A catalogue may also list indicators it ``reports`` without
scoring them. Whether each ``function`` (measure), ``rule`` and ``applies_when``
(applicability condition) exists is checked by the domain layer, which holds them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sipm_helpers.config.loader import (
    Citation,
    read_yaml,
    require_citation,
    require_keys,
    require_number,
)
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

KINDS = ("quantitative", "qualitative")
DIRECTIONS = ("higher", "lower", "band")
# Where an actual can lie against what it should be; an indicator's ``advice`` names, for
# each, how a suggestion words it (a template the present layer's labels hold).
SIDES = ("above", "below")
WEIGHT_TOTAL = 100.0
OVERRIDABLE = ("default_target", "band", "deduct", "explain_threshold", "source", "target_review")
LIBRARY_OPTIONAL = ("function", "unit", "direction", "default_target", "band", "deduct",
                    "applies_when", "source", "advice", "bounds", "target_review",
                    "min_sample")  # fmt: skip
# The numbers of an indicator that may follow a dated policy parameter (parameters/policy.yaml):
# each is a number, or {policy: NAME, plus: OFFSET} (the value in force that year + OFFSET).
BAND_COLUMNS = ("default_target", "band_lower", "band_upper", "band_zero_below", "band_zero_above")
_BAND_KEYS = {
    "lower": "band_lower",
    "upper": "band_upper",
    "zero_below": "band_zero_below",
    "zero_above": "band_zero_above",
}


@dataclass(frozen=True)
class Band:
    """Full points inside [lower, upper]; outside, the points fall linearly to zero at
    ``zero_below`` (under ``lower``) and ``zero_above`` (over ``upper``), in the
    indicator's own unit. An open side has neither its bound nor its zero point."""

    lower: float | None
    upper: float | None
    zero_below: float | None = None
    zero_above: float | None = None
    policy: tuple[tuple[str, str], ...] = ()  # (bound, policy parameter) where a bound follows one


@dataclass(frozen=True)
class Deduct:
    """Points off for each percentage point a rate falls short of its target
    (每低1个百分点扣X分), never leaving fewer than ``floor`` points."""

    per_point: float
    floor: float = 0.0


@dataclass(frozen=True)
class ReviewTraits:
    """How a target review reads an indicator's targets (``target_review`` of the library,
    which a fund's catalogue may override key by key)."""

    # the agency steers it: its target is held to its own history, and an evaluation may
    # ask for it to be tightened (not so a fund's investment return or its subsidy share)
    controlled: bool = True
    # it moves for structural reasons (ageing, falling births): a target is held to its
    # trend, not to its best year
    structural: bool = False
    # the policy keeps it "around" its default target (稳定在80%左右): a target within ±
    # this, in the indicator's unit, is as good as any; not held to its history
    around: float | None = None
    # a norm of the fund's balance (months covered, the surplus): its target is tested on
    # the year-end the budget and the trend imply
    on_budget: bool = False


REVIEW_FLAGS = ("controlled", "structural", "on_budget")


@dataclass(frozen=True)
class MinSample:
    """The fewest observations (a survey's valid responses) a measure's value may rest on,
    and why: below it the indicator is not assessed, never scored."""

    count: float
    reason: Citation


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
    deduct: Deduct | None = None
    applies_when: str | None = None  # a named applicability condition (domain layer)
    target_policy: str | None = None  # default_target follows this dated policy parameter
    # the public source of the default target and band, as each language cites it
    source: Citation | None = None
    # (side, advice code): how a suggestion words an actual above or below its target or
    # band ("reserve_excessive", "overspend"); without one, by the side alone.
    advice: tuple[tuple[str, str], ...] = ()
    weight: float = 0.0
    reported: bool = False  # shown for information, never scored
    # the values it can take, (lower, upper), None where open: a trend is capped to them
    bounds: tuple[float | None, float | None] = (None, None)
    review: ReviewTraits = ReviewTraits()
    min_sample: MinSample | None = None  # a measure resting on a sample: its smallest

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
            band = ind.band or Band(None, None)
            deduct = ind.deduct or Deduct(math.nan, math.nan)
            refs = {
                **{_BAND_KEYS[k]: v for k, v in band.policy},
                "default_target": ind.target_policy,
            }
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
                    "band_zero_below": band.zero_below,
                    "band_zero_above": band.zero_above,
                    "deduct_per_point": deduct.per_point,
                    "deduct_floor": deduct.floor,
                    **{f"{col}_policy": refs.get(col) for col in BAND_COLUMNS},
                    "applies_when": ind.applies_when,
                    "reported": ind.reported,
                    **{f"advice_{side}": dict(ind.advice).get(side) for side in SIDES},
                    "explain_threshold": ind.explain_threshold,
                    "source_zh": ind.source.zh if ind.source else None,
                    "source_en": ind.source.en if ind.source else None,
                    "bound_lower": ind.bounds[0],
                    "bound_upper": ind.bounds[1],
                    "controlled": ind.review.controlled,
                    "structural": ind.review.structural,
                    "around": ind.review.around,
                    "on_budget": ind.review.on_budget,
                    "min_sample": ind.min_sample.count if ind.min_sample else None,
                }
            )
        frame = pd.DataFrame(rows)
        for col in (*BAND_COLUMNS, "deduct_per_point", "deduct_floor", "bound_lower",
                    "bound_upper", "around", "min_sample"):  # fmt: skip
            frame[col] = frame[col].astype("float64")
        return frame


def _number(file: Path, where: str, value: object) -> tuple[float | None, str | None]:
    """A number, or a dated policy parameter: {policy: NAME, plus: OFFSET} → (OFFSET, NAME)."""
    if isinstance(value, dict):
        spec = require_keys(file, where, value, ["policy"], ["plus"])
        if not isinstance(spec["policy"], str) or not spec["policy"]:
            raise ParameterError(file, f"{where}.policy", "name a parameter of policy.yaml")
        plus = require_number(file, f"{where}.plus", spec.get("plus", 0.0))
        return plus, spec["policy"]
    return require_number(file, where, value, allow_none=True), None


def _band(file: Path, where: str, raw: object) -> Band:
    if isinstance(raw, dict) and "zero_at" in raw:
        raise ParameterError(
            file,
            f"{where}.zero_at",
            "a band now says where its points reach zero: zero_below (under lower) and "
            "zero_above (over upper), in the indicator's unit",
        )
    spec = require_keys(file, where, raw, [], list(_BAND_KEYS))
    parsed = {k: _number(file, f"{where}.{k}", spec.get(k)) for k in _BAND_KEYS}
    num = {k: v for k, (v, _) in parsed.items()}
    refs = {k: name for k, (_, name) in parsed.items() if name}
    lower, upper = num["lower"], num["upper"]
    if lower is None and upper is None:
        raise ParameterError(file, where, "a band needs a lower or an upper bound")

    def comparable(a: str, b: str) -> bool:  # plain numbers, or offsets from the same policy
        return refs.get(a) == refs.get(b)

    if lower is not None and upper is not None and comparable("lower", "upper") and lower > upper:
        raise ParameterError(file, where, f"lower bound {lower:g} exceeds upper bound {upper:g}")
    for bound, zero, side in (("lower", "zero_below", "below"), ("upper", "zero_above", "above")):
        limit, point = num[bound], num[zero]
        if (limit is None) != (point is None):
            raise ParameterError(
                file, where, f"{zero} goes with the {bound} bound, and only with it"
            )
        if limit is None or not comparable(bound, zero):
            continue
        if point >= limit if side == "below" else point <= limit:
            raise ParameterError(
                file, f"{where}.{zero}", f"must lie {side} the bound {limit:g}, not at {point:g}"
            )
    return Band(lower, upper, num["zero_below"], num["zero_above"], tuple(sorted(refs.items())))


def _deduct(file: Path, where: str, raw: object) -> Deduct:
    """``{per_point: P, floor: F}``: P > 0 points off per percentage point, F ≥ 0 (default 0)."""
    spec = require_keys(file, where, raw, ["per_point"], ["floor"])
    per_point = require_number(file, f"{where}.per_point", spec["per_point"])
    floor = require_number(file, f"{where}.floor", spec.get("floor", 0.0))
    if per_point <= 0:
        raise ParameterError(file, f"{where}.per_point", "points off per point must be positive")
    if floor < 0:
        raise ParameterError(file, f"{where}.floor", f"must not be negative, got {floor:g}")
    return Deduct(per_point, floor)


def _source(file: Path, where: str, spec: dict) -> Citation | None:
    """The entry's public source, {zh: ..., en: ...}: a default target, a band or a
    deduction carries one (the document and year), or says that it is a parameter of
    practice; None where the entry needs none and gives none."""
    if "source" in spec:
        return require_citation(file, f"{where}.source", spec["source"])
    if "default_target" in spec or "band" in spec:
        raise ParameterError(
            file,
            where,
            "a default target or band needs its `source` (the public document and year)",
        )
    if "deduct" in spec:
        raise ParameterError(
            file, where, "a deduction needs its `source` (the public document and year)"
        )
    return None


def _advice(file: Path, where: str, raw: object) -> tuple[tuple[str, str], ...]:
    """{above: CODE, below: CODE} (either or both) as (side, code) pairs."""
    spec = require_keys(file, where, raw, [], list(SIDES))
    pairs = []
    for side in SIDES:
        code = spec.get(side)
        if code is None:
            continue
        if not isinstance(code, str) or not code.replace("_", "").isalpha():
            raise ParameterError(
                file, f"{where}.{side}", f"name an advice code (letters and _), not {code!r}"
            )
        pairs.append((side, code))
    return tuple(pairs)


def _bounds(file: Path, where: str, raw: object) -> tuple[float | None, float | None]:
    """``{lower: L, upper: U}`` (either or both): the values an indicator can take."""
    spec = require_keys(file, where, raw, [], ["lower", "upper"])
    lower = require_number(file, f"{where}.lower", spec.get("lower"), allow_none=True)
    upper = require_number(file, f"{where}.upper", spec.get("upper"), allow_none=True)
    if lower is None and upper is None:
        raise ParameterError(file, where, "give a lower or an upper bound")
    if lower is not None and upper is not None and lower >= upper:
        raise ParameterError(file, where, f"lower bound {lower:g} must lie below upper {upper:g}")
    return lower, upper


def _min_sample(file: Path, where: str, raw: object) -> MinSample:
    """``{count: N, reason: {zh, en}}``: a positive whole number of observations and why."""
    spec = require_keys(file, where, raw, ["count", "reason"])
    count = require_number(file, f"{where}.count", spec["count"])
    if count < 1 or count != int(count):
        raise ParameterError(file, f"{where}.count", f"must be a whole number ≥ 1, not {count:g}")
    return MinSample(count, require_citation(file, f"{where}.reason", spec["reason"]))


def _traits(file: Path, where: str, raw: object, base: ReviewTraits) -> ReviewTraits:
    """``base`` with the keys of a ``target_review`` entry: controlled, structural and
    on_budget true or false, around a positive number in the indicator's unit."""
    spec = require_keys(file, where, raw, [], [*REVIEW_FLAGS, "around"])
    for flag in REVIEW_FLAGS:
        if flag in spec and not isinstance(spec[flag], bool):
            raise ParameterError(
                file, f"{where}.{flag}", f"expected true or false, got {spec[flag]!r}"
            )
    if "around" in spec:
        around = require_number(file, f"{where}.around", spec["around"])
        if around <= 0:
            raise ParameterError(file, f"{where}.around", "must be positive (± this, in the unit)")
    return replace(base, **spec)


def _check_traits(file: Path, where: str, ind: Indicator) -> Indicator:
    """A policy level to stay around needs the level (a default target), and is not also a
    structural trend (which of the two would the target be held to?)."""
    if ind.review.around is not None and ind.default_target is None:
        raise ParameterError(
            file, f"{where}.target_review.around", "needs the level it is around: a default_target"
        )
    if ind.review.around is not None and ind.review.structural:
        raise ParameterError(
            file,
            f"{where}.target_review",
            "around (a policy level) and structural (a trend) exclude each other",
        )
    return ind


def _target(file: Path, where: str, value: object) -> dict:
    """``default_target`` and ``target_policy`` from a number or a policy reference."""
    number, policy = _number(file, where, value)
    return {"default_target": number, "target_policy": policy}


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
            LIBRARY_OPTIONAL,
        )
        source = _source(path, where, spec)
        if spec["group"] not in groups:
            raise ParameterError(path, f"{where}.group", f"unknown group {spec['group']!r}")
        if spec["kind"] not in KINDS:
            raise ParameterError(path, f"{where}.kind", f"must be one of {KINDS}")
        if spec["kind"] == "quantitative" and not spec.get("function"):
            raise ParameterError(
                path, where, "a quantitative indicator must name its measure `function`"
            )
        if spec.get("direction") is not None and spec["direction"] not in DIRECTIONS:
            raise ParameterError(path, f"{where}.direction", f"must be one of {DIRECTIONS}")
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
            **_target(path, f"{where}.default_target", spec.get("default_target")),
            band=_band(path, f"{where}.band", spec["band"]) if "band" in spec else None,
            deduct=_deduct(path, f"{where}.deduct", spec["deduct"]) if "deduct" in spec else None,
            applies_when=spec.get("applies_when"),
            source=source,
            advice=_advice(path, f"{where}.advice", spec["advice"]) if "advice" in spec else (),
            bounds=_bounds(path, f"{where}.bounds", spec["bounds"])
            if "bounds" in spec
            else (None, None),
            review=_traits(path, f"{where}.target_review", spec["target_review"], ReviewTraits())
            if "target_review" in spec
            else ReviewTraits(),
            min_sample=_min_sample(path, f"{where}.min_sample", spec["min_sample"])
            if "min_sample" in spec
            else None,
        )
        _check_traits(path, where, indicators[code])
    return indicators, categories, groups


def _read_fund_entries(path: Path, fund: str) -> tuple[dict[str, dict], list[str]]:
    """(scored entries: code → weight and overrides, codes reported without a score)."""
    if not path.exists():
        raise ParameterError(path, "", f"no indicator catalogue for fund {fund!r}")
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "fund", "indicators"], ["reported"])
    if raw["fund"] != fund:
        raise ParameterError(path, "fund", f"says {raw['fund']!r}, expected {fund!r}")
    reported = raw.get("reported") or []
    if not isinstance(reported, list):
        raise ParameterError(path, "reported", "expected a list of indicator codes")
    entries = {str(code): spec for code, spec in (raw["indicators"] or {}).items()}
    return entries, [str(code) for code in reported]


def _overridden(path: Path, where: str, ind: Indicator, spec: dict) -> Indicator:
    """The library's indicator with a catalogue entry's overrides (default_target,
    explain_threshold, band, deduct, source) checked and applied."""
    if "default_target" in spec:
        ind = replace(ind, **_target(path, f"{where}.default_target", spec["default_target"]))
    if "explain_threshold" in spec:
        threshold = require_number(path, f"{where}.explain_threshold", spec["explain_threshold"])
        ind = replace(ind, explain_threshold=threshold)
    if "band" in spec:
        ind = replace(ind, band=_band(path, f"{where}.band", spec["band"]))
    if "deduct" in spec:
        ind = replace(ind, deduct=_deduct(path, f"{where}.deduct", spec["deduct"]))
    if "target_review" in spec:
        traits = _traits(path, f"{where}.target_review", spec["target_review"], ind.review)
        ind = _check_traits(path, where, replace(ind, review=traits))
    if ind.deduct is not None and ind.deduct.floor >= ind.weight:
        raise ParameterError(
            path,
            f"{where}.deduct.floor",
            f"a floor of {ind.deduct.floor:g} points leaves nothing to deduct from a weight "
            f"of {ind.weight:g}",
        )
    source = _source(path, where, spec)
    return replace(ind, source=source) if source else ind


def _build(
    path: Path,
    fund: str,
    entries: dict[str, dict],
    reported: list[str],
    library: dict[str, Indicator],
    categories: dict,
    groups: dict,
) -> Catalogue:
    """Turn catalogue entries (code → weight and overrides) into a validated catalogue:
    known indicators, positive weights summing to 100, every category of Art. 9 covered;
    then the ``reported`` indicators, unweighted."""
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
        chosen.append(_overridden(path, where, replace(library[code], weight=weight), spec))
    total = sum(i.weight for i in chosen)
    if not math.isclose(total, WEIGHT_TOTAL, abs_tol=1e-9):
        raise ParameterError(path, "indicators", f"weights sum to {total:g}, not {WEIGHT_TOTAL:g}")
    missing = sorted(set(categories) - {i.category for i in chosen})
    if missing:
        raise ParameterError(
            path, "indicators", f"no indicator in category(ies): {', '.join(missing)} (Art. 9)"
        )
    for code in reported:
        if code not in library:
            raise ParameterError(path, f"reported.{code}", "unknown indicator (not in the library)")
        if code in entries:
            raise ParameterError(path, f"reported.{code}", "is scored already: list it once")
        chosen.append(replace(library[code], reported=True))
    return Catalogue(fund, tuple(chosen), categories, groups, str(path))


Library = tuple[dict[str, Indicator], dict, dict]  # indicators, categories, groups


def load_catalogue(
    fund: str, directory: str | Path | None = None, library: Library | None = None
) -> Catalogue:
    """Read one fund's catalogue merged with the library (read from ``directory`` unless
    given, so that many catalogues share one reading); weights must sum to 100."""
    directory = Path(directory) if directory else parameters_dir() / "indicators"
    library, categories, groups = library or load_library(directory / "library.yaml")
    path = directory / f"{fund}.yaml"
    entries, reported = _read_fund_entries(path, fund)
    return _build(path, fund, entries, reported, library, categories, groups)


def _given_source(path: Path, where: str, spec: object) -> None:
    """A source a province's rules add or change, checked where the file gives it (the
    merged catalogue would name the fund's ``indicators.<code>`` instead)."""
    if isinstance(spec, dict) and "source" in spec:
        require_citation(path, f"{where}.source", spec["source"])


def load_province_catalogues(
    directory: str | Path | None = None, library: Library | None = None
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
    library, categories, groups = library or load_library(directory / "library.yaml")
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
        require_citation(path, "source", raw["source"])
        province, fund = str(raw["province"]), str(raw["fund"])
        if (province, fund) != (path.parent.name, path.stem):
            raise ParameterError(
                path,
                "",
                f"names province {province!r} and fund {fund!r}; the file must be provinces/{province}/{fund}.yaml",
            )
        fund_entries, reported = _read_fund_entries(directory / f"{fund}.yaml", fund)
        entries = {code: dict(spec) for code, spec in fund_entries.items()}
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
            _given_source(path, f"add.{code}", spec)
            entries[code] = dict(spec)
        for code, spec in (raw.get("change") or {}).items():
            if code not in entries:
                raise ParameterError(path, f"change.{code}", "is not in the fund's catalogue")
            require_keys(path, f"change.{code}", spec, [], OVERRIDABLE)
            _given_source(path, f"change.{code}", spec)
            entries[code].update(spec)
        reported = [code for code in reported if code not in entries]
        merged[(province, fund)] = _build(
            path, fund, entries, reported, library, categories, groups
        )
    return merged
