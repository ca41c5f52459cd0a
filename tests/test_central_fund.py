"""The central state organs' pension fund (Art. 23 of Caishe [2022] No. 65): a fund pooled
at country level by the centre's own pool (a region of level ``central``, 100000 in the
tiny dataset of :func:`builders.with_central_fund`), outside any province, run through
stages 01–03 like a coordinating region and evaluated at stage 04 by the Ministry of
Finance with the Ministry of Human Resources and Social Security in the place of a
province."""

from __future__ import annotations

import pytest

from sipm_helpers.batch.plan import Job
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.validation import load_dataset, validate_path
from sipm_helpers.domain.provincial import central_pools, coordinating_province, province_members
from sipm_helpers.render.cover import make_cover
from sipm_helpers.render.publish import _titles
from sipm_helpers.stages import feedback_letter, provincial_evaluation
from sipm_helpers.stages.registry import STAGES, stages
from tests.builders import CENTRE, PUBLIC, tiny_tables, with_central_fund, write_tiny


@pytest.fixture(scope="module")
def central_dir(tmp_path_factory):
    return write_tiny(
        tmp_path_factory.mktemp("central") / "d", tables=with_central_fund(tiny_tables())
    )


@pytest.fixture(scope="module")
def central(central_dir, ctx):
    return load_dataset(central_dir, ctx)


def _errors(tables, tmp_path, ctx) -> list[tuple]:
    dataset, report = validate_path(write_tiny(tmp_path / "bad", tables=tables), ctx)
    assert dataset is None
    return [(f.origin, f.row, f.column, f.value, f.rule) for f in report.errors]


# ------------------------------------------------------------------------- validation


def test_validation_accepts_a_fund_pooled_at_country_level(central) -> None:
    c = central.coordination
    mine = c.loc[c["region_code"] == CENTRE]
    assert mine[["fund", "province_code", "pooling_level"]].values.tolist() == [
        [PUBLIC, CENTRE, "country"]
    ]
    # the centre pools the fund in its own place; the province keeps its own pool of it
    assert coordinating_province(central, PUBLIC, CENTRE) == CENTRE
    assert coordinating_province(central, PUBLIC, "110000") == "110000"
    assert central_pools(central) == [CENTRE] and province_members(central, PUBLIC, CENTRE) == []
    # its 2025 balance: 2,000 + 24 months × 20
    e = central.execution
    end = e.loc[(e["region_code"] == CENTRE) & (e["year"] == 2025) & (e["month"] == 12)]
    assert end.loc[end["item"] == "balance_end", "amount"].tolist() == [2480.0]


def test_a_fund_the_rules_do_not_let_the_centre_pool_is_refused(tmp_path, ctx) -> None:
    """Only the public pension may be pooled at country level (funds.yaml country_pooling):
    the work-injury fund there is refused at its pooling row, column fund, and its data
    row at the centre as not one of its coordinating regions."""
    tables = with_central_fund(tiny_tables())
    pooling = tables["pooling"].copy()
    pooling.loc[pooling["province_code"] == CENTRE, "fund"] = "work_injury"
    errors = _errors({**tables, "pooling": pooling}, tmp_path, ctx)
    assert ("pooling.csv", 4, "fund", "work_injury", "pooling_country") in errors
    # the public pension's rows at the centre now lack a pool (budget row 2 of the centre's)
    assert any(e[0] == "budget.csv" and e[2] == "region_code" and e[3] == CENTRE for e in errors)


def test_country_pooling_only_by_the_centre_and_the_centre_only_at_country_level(
    tmp_path, ctx
) -> None:
    tables = with_central_fund(tiny_tables())
    pooling = tables["pooling"].copy()
    pooling.loc[pooling["province_code"] == "110000", "pooling_level"] = "country"  # a province
    pooling.loc[pooling["province_code"] == CENTRE, "pooling_level"] = "province"  # the centre
    errors = _errors({**tables, "pooling": pooling}, tmp_path, ctx)
    assert ("pooling.csv", 2, "pooling_level", "country", "pooling_country") in errors
    assert ("pooling.csv", 3, "pooling_level", "country", "pooling_country") in errors
    assert ("pooling.csv", 4, "pooling_level", "province", "pooling_country") in errors


