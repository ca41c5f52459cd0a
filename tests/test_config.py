"""Parameter files: the shipped ones load; malformed ones fail naming the file and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sipm_helpers.config import load_registry, load_standards, load_table_specs
from sipm_helpers.config.catalogue import load_catalogue
from sipm_helpers.config.labels import load_labels
from sipm_helpers.config.loader import Citation
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

FUNDS = [
    "enterprise_pension",
    "resident_pension",
    "public_pension",
    "employee_medical",
    "resident_medical",
    "work_injury",
    "unemployment",
]


def test_registry_has_the_seven_funds_of_article_3(ctx):
    assert list(ctx.registry.funds) == FUNDS
    assert ctx.registry.fund("enterprise_pension").default_pooling == "province"  # Art. 6
    assert ctx.registry.fund("employee_medical").zh == "职工基本医疗保险基金（含生育保险）"
    assert "central_adjustment_in" in ctx.registry.fund("enterprise_pension").income_items
    assert "central_adjustment_in" not in ctx.registry.fund("work_injury").income_items


@pytest.mark.parametrize("fund", FUNDS)
def test_each_catalogue_covers_the_four_categories_with_weights_summing_to_100(ctx, fund):
    cat = ctx.catalogues[fund]
    assert sum(i.weight for i in cat.indicators) == pytest.approx(100)
    assert {i.category for i in cat.indicators} == {"decision", "process", "output", "benefit"}
    assert len(cat.indicators) >= 10
    codes = {i.code for i in cat.indicators}
    for needed in (
        "income_budget_execution",
        "expenditure_budget_execution",
        "benefits_paid_on_time",
        "coverage_rate",
        "months_covered",
        "satisfaction",
    ):
        assert needed in codes
    # residents pay voluntary flat amounts: nothing is assessed to collect
    collected = "premium_collection_rate" in codes
    assert collected == (fund not in ("resident_pension", "resident_medical"))


@pytest.mark.parametrize("fund", ["resident_pension", "resident_medical"])
def test_residents_funds_report_subsidy_dependence_without_scoring_it(ctx, fund):
    shown = ctx.catalogues[fund].indicator("subsidy_dependence")
    assert shown.reported and shown.weight == 0
    scored = {i.code for i in ctx.catalogues[fund].indicators if not i.reported}
    assert scored & {"per_capita_contribution", "contributor_share"}


def test_categories_follow_article_9(ctx):
    library = ctx.catalogues["employee_medical"]
    category = {i.code: i.category for i in library.indicators}
    assert category["policy_refinement"] == "decision"  # Art. 9(1): making policy
    assert category["budget_preparation_basis"] == "decision"
    assert category["policy_implementation"] == "process"  # Art. 9(2): implementing it
    assert category["budget_preparation_accuracy"] == "process"  # fund budget management


def copy_parameters(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(parameters_dir(), target)
    return target


# A source as catalogues and policy.yaml give it: in both languages.
SOURCE = {"zh": "参数设定", "en": "a parameter"}


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_weights_not_summing_to_100_are_rejected(tmp_path):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "work_injury.yaml",
        lambda d: d["indicators"]["satisfaction"].update(
            weight=d["indicators"]["satisfaction"]["weight"] + 1
        ),
    )
    with pytest.raises(ParameterError, match=r"work_injury.yaml: indicators: weights sum to 101"):
        load_catalogue("work_injury", params / "indicators")


def test_unknown_indicator_and_unknown_key_are_rejected(tmp_path):
    params = copy_parameters(tmp_path)
    path = params / "indicators" / "unemployment.yaml"
    edit(path, lambda d: d["indicators"].update(no_such={"weight": 1}))
    with pytest.raises(ParameterError, match=r"indicators\.no_such: unknown indicator"):
        load_catalogue("unemployment", params / "indicators")
    params = copy_parameters(tmp_path / "b")
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["satisfaction"].update(wieght=1),
    )
    with pytest.raises(ParameterError, match=r"unknown key.*wieght"):
        load_catalogue("unemployment", params / "indicators")


def test_a_category_left_empty_is_rejected(tmp_path):
    params = copy_parameters(tmp_path)

    def drop_decision(d):
        for code in ("policy_refinement", "target_setting_quality", "budget_preparation_basis"):
            d["indicators"]["satisfaction"]["weight"] += d["indicators"].pop(code)["weight"]

    edit(params / "indicators" / "unemployment.yaml", drop_decision)
    with pytest.raises(ParameterError, match=r"no indicator in category.*decision"):
        load_catalogue("unemployment", params / "indicators")


def test_strings_are_never_numbers(tmp_path):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["satisfaction"].update(weight="8"),
    )
    with pytest.raises(ParameterError, match="expected a number"):
        load_catalogue("unemployment", params / "indicators")


def test_a_key_given_twice_is_refused_with_its_line(tmp_path):
    from sipm_helpers.config.loader import read_yaml

    path = tmp_path / "labels.yaml"
    path.write_text("labels:\n  a: one\n  b: two\n  a: three\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"line 4, column 3.*'a' is given twice"):
        read_yaml(path)


def test_a_text_a_comment_cuts_is_refused_with_its_line(tmp_path):
    """A plain text of several words followed by " #" on its line would lose the rest of
    the line; a single word before a comment is the comment YAML means."""
    from sipm_helpers.config.loader import read_yaml

    path = tmp_path / "words.yaml"
    path.write_text("a: 第 2 行为说明（以 # 开头）\nb: latest  # 2025\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"line 1, column \d+.*'第 2 行为说明（以' is cut"):
        read_yaml(path)
    path.write_text('a: "第 2 行为说明（以 # 开头）"\nb: latest  # 2025\nc: |\n  x # y\n')
    assert read_yaml(path) == {"a": "第 2 行为说明（以 # 开头）", "b": "latest", "c": "x # y\n"}


def test_the_chinese_templates_readme_is_whole():
    from sipm_helpers.config.tables import load_template_words

    assert load_template_words("zh")["readme_text"].endswith("地区见 regions 工作表。")


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "funds.yaml"
    bad.write_text("funds: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"funds.yaml: line \d+, column \d+: not valid YAML"):
        load_registry(bad)


def test_registry_rejects_item_of_wrong_kind(tmp_path):
    params = copy_parameters(tmp_path)
    edit(
        params / "funds.yaml",
        lambda d: d["funds"]["work_injury"]["line_items"]["income"].append("benefits"),
    )
    with pytest.raises(
        ParameterError,
        match=r"funds\.\w+\.line_items\.income: 'benefits' is not a known income line item",
    ):
        load_registry(params / "funds.yaml")


def test_grade_bands_must_descend(tmp_path):
    params = copy_parameters(tmp_path)
    edit(params / "scoring.yaml", lambda d: d["grades"].reverse())
    with pytest.raises(ParameterError, match="highest first"):
        load_standards(params / "scoring.yaml")


@pytest.mark.parametrize(
    ("band", "message"),
    [
        ({"lower": 6, "zero_at": 6}, "zero_at: a band now says where its points reach zero"),
        ({"lower": 6}, "zero_below goes with the lower bound, and only with it"),
        ({"upper": 9, "zero_below": 3, "zero_above": 12}, "zero_below goes with the lower bound"),
        ({"lower": 6, "zero_below": 6}, r"zero_below: must lie below the bound 6, not at 6"),
        ({"upper": 9, "zero_above": 8}, r"zero_above: must lie above the bound 9, not at 8"),
        ({"lower": 9, "upper": 6, "zero_below": 3, "zero_above": 15}, "lower bound 9 exceeds"),
        ({"zero_below": 3}, "a band needs a lower or an upper bound"),
    ],
)
def test_bands_say_where_their_points_reach_zero(tmp_path, band, message):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["months_covered"].update(band=band),
    )
    with pytest.raises(ParameterError, match=message) as raised:
        load_catalogue("unemployment", params / "indicators")
    assert "unemployment.yaml: indicators.months_covered.band" in str(raised.value)


def test_collection_and_enrolment_rates_deduct_per_point_short(ctx):
    """Every catalogue scoring the premium collection rate deducts a point per percentage
    point short; coverage and the residents' contributor share half a point."""
    for cat in ctx.all_catalogues():
        for ind in cat.indicators:
            per_point = {
                "premium_collection_rate": 1.0,
                "coverage_rate": 0.5,
                "contributor_share": 0.5,
            }.get(ind.code)
            if per_point is None:
                assert ind.deduct is None, (cat.source, ind.code)
                continue
            assert ind.rule == "deduct_per_point" and ind.unit == "rate", (cat.source, ind.code)
            assert (ind.deduct.per_point, ind.deduct.floor) == (per_point, 0.0)


