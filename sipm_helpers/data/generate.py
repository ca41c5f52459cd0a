"""Deterministic synthetic datasets and the embedded demo country.

:func:`generate_dataset` builds a dataset of any size (for scale tests), :func:`demo_dataset`
the demo country shipped in ``sipm_helpers/demo_data/`` (3 provinces, 15 prefectures, all
seven funds, 57 fund–region pairs). Both return the tables of ``parameters/tables.yaml``
(regions, pooling, budget, execution, statistics, targets, qualitative, explanations) with
exactly its columns, money in 10,000 yuan (万元), rates as fractions.

How the numbers are made (vectorized over the coordinating regions of a fund; the only
Python loops run over funds, years and planted scenarios):

- Size. Each prefecture has a population and a wealth factor; a fund's expenditure is
  population × the national expenditure per inhabitant of 2023 × wealth^elasticity.
  National 2023 figures (Ministry of Finance final accounts of the social insurance funds,
  hundred million yuan: income 111,499.69, expenditure 99,281.29, year-end balance
  128,782.72) are split by fund roughly as published: the enterprise pension a bit over
  half, the two medical funds about 30 %.
- Balances. Each fund-region has a usual number of months of expenditure its balance
  covers (inside the fund's reasonable band, e.g. medical 6–9 months, Renshebufa [2009]
  No. 67); every
  year the income is set so that the year-end balance lands near that path, so surpluses
  follow expenditure growth. The monthly identity holds exactly on the rounded amounts.
- Seasonality. Premiums peak in December (residents' medical premiums are collected in the
  annual drive around the new year), fiscal subsidies arrive in lumps (some in Q2, most in
  Q4), interest quarterly, investment income in December, pensions are smooth with the
  annual increase back-paid in July, medical expenditure peaks in December.
- Statistics follow the flows: premiums assessed = premium income ÷ a collection rate of
  0.95–0.99, benefits due = benefit expenditure and all paid on time, insured ÷ population
  required to be insured 0.92–0.99, dependency ratios about 2.5 (enterprise), 2.0
  (residents), 1.8 (public), policy-scope inpatient costs paid 80–86 % for employees and
  62–70 % for residents (national 2023: 84.6 % and 68.1 %, NHSA statistical bulletin).
- Pensions per retiree grow with the year's dated adjustment (parameters/policy.yaml);
  the employees' medical fund reports its pooled fund apart from personal accounts.
- Budgets are the plan: the initial budget within a few per cent of what happens, the
  adjusted budget within about one per cent; targets are set from the plan, most of them
  achievable.
- Scenarios (:class:`Scenario`) plant what an evaluation must find: targets missed badly,
  with or without the explanation Art. 18 requires, and data wrinkles that validation
  reports as warnings. The demo's are listed in :data:`DEMO_SCENARIOS`; a generated
  dataset gets a few random ones.

``python -m sipm_helpers.data.generate`` rewrites the shipped demo CSV files.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa

from sipm_helpers import paths
from sipm_helpers.config import FundRegistry, load_registry, load_standards, load_table_specs
from sipm_helpers.config.catalogue import Catalogue, Indicator, load_catalogue
from sipm_helpers.config.policy import Policy, load_policy
from sipm_helpers.config.registry import Fund
from sipm_helpers.config.standards import QualitativeLevel
from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.generate_records import evaluator_records
from sipm_helpers.data.io import write_dataset

DEMO_SEED = 65  # Caishe [2022] No. 65
DEMO_YEARS = (2021, 2026)
DEMO_LAST_MONTH = 10
DEMO_EVALUATION_YEAR = 2025
BASE_YEAR = 2023  # the year the national magnitudes come from
PLAN_ANCHOR = 2021  # five-year plans: 2021–2025 (14th), 2026–2030 (15th)
PLAN_LENGTH = 5
MONTHS = 12
COUNTRY_CODE = "000000"
TABLE_NAMES = TABLES  # the contract: parameters/tables.yaml, in this order


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """Something planted in a dataset for an evaluation to find.

    ``kind`` is one of :data:`OUTCOME_KINDS` (a target missed badly; ``indicators`` lists
    the indicators that miss, ``explained`` whether the agency's reason and improvement
    measure are in the explanations table; in the year still open it shows in monitoring),
    :data:`WRINKLE_KINDS` (a data wrinkle that validation reports as a warning),
    :data:`IN_YEAR_KINDS` (something monitoring finds in the open year) or
    :data:`TARGET_KINDS` (something a target review finds) or :data:`STRUCTURE_KINDS` (how
    a fund is financed, in every year: what does not apply to it). ``item`` and ``month`` name the
    line item and month a scenario touches, where it has one.
    """

    kind: str
    region: str
    fund: str
    year: int
    what: str
    indicators: tuple[str, ...] = ()
    explained: bool = False
    item: str | None = None
    month: int | None = None


OUTCOME_KINDS = (
    "premium_shortfall",  # premium income falls in the second half-year: collection ≈ 0.88
    "expenditure_underexecution",  # expenditure budget inflated by a quarter: execution ≈ 0.80
    "late_benefits",  # benefits delayed in April–June: ≈ 98 % paid on time, complaints
    "low_reserve",  # deepening deficits: under 3 months of expenditure covered at year end
    "excess_reserve",  # surpluses pile up: the balance covers over 20 months
    "subsidy_shortfall",  # September tranche held back, part never arrives: arrival ≈ 0.85
    "coverage_drop",  # insured (contributors) fall by 8 %: coverage well below target
)
WRINKLE_KINDS = (
    "missing_evidence",  # a qualitative grade without evidence
    "transfer_spike",  # a one-off transfer_in of about 15× the usual month
    "over_coverage",  # insured exceed the population required to be insured all year
    "never_executed",  # an item budgeted for a complete year, never executed
    "empty_adjusted",  # a budget row whose adjusted figure is left empty
)
IN_YEAR_KINDS = (
    "late_data",  # the open year's execution and statistics stop at ``month``, months early
)
TARGET_KINDS = (
    "target_missing",  # the region sets no target of its own for the indicators named
)
STRUCTURE_KINDS = (
    "no_fiscal_subsidy",  # the fund receives no fiscal subsidy in any year: items not applicable
)
CAREFUL_SHARE = 0.6  # regions that set the open year's targets at the plan, without slack
LOW_RESERVE_MONTHS = 2.0
EXCESS_RESERVE_MONTHS = 22.0
SPIKE_FACTOR = 15.0
SUBSIDY_ARRIVAL = 0.85  # share of the year's fiscal subsidy that arrives in a shortfall

# Indicators each outcome makes miss badly (those in the fund's catalogue are kept). A
# qualitative one among them is graded not achieved.
_OUTCOME_INDICATORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "premium_shortfall": ("premium_collection_rate", "expenditure_income_growth_gap"),
        "expenditure_underexecution": (
            "expenditure_budget_execution",
            "budget_preparation_accuracy",
        ),
        "late_benefits": ("benefits_paid_on_time", "satisfaction"),
        "low_reserve": (
            "months_covered",
            "current_year_balance",
            "expenditure_income_growth_gap",
            "risk_prevention",
        ),
        "excess_reserve": ("months_covered",),
        "subsidy_shortfall": (
            "fiscal_subsidy_arrival",
            "fiscal_subsidy_timeliness",
            "income_budget_execution",
        ),
        "coverage_drop": (
            "coverage_rate",
            "insured_persons",
            "dependency_ratio",  # pensions: contributors fall, retirees stay
            "per_capita_expenditure_growth",  # medical: the same spending, fewer insured
            "policy_implementation",  # the universal enrolment plan was not carried out
        ),
    }
)

DEMO_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "premium_shortfall",
        "930000",
        "enterprise_pension",
        2025,
        "premium income fell by a fifth in the second half-year: collection rate about 0.88, "
        "well below its target",
        ("premium_collection_rate",),
        explained=True,
    ),
    Scenario(
        "expenditure_underexecution",
        "910300",
        "employee_medical",
        2025,
        "expenditure budgeted a quarter too high: expenditure execution about 80 %",
        ("expenditure_budget_execution", "budget_preparation_accuracy"),
        explained=False,
    ),
    Scenario(
        "late_benefits",
        "920200",
        "resident_pension",
        2025,
        "benefits delayed in April–June: about 98 % paid on time and in full; satisfaction fell",
        ("benefits_paid_on_time", "satisfaction"),
        explained=True,
    ),
    Scenario(
        "low_reserve",
        "930400",
        "resident_medical",
        2025,
        "deepening deficits since 2022: the balance covers under 3 months of expenditure at "
        "the end of 2025, expenditure grows faster than income, risk controls failed",
        (
            "months_covered",
            "current_year_balance",
            "expenditure_income_growth_gap",
            "risk_prevention",
        ),
        explained=True,
    ),
    Scenario(
        "premium_shortfall",
        "930400",
        "resident_medical",
        2025,
        "with the low reserve: premiums of the autumn collection drive fell by a fifth, "
        "collection rate about 0.87",
        ("premium_collection_rate",),
        explained=False,
    ),
    Scenario(
        "coverage_drop",
        "930400",
        "resident_medical",
        2025,
        "with the low reserve: residents insured fell by 8 %, coverage and insured persons "
        "well below target, spending per insured up by about 15 %",
        (
            "coverage_rate",
            "insured_persons",
            "per_capita_expenditure_growth",
            "policy_implementation",
        ),
        explained=False,
    ),
    Scenario(
        "excess_reserve",
        "910200",
        "employee_medical",
        2025,
        "surpluses pile up: the balance covers over 20 months of expenditure at the end of 2025",
        ("months_covered",),
        explained=False,
    ),
    Scenario(
        "subsidy_shortfall",
        "930200",
        "resident_pension",
        2025,
        "the September fiscal subsidy tranche was held back and only part of it came in "
        "December: timeliness about 0.3, arrival rate about 0.85, income short of budget and "
        "a deficit for the year",
        (
            "fiscal_subsidy_arrival",
            "fiscal_subsidy_timeliness",
            "income_budget_execution",
            "budget_preparation_accuracy",
            "current_year_balance",
        ),
        explained=True,
    ),
    Scenario(
        "coverage_drop",
        "920000",
        "unemployment",
        2025,
        "insured fell by 8 %: coverage about 0.89, well below its target, and insured persons "
        "short of their count target; the enrolment plan was not carried out",
        ("coverage_rate", "insured_persons", "policy_implementation"),
        explained=False,
    ),
    Scenario(
        "no_fiscal_subsidy",
        "910000",
        "enterprise_pension",
        2025,
        "a rich province's enterprise pension fund receives no fiscal subsidy in any year: the "
        "subsidy's arrival and timeliness do not apply, their points go to the other process "
        "indicators",
        ("fiscal_subsidy_arrival", "fiscal_subsidy_timeliness"),
    ),
    Scenario(
        "missing_evidence",
        "910100",
        "resident_medical",
        2025,
        "the satisfaction grade is given without evidence",
        ("satisfaction",),
    ),
    Scenario(
        "transfer_spike",
        "920000",
        "enterprise_pension",
        2025,
        "a one-off transfer_in in June about 15× the usual month",
        item="transfer_in",
        month=6,
    ),
    Scenario(
        "over_coverage",
        "930100",
        "resident_medical",
        2025,
        "insured exceed the population required to be insured all year (coverage about 101.5 %)",
    ),
    Scenario(
        "never_executed",
        "910400",
        "resident_pension",
        2025,
        "upper_subsidy budgeted for 2025 but never executed",
        item="upper_subsidy",
    ),
    Scenario(
        "empty_adjusted",
        "930000",
        "work_injury",
        2025,
        "the adjusted budget of other_income is left empty (= the initial budget)",
        item="other_income",
    ),
    # The year still open: what the target review of 2026 and monitoring to October find.
    Scenario(
        "premium_shortfall",
        "920400",
        "employee_medical",
        2026,
        "premium income down by a fifth from July: premiums behind their seasonal pace in "
        "October and likely short of the budget at the year end",
        ("premium_collection_rate", "income_budget_execution"),
    ),
    Scenario(
        "subsidy_shortfall",
        "910300",
        "resident_pension",
        2026,
        "the September fiscal subsidy tranche was held back: the subsidy is far behind its "
        "expected share in October",
        ("fiscal_subsidy_arrival", "fiscal_subsidy_timeliness"),
    ),
    Scenario(
        "late_data",
        "930300",
        "resident_medical",
        2026,
        "execution and statistics reported only to August: two months late for the October "
        "monitoring",
        month=8,
    ),
    Scenario(
        "target_missing",
        "920100",
        "employee_medical",
        2026,
        "no target of its own for insured persons, and none above it to inherit: the target "
        "review returns the targets",
        ("insured_persons",),
    ),
)

# --------------------------------------------------------------------------- geography

_Place = tuple[str, str]  # (Chinese name without suffix, English name without suffix)

DEMO_COUNTRY = (COUNTRY_CODE, "示范国", "Demoland")
DEMO_GEOGRAPHY: tuple[tuple[str, _Place, tuple[_Place, ...]], ...] = (
    (
        "910000",
        ("东川", "Dongchuan"),
        (("金河", "Jinhe"), ("云岭", "Yunling"), ("石泉", "Shiquan"), ("青湾", "Qingwan")),
    ),
    (
        "920000",
        ("西岭", "Xiling"),
        (
            ("宁川", "Ningchuan"),
            ("白溪", "Baixi"),
            ("丰源", "Fengyuan"),
            ("龙塘", "Longtang"),
            ("柳峰", "Liufeng"),
        ),
    ),
    (
        "930000",
        ("南屿", "Nanyu"),
        (
            ("海澄", "Haicheng"),
            ("梧桥", "Wuqiao"),
            ("兰汀", "Lanting"),
            ("松坪", "Songping"),
            ("鹤滨", "Hebin"),
            ("杉浦", "Shanpu"),
        ),
    ),
)

# Syllables for generated names; the pinyin of each list is unique, so names are too.
_NAME_HEADS: tuple[_Place, ...] = (
    ("东", "Dong"), ("西", "Xi"), ("南", "Nan"), ("北", "Bei"), ("金", "Jin"),
    ("青", "Qing"), ("云", "Yun"), ("安", "An"), ("宁", "Ning"), ("平", "Ping"),
    ("永", "Yong"), ("长", "Chang"), ("兴", "Xing"), ("华", "Hua"), ("临", "Lin"),
    ("丰", "Feng"), ("泰", "Tai"), ("龙", "Long"), ("白", "Bai"), ("石", "Shi"),
    ("新", "Xin"), ("嘉", "Jia"), ("瑞", "Rui"), ("德", "De"), ("鹤", "He"),
    ("松", "Song"), ("柳", "Liu"), ("梧", "Wu"), ("兰", "Lan"), ("桂", "Gui"),
    ("翠", "Cui"), ("崇", "Chong"), ("开", "Kai"), ("靖", "Jing"), ("文", "Wen"),
    ("乐", "Le"),
)  # fmt: skip
_NAME_TAILS: tuple[_Place, ...] = (
    ("川", "chuan"), ("河", "he"), ("源", "yuan"), ("泉", "quan"), ("岭", "ling"),
    ("林", "lin"), ("峰", "feng"), ("溪", "xi"), ("屿", "yu"), ("湾", "wan"),
    ("塘", "tang"), ("桥", "qiao"), ("坪", "ping"), ("浦", "pu"), ("滨", "bin"),
    ("汀", "ting"), ("澄", "cheng"), ("江", "jiang"),
)  # fmt: skip
MAX_PROVINCES = 81  # two-digit province prefixes 91–99, 81–89, …, 11–19
MAX_PREFECTURES = 99


@dataclass(frozen=True)
class _Geography:
    """Regions of a dataset: the country, provinces and prefectures with their sizes."""

    country: tuple[str, str, str]
    provinces: tuple[tuple[str, str, str], ...]  # code, zh, en
    prefectures: tuple[tuple[str, str, str], ...]  # code, zh, en
    parent: np.ndarray  # province index of each prefecture
    population: np.ndarray  # persons per prefecture
    wealth: np.ndarray  # relative income level per prefecture (1 = national average)


# --------------------------------------------------------------------------- fund profiles

_EMPLOYEE_PREMIUM = (0.88, 0.78, 0.98, 0.99, 0.99, 1.01, 0.99, 0.99, 1.0, 0.97, 1.01, 1.41)
_RESIDENT_PENSION_PREMIUM = (0.35, 0.3, 0.5, 0.7, 0.9, 1.1, 1.2, 1.3, 1.3, 1.4, 1.45, 1.5)
_RESIDENT_MEDICAL_PREMIUM = (2.2, 1.5, 0.6, 0.35, 0.3, 0.3, 0.3, 0.3, 0.45, 1.0, 1.8, 2.9)
_MEDICAL_BENEFITS = (0.97, 0.78, 0.96, 0.99, 1.0, 1.0, 1.0, 1.01, 0.98, 0.95, 1.02, 1.34)
_INJURY_BENEFITS = (0.95, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.98, 1.0, 1.22)
_FLAT = (1.0,) * MONTHS
_PENSION_INCREASE = 0.03  # annual increase, decided mid-year and back-paid in July
_PENSION_BENEFITS = (1.0,) * 6 + (1 + 7 * _PENSION_INCREASE,) + (1 + _PENSION_INCREASE,) * 5
# Fiscal subsidies arrive in tranches: about 55 % by the end of September (the September
# tranche varies by region, see _FISCAL_SEPTEMBER), the rest in November–December.
_FISCAL_LUMPS = (0, 0, 1.2, 0, 0, 2.4, 0, 0, 2.6, 0, 1.4, 4.4)
_FISCAL_SEPTEMBER = (0.75, 1.25)  # a region's September tranche × this; December evens out
_AUDIT_SEASON = (0.4, 0.6, 0.8, 1.0, 1.1, 1.2, 1.2, 1.2, 1.1, 1.2, 1.2, 1.0)
_QUARTERLY = (0, 0, 1.0, 0, 0, 1.0, 0, 0, 1.0, 0, 0, 1.0)
_HALF_YEARLY = (0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0, 1.5)
_DECEMBER = (0,) * 11 + (1.0,)
_JOB_SUPPORT = (0.3, 0.3, 0.5, 0.8, 1.5, 1.8, 1.8, 1.6, 1.2, 0.9, 0.7, 0.6)
_UNEMPLOYED_SEASON = (1.04, 1.08, 1.06, 1.02, 1.0, 0.99, 1.01, 1.0, 0.98, 0.97, 0.96, 0.97)

# Monthly pattern and noise (σ of a lognormal factor) of each line item.
_ITEM_PATTERN: Mapping[str, tuple[float, ...]] = MappingProxyType(
    {
        "fiscal_subsidy": _FISCAL_LUMPS,
        "interest": _QUARTERLY,
        "investment_income": _DECEMBER,
        "upper_subsidy": _HALF_YEARLY,
        "lower_subsidy": _HALF_YEARLY,
        "central_adjustment_in": _QUARTERLY,
        "central_adjustment_out": _QUARTERLY,
    }
)
_ITEM_NOISE: Mapping[str, float] = MappingProxyType(
    {
        "premium": 0.025,
        "fiscal_subsidy": 0.03,
        "interest": 0.05,
        "investment_income": 0.05,
        "transfer_in": 0.35,
        "transfer_out": 0.35,
        "upper_subsidy": 0.05,
        "lower_subsidy": 0.05,
        "central_adjustment_in": 0.03,
        "central_adjustment_out": 0.03,
        "other_income": 0.4,
        "other_expenditure": 0.15,
    }
)
_RETURN_ITEMS = frozenset({"interest", "investment_income"})
_SHARE_SPREAD: Mapping[str, float] = MappingProxyType(
    {"central_adjustment_in": 0.7, "central_adjustment_out": 0.35, "fiscal_subsidy": 0.12}
)


@dataclass(frozen=True)
class FundProfile:
    """What a fund looks like, at national scale in 2023.

    Money per inhabitant is in 10,000 yuan a year. ``employee`` funds grow with a region's
    wealth, resident funds less so. Shares are of the fund's income (other than premiums)
    and expenditure (other than benefits); premiums and benefits take the rest.
    """

    employee: bool
    expenditure_per_capita: float
    wealth_elasticity: float
    growth: float
    insured_share: float
    insured_growth: float
    coverage: tuple[float, float]
    collection: tuple[float, float]
    months: tuple[float, float]
    income_shares: tuple[tuple[str, float], ...]
    expenditure_shares: tuple[tuple[str, float], ...]
    premium_pattern: tuple[float, ...] = _EMPLOYEE_PREMIUM
    benefit_pattern: tuple[float, ...] = _FLAT
    benefit_noise: float = 0.05
    other_expenditure_pattern: tuple[float, ...] = _FLAT
    dependency: float | None = None  # contributors per retiree (pensions)
    dependency_trend: float = -0.012  # per year: ageing
    suspended_share: float = 0.05  # insured neither contributing nor retired, per contributor
    contribution_rate: float | None = None  # premiums ÷ contribution base
    contributor_share: float = 0.97  # contributors per insured (funds without retirees)
    inpatient_ratio: tuple[float, float] | None = None  # fund-paid share of inpatient costs
    inpatient_share: float = 0.55  # inpatient fund payments ÷ benefit expenditure
    cases_per_insured: float = 0.004  # benefit cases a month per insured
    # Expenditure per head of the benefit's people (retirees for pensions, the insured
    # otherwise) grows by a region's rate drawn from this range; None: ``growth`` in total.
    per_head_growth: tuple[float, float] | None = None
    drift: float = 0.012  # σ of the yearly random walk of expenditure around its trend
    months_trend: float = 0.0  # months a year the balance's usual coverage rises by
    months_curve: float = 0.0  # … plus this × (years from BASE_YEAR, at most 3)²: accelerating
    months_noise: float = 0.008  # σ of the yearly step of the months covered, × usual level
    return_rate: tuple[float, float] = (0.016, 0.025)  # interest + investment ÷ mean balance
    audit_findings: float = 10.0  # audit and inspection findings a year, typical region


# Benefit per retiree grows by about the annual pension adjustment (2 % in 2025, 3 % in
# 2024) plus the higher pensions of new retirees; medical spending per insured by 4–6 %
# (medical prices, ageing). Medical balances rose in 2021–2025: income grew a little
# faster than expenditure.
_PENSION_PER_HEAD = (0.025, 0.035)
# Where a pension follows a dated adjustment (parameters/policy.yaml), its benefit per
# retiree grows by the adjustment plus this premium of new retirees' higher pensions.
NEW_RETIREE_PREMIUM = (0.003, 0.012)
# The pooled fund's share of an employees' medical fund's expenditure: inpatient and
# outpatient pooled benefits; the rest is paid from personal accounts (2021 reform of the
# employees' outpatient mutual aid, Guobanfa [2021] No. 14, moved spending to the pool).
POOLED_SHARE = (0.72, 0.82)
_MEDICAL_PER_HEAD = (0.04, 0.06)
_MEDICAL_MONTHS_TREND = 0.15
_MEDICAL_MONTHS_CURVE = 0.042  # surpluses grow a little each year: income outgrows spending

# National 2023, hundred million yuan (expenditure ÷ 1.41 billion inhabitants → 万元 each):
# enterprise pension 54,900, public 9,200, residents' pension 4,600, employees' medical
# 17,700, residents' medical 10,400, work injury 1,100, unemployment 1,400.
PROFILES: Mapping[str, FundProfile] = MappingProxyType(
    {
        "enterprise_pension": FundProfile(
            employee=True,
            expenditure_per_capita=0.389,
            wealth_elasticity=1.0,
            growth=0.065,
            insured_share=0.33,
            insured_growth=0.015,
            coverage=(0.93, 0.975),
            collection=(0.955, 0.99),
            months=(13.5, 18.0),
            income_shares=(
                ("fiscal_subsidy", 0.16),
                ("interest", 0.012),
                ("investment_income", 0.012),
                ("transfer_in", 0.012),
                ("central_adjustment_in", 0.07),
                ("other_income", 0.004),
            ),
            expenditure_shares=(
                ("transfer_out", 0.012),
                ("central_adjustment_out", 0.075),
                ("other_expenditure", 0.006),
            ),
            benefit_pattern=_PENSION_BENEFITS,
            benefit_noise=0.004,
            per_head_growth=_PENSION_PER_HEAD,
            drift=0.002,
            audit_findings=14.0,
            dependency=2.5,
            dependency_trend=-0.015,
            suspended_share=0.08,
            contribution_rate=0.24,
        ),
        "resident_pension": FundProfile(
            employee=False,
            expenditure_per_capita=0.0326,
            wealth_elasticity=0.2,
            growth=0.06,
            insured_share=0.385,
            insured_growth=0.003,
            coverage=(0.95, 0.99),
            collection=(0.955, 0.99),
            months=(18.0, 36.0),
            income_shares=(
                ("fiscal_subsidy", 0.68),
                ("interest", 0.03),
                ("investment_income", 0.03),
                ("transfer_in", 0.004),
                ("upper_subsidy", 0.01),
                ("other_income", 0.003),
            ),
            expenditure_shares=(("transfer_out", 0.004), ("other_expenditure", 0.005)),
            premium_pattern=_RESIDENT_PENSION_PREMIUM,
            benefit_pattern=_PENSION_BENEFITS,
            benefit_noise=0.004,
            per_head_growth=_PENSION_PER_HEAD,
            drift=0.002,
            dependency=2.0,
            dependency_trend=-0.01,
        ),
        "public_pension": FundProfile(
            employee=True,
            expenditure_per_capita=0.0652,
            wealth_elasticity=0.5,
            growth=0.07,
            insured_share=0.045,
            insured_growth=0.005,
            coverage=(0.97, 0.995),
            collection=(0.97, 0.995),
            months=(7.5, 11.0),
            income_shares=(
                ("fiscal_subsidy", 0.4),
                ("interest", 0.01),
                ("transfer_in", 0.01),
                ("upper_subsidy", 0.005),
                ("other_income", 0.004),
            ),
            expenditure_shares=(("transfer_out", 0.01), ("other_expenditure", 0.006)),
            benefit_pattern=_PENSION_BENEFITS,
            benefit_noise=0.004,
            per_head_growth=_PENSION_PER_HEAD,
            drift=0.002,
            dependency=1.8,
            dependency_trend=-0.01,
            suspended_share=0.02,
            contribution_rate=0.24,
        ),
        "employee_medical": FundProfile(
            employee=True,
            expenditure_per_capita=0.1255,
            wealth_elasticity=1.0,
            growth=0.07,
            insured_share=0.26,
            insured_growth=0.015,
            coverage=(0.95, 0.985),
            collection=(0.955, 0.99),
            months=(6.5, 8.1),  # in 2023; rising by months_trend a year
            income_shares=(
                ("fiscal_subsidy", 0.008),
                ("interest", 0.02),
                ("transfer_in", 0.004),
                ("other_income", 0.004),
            ),
            expenditure_shares=(("transfer_out", 0.004), ("other_expenditure", 0.008)),
            benefit_pattern=_MEDICAL_BENEFITS,
            benefit_noise=0.02,
            contributor_share=0.74,  # retired employees do not contribute
            inpatient_ratio=(0.80, 0.86),
            inpatient_share=0.55,
            cases_per_insured=0.5,
            per_head_growth=_MEDICAL_PER_HEAD,
            drift=0.003,
            months_trend=_MEDICAL_MONTHS_TREND,
            months_curve=_MEDICAL_MONTHS_CURVE,
            months_noise=0.002,
            audit_findings=16.0,
        ),
        "resident_medical": FundProfile(
            employee=False,
            expenditure_per_capita=0.0738,
            wealth_elasticity=0.1,
            growth=0.06,
            insured_share=0.68,
            insured_growth=-0.01,
            coverage=(0.95, 0.985),
            collection=(0.955, 0.99),
            months=(6.3, 8.0),  # in 2023; rising by months_trend a year
            income_shares=(
                ("fiscal_subsidy", 0.62),
                ("interest", 0.012),
                ("transfer_in", 0.002),
                ("upper_subsidy", 0.01),
                ("other_income", 0.004),
            ),
            expenditure_shares=(("transfer_out", 0.003), ("other_expenditure", 0.012)),
            premium_pattern=_RESIDENT_MEDICAL_PREMIUM,
            benefit_pattern=_MEDICAL_BENEFITS,
            benefit_noise=0.02,
            contributor_share=0.985,
            inpatient_ratio=(0.62, 0.70),
            inpatient_share=0.62,
            cases_per_insured=0.2,
            per_head_growth=_MEDICAL_PER_HEAD,
            drift=0.003,
            months_trend=_MEDICAL_MONTHS_TREND,
            months_curve=_MEDICAL_MONTHS_CURVE,
            months_noise=0.002,
            audit_findings=14.0,
        ),
        "work_injury": FundProfile(
            employee=True,
            expenditure_per_capita=0.0078,
            wealth_elasticity=0.9,
            growth=0.05,
            insured_share=0.21,
            insured_growth=0.02,
            coverage=(0.92, 0.98),
            collection=(0.955, 0.99),
            months=(10.0, 20.0),
            income_shares=(
                ("fiscal_subsidy", 0.015),
                ("interest", 0.035),
                ("transfer_in", 0.005),
                ("upper_subsidy", 0.01),
                ("other_income", 0.006),
            ),
            # other expenditure: prevention (about 60 %), capability assessments and the like
            expenditure_shares=(("transfer_out", 0.004), ("other_expenditure", 0.026)),
            benefit_pattern=_INJURY_BENEFITS,
            benefit_noise=0.05,
            cases_per_insured=0.004,
            audit_findings=6.0,
        ),
        "unemployment": FundProfile(
            employee=True,
            expenditure_per_capita=0.0099,
            wealth_elasticity=0.9,
            growth=0.03,
            insured_share=0.17,
            insured_growth=0.02,
            coverage=(0.92, 0.98),
            collection=(0.955, 0.99),
            months=(14.0, 22.0),
            income_shares=(
                ("fiscal_subsidy", 0.01),
                ("interest", 0.06),
                ("transfer_in", 0.004),
                ("upper_subsidy", 0.015),
                ("other_income", 0.004),
            ),
            expenditure_shares=(("transfer_out", 0.004), ("other_expenditure", 0.3)),
            benefit_pattern=_FLAT,
            benefit_noise=0.05,
            other_expenditure_pattern=_JOB_SUPPORT,  # job-stabilisation refunds mid-year
            audit_findings=6.0,
        ),
    }
)
_GROUP_PROFILE: Mapping[str, str] = MappingProxyType(
    {
        "pension": "enterprise_pension",
        "medical": "employee_medical",
        "work_injury": "work_injury",
        "unemployment": "unemployment",
    }
)


def fund_profile(fund: Fund) -> FundProfile:
    """The generator's profile of ``fund``: its own, or that of its group for a fund type
    added to the registry later (a pension fund looks like the enterprise pension)."""
    if fund.code in PROFILES:
        return PROFILES[fund.code]
    return PROFILES[_GROUP_PROFILE.get(fund.group, "work_injury")]


# --------------------------------------------------------------------------- texts

_EVIDENCE: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "target_setting_quality": MappingProxyType(
            {
                "achieved": (
                    "已按规定设定绩效目标并分解下达，目标与预算同步编报、同步审核",
                    "绩效目标覆盖收入、支出和结余，指标细化量化，与中长期规划衔接",
                ),
                "partly": (
                    "绩效目标已设定，但部分指标未细化量化，分解下达不够及时",
                    "年度目标与预算同步编报，个别指标目标值依据不充分",
                ),
                "not_achieved": ("未按规定设定年度绩效目标，目标与预算编制脱节",),
            }
        ),
        "fund_management_compliance": MappingProxyType(
            {
                "achieved": (
                    "基金纳入社会保障基金财政专户，实行收支两条线管理，会计核算规范，未发现违规问题",
                    "基金收支、结余管理符合规定，内控制度健全，审计未发现问题",
                ),
                "partly": (
                    "基金管理总体规范，审计发现个别待遇重复领取问题，已督促整改",
                    "个别月份基金上解不及时，财务核算存在科目使用不规范问题",
                ),
                "not_achieved": ("审计发现挤占挪用基金问题，内控制度执行不到位",),
            }
        ),
        "policy_refinement": MappingProxyType(
            {
                "achieved": (
                    "结合基金运行情况及时修订基金管理办法和配套政策，履行论证和审批程序",
                    "根据上级政策调整及时制定实施细则，政策调整前开展基金收支测算",
                ),
                "partly": (
                    "基金管理办法已修订，但个别配套政策调整滞后于上级政策",
                    "政策调整前的基金收支测算不够充分",
                ),
                "not_achieved": ("基金管理相关政策多年未修订，与现行上级政策不衔接",),
            }
        ),
        "budget_preparation_basis": MappingProxyType(
            {
                "achieved": (
                    "预算结合经济社会发展、参保扩面和待遇调整政策编制，附基金收支精算测算",
                    "预算编制依据充分，收支预测方法和参数有书面说明",
                ),
                "partly": (
                    "预算编制考虑了参保和待遇政策，但未开展收支测算",
                    "预算编制依据说明不够完整，部分参数取值无依据",
                ),
                "not_achieved": ("预算按上年执行数简单增长编制，无编制依据说明",),
            }
        ),
        "policy_implementation": MappingProxyType(
            {
                "achieved": (
                    "国家和省级社会保险政策全面落实，待遇调整、缴费基数等政策按时执行到位",
                    "政策执行情况定期评估并向社会公开",
                ),
                "partly": (
                    "主要政策已落实，个别配套政策出台滞后，政策宣传解读不够到位",
                    "待遇调整政策执行到位，但扩面征缴相关政策落实进度偏慢",
                ),
                "not_achieved": ("部分国家政策未按时落实，存在自行调整待遇标准问题",),
            }
        ),
        "risk_prevention": MappingProxyType(
            {
                "achieved": (
                    "建立基金运行分析和风险预警机制，按季度开展运行分析，未发生重大风险",
                    "落实经办内控和信息系统权限管理，开展疑点数据核查，风险防控机制运行有效",
                ),
                "partly": (
                    "已建立风险预警机制，但运行分析不够深入，预警指标未及时跟踪处置",
                    "疑点数据核查覆盖面不足，个别风险点整改不到位",
                ),
                "not_achieved": ("风险预警机制未有效运行，基金收支缺口扩大未及时采取应对措施",),
            }
        ),
        "satisfaction": MappingProxyType(
            {
                "achieved": (
                    "参保对象满意度调查满意率达95%以上",
                    "第三方满意度调查满意率92%，经办服务评价良好",
                ),
                "partly": (
                    "满意度调查满意率85%左右，经办服务便捷性有待提升",
                    "参保对象对待遇发放时效的满意度偏低，满意率约83%",
                ),
                "not_achieved": ("满意度调查满意率低于75%，投诉较多",),
            }
        ),
    }
)
_EVIDENCE_FALLBACK: Mapping[str, str] = MappingProxyType(
    {
        "achieved": "经查阅资料和实地核查，指标目标已实现",
        "partly": "经查阅资料和实地核查，指标目标部分实现",
        "not_achieved": "经查阅资料和实地核查，指标目标未实现",
    }
)

# (reason, improvement measure) per indicator, as an agency writes them (Art. 18).
_EXPLANATIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "premium_collection_rate": (
            "受部分行业企业生产经营困难影响，欠缴保险费增加，下半年征缴进度明显放缓",
            "联合税务部门开展欠费清缴专项行动，建立重点欠费企业台账，按月跟踪督办",
        ),
        "expenditure_budget_execution": (
            "年初预算对待遇调整和享受待遇人数增长预计偏高，实际支出低于预算",
            "改进预算编制方法，结合历年执行情况和精算测算合理确定支出规模，及时调整预算",
        ),
        "budget_preparation_accuracy": (
            "预算编制时对参保人数和待遇水平变化预测不足，执行数与年初预算偏差较大",
            "加强基础数据比对和趋势分析，建立预算编制与执行分析联动机制",
        ),
        "benefits_paid_on_time": (
            "信息系统升级切换期间部分待遇发放延迟，次月已全部补发到位",
            "完善系统切换应急预案，建立待遇发放日监测和异常预警机制",
        ),
        "months_covered": (
            "参保人数下降、医疗费用较快增长，基金连续出现当期收不抵支，累计结余持续减少",
            "加强基金运行分析和风险预警，深化支付方式改革，控制不合理费用增长，申请上级调剂资金",
        ),
        "current_year_balance": (
            "待遇支出增长快于筹资增长，当年基金收不抵支",
            "合理调整筹资标准，加强支出管理和医疗费用监控，确保基金收支平衡",
        ),
        "fiscal_subsidy_arrival": (
            "受地方财力影响，部分财政补助资金年底前未及时拨付到位",
            "加强与财政部门沟通，建立补助资金按季拨付和到位情况通报机制",
        ),
        "income_budget_execution": (
            "财政补助资金未足额到位，基金收入未完成预算",
            "督促补助资金及时足额到位，加强收入预算执行监控",
        ),
        "coverage_rate": (
            "部分企业关停并转，灵活就业和新业态从业人员参保意愿不足，参保人数下降",
            "实施全民参保计划精准扩面，加强部门数据比对和参保动员",
        ),
        "insured_persons": (
            "受企业关停和人员流动影响，参保人数未达年度目标",
            "开展参保扩面专项行动，对重点企业和新就业形态人员精准服务",
        ),
        "target_setting_quality": (
            "部分绩效指标未细化量化，目标值设定依据不够充分",
            "对照指标体系细化量化绩效目标，运用历史数据和精算测算合理设定目标值",
        ),
        "fund_management_compliance": (
            "审计发现个别待遇重复领取、财务核算不够规范等问题",
            "健全基金内控制度，开展待遇资格认证和数据比对，追回违规资金并完成整改",
        ),
        "fiscal_subsidy_timeliness": (
            "受财政收支进度影响，第三季度补助资金拨付延迟，前三季度到位比例偏低",
            "与财政部门建立补助资金拨付时间表，按季度预拨并跟踪到位进度",
        ),
        "audit_rectification_rate": (
            "部分审计发现问题涉及追回资金和跨部门协调，年内未能全部完成整改",
            "建立问题整改台账和销号制度，明确责任单位和时限，定期通报整改进度",
        ),
        "subsidy_dependence": (
            "保险费收入增长放缓，基金收入对财政补助的依赖程度上升",
            "加强征缴扩面，提高筹资水平，逐步降低对财政补助的依赖",
        ),
        "other_expenditure_share": (
            "其他支出增长较快，占基金支出比重超过目标",
            "规范其他支出范围和标准，严格审核，控制非待遇性支出",
        ),
        "fund_return_rate": (
            "存款利率下调，基金结余以活期和短期存款为主，收益率偏低",
            "优化结余资金存期结构，按规定委托投资运营，提高基金收益",
        ),
        "average_benefit_growth": (
            "新增退休人员待遇水平变化及待遇调整政策执行因素，人均待遇增幅偏离调整幅度",
            "严格执行待遇调整政策，加强待遇核定审核和增幅监测",
        ),
        "central_adjustment_execution": (
            "上解和下拨资金清算时间与预算安排不一致，执行率偏离预算",
            "按全国统筹调剂制度要求及时足额上解和拨付，加强预算衔接",
        ),
        "expenditure_income_growth_gap": (
            "医疗费用增长较快，基金支出增速高于收入增速",
            "深化医保支付方式改革，加强医疗费用监控，合理确定筹资标准",
        ),
        "per_capita_expenditure_growth": (
            "参保人数下降而医疗费用支出未同步减少，人均基金支出增长过快",
            "加强医疗服务行为监管和费用审核，控制不合理医疗费用增长",
        ),
        "dependency_ratio": (
            "缴费人数减少而领取待遇人数持续增加，制度抚养比下降",
            "扩大参保覆盖面，引导灵活就业人员参保缴费，提高缴费人数",
        ),
        "prevention_spending_share": (
            "工伤预防项目立项和实施进度偏慢，预防费使用比例偏离合理区间",
            "科学编制工伤预防项目计划，加快项目实施，规范预防费使用",
        ),
        "reserve_ratio": (
            "基金支出增长较快，储备金提取不足，储备金规模低于规定比例",
            "按规定足额提取储备金，加强储备金管理",
        ),
        "skills_subsidy_share": (
            "技能提升补贴政策宣传不够，申领人数偏少，补贴支出比重偏低",
            "加大政策宣传，简化申领流程，推动技能提升补贴“免申即享”",
        ),
        "policy_refinement": (
            "基金管理相关政策修订滞后，调整前测算论证不充分",
            "建立政策定期评估修订机制，政策调整前开展基金收支精算测算",
        ),
        "budget_preparation_basis": (
            "预算编制未结合参保和待遇政策变化开展测算，编制依据不充分",
            "预算编制附收支测算和参数说明，结合精算分析合理确定收支规模",
        ),
        "policy_implementation": (
            "部分配套政策出台滞后，政策落实进度未达预期",
            "梳理政策落实清单，明确时间表，加强政策执行情况督导评估",
        ),
        "risk_prevention": (
            "基金运行风险预警机制未有效运行，收支缺口扩大未及时采取应对措施",
            "健全基金运行分析和风险预警机制，制定收支平衡应对预案，按月监测",
        ),
        "satisfaction": (
            "经办服务便捷性和待遇发放时效与参保群众期望仍有差距",
            "推进经办服务数字化，压缩办理时限，畅通咨询投诉渠道",
        ),
    }
)
_EXPLANATION_EXCESS = (
    "基金收入增长快于支出，累计结余规模偏大，可支付月数超出合理区间",
    "科学测算合理结余水平，适度提高保障待遇，优化筹资和支出政策",
)
_EXPLANATION_FALLBACK = (
    "受政策调整和经济形势影响，指标未达到年度目标",
    "加强执行监控和分析，针对薄弱环节制定整改措施",
)


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, *labels: str) -> np.random.Generator:
    """An independent generator for (seed, labels): stable across runs and Python versions."""
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


def _pattern(values: Sequence[float]) -> np.ndarray:
    """A monthly pattern scaled to sum to 12 (so annual × pattern ÷ 12 is a month)."""
    arr = np.asarray(values, dtype="float64")
    return arr * (MONTHS / arr.sum())


def _text(values: Sequence[str], index: np.ndarray) -> pd.Series:
    """Text column: ``values`` taken at ``index`` (built in Arrow: fast for millions of rows)."""
    taken = pa.array(list(values), type=pa.string()).take(pa.array(np.asarray(index)))
    return pd.Series(taken, dtype="str")


def _plan_periods(first: int, last: int) -> list[tuple[int, int]]:
    """The five-year plan periods (2021–2025, 2026–2030, …) that overlap [first, last]."""
    k0 = (first - PLAN_ANCHOR) // PLAN_LENGTH
    k1 = (last - PLAN_ANCHOR) // PLAN_LENGTH
    return [
        (PLAN_ANCHOR + k * PLAN_LENGTH, PLAN_ANCHOR + (k + 1) * PLAN_LENGTH - 1)
        for k in range(k0, k1 + 1)
    ]


# --------------------------------------------------------------------------- geography


def _province_prefix(i: int) -> int:
    """Two-digit prefix of the i-th province: 91–99, then 81–89, …"""
    return (9 - i // 9) * 10 + 1 + i % 9


def _random_names(n: int, rng: np.random.Generator) -> list[_Place]:
    """``n`` distinct fictional place names (Chinese, English) without their suffix."""
    combos = [(h[0] + t[0], h[1] + t[1]) for h in _NAME_HEADS for t in _NAME_TAILS]
    order = rng.permutation(len(combos))
    names = []
    for k in range(n):
        zh, en = combos[order[k % len(combos)]]
        rounds = k // len(combos)
        names.append((zh, en) if rounds == 0 else (f"{zh}{rounds + 1}", f"{en} {rounds + 1}"))
    return names


def _sizes(
    sizes: Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parent index, population and wealth of the prefectures of provinces of ``sizes``."""
    parent = np.repeat(np.arange(len(sizes)), sizes)
    population = np.exp(rng.normal(np.log(3.8e6), 0.4, len(parent)))
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    population[first] *= 1.6  # the provincial capital
    province_wealth = np.exp(rng.normal(0.0, 0.22, len(sizes)))
    wealth = province_wealth[parent] * np.exp(rng.normal(0.0, 0.1, len(parent)))
    return parent, np.round(population, -3), wealth


