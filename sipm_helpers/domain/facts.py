"""Annual facts per coordinating region, fund and year, aggregated once from the monthly
tables so that every measure reads the same figures.

- execution: flows summed over the months reported, balance_start of month 1,
  balance_end of the last month reported, the number of months reported; and the flows
  of months 1–9 alone (how much had arrived by the end of the third quarter);
- budget: the adjusted budget (the initial one where no adjustment is given) and the
  initial budget, per line item, with income and expenditure totals;
- statistics: stocks at the last month reported, flows summed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import pandas as pd

from sipm_helpers.config import FundRegistry
from sipm_helpers.data.dataset import Dataset

KEYS = ["region_code", "fund", "year"]
# The pooled fund's figures, where a fund reports them as statistics (the employees'
# medical fund: its reserve norm applies to the pooled fund, not the personal accounts).
POOLED = {
    "income": "pooled_fund_income",
    "expenditure": "pooled_fund_expenditure",
    "balance_end": "pooled_fund_balance",
}
LOOKBACK_YEARS = 4  # growth: the year before; projections: a five-year fit window


@dataclass(frozen=True)
class AnnualFacts:
    """Wide annual frames indexed by (region_code, fund, year)."""

    executed: pd.DataFrame  # items, income, expenditure, balance_start, balance_end, months
    executed_q3: pd.DataFrame  # items, income, expenditure over months 1–9 (timeliness)
    budget: pd.DataFrame  # adjusted (or initial) per item, income, expenditure
    budget_initial: pd.DataFrame  # initial per item, income, expenditure
    statistics: pd.DataFrame  # stats as columns

    def of(self, fund: str, region: str) -> AnnualFacts:
        """The facts of one region's fund, every year."""

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            index = frame.index
            mask = (index.get_level_values("fund") == fund) & (
                index.get_level_values("region_code") == region
            )
            return frame.loc[mask]

        return AnnualFacts(**{f.name: pick(getattr(self, f.name)) for f in fields(self)})


def _select(frame: pd.DataFrame, funds, regions, years) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if funds is not None:
        mask &= frame["fund"].isin(list(funds))
    if regions is not None:
        mask &= frame["region_code"].isin(list(regions))
    if years is not None:
        mask &= frame["year"].isin(list(years))
    return frame.loc[mask]


def _with_totals(wide: pd.DataFrame, registry: FundRegistry) -> pd.DataFrame:
    income = [c for c in registry.items_of_kind("income") if c in wide]
    expenditure = [c for c in registry.items_of_kind("expenditure") if c in wide]
    out = wide.copy()
    out["income"] = wide[income].sum(axis=1, min_count=1)
    out["expenditure"] = wide[expenditure].sum(axis=1, min_count=1)
    return out


def annual_facts(
    ds: Dataset,
    registry: FundRegistry,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> AnnualFacts:
    """Aggregate the dataset's monthly tables to annual facts (optionally a subset; a year
    selection also brings in the ``LOOKBACK_YEARS`` before it, which growth measures
    compare with and projection measures fit their trends on)."""
    kind = {c: i.kind for c, i in registry.line_items.items()}
    if years is not None:
        years = sorted({int(y) - k for y in years for k in range(LOOKBACK_YEARS + 1)})
    e = _select(ds.execution, funds, regions, years)
    flows = e.loc[e["item"].map(kind).isin(["income", "expenditure"])]
    executed = flows.pivot_table(
        index=KEYS, columns="item", values="amount", aggfunc="sum", observed=True
    )
    executed = _with_totals(executed, registry)
    early = flows.loc[flows["month"] <= 9]
    executed_q3 = _with_totals(
        early.pivot_table(
            index=KEYS, columns="item", values="amount", aggfunc="sum", observed=True
        ),
        registry,
    )
    last_month = e.groupby(KEYS)["month"].max().rename("months")
    ends = e.loc[e["item"] == "balance_end"]
    ends = ends.loc[ends["month"] == ends.groupby(KEYS)["month"].transform("max")]
    executed = executed.join(last_month, how="outer")
    executed["balance_end"] = ends.set_index(KEYS)["amount"]
    starts = e.loc[(e["item"] == "balance_start") & (e["month"] == 1)].set_index(KEYS)["amount"]
    executed["balance_start"] = starts

    b = _select(ds.budget, funds, regions, years)
    b = b.assign(amount=b["adjusted"].fillna(b["initial"]))
    budget = _with_totals(
        b.pivot_table(index=KEYS, columns="item", values="amount", aggfunc="sum", observed=True),
        registry,
    )
    initial = _with_totals(
        b.pivot_table(index=KEYS, columns="item", values="initial", aggfunc="sum", observed=True),
        registry,
    )

    s = _select(ds.statistics, funds, regions, years)
    aggregation = {c: st.aggregation for c, st in registry.statistics.items()}
    flow_stats = s.loc[s["stat"].map(aggregation) == "flow"]
    stock_stats = s.loc[s["stat"].map(aggregation) == "stock"]
    stock_stats = stock_stats.loc[
        stock_stats["month"] == stock_stats.groupby([*KEYS, "stat"])["month"].transform("max")
    ]
    stats = pd.concat(
        [
            flow_stats.pivot_table(
                index=KEYS, columns="stat", values="value", aggfunc="sum", observed=True
            ),
            stock_stats.pivot_table(
                index=KEYS, columns="stat", values="value", aggfunc="last", observed=True
            ),
        ],
        axis=1,
    )
    for frame in (executed, executed_q3, budget, initial, stats):
        frame.columns.name = None
    return AnnualFacts(
        executed=executed,
        executed_q3=executed_q3,
        budget=budget,
        budget_initial=initial,
        statistics=stats,
    )


def reserve_basis(facts: AnnualFacts) -> pd.DataFrame:
    """Income, expenditure and balance_end on which a fund's reserve is judged, with months
    (reported) and ``pooled``: the pooled fund's figures where the statistics report all
    three for the year (the employees' medical fund, whose personal accounts are the
    insured's own money), the whole fund's otherwise."""
    e = facts.executed
    out = e[["income", "expenditure", "balance_end", "months"]].copy()
    stats = facts.statistics.reindex(out.index)
    if not set(POOLED.values()) <= set(stats.columns):
        return out.assign(pooled=False)
    pooled = stats[list(POOLED.values())].notna().all(axis=1)
    for column, stat in POOLED.items():
        out[column] = out[column].where(~pooled, stats[stat])
    return out.assign(pooled=pooled.to_numpy())
