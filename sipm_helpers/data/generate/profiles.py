"""What each fund looks like to the generator: its profile (size, growth, people, shares
of the line items, reserve) from ``sipm_helpers/demo/fund_profiles.yaml``, and the monthly
patterns of line items and statistics from ``sipm_helpers/demo/patterns.yaml``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sipm_helpers.config.loader import require_keys
from sipm_helpers.config.registry import Fund
from sipm_helpers.data.generate import yamlfile as yf
from sipm_helpers.data.generate.common import MONTHS
from sipm_helpers.data.generate.parts import PARTS, PartProfile
from sipm_helpers.errors import ParameterError

PATTERNS_FILE = "patterns.yaml"
PROFILES_FILE = "fund_profiles.yaml"
# Patterns the code itself uses by name (the profiles name theirs in their file).
USED_PATTERNS = ("flat", "audit_findings", "registered_unemployed")


@dataclass(frozen=True)
class Patterns:
    """Monthly patterns (twelve relative values, January first) and the monthly noise of
    line items; see patterns.yaml for what each means."""

    monthly: Mapping[str, tuple[float, ...]]  # by name
    items: Mapping[str, tuple[float, ...]]  # line item -> its pattern (others: flat)
    default_noise: float
    noise: Mapping[str, float]  # line item -> σ of its lognormal monthly factor
    default_share_spread: float
    share_spread: Mapping[str, float]  # line item -> σ of a region's share around the profile's
    fiscal_september: tuple[float, float]  # a region's September subsidy tranche × this range

    @property
    def flat(self) -> tuple[float, ...]:
        return self.monthly["flat"]


@dataclass(frozen=True)
class FundProfile:
    """What a fund looks like, at national scale in 2023 (fund_profiles.yaml says what each
    field means).

    Money per inhabitant is in 10,000 yuan a year. ``employee`` funds grow with a region's
    wealth, resident funds less so. Shares are of the fund's income (other than premiums)
    and expenditure (other than benefits); premiums and benefits take the rest.
    """

    employee: bool
    expenditure_per_capita: float
    wealth_elasticity: float
    growth: float
    insured_share: float
    insured_growth: float
    coverage: tuple[float, float]
    collection: tuple[float, float]
    months: tuple[float, float]
    income_shares: tuple[tuple[str, float], ...]
    expenditure_shares: tuple[tuple[str, float], ...]
    premium_pattern: tuple[float, ...]
    benefit_pattern: tuple[float, ...]
    benefit_noise: float
    other_expenditure_pattern: tuple[float, ...]
    dependency: float | None  # contributors per retiree (pensions)
    dependency_trend: float  # per year: ageing
    suspended_share: float  # insured neither contributing nor retired, per contributor
    contribution_rate: float | None  # premiums ÷ contribution base
    contributor_share: float  # contributors per insured (funds without retirees)
    inpatient_ratio: tuple[float, float] | None  # fund-paid share of inpatient costs
    inpatient_share: float  # inpatient fund payments ÷ benefit expenditure
    # [low, high] a region's share of cross-province inpatient cases settled directly;
    # None: the fund reports no such cases
    cross_province_settled: tuple[float, float] | None
    cross_province_cases: float  # cross-province inpatient cases a year per insured
    survey_asked: tuple[float, float]  # [low, high] persons a year's satisfaction survey asks
    survey_valid: tuple[float, float]  # [low, high] share of them answering validly
    survey_rate: tuple[float, float]  # [low, high] a region's share satisfied or fairly so
    survey_month: float  # the month the year's survey closes
    cases_per_insured: float  # benefit cases a month per insured
    per_head_growth: tuple[float, float] | None  # None: ``growth`` in total
    drift: float  # σ of the yearly random walk of expenditure around its trend
    months_trend: float  # months a year the balance's usual coverage rises by
    months_curve: float  # … plus this × (years from BASE_YEAR, at most 3)²
    months_noise: float  # σ of the yearly step of the months covered, × usual level
    return_rate: tuple[float, float]  # interest + investment ÷ mean balance
    audit_findings: float  # audit and inspection findings a year, typical region
    # the parts of a whole it reports (parts.PARTS) and their rates; empty: none
    parts: Mapping[str, PartProfile]


@dataclass(frozen=True)
class Shortfall:
    """How far a region's year falls short of its plan, and what a shortfall of 1 does
    (fund_profiles.yaml ``shortfall`` says what each field means)."""

    mean: float  # the shortfall drawn: max(0, normal(mean, sd)), at most cap
    sd: float
    cap: float
    collection: float  # the collection rate lower by this
    coverage: float  # coverage lower by this
    budget_error: float  # premiums and benefits budgeted further off by this share
    adjusted_kept: float  # of that error, the share the adjusted budget keeps
    partly: float  # the odds of a qualitative grade "partly" up by this
    not_achieved: float  # … and of "not achieved"


@dataclass(frozen=True)
class Profiles:
    """The fund profiles and what goes with them (fund_profiles.yaml)."""

    funds: Mapping[str, FundProfile]
    group_profiles: Mapping[str, str]  # fund group -> the fund whose profile it takes
    other_groups: str  # the fund whose profile other groups take
    new_retiree_premium: tuple[float, float]
    pooled_share: tuple[float, float]
    shortfall: Shortfall


# --------------------------------------------------------------------------- patterns


def _monthly(file: Path, where: str, value: Any) -> tuple[float, ...]:
    """Twelve non-negative numbers, not all zero."""
    values = yf.numbers(file, where, value, MONTHS)
    if min(values) < 0 or sum(values) <= 0:
        raise ParameterError(file, where, "needs values ≥ 0, not all zero")
    return values


def load_patterns(path: str | Path | None = None) -> Patterns:
    """Read and check the monthly patterns; ParameterError names the file and key."""
    path = yf.data_path(path, PATTERNS_FILE)
    keys = ["monthly", "item_patterns", "default_noise", "item_noise"]
    raw = yf.read(path, [*keys, "default_share_spread", "share_spread", "fiscal_september"])
    monthly = {
        str(name): _monthly(path, f"monthly.{name}", values)
        for name, values in yf.mapping(path, "monthly", raw["monthly"]).items()
    }
    for name in USED_PATTERNS:
        if name not in monthly:
            raise ParameterError(path, f"monthly.{name}", "missing: the generator uses it")
    items = {
        str(item): monthly[yf.one_of(path, f"item_patterns.{item}", name, monthly, "pattern")]
        for item, name in yf.mapping(path, "item_patterns", raw["item_patterns"]).items()
    }
    return Patterns(
        monthly=MappingProxyType(monthly),
        items=MappingProxyType(items),
        default_noise=_sigma(path, "default_noise", raw["default_noise"]),
        noise=_sigmas(path, "item_noise", raw["item_noise"]),
        default_share_spread=_sigma(path, "default_share_spread", raw["default_share_spread"]),
        share_spread=_sigmas(path, "share_spread", raw["share_spread"]),
        fiscal_september=yf.band(path, "fiscal_september", raw["fiscal_september"]),
    )


def _sigma(file: Path, where: str, value: Any) -> float:
    sigma = yf.number(file, where, value)
    if sigma < 0:
        raise ParameterError(file, where, f"a standard deviation must not be negative: {sigma}")
    return sigma


def _sigmas(file: Path, where: str, value: Any) -> Mapping[str, float]:
    return MappingProxyType(
        {str(k): _sigma(file, f"{where}.{k}", v) for k, v in yf.mapping(file, where, value).items()}
    )


# --------------------------------------------------------------------------- profiles


def _shares(file: Path, where: str, value: Any) -> tuple[tuple[str, float], ...]:
    """item: share pairs, in the file's order."""
    out = []
    for item, share in yf.mapping(file, where, value).items():
        if yf.number(file, f"{where}.{item}", share) < 0:
            raise ParameterError(file, f"{where}.{item}", "a share must not be negative")
        out.append((str(item), float(share)))
    return tuple(out)