def _random_geography(
    provinces: int, regions_per_province: int | tuple[int, int], seed: int
) -> _Geography:
    """A country of ``provinces`` provinces with fictional names and codes 910000, 920000, …"""
    if not 1 <= provinces <= MAX_PROVINCES:
        raise ValueError(f"provinces must be between 1 and {MAX_PROVINCES}, not {provinces}")
    lo, hi = (
        (regions_per_province, regions_per_province)
        if isinstance(regions_per_province, int | np.integer)
        else tuple(regions_per_province)
    )
    if not 1 <= lo <= hi <= MAX_PREFECTURES:
        raise ValueError(
            f"regions per province must be between 1 and {MAX_PREFECTURES} (lowest first), "
            f"not {regions_per_province}"
        )
    rng = _rng(seed, "geography")
    sizes = rng.integers(lo, hi + 1, provinces)
    names = _random_names(provinces + int(sizes.sum()), rng)
    prefixes = [_province_prefix(i) for i in range(provinces)]
    province_rows = tuple(
        (f"{p}0000", f"{zh}省", f"{en} Province")
        for p, (zh, en) in zip(prefixes, names[:provinces], strict=True)
    )
    parent, population, wealth = _sizes(sizes.tolist(), rng)
    within = np.arange(len(parent)) - np.r_[0, np.cumsum(sizes)[:-1]][parent] + 1
    prefecture_rows = tuple(
        (f"{prefixes[p]}{k:02d}00", f"{zh}市", f"{en} City")
        for p, k, (zh, en) in zip(parent, within, names[provinces:], strict=True)
    )
    return _Geography(
        country=(COUNTRY_CODE, "模拟国", "Simuland"),
        provinces=province_rows,
        prefectures=prefecture_rows,
        parent=parent,
        population=population,
        wealth=wealth,
    )


