"""Each indicator measure against the tiny dataset's hand-computed values (tests/builders.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sipm_helpers.config.catalogue import Deduct
from sipm_helpers.domain import measures
from sipm_helpers.domain.facts import annual_facts

KEY = ("110100", "employee_medical", 2025)
WI = ("110000", "work_injury", 2025)


@pytest.fixture(scope="module")
def facts(tiny, ctx):
    return annual_facts(tiny, ctx.registry)


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        ("income_budget_execution", KEY, 1212 / 1262),
        ("expenditure_budget_execution", KEY, 1080 / 1100),
        ("budget_preparation_accuracy", KEY, 0.0),
        ("premium_collection_rate", KEY, 1200 / 1260),
        ("coverage_rate", KEY, 0.95),
        ("insured_persons", KEY, 950),
        ("benefits_paid_on_time", KEY, 1.0),
        ("inpatient_reimbursement_ratio", KEY, 0.84),
        ("months_covered", KEY, 764 / 90),
        ("months_covered", ("110100", "employee_medical", 2024), 632 / 90),
        ("current_year_balance_ratio", KEY, (1212 - 1080) / 1080),
        ("injury_determination_timeliness", WI, 0.9),
        ("cross_province_settlement_rate", KEY, 96 / 120),  # 8 of 10 cases a month
        ("cross_province_settlement_rate", ("110200", "employee_medical", 2025), 108 / 120),
        ("coverage_rate", WI, 500 / 520),
        ("satisfaction_rate", KEY, 184 / 200),  # November's survey: 184 of 200 valid
        ("satisfaction_rate", ("110200", "employee_medical", 2025), 95 / 100),
        # the indicators of issue 20 in the tiny dataset (tests/builders.py), a month:
        ("maternity_allowance_on_time", KEY, 72 / 72),  # 6 due, 6 paid on time
        ("drg_dip_payment_coverage", KEY, 35 * 12 / (42 * 12)),  # of the inpatient payments
        ("misused_funds_recovery_rate", KEY, 24 / 24),  # 2 found, 2 recovered
        ("capacity_appraisal_timeliness", WI, 108 / 120),  # 9 of 10 within 60 (90) days
        ("audit_rectification_rate", KEY, 11 / 12),
        ("audit_rectification_rate", ("110200", "employee_medical", 2025), 1.0),
        ("audit_rectification_rate", WI, 1.0),  # no findings: nothing left to rectify
        ("subsidy_dependence", KEY, 0.0),  # no subsidy reported: none depended on
        ("other_expenditure_share", KEY, 0.0),
        ("fund_return_rate", KEY, 12 / ((632 + 764) / 2)),
        ("fund_return_rate", WI, 0.0),
        ("expenditure_income_growth_gap", KEY, 0.0),
        ("per_capita_expenditure_growth", KEY, 0.0),
        ("prevention_spending_share", WI, 0.8 / 40),
        ("reserve_ratio", WI, 50 / 360),
    ],
)
def test_measure_values(facts, name, key, expected):
    assert measures.MEASURES[name](facts).loc[key] == pytest.approx(expected)


def test_cross_province_settlement_rate_is_nan_where_the_fund_reports_no_cases(facts):
    """Work injury reports no cross-province inpatient cases: no value, not zero."""
    assert np.isnan(measures.MEASURES["cross_province_settlement_rate"](facts).loc[WI])


def test_satisfaction_rate_is_nan_without_a_survey(facts):
    """Work injury made no survey, nor did Alpha in 2024: no value, not zero."""
    rate = measures.MEASURES["satisfaction_rate"](facts)
    assert np.isnan(rate.loc[WI]) and np.isnan(rate.loc[("110100", "employee_medical", 2024)])


def test_satisfaction_rate_carries_its_sample_of_valid_responses(facts):
    """The long frame gives the valid responses the rate rests on (200 and 100), and no
    sample for a measure that rests on none."""
    long = measures.compute_measures(facts, ["satisfaction_rate", "coverage_rate"])
    long = long.loc[long["year"] == 2025].set_index(["region_code", "function"])
    assert long.at[("110100", "satisfaction_rate"), "sample"] == 200
    assert long.at[("110200", "satisfaction_rate"), "sample"] == 100
    assert long.loc[(slice(None), "coverage_rate"), "sample"].isna().all()


def test_two_surveys_of_a_year_add_up(facts):
    """A second survey in the year (Alpha, June: 100 valid, 90 satisfied) adds its counts:
    (184 + 90) ÷ (200 + 100) = 91.3 %."""
    stats = facts.statistics.copy()
    stats.loc[KEY, "survey_valid"] += 100
    stats.loc[KEY, "survey_satisfied"] += 90
    rate = measures.satisfaction_rate(replace(facts, statistics=stats))
    assert rate.loc[KEY] == pytest.approx(274 / 300)


def test_budget_preparation_accuracy_is_the_larger_side_and_keeps_both(facts):
    shifted = facts.budget_initial.copy()
    shifted.loc[KEY, "income"] = 1212 / 1.1  # actual 10 % above the initial budget
    shifted.loc[KEY, "expenditure"] = 1080 / 0.8  # actual 20 % below
    f = replace(facts, budget_initial=shifted)
    # The larger of the two deviations, not their mean (0.15): expenditure's 20 %.
    assert measures.budget_preparation_accuracy(f).loc[KEY] == pytest.approx(0.2)
    assert measures.income_preparation_deviation(f).loc[KEY] == pytest.approx(0.1)
    assert measures.expenditure_preparation_deviation(f).loc[KEY] == pytest.approx(0.2)
    long = measures.compute_measures(f, ["budget_preparation_accuracy", "coverage_rate"])
    row = long.set_index(["region_code", "fund", "year", "function"]).loc[
        (*KEY, "budget_preparation_accuracy")
    ]
    assert (row["actual"], row["part_income"], row["part_expenditure"]) == pytest.approx(
        (0.2, 0.1, 0.2)
    )
    other = long.loc[long["function"] == "coverage_rate", list(measures.PART_COLUMNS)]
    assert other.isna().all().all()  # a measure without parts has none
    one_side = facts.budget_initial.copy()
    one_side.loc[KEY, "income"] = float("nan")
    lone = measures.budget_preparation_accuracy(replace(facts, budget_initial=one_side))
    assert math.isnan(lone.loc[KEY])  # a side without its initial budget: insufficient data


def test_missing_denominators_give_nan_not_zero(facts):
    # work_injury has no fiscal subsidy and no dependency statistics
    assert math.isnan(measures.fiscal_subsidy_arrival(facts).get(WI, math.nan))
    assert math.isnan(measures.dependency_ratio(facts).get(WI, math.nan))
    assert measures.ratio(pd.Series([1.0, 2.0]), pd.Series([0.0, 4.0])).isna().tolist() == [
        True,
        False,
    ]


def test_dependency_and_unemployment_ratios():
    idx = pd.MultiIndex.from_tuples([("r", "f", 2025)], names=["region_code", "fund", "year"])
    stats = pd.DataFrame(
        {
            "insured": [330.0],
            "contributors": [200.0],
            "retirees": [100.0],
            "unemployment_benefit_recipients": [30.0],
            "registered_unemployed": [60.0],
        },
        index=idx,
    )
    executed = pd.DataFrame({"premium": [8.0]}, index=idx)  # 80,000 yuan
    empty = pd.DataFrame(index=idx)
    f = measures.AnnualFacts(
        executed=executed, executed_q3=empty, budget=empty, budget_initial=empty, statistics=stats
    )
    # 制度抚养比: insured workers (330 − 100 retirees) per retiree, not contributors
    assert measures.dependency_ratio(f).iloc[0] == pytest.approx(2.3)
    assert measures.contributor_share(f).iloc[0] == pytest.approx(200 / 230)
    assert measures.per_capita_contribution(f).iloc[0] == pytest.approx(400.0)  # yuan
    assert measures.unemployment_benefit_coverage(f).iloc[0] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"function": "eval_this"}, r"\.function: names unknown measure 'eval_this'"),
        ({"rule": "median"}, r"\.rule: names unknown rule 'median'"),
        ({"rule": "qualitative"}, r"\.rule: qualitative indicators, and only they"),
        ({"rule": "band", "band": None}, r"\.band: the band rule needs a `band`"),
        (
            {"rule": "deduct_per_point", "unit": "rate", "deduct": None},
            r"\.deduct: the deduct_per_point rule needs a `deduct`",
        ),
        (
            {"rule": "deduct_per_point", "unit": "months", "deduct": Deduct(1.0)},
            r"\.unit: the deduct_per_point rule counts percentage points: it scores rates only",
        ),
        ({"deduct": Deduct(1.0)}, r"\.deduct: the \w+ rule deducts nothing"),
        ({"applies_when": "always"}, r"\.applies_when: names unknown condition 'always'"),
    ],
)
def test_every_catalogue_names_existing_measures_rules_and_conditions(ctx, change, message):
    from dataclasses import replace

    from sipm_helpers.domain.indicators import check_catalogues
    from sipm_helpers.errors import ParameterError

    check_catalogues(ctx)
    named = {i.function for c in ctx.all_catalogues() for i in c.indicators if i.function}
    assert named <= set(measures.MEASURES)
    cat = ctx.catalogues["work_injury"]
    quantitative = next(i for i in cat.indicators if i.kind == "quantitative")
    broken = replace(cat, indicators=(replace(quantitative, **change), *cat.indicators))
    with pytest.raises(ParameterError, match=r"work_injury.yaml: indicators\.\w+" + message):
        check_catalogues(replace(ctx, catalogues={**ctx.catalogues, "work_injury": broken}))


def test_compute_measures_rejects_unknown_names(facts):
    with pytest.raises(KeyError, match="unknown measure"):
        measures.compute_measures(facts, ["no_such_measure"])


def test_compute_measures_returns_one_long_frame(facts):
    long = measures.compute_measures(facts, ["coverage_rate", "months_covered"])
    # the parts' columns are always there (NaN for measures without parts): one layout
    assert set(long.columns) == {"region_code", "fund", "year", "function", "actual",
                                 "sample", "part_income", "part_expenditure"}  # fmt: skip
    assert long["sample"].isna().all()  # neither rests on a sample
    assert len(long) == 2 * len(facts.executed)


def test_growth_measures_need_the_year_before(facts):
    first = ("110100", "employee_medical", 2024)
    assert math.isnan(measures.expenditure_income_growth_gap(facts).loc[first])
    assert math.isnan(measures.per_capita_expenditure_growth(facts).loc[first])


def test_growth_and_timeliness_by_hand():
    idx = pd.MultiIndex.from_tuples(
        [("r", "f", 2024), ("r", "f", 2025), ("s", "f", 2025)],
        names=["region_code", "fund", "year"],
    )
    executed = pd.DataFrame(
        {
            "benefits": [1000.0, 1100.0, 500.0],
            "income": [2000.0, 2100.0, 900.0],
            "expenditure": [1000.0, 1100.0, 500.0],
            "fiscal_subsidy": [100.0, 200.0, 0.0],
            "central_adjustment_out": [50.0, 49.0, np.nan],
            "central_adjustment_in": [np.nan, 20.0, np.nan],
        },
        index=idx,
    )
    q3 = pd.DataFrame({"fiscal_subsidy": [40.0, 110.0, 0.0]}, index=idx)
    budget = pd.DataFrame(
        {
            "fiscal_subsidy": [100.0, 220.0, np.nan],
            "central_adjustment_out": [50.0, 50.0, np.nan],
            "central_adjustment_in": [np.nan, 25.0, np.nan],
        },
        index=idx,
    )
    stats = pd.DataFrame({"retirees": [100.0, 104.0, 50.0]}, index=idx)
    f = measures.AnnualFacts(
        executed=executed, executed_q3=q3, budget=budget, budget_initial=budget, statistics=stats
    )
    growth = measures.average_benefit_growth(f)
    assert growth.loc[("r", "f", 2025)] == pytest.approx((1100 / 104) / (1000 / 100) - 1)
    assert math.isnan(growth.loc[("s", "f", 2025)])  # no year before for region s
    assert measures.expenditure_income_growth_gap(f).loc[("r", "f", 2025)] == pytest.approx(
        0.10 - 0.05
    )
    assert measures.fiscal_subsidy_timeliness(f).loc[("r", "f", 2025)] == pytest.approx(110 / 220)
    assert measures.central_adjustment_execution(f).loc[("r", "f", 2025)] == pytest.approx(
        (49 / 50 + 20 / 25) / 2
    )
    assert measures.central_adjustment_execution(f).loc[("r", "f", 2024)] == pytest.approx(
        1.0
    )  # only contributions budgeted
    assert measures.subsidy_dependence(f).loc[("r", "f", 2025)] == pytest.approx(200 / 2100)


def test_projected_months_min_at_constant_growth(tiny, ctx):
    from builders import MED_FUND, annual_dataset

    from sipm_helpers.domain.facts import annual_facts
    from sipm_helpers.domain.measures import projected_months_min

    income = [1000 * 1.03**k for k in range(5)]
    spent = [1100 * 1.06**k for k in range(5)]
    ds = annual_dataset(
        tiny,
        {"110100": (3000.0, income, spent), "110200": (500.0, [1000.0] * 2, [900.0] * 2)},
        first_year=2019,
    )
    # 110200's two years sit at 2019–2020: too few to fit.
    facts = annual_facts(ds, ctx.registry, funds=[MED_FUND], years=[2023])
    got = projected_months_min(facts, ctx.sustainability)
    b0 = 3000 + sum(income) - sum(spent)
    h = np.arange(1, 11)
    balance = (
        b0 + income[-1] * 1.03 * (1.03**h - 1) / 0.03 - spent[-1] * 1.06 * (1.06**h - 1) / 0.06
    )
    by_hand = (balance / (spent[-1] * 1.06**h / 12)).min()
    assert got[("110100", MED_FUND, 2023)] == pytest.approx(by_hand, rel=1e-9)
    assert np.isfinite(got[("110100", MED_FUND, 2022)])  # 2019–2022: four years, enough
    assert np.isnan(got[("110100", MED_FUND, 2021)])  # 2019–2021: three, too few
    assert np.isnan(got.get(("110200", MED_FUND, 2020), np.nan))


def test_prevention_spending_is_measured_against_last_years_premiums(ctx):
    """The cap is 3 % of the previous year's premium income: 36 spent after 1,000 of
    premiums is 3.6 % (3 % of this year's 1,200, which would look within the cap), and
    past the cap the points are gone."""
    from sipm_helpers.domain.indicators import apply_policy, catalogue_frame
    from sipm_helpers.domain.scoring import score_indicators

    idx = pd.MultiIndex.from_tuples(
        [("r", "work_injury", 2024), ("r", "work_injury", 2025)],
        names=["region_code", "fund", "year"],
    )
    executed = pd.DataFrame({"premium": [1000.0, 1200.0]}, index=idx)
    stats = pd.DataFrame({"prevention_spending": [20.0, 36.0]}, index=idx)
    empty = pd.DataFrame(index=idx)
    f = measures.AnnualFacts(
        executed=executed, executed_q3=empty, budget=empty, budget_initial=empty, statistics=stats
    )
    share = measures.prevention_spending_share(f)
    assert np.isnan(share.iloc[0]) and share.iloc[1] == pytest.approx(0.036)
    cat = catalogue_frame(ctx, ["work_injury"])
    row = cat.loc[cat["indicator"] == "prevention_spending_share"].assign(year=2025)
    row = apply_policy(row, ctx.policy).assign(actual=0.036)
    assert row["band_upper"].iloc[0] == pytest.approx(0.03)  # the dated cap
    assert score_indicators(row, ctx.standards)["score"].iloc[0] == 0.0


def test_the_employees_medical_reserve_is_judged_on_its_pooled_fund(tmp_path, ctx):
    """Renshebufa [2009] No. 67's 6–9 months apply to the pooled fund, not to the personal
    accounts: 110100 holds 764 at the end of 2025, 400 of it in the pooled fund, which
    spends 60 of the 90 a month: 400 ÷ 60 = 6.67 months, where the whole fund's 764 ÷ 90
    would be 8.49."""
    from builders import tiny_tables, with_pooled_fund, write_tiny

    from sipm_helpers.data.validation import load_dataset
    from sipm_helpers.domain.evaluation import evaluate
    from sipm_helpers.domain.facts import annual_facts, reserve_basis

    tables = with_pooled_fund(tiny_tables())
    ds = load_dataset(write_tiny(tmp_path / "pooled", tables=tables), ctx)
    facts = annual_facts(ds, ctx.registry, funds=["employee_medical"])
    basis = reserve_basis(facts)
    assert basis.loc[("110100", "employee_medical", 2025), "pooled"]
    assert not basis.loc[("110200", "employee_medical", 2025), "pooled"]
    months = measures.months_covered(facts)
    assert months.loc[("110100", "employee_medical", 2025)] == pytest.approx(400 / 60)
    assert months.loc[("110200", "employee_medical", 2025)] == pytest.approx(764 / 90)
    ev = evaluate(ds, ctx, fund="employee_medical", region="110100", year=2025)
    now = ev.balance_history.set_index("year").loc[2025]
    assert (now["balance_end"], now["pooled_balance"], now["personal_balance"]) == (764, 400, 364)
    assert now["months_covered"] == pytest.approx(400 / 60)


def test_more_cases_settled_than_treated_is_implausible(tmp_path, ctx):
    """Alpha's December 2025 reports 12 cross-province cases settled directly of 10
    treated: validation warns (the statistics table's bounded pairs), naming the month."""
    from builders import tiny_tables, write_tiny

    from sipm_helpers.data.validation import validate_path

    tables = tiny_tables()
    s = tables["statistics"]
    hit = (
        (s["region_code"] == "110100")
        & (s["year"] == 2025)
        & (s["month"] == 12)
        & (s["stat"] == "cross_province_settled")
    )
    tables["statistics"] = s.assign(value=s["value"].where(~hit, 12))
    _, report = validate_path(write_tiny(tmp_path / "settled", tables=tables), ctx)
    found = [f for f in report.findings if f.rule == "implausible_statistic"]
    assert [f.message for f in found] == [
        "cross-province inpatient cases settled directly exceed the cross-province inpatient"
        " cases (region 110100, fund employee_medical, 2025-12)"
    ]


def _facts_of(stats: dict[str, float]) -> measures.AnnualFacts:
    """The annual facts of one region-fund-year holding only ``stats``."""
    idx = pd.MultiIndex.from_tuples([("r", "f", 2025)], names=["region_code", "fund", "year"])
    empty = pd.DataFrame(index=idx)
    frame = pd.DataFrame({k: [float(v)] for k, v in stats.items()}, index=idx)
    return measures.AnnualFacts(
        executed=empty, executed_q3=empty, budget=empty, budget_initial=empty, statistics=frame
    )


@pytest.mark.parametrize(
    ("name", "stats", "expected"),
    [
        # resident medical: 76 of 80 people in hardship enrolled with a subsidy
        ("hardship_enrolment_assistance", {"hardship_assisted": 76, "hardship_entitled": 80}, 0.95),
        # pensions: 196 of 200 recipients certified in the last twelve months
        ("eligibility_certification_rate", {"recipients_certified": 196, "retirees": 200}, 0.98),
        # resident pension: 45 of 180 contributors at 500 yuan or more; 39 of 40 paid for
        ("higher_grade_share", {"higher_grade_contributors": 45, "contributors": 180}, 0.25),
        ("paid_on_behalf_rate", {"paid_on_behalf": 39, "on_behalf_entitled": 40}, 0.975),
        # unemployment: 57 of 60 (10,000 yuan) of job-retention refunds paid on time
        ("retention_refund_timeliness", {"retention_refunds_on_time": 57, "retention_refunds_approved": 60}, 0.95),
    ],
)  # fmt: skip
def test_measures_of_the_funds_the_tiny_dataset_lacks(name, stats, expected):
    """The new indicators of the pensions, residents' medical and unemployment funds, on
    hand-made facts (the tiny dataset has only employees' medical and work injury)."""
    assert measures.MEASURES[name](_facts_of(stats)).iloc[0] == pytest.approx(expected)
    # an entitled population of none, or no report of it: no value, never zero
    part, whole = stats
    assert np.isnan(measures.MEASURES[name](_facts_of({**stats, whole: 0})).iloc[0])
    assert np.isnan(measures.MEASURES[name](_facts_of({part: 1})).iloc[0])


@pytest.mark.parametrize(
    ("region", "fund", "part", "value", "message"),
    [
        ("110100", "employee_medical", "maternity_allowance_paid_on_time", 7,
         "maternity allowance paid on time exceeds the allowance due"),
        ("110100", "employee_medical", "drg_dip_fund_paid", 43,
         "payments made by DRG or DIP exceed the inpatient fund payments"),
        ("110200", "employee_medical", "misused_funds_recovered", 3,
         "misused funds recovered exceed the misused funds found"),
        ("110000", "work_injury", "capacity_appraisals_on_time", 11,
         "work-capacity appraisals within the statutory time exceed all appraisals concluded"),
    ],
)  # fmt: skip
def test_a_part_above_its_whole_is_named_by_file_row_and_column(
    tmp_path, ctx, region, fund, part, value, message
):
    """A part of the new indicators above its whole in December 2025 is a finding on its
    row of statistics.csv (line = index + 2: the header is line 1), column value."""


@pytest.mark.parametrize(
    ("stat", "value", "message"),
    [
        ("survey_valid", 230, "the satisfaction survey has more valid responses than persons"
         " surveyed (region 110100, fund employee_medical, 2025-11)"),
        ("survey_satisfied", 201, "the satisfaction survey counts more responses satisfied"
         " than valid responses (region 110100, fund employee_medical, 2025-11)"),
    ],
)  # fmt: skip
def test_survey_counts_beyond_their_whole_are_errors_naming_file_row_and_column(
    tmp_path, ctx, stat, value, message
):
    """Alpha's November survey: 230 valid responses of 220 surveyed, or 201 satisfied of
    200 valid, is no survey: an error on the statistics row of the count, its value column."""
    from builders import tiny_tables, write_tiny

    from sipm_helpers.data.validation import validate_path

    tables = tiny_tables()
    s = tables["statistics"]
    hit = (s["region_code"] == "110100") & (s["year"] == 2025) & (s["stat"] == stat)
    tables["statistics"] = s.assign(value=s["value"].where(~hit, value))
    _, report = validate_path(write_tiny(tmp_path / "survey", tables=tables), ctx)
    found = [f for f in report.findings if f.rule == "survey_counts"]
    assert [(f.severity, f.message, f.column, f.value) for f in found] == [
        ("error", message, "value", f"{value:,}")
    ]
    assert found[0].origin.endswith("statistics.csv")
    assert found[0].row == int(s.index[hit.to_numpy()][0]) + 2  # header on row 1
