"""The province's one report to the centre across its funds (Art. 18, 19): its figures on
the tiny dataset, worked by hand, the quality scale, the parameters it reads, and the
batch that makes it after every fund's provincial evaluation."""

from __future__ import annotations

import copy
import datetime
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sipm_helpers.batch.plan import Scope, dependencies, plan_jobs
from sipm_helpers.config.appraisal import load_appraisal_rules
from sipm_helpers.config.quality import load_quality_rules
from sipm_helpers.config.registry import ALL_FUNDS, load_registry
from sipm_helpers.domain.consolidation import (
    consolidate,
    consolidated_result,
    coordinated_funds,
    fund_overview,
)
from sipm_helpers.domain.quality import CRITERIA, quality_ratings
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir
from sipm_helpers.present.provincial_report import annex_links
from sipm_helpers.stages.provincial_report import run as provincial_report

AS_OF = datetime.date(2026, 7, 31)


def test_the_overview_adds_the_regions_up_to_the_province(tiny, ctx):
    """2025 in each medical prefecture: income 101 × 12 = 1,212, expenditure 90 × 12 =
    1,080, balance 632 → 764 (+20.9 %), 764 ÷ (1,080 ÷ 12) = 8.49 months; the province:
    the sums, 1,528 ÷ 180 = 8.49 months. Work injury, pooled by the province alone (no
    total row): 480 − 360 = 120, balance 420 → 540, 540 ÷ 30 = 18 months."""
    funds = coordinated_funds(tiny, ctx, "110000", 2025)
    assert funds == ("employee_medical", "work_injury")  # the registry's order
    o = fund_overview(tiny, ctx, "110000", 2025, funds).set_index(["fund", "region_code"])
    alpha = o.loc[("employee_medical", "110100")]
    assert (alpha["income"], alpha["expenditure"], alpha["surplus"]) == (1212, 1080, 132)
    assert alpha["growth"] == pytest.approx(764 / 632 - 1) and not alpha["total"]
    assert alpha["months"] == pytest.approx(764 / 90)
    province = o.loc[("employee_medical", "110000")]
    assert province["total"] and (province["income"], province["balance_end"]) == (2424, 1528)
    assert province["months"] == pytest.approx(1528 / 180)
    injury = o.loc[("work_injury", "110000")]
    assert not injury["total"] and injury["surplus"] == 120 and injury["months"] == 18
    assert len(o) == 4


def _standing(**overrides) -> pd.DataFrame:
    row = {"status": "evaluated", "late": False, "unexplained": 0, "unevidenced": 0,
           "denied": 0, "agency_alone": False, "gap_flag": False}  # fmt: skip
    return pd.DataFrame([{**row, **overrides}])


@pytest.mark.parametrize(
    ("overrides", "shortfalls", "rating"),
    [
        ({}, 0, "good"),
        ({"late": True}, 1, "fair"),
        ({"late": True, "agency_alone": True}, 2, "weak"),
        ({"late": True, "agency_alone": True, "unexplained": 2}, 3, "weak"),
        ({"late": True, "agency_alone": True, "unexplained": 2, "gap_flag": True}, 4, "poor"),
        ({"status": "self_evaluation_missing"}, 1, "poor"),  # missing: always the last level
    ],
)
def test_a_self_evaluation_is_rated_by_the_criteria_it_falls_short_of(
    ctx, overrides, shortfalls, rating
):
    """parameters/quality.yaml: good with none, fair with 1, weak with up to 3, poor beyond."""
    rated = quality_ratings(_standing(**overrides), ctx.quality.ratings).iloc[0]
    assert (rated["shortfalls"], rated["rating"]) == (shortfalls, rating)
    assert {f"short_{c}" for c in CRITERIA} <= set(rated.index)


def _result(regions: list[dict], problems: list[dict] = ()) -> dict:
    return {"regions": regions, "problems": list(problems), "categories": []}


