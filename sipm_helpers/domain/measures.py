"""Indicator measures: named, tested functions that compute an indicator's actual value
from the annual facts, for every region, fund and year at once.

The catalogues name these functions (``function:`` in parameters/indicators); nothing is
evaluated from a string. Each measure returns a float Series indexed by
(region_code, fund, year); a missing or zero denominator gives NaN ("insufficient
data"), never zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.sustainability import SustainabilityRules
from sipm_helpers.data.ledger import FOUND, RECTIFIED
from sipm_helpers.domain.facts import LOOKBACK_YEARS, AnnualFacts, reserve_basis
from sipm_helpers.domain.sustainability import (
    Outlook,
    balance_paths,
    fit_log_linear,
    log_trend,
    months_paths,
)

YUAN_PER_UNIT = 10_000  # money in the data is in 10,000 yuan (万元)
FIT_WINDOW = LOOKBACK_YEARS + 1  # the years the facts hold up to a year: the trend's window


# A measure's input derived by its caller rather than read from the parameters: the
# central projection and solvency verdict of each year scored (solvency_outlooks).
OUTLOOKS = "outlooks"


@dataclass(frozen=True)
class Measure:
    """A registered measure: ``fn`` takes the annual facts and, for each name in ``uses``,
    that input: one of ``inputs`` where the caller derived it (``OUTLOOKS``), else that
    rule set of the Context (a projection reads parameters/sustainability.yaml)."""

    fn: Callable[..., pd.Series]
    uses: tuple[str, ...] = ()
    # What the value is the larger of, where it is (label, measure of the facts alone):
    # reports name the side that set it and show every side's figure.
    parts: tuple[tuple[str, Callable[[AnnualFacts], pd.Series]], ...] = ()
    # How many years before the one measured it reads (growth: the year before; a
    # projection: its fit window): the facts a working paper shows to recompute it.
    lookback: int = 0
    # The observations a value drawn from a sample rests on (a survey's valid responses):
    # a catalogue's ``min_sample`` is held against it.
    sample: Callable[[AnnualFacts], pd.Series] | None = None

    def __call__(
        self,
        facts: AnnualFacts,
        ctx: Context | None = None,
        inputs: Mapping[str, object] | None = None,
    ) -> pd.Series:
        given = dict(inputs or {})
        lacking = [n for n in self.uses if n not in given and not hasattr(ctx, n)]
        if lacking:
            raise ValueError(f"measure {self.fn.__name__} needs the {', '.join(lacking)}")
        return self.fn(facts, *(given[n] if n in given else getattr(ctx, n) for n in self.uses))


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("float64")
    return pd.Series(np.nan, index=frame.index, dtype="float64")


def _flow(frame: pd.DataFrame, name: str) -> pd.Series:
    """A line item's executed amount, 0 where the region reports execution but not this item."""
    return _col(frame, name).fillna(0.0)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator ÷ denominator, NaN where the denominator is missing or not positive."""
    numerator, denominator = numerator.align(denominator, join="outer")
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def _preparation_deviation(f: AnnualFacts, side: str) -> pd.Series:
    """|executed − initial budget| ÷ initial budget of the income or expenditure total."""
    initial = _col(f.budget_initial, side)
    return ratio((_col(f.executed, side) - initial.reindex(f.executed.index)).abs(), initial)


def income_preparation_deviation(f: AnnualFacts) -> pd.Series:
    """How far income ended from its initial budget: |executed − initial| ÷ initial."""
    return _preparation_deviation(f, "income")


def expenditure_preparation_deviation(f: AnnualFacts) -> pd.Series:
    """How far expenditure ended from its initial budget: |executed − initial| ÷ initial."""
    return _preparation_deviation(f, "expenditure")


PREPARATION_SIDES = (
    ("income", income_preparation_deviation),
    ("expenditure", expenditure_preparation_deviation),
)


def budget_preparation_accuracy(f: AnnualFacts) -> pd.Series:
    """The larger of the income and the expenditure deviation from the initial budget
    (NaN unless both are known): a budget that missed one side widely is not redeemed by
    the other side's accuracy, as an average of the two would let it be."""
    sides = pd.concat([fn(f) for _, fn in PREPARATION_SIDES], axis=1)
    return sides.max(axis=1, skipna=False)


def income_budget_execution(f: AnnualFacts) -> pd.Series:
    """Income executed ÷ income budgeted (adjusted budget)."""
    return ratio(_col(f.executed, "income"), _col(f.budget, "income"))


