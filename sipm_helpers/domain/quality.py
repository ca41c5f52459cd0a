"""Faults of a self-evaluation itself that its scores do not show (Art. 17, 18 of Caishe
[2022] No. 65), found by the provincial evaluation:

- **Prepared by the agency alone**: Art. 17 has the finance department at the same level
  organise the coordinating region's self-evaluation; a report whose ``prepared_by``
  names no organiser of parameters/quality.yaml was not.
- **A reason the figures deny**: a stated reason that makes a claim (a deficit) the
  year's figures deny (income at least expenditure). Each fact a claim is checked against
  is one registered function of the year's income and expenditure.
- **The report's quality, rated**: each region's self-evaluation rated on a scale of its
  own (parameters/quality.yaml ``rating``), apart from the fund's score, by the number of
  registered criteria (``CRITERIA``) it falls short of in the provincial evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.config.quality import Rating
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import annual_facts
from sipm_helpers.domain.phrases import says_any
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# A fact of a region's year that denies a claim: True where the claim is false.
FACTS: Mapping[str, Callable[[pd.DataFrame], pd.Series]] = MappingProxyType(
    {"current_surplus": lambda year: year["income"] >= year["expenditure"]}
)


def prepared_alone(ds: Dataset, ctx: Context, *, fund: str, year: int) -> pd.DataFrame:
    """Per region of ``fund`` whose self-evaluation of ``year`` was received: region_code,
    prepared_by and ``alone`` (True where it names no organiser of the rules)."""
    s = ds.submissions
    mine = s.loc[(s["fund"] == fund) & (s["year"] == year), ["region_code", "prepared_by"]]
    organised = says_any(mine["prepared_by"], ctx.quality.organised_by)
    return mine.assign(alone=~organised).reset_index(drop=True)


def year_flows(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], year: int
) -> pd.DataFrame:
    """Per region: the year's income and expenditure as executed (10,000 yuan), from the
    annual facts every measure reads."""
    facts = annual_facts(ds, ctx.registry, funds=[fund], regions=list(regions), years=[year])
    executed = facts.executed.reindex(columns=["income", "expenditure"])
    mine = executed.loc[executed.index.get_level_values("year") == year]
    return mine.reset_index()[["region_code", "income", "expenditure"]]


def denied_reasons(
    ds: Dataset, ctx: Context, *, fund: str, regions: Iterable[str], year: int
) -> pd.DataFrame:
    """The stated reasons of ``year`` that make a claim the year's figures deny:
    region_code, indicator, reason, claim, income, expenditure."""
    regions = list(regions)
    x = ds.explanations
    x = x.loc[(x["fund"] == fund) & (x["year"] == year) & x["region_code"].isin(regions)]
    flows = year_flows(ds, ctx, fund=fund, regions=regions, year=year)
    parts = []
    for claim in ctx.quality.claims:
        if claim.fact not in FACTS:
            raise ParameterError(
                parameters_dir() / "quality.yaml",
                f"claims.{claim.code}.fact",
                f"unknown fact {claim.fact!r}; known: {', '.join(FACTS)}",
            )
        makes = says_any(x["reason"], claim.phrases)
        denied = flows.loc[FACTS[claim.fact](flows).to_numpy(dtype=bool), "region_code"]
        found = x.loc[makes & x["region_code"].isin(denied).to_numpy()]
        parts.append(found[["region_code", "indicator", "reason"]].assign(claim=claim.code))
    columns = ["region_code", "indicator", "reason", "claim"]
    out = pd.concat([pd.DataFrame(columns=columns), *parts], ignore_index=True)
    out = out.merge(flows, on="region_code", how="left")
    return out.sort_values(["region_code", "indicator"], ignore_index=True)


# What a self-evaluation is judged on (Art. 17, 18), each a test of the provincial
# evaluation's standing of the regions (domain.appraisal's result columns): True where the
# report falls short. A missing report falls short of being submitted and is rated last.
CRITERIA: Mapping[str, Callable[[pd.DataFrame], pd.Series]] = MappingProxyType(
    {
        "submitted": lambda r: r["status"] != "evaluated",
        "on_time": lambda r: r["late"].astype(bool),
        "deviations_explained": lambda r: r["unexplained"].fillna(0) > 0,
        "grades_evidenced": lambda r: r["unevidenced"].fillna(0) > 0,
        "figures_consistent": lambda r: r["denied"].fillna(0) > 0,
        "organised_by_finance": lambda r: r["agency_alone"].astype(bool),
        "close_to_evaluation": lambda r: r["gap_flag"].astype(bool),
    }
)


def quality_ratings(standing: pd.DataFrame, ratings: Iterable[Rating]) -> pd.DataFrame:
    """Per row of ``standing`` (regions of a provincial evaluation, with its result's
    columns): one boolean column per criterion of ``CRITERIA`` (True: falls short), the
    number of ``shortfalls`` and the ``rating`` code, the first level not exceeded (the
    last for a missing report)."""
    short = pd.DataFrame(
        {code: test(standing).to_numpy(bool) for code, test in CRITERIA.items()},
        index=standing.index,
    )
    count = short.sum(axis=1)
    levels = list(ratings)
    rating = pd.Series(levels[-1].code, index=standing.index, dtype="object")
    for level in reversed(levels[:-1]):
        rating = rating.mask(count <= level.shortfalls, level.code)
    rating = rating.mask(short["submitted"], levels[-1].code)
    return pd.concat([standing, short.add_prefix("short_")], axis=1).assign(
        shortfalls=count, rating=rating
    )
