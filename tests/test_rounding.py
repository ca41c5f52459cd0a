"""Rounding half up at the precision shown, and shares apportioned so that they add up."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.domain.rounding import apportion, round_half_up
from sipm_helpers.domain.scoring import allot_points


def test_halves_go_up_whatever_the_binary_value():
    # numpy rounds half to even on the binary value: 0.125 → 0.12, 2.25 → 2.2, 6.25 → 6.2;
    # Python's round(2.675, 2) is 2.67 (2.675 is held as 2.67499999999999982...).
    assert np.round(0.125, 2) == 0.12 and np.round(2.25, 1) == 2.2 and round(2.675, 2) == 2.67
    assert round_half_up(0.125, 2) == 0.13
    assert round_half_up(2.25, 1) == 2.3 and round_half_up(6.25, 1) == 6.3
    assert round_half_up(2.675, 2) == 2.68 and round_half_up(1.005, 2) == 1.01
    assert round_half_up(8.65, 1) == 8.7
    # Jinhe's decision scores of the issue added in another order: 8.649999999999999 in
    # binary, 8.65 by hand, 8.7 (numpy's round gives 8.6)
    noisy = 3.28 + 2.67 + 2.7
    assert noisy == 8.649999999999999 and np.round(noisy, 1) == 8.6
    assert round_half_up(noisy, 1) == 8.7
    assert round_half_up(8.64, 1) == 8.6 and round_half_up(8.6499, 1) == 8.6


def test_negative_missing_and_whole_values():
    assert round_half_up(-0.125, 2) == -0.13 and round_half_up(-2.25, 1) == -2.3
    assert math.copysign(1.0, float(round_half_up(-0.01, 1))) == 1.0  # 0.0, never −0.0
    out = round_half_up(np.array([np.nan, 2.5, 3.5, 100.000000001]), 0)
    assert np.isnan(out[0]) and out[1:].tolist() == [3.0, 4.0, 100.0]


def test_it_agrees_with_decimal_half_up_on_every_figure_of_three_decimals():
    """Every k / 1000 from 0 to 100, and its negative, rounded to two decimals as
    Decimal(repr(x)).quantize(0.01, ROUND_HALF_UP) rounds it, without a loop."""
    values = np.arange(0, 100_001) / 1000
    values = np.concatenate([values, -values])
    cent = Decimal("0.01")
    expected = [float(Decimal(repr(v)).quantize(cent, ROUND_HALF_UP)) for v in values.tolist()]
    assert round_half_up(values, 2).tolist() == expected


def test_a_total_shared_by_three_adds_up_to_it():
    """20 points among three equal weights: 6.67 each, 6.7 three times would be 20.1; the
    unit left over after 6.6 + 6.6 + 6.6 = 19.8 goes to the first two (equal remainders:
    the first rows first), 6.7 + 6.7 + 6.6 = 20.0."""
    groups = [np.array(["a", "a", "a", "b"])]
    shares = apportion(np.array([20 / 3, 20 / 3, 20 / 3, 5.0]), groups, 1)
    assert shares.tolist() == [6.7, 6.7, 6.6, 5.0]
    # 10 × 4/7 = 5.714… and 10 × 3/7 = 4.285…: the larger remainder (0.857 of a unit of
    # 0.1 against 0.143) takes the unit: 5.7 + 4.3 = 10.0
    assert apportion(np.array([40 / 7, 30 / 7]), [np.array([1, 1])], 1).tolist() == [5.7, 4.3]


def test_points_shared_out_add_up_to_the_category_and_the_whole():
    """Process 20 points: one of four indicators of 5 does not apply, so the other three
    carry 20 / 3 = 6.67 each: 6.7, 6.7 and 6.6 (20.0). Group b has no benefit indicator left
    (10 points): the 90 others carry 100 in proportion, 33.33 per category of 30: the
    categories 33.4, 33.3 and 33.3 (100.0), each shared by its indicators."""
    f = pd.DataFrame(
        {
            "key": ["a"] * 5 + ["b"] * 5,
            "indicator": [f"i{i}" for i in range(10)],
            "category": ["process"] * 4 + ["output"]
            + ["benefit", "decision", "process", "output", "output"],
            "weight": [5.0, 5.0, 5.0, 5.0, 80.0, 10.0, 30.0, 30.0, 15.0, 15.0],
            "applicable": [False, True, True, True, True, False, True, True, True, True],
        }
    )  # fmt: skip
    points = allot_points(f, ["key"], 1)["points"].tolist()
    assert points[:5] == [0.0, 6.7, 6.7, 6.6, 80.0]
    # b: decision 33.4 (the first category takes the unit left over), process 33.3, and
    # output's 33.3 shared by two of 15: 16.65 each, 16.7 and 16.6
    assert points[5:] == [0.0, 33.4, 33.3, 16.7, 16.6]
    by_key = pd.Series(points).groupby(f["key"]).sum()
    assert round_half_up(by_key, 1).tolist() == [100.0, 100.0]


@pytest.mark.parametrize("decimals", [0, 2])
def test_the_precision_is_the_parameters(decimals):
    f = pd.DataFrame(
        {"key": "a", "indicator": ["x", "y", "z", "w"], "category": "process",
         "weight": [25.0, 25.0, 25.0, 25.0], "applicable": [True, True, True, False]}
    )  # fmt: skip
    points = allot_points(f, ["key"], decimals)["points"].tolist()
    # 100 / 3 = 33.33…: 34 + 33 + 33 at 0 decimals, 33.34 + 33.33 + 33.33 at 2
    expected = {0: [34.0, 33.0, 33.0, 0.0], 2: [33.34, 33.33, 33.33, 0.0]}[decimals]
    assert points == expected
