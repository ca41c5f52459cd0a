"""One fund's money, simulated for all its coordinating regions at once: expected
expenditure, the mix of line items, their monthly patterns and noise, the balance steered
along its usual months of expenditure, the planted shocks, and the resulting monthly
income, expenditure and balances (the monthly identity holds exactly on the rounded
amounts). The statistics follow the flows (:mod:`.statistics`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sipm_helpers.config.catalogue import Catalogue
from sipm_helpers.config.policy import Policy
from sipm_helpers.config.registry import Fund
from sipm_helpers.data.generate.common import BASE_YEAR, MONTHS, _pattern, _rng
from sipm_helpers.data.generate.geography import _Pairs
from sipm_helpers.data.generate.kinds import KINDS, Flows
from sipm_helpers.data.generate.parts import draw_parts
from sipm_helpers.data.generate.profiles import (
    NEW_RETIREE_PREMIUM,
    PATTERNS,
    FundProfile,
    fund_profile,
)
from sipm_helpers.data.generate.scenarios import Scenario
from sipm_helpers.data.generate.shortfall import _fall_short, _Shortfall
from sipm_helpers.data.generate.statistics import (
    _cross_province,
    _money_statistics,
    _People,
    _people,
    _statistics,
    _survey,
)

RETURN_ITEMS = frozenset({"interest", "investment_income"})  # earn a return on the balance


@dataclass(frozen=True)
class _FundData:
    """One fund's simulated arrays over its P coordinating regions, Y years and 12 months."""

    fund: Fund
    pairs: _Pairs
    income: np.ndarray  # [P, Y, 12, Ki] executed
    expenditure: np.ndarray  # [P, Y, 12, Ke] executed
    balance_start: np.ndarray  # [P, Y]
    balance_end: np.ndarray  # [P, Y, 12]
    planned_income: np.ndarray  # [P, Y, Ki] annual, before planted shocks
    planned_expenditure: np.ndarray  # [P, Y, Ke]
    stats: dict[str, np.ndarray]  # stat -> [P, Y, 12]
    plan: dict[str, np.ndarray]  # planned indicator values -> [P, Y]
    months_path: np.ndarray  # [P, Y] months of expenditure the balance is steered to
    shortfall: _Shortfall  # how far each region's year fell short of its plan


@dataclass(frozen=True)
class _Mix:
    """How a fund's money is made up: each region's shares of the line items, their
    monthly patterns and noise."""

    income_share: np.ndarray  # [P, Ki]
    expenditure_share: np.ndarray  # [P, Ke]
    income_pattern: np.ndarray  # [Ki, 12]
    expenditure_pattern: np.ndarray  # [Ke, 12]
    income_noise: np.ndarray  # [P, Y, 12, Ki]
    expenditure_noise: np.ndarray  # [P, Y, 12, Ke]


@dataclass(frozen=True)
class _Earning:
    """Interest and investment income earn a return on the balance; the other items share
    the rest of the income needed."""

    split: np.ndarray  # [P, Ki] shares of the return among the earning items
    has_return: np.ndarray  # [P] bool
    rest_share: np.ndarray  # [P, Ki] shares of the rest among the other items
    rate: np.ndarray  # [P, Y] return ÷ mean balance


@dataclass(frozen=True)
class _Money:
    """The simulated flows and balances."""

    income: np.ndarray  # [P, Y, 12, Ki] executed
    expenditure: np.ndarray  # [P, Y, 12, Ke] executed
    planned_income: np.ndarray  # [P, Y, Ki] annual, before planted shocks
    planned_expenditure: np.ndarray  # [P, Y, Ke]
    balance_start: np.ndarray  # [P, Y]
    balance_end: np.ndarray  # [P, Y, 12]

    @classmethod
    def zeros(cls, n: int, ny: int, ki: int, ke: int) -> _Money:
        return cls(
            income=np.zeros((n, ny, MONTHS, ki)),
            expenditure=np.zeros((n, ny, MONTHS, ke)),
            planned_income=np.zeros((n, ny, ki)),
            planned_expenditure=np.zeros((n, ny, ke)),
            balance_start=np.zeros((n, ny)),
            balance_end=np.zeros((n, ny, MONTHS)),
        )


# --------------------------------------------------------------------------- the fund


