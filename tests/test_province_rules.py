"""A province's own implementing rules (Art. 24), by hand on the tiny dataset: Testshire
(110000) evaluates Alpha (110100) and Beta City (110200). Alpha's self-evaluation of 2025
reached the province on 20 May 2026, Beta's on 5 June; the evaluator's regrade puts
Alpha's self-assessed total 1.0 point above the evaluated one (test_appraisal.py).

Testshire's rules below, in force from 1 January 2025, bring the deadline forward to
15 May and the gap threshold down to half a point: Alpha's report is late and its gap flagged
in 2025, and 2024 keeps the national 31 May and 5 points."""

from __future__ import annotations

import datetime
import re
import textwrap
from dataclasses import replace
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from sipm_helpers.config.context import Context
from sipm_helpers.config.province_rules import load_province_rules, read_province_rules
from sipm_helpers.domain.appraisal import appraise
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.follow_up import new_items
from sipm_helpers.errors import ParameterError

EM = "employee_medical"
DOCUMENT = """\
version: 1
documents:
  testshire_2024:
    title: {zh: 《测试省社会保险基金预算绩效管理实施细则》, en: Testshire Implementing Rules}
    number: {zh: 测财社〔2024〕3号, en: "Ce Caishe [2024] No. 3"}
    issued: 2024-12-10
"""
RULES = """\
rules:
  appraisal:
    report_due:
      - {from: 2025-01-01, value: {month: 5, day: 15}, document: testshire_2024,
         article: {zh: 第十一条, en: Art. 11}}
    gap_points:
      - {from: 2025-01-01, value: 0.5, document: testshire_2024}
    rectification_due:
      - {from: 2025-01-01, value: {month: 6, day: 30}, document: testshire_2024}
"""


def rules_file(tmp_path: Path, text: str, province: str = "110000") -> Path:
    folder = tmp_path / province
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def testshire(ctx: Context, tmp_path: Path) -> Context:
    rules_file(tmp_path, DOCUMENT + RULES)
    return replace(ctx, province_rules=load_province_rules(tmp_path))


@pytest.fixture(scope="module")
def results(tiny, ctx):
    return {
        r: evaluate(tiny, ctx, fund=EM, region=r, year=2025).to_result()
        for r in ("110100", "110200")
    }


def test_the_provinces_rules_apply_from_their_date(testshire):
    ruled = testshire.for_province("110000", 2025)
    assert ruled.appraisal.due(2025) == datetime.date(2026, 5, 15)
    assert ruled.appraisal.gap_points == 0.5
    assert ruled.appraisal.rectification_deadline(2025) == datetime.date(2026, 6, 30)
    assert ruled.appraisal.provincial_due(2025) == datetime.date(2026, 7, 31)  # not set: national
    assert ruled.cite_rule("appraisal.report_due", "zh") == (
        "《测试省社会保险基金预算绩效管理实施细则》（测财社〔2024〕3号）第十一条"
    )
    assert ruled.cite_rule("appraisal.gap_points", "en") == (
        "Testshire Implementing Rules (Ce Caishe [2024] No. 3)"
    )


def test_a_year_before_the_overlays_date_and_another_province_get_the_national_rule(testshire):
    before = testshire.for_province("110000", 2024)
    assert before.appraisal.due(2024) == datetime.date(2025, 5, 31)
    assert before.appraisal.gap_points == 5.0
    assert before.cite_rule("appraisal.report_due", "zh") == ""
    other = testshire.for_province("120000", 2025)
    assert other.appraisal.due(2025) == datetime.date(2026, 5, 31) and other.applied is None
    # resolving again from a province's context starts from the national rules
    assert testshire.for_province("110000", 2025).for_province("120000", 2025) is testshire


def test_the_earlier_deadline_makes_a_report_late_and_the_lower_threshold_flags_a_gap(
    tiny, ctx, testshire, results
):
    national = appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=results)
    ruled = appraise(tiny, testshire, fund=EM, province="110000", year=2025, results=results)
    n, r = national.regions.set_index("region_code"), ruled.regions.set_index("region_code")
    # Alpha: received 20 May, due 31 May (national) or 15 May (Testshire's rules)
    assert not n.at["110100", "late"] and r.at["110100", "late"]
    assert n.at["110200", "late"] and r.at["110200", "late"]  # 5 June: late either way
    # Alpha's gap of 1.0 point: within the national 5, beyond Testshire's 0.5
    assert r.at["110100", "gap"] == 1.0
    assert not n.at["110100", "gap_flag"] and r.at["110100", "gap_flag"]
    assert not r.at["110200", "gap_flag"]  # Beta: no gap