def _demo_geography(seed: int) -> _Geography:
    """The demo country: 3 provinces of 4, 5 and 6 prefectures (:data:`DEMO_GEOGRAPHY`)."""
    rng = _rng(seed, "geography")
    sizes = [len(prefs) for _, _, prefs in DEMO_GEOGRAPHY]
    parent, population, wealth = _sizes(sizes, rng)
    provinces = tuple((code, f"{zh}省", f"{en} Province") for code, (zh, en), _ in DEMO_GEOGRAPHY)
    prefectures = tuple(
        (f"{code[:2]}{k + 1:02d}00", f"{zh}市", f"{en} City")
        for code, _, prefs in DEMO_GEOGRAPHY
        for k, (zh, en) in enumerate(prefs)
    )
    return _Geography(DEMO_COUNTRY, provinces, prefectures, parent, population, wealth)


def _regions_table(geo: _Geography) -> pd.DataFrame:
    """The regions table: country, provinces, prefectures (codes as text)."""
    rows = [(*geo.country, "country", None)]
    rows += [(*p, "province", geo.country[0]) for p in geo.provinces]
    rows += [
        (*pref, "prefecture", geo.provinces[i][0])
        for pref, i in zip(geo.prefectures, geo.parent, strict=True)
    ]
    frame = pd.DataFrame(
        rows, columns=["region_code", "name_zh", "name_en", "level", "parent_code"]
    )
    return frame.astype("str")