@pytest.mark.parametrize(
    ("deduct", "where", "message"),
    [
        ({"floor": 1}, "deduct", r"missing key\(s\): per_point"),
        ({"per_point": 0}, "deduct.per_point", "points off per point must be positive"),
        ({"per_point": 1, "floor": -1}, "deduct.floor", "must not be negative, got -1"),
        (
            {"per_point": 1, "floor": 8},
            "deduct.floor",
            "a floor of 8 points leaves nothing to deduct",
        ),
        ({"per_point": 1, "per_unit": 2}, "deduct", "per_unit"),
    ],
)
def test_a_deduction_is_checked_on_load(tmp_path, deduct, where, message):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["premium_collection_rate"].update(deduct=deduct, source=SOURCE),
    )
    with pytest.raises(ParameterError, match=message) as raised:
        load_catalogue("unemployment", params / "indicators")
    assert f"unemployment.yaml: indicators.premium_collection_rate.{where}" in str(raised.value)


def test_a_deduction_names_its_source(tmp_path):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["premium_collection_rate"].update(deduct={"per_point": 2}),
    )
    with pytest.raises(ParameterError, match=r"premium_collection_rate: a deduction needs its"):
        load_catalogue("unemployment", params / "indicators")
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["premium_collection_rate"].update(source=SOURCE),
    )
    cat = load_catalogue("unemployment", params / "indicators")
    assert cat.indicator("premium_collection_rate").deduct.per_point == 2


