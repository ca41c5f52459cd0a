"""Monthly statistics consistent with the simulated flows: people (insured, required to be
insured, contributors, retirees), premiums assessed, benefits due and paid on time, cases,
work-injury determinations, audit findings, the year's satisfaction survey, and the
statistics that are parts of the flows or the balance (prevention spending, skills
subsidies, reserve fund, pooled fund). Each also yields the planned indicator values
targets are set from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sipm_helpers.config.registry import Fund
from sipm_helpers.data.generate.common import BASE_YEAR, MONTHS, _pattern
from sipm_helpers.data.generate.geography import _Pairs
from sipm_helpers.data.generate.kinds import KINDS, LOW_SATISFACTION, Counts, Survey
from sipm_helpers.data.generate.profiles import PATTERNS, POOLED_SHARE, FundProfile
from sipm_helpers.data.generate.scenarios import Scenario

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class _People:
    """Planned numbers of people of one fund, before planted shocks."""

    insured: np.ndarray  # [P, Y, 12]
    coverage: np.ndarray  # [P, Y] insured ÷ population required to be insured
    dependency: np.ndarray | None  # [P, Y] contributors per retiree (pensions)
    per_retiree: np.ndarray | None  # [P, Y] insured per retiree
    heads: np.ndarray  # [P, Y] the benefit's people in December ÷ those of December BASE_YEAR


def _people(profile: FundProfile, pairs: _Pairs, years: tuple[int, ...], rng) -> _People:
    """Insured persons, coverage and (pensions) dependency of the fund's regions."""
    n, ny = len(pairs.codes), len(years)
    t = np.asarray(years, dtype="float64") - BASE_YEAR
    month_t = t[None, :, None] + (np.arange(MONTHS)[None, None, :] + 1 - MONTHS) / MONTHS
    elasticity = 0.8 if profile.employee else -0.3
    insured0 = (
        pairs.population
        * profile.insured_share
        * pairs.wealth**elasticity
        * np.exp(rng.normal(0, 0.05, n))
    )
    growth = profile.insured_growth + rng.normal(0, 0.006, n)
    insured = np.rint(insured0[:, None, None] * (1 + growth[:, None, None]) ** month_t)
    lo, hi = profile.coverage
    coverage = np.clip(
        rng.uniform(lo, hi, n)[:, None]
        + 0.002 * (t - t[0])[None, :]
        + rng.normal(0, 0.002, (n, ny)),
        lo - 0.01,
        0.995,
    )
    heads = (1 + growth[:, None]) ** t[None, :]
    dependency = per_retiree = None
    if profile.dependency is not None:
        level = profile.dependency * np.exp(rng.normal(0, 0.06, n))[:, None]
        dependency = level * (1 + profile.dependency_trend) ** t[None, :]
        per_retiree = 1 + dependency * (1 + profile.suspended_share)
        heads = heads * (1 + level * (1 + profile.suspended_share)) / per_retiree
    return _People(insured, coverage, dependency, per_retiree, heads)


def _drawn(rng, low: float, high: float, sd: float, shape: tuple[int, ...], lo: float, hi: float):
    """[P, Y] a region's level drawn from [low, high), plus yearly noise of σ ``sd``,
    clipped to [lo, hi]."""
    n, ny = shape[:2]
    return np.clip(rng.uniform(low, high, n)[:, None] + rng.normal(0, sd, (n, ny)), lo, hi)