def expenditure_budget_execution(f: AnnualFacts) -> pd.Series:
    """Expenditure executed ÷ expenditure budgeted (adjusted budget)."""
    return ratio(_col(f.executed, "expenditure"), _col(f.budget, "expenditure"))


def fiscal_subsidy_arrival(f: AnnualFacts) -> pd.Series:
    """Fiscal subsidy received ÷ fiscal subsidy budgeted (Art. 12: arrival of the subsidy)."""
    return ratio(_col(f.executed, "fiscal_subsidy"), _col(f.budget, "fiscal_subsidy"))


def premium_collection_rate(f: AnnualFacts) -> pd.Series:
    """Premium income ÷ premiums assessed."""
    return ratio(_col(f.executed, "premium"), _col(f.statistics, "premiums_assessed"))


def coverage_rate(f: AnnualFacts) -> pd.Series:
    """Insured persons ÷ population required to be insured, at the last month reported."""
    return ratio(_col(f.statistics, "insured"), _col(f.statistics, "target_population"))


def insured_persons(f: AnnualFacts) -> pd.Series:
    """Insured persons at the last month reported."""
    return _col(f.statistics, "insured")


def benefits_paid_on_time(f: AnnualFacts) -> pd.Series:
    """Benefits paid on time and in full ÷ benefits due."""
    return ratio(_col(f.statistics, "benefits_paid_on_time"), _col(f.statistics, "benefits_due"))


def inpatient_reimbursement_ratio(f: AnnualFacts) -> pd.Series:
    """Policy-scope inpatient costs paid by the fund ÷ policy-scope inpatient costs."""
    return ratio(
        _col(f.statistics, "inpatient_fund_paid"), _col(f.statistics, "inpatient_policy_costs")
    )


def cross_province_settlement_rate(f: AnnualFacts) -> pd.Series:
    """Cross-province inpatient cases settled directly ÷ cross-province inpatient cases."""
    return ratio(
        _col(f.statistics, "cross_province_settled"),
        _col(f.statistics, "cross_province_cases"),
    )


def survey_valid(f: AnnualFacts) -> pd.Series:
    """Valid responses of the year's satisfaction surveys (NaN where none was reported)."""
    return _col(f.statistics, "survey_valid")


def satisfaction_rate(f: AnnualFacts) -> pd.Series:
    """Responses satisfied or fairly satisfied (满意、比较满意) ÷ valid responses of the
    year's satisfaction surveys of the insured and beneficiaries; NaN without a survey."""
    return ratio(_col(f.statistics, "survey_satisfied"), survey_valid(f))


def maternity_allowance_on_time(f: AnnualFacts) -> pd.Series:
    """Maternity allowance paid on time and in full ÷ maternity allowance due."""
    return ratio(
        _col(f.statistics, "maternity_allowance_paid_on_time"),
        _col(f.statistics, "maternity_allowance_due"),
    )


def drg_dip_payment_coverage(f: AnnualFacts) -> pd.Series:
    """Inpatient fund payments made by DRG or DIP ÷ all inpatient fund payments."""
    return ratio(_col(f.statistics, "drg_dip_fund_paid"), _col(f.statistics, "inpatient_fund_paid"))


def misused_funds_recovery_rate(f: AnnualFacts) -> pd.Series:
    """Misused medical insurance funds recovered ÷ misused funds found by supervision."""
    return ratio(
        _col(f.statistics, "misused_funds_recovered"), _col(f.statistics, "misused_funds_found")
    )


def hardship_enrolment_assistance(f: AnnualFacts) -> pd.Series:
    """People in hardship enrolled with their contribution subsidised ÷ people in hardship
    entitled to the subsidy, at the last month reported."""
    return ratio(_col(f.statistics, "hardship_assisted"), _col(f.statistics, "hardship_entitled"))


def eligibility_certification_rate(f: AnnualFacts) -> pd.Series:
    """Benefit recipients certified eligible in the last twelve months ÷ benefit
    recipients, at the last month reported."""
    return ratio(_col(f.statistics, "recipients_certified"), _col(f.statistics, "retirees"))


def higher_grade_share(f: AnnualFacts) -> pd.Series:
    """Contributors at a grade of 500 yuan a year or more ÷ contributors, at the last
    month reported."""
    return ratio(
        _col(f.statistics, "higher_grade_contributors"), _col(f.statistics, "contributors")
    )


def paid_on_behalf_rate(f: AnnualFacts) -> pd.Series:
    """People in hardship whose contribution the government paid ÷ people in hardship
    entitled to it, at the last month reported."""
    return ratio(_col(f.statistics, "paid_on_behalf"), _col(f.statistics, "on_behalf_entitled"))