def test_scoring_standards_choose_how_missing_points_count(tmp_path, ctx):
    assert ctx.standards.missing == "zero"
    params = copy_parameters(tmp_path)
    edit(params / "scoring.yaml", lambda d: d.update(missing="rescale"))
    assert load_standards(params / "scoring.yaml").missing == "rescale"
    edit(params / "scoring.yaml", lambda d: d.update(missing="ignore"))
    with pytest.raises(ParameterError, match="missing: must be one of zero, rescale, not 'ignore'"):
        load_standards(params / "scoring.yaml")


@pytest.mark.parametrize("value", [-1, 5, 1.5, "1", True, None])
def test_the_precision_of_scores_is_a_small_whole_number(tmp_path, ctx, value):
    assert ctx.standards.score_decimals == 1
    params = copy_parameters(tmp_path)
    edit(params / "scoring.yaml", lambda d: d.update(score_decimals=2))
    assert load_standards(params / "scoring.yaml").score_decimals == 2
    edit(params / "scoring.yaml", lambda d: d.update(score_decimals=value))
    with pytest.raises(ParameterError, match="score_decimals: must be a whole number from 0 to 4"):
        load_standards(params / "scoring.yaml")
    edit(params / "scoring.yaml", lambda d: d.pop("score_decimals"))
    with pytest.raises(ParameterError, match=r"missing key\(s\): score_decimals"):
        load_standards(params / "scoring.yaml")


def test_weights_finer_than_the_scores_are_rejected(tmp_path, monkeypatch):
    """Scores rounded to whole points cannot show a weight of 5.5: the form would not add up."""
    from sipm_helpers.config.context import load_context

    params = copy_parameters(tmp_path)
    edit(params / "scoring.yaml", lambda d: d.update(score_decimals=0))

    def half(d: dict) -> None:
        d["indicators"]["coverage_rate"]["weight"] += 0.5
        d["indicators"]["insured_persons"]["weight"] -= 0.5

    edit(params / "indicators" / "employee_medical.yaml", half)
    monkeypatch.setenv("SIPM_PARAMETERS", str(params))
    with pytest.raises(
        ParameterError,
        match=r"employee_medical.yaml: indicators.coverage_rate.weight: 5.5 has more decimals "
        r"than the 0 the scores are rounded to",
    ):
        load_context()
    edit(params / "scoring.yaml", lambda d: d.update(score_decimals=1))
    assert load_context().catalogue("employee_medical").indicator("coverage_rate").weight == 5.5