def _statistics(
    fund: Fund,
    profile: FundProfile,
    pairs: _Pairs,
    years: tuple[int, ...],
    own: Sequence[Scenario],
    people: _People,
    income: np.ndarray,
    expenditure: np.ndarray,
    income_multiplier: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Arrays, Arrays]:
    """Monthly statistics of people and cases consistent with the flows, and the planned
    indicator values (collection rate, coverage, …) targets are set from.

    Takes the planned people, the executed income and expenditure [P, Y, 12, K] and the
    planted shocks on income (``income_multiplier``, so premiums assessed follow the planned premium).
    Returns (stats by code, each [P, Y, 12]; plan by name, each [P, Y]).
    """
    shape = (len(pairs.codes), len(years), MONTHS)
    counts = _planted_counts(people, pairs, years, own)
    stats, plan = _people_statistics(profile, people, counts)
    _premiums(fund, profile, income, income_multiplier, stats, plan, rng, shape)
    benefits = (
        expenditure[..., fund.expenditure_items.index("benefits")]
        if "benefits" in fund.expenditure_items
        else expenditure.sum(axis=-1)
    )
    stats["benefits_due"] = np.round(benefits, 2)
    stats["benefits_paid_on_time"] = np.round(stats["benefits_due"] * counts.on_time, 2)
    if profile.inpatient_ratio is not None:
        _inpatient(profile, counts.insured, benefits, stats, plan, rng, shape)
    elif fund.group == "unemployment" or fund.code == "unemployment":
        _unemployed(pairs, stats, plan, rng, shape)
    else:
        stats["beneficiaries"] = np.rint(
            counts.insured * profile.cases_per_insured * np.exp(rng.normal(0, 0.04, shape))
        )
    if "injury_determinations" in fund.statistics:
        _injuries(counts.insured, stats, plan, rng, shape)
    if "audit_findings" in fund.statistics:
        stats.update(_audit(profile, pairs, shape, plan, rng))
    return stats, plan


def _planted_counts(
    people: _People, pairs: _Pairs, years: tuple[int, ...], own: Sequence[Scenario]
) -> Counts:
    """The planned people with the planted scenarios' changes (a coverage drop loses
    contributors; retirees stay)."""
    planned = people.insured
    counts = Counts(
        planned=planned,
        insured=planned.copy(),
        target_population=np.rint(planned / people.coverage[:, :, None]),
        on_time=np.ones(planned.shape),
    )
    index = {c: i for i, c in enumerate(pairs.codes)}
    for s in own:
        if (hook := KINDS[s.kind].people) is not None:
            hook((index[s.region], years.index(s.year)), counts)
    return counts


def _people_statistics(
    profile: FundProfile, people: _People, counts: Counts
) -> tuple[Arrays, Arrays]:
    """Insured, required to be insured, contributors and (pensions) retirees."""
    stats: Arrays = {"insured": counts.insured, "target_population": counts.target_population}
    plan: Arrays = {"coverage": people.coverage, "insured": counts.planned[:, :, -1]}
    if people.dependency is not None and people.per_retiree is not None:
        retirees = np.rint(counts.planned / people.per_retiree[:, :, None])
        stats["retirees"] = retirees
        lost = counts.planned - counts.insured
        stats["contributors"] = np.maximum(
            np.rint(retirees * people.dependency[:, :, None]) - lost, 0.0
        )
        plan["dependency"] = people.dependency
    else:
        stats["contributors"] = np.rint(counts.insured * profile.contributor_share)
    return stats, plan


def _premiums(
    fund: Fund,
    profile: FundProfile,
    income: np.ndarray,
    income_multiplier: np.ndarray,
    stats: Arrays,
    plan: Arrays,
    rng: np.random.Generator,
    shape: tuple[int, int, int],
) -> None:
    """Premiums assessed (and the contribution base) from the planned premium and a
    region's collection rate: a shortfall lowers collection."""
    collection = _drawn(rng, *profile.collection, 0.003, shape, 0.9, 0.995)
    plan["collection"] = collection
    items = fund.income_items
    if "premium" not in items:
        return
    k = items.index("premium")
    mult = income_multiplier[..., k]
    planned_premium = np.where(mult > 0, income[..., k] / np.where(mult > 0, mult, 1.0), 0.0)
    monthly_rate = np.minimum(collection[:, :, None] * np.exp(rng.normal(0, 0.008, shape)), 0.999)
    stats["premiums_assessed"] = np.round(planned_premium / monthly_rate, 2)
    if profile.contribution_rate:
        stats["contribution_base"] = np.round(
            stats["premiums_assessed"] / profile.contribution_rate, 2
        )


