"""Scoring rules, statuses, redistribution, totals and grades against hand-worked examples."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.domain.rules import RULES, rule
from sipm_helpers.domain.scoring import (
    NOT_APPLICABLE,
    NOT_ASSESSED,
    REPORTED,
    SCORED,
    allot_points,
    category_scores,
    score_indicators,
    summarize_scores,
)


def one(ctx, **row) -> pd.Series:
    base = {
        "indicator": "x",
        "rule": "higher_is_better",
        "direction": "higher",
        "weight": 10.0,
        "target": np.nan,
        "actual": np.nan,
        "band_lower": np.nan,
        "band_upper": np.nan,
        "band_zero_below": np.nan,
        "band_zero_above": np.nan,
        "explain_threshold": 0.05,
        "grade": None,
        "share": np.nan,
        "evidence": None,
    }
    base.update(row)
    return score_indicators(pd.DataFrame([base]), ctx.standards).iloc[0]


MEDICAL = {  # reasonable 6–9 months, nothing under 3 or over 15
    "rule": "band",
    "direction": "band",
    "band_lower": 6.0,
    "band_upper": 9.0,
    "band_zero_below": 3.0,
    "band_zero_above": 15.0,
}


def test_higher_is_better_is_proportional_and_capped(ctx):
    r = one(ctx, target=0.98, actual=0.931)
    assert r["score"] == pytest.approx(10 * 0.931 / 0.98)
    assert not r["met"] and r["shortfall"] == pytest.approx(0.05)
    assert one(ctx, target=0.98, actual=1.2)["score"] == 10.0
    assert one(ctx, target=0.98, actual=0.0)["score"] == 0.0


def test_lower_is_better_is_inverse(ctx):
    r = one(ctx, rule="lower_is_better", direction="lower", target=0.05, actual=0.08)
    assert r["score"] == 6.3  # 10 × 0.05 ÷ 0.08 = 6.25, rounded half up (numpy's round: 6.2)
    assert r["shortfall"] == pytest.approx(0.6)
    best = one(ctx, rule="lower_is_better", direction="lower", target=0.05, actual=0.0)
    assert best["score"] == 10.0


def test_band_full_inside_linear_to_its_zero_points(ctx):
    assert one(ctx, actual=7.5, **MEDICAL)["score"] == 10.0
    low = one(ctx, actual=4.5, **MEDICAL)  # half-way from 3 to 6
    assert low["score"] == pytest.approx(5.0) and low["shortfall"] == pytest.approx(0.25)
    assert low["reference"] == 6.0
    high = one(ctx, actual=12.0, **MEDICAL)  # half-way from 9 to 15
    assert high["score"] == pytest.approx(5.0) and high["reference"] == 9.0
    assert one(ctx, actual=16.0, **MEDICAL)["score"] == 0.0
    assert one(ctx, actual=0.0, **MEDICAL)["score"] == 0.0


def test_reserve_bands_of_the_catalogues_give_an_empty_fund_nothing(ctx):
    """Unemployment 12–24 months and work injury 6–18: 0 months earns 0 (it earned 4.5 of 9
    and 4 of 8 when the zero point was a distance), an excessive reserve loses points."""
    for fund, points in (("unemployment", 9), ("work_injury", 8)):
        band = ctx.catalogue(fund).indicator("months_covered").band
        spec = {
            "rule": "band",
            "direction": "band",
            "weight": points,
            "band_lower": band.lower,
            "band_upper": band.upper,
            "band_zero_below": band.zero_below,
            "band_zero_above": band.zero_above,
        }
        assert one(ctx, actual=0.0, **spec)["score"] == 0.0, fund
        assert one(ctx, actual=band.upper + 6, **spec)["score"] < points, fund
    # unemployment: 36 months is the zero point, 30 months half-way from 24
    assert one(
        ctx,
        actual=30.0,
        weight=9,
        rule="band",
        direction="band",
        band_lower=12.0,
        band_upper=24.0,
        band_zero_below=3.0,
        band_zero_above=36.0,
    )["score"] == pytest.approx(4.5)


def test_open_band_and_band_at_zero(ctx):
    floor = {"rule": "band", "direction": "band", "band_lower": 12.0, "band_zero_below": 2.0}
    assert one(ctx, actual=40.0, **floor)["score"] == 10.0
    assert one(ctx, actual=7.0, **floor)["score"] == pytest.approx(5.0)
    gap = {"rule": "band", "direction": "band", "band_upper": 0.0, "band_zero_above": 0.1}
    assert one(ctx, actual=-0.03, **gap)["score"] == 10.0
    r = one(ctx, actual=0.05, explain_threshold=0.0, **gap)
    assert r["score"] == pytest.approx(5.0) and r["shortfall"] == pytest.approx(0.5)
    assert r["needs_explanation"]


def test_pass_fail(ctx):
    assert one(ctx, rule="pass_fail", target=1.0, actual=1.0)["score"] == 10.0
    miss = one(ctx, rule="pass_fail", target=1.0, actual=0.98, explain_threshold=0.0)
    assert miss["score"] == 0.0 and miss["needs_explanation"]
    ceiling = one(ctx, rule="pass_fail", direction="lower", target=0.02, actual=0.03)
    assert ceiling["score"] == 0.0 and ceiling["shortfall"] == pytest.approx(0.5)


def test_qualitative_levels_share_and_evidence(ctx):
    q = {"rule": "qualitative", "direction": None, "evidence": "survey 93 %"}
    assert one(ctx, grade="achieved", **q)["score"] == 10.0
    assert one(ctx, grade="partly", **q)["score"] == pytest.approx(6.5)
    assert one(ctx, grade="partly", share=0.55, **q)["score"] == pytest.approx(5.5)
    r = one(ctx, grade="not_achieved", explain_threshold=0.0, **q)
    assert r["score"] == pytest.approx(2.5) and r["needs_explanation"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"target": 0.98}, "no_data"),
        ({"actual": 0.5}, "no_target"),
        ({"rule": "qualitative", "direction": None}, "no_evidence"),
        ({"rule": "qualitative", "grade": "achieved", "evidence": "  "}, "no_evidence"),
        ({"actual": np.nan, **MEDICAL}, "no_data"),
    ],
)
def test_not_assessed_earns_zero_with_its_reason(ctx, row, reason):
    r = one(ctx, **row)
    assert r["status"] == NOT_ASSESSED and r["status_reason"] == reason
    assert r["score"] == 0.0 and pd.isna(r["met"]) and not r["needs_explanation"]


def test_not_applicable_and_reported_score_nothing(ctx):
    na = one(ctx, target=1.0, actual=0.5, applicable=False, applies_when="fiscal_subsidy_budgeted")
    assert na["status"] == NOT_APPLICABLE and math.isnan(na["score"])
    assert na["status_reason"] == "fiscal_subsidy_budgeted"
    shown = one(ctx, target=0.25, actual=0.6, reported=True, rule="lower_is_better")
    assert shown["status"] == REPORTED and math.isnan(shown["score"]) and not shown["met"]
    assert one(ctx, target=0.98, actual=0.99)["status"] == SCORED


DEDUCT = {  # Nanyu's premium collection of 2025: 87.6 % against 97.3 %, 8 points
    "rule": "deduct_per_point",
    "weight": 8.0,
    "target": 0.973,
    "actual": 0.876,
    "deduct_per_point": 1.0,
    "deduct_floor": 0.0,
}


def test_deduct_per_point_takes_points_off_each_percentage_point_short(ctx):
    # 97.3 − 87.6 = 9.7 points short; 8 − 1 × 9.7 = −1.7: the floor, 0 (proportional
    # scoring left 8 × 87.6 / 97.3 = 7.2)
    r = one(ctx, **DEDUCT)
    assert r["score"] == 0.0 and not r["met"] and r["reads"] == "at_least"
    assert r["shortfall"] == pytest.approx(0.097 / 0.973) and r["reference"] == 0.973
    # half a point off each: 8 − 0.5 × 9.7 = 3.15, 3.2 rounded half up (score_decimals)
    assert one(ctx, **{**DEDUCT, "deduct_per_point": 0.5})["score"] == pytest.approx(3.2)
    # a floor of 2 points: 8 − 9.7 stops at 2
    assert one(ctx, **{**DEDUCT, "deduct_floor": 2.0})["score"] == pytest.approx(2.0)
    # a part of a point counts its share: 97.3 − 97.0 = 0.3 short, 8 − 0.3 = 7.7
    assert one(ctx, **{**DEDUCT, "actual": 0.970})["score"] == pytest.approx(7.7)
    # at or beyond the target, full points
    met = one(ctx, **{**DEDUCT, "actual": 0.973})
    assert met["score"] == 8.0 and met["met"]
    assert one(ctx, **{**DEDUCT, "actual": 0.99})["score"] == 8.0


def test_deduct_per_point_counts_points_above_where_less_is_better(ctx):
    # at most 2 %, 5.5 % spent: 3.5 points above; 8 − 1 × 3.5 = 4.5
    lower = {**DEDUCT, "direction": "lower", "target": 0.02, "actual": 0.055}
    r = one(ctx, **lower)
    assert r["score"] == pytest.approx(4.5) and r["reads"] == "at_most" and not r["met"]
    assert one(ctx, **{**lower, "actual": 0.015})["score"] == 8.0


def test_deduct_per_point_deducts_from_the_points_the_indicator_carries(ctx):
    # the weight of 8 raised to 10 by a category's inapplicable indicator: 10 − 9.7 = 0.3
    assert one(ctx, **DEDUCT, points=10.0)["score"] == pytest.approx(0.3)


def test_explanation_threshold(ctx):
    assert not one(ctx, target=1.0, actual=0.96, explain_threshold=0.05)["needs_explanation"]
    assert one(ctx, target=1.0, actual=0.94, explain_threshold=0.05)["needs_explanation"]


def test_every_rule_says_how_it_reads(ctx):
    assert one(ctx, target=0.9, actual=1.0)["reads"] == "value"
    assert one(ctx, rule="pass_fail", target=1.0, actual=1.0)["reads"] == "at_least"
    assert one(ctx, actual=7.0, **MEDICAL)["reads"] == "between"
    assert (
        one(ctx, actual=1, rule="band", band_upper=0.0, band_zero_above=0.1)["reads"] == "at_most"
    )
    assert rule("qualitative").qualitative and rule("band").needs_band
    assert rule("pass_fail").norm and not rule("higher_is_better").norm
    assert set(RULES) == {
        "higher_is_better",
        "lower_is_better",
        "deduct_per_point",
        "band",
        "pass_fail",
        "qualitative",
    }
    assert rule("deduct_per_point").takes == "deduct" and rule("band").takes == "band"
    with pytest.raises(KeyError, match="unknown scoring rule 'median'"):
        rule("median")


# --------------------------------------------------------------------------- totals


def frame(weights, scores, statuses, categories=None):
    n = len(weights)
    return pd.DataFrame(
        {
            "key": "a",
            "indicator": [f"i{i}" for i in range(n)],
            "category": categories or ["output"] * n,
            "weight": weights,
            "points": weights,
            "score": scores,
            "status": statuses,
            "met": pd.array([True] * n, dtype="boolean"),
            "needs_explanation": False,
        }
    )


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (95.0, "excellent"),
        (90.0, "excellent"),
        (89.94, "good"),
        (89.95, "excellent"),  # the total as shown, 90.0: the grade follows it
        (80.0, "good"),
        (60.0, "fair"),
        (59.9, "poor"),
        (0.0, "poor"),
    ],
)
def test_grade_bands(ctx, total, grade):
    s = summarize_scores(frame([100.0], [total], [SCORED]), ctx.standards, ["key"]).iloc[0]
    shown = float(Decimal(str(total)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    assert s["grade"] == grade and s["total"] == shown


def test_82_points_at_90_percent_and_18_ungraded(ctx):
    """The issue's hand check: 82 quantitative points scored at 90 % with the 18 qualitative
    points left ungraded is 73.8, 中, by default; 90.0, 优, only with ``missing: rescale``."""
    scored = frame([82.0, 18.0], [82 * 0.9, 0.0], [SCORED, NOT_ASSESSED])
    s = summarize_scores(scored, ctx.standards, ["key"]).iloc[0]
    assert s["total"] == pytest.approx(73.8) and s["grade"] == "fair"
    assert (s["assessed_points"], s["not_assessed_points"], s["points"]) == (82, 18, 100)
    assert s["completeness"] == pytest.approx(0.82) and s["missing"] == "zero"
    rescale = replace(ctx.standards, missing="rescale")
    r = summarize_scores(scored, rescale, ["key"]).iloc[0]
    assert r["total"] == pytest.approx(90.0) and r["grade"] == "excellent"
    assert r["missing"] == "rescale"


def test_nothing_assessed_is_poor_never_ungraded(ctx):
    scored = frame([100.0], [0.0], [NOT_ASSESSED])
    for standards in (ctx.standards, replace(ctx.standards, missing="rescale")):
        s = summarize_scores(scored, standards, ["key"]).iloc[0]
        assert s["total"] == 0.0 and s["grade"] == "poor"


def test_not_applicable_points_go_to_their_category():
    """Process 20 points: subsidy arrival 4 does not apply, so execution 6 and 10 carry
    its points in proportion: 6 × 20 / 16 = 7.5 and 10 × 20 / 16 = 12.5."""
    f = pd.DataFrame(
        {
            "key": "a",
            "indicator": ["subsidy", "income", "expenditure", "coverage"],
            "category": ["process", "process", "process", "output"],
            "weight": [4.0, 6.0, 10.0, 80.0],
            "applicable": [False, True, True, True],
        }
    )
    points = allot_points(f, ["key"], 1).set_index("indicator")["points"]
    assert points.to_dict() == pytest.approx(
        {"subsidy": 0.0, "income": 7.5, "expenditure": 12.5, "coverage": 80.0}
    )


def test_a_category_left_empty_shares_its_points_with_all():
    f = pd.DataFrame(
        {
            "key": ["a", "a", "a", "b"],
            "indicator": ["adjustment", "income", "coverage", "income"],
            "category": ["process", "output", "benefit", "output"],
            "weight": [10.0, 45.0, 45.0, 100.0],
            "applicable": [False, True, True, True],
            "reported": [False, False, False, False],
        }
    )
    points = allot_points(f, ["key"], 1)["points"].tolist()
    assert points == pytest.approx([0.0, 50.0, 50.0, 100.0])


def test_redistributed_total_and_categories(ctx):
    f = pd.DataFrame(
        {
            "key": "a",
            "indicator": ["subsidy", "income", "coverage"],
            "category": ["process", "process", "output"],
            "rule": "higher_is_better",
            "direction": "higher",
            "weight": [5.0, 5.0, 90.0],
            "target": 1.0,
            "actual": [0.2, 0.5, 1.0],
            "applicable": [False, True, True],
            "explain_threshold": 1.0,
        }
    )
    scored = score_indicators(allot_points(f, ["key"], 1), ctx.standards)
    assert scored["score"].tolist()[1:] == pytest.approx([5.0, 90.0])  # 10 points × 0.5
    s = summarize_scores(scored, ctx.standards, ["key"]).iloc[0]
    assert s["total"] == pytest.approx(95.0) and s["not_applicable_weight"] == 5.0
    assert s["not_applicable"] == 1 and s["completeness"] == 1.0
    cats = category_scores(scored, ["key"], 1).set_index("category")
    assert cats.loc["process", ["weight", "points", "earned"]].tolist() == [10.0, 10.0, 5.0]


def test_subtotals_and_total_are_the_sums_of_the_rounded_scores_free_of_float_noise(ctx):
    """Jinhe's process scores of the demo, 2.5 + 3.0 + 6.0 + 6.0 + 5.0 + 3.9 + 2.9, add up
    to 29.299999999999997 in binary: the subtotal is 29.3, and with the other 70.7 points
    met in full the total is 100.0 (not 100.00000000000001 nor 99.99999999999999)."""
    scores = [2.5, 3.0, 6.0, 6.0, 5.0, 3.9, 2.9]
    assert sum(scores) == 29.299999999999997
    weights = [3.0, 3.0, 6.0, 6.0, 5.0, 4.0, 3.0]
    f = frame([*weights, 70.0], [*scores, 70.0], [SCORED] * 8, ["process"] * 7 + ["output"])
    cats = category_scores(f, ["key"], ctx.standards.score_decimals).set_index("category")
    assert cats.loc["process", "earned"] == 29.3 and cats.loc["process", "points"] == 30.0
    s = summarize_scores(f, ctx.standards, ["key"]).iloc[0]
    assert s["earned"] == 99.3 and s["total"] == 99.3 and s["points"] == 100.0


def test_completeness_is_a_share_of_points_at_the_precision_of_scores(ctx):
    """71.7 of 100 points assessed: 71.7 / 100 is 0.7170000000000001 in binary; the share
    kept is 0.717 (two decimals more than the scores: a share of 100 points)."""
    assert 71.7 / 100 == 0.7170000000000001
    f = frame([71.7, 28.3], [71.7, 0.0], [SCORED, NOT_ASSESSED])
    s = summarize_scores(f, ctx.standards, ["key"]).iloc[0]
    assert s["completeness"] == 0.717 and s["total"] == 71.7