def retention_refund_timeliness(f: AnnualFacts) -> pd.Series:
    """Job-retention refunds paid within the time limit ÷ refunds approved."""
    return ratio(
        _col(f.statistics, "retention_refunds_on_time"),
        _col(f.statistics, "retention_refunds_approved"),
    )


def capacity_appraisal_timeliness(f: AnnualFacts) -> pd.Series:
    """Work-capacity appraisals concluded within the statutory time ÷ all concluded."""
    return ratio(
        _col(f.statistics, "capacity_appraisals_on_time"),
        _col(f.statistics, "capacity_appraisals"),
    )


def injury_determination_timeliness(f: AnnualFacts) -> pd.Series:
    """Work-injury determinations within the statutory time ÷ all determinations."""
    return ratio(
        _col(f.statistics, "injury_determinations_on_time"),
        _col(f.statistics, "injury_determinations"),
    )


def unemployment_benefit_coverage(f: AnnualFacts) -> pd.Series:
    """Unemployment benefit recipients ÷ registered unemployed."""
    return ratio(
        _col(f.statistics, "unemployment_benefit_recipients"),
        _col(f.statistics, "registered_unemployed"),
    )


def dependency_ratio(f: AnnualFacts) -> pd.Series:
    """System dependency ratio (制度抚养比): insured persons still working (the insured less
    the retirees) ÷ retirees, at the last month reported."""
    retirees = _col(f.statistics, "retirees")
    return ratio(_col(f.statistics, "insured") - retirees, retirees)


def contributor_share(f: AnnualFacts) -> pd.Series:
    """Contributors ÷ the insured not drawing a benefit (the insured less the retirees,
    where the fund has retirees): how much of the enrolment pays."""
    retirees = _col(f.statistics, "retirees").fillna(0.0)
    return ratio(_col(f.statistics, "contributors"), _col(f.statistics, "insured") - retirees)


def per_capita_contribution(f: AnnualFacts) -> pd.Series:
    """Premium income per contributor, in yuan a year (premiums are in 10,000 yuan)."""
    contributors = _col(f.statistics, "contributors").reindex(f.executed.index)
    return ratio(_col(f.executed, "premium") * YUAN_PER_UNIT, contributors)


def months_covered(f: AnnualFacts) -> pd.Series:
    """Months of expenditure the accumulated balance covers: balance at the end of the last
    month reported ÷ average monthly expenditure over the months reported; the pooled
    fund's where it is reported apart from the personal accounts (:func:`reserve_basis`)."""
    basis = reserve_basis(f)
    monthly = ratio(_col(basis, "expenditure"), _col(basis, "months"))
    return ratio(_col(basis, "balance_end"), monthly)


def current_year_balance_ratio(f: AnnualFacts) -> pd.Series:
    """(Income − expenditure) ÷ expenditure of the year."""
    return ratio(
        _col(f.executed, "income") - _col(f.executed, "expenditure"),
        _col(f.executed, "expenditure"),
    )


def previous_year(series: pd.Series) -> pd.Series:
    """The value of the year before, for the same region and fund (NaN where none)."""
    shifted = series.rename(index=lambda y: y + 1, level="year")
    return shifted.reindex(series.index)


def growth(series: pd.Series) -> pd.Series:
    """Year-on-year growth: this year ÷ the year before − 1 (NaN without a positive base)."""
    return ratio(series, previous_year(series)) - 1


def fiscal_subsidy_timeliness(f: AnnualFacts) -> pd.Series:
    """Fiscal subsidy received by the end of September ÷ fiscal subsidy budgeted for the year."""
    return ratio(
        _col(f.executed_q3, "fiscal_subsidy").reindex(f.executed.index),
        _col(f.budget, "fiscal_subsidy"),
    )


def audit_rectification_rate(f: AnnualFacts) -> pd.Series:
    """Audit and inspection findings rectified ÷ findings; 1.0 in a year without findings."""
    findings, rectified = (
        _col(f.statistics, FOUND),
        _col(f.statistics, RECTIFIED),
    )
    return ratio(rectified, findings).mask(findings.eq(0) & rectified.notna(), 1.0)


def subsidy_dependence(f: AnnualFacts) -> pd.Series:
    """Fiscal subsidy ÷ total income of the year."""
    return ratio(_flow(f.executed, "fiscal_subsidy"), _col(f.executed, "income"))


def other_expenditure_share(f: AnnualFacts) -> pd.Series:
    """Other expenditure ÷ total expenditure (what is spent outside benefits and transfers)."""
    return ratio(_flow(f.executed, "other_expenditure"), _col(f.executed, "expenditure"))