def test_the_centres_pool_must_pool_a_fund_and_belong_to_the_country(tmp_path, ctx) -> None:
    tables = with_central_fund(tiny_tables())
    regions = tables["regions"].copy()
    regions.loc[regions["region_code"] == CENTRE, "parent_code"] = "110000"
    pooling = tables["pooling"].loc[tables["pooling"]["province_code"] != CENTRE]
    errors = _errors({**tables, "regions": regions, "pooling": pooling}, tmp_path, ctx)
    assert ("regions.csv", 6, "parent_code", "110000", "parent_level") in errors
    assert ("regions.csv", 6, "level", "central", "pooling_country") in errors


def test_the_centres_findings_say_what_is_wrong_in_both_languages(tmp_path, ctx) -> None:
    tables = with_central_fund(tiny_tables())
    pooling = tables["pooling"].copy()
    pooling.loc[pooling["province_code"] == CENTRE, "fund"] = "work_injury"
    _, report = validate_path(
        write_tiny(tmp_path / "w", tables={**tables, "pooling": pooling}), ctx
    )
    found = [f for f in report.errors if f.rule == "pooling_country"]
    assert len(found) == 1
    assert found[0].message_in(load_labels("en")) == (
        "work_injury may not be pooled at country level (Art. 23 covers the central state "
        "organs' pension fund); funds that may: public_pension"
    )
    assert "不得在全国层面统筹" in found[0].message_in(load_labels("zh"))


# ------------------------------------------------------------------------- the stages


def test_each_stage_runs_for_the_centre_as_for_a_coordinating_region(central) -> None:
    """Stages 01–03 and the letter run for (100000, public_pension); stage 04 evaluates
    the centre's pool in the place of a province; the province's report to the centre
    leaves it out: the centre evaluates it itself."""
    pair = {"region_code": CENTRE, "fund": PUBLIC}
    every = stages()
    for name in ("target_review", "monitoring", "self_evaluation", "provincial_evaluation",
                 "feedback_letter"):  # fmt: skip
        assert pair in every[name].pairs(central, 2025).to_dict("records"), name
    reported = every["provincial_report"].pairs(central, 2025)
    assert reported["region_code"].tolist() == ["110000"]


def test_stage_04_for_the_centre_is_made_by_the_ministries(central_dir, central, ctx) -> None:
    """The one region is the centre's pool itself, unranked; the evaluation's 2025 facts
    are the builder's: income 3,000, expenditure 2,760, collection 2,400 of 2,460."""
    pe = provincial_evaluation.run(PUBLIC, CENTRE, 2025, str(central_dir), "", "zh")
    assert pe.outcome.province == CENTRE and pe.report.own_province_only
    assert list(pe.outcome.regions["region_code"]) == [CENTRE]
    summary = pe.report.summary().html
    assert "该基金由中央国家机关在全国层面统筹" in summary and "第二十三条" in summary
    assert "全国统筹" in pe.report.header().html
    common = pe.report.common().html
    assert "四、存在的问题及改进措施" in common and "仅有1个统筹地区" in common
    assert "全省" not in common and "省级" not in common
    assert "报送财政部、人力资源社会保障部的时间" in pe.report.quality().html
    against = pe.report._against()
    assert "与全国目标比较" in against and "省级目标（不适用）" in against

    letter = feedback_letter.run(PUBLIC, CENTRE, 2025, str(central_dir), "", "zh").report
    head = letter.header().html
    assert "中央国家机关养老保险管理中心：" in head
    assert "财政部会同人力资源社会保障部对你单位报送的2025年度" in head
    assert "财政厅" not in head and "社会保险经办机构" not in head
    assert "报送财政部、人力资源社会保障部（第二十条）" in letter.items().html
    english = feedback_letter.run(PUBLIC, CENTRE, 2025, str(central_dir), "", "en").report
    assert english.addressee() == "Central State Agencies Pension Insurance Management Center"


