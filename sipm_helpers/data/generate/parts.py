"""Statistics that count a whole and the part of it done as the rules ask (maternity
allowance paid on time, DRG/DIP payments, misused funds recovered, people in hardship
assisted, recipients certified, higher contribution grades, contributions paid on
behalf, job-retention refunds on time, work-capacity appraisals on time): each a
registered :class:`Part`, drawn on a stream of its own so that the other statistics stay
as they were drawn. A fund's profile says which it reports and at what rate
(``parts`` in fund_profiles.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from sipm_helpers.data.generate.common import MONTHS, _rng

Arrays = dict[str, np.ndarray]

MONEY, PEOPLE, CASES = "money", "people", "cases"


@dataclass(frozen=True)
class Part:
    """A statistic ``part`` that cannot exceed ``whole``; the whole is ``per`` × the
    statistic ``base`` (a flow of money, a stock of people, or cases a year per person),
    or, where ``base`` is None, a statistic the fund reports already."""

    part: str
    whole: str
    base: str | None
    kind: str  # MONEY: amounts in 10,000 yuan; PEOPLE: a stock; CASES: a yearly rate per head


@dataclass(frozen=True)
class PartProfile:
    """A fund's rate of one part: a region's level drawn from ``rate`` [low, high), and the
    whole per unit of the base (``per``; unused where the whole is reported already)."""

    rate: tuple[float, float]
    per: float


PARTS: Mapping[str, Part] = MappingProxyType(
    {
        p.part: p
        for p in (
            Part("maternity_allowance_paid_on_time", "maternity_allowance_due", "benefits_due", MONEY),
            Part("drg_dip_fund_paid", "inpatient_fund_paid", None, MONEY),
            Part("misused_funds_recovered", "misused_funds_found", "benefits_due", MONEY),
            Part("hardship_assisted", "hardship_entitled", "insured", PEOPLE),
            Part("recipients_certified", "retirees", None, PEOPLE),
            Part("higher_grade_contributors", "contributors", None, PEOPLE),
            Part("paid_on_behalf", "on_behalf_entitled", "contributors", PEOPLE),
            Part("retention_refunds_on_time", "retention_refunds_approved", "premiums_assessed", MONEY),
            Part("capacity_appraisals_on_time", "capacity_appraisals", "insured", CASES),
        )
    }
)  # fmt: skip


def _whole(part: Part, per: float, stats: Arrays, rng: np.random.Generator) -> np.ndarray:
    """[P, Y, 12] the whole a part is counted against."""
    if part.base is None:
        return stats[part.whole]
    base = stats[part.base]
    if part.kind == CASES:
        return rng.poisson(base * per / MONTHS).astype("float64")
    noisy = base * per * np.exp(rng.normal(0, 0.03, base.shape))
    return np.round(noisy, 2) if part.kind == MONEY else np.rint(noisy)


def _one(part: Part, spec: PartProfile, stats: Arrays, rng: np.random.Generator):
    """(the whole, the part, the region's planned rate [P, Y]) of one part."""
    whole = _whole(part, spec.per, stats, rng)
    n, ny = whole.shape[:2]
    low, high = spec.rate
    noise = rng.normal(0, (high - low) / 10, (n, ny))
    rate = np.clip(rng.uniform(low, high, n)[:, None] + noise, 0, 1)
    share = np.broadcast_to(rate[:, :, None], whole.shape)
    if part.kind == CASES:
        done = rng.binomial(whole.astype("int64"), share).astype("float64")
    elif part.kind == MONEY:
        done = np.minimum(np.round(whole * share, 2), whole)
    else:
        done = np.minimum(np.rint(whole * share), whole)
    return whole, done, rate


def draw_parts(
    statistics: tuple[str, ...],
    profile: Mapping[str, PartProfile],
    stats: Arrays,
    plan: Arrays,
    seed: int,
    fund: str,
) -> Arrays:
    """The parts a fund reports (its registry ``statistics``) and has a rate for in its
    ``profile``, each with its whole where that is new, from ``stats`` (the statistics drawn
    so far); adds each planned rate to ``plan`` as ``part_<name>``."""
    out: Arrays = {}
    for name, spec in profile.items():
        part = PARTS[name]
        if name not in statistics or (part.base or part.whole) not in stats:
            continue
        whole, done, rate = _one(part, spec, stats, _rng(seed, "part", fund, name))
        if part.base is not None:
            out[part.whole] = whole
        out[name] = done
        plan[f"part_{name}"] = rate
    return out