@dataclass(frozen=True)
class _Pairs:
    """The coordinating regions of one fund (Art. 6)."""

    codes: tuple[str, ...]
    province: np.ndarray  # province index of each
    population: np.ndarray
    wealth: np.ndarray


def _pairs(geo: _Geography, level: str) -> _Pairs:
    """A fund's coordinating regions: each province, or each prefecture."""
    if level == "prefecture":
        return _Pairs(tuple(p[0] for p in geo.prefectures), geo.parent, geo.population, geo.wealth)
    n = len(geo.provinces)
    population = np.bincount(geo.parent, weights=geo.population, minlength=n)
    wealth = np.bincount(geo.parent, weights=geo.population * geo.wealth, minlength=n) / population
    return _Pairs(tuple(p[0] for p in geo.provinces), np.arange(n), population, wealth)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class _FundData:
    """One fund's simulated arrays over its P coordinating regions, Y years and 12 months."""

    fund: Fund
    pairs: _Pairs
    income: np.ndarray  # [P, Y, 12, Ki] executed
    expenditure: np.ndarray  # [P, Y, 12, Ke] executed
    balance_start: np.ndarray  # [P, Y]
    balance_end: np.ndarray  # [P, Y, 12]
    planned_income: np.ndarray  # [P, Y, Ki] annual, before planted shocks
    planned_expenditure: np.ndarray  # [P, Y, Ke]
    stats: dict[str, np.ndarray]  # stat -> [P, Y, 12]
    plan: dict[str, np.ndarray]  # planned indicator values -> [P, Y]
    months_path: np.ndarray  # [P, Y] months of expenditure the balance is steered to


def _shares(
    items: tuple[str, ...], given: tuple[tuple[str, float], ...], rest: str, rng, n: int
) -> np.ndarray:
    """[n, K] shares of ``items`` (noisy around ``given``); ``rest`` takes what is left."""
    base = dict(given)
    out = np.zeros((n, len(items)))
    for k, item in enumerate(items):
        if item != rest and base.get(item, 0.0) > 0:
            out[:, k] = base[item] * np.exp(rng.normal(0.0, _SHARE_SPREAD.get(item, 0.25), n))
    if rest in items:
        out[:, items.index(rest)] = np.maximum(1.0 - out.sum(axis=1), 0.05)
    return out / out.sum(axis=1, keepdims=True)


def _item_patterns(items: tuple[str, ...], profile: FundProfile) -> np.ndarray:
    """[K, 12] monthly pattern of each item."""
    special = {
        "premium": profile.premium_pattern,
        "benefits": profile.benefit_pattern,
        "other_expenditure": profile.other_expenditure_pattern,
    }
    return np.stack([_pattern(special.get(i) or _ITEM_PATTERN.get(i, _FLAT)) for i in items])


def _item_noise(
    items: tuple[str, ...], profile: FundProfile, rng, shape: tuple[int, ...]
) -> np.ndarray:
    """Lognormal monthly noise factors, [*shape, K]."""
    sigma = np.array(
        [profile.benefit_noise if i == "benefits" else _ITEM_NOISE.get(i, 0.1) for i in items]
    )
    return np.exp(rng.normal(0.0, 1.0, (*shape, len(items))) * sigma)


def _months_path(
    profile: FundProfile, scenarios: Sequence[Scenario], codes: tuple[str, ...], years, rng
) -> np.ndarray:
    """[P, Y+1] months of expenditure the balance covers at each year end (column 0: the
    end of the year before the first): each region's usual level (rising by the fund's
    ``months_trend`` and ``months_curve``) plus an autoregressive deviation. A low reserve falls ever
    faster over the four years before its year (deepening deficits), an excess rises."""
    n, y = len(codes), len(years)
    lo, hi = profile.months
    usual = rng.uniform(lo, hi, n)
    t = np.arange(years[0] - 1, years[-1] + 1, dtype="float64") - BASE_YEAR
    deviation = np.empty((n, y + 1))
    deviation[:, 0] = rng.normal(0.0, 0.02 * (hi - lo), n)
    steps = rng.normal(0.0, profile.months_noise, (n, y)) * usual[:, None]
    for j in range(y):
        deviation[:, j + 1] = 0.7 * deviation[:, j] + steps[:, j]
    trend = profile.months_trend * t + profile.months_curve * np.clip(t, -3.0, 3.0) ** 2
    path = usual[:, None] + trend[None, :] + deviation
    index = {c: i for i, c in enumerate(codes)}
    for s in scenarios:
        if s.kind not in ("low_reserve", "excess_reserve") or s.year not in years:
            continue
        p, end = index[s.region], years.index(s.year) + 1
        low = s.kind == "low_reserve"
        value = LOW_RESERVE_MONTHS if low else EXCESS_RESERVE_MONTHS
        begin = max(0, end - 4)
        step = np.linspace(0.0, 1.0, end - begin + 1)
        path[p, begin : end + 1] = path[p, begin] + (value - path[p, begin]) * (
            step**2 if low else step
        )
        path[p, end + 1 :] = value * (0.95 if low else 1.04)
    return path


@dataclass(frozen=True)
class _People:
    """Planned numbers of people of one fund, before planted shocks."""

    insured: np.ndarray  # [P, Y, 12]
    coverage: np.ndarray  # [P, Y] insured ÷ population required to be insured
    dependency: np.ndarray | None  # [P, Y] contributors per retiree (pensions)
    per_retiree: np.ndarray | None  # [P, Y] insured per retiree
    heads: np.ndarray  # [P, Y] the benefit's people in December ÷ those of December BASE_YEAR


def _people(profile: FundProfile, pairs: _Pairs, years: tuple[int, ...], rng) -> _People:
    """Insured persons, coverage and (pensions) dependency of the fund's regions."""
    n, ny = len(pairs.codes), len(years)
    t = np.asarray(years, dtype="float64") - BASE_YEAR
    month_t = t[None, :, None] + (np.arange(MONTHS)[None, None, :] + 1 - MONTHS) / MONTHS
    elasticity = 0.8 if profile.employee else -0.3
    insured0 = (
        pairs.population
        * profile.insured_share
        * pairs.wealth**elasticity
        * np.exp(rng.normal(0, 0.05, n))
    )
    growth = profile.insured_growth + rng.normal(0, 0.006, n)
    insured = np.rint(insured0[:, None, None] * (1 + growth[:, None, None]) ** month_t)
    lo, hi = profile.coverage
    coverage = np.clip(
        rng.uniform(lo, hi, n)[:, None]
        + 0.002 * (t - t[0])[None, :]
        + rng.normal(0, 0.002, (n, ny)),
        lo - 0.01,
        0.995,
    )
    heads = (1 + growth[:, None]) ** t[None, :]
    dependency = per_retiree = None
    if profile.dependency is not None:
        level = profile.dependency * np.exp(rng.normal(0, 0.06, n))[:, None]
        dependency = level * (1 + profile.dependency_trend) ** t[None, :]
        per_retiree = 1 + dependency * (1 + profile.suspended_share)
        heads = heads * (1 + level * (1 + profile.suspended_share)) / per_retiree
    return _People(insured, coverage, dependency, per_retiree, heads)