def test_reported_indicators_are_listed_once_and_carry_no_weight(tmp_path):
    params = copy_parameters(tmp_path)
    path = params / "indicators" / "work_injury.yaml"
    edit(path, lambda d: d.update(reported=["subsidy_dependence"]))
    cat = load_catalogue("work_injury", params / "indicators")
    shown = cat.indicator("subsidy_dependence")
    assert shown.reported and shown.weight == 0
    assert sum(i.weight for i in cat.indicators) == pytest.approx(100)
    edit(path, lambda d: d.update(reported=["satisfaction"]))
    with pytest.raises(ParameterError, match=r"reported\.satisfaction: is scored already"):
        load_catalogue("work_injury", params / "indicators")


def test_table_specs_cover_the_dataset_tables():
    specs = load_table_specs()
    assert tuple(specs) == TABLES
    assert specs["execution"].columns["month"].maximum == 12


def test_labels_match_between_languages(tmp_path):
    en, zh = load_labels("en"), load_labels("zh")
    assert set(en.texts) == set(zh.texts)
    assert "优" not in en.t("summary_heading")
    labels = tmp_path / "labels"
    shutil.copytree(parameters_dir() / "labels", labels)
    edit(labels / "zh.yaml", lambda d: d["labels"].update(report_title="{region}{year}"))
    with pytest.raises(ParameterError, match="placeholders"):
        load_labels("zh", labels)


def write_override(
    params: Path, body: str, province: str = "930000", fund: str = "employee_medical"
) -> Path:
    folder = params / "indicators" / "provinces" / province
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{fund}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_province_override_removes_reweights_and_changes(ctx):
    own = ctx.catalogue("employee_medical", "930000")
    codes = {i.code for i in own.indicators}
    assert "other_expenditure_share" not in codes
    months = own.indicator("months_covered")
    assert months.weight == 8 and months.band.upper == 12
    ahead = own.indicator("projected_months_min")  # added from the library
    assert ahead.weight == 4 and ahead.band.lower == 6 and ahead.group == "sustainability"
    assert sum(i.weight for i in own.indicators) == pytest.approx(100)
    assert ctx.catalogue("employee_medical", "910000") is ctx.catalogues["employee_medical"]


def test_province_override_add_and_errors(tmp_path):
    from sipm_helpers.config.catalogue import load_province_catalogues

    params = copy_parameters(tmp_path)
    shutil.rmtree(params / "indicators" / "provinces")
    header = 'version: 1\nprovince: "910000"\nfund: work_injury\nsource: {zh: 试验, en: test}\n'
    write_override(
        params,
        header + "reweight: {satisfaction: 3}\nadd: {subsidy_dependence: {weight: 3}}\n",
        "910000",
        "work_injury",
    )
    merged = load_province_catalogues(params / "indicators")[("910000", "work_injury")]
    assert merged.indicator("subsidy_dependence").weight == 3
    cases = [
        ("reweight: {satisfaction: 4}\n", r"weights sum to 98"),
        ("remove: [no_such]\n", r"remove\.no_such: is not in the fund's catalogue"),
        (
            "add: {satisfaction: {weight: 1}}\n",
            r"add\.satisfaction: is in the fund's catalogue already",
        ),
        ("change: {months_covered: {weight: 3}}\n", r"change\.months_covered: unknown key"),
    ]
    for body, message in cases:
        write_override(params, header + body, "910000", "work_injury")
        with pytest.raises(ParameterError, match=message):
            load_province_catalogues(params / "indicators")
    write_override(params, header.replace("910000", "920000"), "910000", "work_injury")
    with pytest.raises(
        ParameterError, match=r"the file must be provinces/920000/work_injury\.yaml"
    ):
        load_province_catalogues(params / "indicators")


def test_province_catalogue_applies_to_its_regions_only(demo, ctx):
    from sipm_helpers.domain.indicators import indicator_frame

    frame = indicator_frame(demo, ctx, funds=["employee_medical"], years=[2025])
    nanyu = frame.loc[frame["region_code"] == "930100"].set_index("indicator")
    dongchuan = frame.loc[frame["region_code"] == "910100"].set_index("indicator")
    assert (
        "other_expenditure_share" not in nanyu.index
        and "other_expenditure_share" in dongchuan.index
    )
    assert (
        nanyu.loc["months_covered", "weight"] == 8
        and nanyu.loc["months_covered", "band_upper"] == 12
    )
    assert nanyu["weight"].sum() == pytest.approx(100) and dongchuan[
        "weight"
    ].sum() == pytest.approx(100)


