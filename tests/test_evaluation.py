"""The self-evaluation of one region's fund on the tiny dataset, worked by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sipm_helpers.domain.evaluation import RESULT_SCHEMA, RESULT_VERSION, evaluate
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.results import read_result, write_result
from sipm_helpers.errors import SipmError


@pytest.fixture(scope="module")
def ev(tiny, ctx):
    return evaluate(tiny, ctx, fund="employee_medical", region="110100", year=2025)


def row(ev, code):
    return ev.indicators.set_index("indicator").loc[code]


def test_coordination_follows_pooling(tiny):
    pairs = set(zip(tiny.coordination["region_code"], tiny.coordination["fund"], strict=True))
    assert ("110100", "employee_medical") in pairs and ("110200", "employee_medical") in pairs
    assert ("110000", "work_injury") in pairs and ("110100", "work_injury") not in pairs
    assert ("110000", "enterprise_pension") in pairs  # registry default: provincial pooling


def test_targets_resolve_region_then_province_then_centre_then_catalogue(ev):
    assert row(ev, "premium_collection_rate")[["target", "target_source"]].tolist() == [
        0.98,
        "region",
    ]
    assert row(ev, "coverage_rate")[["target", "target_source"]].tolist() == [0.97, "province"]
    assert row(ev, "inpatient_reimbursement_ratio")[["target", "target_source"]].tolist() == [
        0.80,
        "central",
    ]
    assert row(ev, "budget_preparation_accuracy")[["target", "target_source"]].tolist() == [
        0.05,
        "catalogue",
    ]


# Collection: 1,200 of 1,260 assessed is 95.238 % against 98 %, 2.762 points short, a point
# off each: 8 − 2.762 = 5.238. Coverage: 95 % against 97 %, 2 points short, half a point
# off each: 5 − 1 = 4.
COLLECTED = 8 - (0.98 - 1200 / 1260) * 100
COVERED = 5 - 0.5 * 2


def test_scores_by_hand(ev):
    """Each score rounded half up to one decimal (parameters/scoring.yaml score_decimals)."""
    # 7 − (0.98 − 1200 ÷ 1260) × 100 = 4.24 (1 point a percentage point short)
    assert row(ev, "premium_collection_rate")["score"] == 4.2
    assert row(ev, "coverage_rate")["score"] == 4.0  # 5 − 0.5 × 2 points short
    assert row(ev, "insured_persons")["score"] == 1.0  # 1 × 950 ÷ 1000 = 0.95: half up
    assert row(ev, "fund_management_compliance")["score"] == 1.8  # 3 × 0.6
    assert row(ev, "audit_rectification_rate")["score"] == 2.8  # 3 × 11 ÷ 12 = 2.75: half up
    assert row(ev, "risk_prevention")["score"] == 1.7  # 2 × 0.85
    full = {  # met in full: policy making and implementation, targets, the budget's basis and
        # accuracy, executions, on time, inpatient ratio, other expenditure, per-capita growth,
        # months, surplus, return, gap, sustainability (two years: the fixed 7 % and 8 %
        # growth of medical funds keep the reserve above 6 months: 9.2 at the lowest, in 2035)
        "policy_refinement": 5, "target_setting_quality": 5, "budget_preparation_basis": 5,
        "policy_implementation": 3, "budget_preparation_accuracy": 3,
        "income_budget_execution": 5, "expenditure_budget_execution": 5, "benefits_paid_on_time": 3,
        "inpatient_reimbursement_ratio": 5, "other_expenditure_share": 2, "per_capita_expenditure_growth": 2,
        # maternity allowance 6 of 6 a month on time; DRG/DIP payments 35 of 42 (83.3 %) ≥ the
        # 70 % of Yibaofa [2021] No. 48; misused funds 2 of 2 a month recovered
        "maternity_allowance_on_time": 2, "drg_dip_payment_coverage": 3, "misused_funds_recovery_rate": 2,
        # 96 of 120 cross-province inpatient cases settled directly: 80 % ≥ the national 70 %
        "cross_province_settlement_rate": 3,
        # November's survey: 184 of 200 valid responses satisfied, 92 % ≥ the 90 % target
        "satisfaction": 6,
        "months_covered": 10, "current_year_balance": 2, "fund_return_rate": 1, "expenditure_income_growth_gap": 2,
        "fund_sustainability": 5,
    }  # fmt: skip
    for code, points in full.items():
        assert row(ev, code)["score"] == pytest.approx(points), code
    # the points in full, and the rounded rest: 1.8 + 2.8 + 1.7 + 4.2 + 4.0 + 1.0 = 15.5
    assert ev.summary["total"] == pytest.approx(sum(full.values()) + 15.5)
    assert ev.summary["grade"] == "excellent" and ev.summary["completeness"] == 1.0
    assert ev.categories.set_index("category")["weight"].sum() == 100


def test_subtotals_and_the_total_are_the_sums_of_the_rounded_scores(ev):
    """Alpha 2025 by category, from the rounded scores of test_scores_by_hand:
    decision 5 + 5 + 5 = 15.0; process 3 + 3 + 5 + 5 + 1.8 + 2.8 + 1.7 + 2 = 24.3
    (compliance 3 × 0.6, rectification 3 × 11 ÷ 12 = 2.75, risk 2 × 0.85, misused funds
    recovered 2 of 2: its 2 points came from compliance and rectification, 4 → 3 each, so
    the two partial scores lose 0.6 + 0.9 and the new indicator earns 2: + 0.5);
    output 4.2 + 4.0 + 1.0 + 3 + 2 + 5 + 3 + 2 + 3 + 2 = 29.2 (collection 7 less its 2.76
    points short, on time 3, maternity allowance 2, inpatient ratio 5, DRG/DIP 3,
    cross-province settlement 3, per-capita growth 2: unchanged, as the points moved from
    indicators met in full but the collection's 1, which the DRG/DIP coverage earns back);
    benefit 10 + 2 + 1 + 2 + 5 + 6 = 26.0 (fund sustainability 5 of 5; satisfaction 6 of 6:
    the survey's 92 % meets the 90 % target, where the grade of old gave 6 × 0.9 = 5.4);
    total 15.0 + 24.3 + 29.2 + 26.0 = 94.5 (93.4 before the indicators and the survey of
    issue 20)."""
    earned = ev.categories.set_index("category")["earned"].to_dict()
    assert earned == {"decision": 15.0, "process": 24.3, "output": 29.2, "benefit": 26.0}
    assert ev.summary["earned"] == ev.summary["total"] == 94.5


def test_a_survey_below_its_target_earns_its_share_and_asks_for_a_reason(tiny, ctx):
    """Alpha's survey with 162 of its 200 valid responses satisfied: 81 % against 90 %,
    6 × 0.81 ÷ 0.9 = 5.4 of 6 points, a deviation the agency must explain (Art. 18), and
    its total 94.5 − 0.6 = 93.9."""
    s = tiny.statistics
    hit = (s["region_code"] == "110100") & (s["stat"] == "survey_satisfied")
    ds = replace(tiny, statistics=s.assign(value=s["value"].where(~hit, 162.0)))
    ev2 = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    r = row(ev2, "satisfaction")
    assert r["actual"] == pytest.approx(0.81) and r["target"] == 0.9 and r["score"] == 5.4
    assert r["needs_explanation"] and not r["explained"]
    assert ev2.summary["total"] == 93.9


def test_a_survey_of_too_few_valid_responses_is_a_finding_not_a_score(tiny, ctx):
    """Beta's 95 of 100 valid responses satisfied would meet 90 %, but 100 responses are
    fewer than the 139 the catalogue requires (parameters/indicators/library.yaml): not
    assessed, 0 points, and a note on the data saying why; with 132 of 139 valid (of 150
    asked), 95 % on enough responses, it scores 6 of 6."""
    ev2 = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)
    r = row(ev2, "satisfaction")
    assert r["actual"] == pytest.approx(0.95) and r["sample"] == 100
    assert (r["status"], r["status_reason"], r["score"]) == ("not_assessed", "small_sample", 0)
    assert ("not_assessed", "satisfaction", "small_sample") in {
        (n.kind, n.indicator, n.reason) for n in ev2.data_notes
    }
    s = tiny.statistics
    beta = s["region_code"] == "110200"
    more = {"survey_surveyed": 150.0, "survey_valid": 139.0, "survey_satisfied": 132.0}
    value = s["value"].mask(beta & s["stat"].isin(list(more)), s["stat"].map(more))
    ds = replace(tiny, statistics=s.assign(value=value))
    ev3 = evaluate(ds, ctx, fund="employee_medical", region="110200", year=2025)
    enough = row(ev3, "satisfaction")
    assert (enough["status"], enough["score"]) == ("scored", 6)


def test_cross_province_settlement_below_the_national_target_earns_its_share(tiny, ctx):
    """Beta settles 6 of its 10 cross-province inpatient cases a month directly (72 of
    120: 60 %) against the national 70 % (Guobanfa [2021] No. 36): 3 × 0.6 ÷ 0.7 = 2.571,
    2.6 of 3 points, and its total 66.2 − 3 + 2.6 = 65.8 (66.2: the test below)."""
    s = tiny.statistics
    beta = (s["region_code"] == "110200") & (s["stat"] == "cross_province_settled")
    ds = replace(tiny, statistics=s.assign(value=s["value"].where(~beta, 6.0)))
    ev2 = evaluate(ds, ctx, fund="employee_medical", region="110200", year=2025)
    r = row(ev2, "cross_province_settlement_rate")
    assert r["actual"] == pytest.approx(0.6) and r["target"] == 0.7 and r["score"] == 2.6
    assert ev2.summary["total"] == 65.8


def test_the_indicators_of_issue_20_short_of_their_targets_earn_their_share(tiny, ctx):
    """Alpha 2025 with DRG/DIP payments of 28 of its 42 a month (66.7 % against the 70 % of
    Yibaofa [2021] No. 48: 3 × 0.6667 ÷ 0.7 = 2.857, 2.9), 1.5 of 2 misused funds recovered
    (75 %: 2 × 0.75 = 1.5) and maternity allowance of 5.4 of 6 paid on time (90 %: 2 × 0.9
    = 1.8): its total 94.5 − 0.1 − 0.5 − 0.2 = 93.7, each a deviation to explain (DRG/DIP
    and the allowance at any shortfall, the recovery past 5 %). Work injury's appraisals, 9
    of 10 within the statutory time against 98 %: 3 × 0.9 ÷ 0.98 = 2.755, 2.8 of 3."""
    s = tiny.statistics
    alpha = s["region_code"] == "110100"
    changed = {"drg_dip_fund_paid": 28.0, "misused_funds_recovered": 1.5,
               "maternity_allowance_paid_on_time": 5.4}  # fmt: skip
    value = s["value"].astype("float64")
    for stat, v in changed.items():
        value = value.where(~(alpha & (s["stat"] == stat)), v)
    ds = replace(tiny, statistics=s.assign(value=value))
    ev2 = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    scores = {c: row(ev2, c)["score"] for c in ("drg_dip_payment_coverage",
              "misused_funds_recovery_rate", "maternity_allowance_on_time")}  # fmt: skip
    assert scores == {"drg_dip_payment_coverage": 2.9, "misused_funds_recovery_rate": 1.5,
                      "maternity_allowance_on_time": 1.8}  # fmt: skip
    assert row(ev2, "drg_dip_payment_coverage")["actual"] == pytest.approx(28 / 42)
    assert ev2.summary["total"] == 93.7
    assert set(ev2.deviations["indicator"]) == {
        "fund_management_compliance", *scores,
    }  # fmt: skip
    wi = evaluate(tiny, ctx, fund="work_injury", region="110000", year=2025)
    appraisal = row(wi, "capacity_appraisal_timeliness")
    assert appraisal["actual"] == pytest.approx(0.9) and appraisal["target"] == 0.98
    assert appraisal["score"] == 2.8 and appraisal["points"] == 3


def _decimals(value: float) -> int:
    """The decimals of a figure as JSON writes it (repr): 8.7 → 1, 8.649999999999999 → 15."""
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def test_the_result_stores_the_figures_as_rounded(tiny, ctx):
    """Scores, points and their sums at one decimal, completeness at three (70 of 100
    points assessed in Beta: 0.7), in the JSON the provincial evaluation reads."""
    result = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025).to_result()
    result = json.loads(json.dumps(result))
    summary = result["summary"]
    for key in ("earned", "points", "assessed_points", "not_assessed_points", "total"):
        assert _decimals(summary[key]) <= 1, key
    assert summary["completeness"] == 0.7 and summary["total"] == 66.2
    for c in result["categories"]:
        assert all(_decimals(c[k]) <= 1 for k in ("weight", "points", "assessed_points", "earned"))
    assert sum(c["earned"] for c in result["categories"]) == pytest.approx(summary["total"])
    for i in result["indicators"]:
        assert i["score"] is None or _decimals(i["score"]) <= 1, i["indicator"]
        assert i["points"] is None or _decimals(i["points"]) <= 1, i["indicator"]


def test_deviation_without_explanation_is_called_out(ev):
    assert list(ev.deviations["indicator"]) == ["fund_management_compliance"]
    assert list(ev.unexplained["indicator"]) == ["fund_management_compliance"]
    explained = row(ev, "premium_collection_rate")
    assert explained["explained"] and explained["reason"] == "企业欠费"
    assert "unexplained_deviations" in ev.flags()


def test_funding_block_and_balance_history(ev):
    f = ev.funding.set_index("item")
    assert f.loc["premium", ["initial", "adjusted", "executed"]].tolist() == [1200, 1250, 1200]
    assert f.loc["income", "execution_rate"] == pytest.approx(1212 / 1262)
    assert "investment_income" not in f.index  # neither budgeted nor executed
    h = ev.balance_history.set_index("year")
    assert h.loc[2024, "balance_end"] == 632 and h.loc[2025, "months_covered"] == pytest.approx(
        764 / 90
    )


def test_missing_grades_and_targets_are_not_assessed_and_earn_nothing(tiny, ctx):
    ev2 = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)
    rows = ev2.indicators.set_index("indicator")
    missing = rows.loc[rows["status"] == "not_assessed", "status_reason"].to_dict()
    # no grades for the qualitative ones; insured_persons has no count target and no
    # default; the satisfaction survey's 100 valid responses are fewer than the 139 required
    assert missing == {
        "policy_refinement": "no_evidence",
        "target_setting_quality": "no_evidence",
        "budget_preparation_basis": "no_evidence",
        "policy_implementation": "no_evidence",
        "fund_management_compliance": "no_evidence",
        "risk_prevention": "no_evidence",
        "insured_persons": "no_target",
        "satisfaction": "small_sample",
    }
    assert (rows.loc[list(missing), "score"] == 0).all()
    s = ev2.summary
    # compliance 3 since the misused funds' recovery took a point of it (issue 20)
    assert s["not_assessed_points"] == 5 + 5 + 5 + 3 + 3 + 2 + 1 + 6 and s["assessed_points"] == 70
    # 58 points met in full, premium collection (7) and coverage (5) less their points
    # short, 4.2 and 4.0 as in Alpha (test_scores_by_hand): 58 + 4.2 + 4.0 = 66.2
    assert s["earned"] == 66.2 and s["total"] == 66.2 and s["grade"] == "fair"
    assert s["completeness"] == pytest.approx(0.7) and "points_not_assessed" in ev2.flags()
    assert {n.kind for n in ev2.data_notes} >= {"not_assessed", "default_target"}
    rescaled = evaluate(
        tiny,
        replace(ctx, standards=replace(ctx.standards, missing="rescale")),
        fund="employee_medical",
        region="110200",
        year=2025,
    )
    assert rescaled.summary["total"] == 94.6  # 66.2 ÷ 70 × 100 = 94.57
    assert rescaled.summary["grade"] == "excellent"  # leaving the evidence out would pay


def test_result_is_versioned_json(ev, tmp_path):
    path = write_result(ev.to_result(), tmp_path / "r.json")
    data = read_result(path, RESULT_SCHEMA, RESULT_VERSION)
    assert data["region"] == "110100" and data["summary"]["grade"] == "excellent"
    assert data["unexplained_deviations"] == ["fund_management_compliance"]
    assert json.loads(path.read_text())["indicators"][0]["indicator"] == "policy_refinement"
    with pytest.raises(SipmError, match=r"expected a sipm\.self_evaluation result of version 1"):
        read_result(path, RESULT_SCHEMA, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"fund": "nope", "region": "110100", "year": 2025}, KeyError, "unknown fund"),
        (
            {"fund": "work_injury", "region": "110100", "year": 2025},
            ValueError,
            "not a coordinating region",
        ),
        (
            {"fund": "employee_medical", "region": "110100", "year": 2019},
            ValueError,
            "no execution data",
        ),
    ],
)
def test_bad_requests_say_why(tiny, ctx, kwargs, error, message):
    with pytest.raises(error, match=message):
        evaluate(tiny, ctx, **kwargs)


def test_indicator_frame_covers_every_pair_and_year(tiny, ctx):
    frame = indicator_frame(tiny, ctx)
    per = frame.groupby(["region_code", "fund", "year"]).size()
    assert per.loc[("110100", "employee_medical", 2024)] == len(
        ctx.catalogues["employee_medical"].indicators
    )
    assert per.loc[("110000", "work_injury", 2025)] == len(ctx.catalogues["work_injury"].indicators)
    assert len(per) == 6  # 3 fund-region pairs × 2 years


def test_an_item_the_fund_does_not_have_is_not_applicable_and_its_points_stay_in_its_category(
    tiny, ctx
):
    """The tiny employee medical fund has no fiscal subsidy. With 3 of the income
    execution's 5 points given to the subsidy's arrival, that indicator does not apply and
    the process category's 26 points go to the 23 that do: each × 26 / 23."""
    cat = ctx.catalogues["employee_medical"]
    library_subsidy = ctx.catalogues["enterprise_pension"].indicator("fiscal_subsidy_arrival")
    indicators = []
    for ind in cat.indicators:
        if ind.code == "income_budget_execution":
            indicators += [replace(ind, weight=2.0), replace(library_subsidy, weight=3.0)]
        else:
            indicators.append(ind)
    changed = replace(cat, indicators=tuple(indicators))
    ctx2 = replace(ctx, catalogues={**ctx.catalogues, "employee_medical": changed})
    ev = evaluate(tiny, ctx2, fund="employee_medical", region="110100", year=2025)
    rows = ev.indicators.set_index("indicator")
    subsidy = rows.loc["fiscal_subsidy_arrival"]
    assert subsidy["status"] == "not_applicable" and subsidy["points"] == 0
    assert subsidy["status_reason"] == "fiscal_subsidy_budgeted"
    # × 26 / 23, at one decimal by the largest remainder: the four of 3 points carry 3.391
    # (3.4), the three of 2 points 2.261, expenditure 5.652 (5.6): 3.3 × 4 + 2.2 × 3 + 5.6
    # = 25.4, and the six largest remainders take the last 0.6: the four of 0.091, then
    # two of the three equal 0.061 in the catalogue's order (income and risk, 2.3; the
    # misused funds' recovery keeps 2.2)
    process = ev.indicators.loc[ev.indicators["category"] == "process"].set_index("indicator")
    assert process["points"].to_dict() == {
        "policy_implementation": 3.4, "budget_preparation_accuracy": 3.4,
        "income_budget_execution": 2.3, "fiscal_subsidy_arrival": 0.0,
        "expenditure_budget_execution": 5.6, "fund_management_compliance": 3.4,
        "audit_rectification_rate": 3.4, "risk_prevention": 2.3,
        "misused_funds_recovery_rate": 2.2,
    }  # fmt: skip
    assert rows.loc["fund_management_compliance", "score"] == 2.0  # 3.4 × 0.6 = 2.04
    assert rows.loc["coverage_rate", "points"] == 5  # another category: untouched
    s = ev.summary
    assert s["points"] == pytest.approx(100) and s["not_applicable_weight"] == 3
    assert s["not_applicable"] == 1 and s["completeness"] == pytest.approx(1.0)
    process = ev.categories.set_index("category").loc["process"]
    assert process["weight"] == 26 and process["points"] == pytest.approx(26)
    assert any(n.kind == "not_applicable" for n in ev.data_notes)


def test_the_demo_fund_without_subsidy_passes_its_subsidy_points_to_process(demo, ctx):
    ev = evaluate(demo, ctx, fund="enterprise_pension", region="910000", year=2025)
    rows = ev.indicators.set_index("indicator")
    for code in ("fiscal_subsidy_arrival", "fiscal_subsidy_timeliness"):
        assert rows.loc[code, "status"] == "not_applicable", code
    process = ev.categories.set_index("category").loc["process"]
    assert process["points"] == pytest.approx(process["weight"]) == 33
    assert rows.loc["income_budget_execution", "points"] == 5.9  # 5 × 33 ÷ 28 = 5.89
    shown = rows.loc[rows["category"] == "process", "points"]
    assert shown.sum() == pytest.approx(33) and (shown * 10).round(9).mod(1).eq(0).all()
    assert ev.summary["points"] == pytest.approx(100) and ev.summary["not_applicable"] == 2


def test_each_year_is_scored_with_the_policy_in_force(demo, ctx):
    """2024 and 2025 with their own values: the employees' pensions rose 3 % and 2 %, the
    residents' minimum pension 20 yuan a month in each (about 9 % and 8.5 %)."""
    from sipm_helpers.domain.scoring import score_indicators

    frame = indicator_frame(
        demo, ctx, funds=["enterprise_pension", "resident_pension"], years=[2024, 2025]
    )
    growth = frame.loc[frame["indicator"] == "average_benefit_growth"]
    band = growth.groupby(["fund", "year"])[["band_lower", "band_upper"]].first()
    assert band.loc[("enterprise_pension", 2024)].tolist() == pytest.approx([0.025, 0.055])
    assert band.loc[("enterprise_pension", 2025)].tolist() == pytest.approx([0.015, 0.045])
    assert band.loc[("resident_pension", 2024)].tolist() == pytest.approx([0.07, 0.115])
    assert band.loc[("resident_pension", 2025)].tolist() == pytest.approx([0.065, 0.11])
    in_2025 = growth.loc[growth["year"] == 2025].groupby("fund").head(1).assign(actual=0.09)
    scores = score_indicators(in_2025, ctx.standards).set_index("fund")["score"]
    assert scores["resident_pension"] == 3  # the residents' raise: in the band, all 3 points
    assert scores["enterprise_pension"] == 0  # 9 % under the employees' 2 %: far above it