def test_a_fund_without_its_provincial_evaluation_is_listed_not_concluded_on(tiny, ctx):
    """Employee medical evaluated by hand (Alpha 92.0 excellent; Beta's self-evaluation
    missing), work injury's provincial evaluation missing."""
    medical = _result(
        [
            {"region_code": "110100", "status": "evaluated", "self_total": 95.0,
             "self_grade": "excellent", "evaluated_total": 92.0, "evaluated_grade": "excellent",
             "late": True, "unexplained": 0, "unevidenced": 0, "denied": 0,
             "agency_alone": False, "gap_flag": False, "gap": 3.0, "rank": 1},
            {"region_code": "110200", "status": "self_evaluation_missing"},
        ],
        [{"item_id": "E1", "region_code": "110100", "problem": "late_report", "indicator": None}],
    )  # fmt: skip
    c = consolidate(
        tiny, ctx, province="110000", year=2025,
        results={"employee_medical": medical, "work_injury": None}, as_of=AS_OF,
    )  # fmt: skip
    s = c.standing.set_index(["fund", "region_code"])
    assert s.loc[("work_injury", "110000"), "status"] == "not_evaluated"
    assert pd.isna(s.loc[("work_injury", "110000"), "rating"])  # nothing to rate
    assert s.loc[("employee_medical", "110200"), "rating"] == "poor"
    assert s.loc[("employee_medical", "110100"), "rating"] == "fair"  # late
    assert c.evaluated_funds == ("employee_medical",)
    limits = {f.code: dict(f.values) for f in c.limitations}
    assert limits["funds_not_evaluated"] == {"funds": ["work_injury"], "count": 1}
    assert limits["missing_reports"] == {"count": 1}
    # Tiny's review table: one site visit at Alpha; its ledger: R2024-1 closed on
    # 2025-05-10, R2025-1 open past its deadline of 2026-06-30 on 31 July.
    assert limits["site_visits"] == {"visited": 1, "regions": 1}
    assert limits["overdue_items"] == {"count": 1, "as_of": "2026-07-31"}
    facts = {f.code: dict(f.values) for f in c.achievements}
    assert facts["graded_well"] == {"count": 1, "of": 1}
    assert facts["items_closed"] == {"count": 1, "of": 2}
    assert facts["surplus"]["funds"] == ["employee_medical", "work_injury"]
    out = consolidated_result(c, 1)
    assert out["flags"] == ["funds_not_evaluated"]
    assert out["funds"][0] == {"fund": "employee_medical", "evaluated": True, "regions": 2,
                               "grades": {"excellent": 1}, "mean_total": 92.0}  # fmt: skip
    assert out["funds"][1]["evaluated"] is False and out["funds"][1]["mean_total"] is None
    json.dumps(out, allow_nan=False)


def test_the_report_on_the_tiny_province_from_its_evaluations(tiny_dir):
    """Each fund's provincial evaluation made here: Beta is late (5 June) and prepared by
    its agency alone, the province's work-injury report by its agency alone; Alpha left a
    deviation unexplained. Every section words its figures, with no missing-value text."""
    run = provincial_report("110000", 2025, data=str(tiny_dir), lang="zh")
    rated = {q["region_code"]: (q["rating"], q["short_of"]) for q in run.result()["quality"]}
    assert rated["110200"] == ("weak", ["on_time", "organised_by_finance"])
    assert rated["110100"] == ("fair", ["deviations_explained"])
    report = run.report
    sections = ["summary", "overview", "organisation", "results", "achievements",
                "problems", "quality", "conclusion", "limitations", "annexes"]  # fmt: skip
    html = "".join(getattr(report, s)().html for s in sections)
    for text in ("测试省财政厅", "受托第三方绩效评价机构", "2026年7月31日", "摘要", "甲市",
                 "全省合计", "现场核查", "评价的局限性", "工作底稿", "8.5", "1,528.0"):  # fmt: skip
        assert text in html, text
    assert not re.search(r"\bnan\b|<NA>|None", html)