def _simulate(
    fund: Fund,
    pairs: _Pairs,
    years: tuple[int, ...],
    scenarios: Sequence[Scenario],
    seed: int,
    benefit_growth: np.ndarray | None = None,
) -> _FundData:
    """Simulate one fund's flows, balances and statistics for all its coordinating regions.
    ``benefit_growth`` ([Y], optional) is the policy's growth of the benefit per head each
    year (a pension adjustment): each region's benefits per head then grow by it plus the
    region's own premium of new retirees' higher pensions."""
    profile = fund_profile(fund)
    rng = _rng(seed, "fund", fund.code)
    n, ny = len(pairs.codes), len(years)
    inc_items, exp_items = fund.income_items, fund.expenditure_items
    ki, ke = len(inc_items), len(exp_items)
    index = {c: i for i, c in enumerate(pairs.codes)}
    own = [s for s in scenarios if s.fund == fund.code and s.region in index and s.year in years]
    people = _people(profile, pairs, years, _rng(seed, "people", fund.code))

    expected = _expected_expenditure(profile, pairs, years, people, benefit_growth, rng)
    inc_share = _shares(inc_items, profile.income_shares, "premium", rng, n)
    _without_subsidy(
        inc_share, inc_items, [index[s.region] for s in own if s.kind == "no_fiscal_subsidy"]
    )
    exp_share = _shares(exp_items, profile.expenditure_shares, "benefits", rng, n)
    inc_pat, exp_pat = _item_patterns(inc_items, profile), _item_patterns(exp_items, profile)
    inc_noise = _item_noise(inc_items, profile, rng, (n, ny, MONTHS))
    exp_noise = _item_noise(exp_items, profile, rng, (n, ny, MONTHS))
    path = _months_path(profile, own, pairs.codes, years, rng)
    plan: dict[str, np.ndarray] = {}

    # Interest and investment income earn a return on the balance; the other items share
    # the rest of the income needed.
    earning = np.array([i in _RETURN_ITEMS for i in inc_items])
    return_split = np.where(earning, inc_share, 0.0)
    has_return = return_split.sum(axis=1) > 0
    return_split = return_split / np.where(has_return, return_split.sum(axis=1), 1.0)[:, None]
    rest_share = np.where(earning, 0.0, inc_share)
    rest_share = rest_share / rest_share.sum(axis=1, keepdims=True)
    return_rate = rng.uniform(*profile.return_rate, n)[:, None] + rng.normal(0, 8e-4, (n, ny))
    plan["return_rate"] = return_rate

    # Each region's September subsidy tranche is bigger or smaller; December evens it out.
    if "fiscal_subsidy" in inc_items:
        k = inc_items.index("fiscal_subsidy")
        pat = inc_pat[k]
        u = rng.uniform(*_FISCAL_SEPTEMBER, n)
        timing = np.ones((n, MONTHS))
        timing[:, 8] = u
        timing[:, 11] = 1 + (1 - u) * pat[8] / pat[11]
        inc_noise[..., k] *= timing[:, None, :]
        q3 = (pat[:9] * timing[:, :9]).sum(axis=1) / MONTHS
        plan["subsidy_by_september"] = np.broadcast_to(q3[:, None], (n, ny))

    # Monthly income varies, but each item's year adds up to what was planned: the income
    # needed is steered each year, so annual noise would only echo into the next year.
    weights = inc_pat.T[None, None] * inc_noise
    inc_noise /= weights.sum(axis=2, keepdims=True) / inc_pat.sum(axis=1)[None, None, None, :]

    # Planted shocks on executed amounts (multipliers of the planned months).
    inc_mult = np.ones((n, ny, MONTHS, ki))
    exp_mult = np.ones((n, ny, MONTHS, ke))
    for s in own:
        p, y = index[s.region], years.index(s.year)
        if s.kind == "premium_shortfall" and "premium" in inc_items:
            inc_mult[p, y, 6:, inc_items.index("premium")] = 0.8
        elif s.kind == "subsidy_shortfall" and "fiscal_subsidy" in inc_items:
            # The September tranche is held back; in December less arrives than both.
            k = inc_items.index("fiscal_subsidy")
            w = inc_pat[k] * inc_noise[p, y, :, k]
            inc_mult[p, y, 8, k] = 0.0
            inc_mult[p, y, 11, k] = (SUBSIDY_ARRIVAL * w.sum() - (w.sum() - w[8] - w[11])) / w[11]
        elif s.kind == "transfer_spike" and s.item in inc_items:
            k, m = inc_items.index(s.item), (s.month or 6) - 1
            inc_mult[p, y, m, k] = SPIKE_FACTOR / inc_noise[p, y, m, k]
        elif s.kind == "never_executed" and s.item in inc_items:
            inc_mult[p, y, :, inc_items.index(s.item)] = 0.0
        elif s.kind == "never_executed" and s.item in exp_items:
            exp_mult[p, y, :, exp_items.index(s.item)] = 0.0

    income = np.zeros((n, ny, MONTHS, ki))
    expenditure = np.zeros((n, ny, MONTHS, ke))
    planned_income = np.zeros((n, ny, ki))
    planned_expenditure = np.zeros((n, ny, ke))
    balance_end = np.zeros((n, ny, MONTHS))
    balance_start = np.zeros((n, ny))
    first_growth = expected[:, 1] / expected[:, 0] if ny > 1 else 1 + profile.growth
    previous_year = expected[:, 0] / first_growth
    opening = np.round(path[:, 0] * previous_year / MONTHS, 2)
    for y in range(ny):
        months = expected[:, y, None, None] * exp_share[:, None, :] * exp_pat.T[None] / MONTHS
        months = months * exp_noise[:, y]
        planned_expenditure[:, y] = np.round(months, 2).sum(axis=1)
        expenditure[:, y] = np.round(months * exp_mult[:, y], 2)
        spent = expenditure[:, y].sum(axis=(1, 2))
        # Income that steers the year-end balance to the path (months of the expected
        # expenditure: its noise is not amplified into the income).
        closing = path[:, y + 1] * expected[:, y] / MONTHS
        needed = np.maximum(closing - opening + spent, 0.3 * spent)
        earned = return_rate[:, y] * np.maximum(opening + closing, 0.0) / 2 * has_return
        rest = np.maximum(needed - earned, 0.3 * spent)
        annual = earned[:, None] * return_split + rest[:, None] * rest_share
        months = annual[:, None, :] * inc_pat.T[None] / MONTHS * inc_noise[:, y]
        planned_income[:, y] = np.round(months, 2).sum(axis=1)
        income[:, y] = np.round(months * inc_mult[:, y], 2)
        net = income[:, y].sum(axis=2) - expenditure[:, y].sum(axis=2)
        balance_start[:, y] = opening
        balance_end[:, y] = np.round(opening[:, None] + np.cumsum(net, axis=1), 2)
        opening = balance_end[:, y, -1]

    plan["other_share"] = _planned_share(planned_expenditure, exp_items, "other_expenditure")
    plan["subsidy_share"] = _planned_share(planned_income, inc_items, "fiscal_subsidy")
    stats, more = _statistics(
        fund, profile, pairs, years, own, people, income, expenditure, inc_mult, rng
    )
    plan.update(more)
    money, more = _money_statistics(fund, years, income, expenditure, balance_end, rng)
    stats.update(money)
    plan.update(more)
    return _FundData(
        fund=fund,
        pairs=pairs,
        income=income,
        expenditure=expenditure,
        balance_start=balance_start,
        balance_end=balance_end,
        planned_income=planned_income,
        planned_expenditure=planned_expenditure,
        stats={s: stats[s] for s in fund.statistics if s in stats},
        plan=plan,
        months_path=path[:, 1:],
    )