def test_every_default_target_and_band_names_its_source(ctx, tmp_path):
    for cat in ctx.all_catalogues():
        for ind in cat.indicators:
            if ind.default_target is not None or ind.target_policy or ind.band:
                assert ind.source and "DESIGN" not in ind.source.en, (cat.source, ind.code)
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["months_covered"].pop("source"),
    )
    with pytest.raises(ParameterError, match=r"months_covered: a default target or band needs"):
        load_catalogue("unemployment", params / "indicators")


def test_policy_parameters_are_dated_and_sourced(tmp_path, ctx):
    from sipm_helpers.config.policy import load_policy

    adjustment = ctx.policy.parameter("pension_adjustment")
    assert ctx.policy.value("pension_adjustment", 2024) == 0.03
    assert ctx.policy.value("pension_adjustment", 2025) == 0.02
    assert adjustment.in_force(2020) is None and all(v.source for v in adjustment.values)
    assert ctx.policy.value("resident_medical_contribution", 2026) == 400  # the latest holds
    params = copy_parameters(tmp_path)
    edit(
        params / "policy.yaml",
        lambda d: d["parameters"]["prevention_cap"]["values"][0].pop("source"),
    )
    with pytest.raises(
        ParameterError, match=r"prevention_cap\.values\[0\]: missing key\(s\): source"
    ):
        load_policy(params / "policy.yaml")
    edit(
        params / "policy.yaml", lambda d: d["parameters"]["pension_adjustment"]["values"].reverse()
    )
    with pytest.raises(ParameterError, match="earliest first"):
        load_policy(params / "policy.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(history_years=1), r"history_years: expected a whole number ≥ 2"),
        (lambda d: d.update(tolerance=-0.01), r"tolerance: must be positive"),
        (lambda d: d.update(min_quantitative_share=1.5), r"min_quantitative_share: is a share"),
        (lambda d: d.pop("path_factor"), r"missing key\(s\): path_factor"),
        (lambda d: d.update(review_date={"month": 2, "day": 30}), r"review_date: not a date"),
        (lambda d: d["verdict"].update(approve_with_changes=20), r"verdict: approve_with_changes"),
        (lambda d: d["weighing"]["fixed"].update(budget=-1), r"weighing\.fixed\.budget: must not"),
        (lambda d: d["weighing"].update(fixed=[1]), r"weighing\.fixed: expected a mapping"),
        (lambda d: d.pop("income_uplift"), r"missing key\(s\): income_uplift"),
    ],
)
def test_target_review_rules_are_validated(tmp_path, ctx, change, message):
    from sipm_helpers.config.target_review import load_target_review_rules

    rules = ctx.target_review
    assert rules.history_years == 3 and rules.tolerance(0.95) == pytest.approx(0.0095)
    assert rules.review_date(2026).isoformat() == "2025-09-30"
    assert (rules.return_at, rules.changes_at) == (15, 1)
    params = copy_parameters(tmp_path)
    edit(params / "target_review.yaml", change)
    with pytest.raises(ParameterError, match=message):
        load_target_review_rules(params / "target_review.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["fund_return_rate"].update(target_review={"controled": False}),
         r"indicators\.fund_return_rate\.target_review: unknown key"),
        (lambda d: d["fund_return_rate"].update(target_review={"controlled": "no"}),
         r"target_review\.controlled: expected true or false"),
        (lambda d: d["insured_persons"].update(target_review={"around": 100}),
         r"insured_persons\.target_review\.around: needs the level it is around"),
        (lambda d: d["inpatient_reimbursement_ratio"].update(target_review={"around": 0}),
         r"target_review\.around: must be positive"),
        (lambda d: d["inpatient_reimbursement_ratio"]["target_review"].update(structural=True),
         r"around \(a policy level\) and structural \(a trend\) exclude each other"),
        (lambda d: d["coverage_rate"].update(bounds={"lower": 1, "upper": 0}),
         r"coverage_rate\.bounds: lower bound 1 must lie below upper 0"),
    ],
)  # fmt: skip
def test_how_a_target_review_reads_an_indicator_is_validated(tmp_path, change, message):
    """The library's ``bounds`` and ``target_review`` traits, checked on load with the file
    and key named; a fund's catalogue overrides the traits key by key."""
    from sipm_helpers.config.catalogue import load_library

    library, _, _ = load_library()
    assert library["audit_rectification_rate"].bounds == (0.0, 1.0)
    assert not library["fund_return_rate"].review.controlled
    assert library["dependency_ratio"].review.structural
    assert library["inpatient_reimbursement_ratio"].review.around == 0.05
    assert library["months_covered"].review.on_budget
    resident = load_catalogue("resident_medical")
    assert resident.indicator("insured_persons").review.structural
    assert not load_catalogue("employee_medical").indicator("insured_persons").review.structural
    params = copy_parameters(tmp_path)
    edit(params / "indicators" / "library.yaml", lambda d: change(d["indicators"]))
    with pytest.raises(ParameterError, match=message):
        load_library(params / "indicators" / "library.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["report_due"].update(month=2, day=30), r"report_due: not a date"),
        (lambda d: d.update(gap_points=-1), r"gap_points: must be positive"),
        (lambda d: d.update(standard_tolerance=0), r"standard_tolerance: must be positive"),
        (lambda d: d.pop("standard_tolerance"), r"missing key\(s\): standard_tolerance"),
        (lambda d: d.update(min_regions=2), r"min_regions: expected a whole number ≥ 3"),
        (lambda d: d.pop("outlier_z"), r"missing key\(s\): outlier_z"),
        (lambda d: d.update(mad_floor=1.5), r"mad_floor: is a share"),
        (lambda d: d.update(mad_floor="5%"), r"mad_floor: expected a number"),
        (
            lambda d: d.update(common_min_regions=1),
            r"common_min_regions: expected a whole number ≥ 2",
        ),
        (lambda d: d.update(common_min_share=-0.1), r"common_min_share: is a share"),
        (lambda d: d.pop("common_min_share"), r"missing key\(s\): common_min_share"),
        (
            lambda d: d["suggestions"].update(min_points_lost=-0.1),
            r"suggestions.min_points_lost: must not be negative",
        ),
    ],
)
def test_appraisal_rules_are_validated(tmp_path, ctx, change, message):
    from sipm_helpers.config.appraisal import load_appraisal_rules

    assert str(ctx.appraisal.due(2025)) == "2026-05-31"  # Art. 18: by the end of May
    params = copy_parameters(tmp_path)
    edit(params / "appraisal.yaml", change)
    with pytest.raises(ParameterError, match=message):
        load_appraisal_rules(params / "appraisal.yaml")