def _inpatient(
    profile: FundProfile,
    insured: np.ndarray,
    benefits: np.ndarray,
    stats: Arrays,
    plan: Arrays,
    rng: np.random.Generator,
    shape: tuple[int, int, int],
) -> None:
    """Medical funds: policy-scope inpatient costs and the fund's part of them, and cases
    following the benefits' season."""
    n, ny, _ = shape
    ratio = rng.uniform(*profile.inpatient_ratio, n)[:, None] + rng.normal(0, 0.003, (n, ny))
    share = profile.inpatient_share * np.exp(rng.normal(0, 0.05, n))
    paid = np.round(benefits * share[:, None, None] * np.exp(rng.normal(0, 0.02, shape)), 2)
    stats["inpatient_fund_paid"] = paid
    stats["inpatient_policy_costs"] = np.round(
        paid / (ratio[:, :, None] * np.exp(rng.normal(0, 0.004, shape))), 2
    )
    plan["inpatient_ratio"] = ratio
    season = _pattern(profile.benefit_pattern)[None, None, :]
    stats["beneficiaries"] = np.rint(
        insured * profile.cases_per_insured * season * np.exp(rng.normal(0, 0.03, shape))
    )


def _unemployed(
    pairs: _Pairs, stats: Arrays, plan: Arrays, rng: np.random.Generator, shape
) -> None:
    """Unemployment: the registered unemployed (0.6–1.1 % of the population, seasonal),
    those receiving the benefit, and cases."""
    n = shape[0]
    rate = rng.uniform(0.006, 0.011, n)
    registered = np.rint(
        pairs.population[:, None, None]
        * rate[:, None, None]
        * _pattern(PATTERNS.monthly["registered_unemployed"])[None, None, :]
        * np.exp(rng.normal(0, 0.02, shape))
    )
    cover = _drawn(rng, 0.45, 0.65, 0.015, shape, 0.3, 0.9)
    recipients = np.rint(registered * cover[:, :, None])
    stats["registered_unemployed"] = registered
    stats["unemployment_benefit_recipients"] = recipients
    stats["beneficiaries"] = np.rint(recipients * rng.uniform(1.02, 1.12, shape))
    plan["benefit_coverage"] = cover


def _injuries(
    insured: np.ndarray, stats: Arrays, plan: Arrays, rng: np.random.Generator, shape
) -> None:
    """Work-injury determinations (0.37 % of the insured a year) and those on time."""
    determinations = rng.poisson(insured * 0.0037 / MONTHS).astype("float64")
    timely = _drawn(rng, 0.975, 0.998, 0.002, shape, 0, 1)
    stats["injury_determinations"] = determinations
    stats["injury_determinations_on_time"] = rng.binomial(
        determinations.astype("int64"), np.broadcast_to(timely[:, :, None], shape)
    ).astype("float64")
    plan["injury_timeliness"] = timely


def _cross_province(
    fund: Fund, profile: FundProfile, insured: np.ndarray, plan: Arrays, rng: np.random.Generator
) -> Arrays:
    """Cross-province inpatient cases (``cross_province_cases`` a year per insured) and
    those settled directly, at a region's rate drawn from ``cross_province_settled``, for a
    fund that reports them; adds the planned rate to ``plan``. ``rng`` is the generator's
    own stream, so the other statistics stay as they were drawn."""
    if profile.cross_province_settled is None or "cross_province_settled" not in fund.statistics:
        return {}
    shape = insured.shape
    cases = rng.poisson(insured * profile.cross_province_cases / MONTHS).astype("float64")
    rate = _drawn(rng, *profile.cross_province_settled, 0.01, shape, 0, 1)
    settled = rng.binomial(cases.astype("int64"), np.broadcast_to(rate[:, :, None], shape))
    plan["cross_province_rate"] = rate
    return {"cross_province_cases": cases, "cross_province_settled": settled.astype("float64")}


