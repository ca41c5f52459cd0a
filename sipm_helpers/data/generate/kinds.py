"""The registry of scenario kinds: what each kind of planted scenario does to the data.

One :class:`ScenarioKind` per kind, registered in :data:`KINDS` (as the measures are in
``sipm_helpers.domain.measures``). A kind carries its category and the hooks of the stages
it touches; a stage of the generator asks each scenario's kind for its hook and calls it
where there is one, so no stage matches kind names. The hooks change the stage's arrays in
place (or return what the stage asks for); the stage picks the scenarios of the fund,
region and year it works on. The sizes of the effects are the constants below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sipm_helpers.data.generate.qualitative import Texts
    from sipm_helpers.data.generate.scenarios import Scenario

# outcome: a target missed badly (in the open year it shows in monitoring); wrinkle: a data
# wrinkle validation warns of; in_year: something monitoring finds in the open year;
# target: something a target review finds; structure: how a fund is financed, every year;
# evaluation: something the provincial evaluation of the self-evaluations finds.
CATEGORIES = ("outcome", "wrinkle", "in_year", "target", "structure", "evaluation")

SHORTFALL_FROM_MONTH = 7  # premium_shortfall: premiums fall from July …
SHORTFALL_FACTOR = 0.8  # … to this share of the plan
SUBSIDY_MONTHS = (9, 12)  # subsidy_shortfall: September's tranche held back, part in December
SUBSIDY_ARRIVAL = 0.85  # share of the year's fiscal subsidy that arrives in a shortfall
SPIKE_FACTOR = 15.0  # transfer_spike: the month's amount × this (of the usual month)
SPIKE_MONTH = 6  # … in this month, unless the scenario names one
UNDEREXECUTION_FACTOR = 1.25  # expenditure_underexecution: expenditure budget × this
LOW_RESERVE_MONTHS = 2.0  # low_reserve: months covered at the end of the scenario's year
EXCESS_RESERVE_MONTHS = 22.0  # excess_reserve: the same, too many
RESERVE_RUN_UP = 4  # years over which the balance's path turns to the reserve's months
COVERAGE_DROP = 0.92  # coverage_drop: insured × this (contributors lost, retirees stay)
OVER_COVERAGE = 1.015  # over_coverage: insured ÷ population required to be insured
LATE_MONTHS = (4, 6)  # late_benefits: April–June …
LATE_ON_TIME = 0.93  # … this share of the benefits due paid on time
# An outcome naming satisfaction: this share of the valid responses satisfied, well below
# practice's 90 % (late benefits bring complaints).
LOW_SATISFACTION = 0.78
SMALL_SURVEY = 80  # small_survey: valid responses, fewer than the catalogue's minimum


@dataclass(frozen=True)
class Flows:
    """What a shock on executed amounts changes: multipliers of the planned months."""

    income_items: tuple[str, ...]
    expenditure_items: tuple[str, ...]
    income: np.ndarray  # [P, Y, 12, Ki] multiplier of the planned income
    expenditure: np.ndarray  # [P, Y, 12, Ke]
    income_pattern: np.ndarray  # [Ki, 12] monthly pattern
    income_noise: np.ndarray  # [P, Y, 12, Ki] monthly noise factors


@dataclass(frozen=True)
class Counts:
    """The people statistics a scenario changes, [P, Y, 12]."""

    planned: np.ndarray  # insured, as planned
    insured: np.ndarray
    target_population: np.ndarray
    on_time: np.ndarray  # share of the benefits due paid on time


@dataclass(frozen=True)
class Survey:
    """The year's satisfaction survey of each region, [P, Y] (NaN: none made)."""

    asked: np.ndarray
    valid: np.ndarray
    rate: np.ndarray  # share of the valid responses satisfied or fairly satisfied


@dataclass(frozen=True)
class Budget:
    """The budget of a fund's flow items (income first), [P, Y, K]."""

    initial: np.ndarray
    adjusted: np.ndarray
    blank: np.ndarray  # bool: the adjusted figure is left empty
    income_count: int
    flow_items: tuple[str, ...]


At = tuple[int, int]  # (region index, year index) of the scenario in the stage's arrays