def _simulate(
    fund: Fund,
    pairs: _Pairs,
    years: tuple[int, ...],
    scenarios: Sequence[Scenario],
    seed: int,
    shortfall: _Shortfall,
    benefit_growth: np.ndarray | None = None,
) -> _FundData:
    """Simulate one fund's flows, balances and statistics for all its coordinating regions.
    ``shortfall`` says how far each region's year fell short of its plan (its statistics
    show it). ``benefit_growth`` ([Y], optional) is the policy's growth of the benefit per
    head each year (a pension adjustment): each region's benefits per head then grow by it
    plus the region's own premium of new retirees' higher pensions."""
    profile = fund_profile(fund)
    rng = _rng(seed, "fund", fund.code)
    index = {c: i for i, c in enumerate(pairs.codes)}
    own = [s for s in scenarios if s.fund == fund.code and s.region in index and s.year in years]
    people = _people(profile, pairs, years, _rng(seed, "people", fund.code))
    expected = _expected_expenditure(profile, pairs, years, people, benefit_growth, rng)
    mix = _mix(fund, profile, own, index, len(years), rng)
    path = _months_path(profile, own, pairs.codes, years, rng)
    earning = _earning(fund.income_items, mix.income_share, profile, len(years), rng)
    plan: dict[str, np.ndarray] = {"return_rate": earning.rate}
    plan.update(_subsidy_timing(fund.income_items, mix, rng))
    _even_out_years(mix)
    flows = _shocks(fund, own, index, years, mix)
    money = _run_years(expected, path, mix, earning, flows, profile)
    plan["other_share"] = _planned_share(
        money.planned_expenditure, fund.expenditure_items, "other_expenditure"
    )
    plan["subsidy_share"] = _planned_share(
        money.planned_income, fund.income_items, "fiscal_subsidy"
    )
    stats = _fund_statistics(fund, profile, pairs, years, own, people, money, flows, plan, rng)
    stats.update(
        _cross_province(fund, profile, stats["insured"], plan, _rng(seed, "cross", fund.code))
    )
    shape = stats["insured"].shape
    stats.update(_survey(fund, profile, own, index, years, shape, _rng(seed, "survey", fund.code)))
    stats.update(draw_parts(fund.statistics, profile.parts, stats, plan, seed, fund.code))
    stats = {s: stats[s] for s in fund.statistics if s in stats}
    _fall_short(stats, plan, shortfall)
    return _FundData(
        fund=fund,
        pairs=pairs,
        income=money.income,
        expenditure=money.expenditure,
        balance_start=money.balance_start,
        balance_end=money.balance_end,
        planned_income=money.planned_income,
        planned_expenditure=money.planned_expenditure,
        stats=stats,
        plan=plan,
        months_path=path[:, 1:],
        shortfall=shortfall,
    )