def _expected_expenditure(
    profile: FundProfile,
    pairs: _Pairs,
    years: tuple[int, ...],
    people: _People,
    benefit_growth: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """[P, Y] expected expenditure: a region's level (population × national spending per
    inhabitant × wealth) times its trend — benefits per head growing by the policy's
    adjustment plus new retirees' premium, by the profile's per-head range, or the fund as
    a whole by its growth — times a random walk."""
    n, ny = len(pairs.codes), len(years)
    t = np.asarray(years, dtype="float64") - BASE_YEAR
    level = (
        pairs.population
        * profile.expenditure_per_capita
        * pairs.wealth**profile.wealth_elasticity
        * np.exp(rng.normal(0.0, 0.06, n))
    )
    drift = np.exp(np.cumsum(rng.normal(0.0, profile.drift, (n, ny)), axis=1))
    if benefit_growth is not None:
        premium = rng.uniform(*NEW_RETIREE_PREMIUM, n)
        trend = _compound(benefit_growth[None, :] + premium[:, None], years) * people.heads
    elif profile.per_head_growth is not None:
        per_head = rng.uniform(*profile.per_head_growth, n)
        trend = (1 + per_head[:, None]) ** t[None, :] * people.heads
    else:
        trend = np.broadcast_to((1 + profile.growth) ** t[None, :], (n, ny))
    return level[:, None] * trend * drift


def _without_subsidy(shares: np.ndarray, items: tuple[str, ...], regions: list[int]) -> None:
    """A fund financed without fiscal subsidy in ``regions``, every year: their subsidy's
    share of the income goes to the other items (``shares`` [P, K], changed in place)."""
    if "fiscal_subsidy" not in items:
        return
    for p in regions:
        shares[p, items.index("fiscal_subsidy")] = 0.0
        shares[p] /= shares[p].sum()


def _compound(growth: np.ndarray, years: tuple[int, ...]) -> np.ndarray:
    """[P, Y] level of something growing by ``growth`` ([P, Y]) each year, 1 at
    ``BASE_YEAR`` (extrapolated at the nearest year's growth where it lies outside)."""
    logs = np.log1p(growth)
    level = np.cumsum(logs, axis=1) - logs[:, :1]  # 0 in the first year
    if BASE_YEAR in years:
        base = level[:, years.index(BASE_YEAR)]
    elif years[0] > BASE_YEAR:
        base = (BASE_YEAR - years[0]) * logs[:, 0]
    else:
        base = level[:, -1] + (BASE_YEAR - years[-1]) * logs[:, -1]
    return np.exp(level - base[:, None])


def _benefit_growth(
    catalogue: Catalogue, policy: Policy, years: tuple[int, ...]
) -> np.ndarray | None:
    """[Y] the growth of the benefit per head that policy sets each year: the dated
    parameter the catalogue's benefit-growth band follows (the earliest value before its
    first date); None where the band follows no policy."""
    found = [i for i in catalogue.indicators if i.function == "average_benefit_growth" and i.band]
    names = {name for i in found for _, name in i.band.policy}
    if len(names) != 1:
        return None
    parameter = policy.parameter(names.pop())
    values = policy.values(parameter.name, np.asarray(years))
    return np.where(np.isnan(values), parameter.values[0].value, values)


def _default_targets(ind: Indicator, policy: Policy, years: tuple[int, ...]) -> np.ndarray | None:
    """[Y] the catalogue's default target in each year (a dated policy value where it
    follows one), None without a default."""
    if ind.target_policy:
        return np.nan_to_num(ind.default_target or 0.0) + policy.values(
            ind.target_policy, np.asarray(years)
        )
    if ind.default_target is None:
        return None
    return np.full(len(years), float(ind.default_target))


def _planned_share(planned: np.ndarray, items: tuple[str, ...], item: str) -> np.ndarray:
    """[P, Y] planned share of ``item`` in the planned total (0 when not an item)."""
    if item not in items:
        return np.zeros(planned.shape[:2])
    total = planned.sum(axis=2)
    return planned[..., items.index(item)] / np.where(total > 0, total, 1.0)


def _statistics(
    fund: Fund,
    profile: FundProfile,
    pairs: _Pairs,
    years: tuple[int, ...],
    own: Sequence[Scenario],
    people: _People,
    income: np.ndarray,
    expenditure: np.ndarray,
    income_multiplier: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Monthly statistics of people and cases consistent with the flows, and the planned
    indicator values (collection rate, coverage, …) targets are set from.

    Takes the planned people, the executed income and expenditure [P, Y, 12, K] and the
    planted shocks on income (``income_multiplier``, so premiums assessed follow the planned premium).
    Returns (stats by code, each [P, Y, 12]; plan by name, each [P, Y]).
    """
    n, ny = len(pairs.codes), len(years)
    shape = (n, ny, MONTHS)
    index = {c: i for i, c in enumerate(pairs.codes)}
    kinds = {(s.kind, index[s.region], years.index(s.year)) for s in own}

    def shocked(kind: str) -> list[tuple[int, int]]:
        return [(p, y) for k, p, y in kinds if k == kind]

    # People. A coverage drop loses contributors; retirees stay.
    insured_plan, coverage = people.insured, people.coverage
    target_population = np.rint(insured_plan / coverage[:, :, None])
    insured = insured_plan.copy()
    for p, y in shocked("coverage_drop"):
        insured[p, y] = np.rint(insured_plan[p, y] * 0.92)
    for p, y in shocked("over_coverage"):
        target_population[p, y] = np.rint(insured_plan[p, y] / 1.015)

    stats: dict[str, np.ndarray] = {"insured": insured, "target_population": target_population}
    plan: dict[str, np.ndarray] = {"coverage": coverage, "insured": insured_plan[:, :, -1]}
    if people.dependency is not None and people.per_retiree is not None:
        retirees = np.rint(insured_plan / people.per_retiree[:, :, None])
        stats["retirees"] = retirees
        stats["contributors"] = np.maximum(
            np.rint(retirees * people.dependency[:, :, None]) - (insured_plan - insured), 0.0
        )
        plan["dependency"] = people.dependency
    else:
        stats["contributors"] = np.rint(insured * profile.contributor_share)

    # Money.
    items = fund.income_items
    benefits = (
        expenditure[..., fund.expenditure_items.index("benefits")]
        if "benefits" in fund.expenditure_items
        else expenditure.sum(axis=-1)
    )
    collection = np.clip(
        rng.uniform(*profile.collection, n)[:, None] + rng.normal(0, 0.003, (n, ny)), 0.9, 0.995
    )
    plan["collection"] = collection
    if "premium" in items:
        k = items.index("premium")
        # Premiums assessed follow the planned premium: a shortfall lowers collection.
        mult = income_multiplier[..., k]
        planned_premium = np.where(mult > 0, income[..., k] / np.where(mult > 0, mult, 1.0), 0.0)
        monthly_rate = np.minimum(
            collection[:, :, None] * np.exp(rng.normal(0, 0.008, shape)), 0.999
        )
        stats["premiums_assessed"] = np.round(planned_premium / monthly_rate, 2)
        if profile.contribution_rate:
            stats["contribution_base"] = np.round(
                stats["premiums_assessed"] / profile.contribution_rate, 2
            )
    stats["benefits_due"] = np.round(benefits, 2)
    on_time = np.ones(shape)
    for p, y in shocked("late_benefits"):
        on_time[p, y, 3:6] = 0.93
    stats["benefits_paid_on_time"] = np.round(stats["benefits_due"] * on_time, 2)

    if profile.inpatient_ratio is not None:
        ratio = rng.uniform(*profile.inpatient_ratio, n)[:, None] + rng.normal(0, 0.003, (n, ny))
        share = profile.inpatient_share * np.exp(rng.normal(0, 0.05, n))
        paid = np.round(benefits * share[:, None, None] * np.exp(rng.normal(0, 0.02, shape)), 2)
        stats["inpatient_fund_paid"] = paid
        stats["inpatient_policy_costs"] = np.round(
            paid / (ratio[:, :, None] * np.exp(rng.normal(0, 0.004, shape))), 2
        )
        plan["inpatient_ratio"] = ratio
        season = _pattern(profile.benefit_pattern)[None, None, :]
        stats["beneficiaries"] = np.rint(
            insured * profile.cases_per_insured * season * np.exp(rng.normal(0, 0.03, shape))
        )
    elif fund.group == "unemployment" or fund.code == "unemployment":
        rate = rng.uniform(0.006, 0.011, n)
        registered = np.rint(
            pairs.population[:, None, None]
            * rate[:, None, None]
            * _pattern(_UNEMPLOYED_SEASON)[None, None, :]
            * np.exp(rng.normal(0, 0.02, shape))
        )
        cover = np.clip(
            rng.uniform(0.45, 0.65, n)[:, None] + rng.normal(0, 0.015, (n, ny)), 0.3, 0.9
        )
        recipients = np.rint(registered * cover[:, :, None])
        stats["registered_unemployed"] = registered
        stats["unemployment_benefit_recipients"] = recipients
        stats["beneficiaries"] = np.rint(recipients * rng.uniform(1.02, 1.12, shape))
        plan["benefit_coverage"] = cover
    else:
        stats["beneficiaries"] = np.rint(
            insured * profile.cases_per_insured * np.exp(rng.normal(0, 0.04, shape))
        )
    if "injury_determinations" in fund.statistics:
        determinations = rng.poisson(insured * 0.0037 / MONTHS).astype("float64")
        timely = np.clip(
            rng.uniform(0.975, 0.998, n)[:, None] + rng.normal(0, 0.002, (n, ny)), 0, 1
        )
        stats["injury_determinations"] = determinations
        stats["injury_determinations_on_time"] = rng.binomial(
            determinations.astype("int64"), np.broadcast_to(timely[:, :, None], shape)
        ).astype("float64")
        plan["injury_timeliness"] = timely
    if "audit_findings" in fund.statistics:
        stats.update(_audit(profile, pairs, shape, plan, rng))
    return stats, plan


def _audit(
    profile: FundProfile, pairs: _Pairs, shape: tuple[int, int, int], plan: dict, rng
) -> dict[str, np.ndarray]:
    """Audit and inspection findings (a few to a few dozen a year, more in big regions and
    in the second and third quarters) and those rectified: all of them in four fund-years
    of five, otherwise 90–99 %. Rectified to date = rate × found to date, rounded, so no
    month rectifies more than it finds. Adds the planned rate targets come from to ``plan``."""
    n, ny, _ = shape
    yearly = profile.audit_findings * np.exp(rng.normal(0, 0.35, n))
    yearly = np.clip(yearly * (pairs.population / 4e6) ** 0.35, 2.0, 45.0)
    season = _pattern(_AUDIT_SEASON)[None, None, :]
    found = rng.poisson(yearly[:, None, None] * season / MONTHS * np.ones(shape)).astype("float64")
    rate = np.where(rng.random((n, ny)) < 0.8, 1.0, rng.uniform(0.9, 0.99, (n, ny)))
    to_date = np.floor(rate[:, :, None] * np.cumsum(found, axis=2) + 0.5)
    rectified = np.diff(to_date, axis=2, prepend=0.0)
    plan["rectification_target"] = np.broadcast_to(
        rng.choice([0.9, 0.95, 1.0], n, p=[0.65, 0.25, 0.1])[:, None], (n, ny)
    )
    return {"audit_findings": found, "audit_findings_rectified": rectified}


def _money_statistics(
    fund: Fund,
    years: tuple[int, ...],
    income: np.ndarray,
    expenditure: np.ndarray,
    balance_end: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Statistics that are parts of the flows or the balance, monthly [P, Y, 12]:

    - prevention_spending (work injury): 1.2–2.4 % of the year's premium income, paid out
      of other expenditure and following it month by month (at most 80 % of it);
    - skills_subsidies (unemployment): 5.5–11 % of the year's expenditure, also paid out
      of other expenditure (at most 80 % of it);
    - reserve_fund (work injury, a stock): 13–24 % of the year's expenditure at the end of
      the year, built up evenly from the previous year end, never above 80 % of the balance.

    Returns (stats, plan), plan with the planned skills share [P, Y].
    """
    n, ny = income.shape[:2]
    stats: dict[str, np.ndarray] = {}
    plan: dict[str, np.ndarray] = {}
    inc, exp = fund.income_items, fund.expenditure_items
    other = (
        expenditure[..., exp.index("other_expenditure")]
        if "other_expenditure" in exp
        else np.zeros((n, ny, MONTHS))
    )
    other_year = other.sum(axis=2)
    spent_year = expenditure.sum(axis=(2, 3))

    def part_of_other(annual: np.ndarray) -> np.ndarray:
        annual = np.minimum(annual, 0.8 * other_year)
        scale = annual / np.where(other_year > 0, other_year, 1.0)
        return np.round(other * scale[:, :, None], 2)

    if "prevention_spending" in fund.statistics:
        premium = income[..., inc.index("premium")].sum(axis=2) if "premium" in inc else 0.0
        share = np.clip(
            rng.uniform(0.012, 0.024, n)[:, None] + rng.normal(0, 0.0015, (n, ny)), 0.006, 0.028
        )
        stats["prevention_spending"] = part_of_other(share * premium)
    if "skills_subsidies" in fund.statistics:
        share = np.clip(
            rng.uniform(0.055, 0.11, n)[:, None] + rng.normal(0, 0.004, (n, ny)), 0.03, 0.15
        )
        stats["skills_subsidies"] = part_of_other(share * spent_year)
        plan["skills_share"] = share
    if "reserve_fund" in fund.statistics:
        ratio = np.clip(
            rng.uniform(0.13, 0.24, n)[:, None] + rng.normal(0, 0.008, (n, ny)), 0.1, 0.3
        )
        year_end = ratio * spent_year
        before = np.c_[year_end[:, :1] / (1 + 0.05), year_end[:, :-1]]
        step = (np.arange(MONTHS) + 1) / MONTHS
        level = before[:, :, None] + (year_end - before)[:, :, None] * step[None, None, :]
        stats["reserve_fund"] = np.round(np.minimum(level, 0.8 * np.maximum(balance_end, 0.0)), 2)
    if "pooled_fund_balance" in fund.statistics:
        stats.update(_pooled_fund(income, expenditure, balance_end, rng))
    return stats, plan


def _pooled_fund(
    income: np.ndarray, expenditure: np.ndarray, balance_end: np.ndarray, rng
) -> dict[str, np.ndarray]:
    """The pooled fund's part of an employees' medical fund, monthly [P, Y, 12]: a region's
    share of the expenditure (``POOLED_SHARE``), of the balance about the same (so the
    pooled fund covers about as many months as the whole), and its income from the
    balance's change. The personal accounts are the rest."""
    n = income.shape[0]
    spend = rng.uniform(*POOLED_SHARE, n)[:, None, None]
    keep = spend * rng.uniform(0.97, 1.04, n)[:, None, None]
    month_in, month_out = income.sum(axis=3), expenditure.sum(axis=3)
    pooled_out = np.round(month_out * spend, 2)
    balance = np.round(np.maximum(balance_end, 0.0) * keep, 2)
    flat = balance.reshape(n, -1)
    before = np.c_[
        flat[:, :1] - (month_in - month_out).reshape(n, -1)[:, :1] * keep[:, 0], flat[:, :-1]
    ]
    pooled_in = np.clip(flat - before + pooled_out.reshape(n, -1), 0.0, month_in.reshape(n, -1))
    return {
        "pooled_fund_income": np.round(pooled_in.reshape(balance.shape), 2),
        "pooled_fund_expenditure": pooled_out,
        "pooled_fund_balance": balance,
    }


# --------------------------------------------------------------------------- tables


def _budget(
    data: _FundData, years: tuple[int, ...], scenarios: Sequence[Scenario], seed: int
) -> pd.DataFrame:
    """The fund's budget: every line item, initial and adjusted, per region and year."""
    fund = data.fund
    rng = _rng(seed, "budget", fund.code)
    n, ny = data.balance_start.shape
    ki = len(fund.income_items)
    planned = np.concatenate([data.planned_income, data.planned_expenditure], axis=2)
    k = planned.shape[2]
    # The initial budget errs the same way for a whole fund-year, plus a little per item.
    bias = rng.normal(0, 0.018, (n, ny, 1))
    initial = planned * (1 + bias + rng.normal(0, 0.01, planned.shape))
    adjusted = planned * (1 + rng.normal(0, 0.01, planned.shape))
    if "fiscal_subsidy" in fund.income_items:  # subsidies are budgeted as appropriated
        j = fund.income_items.index("fiscal_subsidy")
        adjusted[..., j] = planned[..., j] * rng.uniform(0.985, 1.0, (n, ny))
    index = {c: i for i, c in enumerate(data.pairs.codes)}
    blank = np.zeros((n, ny, k), dtype=bool)
    for s in scenarios:
        if s.fund != fund.code or s.region not in index or s.year not in years:
            continue
        p, y = index[s.region], years.index(s.year)
        if s.kind == "expenditure_underexecution":
            initial[p, y, ki:] *= 1.25
            adjusted[p, y, ki:] *= 1.25
        elif s.kind == "empty_adjusted" and s.item in fund.flow_items:
            blank[p, y, fund.flow_items.index(s.item)] = True
    initial, adjusted = np.round(initial, 2), np.round(adjusted, 2)
    sign = np.r_[np.ones(ki), -np.ones(k - ki)]
    effective = np.where(blank, initial, adjusted)
    adjusted = np.where(blank, np.nan, adjusted)
    start_adjusted = data.balance_start
    start_initial = np.round(start_adjusted * (1 + rng.normal(0, 0.01, (n, ny))), 2)
    end_initial = np.round(start_initial + (initial * sign).sum(axis=2), 2)
    end_adjusted = np.round(start_adjusted + (effective * sign).sum(axis=2), 2)
    init_all = np.concatenate([initial, start_initial[..., None], end_initial[..., None]], axis=2)
    adj_all = np.concatenate([adjusted, start_adjusted[..., None], end_adjusted[..., None]], axis=2)
    items = fund.line_items
    p, y, j = (a.ravel() for a in np.indices(init_all.shape))
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "item": _text(items, j),
            "initial": init_all.ravel(),
            "adjusted": adj_all.ravel(),
        }
    )


def _reported(n: int, ny: int, last_months: np.ndarray) -> np.ndarray:
    """[P, Y, M] months reported: every month of past years, the last year to each region's
    last month."""
    reported = np.ones((n, ny, MONTHS), dtype=bool)
    reported[:, -1, :] = np.arange(1, MONTHS + 1)[None, :] <= last_months[:, None]
    return reported


def _last_months(
    pairs: _Pairs, fund: str, last_month: int, scenarios: Sequence[Scenario], last_year: int
) -> np.ndarray:
    """[P] the last month each region reports in the last year: ``last_month``, or a
    ``late_data`` scenario's month."""
    out = np.full(len(pairs.codes), last_month)
    index = {c: i for i, c in enumerate(pairs.codes)}
    for s in scenarios:
        if s.kind == "late_data" and s.fund == fund and s.region in index and s.year == last_year:
            out[index[s.region]] = min(s.month or last_month, last_month)
    return out