# The stages' hooks a kind may have, in the order the generator runs them.
HOOKS = (
    "income_shares",
    "months_path",
    "shock",
    "people",
    "survey",
    "budget",
    "last_month",
    "dropped_targets",
    "slack_targets",
    "not_achieved",
    "without_evidence",
    "explanation",
    "downgraded",
)


@dataclass(frozen=True)
class ScenarioKind:
    """A registered kind of scenario: its category and its effect at each stage.

    Hooks (None: the stage leaves the kind alone):

    - ``income_shares(shares [P, K], items, p)``: a region's income mix, every year;
    - ``months_path(path [P, Y+1], p, end)``: the months of expenditure the balance is
      steered to (``end``: the column of the scenario's year end);
    - ``shock(s, at, flows)``: executed amounts (:class:`Flows`);
    - ``people(at, counts)``: people statistics (:class:`Counts`);
    - ``survey(at, survey)``: the year's satisfaction survey (:class:`Survey`);
    - ``budget(s, at, budget)``: the budget (:class:`Budget`);
    - ``last_month(s, last_month)``: the last month reported in the open year;
    - ``dropped_targets(s)``: the indicators the region sets no annual target for;
    - ``slack_targets(s)``: the indicators whose annual target the region sets with slack
      beyond its plan (:data:`~sipm_helpers.data.generate.targets.SLACK`), below its
      history;
    - ``not_achieved(s)``: the qualitative indicators graded not achieved;
    - ``without_evidence(s, indicators)``: the qualitative grades left without evidence
      (``indicators``: the fund's qualitative indicators);
    - ``explanation(code, texts)``: the agency's reason and measure for a missed
      indicator, where the scenario is explained;
    - ``downgraded(s)``: the qualitative indicators the evaluator finds not achieved where
      the region graded them achieved (the ``review`` table).

    Planted at random (outcomes only): ``random_rate`` is the share of fund-regions the
    kind is planted in, in the last complete year, apart from the other outcomes, which
    are drawn among themselves; ``requires`` the indicators a fund's catalogue needs.
    """

    code: str
    category: str
    plants: str  # what it plants, in a line
    income_shares: Callable[[np.ndarray, tuple[str, ...], int], None] | None = None
    months_path: Callable[[np.ndarray, int, int], None] | None = None
    shock: Callable[[Scenario, At, Flows], None] | None = None
    people: Callable[[At, Counts], None] | None = None
    survey: Callable[[At, Survey], None] | None = None
    budget: Callable[[Scenario, At, Budget], None] | None = None
    last_month: Callable[[Scenario, int], int] | None = None
    dropped_targets: Callable[[Scenario], Sequence[str]] | None = None
    slack_targets: Callable[[Scenario], Sequence[str]] | None = None
    not_achieved: Callable[[Scenario], Sequence[str]] | None = None
    without_evidence: Callable[[Scenario, Sequence[str]], Sequence[str]] | None = None
    explanation: Callable[[str, Texts], tuple[str, str]] | None = None
    downgraded: Callable[[Scenario], Sequence[str]] | None = None
    requires: tuple[str, ...] = ()
    random_rate: float | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"category {self.category!r} of {self.code!r} not in {CATEGORIES}")
        if all(getattr(self, hook) is None for hook in HOOKS):
            raise ValueError(f"scenario kind {self.code!r} has no effect: give it a hook")

    @property
    def drawn_among_outcomes(self) -> bool:
        """Planted at random among the outcomes (not at its own rate)."""
        return self.category == "outcome" and self.random_rate is None


# --------------------------------------------------------------------------- hooks


def _without_subsidy(shares: np.ndarray, items: tuple[str, ...], p: int) -> None:
    """Region ``p`` is financed without fiscal subsidy, every year: the subsidy's share of
    the income goes to the other items."""
    if "fiscal_subsidy" not in items:
        return
    shares[p, items.index("fiscal_subsidy")] = 0.0
    shares[p] /= shares[p].sum()


def _steer_reserve(
    path: np.ndarray, p: int, end: int, *, value: float, power: int, after: float
) -> None:
    """The balance's months turn to ``value`` over the run-up years (``power`` 2: ever
    faster, deepening deficits; 1: evenly), and stay near it (× ``after``) afterwards."""
    begin = max(0, end - RESERVE_RUN_UP)
    step = np.linspace(0.0, 1.0, end - begin + 1)
    path[p, begin : end + 1] = path[p, begin] + (value - path[p, begin]) * step**power
    path[p, end + 1 :] = value * after


