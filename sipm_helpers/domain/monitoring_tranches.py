"""Lumpy items: money that arrives in a few tranches a year (a fiscal subsidy paid in March,
June, September and December), monitored by their schedule of past years.

Multiplying what has arrived by how much more past years still received after this month
works for a steady flow; for a tranche that is late it reads as a loss for the year with a
tight interval. Instead a lumpy item (paid in at most the rules' number of months in each
past complete year) has a **schedule**: the months every past year paid it, each with its
mean share of the year's total. The tranches received so far, against the shares they
stood for in past years, scale the year: the forecast is what has arrived ÷ the share of
the received tranches, the missing ones assumed late, not lost; and the first scheduled
month whose tranche has not come is named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["region_code", "fund", "item"]
MONTHS = range(1, 13)


def tranche_schedule(past: pd.DataFrame, max_months: int) -> pd.DataFrame:
    """From :func:`~sipm_helpers.domain.monitoring.cumulative_shares` of past complete
    years: per region, fund and item paid in at most ``max_months`` months of every year,
    the schedule as wide frames: index the item keys, columns ('paid', m) whether every
    past year paid in month m and ('share', m) the mean share of the year's total paid in
    it."""
    wide = past.pivot_table(index=[*KEYS, "year"], columns="month", values="share")
    wide = wide.reindex(columns=MONTHS).fillna(0.0)
    monthly = wide.diff(axis=1).fillna(wide)  # cumulative share → the month's own share
    paid = monthly > 0
    months_paid = paid.sum(axis=1).groupby(level=KEYS).max()
    lumpy = months_paid.index[(months_paid > 0) & (months_paid <= max_months)]
    every = paid.groupby(level=KEYS).all().loc[lumpy]
    share = monthly.groupby(level=KEYS).mean().loc[lumpy]
    return pd.concat({"paid": every, "share": share}, axis=1)


def tranches(schedule: pd.DataFrame, now: pd.DataFrame, month: int) -> pd.DataFrame:
    """For each lumpy item: ``got`` (months with a payment this year to ``month``, from
    ``now``: item keys, month, amount), ``received_share`` (the schedule's share of the
    first ``got`` tranches), ``missing_share`` (of the tranches due by ``month`` beyond
    those) and ``tranche_month`` (the first scheduled month ≤ ``month`` not received, 0
    if none). Index: the item keys."""
    if schedule.empty:
        cols = ["got", "received_share", "missing_share", "tranche_month"]
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=KEYS))
    got = (
        now.loc[now["amount"] > 0].groupby(KEYS)["month"].nunique().reindex(schedule.index)
    ).fillna(0)
    paid = schedule["paid"].to_numpy(dtype=bool)
    share = schedule["share"].to_numpy(dtype=float) * paid
    order = np.cumsum(paid, axis=1)  # the tranche's number in the year's schedule
    g = got.to_numpy(dtype=float)[:, None]
    upto = np.arange(1, 13)[None, :] <= month
    missing = paid & (order > g) & upto
    first = np.where(missing.any(axis=1), missing.argmax(axis=1) + 1, 0)
    return pd.DataFrame(
        {
            "got": got.to_numpy(dtype=int),
            "received_share": (share * (paid & (order <= g))).sum(axis=1),
            "missing_share": (share * missing).sum(axis=1),
            "tranche_month": first,
        },
        index=schedule.index,
    )