def _optional_number(file: Path, where: str, value: Any) -> float | None:
    return yf.number(file, where, value, allow_none=True)


def _optional_band(file: Path, where: str, value: Any) -> tuple[float, float] | None:
    return yf.band(file, where, value, allow_none=True)


def _parts(file: Path, where: str, value: Any) -> Mapping[str, PartProfile]:
    """{part: {rate: [low, high], per: N}}: parts of parts.PARTS, rates within [0, 1], the
    whole per unit of its base not negative (``per`` only where the whole is new)."""
    out = {}
    for name, spec in yf.mapping(file, where, value).items():
        at = f"{where}.{name}"
        part = PARTS[yf.one_of(file, at, name, PARTS, "part (sipm_helpers/data/generate/parts.py)")]
        given = require_keys(file, at, spec, ["rate"], ["per"] if part.base else [])
        low, high = yf.band(file, f"{at}.rate", given["rate"])
        if low < 0 or high > 1:
            raise ParameterError(
                file, f"{at}.rate", f"a rate lies within [0, 1], got {given['rate']!r}"
            )
        per = yf.number(file, f"{at}.per", given.get("per", 0.0))
        if per < 0 or (part.base and "per" not in given):
            raise ParameterError(
                file, f"{at}.per", "give the whole per unit of its base, not negative"
            )
        out[str(name)] = PartProfile((low, high), per)
    return MappingProxyType(out)