def test_new_rectification_items_take_the_provinces_deadline(tiny, ctx, testshire, results):
    a = appraise(tiny, testshire, fund=EM, province="110000", year=2025, results=results)
    assert set(new_items(a, testshire)["deadline"]) == {pd.Timestamp("2026-06-30")}
    a = appraise(tiny, ctx, fund=EM, province="110000", year=2025, results=results)
    assert set(new_items(a, ctx)["deadline"]) == {pd.Timestamp("2026-12-31")}


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize(
    ("lang", "national", "ruled"),
    [
        (
            "zh",
            "应于2026年5月31日前报送，第十八条）",
            "应于2026年5月15日前报送，第十八条、《测试省社会保险基金预算绩效管理实施细则》"
            "（测财社〔2024〕3号）第十一条）",
        ),
        (
            "en",
            "due by 2026-05-31, Art. 18)",
            "due by 2026-05-15, Art. 18; Testshire Implementing Rules (Ce Caishe [2024] No. 3), "
            "Art. 11)",
        ),
    ],
)
def test_the_report_cites_the_provinces_rule_where_it_applies(
    tiny, ctx, testshire, results, lang, national, ruled
):
    from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp

    empty = pd.DataFrame()
    follow = FollowUp(empty, empty, empty, empty, empty)
    for context, expected, absent in ((ctx, national, ruled), (testshire, ruled, national)):
        a = appraise(tiny, context, fund=EM, province="110000", year=2025, results=results)
        report = AppraisalReport(a, follow, tiny, context, lang)
        quality = _text(report.quality().html)
        assert expected in quality and absent not in quality
    summary, header = _text(report.summary().html), _text(report.header().html)
    if lang == "zh":
        assert "1个地区自评得分与评价得分相差超过0.5分。差异阈值依据《测试省" in summary
        assert "实施细则《测试省社会保险基金预算绩效管理实施细则》（测财社〔2024〕3号）" in header
    else:
        assert "more than 0.5 points. The threshold is that of Testshire Implementing" in summary


def test_a_provinces_grade_rules_grade_its_self_evaluations(tiny, ctx, tmp_path):
    """Testshire's self-evaluations grade 优 and 中 nationally (test_appraisal.py); a
    province grading pass (60 and above) or fail gives both a pass."""
    rules = DOCUMENT + textwrap.dedent("""\
        rules:
          scoring:
            grades:
              - from: 2025-01-01
                document: testshire_2024
                value:
                  - {code: pass, min: 60, zh: 合格, en: Pass}
                  - {code: fail, min: 0, zh: 不合格, en: Fail}
        """)
    rules_file(tmp_path, rules)
    ruled = replace(ctx, province_rules=load_province_rules(tmp_path))
    graded = [
        evaluate(tiny, c, fund=EM, region=r, year=2025).summary["grade"]
        for c in (ctx, ruled)
        for r in ("110100", "110200")
    ]
    assert graded == ["excellent", "fair", "pass", "pass"]


RULE = "rules:\n  appraisal:\n    {key}:\n      - {{from: 2025-01-01, value: {value}, document: testshire_2024}}\n"


