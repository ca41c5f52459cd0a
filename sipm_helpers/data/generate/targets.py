"""Targets of a fund: each region's annual target of every quantitative indicator (set
from the plan, by a rule per indicator function), the provinces' (their regions' mean),
the centre's guiding targets, and the multi-year targets of the five-year plans (Art. 7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.config.catalogue import Catalogue, Indicator
from sipm_helpers.config.policy import Policy
from sipm_helpers.data.generate.common import COUNTRY_CODE, _plan_periods, _rng
from sipm_helpers.data.generate.kinds import KINDS
from sipm_helpers.data.generate.money import _FundData
from sipm_helpers.data.generate.profiles import fund_profile
from sipm_helpers.data.generate.scenarios import Scenario

CAREFUL_SHARE = 0.6  # regions that set the open year's targets at the plan, without slack
# A target_slack scenario's target: this share easier than the region would set it (below
# it, or above it for a lower-is-better indicator), rounded as the others are. 3 % puts a
# collection target of about 95 % near 92 %, below a year of shortfall at about 94 %.
SLACK = 0.03
GUIDE_REACHED_BY = 0.8  # the share of regional targets a central guiding target is within

Target = tuple[np.ndarray, "str | np.ndarray"]  # [P, Y] values and their benchmark


def _default_targets(ind: Indicator, policy: Policy, years: tuple[int, ...]) -> np.ndarray | None:
    """[Y] the catalogue's default target in each year (a dated policy value where it
    follows one), None without a default."""
    if ind.target_policy:
        return np.nan_to_num(ind.default_target or 0.0) + policy.values(
            ind.target_policy, np.asarray(years)
        )
    if ind.default_target is None:
        return None
    return np.full(len(years), float(ind.default_target))


def _months_floor(ind: Indicator) -> float | None:
    """The fewest months a fund's balance should cover: its band's lower bound."""
    if ind.band is not None and ind.band.lower is not None:
        return float(ind.band.lower)
    return ind.default_target


# --------------------------------------------------------------------------- regional rules


@dataclass(frozen=True)
class _Setting:
    """What a region's target of one indicator is set from."""

    ind: Indicator
    data: _FundData
    rng: np.random.Generator
    careful: np.ndarray  # [P, Y] bool: at the plan, without slack
    default: np.ndarray | None  # [Y] the catalogue's default target

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.balance_start.shape

    @property
    def plan(self) -> dict[str, np.ndarray]:
        return self.data.plan

    @property
    def slack(self) -> np.ndarray:
        return np.where(self.careful, 0.0, 1.0)

    def noisy(self, values: np.ndarray, mean: float, sd: float, digits: int = 3) -> np.ndarray:
        """``values`` with ``mean`` of slack and noise of σ ``sd``, rounded."""
        return np.round(values + mean * self.slack + self.rng.normal(0.0, sd, self.shape), digits)


def _preparation_accuracy(c: _Setting) -> Target:
    # A ceiling on the deviation is a norm of budget practice, not the region's history.
    lax = c.rng.choice([0.03, 0.05], c.shape[0], p=[0.2, 0.8])[:, None]
    return np.where(c.careful, 0.03, lax), "standard"


def _in_full(c: _Setting) -> Target:
    """Executing the budget in full, paying every benefit on time: norms."""
    return np.ones(c.shape), "standard"


def _balanced(c: _Setting) -> Target:
    return np.zeros(c.shape), "standard"


def _collection(c: _Setting) -> Target:
    return np.minimum(c.noisy(c.plan["collection"], -0.008, 0.003), 0.995), "plan"


def _coverage(c: _Setting) -> Target:
    return np.minimum(c.noisy(c.plan["coverage"], -0.006, 0.003), 0.995), "history"


def _insured(c: _Setting) -> Target:
    change = -0.01 * c.slack + c.rng.normal(0.0, 0.006, c.shape)
    return np.round(c.plan["insured"] * (1 + change), -2), "history"


def _inpatient(c: _Setting) -> Target | None:
    if "inpatient_ratio" not in c.plan:
        return None
    return c.noisy(c.plan["inpatient_ratio"], -0.009, 0.003), "plan"


def _injury(c: _Setting) -> Target | None:
    if "injury_timeliness" not in c.plan:
        return None
    return np.minimum(np.round(c.plan["injury_timeliness"] - 0.006 * c.slack, 3), 0.98), "plan"


def _benefit_coverage(c: _Setting) -> Target | None:
    if "benefit_coverage" not in c.plan:
        return None
    short = c.rng.uniform(0, 0.04, c.shape) * c.slack
    return np.round(c.plan["benefit_coverage"] - short, 2), "plan"


