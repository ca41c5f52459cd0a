"""Target review checks (Art. 7, 8, 10) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.config.context import load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import annual_facts
from sipm_helpers.domain.target_review import review_targets, target_review_result


def with_targets(ds: Dataset, rows: list[tuple]) -> Dataset:
    extra = pd.DataFrame(
        rows,
        columns=[
            "region_code",
            "fund",
            "indicator",
            "period",
            "start_year",
            "end_year",
            "target",
            "level",
            "benchmark",
        ],
    )
    keys = ["region_code", "fund", "indicator", "period", "start_year", "level"]
    merged = pd.concat([ds.targets, extra.astype(ds.targets.dtypes.to_dict())], ignore_index=True)
    return Dataset(
        **{**ds.__dict__, "targets": merged.drop_duplicates(keys, keep="last", ignore_index=True)}
    )


def findings(review, check):
    return {(f.indicator, f.severity) for f in review.findings if f.check == check}


def test_missing_targets_are_errors_and_return_the_targets(tiny, ctx):
    review = review_targets(tiny, ctx, fund="employee_medical", region="110100", year=2025)
    missing = findings(review, "missing_target")
    assert ("budget_preparation_accuracy", "error") in missing and (
        "benefits_paid_on_time",
        "error",
    ) in missing
    assert ("premium_collection_rate", "error") not in missing  # the region set one
    assert ("months_covered", "error") not in missing  # a band is its own standard
    assert ("coverage_rate", "info") in findings(
        review, "inherited_target"
    )  # the province's applies
    assert review.verdict == "return"
    catalogue = next(f for f in review.findings if f.check == "catalogue")
    # 22 indicators and the fund's sustainability
    assert catalogue.values["categories"] == 4 and catalogue.values["indicators"] == 23


def test_targets_against_history_and_upper_levels(tiny, ctx):
    ds = with_targets(
        tiny,
        [
            (
                "110100",
                "employee_medical",
                "premium_collection_rate",
                "annual",
                2025,
                2025,
                0.93,
                "region",
                "plan",
            ),
            (
                "110100",
                "employee_medical",
                "coverage_rate",
                "annual",
                2025,
                2025,
                0.93,
                "region",
                "standard",
            ),
            (
                "000000",
                "employee_medical",
                "insured_persons",
                "annual",
                2025,
                2025,
                1100,
                "central",
                "policy",
            ),
        ],
    )
    review = review_targets(ds, ctx, fund="employee_medical", region="110100", year=2025)
    history = findings(review, "history")
    # 0.93 < 2024's 1200 ÷ 1260 = 0.952 by more than a point: flagged
    assert ("premium_collection_rate", "warning") in history
    assert ("coverage_rate", "warning") not in history  # a standard is not held to history
    upper = {
        (f.indicator, f.values["level"]): f.values["upper"]
        for f in review.findings
        if f.check == "upper_level"
    }
    # 0.93 is short of the province's 0.97 and the centre's 0.95 by more than a point each
    assert (
        upper[("coverage_rate", "province")] == 0.97 and upper[("coverage_rate", "central")] == 0.95
    )
    assert upper[("insured_persons", "central")] == 1100  # 1,000 is short of 1,100 by over 2 %
    assert not [k for k in upper if k[0] == "premium_collection_rate"]


def test_budget_against_the_recent_trend(demo, ctx):
    review = review_targets(demo, ctx, fund="resident_medical", region="930400", year=2026)
    budget = [f for f in review.findings if f.check == "budget"]
    assert budget, "the low-reserve region budgets far more income than its trend"
    facts = annual_facts(demo, ctx.registry, funds=["resident_medical"], regions=["930400"])
    income = facts.executed["income"].droplevel([0, 1])
    past = income.loc[2022:2025].to_numpy()
    expected = past[-1] * np.exp(np.diff(np.log(past)).mean())
    planned = facts.budget["income"].droplevel([0, 1])[2026]
    finding = next(f for f in budget if f.values["kind"] == "income")
    assert finding.values["expected"] == pytest.approx(expected)
    assert finding.values["gap"] == pytest.approx(planned / expected - 1)


def test_a_clean_review_is_approved(tiny, ctx):
    every = [
        ("110000", "work_injury", code, "annual", 2025, 2025, value, "region", "standard")
        for code, value in [
            ("budget_preparation_accuracy", 0.05), ("audit_rectification_rate", 1.0), ("premium_collection_rate", 0.95),
            ("coverage_rate", 0.95), ("benefits_paid_on_time", 0.999), ("injury_determination_timeliness", 0.9),
            ("other_expenditure_share", 0.035), ("current_year_balance", 0.0), ("fund_return_rate", 0.0),
        ]
    ]  # fmt: skip
    review = review_targets(
        with_targets(tiny, every), ctx, fund="work_injury", region="110000", year=2025
    )
    assert review.verdict == "approve", [f for f in review.findings if f.severity != "info"]


def test_demo_verdicts_vary_as_planted(demo, ctx):
    from sipm_helpers.data import generate as gen

    verdicts = {
        (r.region_code, r.fund): review_targets(
            demo, ctx, fund=r.fund, region=r.region_code, year=2026
        ).verdict
        for r in demo.coordination.itertuples()
    }
    (missing,) = [s for s in gen.DEMO_SCENARIOS if s.kind == "target_missing"]
    returned = [pair for pair, v in verdicts.items() if v == "return"]
    assert returned == [(missing.region, missing.fund)]
    counts = pd.Series(verdicts).value_counts()
    assert counts["approve"] >= 5 and counts["approve_with_changes"] >= 20


def test_a_provinces_own_targets_are_reviewed_on_its_prefectures_together(demo, ctx):
    from sipm_helpers.domain.provincial import province_members

    members = province_members(demo, "employee_medical", "910000")
    assert members == ["910100", "910200", "910300", "910400"]
    review = review_targets(demo, ctx, fund="employee_medical", region="910000", year=2026)
    assert review.members == tuple(members) and review.province == "910000"
    table = review.table.set_index("indicator")
    # The province's premium collection in 2025: all premiums over all premiums assessed.
    e, st = demo.execution, demo.statistics

    def mine(f):
        return (
            f["region_code"].isin(members) & (f["fund"] == "employee_medical") & (f["year"] == 2025)
        )

    premium = e.loc[mine(e) & (e["item"] == "premium"), "amount"].sum()
    assessed = st.loc[mine(st) & (st["stat"] == "premiums_assessed"), "value"].sum()
    assert table.at["premium_collection_rate", "last_actual"] == pytest.approx(premium / assessed)
    # Its own target is the province's; a count is its prefectures' targets added up.
    t = demo.targets
    own = t.loc[
        (t["region_code"] == "910000")
        & (t["fund"] == "employee_medical")
        & (t["indicator"] == "premium_collection_rate")
        & (t["start_year"] == 2026)
    ]
    assert table.at["premium_collection_rate", "target_region"] == own["target"].iloc[0]
    counts = t.loc[
        t["region_code"].isin(members)
        & (t["fund"] == "employee_medical")
        & (t["indicator"] == "insured_persons")
        & (t["start_year"] == 2026)
        & (t["period"] == "annual")
    ]
    assert table.at["insured_persons", "target_region"] == pytest.approx(counts["target"].sum())
    result = target_review_result(review)
    assert result["provincial"] and result["members"] == members


def test_a_province_misses_a_count_target_its_prefectures_left_out(demo, ctx):
    # 920100 set no insured-persons target for 2026: the province's sum cannot be made.
    review = review_targets(demo, ctx, fund="employee_medical", region="920000", year=2026)
    assert ("insured_persons", "error") in findings(review, "missing_target")
    assert review.verdict == "return"


def test_provincial_reviews_are_planned(demo):
    from sipm_helpers.batch.plan import stage_jobs
    from sipm_helpers.batch.stages import STAGES

    jobs = stage_jobs(demo, STAGES["target_review"], 2026)
    provincial = {(j.fund, j.region) for j in jobs if j.region.endswith("0000")}
    prefecture_pooled = ("employee_medical", "resident_medical", "resident_pension")
    assert {f for f, _ in provincial} >= set(prefecture_pooled)
    assert {r for f, r in provincial if f == "employee_medical"} == {"910000", "920000", "930000"}
    assert len(jobs) == 57 + 9
    with pytest.raises(ValueError, match="not a coordinating region"):
        review_targets(demo, load_context(), fund="employee_medical", region="910100x", year=2026)


def test_the_last_provincial_evaluations_recommendations_are_shown_beside_the_proposal(demo, ctx):
    """Art. 20: the 2025 evaluation's recommendations reach the 2026 target review as notes
    (the verdict rests on the review's own checks), with the 2025 target they concern."""
    from sipm_helpers.domain.follow_up import target_recommendations
    from sipm_helpers.present.target_review_report import TargetReviewReport

    fund, region = "employee_medical", "910100"
    recommended = target_recommendations(demo, ctx, fund=fund, regions=[region], year=2025)
    assert not recommended.empty
    review = review_targets(demo, ctx, fund=fund, region=region, year=2026)
    notes = {f.indicator: f for f in review.findings if f.check == "evaluation"}
    assert set(notes) == set(recommended["indicator"])
    assert {f.severity for f in notes.values()} == {"info"}
    for r in recommended.itertuples():
        f = notes[r.indicator]
        assert f.values["previous"] == pytest.approx(r.target) and f.values["evaluated"] == 2025
        proposed = review.table.set_index("indicator").at[r.indicator, "target_region"]
        sign = (
            -1 if review.table.set_index("indicator").at[r.indicator, "direction"] == "lower" else 1
        )
        expected = {
            "question": "evaluation_question",
            "tighten": "evaluation_tightened"
            if sign * (proposed - r.target) > 0
            else "evaluation_tighten",
        }[r.recommendation]
        assert f.code == expected
    # the fund's regions' recommendations made once (as a warm kernel shares them): the same
    everyone = target_recommendations(demo, ctx, fund=fund, regions=None, year=2025)
    shared = review_targets(demo, ctx, fund=fund, region=region, year=2026, recommended=everyone)
    assert shared.findings == review.findings
    html = TargetReviewReport(review, demo, ctx, "zh").targets_table().html
    assert "2025年度评价建议" in html and ("从严设定目标" in html or "重新论证目标" in html)
