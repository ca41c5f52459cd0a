"""The two tables a finance department discloses to the people's congress and the public
(Caishe [2022] No. 65, Art. 21), for a province or the country, built from the data and the
provincial evaluations' results:

- with the budget draft, the performance targets table (社会保险基金预算绩效目标表): per
  fund, the budget's income, expenditure and balance and the targets, overall and annual,
  by the three levels of indicators of the fund's catalogue;
- with the final accounts, the performance evaluation results table (社会保险基金预算绩效
  评价结果表): per fund, the budget against its execution, the evaluated score and grade,
  the main problems (as codes the labels word) and the rectification ledger's states.

Only the fields named in :data:`READ` are read from a result, and never one that
parameters/disclosure.yaml withholds: what is withheld cannot reach a disclosed table."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sipm_helpers import __version__
from sipm_helpers.config.context import Context
from sipm_helpers.config.disclosure import DisclosureRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.follow_up import CLOSED, OPEN, OVERDUE, follow_up
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rounding import round_half_up
from sipm_helpers.errors import SipmError

STAGE = "disclosure"
RESULT_SCHEMA = "sipm.disclosure"
RESULT_VERSION = 1
# The fields a disclosure reads from each part of a provincial evaluation's result.
READ = {
    "regions": ("region_code", "status", "evaluated_total"),
    "problems": ("region_code", "problem", "indicator"),
}
EVALUATED = "evaluated"
# Whose target is published where several levels set one for the disclosing region: its
# own as a coordinating region, then the province's, then the centre's.
LEVELS = ("region", "province", "central")
STATES = (CLOSED, OPEN, OVERDUE)
# The tables of a disclosure, as its result lists them.
TABLES = ("budget", "targets", "accounts", "scores", "fund_scores", "problems", "rectification")
MONEY = ["income", "expenditure", "surplus", "balance_start", "balance_end"]


@dataclass(frozen=True)
class Disclosure:
    """What a province (or the country) discloses on the budget of ``budget_year`` and on
    the evaluation of ``year``."""

    region: str
    year: int
    budget_year: int
    as_of: datetime.date
    funds: tuple[str, ...]  # the funds coordinated in the region, the registry's order
    budget: pd.DataFrame  # fund, MONEY: the initial budget of budget_year, summed
    targets: pd.DataFrame  # fund, order, period, start_year, end_year, category, group,
    #                        indicator, kind, unit, target
    accounts: pd.DataFrame  # fund, budget_*, income, expenditure, balance_end, months, *_rate
    scores: pd.DataFrame  # fund, unit (a region, or a province for the country), regions,
    #                       evaluated, total, grade
    fund_scores: pd.DataFrame  # fund, regions, evaluated, total, grade
    problems: pd.DataFrame  # fund, problem, indicator, regions
    rectification: pd.DataFrame  # fund, closed, open, overdue


def is_country(ds: Dataset, region: str) -> bool:
    """Whether ``region`` is the country (the central level) in the regions table."""
    r = ds.regions
    return bool((r.loc[r["region_code"] == region, "level"] == "country").any())


def scope(ds: Dataset, region: str) -> pd.DataFrame:
    """The coordination rows (region_code, fund, province_code) under ``region``: a
    province's, or every one for the country."""
    c = ds.coordination[["region_code", "fund", "province_code"]]
    return c if is_country(ds, region) else c.loc[c["province_code"] == region]


def disclosed_funds(
    ds: Dataset, ctx: Context, region: str, years: Iterable[int]
) -> tuple[str, ...]:
    """The funds coordinated under ``region`` with a budget in any of ``years``, in the
    registry's order."""
    b = ds.budget.loc[ds.budget["year"].isin(list(years))]
    found = set(
        b.merge(scope(ds, region)[["region_code", "fund"]], on=["region_code", "fund"])["fund"]
    )
    return tuple(f for f in ctx.registry.funds if f in found)


