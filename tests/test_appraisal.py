"""The provincial evaluation of self-evaluations, by hand on the tiny dataset: Testshire
(110000) coordinates the employees' medical fund in Alpha (110100) and Beta City (110200).
The evaluator lowered one of Alpha's grades (1.75 points, see test_review.py); Beta's
report arrived on 5 June 2026, after the 31 May deadline (Art. 18)."""

from __future__ import annotations

import datetime
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.data.validation import validate_path
from sipm_helpers.domain.appraisal import MISSING, appraise, rank, robust_outliers
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.follow_up import follow_up, new_items, target_recommendations
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.present.rectification import worded_items, write_items

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
    # tightly clustered: 0.061 is far in MADs from 0.051 but only a fifth above it
    tight = indicator_values([0.0510, 0.0511, 0.0509, 0.0510, 0.0512, 0.0600, 0.0700])
    assert robust_outliers(tight, rules)["actual"].tolist() == [0.07]


# --------------------------------------------------------------------------- use of results


def test_the_evaluations_problems_become_rectification_items(tiny, ctx, results):
    """Alpha left its adjusted grade's deviation unexplained; Beta's report was late."""
    a = appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=results)
    items = new_items(a, ctx)
    assert items[["region_code", "indicator", "problem"]].to_dict("records") == [
        {
            "region_code": "110100",
            "indicator": "fund_management_compliance",
            "problem": "unexplained_deviation",
        },
        {"region_code": "110200", "indicator": None, "problem": "late_report"},
    ]
    assert (items["year"] == 2026).all() and (items["status"] == "open").all()
    assert (items["deadline"] == pd.Timestamp("2026-12-31")).all()  # parameters/appraisal.yaml
    assert items["item_id"].is_unique


@pytest.mark.parametrize(
    ("as_of", "states"),
    [
        ("2026-06-01", {"R2024-1": "closed", "R2025-1": "open"}),
        ("2026-07-01", {"R2024-1": "closed", "R2025-1": "overdue"}),  # due 30 June 2026
        ("2025-05-01", {"R2024-1": "open", "R2025-1": "open"}),  # R2024-1 closed on 10 May
    ],
)
def test_earlier_items_are_followed_up_as_of_a_date(tiny, as_of, states):
    date = datetime.date.fromisoformat(as_of)
    seen = follow_up(tiny, fund=EM, regions=["110100", "110200"], as_of=date)
    assert dict(zip(seen["item_id"], seen["state"], strict=True)) == states


def test_targets_beaten_widely_or_missed_every_year_are_reconsidered(demo, ctx):
    fund = "unemployment"
    regions = demo.coordination.loc[demo.coordination["fund"] == fund, "region_code"].tolist()
    rec = target_recommendations(demo, ctx, fund=fund, regions=regions, year=2025)
    assert set(rec["recommendation"]) <= {"tighten", "question"} and len(rec)
    frame = indicator_frame(demo, ctx, funds=[fund], regions=regions, years=[2023, 2024, 2025])
    for r in rec.itertuples():  # each one checked year by year, by hand
        rows = frame.loc[
            (frame["region_code"] == r.region_code) & (frame["indicator"] == r.indicator)
        ]
        assert len(rows) == 3
        sign = -1 if rows["direction"].iloc[0] == "lower" else 1
        beyond = sign * (rows["actual"] - rows["target"]) / rows["target"].abs()
        if r.recommendation == "tighten":
            assert (beyond >= ctx.appraisal.raise_margin).all()
        else:
            assert (~rows["met"].astype(bool)).all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_items_load_back_as_the_next_years_rectification_table(
    tiny, tiny_dir, ctx, results, tmp_path, lang
):
    a = appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=results)
    worded = worded_items(new_items(a, ctx), tiny, ctx, lang)
    if lang == "zh":
        assert worded["problem"].tolist() == [
            "基金管理规范性：2025 年度偏离绩效目标，未说明原因及改进措施（第十八条）",
            "2025 年度绩效自评报告晚于 2026-05-31 报送省级（第十八条）",
        ]
        assert worded["owner"].iloc[1] == "乙市社会保险经办机构会同财政部门"
    folder = tmp_path / "next"
    shutil.copytree(tiny_dir, folder)
    write_items(worded, tmp_path / "items.csv")
    both = pd.concat(
        [
            pd.read_csv(folder / "rectification.csv", dtype=str),
            pd.read_csv(tmp_path / "items.csv", dtype=str),
        ]
    )
    both.to_csv(folder / "rectification.csv", index=False)
    dataset, report = validate_path(folder, ctx)
    assert report.ok, report.to_text()
    loaded = dataset.rectification.set_index("item_id")
    assert loaded.loc[worded["item_id"], "status"].eq("open").all()
    assert (loaded.loc[worded["item_id"], "deadline"] == pd.Timestamp("2026-12-31")).all()
    # A year on, the region closed the first item; the next evaluation follows both up.
    first = both["item_id"] == worded["item_id"].iloc[0]
    both.loc[first, ["status", "closed", "evidence"]] = ["done", "2026-10-15", "整改报告"]
    both.to_csv(folder / "rectification.csv", index=False)
    dataset, report = validate_path(folder, ctx)
    assert report.ok, report.to_text()
    regions = ["110100", "110200"]
    later = follow_up(dataset, fund=EM, regions=regions, as_of=ctx.appraisal.due(2026))
    states = later.set_index("item_id").loc[worded["item_id"], "state"].tolist()
    assert states == ["closed", "overdue"]  # the other passed its deadline still open


