"""The centre's assessment of the provinces (Art. 22), hand-worked on the tiny dataset.

The tiny country has one province, 110000: employee_medical pooled by its prefectures
110100 (Alpha) and 110200 (Beta), work_injury by the province. Its 2025 budget is copied
to 2026 so that 2026 has target sets and monitoring due (three pairs each), and the runs
folder holds the stages' results as the batch lays them out:

- target reviews of 2026: Alpha approved (1), Beta returned (0), the province's work
  injury approved with changes (0.6): 1.6 of 3 → 15 × 1.6 / 3 = 8.0;
- monitoring to 2026-10: Alpha on time, Beta 2 months late, work injury none: 1 of 3 →
  10 / 3 = 3.3;
- self-evaluations of 2025 (submissions): Alpha 20 May by finance, Beta 5 June by its
  agency alone, the province's work injury 28 May by its agency alone: on time 2 of 3 →
  10.0, organised by finance 1 of 3 → 3.3;
- quality ratings in the province's report: Alpha good (1), Beta weak (0.5), work injury
  none: 1.5 of 3 → 10 × 0.5 = 5.0;
- the province's report covers employee_medical, not work_injury: 1 of 2 → 7.5;
- rectification: R2024-1, due 30 June 2025, closed 10 May 2025: 1 of 1 due in 2025 → 15.0
  (R2025-1, due 30 June 2026, falls due in the next year);
- no disclosure on record → 0.

Gross 3.3 + 8.0 + 3.3 + 10.0 + 5.0 + 7.5 + 15.0 + 0 = 52.1; one reason denied by the
figures (Alpha, in the provincial evaluation) costs 0.5: total 51.6, below 70: interviewed,
to rectify by 31 January 2027 (three months after the notice of 31 October 2026).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_tables, write_tiny

from sipm_helpers.config.assessment import load_assessment_rules
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.domain.assessment import (
    COMMENDED,
    INTERVIEWED,
    NONE,
    assess,
    assessment_result,
    follow_up,
    letter_result,
    outcomes,
)
from sipm_helpers.domain.assessment_inputs import gather
from sipm_helpers.errors import ParameterError
from sipm_helpers.present.assessment_letter import AssessmentLetter
from sipm_helpers.present.assessment_report import AssessmentReport


@pytest.fixture(scope="module")
def rules():
    return load_assessment_rules()


@pytest.fixture(scope="module")
def ds(tmp_path_factory, ctx):
    tables = tiny_tables()
    budget = tables["budget"]
    tables["budget"] = pd.concat([budget, budget.loc[budget["year"] == 2025].assign(year=2026)])
    return load_dataset(write_tiny(tmp_path_factory.mktemp("assess") / "tiny", tables=tables), ctx)


def _write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")


def _runs(root: Path) -> Path:
    """The stages' results of the tiny province, as the module's docstring lists them."""
    runs = root / "runs"
    for fund, region, verdict in (
        ("employee_medical", "110100", "approve"),
        ("employee_medical", "110200", "return"),
        ("work_injury", "110000", "approve_with_changes"),
    ):
        _write(runs / "target_review" / "2026" / fund / f"{region}-x.json",
               {"schema": "sipm.target_review", "version": 2, "fund": fund, "region": region,
                "verdict": verdict})  # fmt: skip
    for region, late in (("110100", 0), ("110200", 2)):
        _write(runs / "monitoring" / "2026-10" / "employee_medical" / f"{region}-x.json",
               {"schema": "sipm.monitoring", "version": 2, "fund": "employee_medical",
                "region": region, "period": "2026-10", "months_late": late})  # fmt: skip
    _write(runs / "provincial_evaluation" / "2025" / "employee_medical" / "110000-t.json",
           {"schema": "sipm.provincial_evaluation", "version": 5,
            "regions": [{"region_code": "110100", "denied": 1},
                        {"region_code": "110200", "denied": 0}]})  # fmt: skip
    _write(runs / "provincial_report" / "2025" / "all" / "110000-t.json",
           {"schema": "sipm.provincial_report", "version": 1,
            "funds": [{"fund": "employee_medical", "evaluated": True},
                      {"fund": "work_injury", "evaluated": False}],
            "quality": [{"fund": "employee_medical", "region_code": "110100", "rating": "good"},
                        {"fund": "employee_medical", "region_code": "110200",
                         "rating": "weak"}]})  # fmt: skip
    return runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return _runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def assessed(ds, ctx, rules, runs):
    return assess(gather(ds, ctx, rules, 2025, runs), rules, ctx.standards.score_decimals)


def test_each_criterion_is_counted_from_its_evidence(assessed):
    c = assessed.criteria.set_index("criterion")
    expected = {
        "organisation": (1, 3, 3.3),
        "target_management": (1.6, 3, 8.0),
        "monitoring": (1, 3, 3.3),
        "self_evaluation_on_time": (2, 3, 10.0),
        "self_evaluation_quality": (1.5, 3, 5.0),
        "provincial_report": (1, 2, 7.5),
        "rectification": (1, 1, 15.0),
        "disclosure": (0, 1, 0.0),
    }
    for code, (counted, due, score) in expected.items():
        assert c.loc[code, ["counted", "due", "score"]].tolist() == pytest.approx(
            [counted, due, score]
        ), code
    assert c.loc["rectification", "source"] == "as_src_rectification"


def test_total_deduction_outcome_and_deadline(assessed):
    p = assessed.of("110000")
    assert (p["gross"], p["deduction"], p["total"]) == pytest.approx((52.1, 0.5, 51.6))
    assert (p["rank"], p["outcome"]) == (1, INTERVIEWED)
    assert assessed.deadline.isoformat() == "2027-01-31"
    assert assessed.notice.isoformat() == "2026-10-31"
    assert assessed.deductions.set_index("province_code").loc["110000", "denied"] == 1


def test_results_not_on_record_earn_nothing_and_disclosure_counts_when_present(
    ds, ctx, rules, tmp_path
):
    bare = assess(gather(ds, ctx, rules, 2025, None), rules, 1).criteria.set_index("criterion")
    assert bare.loc["target_management", "score"] == 0
    assert bare.loc["self_evaluation_on_time", "score"] == pytest.approx(10.0)  # the data's own
    runs = _runs(tmp_path)
    _write(runs / "disclosure" / "2025" / "all" / "110000-t.json", {"schema": "sipm.disclosure"})
    scored = assess(gather(ds, ctx, rules, 2025, runs), rules, 1)
    assert scored.criteria.set_index("criterion").loc["disclosure", "score"] == 10.0
    assert scored.of("110000")["total"] == pytest.approx(61.6)


def test_outcomes_rank_ties_and_cap_the_commended(rules):
    totals = pd.DataFrame(
        {"province_code": list("ABCDEF"), "total": [95.0, 95.0, 92.0, 91.0, 75.0, 69.9]}
    )
    out = outcomes(totals, rules).set_index("province_code")
    assert out["rank"].tolist() == [1, 1, 3, 4, 5, 6]
    # at most three commended by rank: D (rank 4) at 91 is not
    assert out["outcome"].tolist() == [COMMENDED] * 3 + [NONE, NONE, INTERVIEWED]


def test_last_years_orders_followed_up(rules):
    previous = {
        "deadline": "2026-01-31",
        "provinces": [
            {"province_code": "A", "total": 60.0, "outcome": INTERVIEWED},
            {"province_code": "B", "total": 65.0, "outcome": INTERVIEWED},
            {"province_code": "C", "total": 90.0, "outcome": COMMENDED},
        ],
    }
    now = pd.DataFrame({"province_code": ["A", "B", "C"], "total": [72.0, 68.0, 91.0]})
    f = follow_up(previous, now, rules).set_index("province_code")
    assert f.index.tolist() == ["A", "B"]
    assert f["lifted"].tolist() == [True, False]
    assert f.loc["A", "last_deadline"] == "2026-01-31"
    assert follow_up(None, now, rules).empty


def test_previous_result_on_record_is_read(ds, ctx, rules, assessed, tmp_path):
    runs = _runs(tmp_path)
    last = assessment_result(assessed) | {"year": 2024}
    _write(runs / "central_assessment" / "2024" / "all" / "000000-t.json", last)
    a = assess(gather(ds, ctx, rules, 2025, runs), rules, 1)
    assert a.previous_on_record
    assert a.follow_up.to_dict("records") == [
        {"province_code": "110000", "last_total": 51.6, "last_deadline": "2027-01-31",
         "total": 51.6, "lifted": False}
    ]  # fmt: skip


def test_rules_refuse_weights_not_adding_up_and_unknown_fields(tmp_path):
    text = Path(
        load_assessment_rules.__globals__["parameters_dir"]() / "assessment.yaml"
    ).read_text(encoding="utf-8")
    bad = tmp_path / "a.yaml"
    bad.write_text(text.replace("weight: 15\n    measure: target_reviews",
                                "weight: 14\n    measure: target_reviews"), encoding="utf-8")  # fmt: skip
    with pytest.raises(ParameterError, match="add up to 99"):
        load_assessment_rules(bad)
    bad.write_text(text.replace("good: 1.0, fair", "great: 1.0, fair"), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"self_evaluation_quality\.ratings"):
        load_assessment_rules(bad)
    bad.write_text(text.replace("interview_below: 70", "interview_below: 95"), encoding="utf-8")
    with pytest.raises(ParameterError, match="interview_below"):
        load_assessment_rules(bad)


def _html(sections) -> str:
    return "".join(s.html for s in sections if s is not None)


def test_notice_in_chinese_names_the_interviewed_and_the_deadline(assessed, rules, ds, ctx):
    r = AssessmentReport(assessment_result(assessed), rules, ds, ctx, "zh")
    html = _html([r.header(), r.basics(), r.ranking(), r.commended(), r.interviewed(),
                  r.follow_up(), r.requirements(), r.annex()])  # fmt: skip
    assert "财社〔2026〕考2025号" in html
    assert "测试省考核得分低于70分" in html
    assert "2027年1月31日前完成整改" in html
    assert "绩效信息公开得0.0分（满分10分）" in html
    assert "到期整改事项1项，按期完成1项" in html
    assert "本年度没有省份考核得分达到90分" in html
    assert "未取得2024年度考核结果" in html
    assert "财政部会同人力资源社会保障部、国家医疗保障局对各省2025年度" in html
    assert "应审核目标3套，折合通过1.6套" in html
    assert "<NA>" not in html and "nan" not in html


def test_letter_to_the_province(assessed, rules, ds, ctx):
    result = assessment_result(assessed)
    lt = AssessmentLetter(result, rules, ds, ctx, "110000", "zh")
    html = _html([lt.header(), lt.result_section(), lt.criteria_section(),
                  lt.deductions_section(), lt.requirements(), lt.follow_up(), lt.closing()])  # fmt: skip
    assert "财社函〔2026〕110000号" in html
    assert "测试省财政厅、人力资源社会保障厅、医疗保障局：" in html
    assert "最终得分51.6分，在1个省份中排名第1位" in html
    assert "请你省于2027年1月31日前完成以下事项的整改" in html
    assert "所述原因与当年收支数据不符1处，扣0.5分" in html
    en = AssessmentLetter(result, rules, ds, ctx, "110000", "en")
    assert "rectify the following by 2027-01-31" in en.requirements().html
    record = letter_result(result, "110000")
    assert record["deadline"] == "2027-01-31" and "disclosure" in record["lost"]
    assert "rectification" not in record["lost"]
    with pytest.raises(ValueError, match="does not assess province 990000"):
        AssessmentLetter(result, rules, ds, ctx, "990000", "zh")


def test_names_from_data_are_escaped(assessed, rules, ds, ctx):
    regions = ds.regions.copy()
    regions.loc[regions["region_code"] == "110000", "name_zh"] = "<b>测试省</b>"
    hostile = type(ds)(**{**ds.__dict__, "regions": regions})
    r = AssessmentReport(assessment_result(assessed), rules, hostile, ctx, "zh")
    html = r.ranking().html + r.interviewed().html
    assert "<b>测试省" not in html and "&lt;b&gt;测试省" in html


def test_the_stages_read_the_batchs_runs_folder_and_the_letter_reads_the_notice(ds, ctx, tmp_path):
    """The notice's ``results`` is the provincial reports' folder of the year in a batch's
    runs folder; the other stages' results are read beside it. The letter reads the
    notice's result where the batch writes it."""
    from sipm_helpers.stages import assessment_letter, central_assessment

    runs = _runs(tmp_path)
    data = ds.source
    notice = central_assessment.run(2025, data, str(runs / "provincial_report" / "2025"), "zh")
    assert notice.result()["provinces"][0]["total"] == 51.6  # as hand-worked above
    saved = notice.save(runs / "central_assessment" / "2025" / "all" / "000000-testland.zh.json")
    assert saved is not None and saved.is_file()
    folder = str(runs / "central_assessment" / "2025")
    letter = assessment_letter.run("110000", 2025, data, folder, "zh")
    assert "最终得分51.6分" in letter.report.result_section().html
    assert letter.result()["outcome"] == INTERVIEWED
    bare = central_assessment.run(2025, data, "", "en").result()  # the data alone
    # the data's own criteria alone: organised by finance 3.3, on time 10.0, rectification
    # 15.0; the stages' results not on record earn nothing
    assert bare["provinces"][0]["total"] == pytest.approx(28.3)


