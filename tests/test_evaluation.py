"""The self-evaluation of one region's fund on the tiny dataset, worked by hand."""

from __future__ import annotations

import json

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


def test_scores_by_hand(ev):
    assert row(ev, "premium_collection_rate")["score"] == pytest.approx(8 * (1200 / 1260) / 0.98)
    assert row(ev, "coverage_rate")["score"] == pytest.approx(7 * 0.95 / 0.97)
    assert row(ev, "insured_persons")["score"] == pytest.approx(3 * 950 / 1000)
    assert row(ev, "fund_management_compliance")["score"] == pytest.approx(5 * 0.6)
    assert row(ev, "audit_rectification_rate")["score"] == pytest.approx(4 * 11 / 12)
    assert row(ev, "risk_prevention")["score"] == pytest.approx(3 * 0.85)
    assert row(ev, "satisfaction")["score"] == pytest.approx(7 * 0.9)
    full = {  # met in full: policy, target setting, budget preparation, executions, on time,
        # inpatient ratio, other expenditure, per-capita growth, months, surplus, return, gap
        "policy_implementation": 3, "target_setting_quality": 3, "budget_preparation_accuracy": 4,
        "income_budget_execution": 6, "expenditure_budget_execution": 6, "benefits_paid_on_time": 8,
        "inpatient_reimbursement_ratio": 7, "other_expenditure_share": 2, "per_capita_expenditure_growth": 3,
        "months_covered": 10, "current_year_balance": 3, "fund_return_rate": 3, "expenditure_income_growth_gap": 5,
    }  # fmt: skip
    for code, points in full.items():
        assert row(ev, code)["score"] == pytest.approx(points), code
    earned = sum(full.values()) + 5 * 0.6 + 4 * 11 / 12 + 3 * 0.85 + 8 * (1200 / 1260) / 0.98
    earned += 7 * 0.95 / 0.97 + 3 * 0.95 + 7 * 0.9
    assert ev.summary["total"] == pytest.approx(round(earned, 2))
    assert ev.summary["grade"] == "excellent"
    assert ev.categories.set_index("category")["weight"].sum() == 100


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


def test_missing_qualitative_grades_are_insufficient_data(tiny, ctx):
    ev2 = evaluate(tiny, ctx, fund="employee_medical", region="110200", year=2025)
    missing = ev2.indicators.loc[
        ev2.indicators["status"] == "insufficient_data", "indicator"
    ].tolist()
    # no grades for the qualitative ones; insured_persons has no count target and no default
    assert missing == [
        "policy_implementation",
        "target_setting_quality",
        "fund_management_compliance",
        "risk_prevention",
        "insured_persons",
        "satisfaction",
    ]
    assert ev2.summary["insufficient_weight"] == 3 + 3 + 5 + 3 + 3 + 7
    assert ev2.summary["grade"] == "insufficient_information"  # 24 > 20 points unassessable
    assert {n.kind for n in ev2.data_notes} >= {"insufficient_data", "default_target"}


def test_result_is_versioned_json(ev, tmp_path):
    path = write_result(ev.to_result(), tmp_path / "r.json")
    data = read_result(path, RESULT_SCHEMA, RESULT_VERSION)
    assert data["region"] == "110100" and data["summary"]["grade"] == "excellent"
    assert data["unexplained_deviations"] == ["fund_management_compliance"]
    assert json.loads(path.read_text())["indicators"][0]["indicator"] == "policy_implementation"
    with pytest.raises(SipmError, match=r"expected a sipm\.self_evaluation result of version 2"):
        read_result(path, RESULT_SCHEMA, 2)


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