def _survey(
    fund: Fund,
    profile: FundProfile,
    own: Sequence[Scenario],
    index: dict[str, int],
    years: tuple[int, ...],
    shape: tuple[int, int, int],
    rng: np.random.Generator,
) -> Arrays:
    """The year's satisfaction survey of each region, in the month it closes
    (``survey_month``; NaN in the other months: no rows): persons asked, valid responses
    and those satisfied or fairly satisfied, at a region's rate drawn from ``survey_rate``.
    An outcome that names satisfaction lowers the rate to ``LOW_SATISFACTION``; a kind's
    ``survey`` hook takes the survey away or shrinks it. ``rng`` is the survey's own
    stream, so the other statistics stay as they were drawn."""
    if "survey_satisfied" not in fund.statistics:
        return {}
    n, ny, _ = shape
    asked = np.rint(rng.uniform(*profile.survey_asked, (n, ny)))
    valid = np.floor(asked * rng.uniform(*profile.survey_valid, (n, ny)))
    survey = Survey(asked, valid, _drawn(rng, *profile.survey_rate, 0.01, shape, 0, 1))
    for s in own:
        at = (index[s.region], years.index(s.year))
        kind = KINDS[s.kind]
        if kind.not_achieved is not None and "satisfaction" in kind.not_achieved(s):
            survey.rate[at] = LOW_SATISFACTION
        if kind.survey is not None:
            kind.survey(at, survey)
    satisfied = np.where(np.isnan(survey.valid), np.nan, 0.0)
    known = ~np.isnan(survey.valid)
    satisfied[known] = rng.binomial(survey.valid[known].astype("int64"), survey.rate[known])
    month = np.full(shape, np.nan)
    month[:, :, int(profile.survey_month) - 1] = 1.0
    counts = {"survey_surveyed": survey.asked, "survey_valid": survey.valid}
    counts["survey_satisfied"] = satisfied
    return {name: month * values[:, :, None] for name, values in counts.items()}


def _audit(
    profile: FundProfile, pairs: _Pairs, shape: tuple[int, int, int], plan: dict, rng
) -> Arrays:
    """Audit and inspection findings (a few to a few dozen a year, more in big regions and
    in the second and third quarters) and those rectified: all of them in four fund-years
    of five, otherwise 90–99 %. Rectified to date = rate × found to date, rounded, so no
    month rectifies more than it finds. Adds the planned rate targets come from to ``plan``."""
    n, ny, _ = shape
    yearly = profile.audit_findings * np.exp(rng.normal(0, 0.35, n))
    yearly = np.clip(yearly * (pairs.population / 4e6) ** 0.35, 2.0, 45.0)
    season = _pattern(PATTERNS.monthly["audit_findings"])[None, None, :]
    found = rng.poisson(yearly[:, None, None] * season / MONTHS * np.ones(shape)).astype("float64")
    rate = np.where(rng.random((n, ny)) < 0.8, 1.0, rng.uniform(0.9, 0.99, (n, ny)))
    to_date = np.floor(rate[:, :, None] * np.cumsum(found, axis=2) + 0.5)
    rectified = np.diff(to_date, axis=2, prepend=0.0)
    plan["rectification_target"] = np.broadcast_to(
        rng.choice([0.9, 0.95, 1.0], n, p=[0.65, 0.25, 0.1])[:, None], (n, ny)
    )
    return {"audit_findings": found, "audit_findings_rectified": rectified}


# --------------------------------------------------------------------------- money