def test_the_notice_waits_for_every_provincial_report_and_each_letter_for_the_notice(demo):
    from sipm_helpers.batch.plan import dependencies, plan_jobs

    stages = {"target_review": 2026, "provincial_report": 2025, "central_assessment": 2025,
              "assessment_letter": 2025}  # fmt: skip
    jobs = plan_jobs(demo, stages)
    waits = dependencies(jobs, demo)
    by_id = {j.job_id: j for j in jobs}
    (notice,) = [j for j in jobs if j.stage == "central_assessment"]
    assert notice.region == "000000"
    waited = [by_id[w] for w in waits[notice.job_id]]
    reports = sorted(j.region for j in waited if j.stage == "provincial_report")
    assert reports == ["910000", "920000", "930000"]
    # the next budget's target reviews, read beside the reports: every one of them
    reviews = [j for j in jobs if j.stage == "target_review"]
    assert {j.job_id for j in waited if j.stage == "target_review"} == {j.job_id for j in reviews}
    assert len(waited) == 3 + len(reviews)
    letters = [j for j in jobs if j.stage == "assessment_letter"]
    assert sorted(j.region for j in letters) == ["910000", "920000", "930000"]
    assert all(waits[j.job_id] == (notice.job_id,) for j in letters)


def test_the_centres_documents_name_and_are_signed_by_their_issuers(demo, ctx):
    from sipm_helpers.batch.plan import plan_jobs
    from sipm_helpers.config.labels import load_labels
    from sipm_helpers.render.cover import make_cover

    stages = {"central_assessment": 2025, "assessment_letter": 2025}
    jobs = plan_jobs(demo, stages, langs=("zh",))
    notice = next(j for j in jobs if j.stage == "central_assessment")
    cover = make_cover(notice, load_labels("zh"), demo, ctx)
    facts = dict(cover.facts)
    assert facts["发文单位"] == "财政部、人力资源社会保障部、国家医疗保障局"
    assert "评价机构" not in facts and "委托单位" not in facts
    assert (cover.number, cover.date) == ("财社〔2026〕考2025号", "2026年10月31日")
    assert cover.signers == ("财政部", "人力资源社会保障部", "国家医疗保障局")
    letter = next(j for j in jobs if j.stage == "assessment_letter" and j.region == "920000")
    assert make_cover(letter, load_labels("zh"), demo, ctx).number == "财社函〔2026〕920000号"


def test_items_due_in_the_year_closed_late_or_carried_over_count_against_the_province(ds):
    from sipm_helpers.domain.assessment_inputs import due_items

    ts = pd.Timestamp
    rows = pd.DataFrame(
        {
            "item_id": ["early", "late", "carried", "next"],
            "region_code": ["110100", "110200", "110000", "110100"],
            "fund": ["employee_medical", "employee_medical", "work_injury", "employee_medical"],
            "deadline": [ts(2024, 6, 30), ts(2025, 3, 31), ts(2024, 6, 30), ts(2026, 6, 30)],
            "status": ["done", "done", "overdue", "open"],
            "closed": [ts(2024, 5, 1), ts(2025, 4, 15), pd.NaT, pd.NaT],
        }
    )
    changed = type(ds)(**{**ds.__dict__, "rectification": rows})
    items = due_items(changed, 2025).set_index("item_id")
    # closed before 2025 began: last year's; due in 2026: next year's
    assert sorted(items.index) == ["carried", "late"]
    assert not items["closed_on_time"].any()
    assert set(items["province_code"]) == {"110000"}
