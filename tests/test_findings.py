"""Who caused a finding, and the rectification ledger as evidence (issue 18, points 1 and
2), by hand on the tiny dataset: Testshire (110000) coordinates the employees' medical
fund in Alpha (110100) and Beta City (110200). Alpha graded fund-management compliance
"partly" (0.6 of 4 points = 2.4); the evaluator's site visit found it not achieved (0.25
of 5 = 1.25) with the comment 抽查发现问题未整改. Weights: fund-management compliance 5,
audit rectification rate 4 (parameters/indicators/employee_medical.yaml)."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pandas as pd
import pytest
from builders import tiny_tables, write_tiny

from sipm_helpers.data.ledger import ledger_rates
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.domain.appraisal import appraise
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.feedback import letter
from sipm_helpers.domain.follow_up import new_items
from sipm_helpers.present.feedback_letter import LetterReport
from sipm_helpers.present.rectification import worded_items
from sipm_helpers.stages.provincial_evaluation import run as provincial_evaluation

EM, REGIONS = "employee_medical", ("110100", "110200")


def results_of(ds, ctx):
    return {r: evaluate(ds, ctx, fund=EM, region=r, year=2025).to_result() for r in REGIONS}


def appraised(ds, ctx):
    return appraise(ds, ctx, fund=EM, province="110000", year=2025, results=results_of(ds, ctx))


def with_rows(ds, table: str, rows: list[tuple]):
    """``ds`` with ``rows`` added to ``table`` (in its columns' order)."""
    frame = getattr(ds, table)
    added = pd.DataFrame(rows, columns=list(frame.columns)).astype(frame.dtypes.to_dict())
    return replace(ds, **{table: pd.concat([frame, added], ignore_index=True)})


# --------------------------------------------------------------------------- who caused it


@pytest.fixture(scope="module")
def explained(tiny):
    """Alpha explains its compliance grade: its own self-evaluation leaves nothing
    unexplained (as Jinhe City's does in the demo)."""
    return with_rows(
        tiny,
        "explanations",
        [("110100", EM, 2025, "fund_management_compliance", "审计问题整改中", "限期整改")],
    )


def test_a_regrade_is_the_evaluators_finding_not_an_unexplained_deviation(explained, ctx):
    a = appraised(explained, ctx)
    assert a.regions.set_index("region_code").at["110100", "unexplained"] == 0
    items = new_items(a, ctx)
    alpha = items.loc[items["region_code"] == "110100"].iloc[0]
    assert len(items.loc[items["region_code"] == "110100"]) == 1
    assert (alpha["problem"], alpha["basis"], alpha["comment"]) == (
        "evaluator_finding",
        "site_visit",
        "抽查发现问题未整改",
    )
    assert (alpha["self_value"], alpha["evaluated_value"]) == ("partly", "not_achieved")
    zh = worded_items(items, explained, ctx, "zh").set_index("item_id")
    text = zh.at[alpha["item_id"], "problem"]
    assert "抽查发现问题未整改" in text and "现场核查" in text
    assert "部分达成" in text and "未达成" in text and "未说明" not in text
    en = worded_items(items, explained, ctx, "en").set_index("item_id")
    assert "on-site inspection" in en.at[alpha["item_id"], "problem"]


def test_the_regions_own_unexplained_deviation_is_still_its_own(tiny, ctx):
    """Without the explanation, Alpha's "partly" misses its target with no reason given
    in its own self-evaluation: one unexplained deviation, besides the evaluator's finding."""
    a = appraised(tiny, ctx)
    assert a.regions.set_index("region_code").at["110100", "unexplained"] == 1
    problems = new_items(a, ctx).query("region_code == '110100'")["problem"].tolist()
    assert problems == ["evaluator_finding", "unexplained_deviation"]


def test_grades_given_without_evidence_are_counted(tiny, ctx):
    """Beta grades satisfaction achieved with no evidence: not assessed (0 points) in its
    own self-evaluation, and counted as one grade without evidence."""
    ds = with_rows(
        tiny, "qualitative", [("110200", EM, 2025, "satisfaction", "achieved", 0.9, None)]
    )
    a = appraised(ds, ctx)
    t = a.regions.set_index("region_code")
    assert t.at["110200", "unevidenced"] == 1 and t.at["110100", "unevidenced"] == 0
    items = new_items(a, ctx)
    mine = items.loc[items["region_code"] == "110200", ["indicator", "problem"]]
    assert mine.values.tolist() == [
        ["satisfaction", "grade_without_evidence"],
        [None, "late_report"],
        [None, "prepared_by_agency_alone"],
    ]


def test_the_evaluators_basis_and_comment_reach_the_result_and_the_letter(tiny_dir, tiny, ctx):
    run = provincial_evaluation(fund=EM, province="110000", year=2025, data=str(tiny_dir))
    result = run.result()
    moved = [m for m in result["moved"] if m["region_code"] == "110100"]
    assert moved[0]["basis"] == "site_visit" and moved[0]["comment"] == "抽查发现问题未整改"
    lt = letter(result, tiny, ctx, "110100")
    html = str(LetterReport(lt, tiny, ctx, "zh").changed())
    assert "抽查发现问题未整改" in html and "现场核查" in html


# --------------------------------------------------------------------------- follow-up date


def test_earlier_items_are_followed_up_as_of_the_provincial_report(tiny_dir):
    """Beta's R2025-1 is due 30 June 2026 and still open: overdue in the report of 31 July
    2026 (the provincial report's due date, Art. 18), open as of 1 June."""
    default = provincial_evaluation(fund=EM, province="110000", year=2025, data=str(tiny_dir))
    assert default.result()["as_of"] == "2026-07-31"
    states = dict(
        zip(
            default.report.follow.earlier["item_id"],
            default.report.follow.earlier["state"],
            strict=True,
        )
    )
    assert states["R2025-1"] == "overdue"
    early = provincial_evaluation(
        fund=EM, province="110000", year=2025, data=str(tiny_dir), as_of="2026-06-01"
    )
    assert (
        dict(
            zip(
                early.report.follow.earlier["item_id"],
                early.report.follow.earlier["state"],
                strict=True,
            )
        )["R2025-1"]
        == "open"
    )


# --------------------------------------------------------------------------- the ledger


def test_the_ledgers_rate_counts_items_due_and_closed_by_their_deadline():
    """For 2025: A was closed before 2025 (not due); B closed late (due, not on time); C
    open since its 2023 deadline (due, overdue); D not due until 2026 (open); E is a
    monitoring item (not counted); F an inspection item closed early (on time). Due B, C,
    F = 3; on time F = 1; rate 1/3; overdue C; open C, D."""
    rows = [
        ("A", "2024-06-30", "done", "2024-05-01", "audit", 2023),
        ("B", "2025-06-30", "done", "2025-07-15", "audit", 2024),
        ("C", "2023-06-30", "overdue", None, "audit", 2022),
        ("D", "2026-06-30", "open", None, "audit", 2025),
        ("E", "2025-06-30", "open", None, "monitoring", 2024),
        ("F", "2025-03-31", "done", "2025-03-01", "inspection", 2024),
    ]
    frame = pd.DataFrame(
        [{"item_id": i, "region_code": "110100", "fund": EM, "year": y, "source": src,
          "deadline": pd.Timestamp(d), "status": st, "closed": pd.Timestamp(c) if c else pd.NaT}
         for i, d, st, c, src, y in rows]
    )  # fmt: skip
    got = ledger_rates(frame, [2025], ["audit", "inspection"]).iloc[0]
    assert (got["due"], got["on_time"], got["overdue"], got["open"]) == (3, 1, 1, 2)
    assert got["rate"] == pytest.approx(1 / 3)
    assert got["overdue_since"] == pd.Timestamp("2023-06-30")


@pytest.fixture(scope="module")
def ledgered(tmp_path_factory, ctx):
    """Beta's audit finding of 2024, due 30 June 2025, still open: the ledger's 2025 rate
    is 0 of 1, while its statistics report 12 of 12 rectified. Beta grades fund-management
    compliance achieved with evidence that claims no irregularity was found."""
    tables = tiny_tables()
    tables["rectification"].loc[len(tables["rectification"])] = [
        "R2024-2", "110200", EM, 2024, "audit", None, "基金支出不符合规定用途",
        "乙市医疗保障局", "2025-06-30", "overdue", None, None,
    ]  # fmt: skip
    tables["qualitative"].loc[len(tables["qualitative"])] = [
        "110200", EM, 2025, "fund_management_compliance", "achieved", None, "会计核算规范，未发现违规问题",
    ]  # fmt: skip
    return load_dataset(write_tiny(tmp_path_factory.mktemp("ledgered") / "d", tables=tables), ctx)


def test_a_reported_rate_the_ledger_contradicts_is_a_validation_warning(ledgered):
    found = [w for w in ledgered.report.warnings if w.rule == "contradicts_ledger"]
    beta = [w for w in found if w.region == "110200" and w.year == 2025]
    assert len(beta) == 1 and beta[0].origin.endswith("statistics.csv")
    assert "12 of 12, 100.0%" in beta[0].message and "0 of 1" in beta[0].message
    assert "scores the ledger's rate" in beta[0].message
    # Alpha reports 11 of 12 (91.7 %), below the ledger's 1 of 1: no contradiction.
    assert not [w for w in found if w.region == "110100"]


def test_the_provincial_evaluation_scores_the_ledger(ledgered, ctx):
    a = appraised(ledgered, ctx)
    moved = a.moved.loc[a.moved["region_code"] == "110200"].set_index("indicator")
    rate = moved.loc["audit_rectification_rate"]
    assert rate["basis"] == "ledger" and rate["detail"]["check"] == "rate"
    assert (rate["self_score"], rate["evaluated_score"]) == (pytest.approx(4.0), pytest.approx(0.0))
    cap = moved.loc["fund_management_compliance"]  # 4.0 → at most partly: 4 × 0.65 = 2.6
    assert (cap["self_value"], cap["evaluated_value"]) == ("achieved", "partly")
    assert (cap["self_score"], cap["evaluated_score"]) == (pytest.approx(4.0), pytest.approx(2.6))
    assert cap["detail"]["overdue_since"] == "2025-06-30"
    gap = a.regions.set_index("region_code").at["110200", "gap"]
    assert gap == pytest.approx(4.0 + 1.4)
    flagged = a.contradicted
    assert flagged[["region_code", "indicator"]].values.tolist() == [
        ["110200", "fund_management_compliance"]
    ]
    problems = new_items(a, ctx).query("region_code == '110200'")["problem"].tolist()
    assert {"ledger_rate", "ledger_overdue"} <= set(problems)
    zh = " ".join(worded_items(new_items(a, ctx), ledgered, ctx, "zh")["problem"])
    assert "按期整改0项" in zh and "2025年6月30日" in zh


def test_the_evaluators_own_finding_wins_over_the_ledgers(ledgered, ctx):
    ds = with_rows(
        ledgered,
        "review",
        [("110200", EM, 2025, "audit_rectification_rate", "adjusted_actual", 0.5, None, "data_check", "复核凭证")],
    )  # fmt: skip
    moved = appraised(ds, ctx).moved.set_index(["region_code", "indicator"])
    row = moved.loc[("110200", "audit_rectification_rate")]
    assert row["basis"] == "data_check" and row["evaluated_value"] == pytest.approx(0.5)


@pytest.mark.parametrize(("source", "capped"), [("evaluation", True), ("monitoring", False)])
def test_an_earlier_evaluations_item_left_overdue_caps_compliance(tiny, ctx, source, capped):
    """Beta's problem found by the 2023 evaluation, due 30 June 2024, still open at the end
    of 2025 (Art. 20: evaluation results are used, their problems rectified): its
    compliance graded achieved is capped at partly, 4 × 0.65 = 2.6. A monitoring
    item (a deviation corrected within the year, Art. 14) is no such finding."""
    ds = with_rows(
        tiny,
        "rectification",
        [("R2023-9", "110200", EM, 2023, source, None, "绩效目标设定偏低", "乙市医疗保障局",
          pd.Timestamp("2024-06-30"), "overdue", pd.NaT, None)],
    )  # fmt: skip
    ds = with_rows(ds, "qualitative", [("110200", EM, 2025, "fund_management_compliance",
                                        "achieved", None, "财务管理制度健全")])  # fmt: skip
    moved = appraised(ds, ctx).moved
    beta = moved.loc[moved["region_code"] == "110200"].set_index("indicator")
    assert ("fund_management_compliance" in beta.index) is capped
    if capped:
        cap = beta.loc["fund_management_compliance"]
        assert cap["basis"] == "ledger" and cap["detail"]["check"] == "overdue"
        assert (cap["evaluated_value"], cap["evaluated_score"]) == ("partly", pytest.approx(2.6))
        assert cap["detail"]["overdue_since"] == "2024-06-30"


def test_an_open_item_not_yet_due_flags_the_evidence_without_capping(tiny, ctx):
    """Alpha's 2025 audit finding is due only in June 2026: its evidence claiming no
    problem is flagged, its grade is not capped (as Jinhe City's in the demo)."""
    ds = with_rows(
        tiny,
        "rectification",
        [("R2025-9", "110100", EM, 2025, "audit", None, "基金收入未及时缴入财政专户", "甲市",
          pd.Timestamp("2026-06-30"), "open", pd.NaT, None)],
    )  # fmt: skip
    q = ds.qualitative.copy()
    q.loc[q["indicator"] == "risk_prevention", "evidence"] = "内控制度健全，未发现问题"
    a = appraised(replace(ds, qualitative=q), ctx)
    assert a.contradicted[["region_code", "indicator"]].values.tolist() == [
        ["110100", "risk_prevention"]
    ]
    assert set(a.moved["basis"]) == {"site_visit"}


# --------------------------------------------------------------------------- the demo


def test_the_demo_shows_who_caused_each_finding(demo, ctx):
    """Jinhe City's three regrades are the evaluator's findings (its own self-evaluation
    explained everything); Yunling City's audit finding overdue since June 2023 re-scores
    its audit rectification rate from the ledger and caps its compliance grade."""
    run = provincial_evaluation(fund=EM, province="910000", year=2025)
    a = run.report.a
    t = a.regions.set_index("region_code")
    assert t.at["910100", "unexplained"] == 0
    jinhe = a.moved.loc[a.moved["region_code"] == "910100"]
    site = jinhe.loc[jinhe["basis"] == "site_visit"]
    assert len(site) == 3 and site["comment"].notna().all()
    items = new_items(a, ctx)
    assert not (
        (items["region_code"] == "910100") & (items["problem"] == "unexplained_deviation")
    ).any()
    yunling = a.moved.loc[a.moved["region_code"] == "910200"].set_index("indicator")
    assert yunling.at["audit_rectification_rate", "basis"] == "ledger"
    assert yunling.at["audit_rectification_rate", "evaluated_value"] == 0.0
    assert yunling.at["fund_management_compliance", "evaluated_value"] == "partly"
    assert "910100" in set(a.contradicted["region_code"])
    assert run.result()["as_of"] == datetime.date(2026, 7, 31).isoformat()


@pytest.mark.parametrize(
    ("fund", "region", "issuer"),
    [
        ("employee_medical", "910100", "医疗保障局"),
        ("unemployment", "920000", "人力资源社会保障厅"),
    ],
)
def test_a_letter_is_issued_with_the_funds_own_administration(demo, ctx, fund, region, issuer):
    """Medical funds: finance with the healthcare security administration; the others:
    finance with human resources and social security (parameters/funds.yaml)."""
    province = "910000" if region.startswith("91") else "920000"
    result = provincial_evaluation(fund=fund, province=province, year=2025).result()
    header = str(LetterReport(letter(result, demo, ctx, region), demo, ctx, "zh").header())
    assert f"财政厅会同{issuer}" in header
    other = {"医疗保障局", "人力资源社会保障厅"} - {issuer}
    assert not any(o in header for o in other)


# --------------------------------------------------------------------------- the report itself


def test_a_report_prepared_by_the_agency_alone_is_a_finding(tiny, ctx):
    """Alpha's report names the finance bureau as organiser; Beta's the agency alone."""
    a = appraised(tiny, ctx)
    assert a.regions.set_index("region_code")["agency_alone"].to_dict() == {
        "110100": False,
        "110200": True,
    }
    items = new_items(a, ctx)
    beta = items.loc[items["region_code"] == "110200", "problem"].tolist()
    assert "prepared_by_agency_alone" in beta
    zh = worded_items(items, tiny, ctx, "zh")
    assert zh["problem"].str.contains("未由同级财政部门组织开展").sum() == 1


def test_a_reason_the_years_figures_deny_is_a_finding(tiny, ctx):
    """Alpha's fund took in 101 and paid out 90 a month in 2025 (income 1,212, expenditure
    1,080): a reason claiming the fund ran short (收不抵支) is denied by the figures."""
    ds = with_rows(
        tiny,
        "explanations",
        [("110100", EM, 2025, "coverage_rate", "参保扩面不足，当年基金收不抵支", "加强扩面")],
    )
    a = appraised(ds, ctx)
    d = a.denied
    assert d[["region_code", "indicator", "claim"]].values.tolist() == [
        ["110100", "coverage_rate", "deficit"]
    ]
    assert (d.at[0, "income"], d.at[0, "expenditure"]) == (pytest.approx(1212), pytest.approx(1080))
    assert a.regions.set_index("region_code").at["110100", "denied"] == 1
    assert "reason_contradicts_figures" in new_items(a, ctx)["problem"].tolist()
    html = str(provincial_report_quality(a, ds, ctx))
    assert "参保扩面不足，当年基金收不抵支" in html and "1,212.0" in html


def provincial_report_quality(a, ds, ctx):
    from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp

    empty = pd.DataFrame()
    return AppraisalReport(a, FollowUp(empty, empty, empty, empty, empty), ds, ctx, "zh").quality()


def test_the_demo_finds_wuqiaos_reason_and_the_reports_prepared_alone(demo, ctx):
    """Wuqiao's residents' pension says it ran short while its 2025 income exceeded its
    expenditure; 22 of the 57 reports on 2025 were prepared by the agency alone."""
    a = provincial_evaluation(fund="resident_pension", province="930000", year=2025).report.a
    assert a.denied[["region_code", "indicator"]].values.tolist() == [
        ["930200", "current_year_balance"]
    ]
    from sipm_helpers.domain.quality import prepared_alone

    alone = sum(
        int(prepared_alone(demo, ctx, fund=f, year=2025)["alone"].sum()) for f in ctx.catalogues
    )
    assert alone == 22


# --------------------------------------------------------------------------- overall targets


def test_a_year_that_closes_an_overall_target_concludes_on_it(tiny, ctx):
    """Alpha's overall coverage target of 2021–2025 is 96 %; its 2025 coverage is 950 of
    1,000 = 95 %: not achieved, in the self-evaluation and in the provincial evaluation."""
    ev = evaluate(tiny, ctx, fund=EM, region="110100", year=2025)
    o = ev.overall.set_index("indicator")
    assert o.at["coverage_rate", "actual"] == pytest.approx(0.95)
    assert bool(o.at["coverage_rate", "closes"]) and o.at["coverage_rate", "achieved"] == False  # noqa: E712
    assert ev.to_result()["overall_targets"][0]["achieved"] is False
    a = appraised(tiny, ctx)
    assert a.overall[["region_code", "indicator", "achieved"]].values.tolist() == [
        ["110100", "coverage_rate", False]
    ]
    from sipm_helpers.present.report import SelfEvaluationReport

    html = str(SelfEvaluationReport(ev, tiny, ctx, "zh").overall_targets())
    assert "未完成" in html


def test_an_overall_target_whose_period_runs_on_is_not_concluded(tiny, ctx):
    t = tiny.targets.copy()
    t.loc[t["period"] == "overall", "end_year"] = 2027
    ev = evaluate(replace(tiny, targets=t), ctx, fund=EM, region="110100", year=2025)
    assert not ev.overall["closes"].any() and ev.overall["achieved"].isna().all()


def test_a_province_whose_self_evaluations_are_all_missing_is_evaluated_as_such(tiny_dir, tmp_path):
    """No stage-03 result in the folder: every region listed as missing, none scored, and
    the report, the suggestions and the result still made (no KeyError on empty frames)."""
    run = provincial_evaluation(
        fund=EM, province="110000", year=2025, data=str(tiny_dir), results=str(tmp_path)
    )
    result = run.result()
    assert {r["status"] for r in result["regions"]} == {"self_evaluation_missing"}
    assert result["moved"] == [] and result["missed"] == []
    html = run.report.rescoring().html + run.report.quality().html
    assert "nan" not in html and "<NA>" not in html


def test_plain_phrases_are_matched_as_text_never_as_patterns():
    from sipm_helpers.domain.phrases import says_any

    text = pd.Series(["未发现违规问题", None, "a.b", "收支(平衡)"])
    assert says_any(text, ["未发现违规"]).tolist() == [True, False, False, False]
    assert says_any(text, [".", "("]).tolist() == [False, False, True, True]  # no regex
