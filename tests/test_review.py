"""The evaluator's findings applied to a self-evaluation, by hand on the tiny dataset.

Alpha City (110100), employees' medical fund, 2025. The tiny review adjusts one grade:
fund management compliance (3 points) from partly at a share of 0.6 (1.8 points) to not
achieved at its band's default share of 0.25 (parameters/scoring.yaml): 0.75, 0.8 point.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.review import BY_EVALUATOR

ALPHA = {"funds": ["employee_medical"], "regions": ["110100"], "years": [2025]}


def scored(tiny, ctx, review=None) -> pd.DataFrame:
    frame = indicator_frame(tiny, ctx, **ALPHA, review=review)
    return frame.set_index("indicator")


def finding(indicator: str, kind: str, **values) -> pd.DataFrame:
    row = {"region_code": "110100", "fund": "employee_medical", "year": 2025,
           "indicator": indicator, "finding": kind, "actual": None, "grade": None,
           "basis": "document", "comment": None, **values}  # fmt: skip
    return pd.DataFrame([row])


def test_no_review_leaves_the_self_evaluation_as_it_was(tiny, ctx):
    plain = indicator_frame(tiny, ctx, **ALPHA)
    empty = indicator_frame(tiny, ctx, **ALPHA, review=tiny.review.iloc[0:0])
    pd.testing.assert_frame_equal(plain, empty.drop(columns=["reviewed", "withheld"]))


def test_an_adjusted_grade_is_scored_at_its_bands_default_share(tiny, ctx):
    before, after = scored(tiny, ctx), scored(tiny, ctx, tiny.review)
    code = "fund_management_compliance"
    assert before.at[code, "score"] == pytest.approx(1.8)  # 3 × 0.6
    assert after.at[code, "score"] == 0.8  # 3 × 0.25 = 0.75, half up
    assert (
        after.at[code, "grade"] == "not_achieved" and after.at[code, "reviewed"] == "adjusted_grade"
    )
    assert after.at[code, "evidence"] == "抽查发现问题未整改"  # the evaluator's comment
    others = before.index != code
    pd.testing.assert_series_equal(before.loc[others, "score"], after.loc[others, "score"])
    assert after["score"].sum() == pytest.approx(before["score"].sum() - 1.0)  # 1.8 − 0.8


def test_an_adjusted_actual_is_scored_against_the_same_target(tiny, ctx):
    code = "premium_collection_rate"  # target 98 %, 7 points
    after = scored(tiny, ctx, finding(code, "adjusted_actual", actual=0.99))
    assert after.at[code, "actual"] == pytest.approx(0.99)
    assert (
        after.at[code, "score"] == pytest.approx(7.0)
        and after.at[code, "reviewed"] == "adjusted_actual"
    )
    lower = scored(tiny, ctx, finding(code, "adjusted_actual", actual=0.95))
    assert lower.at[code, "score"] == pytest.approx(7 - 3)  # 3 points short of 98 %, 1 off each


def test_not_applicable_moves_the_points_to_the_rest_of_the_category(tiny, ctx):
    code = "premium_collection_rate"
    before = scored(tiny, ctx)
    after = scored(tiny, ctx, finding(code, "not_applicable"))
    assert after.at[code, "status"] == "not_applicable" and after.at[code, "points"] == 0
    assert after.at[code, "status_reason"] == BY_EVALUATOR
    category = before.at[code, "category"]
    same = before["category"] == category
    assert after.loc[same, "points"].sum() == pytest.approx(before.loc[same, "points"].sum())


def test_not_assessed_withholds_the_points(tiny, ctx):
    code = "coverage_rate"
    after = scored(tiny, ctx, finding(code, "not_assessed"))
    assert after.at[code, "status"] == "not_assessed" and after.at[code, "score"] == 0
    assert after.at[code, "status_reason"] == BY_EVALUATOR


def test_an_adjusted_actual_drops_the_parts_it_no_longer_rests_on(tiny, ctx):
    code = "budget_preparation_accuracy"  # the larger of income's and expenditure's deviation
    before = scored(tiny, ctx)
    # Alpha executed income 1,212 and expenditure 1,080, both exactly as first budgeted
    assert (before.at[code, "part_income"], before.at[code, "part_expenditure"]) == (0.0, 0.0)
    after = scored(tiny, ctx, finding(code, "adjusted_actual", actual=0.08))
    assert after.at[code, "actual"] == pytest.approx(0.08)
    assert pd.isna(after.at[code, "part_income"]) and pd.isna(after.at[code, "part_expenditure"])
    assert after.at["coverage_rate", "actual"] == before.at["coverage_rate", "actual"]