def _execution(data: _FundData, years: tuple[int, ...], last_months: np.ndarray) -> pd.DataFrame:
    """Monthly execution: balance_start in month 1, flows where not zero, balance_end."""
    fund = data.fund
    n, ny = data.balance_start.shape
    flows = np.concatenate([data.income, data.expenditure], axis=3)
    start = np.zeros((n, ny, MONTHS, 1))
    start[:, :, 0, 0] = data.balance_start
    values = np.concatenate([start, flows, data.balance_end[..., None]], axis=3)
    reported = _reported(n, ny, last_months)
    mask = np.broadcast_to(reported[..., None], values.shape).copy()
    mask[..., 1:-1] &= flows > 0
    mask[:, :, 1:, 0] = False
    p, y, m, j = np.nonzero(mask)
    items = ("balance_start", *fund.flow_items, "balance_end")
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "month": (m + 1).astype("int64"),
            "item": _text(items, j),
            "amount": values[mask],
        }
    )


def _statistics_table(
    data: _FundData, years: tuple[int, ...], last_months: np.ndarray
) -> pd.DataFrame:
    """Monthly statistics of the fund in long form."""
    names = list(data.stats)
    values = np.stack([data.stats[s] for s in names], axis=3)
    reported = _reported(values.shape[0], values.shape[1], last_months)
    mask = np.broadcast_to(reported[..., None], values.shape)
    p, y, m, j = np.nonzero(mask)
    return pd.DataFrame(
        {
            "region_code": _text(data.pairs.codes, p),
            "fund": _text([data.fund.code], np.zeros_like(p)),
            "year": np.asarray(years, dtype="int64")[y],
            "month": (m + 1).astype("int64"),
            "stat": _text(names, j),
            "value": values[mask],
        }
    )


def _annual_target(
    ind: Indicator,
    data: _FundData,
    rng: np.random.Generator,
    careful: np.ndarray,
    default: np.ndarray | None,
) -> tuple[np.ndarray, str] | None:
    """[P, Y] annual target of one quantitative indicator set by each region, and its
    benchmark; None when the generator cannot set one. ``default`` ([Y]) is the
    catalogue's default target of each year.

    Regions leave themselves some slack below what they plan to achieve; where ``careful``
    ([P, Y] bool) holds, they set their targets at the plan, as a target review expects."""
    shape = data.balance_start.shape
    plan = data.plan
    fn = ind.function
    slack = np.where(careful, 0.0, 1.0)

    def noisy(values: np.ndarray, mean: float, sd: float, digits: int = 3) -> np.ndarray:
        return np.round(values + mean * slack + rng.normal(0.0, sd, shape), digits)

    if fn == "budget_preparation_accuracy":
        # A ceiling on the deviation is a norm of budget practice, not the region's history.
        lax = rng.choice([0.03, 0.05], shape[0], p=[0.2, 0.8])[:, None]
        return np.where(careful, 0.03, lax), "standard"
    # Executing the budget in full, paying every benefit on time, balancing the year: norms.
    if fn in ("income_budget_execution", "expenditure_budget_execution", "fiscal_subsidy_arrival"):
        return np.ones(shape), "standard"
    if fn == "benefits_paid_on_time":
        return np.ones(shape), "standard"
    if fn == "current_year_balance_ratio":
        return np.zeros(shape), "standard"
    if fn == "premium_collection_rate":
        return np.minimum(noisy(plan["collection"], -0.008, 0.003), 0.995), "plan"
    if fn == "coverage_rate":
        return np.minimum(noisy(plan["coverage"], -0.006, 0.003), 0.995), "history"
    if fn == "insured_persons":
        change = -0.01 * slack + rng.normal(0.0, 0.006, shape)
        return np.round(plan["insured"] * (1 + change), -2), "history"
    if fn == "inpatient_reimbursement_ratio" and "inpatient_ratio" in plan:
        return noisy(plan["inpatient_ratio"], -0.009, 0.003), "plan"
    if fn == "injury_determination_timeliness" and "injury_timeliness" in plan:
        return np.minimum(np.round(plan["injury_timeliness"] - 0.006 * slack, 3), 0.98), "plan"
    if fn == "unemployment_benefit_coverage" and "benefit_coverage" in plan:
        short = rng.uniform(0, 0.04, shape) * slack
        return np.round(plan["benefit_coverage"] - short, 2), "plan"
    if fn == "dependency_ratio" and "dependency" in plan:
        # insured workers (contributors and the suspended) per retiree
        workers = plan["dependency"] * (1 + fund_profile(data.fund).suspended_share)
        change = -0.015 * slack + rng.normal(0.0, 0.008, shape)
        return np.round(workers * (1 + change), 2), "history"
    if fn == "fiscal_subsidy_timeliness" and "subsidy_by_september" in plan:
        lax = np.clip(np.floor((plan["subsidy_by_september"] - 0.015) * 20) / 20, 0.4, 0.55)
        fine = np.round(plan["subsidy_by_september"], 2)
        return np.where(careful, fine, lax), "plan"
    if fn == "audit_rectification_rate" and "rectification_target" in plan:
        # Careful regions aim at the norm: every finding rectified.
        target = np.where(careful, 1.0, plan["rectification_target"])
        return target, np.where(careful, "policy", "plan")
    if fn == "subsidy_dependence":
        lax = np.ceil((plan["subsidy_share"] * 1.06 + 0.005) * 100) / 100
        return np.where(careful, np.round(plan["subsidy_share"] + 0.003, 3), lax), "plan"
    if fn == "other_expenditure_share":
        floor = default[None, :] if default is not None else 0.02
        return np.maximum(floor, np.ceil(plan["other_share"] * 1.2 * 200) / 200), "standard"
    if fn == "fund_return_rate":
        short = rng.uniform(0.001, 0.003, shape) * np.where(careful, 0.2, 1.0)
        return np.maximum(0.015, np.round(plan["return_rate"] - short, 3)), "plan"
    if fn == "skills_subsidy_share" and "skills_share" in plan:
        return np.maximum(noisy(plan["skills_share"], -0.008, 0.006, 2), 0.03), "plan"
    if fn == "months_covered":
        floor = _months_floor(ind)
        if floor is None:
            return np.round(data.months_path, 1), "plan"
        return np.full(shape, floor), "plan"
    if default is not None:
        return np.broadcast_to(default, shape).copy(), "policy" if ind.target_policy else "plan"
    return None


def _months_floor(ind: Indicator) -> float | None:
    """The fewest months a fund's balance should cover: its band's lower bound."""
    if ind.band is not None and ind.band.lower is not None:
        return float(ind.band.lower)
    return ind.default_target


GUIDE_REACHED_BY = 0.8  # the share of regional targets a central guiding target is within


def _guiding_value(
    ind: Indicator, regional: np.ndarray, default: np.ndarray | None
) -> np.ndarray | None:
    """[Y] a central guiding target: the catalogue's default of each year (months: the
    band's floor; a dated policy value where it follows one), eased where needed so that about four in
    five regional targets meet it (the centre guides; it does not set a bar most regions
    cannot reach), on a round step."""
    years = regional.shape[1]
    if ind.function == "months_covered":
        floor = _months_floor(ind)
        return None if floor is None else np.full(years, floor)
    if ind.function == "insured_persons" or default is None:
        return None  # a count belongs to a region, not to the whole country
    step = 0.005 if ind.unit == "rate" else 0.05
    if ind.direction == "lower":
        reached = np.ceil(np.quantile(regional, GUIDE_REACHED_BY) / step) * step
        return np.round(np.maximum(default, float(reached)), 3)
    reached = np.floor(np.quantile(regional, 1 - GUIDE_REACHED_BY) / step) * step
    return np.round(np.minimum(default, float(reached)), 3)


def _targets(
    data: _FundData,
    catalogue: Catalogue,
    years: tuple[int, ...],
    province_codes,
    seed: int,
    scenarios: Sequence[Scenario],
    open_year: int | None,
    policy: Policy,
) -> pd.DataFrame:
    """Annual targets of the regions, the provinces and the centre, and overall targets.

    For the budget year still open (``open_year``), about three regions in five set their
    targets carefully (at the plan, see :func:`_annual_target`), and a ``target_missing``
    scenario drops the region's targets of the indicators it names."""
    rng = _rng(seed, "targets", data.fund.code)
    fund = data.fund.code
    codes = np.asarray(data.pairs.codes, dtype=object)
    n, ny = data.balance_start.shape
    year_arr = np.asarray(years, dtype="int64")
    careful = np.zeros((n, ny), dtype=bool)
    if open_year in years:
        draw = _rng(seed, "careful targets", fund).random(n) < CAREFUL_SHARE
        careful[:, years.index(open_year)] = draw
    dropped = {
        (s.region, code, s.year)
        for s in scenarios
        if s.kind == "target_missing" and s.fund == fund
        for code in s.indicators
    }
    frames = []
    quantitative = [i for i in catalogue.indicators if i.kind == "quantitative"]
    for ind in quantitative:
        default = _default_targets(ind, policy, years)
        made = _annual_target(ind, data, rng, careful, default)
        if made is None:
            continue
        values, benchmark = made
        p, y = (a.ravel() for a in np.indices((n, ny)))
        keep = np.ones(p.size, dtype=bool)
        for region, code, year in dropped:
            if code == ind.code:
                keep &= (codes[p] != region) | (year_arr[y] != year)
        p, y = p[keep], y[keep]
        regional = pd.DataFrame(
            {
                "region_code": codes[p],
                "indicator": ind.code,
                "period": "annual",
                "start_year": year_arr[y],
                "end_year": year_arr[y],
                "target": np.asarray(values, dtype="float64")[p, y],
                "level": "region",
                "benchmark": np.broadcast_to(np.asarray(benchmark, dtype=object), (n, ny))[p, y],
            }
        )
        frames.append(regional)
        if ind.function != "insured_persons":  # counts do not add up to a rate
            digits = {"months_covered": 1, "dependency_ratio": 2}.get(ind.function or "", 3)
            provincial = (
                regional.assign(
                    region_code=np.asarray(province_codes, dtype=object)[data.pairs.province[p]]
                )
                .groupby(["region_code", "start_year"], as_index=False, sort=True)["target"]
                .mean()
            )
            frames.append(
                provincial.assign(
                    indicator=ind.code,
                    period="annual",
                    end_year=provincial["start_year"],
                    target=provincial["target"].round(digits),
                    level="province",
                    # A norm stays a norm at the province; the rest follows its plan.
                    benchmark="standard" if (regional["benchmark"] == "standard").all() else "plan",
                )
            )
        guiding = _guiding_value(ind, np.asarray(values, dtype="float64"), default)
        if guiding is not None:
            frames.append(
                pd.DataFrame(
                    {
                        "region_code": COUNTRY_CODE,
                        "indicator": ind.code,
                        "period": "annual",
                        "start_year": year_arr,
                        "end_year": year_arr,
                        "target": np.asarray(guiding, dtype="float64"),
                        "level": "central",
                        "benchmark": "policy",
                    }
                )
            )
    frames += _overall_targets(data, catalogue, years)
    out = pd.concat(frames, ignore_index=True).assign(fund=fund)
    return out


def _overall_targets(
    data: _FundData, catalogue: Catalogue, years: tuple[int, ...]
) -> list[pd.DataFrame]:
    """Multi-year targets for the five-year plan periods overlapping the years (Art. 7)."""
    codes = np.asarray(data.pairs.codes, dtype=object)
    plan = data.plan
    have = {i.function: i for i in catalogue.indicators if i.kind == "quantitative"}
    frames = []
    for first, last in _plan_periods(years[0], years[-1]):
        inside = [j for j, y in enumerate(years) if first <= y <= last]
        if not inside:
            continue
        end, beyond = inside[-1], last - years[inside[-1]]
        values: dict[str, np.ndarray] = {}
        if "coverage_rate" in have:
            values["coverage_rate"] = np.minimum(
                np.round(plan["coverage"][:, inside[0]] + 0.002 * (last - first) - 0.004, 3), 0.99
            )
        if "insured_persons" in have:
            growth = plan["insured"][:, end] / plan["insured"][:, max(end - 1, 0)]
            growth = np.where(end > 0, growth, 1.0)
            values["insured_persons"] = np.round(
                plan["insured"][:, end] * growth**beyond * 0.99, -2
            )
        if "premium_collection_rate" in have:
            values["premium_collection_rate"] = np.round(
                plan["collection"][:, inside].mean(axis=1) - 0.005, 3
            )
        if "benefits_paid_on_time" in have:
            values["benefits_paid_on_time"] = np.ones(len(codes))
        if "months_covered" in have and _months_floor(have["months_covered"]) is not None:
            values["months_covered"] = np.full(len(codes), _months_floor(have["months_covered"]))
        for function, target in values.items():
            frames.append(
                pd.DataFrame(
                    {
                        "region_code": codes,
                        "indicator": have[function].code,
                        "period": "overall",
                        "start_year": first,
                        "end_year": last,
                        "target": target.astype("float64"),
                        "level": "region",
                        "benchmark": "plan",
                    }
                )
            )
    return frames


