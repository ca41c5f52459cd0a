"""Scoring rules, totals and grades against hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.domain.scoring import INSUFFICIENT, SCORED, score_indicators, summarize_scores


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
        "band_zero_at": np.nan,
        "explain_threshold": 0.05,
        "grade": None,
        "share": np.nan,
    }
    base.update(row)
    return score_indicators(pd.DataFrame([base]), ctx.standards).iloc[0]


def test_higher_is_better_is_proportional_and_capped(ctx):
    r = one(ctx, target=0.98, actual=0.931)
    assert r["score"] == pytest.approx(10 * 0.931 / 0.98)
    assert not r["met"] and r["shortfall"] == pytest.approx(0.05)
    assert one(ctx, target=0.98, actual=1.2)["score"] == 10.0


def test_lower_is_better_is_inverse(ctx):
    r = one(ctx, rule="lower_is_better", direction="lower", target=0.05, actual=0.08)
    assert r["score"] == pytest.approx(10 * 0.05 / 0.08)
    assert r["shortfall"] == pytest.approx(0.6)
    assert (
        one(ctx, rule="lower_is_better", direction="lower", target=0.05, actual=0.0)["score"]
        == 10.0
    )


def test_band_full_inside_linear_outside(ctx):
    band = {
        "rule": "band",
        "direction": "band",
        "band_lower": 6.0,
        "band_upper": 9.0,
        "band_zero_at": 6.0,
    }
    assert one(ctx, actual=7.5, **band)["score"] == 10.0
    low = one(ctx, actual=3.0, **band)  # 3 months short of 6, zero at 6 months' distance
    assert low["score"] == pytest.approx(5.0)
    assert low["shortfall"] == pytest.approx(0.5)
    assert one(ctx, actual=16.0, **band)["score"] == 0.0
    open_top = {
        "rule": "band",
        "direction": "band",
        "band_lower": 12.0,
        "band_upper": np.nan,
        "band_zero_at": 12.0,
    }
    assert one(ctx, actual=40.0, **open_top)["score"] == 10.0
    assert one(ctx, actual=9.0, **open_top)["score"] == pytest.approx(7.5)


def test_pass_fail(ctx):
    assert one(ctx, rule="pass_fail", target=0.999, actual=0.9995)["score"] == 10.0
    miss = one(ctx, rule="pass_fail", target=0.999, actual=0.98, explain_threshold=0.0)
    assert miss["score"] == 0.0 and miss["needs_explanation"]


def test_qualitative_levels_and_share(ctx):
    assert one(ctx, rule="qualitative", direction=None, grade="achieved")["score"] == 10.0
    assert one(ctx, rule="qualitative", direction=None, grade="partly")["score"] == pytest.approx(
        6.5
    )
    assert one(ctx, rule="qualitative", direction=None, grade="partly", share=0.55)[
        "score"
    ] == pytest.approx(5.5)
    r = one(ctx, rule="qualitative", direction=None, grade="not_achieved", explain_threshold=0.0)
    assert r["score"] == pytest.approx(2.5) and r["needs_explanation"]


def test_missing_data_is_insufficient_never_zero(ctx):
    r = one(ctx, target=0.98, actual=np.nan)
    assert r["status"] == INSUFFICIENT and math.isnan(r["score"]) and pd.isna(r["met"])
    assert one(ctx, target=np.nan, actual=0.5)["status"] == INSUFFICIENT
    assert one(ctx, rule="qualitative", direction=None, grade=None)["status"] == INSUFFICIENT
    assert one(ctx, target=0.98, actual=0.99)["status"] == SCORED


def test_explanation_threshold(ctx):
    assert not one(ctx, target=1.0, actual=0.96, explain_threshold=0.05)["needs_explanation"]
    assert one(ctx, target=1.0, actual=0.94, explain_threshold=0.05)["needs_explanation"]


def frame(weights, scores, statuses):
    return pd.DataFrame(
        {
            "key": "a",
            "indicator": [f"i{i}" for i in range(len(weights))],
            "weight": weights,
            "score": scores,
            "status": statuses,
            "met": pd.array([True] * len(weights), dtype="boolean"),
            "needs_explanation": False,
        }
    )


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (95.0, "excellent"),
        (90.0, "excellent"),
        (89.99, "good"),
        (80.0, "good"),
        (60.0, "fair"),
        (59.9, "poor"),
    ],
)
def test_grade_bands(ctx, total, grade):
    s = summarize_scores(frame([100.0], [total], [SCORED]), ctx.standards, ["key"]).iloc[0]
    assert s["grade"] == grade and s["total"] == pytest.approx(total)


def test_total_rescaled_over_assessed_weight(ctx):
    s = summarize_scores(
        frame([90.0, 10.0], [81.0, np.nan], [SCORED, INSUFFICIENT]), ctx.standards, ["key"]
    ).iloc[0]
    assert s["total"] == pytest.approx(90.0) and s["grade"] == "excellent"
    assert s["insufficient_weight"] == 10.0


def test_too_much_missing_weight_gives_no_grade(ctx):
    s = summarize_scores(
        frame([70.0, 30.0], [70.0, np.nan], [SCORED, INSUFFICIENT]), ctx.standards, ["key"]
    ).iloc[0]
    assert s["grade"] == "insufficient_information"


def test_one_sided_band_at_zero(ctx):
    gap = {
        "rule": "band",
        "direction": "band",
        "band_lower": np.nan,
        "band_upper": 0.0,
        "band_zero_at": 0.1,
    }
    assert one(ctx, actual=-0.03, **gap)["score"] == 10.0
    r = one(ctx, actual=0.05, explain_threshold=0.0, **gap)
    assert (
        r["score"] == pytest.approx(5.0)
        and r["shortfall"] == pytest.approx(0.5)
        and r["needs_explanation"]
    )