# How each field of a profile is checked; the pattern fields name a pattern (see _field).
_Check = Callable[[Path, str, Any], Any]
_REQUIRED: Mapping[str, _Check] = MappingProxyType(
    {
        "employee": yf.flag,
        "expenditure_per_capita": yf.number,
        "wealth_elasticity": yf.number,
        "growth": yf.number,
        "insured_share": yf.number,
        "insured_growth": yf.number,
        "coverage": yf.band,
        "collection": yf.band,
        "months": yf.band,
        "income_shares": _shares,
        "expenditure_shares": _shares,
    }
)
_PATTERN_FIELDS = ("premium_pattern", "benefit_pattern", "other_expenditure_pattern")
_OPTIONAL: Mapping[str, _Check] = MappingProxyType(
    {
        **dict.fromkeys(_PATTERN_FIELDS, yf.text),
        "benefit_noise": yf.number,
        "dependency": _optional_number,
        "dependency_trend": yf.number,
        "suspended_share": yf.number,
        "contribution_rate": _optional_number,
        "contributor_share": yf.number,
        "inpatient_ratio": _optional_band,
        "inpatient_share": yf.number,
        "cross_province_settled": _optional_band,
        "cross_province_cases": yf.number,
        "survey_asked": yf.band,
        "survey_valid": yf.band,
        "survey_rate": yf.band,
        "survey_month": yf.number,
        "cases_per_insured": yf.number,
        "per_head_growth": _optional_band,
        "drift": yf.number,
        "months_trend": yf.number,
        "months_curve": yf.number,
        "months_noise": yf.number,
        "return_rate": yf.band,
        "audit_findings": yf.number,
        "parts": _parts,
    }
)


def _field(file: Path, where: str, name: str, value: Any, patterns: Patterns) -> Any:
    """One checked field of a profile; a pattern field's name becomes its values."""
    checked = {**_REQUIRED, **_OPTIONAL}[name](file, where, value)
    if name in _PATTERN_FIELDS:
        known = patterns.monthly
        return known[yf.one_of(file, where, checked, known, "pattern (patterns.yaml)")]
    return checked


def _profile(
    file: Path, code: str, raw: Any, defaults: Mapping[str, Any], patterns: Patterns
) -> FundProfile:
    """One fund's profile: its keys over the defaults."""
    where = f"funds.{code}"
    given = require_keys(file, where, raw, list(_REQUIRED), list(_OPTIONAL))
    fields = {}
    for name in (*_REQUIRED, *_OPTIONAL):
        at = f"{where}.{name}" if name in given else f"defaults.{name}"
        value = given[name] if name in given else defaults[name]
        fields[name] = _field(file, at, name, value, patterns)
    return FundProfile(**fields)


def _fund_code(file: Path, where: str, value: Any, funds: Mapping[str, FundProfile]) -> str:
    return yf.one_of(file, where, value, funds, "fund profile")


def _shortfall(file: Path, raw: Any) -> Shortfall:
    """The shortfall's parameters: numbers, none negative."""
    names = [f.name for f in fields(Shortfall)]
    given = require_keys(file, "shortfall", raw, names)
    values = {name: yf.number(file, f"shortfall.{name}", given[name]) for name in names}
    for name, value in values.items():
        if value < 0:
            raise ParameterError(file, f"shortfall.{name}", f"must not be negative, got {value}")
    return Shortfall(**values)


def load_profiles(path: str | Path | None = None, patterns: Patterns | None = None) -> Profiles:
    """Read and check the fund profiles (their patterns named in ``patterns``, by default
    the shipped patterns.yaml); ParameterError names the file and key."""
    path = yf.data_path(path, PROFILES_FILE)
    patterns = patterns or load_patterns()
    keys = ["defaults", "group_profiles", "other_groups", "new_retiree_premium"]
    raw = yf.read(path, [*keys, "pooled_share", "shortfall", "funds"])
    defaults = require_keys(path, "defaults", raw["defaults"], list(_OPTIONAL))
    funds = {
        str(code): _profile(path, str(code), spec, defaults, patterns)
        for code, spec in yf.mapping(path, "funds", raw["funds"]).items()
    }
    groups = {
        str(group): _fund_code(path, f"group_profiles.{group}", code, funds)
        for group, code in yf.mapping(path, "group_profiles", raw["group_profiles"]).items()
    }
    return Profiles(
        funds=MappingProxyType(funds),
        group_profiles=MappingProxyType(groups),
        other_groups=_fund_code(path, "other_groups", raw["other_groups"], funds),
        new_retiree_premium=yf.band(path, "new_retiree_premium", raw["new_retiree_premium"]),
        pooled_share=yf.band(path, "pooled_share", raw["pooled_share"]),
        shortfall=_shortfall(path, raw["shortfall"]),
    )


PATTERNS = load_patterns()
_LOADED = load_profiles(patterns=PATTERNS)
PROFILES: Mapping[str, FundProfile] = _LOADED.funds
# Where a pension follows a dated adjustment (parameters/policy.yaml), its benefit per
# retiree grows by the adjustment plus this premium of new retirees' higher pensions.
NEW_RETIREE_PREMIUM = _LOADED.new_retiree_premium
# The pooled fund's share of an employees' medical fund's expenditure.
POOLED_SHARE = _LOADED.pooled_share
# How far a region's year falls short of its plan (:mod:`.shortfall`).
SHORTFALL = _LOADED.shortfall


def fund_profile(fund: Fund) -> FundProfile:
    """The generator's profile of ``fund``: its own, or that of its group for a fund type
    added to the registry later (a pension fund looks like the enterprise pension)."""
    if fund.code in PROFILES:
        return PROFILES[fund.code]
    return PROFILES[_LOADED.group_profiles.get(fund.group, _LOADED.other_groups)]