def budget_table(ds: Dataset, ctx: Context, region: str, year: int) -> pd.DataFrame:
    """Per fund coordinated under ``region``: the initial budget of ``year`` summed over
    its coordinating regions, income and expenditure from the registry's line items of
    each kind, the year's surplus, balances at the start and end of the year."""
    return _budget_sums(ds, ctx, region, year, "initial")


def _budget_sums(ds: Dataset, ctx: Context, region: str, year: int, column: str) -> pd.DataFrame:
    """Per fund under ``region``: the budget's ``column`` (initial, adjusted) of ``year``
    summed by kind of line item over the coordinating regions."""
    b = ds.budget.loc[ds.budget["year"] == year].merge(
        scope(ds, region)[["region_code", "fund"]], on=["region_code", "fund"]
    )
    kinds = {code: item.kind for code, item in ctx.registry.line_items.items()}
    bucket = (
        b["item"].map(kinds).where(~b["item"].isin(["balance_start", "balance_end"]), b["item"])
    )
    wide = b.assign(bucket=bucket).pivot_table(
        index="fund", columns="bucket", values=column, aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(
        columns=["income", "expenditure", "balance_start", "balance_end"], fill_value=0.0
    )
    wide = wide.assign(surplus=wide["income"] - wide["expenditure"])[MONEY]
    order = [f for f in ctx.registry.funds if f in wide.index]
    return wide.reindex(order).rename_axis(index="fund", columns=None).reset_index()


def accounts_table(ds: Dataset, ctx: Context, region: str, year: int) -> pd.DataFrame:
    """Per fund: the adjusted budget of ``year`` (budget_income, budget_expenditure,
    budget_balance_end) against its execution summed over the coordinating regions
    (income, expenditure, the balance at the last month reported), the months executed
    (the fewest of any region) and the execution rates."""
    budget = _budget_sums(ds, ctx, region, year, "adjusted")
    budget = budget[["fund", "income", "expenditure", "balance_end"]].add_prefix("budget_")
    e = ds.execution.loc[ds.execution["year"] == year].merge(
        scope(ds, region)[["region_code", "fund"]], on=["region_code", "fund"]
    )
    kinds = {code: item.kind for code, item in ctx.registry.line_items.items()}
    flows = (
        e.assign(kind=e["item"].map(kinds))
        .pivot_table(index="fund", columns="kind", values="amount", aggfunc="sum", fill_value=0.0)
        .reindex(columns=["income", "expenditure"], fill_value=0.0)
        .rename_axis(columns=None)
    )
    last = e.groupby(["fund", "region_code"])["month"].transform("max")
    closing = e.loc[(e["item"] == "balance_end") & (e["month"] == last)]
    ends = closing.groupby("fund").agg(balance_end=("amount", "sum"))
    months = (
        e.groupby(["fund", "region_code"])["month"].max().groupby("fund").min().rename("months")
    )
    out = budget.rename(columns={"budget_fund": "fund"}).merge(
        flows.join(ends).join(months).reset_index(), on="fund", how="inner"
    )
    return out.assign(
        income_rate=out["income"] / out["budget_income"].replace(0.0, np.nan),
        expenditure_rate=out["expenditure"] / out["budget_expenditure"].replace(0.0, np.nan),
    )


def targets_table(ds: Dataset, ctx: Context, region: str, year: int) -> pd.DataFrame:
    """The targets ``region`` set for its funds' budget of ``year``: the annual targets of
    ``year`` and the overall targets whose period covers it, one per fund, indicator and
    period (the region's own before the province's and the centre's, :data:`LEVELS`),
    with the first-, second- and third-level indicator of the fund's catalogue (its
    category of Art. 9, its group, the indicator), level by level in the library's order
    and within a group in the catalogue's."""
    t = ds.targets
    mine = t.loc[
        (t["region_code"] == region)
        & (((t["period"] == "annual") & (t["start_year"] == year))
           | ((t["period"] == "overall") & (t["start_year"] <= year) & (t["end_year"] >= year)))
    ]  # fmt: skip
    rank = mine["level"].map({lv: i for i, lv in enumerate(LEVELS)}).fillna(len(LEVELS))
    mine = mine.assign(rank=rank).sort_values("rank", kind="stable")
    mine = mine.drop_duplicates(["fund", "indicator", "period"])
    province = None if is_country(ds, region) else region
    columns = ["fund", "order", "indicator", "category", "group", "kind", "unit", "levels"]
    catalogues = pd.concat(
        [_levels(ctx.catalogue(f, province)).assign(fund=f)[columns] for f in mine["fund"].unique()]
        or [pd.DataFrame(columns=columns)],
        ignore_index=True,
    )
    out = mine.merge(catalogues, on=["fund", "indicator"], how="inner")
    place = {f: i for i, f in enumerate(ctx.registry.funds)}
    out = out.assign(place=out["fund"].map(place), annual=out["period"] != "annual")
    out = out.sort_values(["place", "annual", "start_year", "levels", "order"], kind="stable")
    return out[["fund", "order", "period", "start_year", "end_year", "category", "group",
                "indicator", "kind", "unit", "target"]].reset_index(drop=True)  # fmt: skip


def _levels(catalogue) -> pd.DataFrame:
    """The catalogue's frame with ``levels``: the place of its category of Art. 9, then of
    its group, in the library's order, so that a table reads level by level."""
    frame = catalogue.frame()
    categories = {c: i for i, c in enumerate(catalogue.categories)}
    groups = {g: i for i, g in enumerate(catalogue.groups)}
    rank = frame["category"].map(categories).fillna(len(categories)) * 1000
    return frame.assign(levels=rank + frame["group"].map(groups).fillna(len(groups)))


def read_part(results: Iterable[Mapping], part: str, rules: DisclosureRules) -> pd.DataFrame:
    """The fields :data:`READ` names of each result's ``part``, with the result's fund and
    province; SipmError if parameters/disclosure.yaml withholds one of them."""
    fields = READ[part]
    clash = set(fields) & set(rules.fields(part))
    if clash:
        raise SipmError(
            f"the disclosure reads {part}.{', '.join(sorted(clash))}, which it withholds"
        )
    rows = [
        {"fund": r["fund"], "province": r["province"], **{k: row.get(k) for k in fields}}
        for r in results
        for row in r.get(part, [])
    ]
    return pd.DataFrame(rows, columns=["fund", "province", *fields])


def score_tables(
    ds: Dataset,
    ctx: Context,
    region: str,
    results: Iterable[Mapping],
    rules: DisclosureRules,
    funds: Iterable[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per fund and unit (each coordinating region of a province; each province for the
    country), and per fund: the coordinating regions, those evaluated, the mean evaluated
    score (rounded half up as scores are shown) and its grade. A fund or unit without an
    evaluation has neither score nor grade."""
    s = scope(ds, region)
    s = s.loc[s["fund"].isin(list(funds))]
    country = is_country(ds, region)
    regions = read_part(results, "regions", rules)
    regions = regions.loc[
        regions["status"] == EVALUATED, ["fund", "region_code", "evaluated_total"]
    ]
    units = s.assign(unit=s["province_code"] if country else s["region_code"]).merge(
        regions, on=["fund", "region_code"], how="left"
    )
    digits = ctx.standards.score_decimals
    by_unit = _scored(units, ["fund", "unit"], ctx, digits)
    by_fund = _scored(units, ["fund"], ctx, digits)
    place = {f: i for i, f in enumerate(ctx.registry.funds)}
    by_unit = by_unit.sort_values(
        ["fund", "unit"], key=lambda c: c.map(place) if c.name == "fund" else c
    )
    by_fund = by_fund.sort_values("fund", key=lambda c: c.map(place))
    return by_unit.reset_index(drop=True), by_fund.reset_index(drop=True)


def _scored(units: pd.DataFrame, keys: list[str], ctx: Context, digits: int) -> pd.DataFrame:
    g = units.groupby(keys, sort=False).agg(
        regions=("region_code", "nunique"),
        evaluated=("evaluated_total", "count"),
        total=("evaluated_total", "mean"),
    )
    total = pd.Series(round_half_up(g["total"].to_numpy(dtype=float), digits), index=g.index)
    grades = ctx.standards.grades
    grade = np.select([total.to_numpy() >= x.min for x in grades], [x.code for x in grades], "")
    grade = pd.Series(grade, index=g.index).where(total.notna())
    return g.assign(total=total.where(g["evaluated"] > 0), grade=grade).reset_index()


def problem_table(
    results: Iterable[Mapping], rules: DisclosureRules, funds: Iterable[str]
) -> pd.DataFrame:
    """Per fund, problem the evaluations found (a code the labels word) and indicator ("":
    none): the regions it concerns, those of the most regions first."""
    p = read_part(results, "problems", rules)
    columns = ["fund", "problem", "indicator", "regions"]
    if p.empty:
        return pd.DataFrame(columns=columns)
    p = p.assign(indicator=p["indicator"].fillna(""))
    counted = (
        p.groupby(["fund", "problem", "indicator"], sort=False)
        .agg(regions=("region_code", "nunique"))
        .reset_index()
    )
    place = {f: i for i, f in enumerate(funds)}
    counted = counted.assign(place=counted["fund"].map(place))
    counted = counted.sort_values(["place", "regions"], ascending=[True, False], kind="stable")
    return counted[columns].reset_index(drop=True)


def rectification_table(
    ds: Dataset, region: str, funds: Iterable[str], as_of: datetime.date
) -> pd.DataFrame:
    """Per fund: the rectification items of its coordinating regions under ``region`` found
    up to ``as_of``, counted by their state on that date (closed, open, overdue)."""
    s = scope(ds, region)
    parts = [
        follow_up(
            ds, fund=f, regions=s.loc[s["fund"] == f, "region_code"].tolist(), as_of=as_of
        ).assign(fund=f)[["fund", "state"]]
        for f in funds
    ]
    found = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["fund", "state"])
    )
    wide = pd.crosstab(found["fund"], found["state"]).reindex(
        index=list(funds), columns=list(STATES), fill_value=0
    )
    return wide.fillna(0).astype(int).rename_axis(index="fund", columns=None).reset_index()


def disclose(
    ds: Dataset,
    ctx: Context,
    rules: DisclosureRules,
    *,
    region: str,
    year: int,
    budget_year: int,
    results: Iterable[Mapping],
    as_of: datetime.date,
) -> Disclosure:
    """The disclosure of ``region`` (a province, or the country): its targets table on the
    budget of ``budget_year`` and its results table on ``year``, from the provincial
    evaluations ``results`` of ``year`` (stage 04's, those of other regions ignored)."""
    country = is_country(ds, region)
    mine = [
        r for r in results if r and int(r["year"]) == year and (country or r["province"] == region)
    ]
    funds = disclosed_funds(ds, ctx, region, (year, budget_year))
    scores, fund_scores = score_tables(ds, ctx, region, mine, rules, funds)
    return Disclosure(
        region=region,
        year=year,
        budget_year=budget_year,
        as_of=as_of,
        funds=funds,
        budget=budget_table(ds, ctx, region, budget_year),
        targets=targets_table(ds, ctx, region, budget_year),
        accounts=accounts_table(ds, ctx, region, year),
        scores=scores,
        fund_scores=fund_scores,
        problems=problem_table(mine, rules, funds),
        rectification=rectification_table(ds, region, funds, as_of),
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def disclosure_result(d: Disclosure) -> dict:
    """The machine-readable result (JSON-serializable, versioned): every table of the
    disclosure as published, codes and figures, no words (each reader words them)."""
    return {
        "schema": RESULT_SCHEMA,
        "version": RESULT_VERSION,
        "stage": STAGE,
        "package_version": __version__,
        "region": d.region,
        "year": d.year,
        "budget_year": d.budget_year,
        "as_of": d.as_of.isoformat(),
        "funds": list(d.funds),
        **{name: _records(getattr(d, name)) for name in TABLES},
    }
