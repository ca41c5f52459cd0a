"""What was known when the targets were set (Art. 7, 10, 18).

The targets of budget year N are reviewed with the budget draft, in the second half of
year N − 1 (the review date: a plan's, or parameters/target_review.yaml's). The review may
use only what the data dated before that day allow:

- the **initial budget** of year N, the draft the targets go with (no adjustment yet);
- the execution and statistics of the months of N − 1 ended by the review date, completed
  to the previous year's **expected execution** (上年预计执行数): each flow's months to
  date divided by the share of the year the same months brought in the complete years
  before (its seasonal profile; the calendar share without one), the balances carried on
  from the last month by the flows still to come; the complete years before as they are;
- the self-evaluations and the **provincial evaluation** of the last year whose provincial
  report was due by the review date (Art. 18: by the end of July of the year after):
  N − 2 for a review in the autumn of N − 1.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sipm_helpers.config import FundRegistry
from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import POOLED, AnnualFacts, annual_facts

MONTHS = 12
# The self-evaluation's and the evaluator's tables: known for the years evaluated by then.
EVALUATION_TABLES = ("qualitative", "explanations", "review", "submissions")


@dataclass(frozen=True)
class Vintage:
    """The figures a review of the targets of budget ``year`` made on ``review_date`` rests on."""

    year: int  # the budget year whose targets are reviewed
    review_date: datetime.date
    executed_year: int  # the last year with execution known by the review date
    executed_months: int  # its months ended by then (12: the year is complete)
    evaluation_year: int  # the year of the last provincial evaluation reported by then

    @property
    def expected(self) -> bool:
        """Whether the last year's figures are its expected execution, not its actuals."""
        return self.executed_months < MONTHS

    def history(self, years: int) -> list[int]:
        """The ``years`` years up to the last one executed, oldest first."""
        return list(range(self.executed_year - years + 1, self.executed_year + 1))

    def as_dict(self) -> dict:
        """The vintage for a result file (the date in ISO form)."""
        return {
            "review_date": self.review_date.isoformat(),
            "budget": "initial",
            "budget_year": self.year,
            "executed_year": self.executed_year,
            "executed_months": self.executed_months,
            "expected": self.expected,
            "evaluation_year": self.evaluation_year,
        }


def vintage(year: int, review_date: datetime.date, appraisal: AppraisalRules) -> Vintage:
    """What a review of budget ``year``'s targets on ``review_date`` may know: the months
    ended by then, of a year before the budget year, and the last provincial evaluation
    due by then (``appraisal.provincial_due``)."""
    if review_date.year > year:
        raise ValueError(
            f"a review of the {year} targets on {review_date.isoformat()} comes after the budget "
            "year: targets are reviewed before it"
        )
    last = min(review_date, datetime.date(year - 1, 12, 31))
    ended = last.day == calendar.monthrange(last.year, last.month)[1]
    executed_year, months = last.year, last.month if ended else last.month - 1
    if months == 0:
        executed_year, months = executed_year - 1, MONTHS
    evaluated = review_date.year - 1
    if appraisal.provincial_due(evaluated) > review_date:
        evaluated -= 1
    return Vintage(year, review_date, executed_year, months, min(evaluated, year - 2))


def _through(frame: pd.DataFrame, year: int, month: int) -> pd.Series:
    """Rows of a monthly table dated up to ``month`` of ``year``."""
    return (frame["year"] < year) | ((frame["year"] == year) & (frame["month"] <= month))


def as_known(ds: Dataset, v: Vintage) -> Dataset:
    """``ds`` as it stood on the review date: execution and statistics to the last month
    ended (none of the budget year), the budget up to the budget year with the budget
    year's initial figures only, targets up to the budget year, the self-evaluations and
    the evaluator's records up to the last year evaluated, rectification items found by
    the review's year."""
    budget = ds.budget.loc[ds.budget["year"] <= v.year]
    budget = budget.assign(adjusted=budget["adjusted"].where(budget["year"] < v.year))
    known = {
        "execution": ds.execution.loc[_through(ds.execution, v.executed_year, v.executed_months)],
        "statistics": ds.statistics.loc[
            _through(ds.statistics, v.executed_year, v.executed_months)
        ],
        "budget": budget,
        "targets": ds.targets.loc[ds.targets["start_year"] <= v.year],
        "rectification": ds.rectification.loc[ds.rectification["year"] <= v.review_date.year],
    }
    for name in EVALUATION_TABLES:
        table = getattr(ds, name)
        known[name] = table.loc[table["year"] <= v.evaluation_year]
    return replace(ds, **known)


