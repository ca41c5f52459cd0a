"""The fund's balance during the year, judged against its season (Art. 12).

A reserve band (months of expenditure the balance should cover) is a year-end norm. Within
the year many funds run down and fill up again on a fixed calendar: resident medical
insurance, for one, collects most of its premiums and fiscal subsidy late in the year, so
in October its balance covers half the months it covers in December. Comparing October's
months covered with the year-end band would raise an alarm every year. Instead each past
complete year says how its December months covered stood to the same month's
(December ÷ month ``m``); the mean of those ratios carries this year's months covered to a
projected year end, and that projection is compared with the band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sipm_helpers.config import FundRegistry
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import POOLED


@dataclass(frozen=True)
class SeasonalBalance:
    """Months covered now, the seasonal factor to the year end and the projection."""

    months_covered: float  # balance ÷ (expenditure to date ÷ months)
    factor: float  # mean of past years' December months covered ÷ this month's (NaN: none)
    history_years: int  # past complete years the factor rests on
    year_end: float  # projected year-end months covered (NaN without history)

    @property
    def judged(self) -> float:
        """What the band is compared with: the projection, or today's months covered
        where no past year gives a season (at the risk of a seasonal false alarm)."""
        return self.year_end if self.history_years else self.months_covered


def coverage_path(ds: Dataset, registry: FundRegistry, *, fund: str, region: str) -> pd.DataFrame:
    """Months of expenditure the balance covers at the end of every reported month:
    year, month, balance, spent (expenditure from January), months_covered. Years whose
    statistics report the pooled fund take its balance and expenditure
    (:data:`~sipm_helpers.domain.facts.POOLED`), like the reserve norm does."""
    e = ds.execution.loc[(ds.execution["fund"] == fund) & (ds.execution["region_code"] == region)]
    kind = e["item"].map({c: i.kind for c, i in registry.line_items.items()})
    keys = ["year", "month"]
    balance = e.loc[e["item"] == "balance_end"].groupby(keys)["amount"].sum().rename("balance")
    spent = e.loc[kind == "expenditure"].groupby(keys)["amount"].sum().rename("spent")
    path = pd.concat([balance, spent], axis=1).dropna(subset=["balance"])
    s = ds.statistics
    s = s.loc[(s["fund"] == fund) & (s["region_code"] == region)]
    pooled = s.pivot_table(index=keys, columns="stat", values="value", aggfunc="sum")
    if {POOLED["balance_end"], POOLED["expenditure"]} <= set(pooled.columns):
        pooled = pooled[[POOLED["balance_end"], POOLED["expenditure"]]].dropna()
        pooled.columns = ["balance", "spent"]
        years = path.index.get_level_values("year")
        pooled_years = pooled.index.get_level_values("year").unique()
        path = pd.concat([path.loc[~years.isin(pooled_years)], pooled]).sort_index()
    path = path.reset_index()
    path["spent"] = path["spent"].fillna(0.0).groupby(path["year"]).cumsum()
    with np.errstate(divide="ignore", invalid="ignore"):
        monthly = path["spent"] / path["month"]
        path["months_covered"] = path["balance"] / monthly.where(monthly > 0)
    return path


def seasonal_balance(path: pd.DataFrame, year: int, month: int) -> SeasonalBalance:
    """Months covered at the end of ``month`` of ``year`` and its projection to December
    by the mean ratio December ÷ ``month`` of the past complete years in ``path``."""
    now = path.loc[(path["year"] == year) & (path["month"] == month), "months_covered"]
    covered = float(now.iloc[0]) if len(now) else float("nan")
    past = path.loc[path["year"] < year].pivot_table(
        index="year", columns="month", values="months_covered"
    )
    if month in past.columns and 12 in past.columns:
        ratios = (past[12] / past[month].where(past[month] > 0)).dropna()
    else:
        ratios = pd.Series(dtype=float)
    factor = float(ratios.mean()) if len(ratios) else float("nan")
    return SeasonalBalance(covered, factor, len(ratios), covered * factor)