def _premium_shortfall(s: Scenario, at: At, flows: Flows) -> None:
    if "premium" in flows.income_items:
        k = flows.income_items.index("premium")
        flows.income[(*at, slice(SHORTFALL_FROM_MONTH - 1, None), k)] = SHORTFALL_FACTOR


def _subsidy_shortfall(s: Scenario, at: At, flows: Flows) -> None:
    """The September tranche is held back; in December less arrives than both."""
    if "fiscal_subsidy" not in flows.income_items:
        return
    p, y = at
    k = flows.income_items.index("fiscal_subsidy")
    held, late = (m - 1 for m in SUBSIDY_MONTHS)
    w = flows.income_pattern[k] * flows.income_noise[p, y, :, k]
    arrives = SUBSIDY_ARRIVAL * w.sum() - (w.sum() - w[held] - w[late])
    flows.income[p, y, held, k] = 0.0
    flows.income[p, y, late, k] = arrives / w[late]


def _transfer_spike(s: Scenario, at: At, flows: Flows) -> None:
    if s.item in flows.income_items:
        p, y = at
        k, m = flows.income_items.index(s.item), (s.month or SPIKE_MONTH) - 1
        flows.income[p, y, m, k] = SPIKE_FACTOR / flows.income_noise[p, y, m, k]


def _never_executed(s: Scenario, at: At, flows: Flows) -> None:
    if s.item in flows.income_items:
        flows.income[(*at, slice(None), flows.income_items.index(s.item))] = 0.0
    elif s.item in flows.expenditure_items:
        flows.expenditure[(*at, slice(None), flows.expenditure_items.index(s.item))] = 0.0


def _coverage_drop(at: At, counts: Counts) -> None:
    counts.insured[at] = np.rint(counts.planned[at] * COVERAGE_DROP)


def _over_coverage(at: At, counts: Counts) -> None:
    counts.target_population[at] = np.rint(counts.planned[at] / OVER_COVERAGE)


def _late_benefits(at: At, counts: Counts) -> None:
    first, last = LATE_MONTHS
    counts.on_time[(*at, slice(first - 1, last))] = LATE_ON_TIME


def _no_survey(at: At, survey: Survey) -> None:
    for counts in (survey.asked, survey.valid, survey.rate):
        counts[at] = np.nan


def _small_survey(at: At, survey: Survey) -> None:
    survey.valid[at] = SMALL_SURVEY
    survey.asked[at] = np.ceil(SMALL_SURVEY * 1.1)


def _underexecution(s: Scenario, at: At, budget: Budget) -> None:
    expenditure = (*at, slice(budget.income_count, None))
    budget.initial[expenditure] *= UNDEREXECUTION_FACTOR
    budget.adjusted[expenditure] *= UNDEREXECUTION_FACTOR


def _empty_adjusted(s: Scenario, at: At, budget: Budget) -> None:
    if s.item in budget.flow_items:
        budget.blank[(*at, budget.flow_items.index(s.item))] = True


def _late_data(s: Scenario, last_month: int) -> int:
    return min(s.month or last_month, last_month)


def _named(s: Scenario) -> Sequence[str]:
    """The indicators the scenario names."""
    return s.indicators


def _named_or_first(s: Scenario, indicators: Sequence[str]) -> Sequence[str]:
    """The indicators the scenario names, or the first of ``indicators``."""
    return s.indicators or indicators[:1]


def _agency_explanation(code: str, texts: Texts) -> tuple[str, str]:
    return texts.explanation(code)


def _excess_explanation(code: str, texts: Texts) -> tuple[str, str]:
    """Too many months covered: the reserve is too big, not too small."""
    return texts.excess_reserve if code == "months_covered" else texts.explanation(code)


def _outcome(code: str, plants: str, **hooks) -> ScenarioKind:
    """An outcome kind: its indicators are graded not achieved and, where the scenario is
    explained, explained by the agency."""
    hooks.setdefault("explanation", _agency_explanation)
    return ScenarioKind(code, "outcome", plants, not_achieved=_named, **hooks)


# --------------------------------------------------------------------------- the registry

