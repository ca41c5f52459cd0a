"""Scoring rules: how an indicator's actual value earns its points (Art. 15–18).

Each rule is one registered object that says, for many indicators at once, what must be
there to score (a target, a band, a grade), the fraction of the points earned, whether
the target is met, the shortfall (the relative distance from the target in the
unfavourable direction), the value a deviation is measured from, and how the expectation
reads in words. Catalogues name a rule (``rule:`` in parameters/indicators); every other
layer asks the rule instead of testing its name.

Practice notes printed on Chinese self-evaluation forms (Ministry of Finance,
Caiyu [2020] No. 10): higher-is-better earns points × actual ÷ target, lower-is-better
points × target ÷ actual, both capped at the points; qualitative indicators are graded
in levels. A band gives full points inside [lower, upper] and falls linearly to zero at
``zero_below`` under it and ``zero_above`` over it (absolute values in the indicator's
unit: an exhausted fund earns nothing, an excessive reserve loses points too).

Many forms instead deduct a fixed number of points for each percentage point a rate falls
short of its target (每低1个百分点扣X分), never below a floor: proportional scoring
hardly touches a rate near 100 % (a collection rate of 87.6 % against 97.3 % keeps 90 %
of its points), a deduction per point does. A part of a point deducts its share (0.5
points short: half the deduction), so that the score, like the proportional one, moves
continuously with the rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np
import pandas as pd

# What a rule needs before it can score; the reason an indicator is not assessed otherwise.
NO_DATA, NO_TARGET, NO_EVIDENCE = "no_data", "no_target", "no_evidence"
# How an expectation reads: the present layer words each form in the report's language.
AT_LEAST, AT_MOST, BETWEEN, VALUE, ACHIEVED = "at_least", "at_most", "between", "value", "achieved"


@dataclass(frozen=True)
class Evidence:
    """The figures rules score, one array element per indicator row."""

    actual: np.ndarray
    target: np.ndarray
    lower: np.ndarray  # band bounds (NaN where open)
    upper: np.ndarray
    zero_below: np.ndarray  # where the band's points reach zero (NaN where open)
    zero_above: np.ndarray
    lower_is_better: np.ndarray  # bool: the indicator's direction is "lower"
    share: np.ndarray  # qualitative: the share of the points of the grade (NaN without one)
    grade: np.ndarray  # qualitative: the level reached (object; None without one)
    points: np.ndarray  # the points the indicator carries
    per_point: np.ndarray  # deduction: points off per percentage point short (NaN: none)
    floor: np.ndarray  # deduction: the fewest points it leaves (NaN: none)

    def take(self, mask: np.ndarray) -> Evidence:
        """The rows where ``mask`` holds."""
        return Evidence(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})


def _ratio(numerator: np.ndarray, denominator: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), fallback
        )


def _relative_gap(e: Evidence, sign: int) -> np.ndarray:
    """How far the actual falls short of the target, as a share of the target (≥ 0):
    ``sign`` +1 where more is better, −1 where less is."""
    scale = np.abs(np.where(e.target != 0, e.target, 1.0))
    return np.maximum(sign * (e.target - e.actual) / scale, 0.0)


# --------------------------------------------------------------------------- proportional


def _higher_fraction(e: Evidence) -> np.ndarray:
    return np.clip(_ratio(e.actual, e.target, (e.actual >= e.target).astype(float)), 0.0, 1.0)


def _lower_fraction(e: Evidence) -> np.ndarray:
    return np.clip(_ratio(e.target, e.actual, np.ones(len(e.actual))), 0.0, 1.0)


# --------------------------------------------------------------------------- deduction

PERCENTAGE_POINT = 0.01  # a rate's percentage point, the step a deduction counts


def _points_short(e: Evidence) -> np.ndarray:
    """Percentage points the rate falls short of its target (below it, or above it where
    less is better), parts included; 0 at or beyond the target."""
    sign = np.where(e.lower_is_better, -1.0, 1.0)
    return np.maximum(sign * (e.target - e.actual) / PERCENTAGE_POINT, 0.0)


def _deduct_fraction(e: Evidence) -> np.ndarray:
    """The points less ``per_point`` for each percentage point short, never below the
    floor (0 without one), as a share of the points."""
    kept = np.maximum(e.points - e.per_point * _points_short(e), np.nan_to_num(e.floor))
    return np.clip(_ratio(kept, e.points, np.ones(len(kept))), 0.0, 1.0)


def _directed_gap(e: Evidence) -> np.ndarray:
    return np.where(e.lower_is_better, _relative_gap(e, -1), _relative_gap(e, +1))


# --------------------------------------------------------------------------- band


def _below(e: Evidence) -> np.ndarray:
    return ~np.isnan(e.lower) & (e.actual < e.lower)


def _above(e: Evidence) -> np.ndarray:
    return ~np.isnan(e.upper) & (e.actual > e.upper)


def within(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Whether each actual lies inside its band [lower, upper] (NaN: that side open): the
    band rule's test of a band met, for bands other than the one a row was scored on."""
    actual, lower, upper = (np.asarray(x, dtype="float64") for x in (actual, lower, upper))
    return (np.isnan(lower) | (actual >= lower)) & (np.isnan(upper) | (actual <= upper))


def _band_fraction(e: Evidence) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = (e.actual - e.zero_below) / (e.lower - e.zero_below)
        falling = (e.zero_above - e.actual) / (e.zero_above - e.upper)
    return np.clip(np.where(_below(e), rising, np.where(_above(e), falling, 1.0)), 0.0, 1.0)


def _band_reference(e: Evidence) -> np.ndarray:
    """The bound missed, or the actual itself inside the band."""
    return np.where(_below(e), e.lower, np.where(_above(e), e.upper, e.actual))