def test_the_centres_documents_are_signed_by_the_ministries(central, ctx) -> None:
    zh = load_labels("zh")
    letter = make_cover(Job("feedback_letter", PUBLIC, CENTRE, "x", 2025, "zh", ""), zh,
                        central, ctx)  # fmt: skip
    assert letter.signers == ("财政部", "人力资源社会保障部")
    assert dict(letter.facts)["委托单位"] == "财政部"
    job = Job("provincial_evaluation", PUBLIC, CENTRE, "x", 2025, "zh", "")
    title, subtitle = _titles(job, zh, central, ctx)
    assert title == "中央国家机关2025年度机关事业单位基本养老保险基金绩效评价报告"
    assert subtitle.startswith("财政部会同人力资源社会保障部对2025年度绩效自评的评价")
    # a province's pool of the same fund keeps the province's departments
    province = make_cover(Job("feedback_letter", PUBLIC, "110000", "x", 2025, "zh", ""), zh,
                          central, ctx)  # fmt: skip
    assert province.signers == ("测试省财政厅", "测试省人力资源社会保障厅")
    own = Job("self_evaluation", PUBLIC, CENTRE, "x", 2025, "zh", "")
    assert "2026年5月31日前报送财政部、人力资源社会保障部" in _titles(own, zh, central, ctx)[1]
    theirs = Job("provincial_evaluation", PUBLIC, "110000", "x", 2025, "zh", "")
    assert _titles(theirs, zh, central, ctx)[0].endswith("基本养老保险基金省级绩效评价报告")


# ------------------------------------------------------------------------- the demo


def test_the_demo_has_the_centres_pool_of_the_public_pension(demo) -> None:
    """Demoland's centre pools the public pension at country level (demo/central.yaml):
    one coordinating region more than the provinces' 57, every stage's pair, figures of
    every year, and a size of about 4 % of the country's public pension expenditure."""
    r = demo.regions.set_index("region_code")
    assert r.loc["100000", ["name_zh", "level", "parent_code"]].tolist() == [
        "中央国家机关", "central", "000000"
    ]  # fmt: skip
    assert len(demo.coordination) == 58 and central_pools(demo) == ["100000"]
    every = stages()
    for name, when in (("target_review", 2026), ("monitoring", 2026), ("self_evaluation", 2025),
                       ("provincial_evaluation", 2025), ("feedback_letter", 2025)):  # fmt: skip
        assert {"region_code": "100000", "fund": PUBLIC} in every[name].pairs(demo, when).to_dict(
            "records"
        ), name
    e = demo.execution.loc[(demo.execution["fund"] == PUBLIC) & (demo.execution["year"] == 2025)]
    benefits = e.loc[e["item"] == "benefits"].groupby("region_code")["amount"].sum()
    assert 0.02 < benefits["100000"] / benefits.sum() < 0.08
    mine = demo.execution.loc[demo.execution["region_code"] == "100000"]
    assert sorted(mine["year"].unique()) == list(range(2021, 2027))
    assert set(demo.submissions.loc[demo.submissions["region_code"] == "100000", "year"]) == set(
        range(2021, 2026)
    )


def test_a_plan_scoped_to_the_centres_pool_runs_its_five_documents(demo) -> None:
    """``--province 100000`` names the centre's pool as a province is named: its target
    review, monitoring, self-evaluation, evaluation and letter, and no report to the
    centre; a province's scope leaves the pool out."""
    from sipm_helpers.batch.plan import Scope, plan_jobs

    everything = dict.fromkeys(STAGES, "latest")
    scope = Scope(provinces=("100000",))
    scope.check(demo)
    jobs = plan_jobs(demo, everything, scope=scope, langs=("zh",))
    assert sorted((j.stage, j.fund, j.region) for j in jobs) == sorted(
        (s, PUBLIC, "100000")
        for s in ("target_review", "monitoring", "self_evaluation", "provincial_evaluation",
                  "feedback_letter")
    )  # fmt: skip
    theirs = plan_jobs(demo, everything, scope=Scope(provinces=("910000",)), langs=("zh",))
    assert "100000" not in {j.region for j in theirs}