def _dependency(c: _Setting) -> Target | None:
    if "dependency" not in c.plan:
        return None
    # insured workers (contributors and the suspended) per retiree
    workers = c.plan["dependency"] * (1 + fund_profile(c.data.fund).suspended_share)
    change = -0.015 * c.slack + c.rng.normal(0.0, 0.008, c.shape)
    return np.round(workers * (1 + change), 2), "history"


def _subsidy_timeliness(c: _Setting) -> Target | None:
    if "subsidy_by_september" not in c.plan:
        return None
    lax = np.clip(np.floor((c.plan["subsidy_by_september"] - 0.015) * 20) / 20, 0.4, 0.55)
    fine = np.round(c.plan["subsidy_by_september"], 2)
    return np.where(c.careful, fine, lax), "plan"


def _rectification(c: _Setting) -> Target | None:
    if "rectification_target" not in c.plan:
        return None
    # Careful regions aim at the norm: every finding rectified.
    target = np.where(c.careful, 1.0, c.plan["rectification_target"])
    return target, np.where(c.careful, "policy", "plan")


def _subsidy_dependence(c: _Setting) -> Target:
    lax = np.ceil((c.plan["subsidy_share"] * 1.06 + 0.005) * 100) / 100
    return np.where(c.careful, np.round(c.plan["subsidy_share"] + 0.003, 3), lax), "plan"


def _other_share(c: _Setting) -> Target:
    floor = c.default[None, :] if c.default is not None else 0.02
    return np.maximum(floor, np.ceil(c.plan["other_share"] * 1.2 * 200) / 200), "standard"


def _return_rate(c: _Setting) -> Target:
    short = c.rng.uniform(0.001, 0.003, c.shape) * np.where(c.careful, 0.2, 1.0)
    return np.maximum(0.015, np.round(c.plan["return_rate"] - short, 3)), "plan"


def _skills_share(c: _Setting) -> Target | None:
    if "skills_share" not in c.plan:
        return None
    return np.maximum(c.noisy(c.plan["skills_share"], -0.008, 0.006, 2), 0.03), "plan"


def _months(c: _Setting) -> Target:
    floor = _months_floor(c.ind)
    if floor is None:
        return np.round(c.data.months_path, 1), "plan"
    return np.full(c.shape, floor), "plan"


# How a region sets the target of an indicator, by its function; None from a rule (or no
# rule): the catalogue's default, if any.
_RULES: Mapping[str, Callable[[_Setting], Target | None]] = MappingProxyType(
    {
        "budget_preparation_accuracy": _preparation_accuracy,
        "income_budget_execution": _in_full,
        "expenditure_budget_execution": _in_full,
        "fiscal_subsidy_arrival": _in_full,
        "benefits_paid_on_time": _in_full,
        "current_year_balance_ratio": _balanced,
        "premium_collection_rate": _collection,
        "coverage_rate": _coverage,
        "insured_persons": _insured,
        "inpatient_reimbursement_ratio": _inpatient,
        "injury_determination_timeliness": _injury,
        "unemployment_benefit_coverage": _benefit_coverage,
        "dependency_ratio": _dependency,
        "fiscal_subsidy_timeliness": _subsidy_timeliness,
        "audit_rectification_rate": _rectification,
        "subsidy_dependence": _subsidy_dependence,
        "other_expenditure_share": _other_share,
        "fund_return_rate": _return_rate,
        "skills_subsidy_share": _skills_share,
        "months_covered": _months,
    }
)


def _annual_target(
    ind: Indicator,
    data: _FundData,
    rng: np.random.Generator,
    careful: np.ndarray,
    default: np.ndarray | None,
) -> Target | None:
    """[P, Y] annual target of one quantitative indicator set by each region, and its
    benchmark; None when the generator cannot set one. ``default`` ([Y]) is the
    catalogue's default target of each year.

    Regions leave themselves some slack below what they plan to achieve; where ``careful``
    ([P, Y] bool) holds, they set their targets at the plan, as a target review expects."""
    rule = _RULES.get(ind.function or "")
    made = rule(_Setting(ind, data, rng, careful, default)) if rule else None
    if made is not None:
        return made
    if default is not None:
        shape = data.balance_start.shape
        return np.broadcast_to(default, shape).copy(), "policy" if ind.target_policy else "plan"
    return None