def test_calibrated_defaults_an_evaluator_would_check(ctx):
    """Reimbursement at about 70 % for residents and 80 % for employees (Guobanfa [2021]
    No. 36), benefits paid on time at 100 % (so 99.9 % earns nothing), national pooling
    in the line items' names since 2022."""
    import numpy as np

    from sipm_helpers.domain.indicators import apply_policy, catalogue_frame
    from sipm_helpers.domain.scoring import score_indicators

    frame = apply_policy(catalogue_frame(ctx).assign(year=2025), ctx.policy)
    frame = frame.loc[frame["province_code"].isna()].set_index(["fund", "indicator"])
    assert (
        frame.loc[("resident_medical", "inpatient_reimbursement_ratio"), "default_target"] == 0.70
    )
    assert (
        frame.loc[("employee_medical", "inpatient_reimbursement_ratio"), "default_target"] == 0.80
    )
    on_time = frame.loc[[("work_injury", "benefits_paid_on_time")]].reset_index()
    assert on_time["default_target"].iloc[0] == 1.0
    scored = score_indicators(on_time.assign(target=1.0, actual=0.999), ctx.standards)
    assert scored["score"].iloc[0] == 0 and not np.isnan(scored["score"].iloc[0])
    item = ctx.registry.line_items["central_adjustment_in"]
    assert "全国统筹" in item.zh and "National pooling" in item.en