@pytest.mark.parametrize(
    ("rules", "where", "says"),
    [
        (RULE.format(key="gap_point", value="3"), "rules.appraisal.gap_point", "unknown rule"),
        (RULE.format(key="gap_points", value="three"), "gap_points[0].value", "expected a number"),
        (RULE.format(key="gap_points", value="-1"), "gap_points[0].value", "must be positive"),
        (
            RULE.format(key="report_due", value="{month: 6, day: 10}"),
            "rules.appraisal.report_due[0].value",
            "later than the Measures allow (Art. 18",
        ),
        (
            "rules:\n  scoring:\n    score_decimals: []\n",
            "rules.scoring.score_decimals",
            "not a province's to change",
        ),
        ("rules:\n  funds: {}\n", "rules.funds", "fund types are those of Art. 3"),
        (
            "rules:\n  appraisal:\n    gap_points:\n      - {from: 2025-01-01, value: 3, "
            "document: nowhere}\n",
            "gap_points[0].document",
            "unknown document 'nowhere'",
        ),
        (
            "rules:\n  appraisal:\n    gap_points:\n      - {from: 2024-01-01, value: 3, "
            "document: testshire_2024}\n",
            "gap_points[0].from",
            "before testshire_2024 was issued",
        ),
        (
            "rules:\n  appraisal:\n    gap_points:\n"
            "      - {from: 2026-01-01, value: 3, document: testshire_2024}\n"
            "      - {from: 2025-01-01, value: 4, document: testshire_2024}\n",
            "rules.appraisal.gap_points",
            "earliest first",
        ),
        ("rules: {}\nextra: 1\n", "", "unknown key(s): extra"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_file_and_the_key(tmp_path, rules, where, says):
    path = rules_file(tmp_path, DOCUMENT + rules)
    with pytest.raises(ParameterError) as raised:
        read_province_rules(path, "110000")
    assert raised.value.file == str(path)
    assert where in raised.value.location and says in raised.value.message


def test_a_province_folder_must_be_named_by_its_code(tmp_path):
    rules_file(tmp_path, DOCUMENT + RULES, province="testshire")
    with pytest.raises(ParameterError, match="named by its region code"):
        load_province_rules(tmp_path)


def test_the_demo_gives_xiling_a_20_may_deadline_and_a_3_point_threshold(ctx, demo):
    """Xiling (920000) from 2024 on; Dongchuan (910000) keeps the Measures' end of May.
    Baixi's (920200) residents' pension self-evaluation of 2025 reached the province on
    30 May 2026: on time nationally, late under Xiling's rules."""
    xiling, dongchuan = ctx.for_province("920000", 2025), ctx.for_province("910000", 2025)
    assert xiling.appraisal.due(2025) == datetime.date(2026, 5, 20)
    assert xiling.appraisal.gap_points == 3.0
    assert "西财社〔2023〕18号" in xiling.cite_rule("appraisal.report_due", "zh")
    assert dongchuan.appraisal.due(2025) == datetime.date(2026, 5, 31) and not dongchuan.applied
    assert ctx.for_province("920000", 2023).appraisal.due(2023) == datetime.date(2024, 5, 31)
    s = demo.submissions.set_index(["region_code", "fund", "year"])["received"]
    received = s.loc[("920200", "resident_pension", 2025)]
    assert pd.Timestamp(dongchuan.appraisal.due(2025)) >= received
    assert received > pd.Timestamp(xiling.appraisal.due(2025))


def test_the_working_papers_name_the_provinces_rules_file_and_document(tiny, testshire, results):
    from sipm_helpers.domain.appraisal import self_assessed
    from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp
    from sipm_helpers.present.working_papers import working_papers

    empty = pd.DataFrame()
    a = appraise(tiny, testshire, fund=EM, province="110000", year=2025, results=results)
    report = AppraisalReport(a, FollowUp(empty, empty, empty, empty, empty), tiny, testshire)
    wb = working_papers(report, self_assessed(results), datetime.date(2026, 7, 31),
                        datetime.date(2026, 7, 31))  # fmt: skip
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert any("parameters/provinces/110000/rules.yaml" in c for c in cells)
    gap = "more than 0.5 points from the evaluated one puts the self-evaluation's quality in "
    assert any(
        c.endswith(gap + "question (Testshire Implementing Rules (Ce Caishe [2024] No. 3))")
        for c in cells
    )


@pytest.mark.parametrize(
    ("lang", "source"),
    [
        ("zh", "差异阈值依据《测试省社会保险基金预算绩效管理实施细则》（测财社〔2024〕3号）确定。"),
        ("en", "The threshold is that of Testshire Implementing Rules (Ce Caishe [2024] No. 3)."),
    ],
)
def test_the_letter_and_the_report_to_the_centre_name_the_provinces_document(
    tiny, ctx, testshire, results, lang, source
):
    """Alpha's letter states its 1.0-point gap beyond Testshire's 0.5 point and whose rule that
    is; the report to the centre states the threshold's source and the document applied."""
    from sipm_helpers.domain.appraisal import appraisal_result
    from sipm_helpers.domain.consolidation import consolidate
    from sipm_helpers.domain.feedback import letter
    from sipm_helpers.present.feedback_letter import LetterReport
    from sipm_helpers.present.provincial_report import ProvincialReport

    a = appraise(tiny, testshire, fund=EM, province="110000", year=2025, results=results)
    as_of = datetime.date(2026, 7, 31)
    none = pd.DataFrame(columns=["region_code", "kind", "subject", "template", "values"])
    result = appraisal_result(a, new_items(a, testshire), none, as_of)
    alpha = letter(result, tiny, testshire, "110100")
    text = _text(LetterReport(alpha, tiny, testshire, lang).result().html)
    assert source in text
    c = consolidate(tiny, ctx, province="110000", year=2025,
                    results={EM: result, "work_injury": None}, as_of=as_of)  # fmt: skip
    ruled = _text(ProvincialReport(c, tiny, testshire, lang).organisation().html)
    national = _text(ProvincialReport(c, tiny, ctx, lang).organisation().html)
    assert source in ruled and "Ce Caishe" not in national and "测财社" not in national
    documents = (
        "《测试省社会保险基金预算绩效管理实施细则》（测财社〔2024〕3号）"
        if lang == "zh"
        else "Testshire Implementing Rules (Ce Caishe [2024] No. 3)"
    )
    assert ruled.count(documents) == 2  # the threshold's source and the rules applied


def test_the_titles_give_the_provinces_deadline_and_cite_its_document(ctx, testshire):
    from sipm_helpers.config.labels import load_labels
    from sipm_helpers.present.rule_basis import due_values

    zh = load_labels("zh")

    def subtitle(context: Context, year: int) -> str:
        values = due_values(context, "110000", year, zh)
        return zh.t("report_subtitle", year=year, due_year=year + 1, **values)

    assert subtitle(testshire, 2025) == (
        "2025年度 · 2026年5月15日前报送省级财政部门（财社〔2022〕65号第十五至十八条；"
        "《测试省社会保险基金预算绩效管理实施细则》（测财社〔2024〕3号）第十一条）"
    )
    national = "2025年度 · 2026年5月31日前报送省级财政部门（财社〔2022〕65号第十五至十八条）"
    assert subtitle(ctx, 2025) == national
    assert subtitle(testshire, 2024) == national.replace("2025", "2024").replace("2026", "2025")
    # Testshire keeps the national end of July for its report to the centre: no citation
    values = due_values(testshire, "110000", 2025, zh)
    assert values["provincial_day"] == "7月31日" and values["provincial_rules"] == ""


def test_the_demos_xiling_flags_a_gap_of_4_points_and_cites_its_rules(demo, ctx):
    """Xiling's own enterprise-pension self-evaluation of 2025 (the fund is pooled at the
    province) is 4.4 points above the evaluated total: within the Measures' default 5,
    beyond Xiling's 3."""
    from sipm_helpers.stages.provincial_evaluation import run as provincial_evaluation

    run = provincial_evaluation(fund="enterprise_pension", province="920000", year=2025,
                                lang="zh")  # fmt: skip
    xiling = run.outcome.regions.set_index("region_code").loc["920000"]
    assert xiling["gap"] == 4.4 and xiling["gap_flag"]
    assert abs(xiling["gap"]) <= ctx.appraisal.gap_points  # national: 5, no flag
    summary = _text(run.report.summary().html)
    assert "相差超过3.0分。差异阈值依据《西岭省社会保险基金预算绩效管理实施细则》" in summary


def test_a_province_may_have_its_documents_issued_with_more_departments(
    tiny, ctx, tmp_path, results
):
    """Testshire's rules have the tax bureau, which collects premiums, issue with finance
    and healthcare security: Alpha's letter names it, and the letter's signers end with it."""
    from sipm_helpers.batch.plan import Job
    from sipm_helpers.config.labels import load_labels
    from sipm_helpers.domain.appraisal import appraisal_result
    from sipm_helpers.domain.feedback import letter
    from sipm_helpers.present.feedback_letter import LetterReport
    from sipm_helpers.render.cover import make_cover

    rules = DOCUMENT + textwrap.dedent("""\
        rules:
          appraisal:
            co_issuers:
              - from: 2025-01-01
                document: testshire_2024
                value: [{zh: 国家税务总局测试省税务局, en: Testshire Tax Service}]
        """)
    rules_file(tmp_path, rules)
    ruled = replace(ctx, province_rules=load_province_rules(tmp_path))
    a = appraise(tiny, ruled, fund=EM, province="110000", year=2025, results=results)
    none = pd.DataFrame(columns=["region_code", "kind", "subject", "template", "values"])
    result = appraisal_result(a, new_items(a, ruled), none, datetime.date(2026, 7, 31))
    alpha = LetterReport(letter(result, tiny, ruled, "110100"), tiny, ruled, "zh")
    assert alpha._names()["issuer"] == "测试省财政厅会同医疗保障局、国家税务总局测试省税务局"
    job = Job("feedback_letter", EM, "110100", "110100", 2025, "zh", "")
    signers = [make_cover(job, load_labels("zh"), tiny, c).signers for c in (ctx, ruled)]
    assert signers == [("测试省财政厅", "测试省医疗保障局"),
                       ("测试省财政厅", "测试省医疗保障局", "国家税务总局测试省税务局")]  # fmt: skip