def _fund_statistics(
    fund: Fund,
    profile: FundProfile,
    pairs: _Pairs,
    years: tuple[int, ...],
    own: Sequence[Scenario],
    people: _People,
    money: _Money,
    flows: Flows,
    plan: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The fund's statistics (in the registry's order), following its flows; adds the
    planned values targets are set from to ``plan``."""
    stats, more = _statistics(
        fund, profile, pairs, years, own, people, money.income, money.expenditure, flows.income, rng
    )
    plan.update(more)
    extra, more = _money_statistics(
        fund, years, money.income, money.expenditure, money.balance_end, rng
    )
    stats.update(extra)
    plan.update(more)
    return {s: stats[s] for s in fund.statistics if s in stats}


def _expected_expenditure(
    profile: FundProfile,
    pairs: _Pairs,
    years: tuple[int, ...],
    people: _People,
    benefit_growth: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """[P, Y] expected expenditure: a region's level (population × national spending per
    inhabitant × wealth) times its trend — benefits per head growing by the policy's
    adjustment plus new retirees' premium, by the profile's per-head range, or the fund as
    a whole by its growth — times a random walk."""
    n, ny = len(pairs.codes), len(years)
    t = np.asarray(years, dtype="float64") - BASE_YEAR
    level = (
        pairs.population
        * profile.expenditure_per_capita
        * pairs.wealth**profile.wealth_elasticity
        * np.exp(rng.normal(0.0, 0.06, n))
    )
    drift = np.exp(np.cumsum(rng.normal(0.0, profile.drift, (n, ny)), axis=1))
    if benefit_growth is not None:
        premium = rng.uniform(*NEW_RETIREE_PREMIUM, n)
        trend = _compound(benefit_growth[None, :] + premium[:, None], years) * people.heads
    elif profile.per_head_growth is not None:
        per_head = rng.uniform(*profile.per_head_growth, n)
        trend = (1 + per_head[:, None]) ** t[None, :] * people.heads
    else:
        trend = np.broadcast_to((1 + profile.growth) ** t[None, :], (n, ny))
    return level[:, None] * trend * drift


# --------------------------------------------------------------------------- the mix


def _shares(
    items: tuple[str, ...], given: tuple[tuple[str, float], ...], rest: str, rng, n: int
) -> np.ndarray:
    """[n, K] shares of ``items`` (noisy around ``given``); ``rest`` takes what is left."""
    base = dict(given)
    out = np.zeros((n, len(items)))
    for k, item in enumerate(items):
        if item != rest and base.get(item, 0.0) > 0:
            spread = PATTERNS.share_spread.get(item, PATTERNS.default_share_spread)
            out[:, k] = base[item] * np.exp(rng.normal(0.0, spread, n))
    if rest in items:
        out[:, items.index(rest)] = np.maximum(1.0 - out.sum(axis=1), 0.05)
    return out / out.sum(axis=1, keepdims=True)


def _item_patterns(items: tuple[str, ...], profile: FundProfile) -> np.ndarray:
    """[K, 12] monthly pattern of each item."""
    special = {
        "premium": profile.premium_pattern,
        "benefits": profile.benefit_pattern,
        "other_expenditure": profile.other_expenditure_pattern,
    }
    return np.stack(
        [_pattern(special.get(i) or PATTERNS.items.get(i, PATTERNS.flat)) for i in items]
    )


def _item_noise(
    items: tuple[str, ...], profile: FundProfile, rng, shape: tuple[int, ...]
) -> np.ndarray:
    """Lognormal monthly noise factors, [*shape, K]."""
    sigma = np.array(
        [
            profile.benefit_noise
            if i == "benefits"
            else PATTERNS.noise.get(i, PATTERNS.default_noise)
            for i in items
        ]
    )
    return np.exp(rng.normal(0.0, 1.0, (*shape, len(items))) * sigma)


def _mix(
    fund: Fund,
    profile: FundProfile,
    own: Sequence[Scenario],
    index: dict[str, int],
    ny: int,
    rng: np.random.Generator,
) -> _Mix:
    """The regions' shares of the line items (a structure scenario changes a region's
    income mix), their monthly patterns and noise."""
    n = len(index)
    inc_items, exp_items = fund.income_items, fund.expenditure_items
    inc_share = _shares(inc_items, profile.income_shares, "premium", rng, n)
    for s in own:
        if (hook := KINDS[s.kind].income_shares) is not None:
            hook(inc_share, inc_items, index[s.region])
    exp_share = _shares(exp_items, profile.expenditure_shares, "benefits", rng, n)
    return _Mix(
        income_share=inc_share,
        expenditure_share=exp_share,
        income_pattern=_item_patterns(inc_items, profile),
        expenditure_pattern=_item_patterns(exp_items, profile),
        income_noise=_item_noise(inc_items, profile, rng, (n, ny, MONTHS)),
        expenditure_noise=_item_noise(exp_items, profile, rng, (n, ny, MONTHS)),
    )


def _earning(
    items: tuple[str, ...], share: np.ndarray, profile: FundProfile, ny: int, rng
) -> _Earning:
    """The return on the balance and how it and the rest of the income are split."""
    n = share.shape[0]
    earning = np.array([i in RETURN_ITEMS for i in items])
    split = np.where(earning, share, 0.0)
    has_return = split.sum(axis=1) > 0
    split = split / np.where(has_return, split.sum(axis=1), 1.0)[:, None]
    rest_share = np.where(earning, 0.0, share)
    rest_share = rest_share / rest_share.sum(axis=1, keepdims=True)
    rate = rng.uniform(*profile.return_rate, n)[:, None] + rng.normal(0, 8e-4, (n, ny))
    return _Earning(split, has_return, rest_share, rate)


def _subsidy_timing(items: tuple[str, ...], mix: _Mix, rng) -> dict[str, np.ndarray]:
    """Each region's September subsidy tranche is bigger or smaller; December evens it out
    (changes the income noise in place). Returns the planned share by September."""
    if "fiscal_subsidy" not in items:
        return {}
    n, ny = mix.income_noise.shape[:2]
    k = items.index("fiscal_subsidy")
    pat = mix.income_pattern[k]
    u = rng.uniform(*PATTERNS.fiscal_september, n)
    timing = np.ones((n, MONTHS))
    timing[:, 8] = u
    timing[:, 11] = 1 + (1 - u) * pat[8] / pat[11]
    mix.income_noise[..., k] *= timing[:, None, :]
    q3 = (pat[:9] * timing[:, :9]).sum(axis=1) / MONTHS
    return {"subsidy_by_september": np.broadcast_to(q3[:, None], (n, ny))}


def _even_out_years(mix: _Mix) -> None:
    """Monthly income varies, but each item's year adds up to what was planned: the income
    needed is steered each year, so annual noise would only echo into the next year."""
    noise = mix.income_noise  # changed in place
    weights = mix.income_pattern.T[None, None] * noise
    noise /= (
        weights.sum(axis=2, keepdims=True) / mix.income_pattern.sum(axis=1)[None, None, None, :]
    )


def _shocks(
    fund: Fund, own: Sequence[Scenario], index: dict[str, int], years: tuple[int, ...], mix: _Mix
) -> Flows:
    """The planted shocks on executed amounts: multipliers of the planned months."""
    n, ny = mix.income_noise.shape[:2]
    inc_items, exp_items = fund.income_items, fund.expenditure_items
    flows = Flows(
        income_items=inc_items,
        expenditure_items=exp_items,
        income=np.ones((n, ny, MONTHS, len(inc_items))),
        expenditure=np.ones((n, ny, MONTHS, len(exp_items))),
        income_pattern=mix.income_pattern,
        income_noise=mix.income_noise,
    )
    for s in own:
        if (shock := KINDS[s.kind].shock) is not None:
            shock(s, (index[s.region], years.index(s.year)), flows)
    return flows


# --------------------------------------------------------------------------- balances


def _months_path(
    profile: FundProfile, scenarios: Sequence[Scenario], codes: tuple[str, ...], years, rng
) -> np.ndarray:
    """[P, Y+1] months of expenditure the balance covers at each year end (column 0: the
    end of the year before the first): each region's usual level (rising by the fund's
    ``months_trend`` and ``months_curve``) plus an autoregressive deviation. A scenario
    kind's ``months_path`` hook bends it (a low reserve falls ever faster over the four
    years before its year, an excess rises)."""
    n, y = len(codes), len(years)
    lo, hi = profile.months
    usual = rng.uniform(lo, hi, n)
    t = np.arange(years[0] - 1, years[-1] + 1, dtype="float64") - BASE_YEAR
    deviation = np.empty((n, y + 1))
    deviation[:, 0] = rng.normal(0.0, 0.02 * (hi - lo), n)
    steps = rng.normal(0.0, profile.months_noise, (n, y)) * usual[:, None]
    for j in range(y):
        deviation[:, j + 1] = 0.7 * deviation[:, j] + steps[:, j]
    trend = profile.months_trend * t + profile.months_curve * np.clip(t, -3.0, 3.0) ** 2
    path = usual[:, None] + trend[None, :] + deviation
    index = {c: i for i, c in enumerate(codes)}
    for s in scenarios:
        hook = KINDS[s.kind].months_path
        if hook is not None and s.year in years:
            hook(path, index[s.region], years.index(s.year) + 1)
    return path


def _run_years(
    expected: np.ndarray,
    path: np.ndarray,
    mix: _Mix,
    earning: _Earning,
    flows: Flows,
    profile: FundProfile,
) -> _Money:
    """Year by year: the expenditure, the income that steers the year-end balance to the
    path, and the monthly balances."""
    n, ny = expected.shape
    money = _Money.zeros(n, ny, mix.income_share.shape[1], mix.expenditure_share.shape[1])
    first_growth = expected[:, 1] / expected[:, 0] if ny > 1 else 1 + profile.growth
    previous_year = expected[:, 0] / first_growth
    opening = np.round(path[:, 0] * previous_year / MONTHS, 2)
    for y in range(ny):
        spent = _spend(y, expected, mix, flows, money)
        # Months of the expected expenditure: its noise is not amplified into the income.
        closing = path[:, y + 1] * expected[:, y] / MONTHS
        _earn(y, opening, closing, spent, mix, earning, flows, money)
        net = money.income[:, y].sum(axis=2) - money.expenditure[:, y].sum(axis=2)
        money.balance_start[:, y] = opening
        money.balance_end[:, y] = np.round(opening[:, None] + np.cumsum(net, axis=1), 2)
        opening = money.balance_end[:, y, -1]
    return money


def _spend(y: int, expected: np.ndarray, mix: _Mix, flows: Flows, money: _Money) -> np.ndarray:
    """Year ``y``'s planned and executed expenditure; returns [P] the executed total."""
    months = (
        expected[:, y, None, None]
        * mix.expenditure_share[:, None, :]
        * mix.expenditure_pattern.T[None]
        / MONTHS
    )
    months = months * mix.expenditure_noise[:, y]
    money.planned_expenditure[:, y] = np.round(months, 2).sum(axis=1)
    money.expenditure[:, y] = np.round(months * flows.expenditure[:, y], 2)
    return money.expenditure[:, y].sum(axis=(1, 2))