def _band_shortfall(e: Evidence) -> np.ndarray:
    """Distance beyond the bound missed, relative to that bound (a bound of zero, as in
    "growth ≤ 0", is measured against the distance to where the points reach zero)."""
    bound = _band_reference(e)
    zero = np.where(_below(e), e.zero_below, e.zero_above)
    scale = np.where(bound != 0, np.abs(bound), np.abs(zero - bound))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(_below(e) | _above(e), np.abs(e.actual - bound) / scale, 0.0)


def _band_reads(e: Evidence) -> np.ndarray:
    lower, upper = ~np.isnan(e.lower), ~np.isnan(e.upper)
    return np.where(lower & upper, BETWEEN, np.where(lower, AT_LEAST, AT_MOST)).astype(object)


# --------------------------------------------------------------------------- the registry


def _fill(value: str) -> Callable[[Evidence], np.ndarray]:
    return lambda e: np.full(len(e.actual), value, dtype=object)


def _directed(lower: str, higher: str) -> Callable[[Evidence], np.ndarray]:
    return lambda e: np.where(e.lower_is_better, lower, higher).astype(object)


@dataclass(frozen=True)
class Rule:
    """One way of scoring. ``needs`` names what must be present besides the actual
    ("target", "band") or instead of it ("grade"); ``norm`` marks a floor to pass, which a
    target review does not hold to the region's own history; ``basis`` names how a scoring
    form words the score's arithmetic (the present layer's label ``basis_<basis>``);
    ``takes`` names the catalogue entry the rule reads its parameters from ("band",
    "deduct"), which every indicator scored by it must give."""

    code: str
    needs: str
    norm: bool
    basis: str
    fraction: Callable[[Evidence], np.ndarray]
    met: Callable[[Evidence], np.ndarray]
    shortfall: Callable[[Evidence], np.ndarray]
    reference: Callable[[Evidence], np.ndarray]
    reads: Callable[[Evidence], np.ndarray]
    takes: str | None = None

    @property
    def qualitative(self) -> bool:
        return self.needs == "grade"

    @property
    def needs_target(self) -> bool:
        return self.needs == "target"

    @property
    def needs_band(self) -> bool:
        return self.needs == "band"

    def missing(self, e: Evidence) -> np.ndarray:
        """Why each row cannot be scored ("" where it can): no data, no target, no evidence."""
        if self.qualitative:
            return np.where(np.isnan(e.share), NO_EVIDENCE, "").astype(object)
        gap = np.where(np.isnan(e.actual), NO_DATA, "")
        if self.needs_target:
            gap = np.where((gap == "") & np.isnan(e.target), NO_TARGET, gap)
        return gap.astype(object)


def _pass_met(e: Evidence) -> np.ndarray:
    return np.where(e.lower_is_better, e.actual <= e.target, e.actual >= e.target)


RULES: Mapping[str, Rule] = MappingProxyType(
    {
        r.code: r
        for r in (
            Rule(
                "higher_is_better",
                needs="target",
                norm=False,
                basis="proportional",
                fraction=_higher_fraction,
                met=lambda e: e.actual >= e.target,
                shortfall=lambda e: _relative_gap(e, +1),
                reference=lambda e: e.target,
                reads=_fill(VALUE),
            ),
            Rule(
                "lower_is_better",
                needs="target",
                norm=False,
                basis="inverse",
                fraction=_lower_fraction,
                met=lambda e: e.actual <= e.target,
                shortfall=lambda e: _relative_gap(e, -1),
                reference=lambda e: e.target,
                reads=_fill(AT_MOST),
            ),
            Rule(
                "deduct_per_point",
                needs="target",
                norm=False,
                basis="deduct",
                fraction=_deduct_fraction,
                met=_pass_met,
                shortfall=_directed_gap,
                reference=lambda e: e.target,
                reads=_directed(AT_MOST, AT_LEAST),
                takes="deduct",
            ),
            Rule(
                "band",
                needs="band",
                norm=False,
                basis="band",
                fraction=_band_fraction,
                met=lambda e: within(e.actual, e.lower, e.upper),
                shortfall=_band_shortfall,
                reference=_band_reference,
                reads=_band_reads,
                takes="band",
            ),
            Rule(
                "pass_fail",
                needs="target",
                norm=True,
                basis="pass_fail",
                fraction=lambda e: _pass_met(e).astype(float),
                met=_pass_met,
                shortfall=_directed_gap,
                reference=lambda e: e.target,
                reads=_directed(AT_MOST, AT_LEAST),
            ),
            Rule(
                "qualitative",
                needs="grade",
                norm=False,
                basis="level",
                fraction=lambda e: e.share,
                met=lambda e: e.grade == "achieved",
                shortfall=lambda e: 1.0 - e.share,
                reference=lambda e: np.full(len(e.actual), np.nan),
                reads=_fill(ACHIEVED),
            ),
        )
    }
)


def needs_target(codes: pd.Series) -> pd.Series:
    """Per rule code, whether the rule scores against a target (bool Series)."""
    return codes.map(lambda code: RULES[code].needs_target).astype(bool)


def needs_band(codes: pd.Series) -> pd.Series:
    """Per rule code, whether the rule scores against a band (bool Series)."""
    return codes.map(lambda code: RULES[code].needs_band).astype(bool)


def rule(code: str) -> Rule:
    """The registered rule ``code``; KeyError listing the known ones otherwise."""
    try:
        return RULES[code]
    except KeyError:
        raise KeyError(f"unknown scoring rule {code!r}; known: {', '.join(RULES)}") from None
