"""One fund's long tables from its simulated arrays: the budget (initial and adjusted, the
plan with an error), monthly execution and monthly statistics, each to the last month its
regions report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sipm_helpers.data.generate.common import MONTHS, _rng, _text
from sipm_helpers.data.generate.geography import _Pairs
from sipm_helpers.data.generate.kinds import KINDS, Budget
from sipm_helpers.data.generate.money import _FundData
from sipm_helpers.data.generate.scenarios import Scenario
from sipm_helpers.data.generate.shortfall import _budget_error


def _budget(
    data: _FundData, years: tuple[int, ...], scenarios: Sequence[Scenario], seed: int
) -> pd.DataFrame:
    """The fund's budget: every line item, initial and adjusted, per region and year."""
    rng = _rng(seed, "budget", data.fund.code)
    budget = _planned_budget(data, rng)
    index = {c: i for i, c in enumerate(data.pairs.codes)}
    for s in scenarios:
        if s.fund != data.fund.code or s.region not in index or s.year not in years:
            continue
        if (hook := KINDS[s.kind].budget) is not None:
            hook(s, (index[s.region], years.index(s.year)), budget)
    return _budget_frame(data, years, budget, rng)


def _planned_budget(data: _FundData, rng: np.random.Generator) -> Budget:
    """The plan with the budget's errors: the initial budget errs the same way for a whole
    fund-year, plus a little per item, and further in a year that fell short of its plan;
    the adjusted one is close to the plan, but for what the agency did not adjust in time;
    subsidies are budgeted as appropriated."""
    fund = data.fund
    n, ny = data.balance_start.shape
    planned = np.concatenate([data.planned_income, data.planned_expenditure], axis=2)
    off, kept = _budget_error(data.shortfall, fund.flow_items)
    bias = rng.normal(0, 0.018, (n, ny, 1))
    initial = planned * (1 + bias + rng.normal(0, 0.01, planned.shape) + off)
    adjusted = planned * (1 + rng.normal(0, 0.01, planned.shape) + kept)
    if "fiscal_subsidy" in fund.income_items:
        j = fund.income_items.index("fiscal_subsidy")
        adjusted[..., j] = planned[..., j] * rng.uniform(0.985, 1.0, (n, ny))
    blank = np.zeros(planned.shape, dtype=bool)
    return Budget(initial, adjusted, blank, len(fund.income_items), fund.flow_items)


def _budget_frame(
    data: _FundData, years: tuple[int, ...], budget: Budget, rng: np.random.Generator
) -> pd.DataFrame:
    """The budget rows: the flow items rounded, then balance_start and balance_end (an
    empty adjusted figure counts as the initial one)."""
    n, ny = data.balance_start.shape
    ki, k = budget.income_count, budget.initial.shape[2]
    initial, adjusted = np.round(budget.initial, 2), np.round(budget.adjusted, 2)
    sign = np.r_[np.ones(ki), -np.ones(k - ki)]
    effective = np.where(budget.blank, initial, adjusted)
    adjusted = np.where(budget.blank, np.nan, adjusted)
    start_adjusted = data.balance_start
    start_initial = np.round(start_adjusted * (1 + rng.normal(0, 0.01, (n, ny))), 2)
    end_initial = np.round(start_initial + (initial * sign).sum(axis=2), 2)
    end_adjusted = np.round(start_adjusted + (effective * sign).sum(axis=2), 2)
    init_all = np.concatenate([initial, start_initial[..., None], end_initial[..., None]], axis=2)
    adj_all = np.concatenate([adjusted, start_adjusted[..., None], end_adjusted[..., None]], axis=2)
    p, y, j = (a.ravel() for a in np.indices(init_all.shape))
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([data.fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "item": _text(data.fund.line_items, j),
            "initial": init_all.ravel(),
            "adjusted": adj_all.ravel(),
        }
    )


def _reported(n: int, ny: int, last_months: np.ndarray) -> np.ndarray:
    """[P, Y, M] months reported: every month of past years, the last year to each region's
    last month."""
    reported = np.ones((n, ny, MONTHS), dtype=bool)
    reported[:, -1, :] = np.arange(1, MONTHS + 1)[None, :] <= last_months[:, None]
    return reported


def _last_months(
    pairs: _Pairs, fund: str, last_month: int, scenarios: Sequence[Scenario], last_year: int
) -> np.ndarray:
    """[P] the last month each region reports in the last year: ``last_month``, or what a
    scenario kind's ``last_month`` hook makes of it (late data)."""
    out = np.full(len(pairs.codes), last_month)
    index = {c: i for i, c in enumerate(pairs.codes)}
    for s in scenarios:
        hook = KINDS[s.kind].last_month
        if hook is not None and s.fund == fund and s.region in index and s.year == last_year:
            out[index[s.region]] = hook(s, last_month)
    return out


def _execution(data: _FundData, years: tuple[int, ...], last_months: np.ndarray) -> pd.DataFrame:
    """Monthly execution: balance_start in month 1, flows where not zero, balance_end."""
    fund = data.fund
    n, ny = data.balance_start.shape
    flows = np.concatenate([data.income, data.expenditure], axis=3)
    start = np.zeros((n, ny, MONTHS, 1))
    start[:, :, 0, 0] = data.balance_start
    values = np.concatenate([start, flows, data.balance_end[..., None]], axis=3)
    reported = _reported(n, ny, last_months)
    mask = np.broadcast_to(reported[..., None], values.shape).copy()
    mask[..., 1:-1] &= flows > 0
    mask[:, :, 1:, 0] = False
    p, y, m, j = np.nonzero(mask)
    items = ("balance_start", *fund.flow_items, "balance_end")
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "month": (m + 1).astype("int64"),
            "item": _text(items, j),
            "amount": values[mask],
        }
    )


def _statistics_table(
    data: _FundData, years: tuple[int, ...], last_months: np.ndarray
) -> pd.DataFrame:
    """Monthly statistics of the fund in long form; a statistic a month does not report
    (NaN: the survey's months but one) has no row."""
    names = list(data.stats)
    values = np.stack([data.stats[s] for s in names], axis=3)
    reported = _reported(values.shape[0], values.shape[1], last_months)
    mask = np.broadcast_to(reported[..., None], values.shape) & ~np.isnan(values)
    p, y, m, j = np.nonzero(mask)
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([data.fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "month": (m + 1).astype("int64"),
            "stat": _text(names, j),
            "value": values[mask],
        }
    )