def _earn(
    y: int,
    opening: np.ndarray,
    closing: np.ndarray,
    spent: np.ndarray,
    mix: _Mix,
    earning: _Earning,
    flows: Flows,
    money: _Money,
) -> None:
    """Year ``y``'s planned and executed income: what takes the balance from ``opening``
    to ``closing`` (at least 30 % of the expenditure), the return on the balance first."""
    needed = np.maximum(closing - opening + spent, 0.3 * spent)
    earned = earning.rate[:, y] * np.maximum(opening + closing, 0.0) / 2 * earning.has_return
    rest = np.maximum(needed - earned, 0.3 * spent)
    annual = earned[:, None] * earning.split + rest[:, None] * earning.rest_share
    months = annual[:, None, :] * mix.income_pattern.T[None] / MONTHS * mix.income_noise[:, y]
    money.planned_income[:, y] = np.round(months, 2).sum(axis=1)
    money.income[:, y] = np.round(months * flows.income[:, y], 2)


# --------------------------------------------------------------------------- growth


def _compound(growth: np.ndarray, years: tuple[int, ...]) -> np.ndarray:
    """[P, Y] level of something growing by ``growth`` ([P, Y]) each year, 1 at
    ``BASE_YEAR`` (extrapolated at the nearest year's growth where it lies outside)."""
    logs = np.log1p(growth)
    level = np.cumsum(logs, axis=1) - logs[:, :1]  # 0 in the first year
    if BASE_YEAR in years:
        base = level[:, years.index(BASE_YEAR)]
    elif years[0] > BASE_YEAR:
        base = (BASE_YEAR - years[0]) * logs[:, 0]
    else:
        base = level[:, -1] + (BASE_YEAR - years[-1]) * logs[:, -1]
    return np.exp(level - base[:, None])


def _benefit_growth(
    catalogue: Catalogue, policy: Policy, years: tuple[int, ...]
) -> np.ndarray | None:
    """[Y] the growth of the benefit per head that policy sets each year: the dated
    parameter the catalogue's benefit-growth band follows (the earliest value before its
    first date); None where the band follows no policy."""
    found = [i for i in catalogue.indicators if i.function == "average_benefit_growth" and i.band]
    names = {name for i in found for _, name in i.band.policy}
    if len(names) != 1:
        return None
    parameter = policy.parameter(names.pop())
    values = policy.values(parameter.name, np.asarray(years))
    return np.where(np.isnan(values), parameter.values[0].value, values)


def _planned_share(planned: np.ndarray, items: tuple[str, ...], item: str) -> np.ndarray:
    """[P, Y] planned share of ``item`` in the planned total (0 when not an item)."""
    if item not in items:
        return np.zeros(planned.shape[:2])
    total = planned.sum(axis=2)
    return planned[..., items.index(item)] / np.where(total > 0, total, 1.0)