_RESERVE = ("months_covered",)
KINDS: Mapping[str, ScenarioKind] = MappingProxyType(
    {
        kind.code: kind
        for kind in (
            _outcome(
                "premium_shortfall",
                "premium income falls by a fifth from July: collection ≈ 0.88",
                shock=_premium_shortfall,
            ),
            _outcome(
                "expenditure_underexecution",
                "expenditure budget inflated by a quarter: execution ≈ 0.80",
                budget=_underexecution,
            ),
            _outcome(
                "late_benefits",
                "benefits delayed in April–June: ≈ 98 % paid on time, complaints",
                people=_late_benefits,
            ),
            _outcome(
                "low_reserve",
                "deepening deficits: under 3 months of expenditure covered at year end",
                months_path=partial(_steer_reserve, value=LOW_RESERVE_MONTHS, power=2, after=0.95),
                requires=_RESERVE,
                random_rate=0.01,
            ),
            _outcome(
                "excess_reserve",
                "surpluses pile up: the balance covers over 20 months",
                months_path=partial(
                    _steer_reserve, value=EXCESS_RESERVE_MONTHS, power=1, after=1.04
                ),
                explanation=_excess_explanation,
                requires=_RESERVE,
                random_rate=0.01,
            ),
            _outcome(
                "subsidy_shortfall",
                "September tranche held back, part never arrives: arrival ≈ 0.85",
                shock=_subsidy_shortfall,
                requires=("fiscal_subsidy_arrival",),
            ),
            _outcome(
                "coverage_drop",
                "insured (contributors) fall by 8 %: coverage well below target",
                people=_coverage_drop,
            ),
            ScenarioKind(
                "missing_evidence",
                "wrinkle",
                "a qualitative grade without evidence",
                without_evidence=_named_or_first,
            ),
            ScenarioKind(
                "no_survey",
                "wrinkle",
                "no satisfaction survey made in the year: the rate cannot be assessed",
                survey=_no_survey,
            ),
            ScenarioKind(
                "small_survey",
                "wrinkle",
                "a satisfaction survey of too few valid responses to be scored",
                survey=_small_survey,
            ),
            ScenarioKind(
                "transfer_spike",
                "wrinkle",
                "a one-off transfer_in of about 15× the usual month",
                shock=_transfer_spike,
            ),
            ScenarioKind(
                "over_coverage",
                "wrinkle",
                "insured exceed the population required to be insured all year",
                people=_over_coverage,
            ),
            ScenarioKind(
                "never_executed",
                "wrinkle",
                "an item budgeted for a complete year, never executed",
                shock=_never_executed,
            ),
            ScenarioKind(
                "empty_adjusted",
                "wrinkle",
                "a budget row whose adjusted figure is left empty",
                budget=_empty_adjusted,
            ),
            ScenarioKind(
                "late_data",
                "in_year",
                "the open year's execution and statistics stop at ``month``, months early",
                last_month=_late_data,
            ),
            ScenarioKind(
                "target_missing",
                "target",
                "the region sets no target of its own for the indicators named",
                dropped_targets=_named,
            ),
            ScenarioKind(
                "target_slack",
                "target",
                "the region sets the targets of the indicators named well below its plan, "
                "below its history and trend",
                slack_targets=_named,
            ),
            ScenarioKind(
                "no_fiscal_subsidy",
                "structure",
                "the fund receives no fiscal subsidy in any year: items not applicable",
                income_shares=_without_subsidy,
            ),
            ScenarioKind(
                "over_scored",
                "evaluation",
                "the region grades achieved what the evaluator finds not achieved: its "
                "evaluated grade drops a band",
                downgraded=_named,
            ),
        )
    }
)


def kinds_in(category: str) -> tuple[str, ...]:
    """The registered kinds of ``category``, in registry order."""
    return tuple(code for code, kind in KINDS.items() if kind.category == category)


def kind_of(code: str) -> ScenarioKind:
    """The registered kind ``code``; KeyError naming it and the known ones otherwise."""
    try:
        return KINDS[code]
    except KeyError:
        raise KeyError(f"unknown scenario kind {code!r}; known: {', '.join(KINDS)}") from None


OUTCOME_KINDS = kinds_in("outcome")
WRINKLE_KINDS = kinds_in("wrinkle")
IN_YEAR_KINDS = kinds_in("in_year")
TARGET_KINDS = kinds_in("target")
STRUCTURE_KINDS = kinds_in("structure")
EVALUATION_KINDS = kinds_in("evaluation")