DONGCHUAN = ["910100", "910200", "910300", "910400"]


@pytest.fixture(scope="module")
def dongchuan(demo, ctx):
    """The demo's 2025 provincial evaluation of Dongchuan's medical fund."""
    results = {r: evaluate(demo, ctx, fund=EM, region=r, year=2025).to_result() for r in DONGCHUAN}
    return appraise(demo, ctx, fund=EM, province="910000", year=2025, results=results)


def test_each_region_is_set_against_its_own_past_and_the_upper_targets(demo, ctx, dongchuan):
    h = dongchuan.history
    assert sorted(h["year"].unique()) == [2022, 2023, 2024]
    assert set(h["region_code"]) == set(DONGCHUAN)
    alone = evaluate(demo, ctx, fund=EM, region="910400", year=2024).to_result()["summary"]
    mine = h.loc[(h["region_code"] == "910400") & (h["year"] == 2024)].iloc[0]
    assert mine["total"] == pytest.approx(alone["total"])  # no finding on 910400 in 2024
    g = dongchuan.against.set_index("indicator")
    t = demo.targets
    province = t.loc[(t["level"] == "province") & (t["region_code"] == "910000") & (t["fund"] == EM)
                     & (t["start_year"] == 2025) & (t["indicator"] == "coverage_rate"), "target"]  # fmt: skip
    e = dongchuan.indicators
    actual = e.loc[e["indicator"] == "coverage_rate", "actual"].astype(float)
    assert g.at["coverage_rate", "province_target"] == pytest.approx(province.iloc[0])
    assert g.at["coverage_rate", "province_meeting"] == (actual >= province.iloc[0]).sum()
    assert g.at["coverage_rate", "median"] == pytest.approx(actual.median())
    # A band is a band's target, met inside it: Dongchuan's medical funds keep the national
    # catalogue's 6–9 months (no catalogue of its own), so both columns count the same.
    months = e.loc[e["indicator"] == "months_covered", "actual"].astype(float)
    inside = int(months.between(6, 9).sum())
    assert (g.at["months_covered", "province_lower"], g.at["months_covered", "province_upper"]) == (
        6,
        9,
    )
    assert g.at["months_covered", "province_meeting"] == inside
    assert g.at["months_covered", "central_meeting"] == inside < len(months)  # Yunling: 21.85


def test_the_demo_plants_what_the_provincial_evaluation_must_find(demo, ctx, dongchuan):
    """Jinhe City (910100) over-scored its medical fund's 2025 self-evaluation (three grades
    the evaluator finds not achieved): excellent becomes good and the gap is flagged; the
    province's regions also show deviations left unexplained and an outlier ratio, the
    demo's reports arrive late somewhere, and earlier items are closed, open and overdue."""
    regions, a = DONGCHUAN, dongchuan
    jinhe = by_region(a).loc["910100"]
    assert (jinhe["self_grade"], jinhe["evaluated_grade"]) == ("excellent", "good")
    assert jinhe["gap_flag"] and jinhe["gap"] > ctx.appraisal.gap_points
    assert a.regions["unexplained"].sum() > 0 and not a.outliers.empty
    s = demo.submissions
    late = s.loc[s["year"] == 2025, "received"] > pd.Timestamp(ctx.appraisal.due(2025))
    assert late.any()
    states = follow_up(demo, fund=EM, regions=regions, as_of=ctx.appraisal.due(2025))["state"]
    assert set(states) == {"closed", "open", "overdue"}


REIMBURSEMENT = "employee_inpatient_reimbursement"  # policy.yaml: a goal, about 80 %


def as_standard(ctx, name: str = REIMBURSEMENT):
    """``ctx`` with the policy parameter ``name`` declared a national standard: which
    targets are the nation's is the policy data's word, nothing else's."""
    policy = ctx.policy
    changed = replace(policy.parameter(name), kind="standard")
    return replace(ctx, policy=replace(policy, parameters={**policy.parameters, name: changed}))