def fund_return_rate(f: AnnualFacts) -> pd.Series:
    """(Interest + investment income) ÷ the average of the opening and closing balance."""
    earned = _flow(f.executed, "interest") + _flow(f.executed, "investment_income")
    average = (_col(f.executed, "balance_start") + _col(f.executed, "balance_end")) / 2
    return ratio(earned, average)


def average_benefit_growth(f: AnnualFacts) -> pd.Series:
    """Growth of benefit expenditure per benefit recipient (retirees at year end)."""
    per_head = ratio(
        _col(f.executed, "benefits"), _col(f.statistics, "retirees").reindex(f.executed.index)
    )
    return growth(per_head)


def central_adjustment_execution(f: AnnualFacts) -> pd.Series:
    """National pooling adjustment payments and receipts executed ÷ budgeted, averaged over the
    two directions that are budgeted (enterprise pension)."""
    parts = [
        ratio(_col(f.executed, k), _col(f.budget, k))
        for k in ("central_adjustment_out", "central_adjustment_in")
    ]
    return pd.concat(parts, axis=1).mean(axis=1)


def expenditure_income_growth_gap(f: AnnualFacts) -> pd.Series:
    """Growth of expenditure less growth of income, year on year."""
    return growth(_col(f.executed, "expenditure")) - growth(_col(f.executed, "income"))


def per_capita_expenditure_growth(f: AnnualFacts) -> pd.Series:
    """Growth of fund expenditure per insured person (insured at year end)."""
    return growth(
        ratio(
            _col(f.executed, "expenditure"), _col(f.statistics, "insured").reindex(f.executed.index)
        )
    )


def prevention_spending_share(f: AnnualFacts) -> pd.Series:
    """Work-injury prevention spending ÷ the previous year's premium income, the base of its
    cap (NaN without the year before)."""
    return ratio(
        _col(f.statistics, "prevention_spending").reindex(f.executed.index),
        previous_year(_col(f.executed, "premium")),
    )


def reserve_ratio(f: AnnualFacts) -> pd.Series:
    """Work-injury reserve fund at year end ÷ expenditure of the year."""
    return ratio(
        _col(f.statistics, "reserve_fund").reindex(f.executed.index),
        _col(f.executed, "expenditure"),
    )


def skills_subsidy_share(f: AnnualFacts) -> pd.Series:
    """Skills-upgrading subsidies ÷ total expenditure (unemployment)."""
    return ratio(
        _col(f.statistics, "skills_subsidies").reindex(f.executed.index),
        _col(f.executed, "expenditure"),
    )


def projected_months_min(f: AnnualFacts, rules: SustainabilityRules) -> pd.Series:
    """The fewest months of expenditure the balance covers over the solvency test's years
    (``rules.test_years``), income and expenditure projected at their log-linear trends
    over the complete years of the fit window ending with the year (NaN for an incomplete
    year, or with fewer than ``rules.min_years`` years or a non-positive one to fit)."""
    e = reserve_basis(f)
    complete = e.loc[e["months"] == 12, ["income", "expenditure", "balance_end"]].reset_index()
    out = pd.Series(np.nan, index=e.index, dtype="float64")
    if complete.empty:
        return out
    # Every complete year's fit window at once: each row of history joins the windows of
    # the years it falls in, labelled by the window's last year ("until").
    ends = complete[["region_code", "fund", "year"]].rename(columns={"year": "until"})
    windows = ends.merge(complete, on=["region_code", "fund"])
    windows = windows.loc[
        windows["year"].between(windows["until"] - FIT_WINDOW + 1, windows["until"])
    ]
    keys = ["region_code", "fund", "until"]
    now = complete.rename(columns={"year": "until"}).set_index(keys)
    steps = np.arange(1, rules.test_years + 1)
    years = now.index.get_level_values("until").to_numpy(dtype=float)[:, None] + steps[None, :]
    usable = np.ones(len(now), dtype=bool)
    paths = {}
    for side in ("income", "expenditure"):
        fit = fit_log_linear(windows, side, keys).set_index(keys).reindex(now.index)
        usable &= (fit["n"].to_numpy() >= rules.min_years) & fit["positive"].to_numpy(dtype=bool)
        paths[side] = np.exp(log_trend(fit, years))
    balance = balance_paths(
        now["balance_end"].to_numpy(dtype=float), paths["income"], paths["expenditure"]
    )
    months = months_paths(balance, paths["expenditure"])
    out.loc[list(now.index)] = np.where(usable, months.min(axis=1), np.nan)
    return out