@pytest.mark.parametrize(
    ("advice", "message"),
    [
        ({"over": "overspend"}, r"unknown key\(s\): over"),
        ({"above": "over spend"}, r"advice.above: name an advice code"),
        ({"below": 3}, r"advice.below: name an advice code"),
    ],
)
def test_an_indicators_advice_names_a_side_and_a_code(tmp_path, advice, message):
    from sipm_helpers.config.catalogue import load_library

    library, _, _ = load_library()
    assert dict(library["months_covered"].advice) == {
        "above": "reserve_excessive", "below": "reserve_low"
    }  # fmt: skip
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "library.yaml",
        lambda d: d["indicators"]["months_covered"].update(advice=advice),
    )
    with pytest.raises(ParameterError, match=message) as raised:
        load_library(params / "indicators" / "library.yaml")
    assert "library.yaml: indicators.months_covered.advice" in str(raised.value)


def test_every_advice_a_catalogue_names_is_worded_in_both_languages(ctx):
    codes = {code for cat in ctx.all_catalogues() for i in cat.indicators for _, code in i.advice}
    assert {"reserve_excessive", "reserve_low", "overspend", "budget_preparation"} <= codes
    for lang in ("en", "zh"):
        texts = load_labels(lang).texts
        missing = [c for c in sorted(codes | {"above", "below"}) if f"sug_weak_{c}" not in texts]
        assert not missing, (lang, missing)


def test_each_policy_parameter_says_whether_it_is_a_national_standard(tmp_path, ctx):
    from sipm_helpers.config.policy import load_policy

    standards = {name for name, p in ctx.policy.parameters.items() if p.standard}
    assert {"resident_medical_contribution", "resident_medical_subsidy", "pension_adjustment",
            "resident_pension_growth"} <= standards  # fmt: skip
    assert not {"resident_inpatient_reimbursement", "prevention_cap"} & standards  # goal, cap
    params = copy_parameters(tmp_path)
    edit(params / "policy.yaml", lambda d: d["parameters"]["prevention_cap"].update(kind="limit"))
    with pytest.raises(ParameterError, match=r"prevention_cap\.kind: must be one of standard"):
        load_policy(params / "policy.yaml")
    edit(params / "policy.yaml", lambda d: d["parameters"]["prevention_cap"].pop("kind"))
    with pytest.raises(ParameterError, match=r"prevention_cap: missing key\(s\): kind"):
        load_policy(params / "policy.yaml")


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def shipped_sources(ctx) -> list[tuple[str, Citation]]:
    """(where, source) of every indicator of every catalogue and every dated policy value."""
    found = [
        (f"{cat.source}: {ind.code}", ind.source)
        for cat in ctx.all_catalogues()
        for ind in cat.indicators
        if ind.source
    ]
    found += [
        (f"policy.yaml: {name}.{value.start}", value.source)
        for name, parameter in ctx.policy.parameters.items()
        for value in parameter.values
    ]
    return found


def test_every_shipped_source_cites_in_chinese_and_in_english(ctx):
    """The Chinese a Chinese document shows holds no Latin word (no "Caishe", no "No.");
    the English keeps its own citation."""
    found = shipped_sources(ctx)
    assert len(found) > 60
    for where, source in found:
        assert isinstance(source, Citation), where
        assert not LATIN_WORD.search(source.zh), (where, source.zh)
        assert source.text("zh") == source.zh and source.text("en") == source.en
        assert LATIN_WORD.search(source.en), (where, source.en)
    rectified = ctx.catalogues["employee_medical"].indicator("audit_rectification_rate").source
    assert rectified.zh.startswith("财社〔2022〕65号第二十条：")
    assert rectified.en.startswith("Caishe [2022] No. 65, Art. 20: ")
    months = ctx.catalogues["employee_medical"].indicator("months_covered").source
    assert months.zh == (
        "人社部发〔2009〕67号：统筹基金累计结余原则上控制在6至9个月平均支付水平，"
        "低于3个月为不足，超过15个月为过多"
    )
    frame = ctx.catalogues["employee_medical"].frame().set_index("indicator")
    assert frame.at["months_covered", "source_zh"] == months.zh
    assert frame.at["months_covered", "source_en"] == months.en
    assert pd.isna(frame.at["risk_prevention", "source_zh"])  # a grade: no standard to cite


