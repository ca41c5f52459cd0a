"""The provincial evaluation of self-evaluations, by hand on the tiny dataset: Testshire
(110000) coordinates the employees' medical fund in Alpha (110100) and Beta City (110200).
The evaluator lowered one of Alpha's grades (1.75 points, see test_review.py); Beta's
report arrived on 5 June 2026, after the 31 May deadline (Art. 18)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.domain.appraisal import MISSING, appraise, rank, robust_outliers
from sipm_helpers.domain.evaluation import evaluate

EM = "employee_medical"


@pytest.fixture(scope="module")
def results(tiny, ctx):
    return {
        r: evaluate(tiny, ctx, fund=EM, region=r, year=2025).to_result()
        for r in ("110100", "110200")
    }


def by_region(appraisal) -> pd.DataFrame:
    return appraisal.regions.set_index("region_code")


def test_each_region_is_scored_again_with_the_evaluators_findings(tiny, ctx, results):
    a = appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=results)
    t = by_region(a)
    assert t.at["110100", "gap"] == pytest.approx(1.75) and t.at["110200", "gap"] == pytest.approx(
        0
    )
    assert t.at["110100", "self_total"] == pytest.approx(results["110100"]["summary"]["total"])
    assert not t["gap_flag"].any()  # 1.75 points: within the 5 of parameters/appraisal.yaml
    moved = a.moved.set_index("indicator")
    assert list(moved.index) == ["fund_management_compliance"]
    assert moved.iloc[0]["self_score"] == pytest.approx(3.0)
    assert moved.iloc[0]["evaluated_score"] == pytest.approx(1.25)
    assert moved.iloc[0]["finding"] == "adjusted_grade"


def test_a_gap_past_the_threshold_is_flagged(tiny, ctx, results):
    strict = replace(ctx, appraisal=replace(ctx.appraisal, gap_points=1.0))
    t = by_region(appraise(tiny, strict, fund=EM, province="110000", year=2025, results=results))
    assert t["gap_flag"].to_dict() == {"110100": True, "110200": False}


def test_a_late_report_is_flagged_and_a_missing_one_is_not_scored(tiny, ctx, results):
    missing = {**results, "110200": None}
    t = by_region(appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=missing))
    assert t.at["110200", "status"] == MISSING and np.isnan(t.at["110200", "evaluated_total"])
    assert pd.isna(t.at["110200", "rank"]) and t.at["110100", "rank"] == 1
    assert t.at["110200", "late"] and not t.at["110100", "late"]  # received 5 June, 20 May


def test_ranks_share_ties_and_leave_the_unscored_out():
    ranks = rank(pd.Series([90.0, 85.0, 90.0, np.nan]))
    assert ranks.tolist() == [1, 3, 1, pd.NA]


def indicator_values(values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": [f"r{i}" for i in range(len(values))],
            "indicator": "coverage_rate",
            "kind": "quantitative",
            "actual": values,
        }
    )


def test_robust_outliers_name_the_wild_region_and_only_it(ctx):
    rules = ctx.appraisal
    planted = robust_outliers(indicator_values([0.95, 0.96, 0.97, 0.96, 0.95, 0.50]), rules)
    assert planted["region_code"].tolist() == ["r5"] and planted["robust_z"].iloc[0] < -3.5
    calm = robust_outliers(indicator_values([0.95, 0.96, 0.97, 0.96, 0.95, 0.94]), rules)
    assert calm.empty
    few = robust_outliers(indicator_values([0.95, 0.96, 0.50]), rules)  # under min_regions
    assert few.empty