def solvency_years_short(f: AnnualFacts, outlooks: Mapping[int, Outlook]) -> pd.Series:
    """The years of the short-range solvency test (parameters/sustainability.yaml) in which
    the reserve projected from the last complete year up to the year covers fewer months
    than the fund's floor: 0 where the test passes. Read from ``outlooks`` (per year, the
    central projection the self-evaluation's sustainability section reports); NaN where
    nothing could be projected or the fund has no floor."""
    verdicts = [o.verdict().assign(year=year) for year, o in outlooks.items()]
    if not verdicts:
        return pd.Series(np.nan, index=f.executed.index, dtype="float64")
    short = pd.concat(verdicts).set_index(["region_code", "fund", "year"])["years_short"]
    return short.reindex(f.executed.index).astype("float64")


# Measures that read the year before: growth, and a share of the previous year's premiums.
_YEAR_BEFORE = (
    average_benefit_growth,
    expenditure_income_growth_gap,
    per_capita_expenditure_growth,
    prevention_spending_share,
)
MEASURES: Mapping[str, Measure] = MappingProxyType(
    {
        **{
            fn.__name__: Measure(fn)
            for fn in (
                income_budget_execution,
                expenditure_budget_execution,
                fiscal_subsidy_arrival,
                premium_collection_rate,
                coverage_rate,
                insured_persons,
                benefits_paid_on_time,
                inpatient_reimbursement_ratio,
                cross_province_settlement_rate,
                injury_determination_timeliness,
                maternity_allowance_on_time,
                drg_dip_payment_coverage,
                misused_funds_recovery_rate,
                hardship_enrolment_assistance,
                eligibility_certification_rate,
                higher_grade_share,
                paid_on_behalf_rate,
                retention_refund_timeliness,
                capacity_appraisal_timeliness,
                unemployment_benefit_coverage,
                dependency_ratio,
                contributor_share,
                per_capita_contribution,
                months_covered,
                current_year_balance_ratio,
                fiscal_subsidy_timeliness,
                audit_rectification_rate,
                subsidy_dependence,
                other_expenditure_share,
                fund_return_rate,
                central_adjustment_execution,
                reserve_ratio,
                skills_subsidy_share,
            )
        },
        **{fn.__name__: Measure(fn, lookback=1) for fn in _YEAR_BEFORE},
        satisfaction_rate.__name__: Measure(satisfaction_rate, sample=survey_valid),
        budget_preparation_accuracy.__name__: Measure(
            budget_preparation_accuracy, parts=PREPARATION_SIDES
        ),
        projected_months_min.__name__: Measure(
            projected_months_min, uses=("sustainability",), lookback=FIT_WINDOW - 1
        ),
        solvency_years_short.__name__: Measure(
            solvency_years_short, uses=(OUTLOOKS,), lookback=FIT_WINDOW - 1
        ),
    }
)


def years_read(names: Iterable[str]) -> int:
    """How many years before the one measured the named measures read, at most."""
    return max((MEASURES[name].lookback for name in names), default=0)


# The columns that carry the parts of a measure beside its value (NaN for other measures).
PART = "part_"
PART_COLUMNS = tuple(
    dict.fromkeys(f"{PART}{label}" for m in MEASURES.values() for label, _ in m.parts)
)


def compute_measures(
    facts: AnnualFacts,
    names: list[str],
    ctx: Context | None = None,
    inputs: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The named measures as a long frame: region_code, fund, year, function, actual,
    sample (the observations a sampled value rests on, NaN for the others) and the
    :data:`PART_COLUMNS` of a measure taken as the larger of its parts (NaN for the
    others). ``ctx`` gives the rule sets a measure uses (a projection's), ``inputs`` what
    the caller derived for them (``OUTLOOKS``)."""
    unknown = sorted(set(names) - set(MEASURES))
    if unknown:
        raise KeyError(f"unknown measure(s): {', '.join(unknown)}; known: {', '.join(MEASURES)}")
    columns = ["region_code", "fund", "year", "function", "actual", "sample", *PART_COLUMNS]
    parts = []
    for name in dict.fromkeys(names):
        measure = MEASURES[name]
        values = {"actual": measure(facts, ctx, inputs)}
        if measure.sample is not None:
            values["sample"] = measure.sample(facts)
        values |= {f"{PART}{label}": fn(facts) for label, fn in measure.parts}
        frame = pd.concat(values, axis=1)
        frame.index.names = ["region_code", "fund", "year"]
        parts.append(frame.reset_index().assign(function=name))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True).reindex(columns=columns)
