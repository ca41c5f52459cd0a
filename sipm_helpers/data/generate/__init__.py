"""Deterministic synthetic datasets and the embedded demo country.

:func:`generate_dataset` builds a dataset of any size (for scale tests), :func:`demo_dataset`
the demo country shipped in ``sipm_helpers/demo_data/`` (3 provinces, 15 prefectures, all
seven funds, 57 fund–region pairs, and the centre's own pool of the public pension, Art.
23, drawn on its own stream by :mod:`.central`). Both return the tables of
``parameters/tables.yaml`` (regions, pooling, budget, execution, statistics, targets, qualitative, explanations) with
exactly its columns, money in 10,000 yuan (万元), rates as fractions.

The generator's data are YAML files beside ``sipm_helpers/demo/evaluation_records.yaml``:
``fund_profiles.yaml`` (what each fund looks like), ``patterns.yaml`` (monthly patterns and
noise), ``scenarios.yaml`` (the demo's planted scenarios), ``texts.yaml`` (evidence and
explanations) and ``places.yaml`` (place names), each checked on load. The code is split
by concern:

- :mod:`.common` — constants, seeded generators, helpers;
- :mod:`.yamlfile` — reading and checking the data files;
- :mod:`.profiles` — fund profiles and monthly patterns;
- :mod:`.kinds` — the registry of scenario kinds and what each does at each stage;
- :mod:`.scenarios` — the scenarios: the demo's and random ones;
- :mod:`.geography` — countries, regions, coordinating regions;
- :mod:`.money` — one fund's flows and balances; :mod:`.statistics` — its statistics;
- :mod:`.tables` — its budget, execution and statistics tables;
- :mod:`.shortfall` — how far a region's year falls short of its plan;
- :mod:`.targets` — targets; :mod:`.qualitative` — grades, evidence, explanations;
- :mod:`.central` — the demo's centre's own pool (Art. 23);
- :mod:`.build` — the dataset assembled, and the public entry points.

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
- Regions differ (:mod:`.shortfall`): in the year evaluated (the last complete one) each
  fund-region without a planted scenario falls short of its plan by a shortfall drawn for
  it, which leaves premiums uncollected, fewer people enrolled, premiums and benefits
  budgeted further off and qualitative grades lower, so that evaluations spread over the
  grades.
- Scenarios (:class:`Scenario`) plant what an evaluation must find: targets missed badly,
  with or without the explanation Art. 18 requires, and data wrinkles that validation
  reports as warnings. The demo's are listed in :data:`DEMO_SCENARIOS`; a generated
  dataset gets a few random ones. Each kind's effects are registered in :data:`KINDS`.

``python -m sipm_helpers.data.generate`` rewrites the shipped demo CSV files.
"""

from __future__ import annotations

from sipm_helpers.data.generate.build import csv_ready, demo_dataset, generate_dataset, write_demo
from sipm_helpers.data.generate.common import (
    BASE_YEAR,
    COUNTRY_CODE,
    DEMO_EVALUATION_YEAR,
    DEMO_LAST_MONTH,
    DEMO_SEED,
    DEMO_YEARS,
    MONTHS,
    PLAN_ANCHOR,
    PLAN_LENGTH,
    TABLE_NAMES,
)
from sipm_helpers.data.generate.common import _plan_periods as _plan_periods
from sipm_helpers.data.generate.geography import (
    DEMO_COUNTRY,
    DEMO_GEOGRAPHY,
    MAX_PREFECTURES,
    MAX_PROVINCES,
    Places,
    load_places,
)
from sipm_helpers.data.generate.kinds import (
    CATEGORIES,
    EVALUATION_KINDS,
    EXCESS_RESERVE_MONTHS,
    HOOKS,
    IN_YEAR_KINDS,
    KINDS,
    LOW_RESERVE_MONTHS,
    OUTCOME_KINDS,
    SPIKE_FACTOR,
    STRUCTURE_KINDS,
    SUBSIDY_ARRIVAL,
    TARGET_KINDS,
    WRINKLE_KINDS,
    ScenarioKind,
    kind_of,
)
from sipm_helpers.data.generate.profiles import (
    NEW_RETIREE_PREMIUM,
    PATTERNS,
    POOLED_SHARE,
    PROFILES,
    SHORTFALL,
    FundProfile,
    Patterns,
    Profiles,
    Shortfall,
    fund_profile,
    load_patterns,
    load_profiles,
)
from sipm_helpers.data.generate.qualitative import TEXTS, Texts, load_texts
from sipm_helpers.data.generate.scenarios import (
    DEMO_SCENARIOS,
    OUTCOME_INDICATORS,
    Scenario,
    ScenarioData,
    load_scenarios,
)
from sipm_helpers.data.generate.targets import CAREFUL_SHARE, GUIDE_REACHED_BY
from sipm_helpers.data.generate.targets import _default_targets as _default_targets

__all__ = [
    "BASE_YEAR",
    "CAREFUL_SHARE",
    "CATEGORIES",
    "COUNTRY_CODE",
    "DEMO_COUNTRY",
    "DEMO_EVALUATION_YEAR",
    "DEMO_GEOGRAPHY",
    "DEMO_LAST_MONTH",
    "DEMO_SCENARIOS",
    "DEMO_SEED",
    "DEMO_YEARS",
    "EVALUATION_KINDS",
    "EXCESS_RESERVE_MONTHS",
    "GUIDE_REACHED_BY",
    "HOOKS",
    "IN_YEAR_KINDS",
    "KINDS",
    "LOW_RESERVE_MONTHS",
    "MAX_PREFECTURES",
    "MAX_PROVINCES",
    "MONTHS",
    "NEW_RETIREE_PREMIUM",
    "OUTCOME_INDICATORS",
    "OUTCOME_KINDS",
    "PATTERNS",
    "PLAN_ANCHOR",
    "PLAN_LENGTH",
    "POOLED_SHARE",
    "PROFILES",
    "SHORTFALL",
    "SPIKE_FACTOR",
    "STRUCTURE_KINDS",
    "SUBSIDY_ARRIVAL",
    "TABLE_NAMES",
    "TARGET_KINDS",
    "TEXTS",
    "WRINKLE_KINDS",
    "FundProfile",
    "Patterns",
    "Places",
    "Profiles",
    "Scenario",
    "ScenarioData",
    "ScenarioKind",
    "Shortfall",
    "Texts",
    "csv_ready",
    "demo_dataset",
    "fund_profile",
    "generate_dataset",
    "kind_of",
    "load_patterns",
    "load_places",
    "load_profiles",
    "load_scenarios",
    "load_texts",
    "write_demo",
]