def _money_statistics(
    fund: Fund,
    years: tuple[int, ...],
    income: np.ndarray,
    expenditure: np.ndarray,
    balance_end: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Arrays, Arrays]:
    """Statistics that are parts of the flows or the balance, monthly [P, Y, 12]:

    - prevention_spending (work injury): 1.2–2.4 % of the year's premium income, paid out
      of other expenditure and following it month by month (at most 80 % of it);
    - skills_subsidies (unemployment): 5.5–11 % of the year's expenditure, also paid out
      of other expenditure (at most 80 % of it);
    - reserve_fund (work injury, a stock): 13–24 % of the year's expenditure at the end of
      the year, built up evenly from the previous year end, never above 80 % of the balance.

    Returns (stats, plan), plan with the planned skills share [P, Y].
    """
    n, ny = income.shape[:2]
    stats: Arrays = {}
    plan: Arrays = {}
    inc, exp = fund.income_items, fund.expenditure_items
    other = (
        expenditure[..., exp.index("other_expenditure")]
        if "other_expenditure" in exp
        else np.zeros((n, ny, MONTHS))
    )
    spent_year = expenditure.sum(axis=(2, 3))
    if "prevention_spending" in fund.statistics:
        premium = income[..., inc.index("premium")].sum(axis=2) if "premium" in inc else 0.0
        share = _drawn(rng, 0.012, 0.024, 0.0015, (n, ny), 0.006, 0.028)
        stats["prevention_spending"] = _part_of_other(other, share * premium)
    if "skills_subsidies" in fund.statistics:
        share = _drawn(rng, 0.055, 0.11, 0.004, (n, ny), 0.03, 0.15)
        stats["skills_subsidies"] = _part_of_other(other, share * spent_year)
        plan["skills_share"] = share
    if "reserve_fund" in fund.statistics:
        stats["reserve_fund"] = _reserve_fund(spent_year, balance_end, rng)
    if "pooled_fund_balance" in fund.statistics:
        stats.update(_pooled_fund(income, expenditure, balance_end, rng))
    return stats, plan


def _part_of_other(other: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """[P, Y, 12] ``annual`` ([P, Y], at most 80 % of the year's other expenditure) paid
    out of other expenditure, month by month as it is."""
    other_year = other.sum(axis=2)
    annual = np.minimum(annual, 0.8 * other_year)
    scale = annual / np.where(other_year > 0, other_year, 1.0)
    return np.round(other * scale[:, :, None], 2)


def _reserve_fund(
    spent_year: np.ndarray, balance_end: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """[P, Y, 12] the work-injury reserve fund: a share of the year's expenditure at the
    year end, built up evenly from the previous year end, at most 80 % of the balance."""
    ratio = _drawn(rng, 0.13, 0.24, 0.008, spent_year.shape, 0.1, 0.3)
    year_end = ratio * spent_year
    before = np.c_[year_end[:, :1] / (1 + 0.05), year_end[:, :-1]]
    step = (np.arange(MONTHS) + 1) / MONTHS
    level = before[:, :, None] + (year_end - before)[:, :, None] * step[None, None, :]
    return np.round(np.minimum(level, 0.8 * np.maximum(balance_end, 0.0)), 2)


def _pooled_fund(
    income: np.ndarray, expenditure: np.ndarray, balance_end: np.ndarray, rng
) -> Arrays:
    """The pooled fund's part of an employees' medical fund, monthly [P, Y, 12]: a region's
    share of the expenditure (``POOLED_SHARE``), of the balance about the same (so the
    pooled fund covers about as many months as the whole), and its income from the
    balance's change. The personal accounts are the rest."""
    n = income.shape[0]
    spend = rng.uniform(*POOLED_SHARE, n)[:, None, None]
    keep = spend * rng.uniform(0.97, 1.04, n)[:, None, None]
    month_in, month_out = income.sum(axis=3), expenditure.sum(axis=3)
    pooled_out = np.round(month_out * spend, 2)
    balance = np.round(np.maximum(balance_end, 0.0) * keep, 2)
    flat = balance.reshape(n, -1)
    before = np.c_[
        flat[:, :1] - (month_in - month_out).reshape(n, -1)[:, :1] * keep[:, 0], flat[:, :-1]
    ]
    pooled_in = np.clip(flat - before + pooled_out.reshape(n, -1), 0.0, month_in.reshape(n, -1))
    return {
        "pooled_fund_income": np.round(pooled_in.reshape(balance.shape), 2),
        "pooled_fund_expenditure": pooled_out,
        "pooled_fund_balance": balance,
    }