def test_annexes_link_to_the_same_named_report_of_each_fund(tmp_path):
    runs = tmp_path / "runs"
    report = runs / "provincial_report" / "2025" / ALL_FUNDS / "110000-testshire.zh.json"
    found = runs / "provincial_evaluation" / "2025" / "work_injury" / "110000-testshire.json"
    links = annex_links({"work_injury": found, "employee_medical": None}, report)
    assert links == {
        "work_injury": {
            "report": "../../../provincial_evaluation/2025/work_injury/110000-testshire.zh.html",
            "papers": "../../../provincial_evaluation/2025/work_injury/"
            "110000-testshire.zh.papers.xlsx",
            "items": "../../../provincial_evaluation/2025/work_injury/"
            "110000-testshire.zh.rectification.csv",
        }
    }
    assert annex_links({"work_injury": found}, None) == {}


def test_the_report_waits_for_every_fund_of_its_province(demo, tmp_path):
    jobs = plan_jobs(demo, {"provincial_evaluation": 2025, "provincial_report": 2025})
    reports = [j for j in jobs if j.stage == "provincial_report"]
    assert [j.region for j in reports] == ["910000", "920000", "930000"]
    assert {j.fund for j in reports} == {ALL_FUNDS}
    waits = dependencies(jobs, demo)[reports[1].job_id]
    assert len(waits) == 7 and all(w.endswith("/920000/en") for w in waits)
    assert reports[1].parameters(tmp_path)["results"] == str(
        (tmp_path / "runs" / "provincial_evaluation" / "2025").resolve()
    )
    # A fund chosen keeps the province's report: it covers whichever funds were evaluated.
    one = plan_jobs(demo, {"provincial_report": 2025}, scope=Scope(funds=("work_injury",)))
    assert len(one) == 3


def test_the_registry_names_all_funds_and_reserves_their_code(ctx, tmp_path):
    assert ctx.registry.fund_name(ALL_FUNDS, "zh") == "社会保险基金"
    assert ctx.registry.fund_name("work_injury", "en") == ctx.registry.fund("work_injury").en
    raw = yaml.safe_load((parameters_dir() / "funds.yaml").read_text(encoding="utf-8"))
    raw["funds"][ALL_FUNDS] = copy.deepcopy(raw["funds"]["work_injury"])  # no YAML alias
    bad = tmp_path / "funds.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"funds\.all: is reserved"):
        load_registry(bad)


def _edited(tmp_path: Path, name: str, edit) -> Path:
    raw = yaml.safe_load((parameters_dir() / name).read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("pattern", ["{grade}-{year}", "{province.__class__}", "{year!r}", "{"])
def test_a_report_number_uses_only_its_fields(tmp_path, pattern):
    def edit(raw):
        raw["report"]["numbers"]["feedback_letter"]["zh"] = pattern

    path = _edited(tmp_path, "appraisal.yaml", edit)
    with pytest.raises(ParameterError, match=r"report\.numbers\.feedback_letter\.zh"):
        load_appraisal_rules(path)


def test_the_report_number_and_evaluator_come_from_the_rules(ctx):
    rules = ctx.appraisal
    fields = {"province": "110000", "region": "110100", "fund": "05", "year": 2025,
              "period": 2025}  # fmt: skip
    assert rules.number("provincial_report", "zh", AS_OF, **fields) == "财社绩〔2026〕110000号"
    assert rules.number("feedback_letter", "en", AS_OF, **fields) == "FK-110100-05-2026-2025"
    assert rules.evaluator_name("zh") == "受托第三方绩效评价机构"


def test_quality_levels_must_grow(tmp_path):
    def shrink(raw):
        raw["rating"][1]["shortfalls"] = 0

    with pytest.raises(ParameterError, match=r"rating\[1\].shortfalls"):
        load_quality_rules(_edited(tmp_path, "quality.yaml", shrink))