def _qualitative(
    data: _FundData,
    catalogue: Catalogue,
    complete: tuple[int, ...],
    scenarios: Sequence[Scenario],
    seed: int,
    levels: Mapping[str, QualitativeLevel],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grades of the fund's qualitative indicators for every complete year, with evidence,
    and the explanations the agency gave for grades below ``achieved``.

    Most grades are ``achieved``; ``share`` is empty for three grades in ten (the band's
    default applies); six in ten grades below ``achieved`` are explained (Art. 18). A
    qualitative indicator an outcome scenario names is not achieved.
    Returns (qualitative, explanations).
    """
    rng = _rng(seed, "qualitative", data.fund.code)
    fund = data.fund.code
    codes = data.pairs.codes
    indicators = [i.code for i in catalogue.indicators if i.kind == "qualitative"]
    if not indicators or not complete:
        return pd.DataFrame(), pd.DataFrame()
    grades = ("achieved", "partly", "not_achieved")
    shape = (len(codes), len(complete), len(indicators))
    p, y, j = (a.ravel() for a in np.indices(shape))
    grade = rng.choice(3, p.size, p=[0.92, 0.07, 0.01])
    index = {c: i for i, c in enumerate(codes)}

    def row(s: Scenario, code: str) -> int | None:
        if s.fund != fund or s.region not in index or s.year not in complete:
            return None
        if code not in indicators:
            return None
        at = (index[s.region], complete.index(s.year), indicators.index(code))
        return int(np.ravel_multi_index(at, shape))

    planted = np.zeros(p.size, dtype=bool)  # graded by an outcome scenario
    for s in scenarios:
        if s.kind in OUTCOME_KINDS:
            for code in s.indicators:
                r = row(s, code)
                if r is not None:
                    grade[r], planted[r] = 2, True
    lo = np.array([levels[g].min for g in grades])[grade]
    hi = np.array([levels[g].max for g in grades])[grade]
    share = np.clip(np.round(lo + (hi - lo) * rng.uniform(0.1, 1.0, p.size), 2), lo, hi)
    share = np.where(rng.random(p.size) < 0.3, np.nan, share)
    variants = 2
    texts = np.array(
        [
            [
                _pick(_EVIDENCE.get(code, {}).get(g), _EVIDENCE_FALLBACK[g], v)
                for g in grades
                for v in range(variants)
            ]
            for code in indicators
        ],
        dtype=object,
    )  # [indicator, grade × variant]
    evidence = texts[j, grade * variants + rng.integers(0, variants, p.size)]
    for s in scenarios:
        if s.kind == "missing_evidence":
            for code in s.indicators or indicators[:1]:
                r = row(s, code)
                if r is not None:
                    evidence[r] = None
    years = np.asarray(complete, dtype="int64")
    grades_frame = pd.DataFrame(
        {
            "region_code": _text(codes, p),
            "fund": _text([fund], np.zeros_like(p)),
            "year": years[y],
            "indicator": _text(indicators, j),
            "grade": _text(grades, grade),
            "share": share,
            "evidence": pd.Series(evidence, dtype="str"),
        }
    )
    # Planted grades are explained as their scenario says (see _explanations).
    explained = np.flatnonzero((grade > 0) & (rng.random(p.size) < 0.6) & ~planted)
    reasons = np.array(
        [_EXPLANATIONS.get(code, _EXPLANATION_FALLBACK) for code in indicators], dtype=object
    )
    explanations = pd.DataFrame(
        {
            "region_code": _text(codes, p[explained]),
            "fund": _text([fund], np.zeros_like(explained)),
            "year": years[y[explained]],
            "indicator": _text(indicators, j[explained]),
            "reason": pd.Series(reasons[j[explained], 0], dtype="str"),
            "improvement_measure": pd.Series(reasons[j[explained], 1], dtype="str"),
        }
    )
    return grades_frame, explanations


def _pick(options: tuple[str, ...] | None, fallback: str, variant: int) -> str:
    """One of ``options`` by ``variant`` (the fallback when there are none)."""
    return options[variant % len(options)] if options else fallback


def _explanations(scenarios: Sequence[Scenario], complete: tuple[int, ...]) -> pd.DataFrame:
    """The agency's reason and improvement measure for every indicator an explained
    outcome makes miss (Art. 18)."""
    rows = []
    for s in scenarios:
        if not s.explained or s.kind not in OUTCOME_KINDS or s.year not in complete:
            continue
        for code in s.indicators:
            if s.kind == "excess_reserve" and code == "months_covered":
                reason, measure = _EXPLANATION_EXCESS
            else:
                reason, measure = _EXPLANATIONS.get(code, _EXPLANATION_FALLBACK)
            rows.append((s.region, s.fund, s.year, code, reason, measure))
    columns = ["region_code", "fund", "year", "indicator", "reason", "improvement_measure"]
    frame = pd.DataFrame(rows, columns=columns).drop_duplicates(columns[:4])
    return frame.astype({"year": "int64"})


def _random_scenarios(
    pair_codes: Mapping[str, tuple[str, ...]],
    catalogues: Mapping[str, Catalogue],
    complete: tuple[int, ...],
    seed: int,
) -> tuple[Scenario, ...]:
    """A few outcomes planted at random in a generated dataset: about 2 % of the fund-region
    years miss a target badly, 1 % of fund-regions end with too little or too much reserve;
    seven in ten come with an explanation."""
    rng = _rng(seed, "scenarios")
    out: list[Scenario] = []
    if not complete:
        return ()
    for fund, codes in pair_codes.items():
        have = {i.code for i in catalogues[fund].indicators}
        kinds = [
            k
            for k in OUTCOME_KINDS
            if k not in ("low_reserve", "excess_reserve")
            and set(_OUTCOME_INDICATORS[k]) & have
            and (k != "subsidy_shortfall" or "fiscal_subsidy_arrival" in have)
        ]
        n = len(codes)
        taken = np.zeros((n, len(complete)), dtype=bool)
        for kind, rate in (("low_reserve", 0.01), ("excess_reserve", 0.01)):
            if "months_covered" not in have:
                continue
            hit = (rng.random(n) < rate) & ~taken[:, -1]
            taken[:, -1] |= hit
            out += [
                _scenario(kind, codes[p], fund, complete[-1], have, rng)
                for p in np.flatnonzero(hit)
            ]
        hit = (rng.random((n, len(complete))) < 0.02) & ~taken
        chosen = rng.integers(0, len(kinds), hit.shape)
        out += [
            _scenario(kinds[chosen[p, y]], codes[p], fund, complete[y], have, rng)
            for p, y in zip(*np.nonzero(hit), strict=True)
        ]
    return tuple(out)


def _scenario(
    kind: str, region: str, fund: str, year: int, have: set[str], rng: np.random.Generator
) -> Scenario:
    """A random outcome scenario of ``kind`` (explained seven times in ten)."""
    indicators = tuple(i for i in _OUTCOME_INDICATORS[kind] if i in have)
    return Scenario(
        kind, region, fund, year, f"random {kind}", indicators, bool(rng.random() < 0.7)
    )


def _columns(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table with exactly the columns of parameters/tables.yaml, in order (an empty
    table gets them with their types)."""
    specs = load_table_specs()
    dtypes = {"text": "str", "integer": "int64", "number": "float64", "date": "str"}
    out = {}
    for name in TABLE_NAMES:
        frame = tables[name]
        columns = specs[name].columns
        if frame.empty and not len(frame.columns):
            frame = pd.DataFrame({c: pd.Series(dtype=dtypes[s.type]) for c, s in columns.items()})
        out[name] = frame[list(columns)].reset_index(drop=True)
    return out


def _build(
    geo: _Geography,
    years: tuple[int, int],
    last_month: int,
    seed: int,
    scenarios: Sequence[Scenario] | None,
    registry: FundRegistry | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of a dataset for ``geo``; ``scenarios`` None plants random outcomes."""
    first, last = years
    if last < first:
        raise ValueError(f"years must run forwards, not {first}–{last}")
    if not 1 <= last_month <= MONTHS:
        raise ValueError(f"last_month must be between 1 and 12, not {last_month}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, not {seed}")
    registry = registry or load_registry()
    year_list = tuple(range(first, last + 1))
    complete = year_list if last_month == MONTHS else year_list[:-1]
    open_year = None if last_month == MONTHS else year_list[-1]
    catalogues = {f: load_catalogue(f) for f in registry.funds}
    levels = load_standards().qualitative_levels
    policy = load_policy()
    pooling = {f: fund.default_pooling for f, fund in registry.funds.items()}
    pairs = {f: _pairs(geo, level) for f, level in pooling.items()}
    if scenarios is None:
        scenarios = _random_scenarios(
            {f: p.codes for f, p in pairs.items()}, catalogues, complete, seed
        )
    province_codes = [p[0] for p in geo.provinces]
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in TABLE_NAMES}
    for code, fund in registry.funds.items():
        growth = _benefit_growth(catalogues[code], policy, year_list)
        data = _simulate(fund, pairs[code], year_list, scenarios, seed, growth)
        parts["budget"].append(_budget(data, year_list, scenarios, seed))
        reported = _last_months(pairs[code], code, last_month, scenarios, last)
        parts["execution"].append(_execution(data, year_list, reported))
        parts["statistics"].append(_statistics_table(data, year_list, reported))
        parts["targets"].append(
            _targets(
                data,
                catalogues[code],
                year_list,
                province_codes,
                seed,
                scenarios,
                open_year,
                policy,
            )
        )
        grades, explained = _qualitative(data, catalogues[code], complete, scenarios, seed, levels)
        parts["qualitative"].append(grades)
        parts["explanations"].append(explained)
    regions = _regions_table(geo)
    order = pd.Index(regions["region_code"])
    fund_order = pd.Index(list(registry.funds))
    tables: dict[str, pd.DataFrame] = {
        "regions": regions,
        "pooling": pd.DataFrame(
            {
                "province_code": _text(
                    province_codes, np.repeat(np.arange(len(province_codes)), len(pooling))
                ),
                "fund": _text(list(pooling), np.tile(np.arange(len(pooling)), len(province_codes))),
                "pooling_level": _text(
                    list(pooling.values()), np.tile(np.arange(len(pooling)), len(province_codes))
                ),
            }
        ),
    }
    parts["explanations"].insert(0, _explanations(scenarios, complete))
    codes = {f: p.codes for f, p in pairs.items()}
    tables.update(evaluator_records(codes, catalogues, complete, seed))
    for name in ("budget", "execution", "statistics", "qualitative", "explanations"):
        present = [f for f in parts[name] if len(f)]
        if not present:
            tables[name] = pd.DataFrame()
            continue
        frame = pd.concat(present, ignore_index=True)
        # Region by region; the parts come fund by fund in registry order, each sorted by
        # year and month, and a stable sort keeps that order within a region.
        rank = order.get_indexer(frame["region_code"])
        tables[name] = frame.take(np.argsort(rank, kind="stable")).reset_index(drop=True)
    # Explanations year by year; targets central, provincial, regional, each fund's
    # indicators in catalogue order (lexsort is stable).
    e = tables["explanations"]
    if len(e):
        rank = order.get_indexer(e["region_code"]) * len(fund_order)
        rank += fund_order.get_indexer(e["fund"])
        tables["explanations"] = e.take(np.lexsort((e["year"].to_numpy(), rank)))
    targets = pd.concat(parts["targets"], ignore_index=True)
    targets = targets.take(
        np.lexsort(
            (
                fund_order.get_indexer(targets["fund"]),
                order.get_indexer(targets["region_code"]),
                pd.Index(["central", "province", "region"]).get_indexer(targets["level"]),
            )
        )
    )
    tables["targets"] = targets.astype(
        {
            "region_code": "str",
            "fund": "str",
            "indicator": "str",
            "period": "str",
            "level": "str",
            "benchmark": "str",
        }
    )
    return _columns(tables)


# --------------------------------------------------------------------------- public API


def generate_dataset(
    provinces: int,
    regions_per_province: int | tuple[int, int],
    years: tuple[int, int],
    *,
    last_month: int = 12,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """A deterministic synthetic dataset of any size.

    Takes the number of provinces (1–81), the prefectures per province (a number, or the
    inclusive range (low, high) each province's count is drawn from), the first and last
    year (inclusive), the last executed month of the last year (the budget still covers
    the whole year) and the seed; the same arguments give identical tables. Every fund of
    the registry is pooled at its default level. Returns the tables of parameters/tables.yaml
    by name (regions, pooling, budget, execution, statistics, targets, qualitative,
    explanations), each with exactly its columns in order; about 2 % of fund-region years
    miss a target badly (most of them explained). Raises ValueError for impossible sizes.
    """
    geo = _random_geography(provinces, regions_per_province, seed)
    return _build(geo, years, last_month, seed, None)


def demo_dataset() -> dict[str, pd.DataFrame]:
    """The embedded demo country (Demoland, 示范国): provinces 910000, 920000 and 930000 with
    4, 5 and 6 prefectures, all seven funds (57 fund-region pairs), budgets 2021–2026,
    execution and statistics 2021–2025 and 2026 through October, the scenarios of
    :data:`DEMO_SCENARIOS` planted. Returns the tables by name, as :func:`generate_dataset`."""
    return _build(
        _demo_geography(DEMO_SEED), DEMO_YEARS, DEMO_LAST_MONTH, DEMO_SEED, DEMO_SCENARIOS
    )


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its number columns as compact text for CSV: whole numbers without a
    trailing ``.0`` (persons, cases), missing values empty. Returns a new frame."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col].dtype):
            continue
        v = out[col].to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(v)
        whole = ~missing & (v == np.round(v)) & (np.abs(v) < 2**53)
        text = pd.Series(v, index=out.index).astype("str")
        ints = pd.Series(np.where(whole, v, 0).astype("int64"), index=out.index).astype("str")
        out[col] = ints.where(whole, text).where(~missing, None).astype("str")
    return out


def write_demo(out: Path | None = None) -> Path:
    """Write the demo dataset as CSV files to ``out`` (default: the package's demo_data
    folder, replaced atomically). Returns the folder written."""
    target = Path(out) if out is not None else paths.demo_data_dir()
    tables = {name: csv_ready(frame) for name, frame in demo_dataset().items()}
    return write_dataset(tables, target, "csv")


if __name__ == "__main__":
    print(f"demo dataset written to {write_demo()}")