def _guiding_value(
    ind: Indicator, regional: np.ndarray, default: np.ndarray | None
) -> np.ndarray | None:
    """[Y] a central guiding target: the catalogue's default of each year (months: the
    band's floor; a dated policy value where it follows one), eased where needed so that about four in
    five regional targets meet it (the centre guides; it does not set a bar most regions
    cannot reach), on a round step."""
    years = regional.shape[1]
    if ind.function == "months_covered":
        floor = _months_floor(ind)
        return None if floor is None else np.full(years, floor)
    if ind.function == "insured_persons" or default is None:
        return None  # a count belongs to a region, not to the whole country
    step = 0.005 if ind.unit == "rate" else 0.05
    if ind.direction == "lower":
        reached = np.ceil(np.quantile(regional, GUIDE_REACHED_BY) / step) * step
        return np.round(np.maximum(default, float(reached)), 3)
    reached = np.floor(np.quantile(regional, 1 - GUIDE_REACHED_BY) / step) * step
    return np.round(np.minimum(default, float(reached)), 3)


# --------------------------------------------------------------------------- the table


def _targets(
    data: _FundData,
    catalogue: Catalogue,
    years: tuple[int, ...],
    province_codes,
    seed: int,
    scenarios: Sequence[Scenario],
    open_year: int | None,
    policy: Policy,
) -> pd.DataFrame:
    """Annual targets of the regions, the provinces and the centre, and overall targets.

    For the budget year still open (``open_year``), about three regions in five set their
    targets carefully (at the plan, see :func:`_annual_target`), and a scenario kind's
    ``dropped_targets`` hook drops the region's targets of the indicators it names. A year
    before a dated policy value's first date has no target of that indicator."""
    rng = _rng(seed, "targets", data.fund.code)
    careful = _careful(data, years, open_year, seed)
    dropped = _dropped(data.fund.code, scenarios)
    slackened = _dropped(data.fund.code, scenarios, hook_name="slack_targets")
    frames = []
    for ind in (i for i in catalogue.indicators if i.kind == "quantitative"):
        default = _default_targets(ind, policy, years)
        made = _annual_target(ind, data, rng, careful, default)
        if made is None:
            continue
        regional, p = _regional_targets(ind, data, years, made, dropped, slackened)
        frames.append(regional)
        if ind.function != "insured_persons":  # counts do not add up to a rate
            frames.append(_provincial_targets(ind, data, regional, p, province_codes))
        guiding = _guiding_value(ind, np.asarray(made[0], dtype="float64"), default)
        if guiding is not None:
            frames.append(_central_targets(ind, years, guiding))
    frames += _overall_targets(data, catalogue, years)
    out = pd.concat(frames, ignore_index=True).assign(fund=data.fund.code)
    # A target that follows a dated policy value has none before the policy's first date:
    # that year the region sets no target of its own (the catalogue's default applies).
    return out.loc[out["target"].notna()].reset_index(drop=True)


def _careful(
    data: _FundData, years: tuple[int, ...], open_year: int | None, seed: int
) -> np.ndarray:
    """[P, Y] the regions that set the open year's targets at the plan."""
    n, ny = data.balance_start.shape
    careful = np.zeros((n, ny), dtype=bool)
    if open_year in years:
        draw = _rng(seed, "careful targets", data.fund.code).random(n) < CAREFUL_SHARE
        careful[:, years.index(open_year)] = draw
    return careful


def _dropped(
    fund: str, scenarios: Sequence[Scenario], hook_name: str = "dropped_targets"
) -> set[tuple[str, str, int]]:
    """(region, indicator, year) of the annual targets the fund's scenarios drop (or, with
    ``hook_name`` 'slack_targets', set with slack)."""
    dropped = set()
    for s in scenarios:
        hook = getattr(KINDS[s.kind], hook_name)
        if hook is not None and s.fund == fund:
            dropped |= {(s.region, code, s.year) for code in hook(s)}
    return dropped


def _regional_targets(
    ind: Indicator,
    data: _FundData,
    years: tuple[int, ...],
    made: Target,
    dropped: set[tuple[str, str, int]],
    slackened: frozenset[tuple[str, str, int]] | set[tuple[str, str, int]] = frozenset(),
) -> tuple[pd.DataFrame, np.ndarray]:
    """The regions' annual targets but the dropped ones, those ``slackened`` made
    :data:`SLACK` easier, and the region index of each."""
    codes = np.asarray(data.pairs.codes, dtype=object)
    n, ny = data.balance_start.shape
    year_arr = np.asarray(years, dtype="int64")
    values, benchmark = made
    p, y = (a.ravel() for a in np.indices((n, ny)))
    keep = np.ones(p.size, dtype=bool)
    for region, code, year in dropped:
        if code == ind.code:
            keep &= (codes[p] != region) | (year_arr[y] != year)
    p, y = p[keep], y[keep]
    values = np.asarray(values, dtype="float64").copy()
    easier = 1 + SLACK if ind.direction == "lower" else 1 - SLACK
    for region, code, year in slackened:
        if code == ind.code and year in years and region in codes:
            at = (int(np.flatnonzero(codes == region)[0]), years.index(year))
            values[at] = np.round(values[at] * easier, 3)
    frame = pd.DataFrame(
        {
            "region_code": codes[p],
            "indicator": ind.code,
            "period": "annual",
            "start_year": year_arr[y],
            "end_year": year_arr[y],
            "target": values[p, y],
            "level": "region",
            "benchmark": np.broadcast_to(np.asarray(benchmark, dtype=object), (n, ny))[p, y],
        }
    )
    return frame, p