def test_a_policy_standard_is_never_a_target_to_tighten_or_question(tiny, ctx):
    # Two years, a 4 % margin: Alpha's budget deviation (0 % against 5 %) is tightened,
    # and so is its inpatient ratio: 84 % (42 ÷ 50 a month) against 80 % both years,
    # (0.84 − 0.80) ÷ 0.80 = 5 % beyond: the catalogue's 80 % follows the national plan's
    # goal, which regions approach at their own pace. Were it a national standard, the
    # target would be the nation's: neither tightened nor questioned.
    rules = replace(ctx.appraisal, recommendation_years=2, raise_margin=0.04)
    rec = target_recommendations(
        tiny, replace(ctx, appraisal=rules), fund=EM, regions=["110100"], year=2025
    )
    tightened = set(rec.loc[rec["recommendation"] == "tighten", "indicator"])
    assert {"budget_preparation_accuracy", "inpatient_reimbursement_ratio"} <= tightened
    standard = replace(as_standard(ctx), appraisal=rules)
    rec = target_recommendations(tiny, standard, fund=EM, regions=["110100"], year=2025)
    assert "budget_preparation_accuracy" in set(rec["indicator"])
    assert "inpatient_reimbursement_ratio" not in set(rec["indicator"])
    frame = indicator_frame(tiny, standard, funds=[EM], regions=["110100"], years=[2024, 2025])
    ratio = frame.loc[frame["indicator"] == "inpatient_reimbursement_ratio"]
    assert set(ratio["standard_policy"]) == {REIMBURSEMENT}
    assert ratio["standard"].tolist() == pytest.approx([0.80, 0.80])
    plain = indicator_frame(tiny, ctx, funds=[EM], regions=["110100"], years=[2025])
    assert plain["standard_policy"].isna().all() and plain["standard"].isna().all()


def test_an_actual_far_from_its_policy_standard_is_a_data_anomaly(tiny, ctx):
    from sipm_helpers.domain.policy_standards import far_from_standard

    standard = as_standard(ctx)
    frame = indicator_frame(tiny, standard, funds=[EM], regions=["110100"], years=[2025])
    # 84 % against an 80 % standard: (0.84 − 0.80) ÷ 0.80 = +5 %, within the 10 %
    assert ctx.appraisal.standard_tolerance == 0.1
    assert far_from_standard(frame, ctx.appraisal).empty
    strict = replace(ctx.appraisal, standard_tolerance=0.04)
    (row,) = far_from_standard(frame, strict).itertuples()
    assert (row.region_code, row.indicator, row.policy) == (
        "110100", "inpatient_reimbursement_ratio", REIMBURSEMENT
    )  # fmt: skip
    assert (row.standard, row.actual, row.deviation) == pytest.approx((0.80, 0.84, 0.05))
    goal = indicator_frame(tiny, ctx, funds=[EM], regions=["110100"], years=[2025])
    assert far_from_standard(goal, strict).empty  # a goal: nothing to verify against


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_asks_to_verify_an_anomaly_with_the_agency(tiny, ctx, results, lang):
    from sipm_helpers.domain.policy_standards import far_from_standard
    from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp

    standard = as_standard(ctx)
    a = appraise(tiny, standard, fund=EM, province="110000", year=2025, results=results)
    strict = replace(ctx.appraisal, standard_tolerance=0.04)
    empty = pd.DataFrame()
    none = {"earlier": empty, "new": empty, "suggestions": empty, "common": empty,
            "recommendations": pd.DataFrame(columns=["region_code"])}  # fmt: skip
    follow = FollowUp(**none, anomalies=far_from_standard(a.indicators, strict))
    html = AppraisalReport(a, follow, tiny, standard, lang).recommendations().html
    assert "84.0%" in html and "80.0%" in html and "+5.0%" in html
    if lang == "zh":
        assert "职工医保政策范围内住院费用基金支付比例目标" in html and "与经办机构" in html
        assert "甲市" in html and "乙市" in html
    else:
        assert "verify" in html and "Alpha City" in html
    calm = FollowUp(**none, anomalies=far_from_standard(a.indicators, ctx.appraisal))
    html = AppraisalReport(a, calm, tiny, standard, lang).recommendations().html
    assert "84.0%" not in html and "10" in html  # each within 10 % of its standard


def test_nanyus_residents_contributions_are_anomalies_not_targets(demo, ctx):
    """Nanyu's residents' medical fund, 2025: Shanpu's 690 yuan a head, Lanting's 636,
    Wuqiao's 578 and Songping's 341 against the national 400 are data to verify with the
    agency, not targets to tighten or question."""
    from sipm_helpers.domain.policy_standards import far_from_standard

    fund, regions = "resident_medical", ["930100", "930200", "930300", "930400", "930500",
                                         "930600"]  # fmt: skip
    rec = target_recommendations(demo, ctx, fund=fund, regions=regions, year=2025)
    assert not len(rec) or "per_capita_contribution" not in set(rec["indicator"])
    assert {"tighten"} <= set(rec["recommendation"])  # others are still reconsidered
    frame = indicator_frame(demo, ctx, funds=[fund], regions=regions, years=[2025],
                            review=demo.review)  # fmt: skip
    far = far_from_standard(frame, ctx.appraisal)
    heads = far.loc[far["indicator"] == "per_capita_contribution"].set_index("region_code")
    assert heads["actual"].round().to_dict() == {
        "930200": 578, "930300": 636, "930400": 341, "930600": 690
    }  # fmt: skip
    assert (heads["standard"] == 400).all()  # 2024's 400 yuan, still in force in 2025
    assert set(far["indicator"]) == {"per_capita_contribution"}  # reimbursement: a goal