@pytest.mark.parametrize(
    ("value", "where", "message"),
    [
        (
            "Renshebufa [2009] No. 67",
            "source",
            r"give the source in both languages, \{zh: \.\.\., en: \.\.\.\}",
        ),
        ({"zh": "人社部发〔2009〕67号"}, "source", r"missing key\(s\): en"),
        ({"zh": " ", "en": "Renshebufa [2009] No. 67"}, "source.zh", "expected non-empty text"),
        ({"zh": "人社部发〔2009〕67号", "en": None}, "source.en", "expected non-empty text"),
        ({"zh": "人社部发", "en": "Renshebufa", "fr": "x"}, "source", r"unknown key\(s\): fr"),
    ],
)
def test_a_source_must_be_given_in_both_languages(tmp_path, value, where, message):
    """In the library, a fund's catalogue, a province's own rules and policy.yaml alike."""
    from sipm_helpers.config.catalogue import load_library, load_province_catalogues
    from sipm_helpers.config.policy import load_policy

    params = copy_parameters(tmp_path)
    indicators = params / "indicators"
    cases = [
        (indicators / "library.yaml", "indicators.months_covered", load_library,
         lambda d: d["indicators"]["months_covered"]),
        (indicators / "unemployment.yaml", "indicators.months_covered",
         lambda path: load_catalogue("unemployment", indicators),
         lambda d: d["indicators"]["months_covered"]),
        (indicators / "provinces" / "930000" / "employee_medical.yaml", "",
         lambda path: load_province_catalogues(indicators), lambda d: d),
        (indicators / "provinces" / "930000" / "employee_medical.yaml", "add.projected_months_min",
         lambda path: load_province_catalogues(indicators),
         lambda d: d["add"]["projected_months_min"]),
        (indicators / "provinces" / "930000" / "employee_medical.yaml", "change.months_covered",
         lambda path: load_province_catalogues(indicators),
         lambda d: d["change"]["months_covered"]),
        (params / "policy.yaml", "parameters.prevention_cap.values[0]", load_policy,
         lambda d: d["parameters"]["prevention_cap"]["values"][0]),
    ]  # fmt: skip
    for path, key, load, entry in cases:
        shipped = path.read_text(encoding="utf-8")
        edit(path, lambda d, entry=entry: entry(d).update(source=value))
        with pytest.raises(ParameterError) as raised:
            load(path)
        place = f"{key}.{where}".lstrip(".")
        assert f"{path.name}: {place}: " in str(raised.value)
        assert re.search(message, str(raised.value)), str(raised.value)
        path.write_text(shipped, encoding="utf-8")


def test_a_plain_text_source_is_refused_saying_to_give_zh_and_en(tmp_path):
    params = copy_parameters(tmp_path)
    edit(
        params / "indicators" / "library.yaml",
        lambda d: d["indicators"]["fiscal_subsidy_arrival"].update(
            source="Caishe [2022] No. 65, Art. 12: the budgeted fiscal subsidy arrives in full"
        ),
    )
    from sipm_helpers.config.catalogue import load_library

    with pytest.raises(ParameterError) as raised:
        load_library(params / "indicators" / "library.yaml")
    text = str(raised.value)
    assert "library.yaml: indicators.fiscal_subsidy_arrival.source: " in text
    assert "{zh: ..., en: ...}" in text and "财社〔2022〕65号第十二条" in text
    assert "not str 'Caishe [2022] No. 65, Art. 12" in text


def test_a_source_in_both_languages_is_read_as_a_citation(tmp_path):
    from sipm_helpers.config.policy import load_policy

    params = copy_parameters(tmp_path)
    cap = {"zh": " 人社部发〔2017〕13号：不超过3% ", "en": "Renshebufa [2017] No. 13: at most 3 %"}
    edit(
        params / "policy.yaml",
        lambda d: d["parameters"]["prevention_cap"]["values"][0].update(source=cap),
    )
    edit(
        params / "indicators" / "unemployment.yaml",
        lambda d: d["indicators"]["months_covered"].update(source=SOURCE),
    )
    value = load_policy(params / "policy.yaml").parameter("prevention_cap").in_force(2024)
    assert value.source == Citation("人社部发〔2017〕13号：不超过3%", cap["en"])  # trimmed
    assert value.source.text("zh") == "人社部发〔2017〕13号：不超过3%"
    assert value.source.text("en") == "Renshebufa [2017] No. 13: at most 3 %"
    months = load_catalogue("unemployment", params / "indicators").indicator("months_covered")
    assert (months.source.text("zh"), months.source.text("en")) == ("参数设定", "a parameter")