def _provincial_targets(
    ind: Indicator, data: _FundData, regional: pd.DataFrame, p: np.ndarray, province_codes
) -> pd.DataFrame:
    """A province's annual target: the mean of its regions' (a norm stays a norm at the
    province; the rest follows its plan)."""
    digits = {"months_covered": 1, "dependency_ratio": 2}.get(ind.function or "", 3)
    provincial = (
        regional.assign(
            region_code=np.asarray(province_codes, dtype=object)[data.pairs.province[p]]
        )
        .groupby(["region_code", "start_year"], as_index=False, sort=True)["target"]
        .mean()
    )
    return provincial.assign(
        indicator=ind.code,
        period="annual",
        end_year=provincial["start_year"],
        target=provincial["target"].round(digits),
        level="province",
        benchmark="standard" if (regional["benchmark"] == "standard").all() else "plan",
    )


def _central_targets(ind: Indicator, years: tuple[int, ...], guiding: np.ndarray) -> pd.DataFrame:
    """The centre's guiding target of each year."""
    year_arr = np.asarray(years, dtype="int64")
    return pd.DataFrame(
        {
            "region_code": COUNTRY_CODE,
            "indicator": ind.code,
            "period": "annual",
            "start_year": year_arr,
            "end_year": year_arr,
            "target": np.asarray(guiding, dtype="float64"),
            "level": "central",
            "benchmark": "policy",
        }
    )


# --------------------------------------------------------------------------- overall


def _overall_targets(
    data: _FundData, catalogue: Catalogue, years: tuple[int, ...]
) -> list[pd.DataFrame]:
    """Multi-year targets for the five-year plan periods overlapping the years (Art. 7)."""
    codes = np.asarray(data.pairs.codes, dtype=object)
    have = {i.function: i for i in catalogue.indicators if i.kind == "quantitative"}
    frames = []
    for first, last in _plan_periods(years[0], years[-1]):
        inside = [j for j, y in enumerate(years) if first <= y <= last]
        if not inside:
            continue
        values = _overall_values(data.plan, have, len(codes), years, inside, (first, last))
        frames += [
            pd.DataFrame(
                {
                    "region_code": codes,
                    "indicator": have[function].code,
                    "period": "overall",
                    "start_year": first,
                    "end_year": last,
                    "target": target.astype("float64"),
                    "level": "region",
                    "benchmark": "plan",
                }
            )
            for function, target in values.items()
        ]
    return frames


def _overall_values(
    plan: dict[str, np.ndarray],
    have: Mapping[str | None, Indicator],
    n: int,
    years: tuple[int, ...],
    inside: list[int],
    period: tuple[int, int],
) -> dict[str, np.ndarray]:
    """[P] each region's target over a plan ``period`` (first, last year; ``inside``: the
    indices of its years in the data), by indicator function."""
    first, last = period
    end, beyond = inside[-1], last - years[inside[-1]]
    values: dict[str, np.ndarray] = {}
    if "coverage_rate" in have:
        values["coverage_rate"] = np.minimum(
            np.round(plan["coverage"][:, inside[0]] + 0.002 * (last - first) - 0.004, 3), 0.99
        )
    if "insured_persons" in have:
        growth = plan["insured"][:, end] / plan["insured"][:, max(end - 1, 0)]
        growth = np.where(end > 0, growth, 1.0)
        values["insured_persons"] = np.round(plan["insured"][:, end] * growth**beyond * 0.99, -2)
    if "premium_collection_rate" in have:
        values["premium_collection_rate"] = np.round(
            plan["collection"][:, inside].mean(axis=1) - 0.005, 3
        )
    if "benefits_paid_on_time" in have:
        values["benefits_paid_on_time"] = np.ones(n)
    if "months_covered" in have and _months_floor(have["months_covered"]) is not None:
        values["months_covered"] = np.full(n, _months_floor(have["months_covered"]))
    return values
