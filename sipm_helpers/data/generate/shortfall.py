"""How a region's year goes against its plan: the spread of an evaluation's grades.

Targets are set from the plan, most with some slack (:mod:`.targets`), so a region that
keeps to its plan meets them and every self-evaluation would be excellent. Agencies
differ: in the year evaluated (the last complete year) each fund-region falls short of its
plan by a shortfall drawn for it, and the shortfall shows where an evaluation looks —
premiums assessed are left uncollected, fewer of those required to be insured are
enrolled, the premiums and benefits budgeted are further off the outturn (and the budget
is not adjusted in time), and qualitative grades are lower. The flows and balances stay as
planned. A fund-region with a scenario planted in that year keeps to its plan otherwise,
so that what an evaluation finds there is what the scenario plants.

The sizes are data (``shortfall`` in ``sipm_helpers/demo/fund_profiles.yaml``); the draws
come from a stream of their own, so every other draw of a dataset is the same with or
without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sipm_helpers.data.generate.common import _rng
from sipm_helpers.data.generate.profiles import SHORTFALL
from sipm_helpers.data.generate.scenarios import Scenario

Arrays = dict[str, np.ndarray]
BUDGETED = ("premium", "benefits")  # the items an agency estimates itself, income first


@dataclass(frozen=True)
class _Shortfall:
    """How far each region's year fell short of its plan, and which way its budget errs."""

    level: np.ndarray  # [P, Y]: 0 but in the year evaluated
    budget_sign: np.ndarray  # [P, 2]: +1 premiums / benefits budgeted over the outturn, −1 under


def _shortfall(
    fund: str,
    codes: Sequence[str],
    years: tuple[int, ...],
    evaluated: int | None,
    scenarios: Sequence[Scenario],
    seed: int,
) -> _Shortfall:
    """Each region's shortfall in the year ``evaluated`` (none in the other years, nor in a
    fund-region with a scenario planted in that year)."""
    rng = _rng(seed, "shortfall", fund)
    n = len(codes)
    drawn = np.clip(rng.normal(SHORTFALL.mean, SHORTFALL.sd, n), 0.0, SHORTFALL.cap)
    sign = rng.choice([-1.0, 1.0], (n, len(BUDGETED)))
    level = np.zeros((n, len(years)))
    if evaluated in years:
        planted = {s.region for s in scenarios if s.fund == fund and s.year == evaluated}
        level[:, years.index(evaluated)] = np.where(np.isin(codes, list(planted)), 0.0, drawn)
    return _Shortfall(level, sign)


def _fall_short(stats: Arrays, plan: Arrays, shortfall: _Shortfall) -> None:
    """The statistics of a year that fell short (in place): more premiums assessed than
    collected, more people required to be insured than enrolled. The flows stay."""
    s = shortfall.level[:, :, None]
    hit = s > 0  # a year at plan keeps its figures to the last digit
    # (a rate floored at 0.5 only guards the division: a shortfall's cap stays far above)
    collection = plan["collection"][:, :, None]
    more = collection / np.maximum(collection - s * SHORTFALL.collection, 0.5)
    for name in ("premiums_assessed", "contribution_base"):
        if name in stats:
            stats[name] = np.where(hit, np.round(stats[name] * more, 2), stats[name])
    if "target_population" in stats:
        coverage = plan["coverage"][:, :, None]
        wider = coverage / np.maximum(coverage - s * SHORTFALL.coverage, 0.5)
        stats["target_population"] = np.where(
            hit, np.rint(stats["target_population"] * wider), stats["target_population"]
        )


def _budget_error(shortfall: _Shortfall, items: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """[P, Y, K] how much further off the outturn each flow item is budgeted, initially and
    as adjusted: premiums and benefits by the shortfall × ``budget_error``, each the way
    its sign says, of which the adjusted budget keeps ``adjusted_kept``."""
    n, ny = shortfall.level.shape
    error = np.zeros((n, ny, len(items)))
    for side, item in enumerate(BUDGETED):
        if item in items:
            size = shortfall.level * SHORTFALL.budget_error
            error[..., items.index(item)] = size * shortfall.budget_sign[:, side, None]
    return error, error * SHORTFALL.adjusted_kept


def _grade_odds(level: np.ndarray, odds: Sequence[float]) -> np.ndarray:
    """[N, 3] the odds of achieved, partly and not achieved for rows of shortfall ``level``
    ([N]): ``odds`` at 0, partly and not achieved likelier by the shortfall."""
    partly, not_achieved = SHORTFALL.partly, SHORTFALL.not_achieved
    shift = np.array([-(partly + not_achieved), partly, not_achieved])
    return np.maximum(np.asarray(odds)[None, :] + level[:, None] * shift[None, :], 0.0)


def _grades(uniform: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """[N] the grade index each row's uniform draw falls on under its odds ([N, 3]): what
    ``Generator.choice(3, p=odds)`` gives from the same draws, row by row."""
    cdf = np.cumsum(odds, axis=1)
    cdf /= cdf[:, -1:]
    return (cdf <= uniform[:, None]).sum(axis=1)
