"""Rounding of scores and points at the precision a report shows them (parameters/
scoring.yaml ``score_decimals``): half up, as a scoring table is added up by hand, and
shares of a total apportioned so that the rounded shares still add up to it.

numpy's ``round`` rounds half to even and works on the binary value: 2.675 is held as
2.67499999999999982236431605997495353221893310546875 and comes out 2.67, 0.125 as 0.12.
:func:`round_half_up` rounds the decimal the figure stands for (2.68, 0.13), as
``Decimal(repr(x)).quantize(..., ROUND_HALF_UP)`` does, without a loop over the rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

# A figure within this much of a half, in units of the last decimal kept, is that half:
# arithmetic on binary floats leaves errors near 1e-15 of the figure (at most ~1e-11 of
# the last decimal of a score of 100 points), far below it; no figure worth telling apart
# lies closer to the half.
HALF_TOLERANCE = 1e-9


def round_half_up(values: npt.ArrayLike, decimals: int) -> np.ndarray:
    """``values`` rounded to ``decimals`` decimals, halves away from zero (2.675 → 2.68,
    0.125 → 0.13, −0.125 → −0.13); NaN stays NaN, and no −0.0 comes out."""
    x = np.asarray(values, dtype="float64")
    scale = 10.0**decimals
    units = np.floor(np.abs(x) * scale + 0.5 + HALF_TOLERANCE)
    return np.copysign(units / scale, x) + 0.0  # + 0.0: −0.0 becomes 0.0


def apportion(
    values: npt.ArrayLike,
    groups: list[np.ndarray],
    decimals: int,
    totals: npt.ArrayLike | None = None,
) -> np.ndarray:
    """``values`` (non-negative) rounded to ``decimals`` so that each group's rounded
    values add up to its total (by the largest remainder): ``totals`` per row, already at
    ``decimals`` and within one unit of the group's sum, or by default the group's sum
    rounded half up. 20 shared by three as 6.67 each gives 6.7, 6.7 and 6.6, not 6.7 three
    times (20.1). The units left over go to the largest remainders, to the first rows
    first where remainders are equal."""
    x = np.asarray(values, dtype="float64")
    if not len(x):
        return x.copy()
    scale = 10.0**decimals
    units = x * scale
    floor = np.floor(units + HALF_TOLERANCE)
    by = [pd.Series(g) for g in groups]

    def per_group(v: np.ndarray) -> np.ndarray:
        return pd.Series(v).groupby(by, sort=False).transform("sum").to_numpy()

    target = round_half_up(
        per_group(units) if totals is None else np.asarray(totals, dtype="float64") * scale, 0
    )
    short = target - per_group(floor)  # units still to hand out in the group
    remainder = pd.Series(np.where(units - floor > HALF_TOLERANCE, units - floor, 0.0))
    order = remainder.groupby(by, sort=False).rank(method="first", ascending=False)
    bump = (order.to_numpy() <= short) & (remainder.to_numpy() > 0)
    return (floor + bump) / scale