def _shares(ytd: pd.DataFrame, full: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per region and fund, the share of each column's year the months to date brought in
    over the complete years before ``year`` (ratio of their sums; NaN without one)."""
    complete = full.index.get_level_values("year") < year
    if "months" in full:
        complete &= full["months"].to_numpy() == MONTHS
    past = full.loc[complete]
    to_date = ytd.reindex(index=past.index, columns=past.columns).fillna(0.0)
    keys = ["region_code", "fund"]
    return to_date.groupby(level=keys).sum() / past.groupby(level=keys).sum(min_count=1)


def _completed(
    ytd: pd.DataFrame, full: pd.DataFrame, columns: list[str], v: Vintage
) -> pd.DataFrame:
    """The rows of the last year executed in ``full`` with ``columns`` (flows) completed to
    the year: to date ÷ the seasonal share (the calendar share without history; the last
    complete year's total where past years brought nothing in by now)."""
    now = full.loc[full.index.get_level_values("year") == v.executed_year].copy()
    columns = [c for c in columns if c in full]
    if not columns or now.empty:
        return now
    keys = now.index.droplevel("year")
    share = _shares(ytd, full[columns], v.executed_year)
    share = share.reindex(index=keys, columns=columns).to_numpy(dtype=float)
    values = now[columns].to_numpy(dtype=float)
    past = full.loc[full.index.get_level_values("year") < v.executed_year, columns]
    last = past.groupby(level=["region_code", "fund"]).last().reindex(keys).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(
            np.isnan(share),
            values * MONTHS / v.executed_months,
            np.where(share > 0, values / share, last),
        )
    now[columns] = expected
    return now


def expected_facts(
    known: Dataset,
    registry: FundRegistry,
    v: Vintage,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
) -> AnnualFacts:
    """The annual facts of ``known`` (:func:`as_known`), the last year executed completed
    to its expected execution where the review date falls within it: every flow (line
    items, the income and expenditure totals, flow statistics) at its months to date over
    its seasonal share, twelve months, the balance at the end of the year (the fund's,
    and the pooled fund's where reported) carried on by the income and expenditure still
    to come. Without that, the facts as they are."""
    facts = annual_facts(known, registry, funds=funds, regions=regions)
    if not v.expected:
        return facts
    month = v.executed_months
    ytd = annual_facts(
        replace(
            known,
            execution=known.execution.loc[known.execution["month"] <= month],
            statistics=known.statistics.loc[known.statistics["month"] <= month],
        ),
        registry,
        funds=funds,
        regions=regions,
    )
    e, s = facts.executed, facts.statistics
    was = e.loc[e.index.get_level_values("year") == v.executed_year]
    flows = [c for c in e.columns if c not in ("months", "balance_start", "balance_end")]
    done = _completed(ytd.executed, e, flows, v)
    to_come = (done["income"] - was["income"]) - (done["expenditure"] - was["expenditure"])
    done["balance_end"] = was["balance_end"] + to_come.fillna(0.0)
    done["months"] = MONTHS
    statistics = registry.statistics
    stat_flows = [c for c in s if c in statistics and statistics[c].aggregation == "flow"]
    stats = _completed(ytd.statistics, s, stat_flows, v)
    if set(POOLED.values()) <= set(stats.columns):
        now = s.loc[stats.index]
        came = (stats[POOLED["income"]] - now[POOLED["income"]]) - (
            stats[POOLED["expenditure"]] - now[POOLED["expenditure"]]
        )
        stats[POOLED["balance_end"]] = now[POOLED["balance_end"]] + came.fillna(0.0)

    def merged(frame: pd.DataFrame, year: pd.DataFrame) -> pd.DataFrame:
        rest = frame.loc[frame.index.get_level_values("year") != v.executed_year]
        return pd.concat([rest, year]).sort_index()

    return replace(facts, executed=merged(e, done), statistics=merged(s, stats))
