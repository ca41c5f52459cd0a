"""The province's one report to the centre across all its funds (Art. 18, 19 of Caishe
[2022] No. 65): sent to the Ministry of Finance, the Ministry of Human Resources and Social
Security and the National Healthcare Security Administration by 31 July.

It is consolidated from the provincial evaluation of each fund (stage 04's results, the
same the per-fund reports and the working papers read) and the dataset's own tables:

- **overview**: each fund's income, expenditure, balance and months of expenditure the
  balance covers, by coordinating region and for the province;
- **standing and categories**: each region's self-assessed and evaluated totals and
  grades, and its evaluated points in each category of Art. 9;
- **how the evaluation was made**: the evaluator's findings of the year in the ``review``
  table, counted by their basis (site visit, sample, data check, document, ledger);
- **the quality of each self-evaluation**, rated on its own scale
  (:func:`sipm_helpers.domain.quality.quality_ratings`), apart from the fund's score;
- **achievements, problems and limitations**: facts, each a registered test with the
  figures its sentence needs, never free text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd

from sipm_helpers import __version__
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import annual_facts, reserve_basis
from sipm_helpers.domain.follow_up import CLOSED, OVERDUE, follow_up
from sipm_helpers.domain.quality import quality_ratings
from sipm_helpers.domain.rounding import round_half_up

STAGE = "provincial_report"
RESULT_SCHEMA = "sipm.provincial_report"
RESULT_VERSION = 1
MONEY = ["income", "expenditure", "surplus", "balance_end", "balance_start"]
STANDING = ["fund", "region_code", "status", "self_total", "self_grade", "evaluated_total",
            "evaluated_grade", "gap", "gap_flag", "late", "unexplained", "unevidenced",
            "denied", "agency_alone", "rank"]  # fmt: skip


@dataclass(frozen=True)
class Fact:
    """A finding of the report that is a fact of the data: a code (its sentence's label)
    and the figures the sentence needs."""

    code: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class Consolidated:
    """One province's funds evaluated for one year, as its report to the centre shows them."""

    province: str
    year: int
    as_of: datetime.date
    funds: tuple[str, ...]  # coordinated in the province in the year, the registry's order
    results: Mapping[str, dict | None]  # each fund's stage-04 result (None: not evaluated)
    overview: pd.DataFrame  # fund, region_code, total (the province's row), money, months
    standing: pd.DataFrame  # fund, region_code, the result's standing, rating, shortfalls
    categories: pd.DataFrame  # fund, region_code, category, weight, points, earned
    reviews: pd.DataFrame  # fund, basis, findings, regions (the evaluator's, by basis)
    problems: pd.DataFrame  # fund, problem, regions, items: the new rectification items
    items: pd.DataFrame  # fund, state, items: the earlier rectification items as of as_of
    achievements: tuple[Fact, ...]
    limitations: tuple[Fact, ...]

    @property
    def evaluated_funds(self) -> tuple[str, ...]:
        return tuple(f for f in self.funds if self.results.get(f))

    def regions_of(self, fund: str) -> list[str]:
        s = self.standing
        return s.loc[s["fund"] == fund, "region_code"].tolist()


def coordinated_funds(ds: Dataset, ctx: Context, province: str, year: int) -> tuple[str, ...]:
    """The funds with a coordinating region in ``province`` that executed in ``year``, in
    the registry's order."""
    c, e = ds.coordination, ds.execution
    mine = c.loc[c["province_code"] == province, ["region_code", "fund"]]
    ran = e.loc[e["year"] == year, ["region_code", "fund"]].drop_duplicates()
    found = set(mine.merge(ran, on=["region_code", "fund"])["fund"])
    return tuple(f for f in ctx.registry.funds if f in found)


def members(ds: Dataset, fund: str, province: str) -> list[str]:
    """The coordinating regions of ``fund`` in ``province`` (the province alone where the
    fund is pooled at province level)."""
    c = ds.coordination
    return sorted(c.loc[(c["fund"] == fund) & (c["province_code"] == province), "region_code"])


def fund_overview(
    ds: Dataset, ctx: Context, province: str, year: int, funds: tuple[str, ...]
) -> pd.DataFrame:
    """Per fund and coordinating region, and for the province (``total``) where more than
    one region coordinates it: income, expenditure, the year's surplus, balances at the
    start and end, the balance's growth and the months of expenditure the balance covers
    (the pooled fund's, as the reserve indicator reads them: :func:`reserve_basis`)."""
    parts = [_fund_rows(ds, ctx, fund, province, year) for fund in funds]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["fund", "region_code", "total", *MONEY, "growth", "months"])
    return pd.concat(parts, ignore_index=True)


def _fund_rows(ds: Dataset, ctx: Context, fund: str, province: str, year: int) -> pd.DataFrame:
    """One fund's rows of :func:`fund_overview` (empty without execution in ``year``)."""
    regions = members(ds, fund, province)
    facts = annual_facts(ds, ctx.registry, funds=[fund], regions=regions, years=[year])
    e = facts.executed
    if e.empty or year not in e.index.get_level_values("year"):
        return pd.DataFrame()
    this = e.xs(year, level="year").droplevel("fund")
    basis = reserve_basis(facts).xs(year, level="year").droplevel("fund")
    rows = this[["income", "expenditure", "balance_start", "balance_end"]].assign(
        monthly=basis["expenditure"] / basis["months"], reserve=basis["balance_end"]
    )
    if len(rows) > 1:  # the province's figures: its regions' sums
        rows.loc[province] = rows.sum()
    rows = rows.rename_axis("region_code").reset_index()
    return rows.assign(
        fund=fund,
        total=(rows.index == len(rows) - 1) & (len(rows) > 1),
        surplus=rows["income"] - rows["expenditure"],
        growth=rows["balance_end"] / rows["balance_start"] - 1.0,
        months=rows["reserve"] / rows["monthly"],
    ).drop(columns=["monthly", "reserve"])


def standing(
    results: Mapping[str, dict | None], ctx: Context, ds: Dataset, province: str
) -> pd.DataFrame:
    """Per fund evaluated and region: the provincial evaluation's standing (its result's
    columns) with the quality of the region's self-evaluation rated; a fund without a
    result has its regions listed with status ``not_evaluated``."""
    rows = []
    for fund, result in results.items():
        if result:
            rows += [{**r, "fund": fund} for r in result["regions"]]
        else:
            rows += [{"fund": fund, "region_code": r, "status": NOT_EVALUATED}
                     for r in members(ds, fund, province)]  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=STANDING)
    for flag in ("gap_flag", "late", "agency_alone"):
        frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    rated = quality_ratings(frame.loc[frame["status"] != NOT_EVALUATED], ctx.quality.ratings)
    return frame.join(rated[["shortfalls", "rating", *_short_columns(rated)]])


NOT_EVALUATED = "not_evaluated"


def _short_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("short_")]


def categories(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """Per fund evaluated, region and category of Art. 9: weight, points and earned."""
    rows = [{**c, "fund": f} for f, r in results.items() if r for c in r.get("categories", [])]
    columns = ["fund", "region_code", "category", "weight", "points", "earned"]
    return pd.DataFrame(rows).reindex(columns=columns)


def reviews(ds: Dataset, province: str, year: int, funds: tuple[str, ...]) -> pd.DataFrame:
    """The evaluator's findings of ``year`` in the ``review`` table for the province's
    coordinating regions, per fund and basis: findings and regions concerned."""
    c = ds.coordination
    mine = c.loc[(c["province_code"] == province) & c["fund"].isin(funds), ["region_code", "fund"]]
    r = ds.review.loc[ds.review["year"] == year].merge(mine, on=["region_code", "fund"])
    columns = ["fund", "basis", "findings", "regions"]
    if r.empty:
        return pd.DataFrame(columns=columns)
    counted = r.groupby(["fund", "basis"], sort=True).agg(
        findings=("indicator", "size"), regions=("region_code", "nunique")
    )
    return counted.reset_index().reindex(columns=columns)


def problems(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """Per fund, kind of problem the evaluation found (its new rectification items) and
    indicator ("" where the problem concerns none): the regions concerned and the items,
    those of the most regions first within each fund."""
    rows = [{**p, "fund": f} for f, r in results.items() if r for p in r["problems"]]
    columns = ["fund", "problem", "indicator", "regions", "items"]
    if not rows:
        return pd.DataFrame(columns=columns)
    found = pd.DataFrame(rows).assign(indicator=lambda x: x["indicator"].fillna(""))
    counted = found.groupby(["fund", "problem", "indicator"], sort=False).agg(
        regions=("region_code", "nunique"), items=("item_id", "size")
    )
    counted = counted.reset_index().sort_values("regions", ascending=False, kind="stable")
    order = {f: i for i, f in enumerate(results)}
    return counted.sort_values("fund", key=lambda f: f.map(order), kind="stable").reset_index(
        drop=True
    )


def earlier_items(
    ds: Dataset, province: str, funds: tuple[str, ...], as_of: datetime.date
) -> pd.DataFrame:
    """Per fund and state as of ``as_of`` (closed, open, overdue): the earlier
    rectification items of the province's coordinating regions."""
    parts = [
        follow_up(ds, fund=f, regions=members(ds, f, province), as_of=as_of).assign(fund=f)
        for f in funds
    ]
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if found.empty:
        return pd.DataFrame(columns=["fund", "state", "items"])
    return found.groupby(["fund", "state"]).size().rename("items").reset_index()


def _totals(c: Consolidated) -> pd.DataFrame:
    """Each fund's province-wide row of the overview (its one region's where it has one)."""
    o = c.overview
    many = o.groupby("fund")["total"].transform("any")
    return o.loc[o["total"] | ~many].set_index("fund")


def _scored(c: Consolidated) -> pd.DataFrame:
    return c.standing.loc[c.standing["status"] == "evaluated"]


def _graded_well(c: Consolidated) -> dict | None:
    s = _scored(c)
    if s.empty:
        return None
    well = s["evaluated_grade"].isin(GRADED_WELL)
    return {"count": int(well.sum()), "of": len(s)}


def _balance_grew(c: Consolidated) -> dict | None:
    t = _totals(c)
    grew = t.index[t["balance_end"] > t["balance_start"]].tolist()
    return {"funds": grew, "count": len(grew), "of": len(t)} if grew else None


def _surplus(c: Consolidated) -> dict | None:
    t = _totals(c)
    ahead = t.index[t["surplus"] >= 0].tolist()
    return {"funds": ahead, "count": len(ahead), "of": len(t)} if ahead else None


def _items_closed(c: Consolidated) -> dict | None:
    i = c.items
    closed = int(i.loc[i["state"] == CLOSED, "items"].sum())
    return {"count": closed, "of": int(i["items"].sum())} if closed else None


GRADED_WELL = ("excellent", "good")
# What the province achieved, each a test of the consolidated figures: the figures its
# sentence needs, or None where it has nothing to say.
ACHIEVEMENTS: Mapping[str, Callable[[Consolidated], dict | None]] = MappingProxyType(
    {
        "graded_well": _graded_well,
        "surplus": _surplus,
        "balance_grew": _balance_grew,
        "items_closed": _items_closed,
    }
)


def _site_visits(c: Consolidated) -> dict:
    r = c.reviews
    visited = int(r.loc[r["basis"] == "site_visit", "regions"].sum())
    return {"visited": visited, "regions": len(_scored(c))}


def _missing_reports(c: Consolidated) -> dict | None:
    n = int((c.standing["status"] == "self_evaluation_missing").sum())
    return {"count": n} if n else None


def _funds_not_evaluated(c: Consolidated) -> dict | None:
    missing = [f for f in c.funds if not c.results.get(f)]
    return {"funds": missing, "count": len(missing)} if missing else None


def _overdue_items(c: Consolidated) -> dict | None:
    n = int(c.items.loc[c.items["state"] == OVERDUE, "items"].sum())
    return {"count": n, "as_of": c.as_of.isoformat()} if n else None


# What the reader must weigh the conclusions against (评价的局限性), each with its figures.
LIMITATIONS: Mapping[str, Callable[[Consolidated], dict | None]] = MappingProxyType(
    {
        "self_reported": lambda c: {},
        "site_visits": _site_visits,
        "missing_reports": _missing_reports,
        "funds_not_evaluated": _funds_not_evaluated,
        "overdue_items": _overdue_items,
        "projections": lambda c: {},
        "as_of": lambda c: {"as_of": c.as_of.isoformat()},
    }
)


def _facts(c: Consolidated, tests: Mapping[str, Callable[[Consolidated], dict | None]]):
    found = ((code, test(c)) for code, test in tests.items())
    return tuple(Fact(code, values) for code, values in found if values is not None)


def consolidate(
    ds: Dataset,
    ctx: Context,
    *,
    province: str,
    year: int,
    results: Mapping[str, dict | None],
    as_of: datetime.date,
) -> Consolidated:
    """The province's report on ``year`` from each fund's stage-04 result in ``results``
    (None: the fund's provincial evaluation is missing); earlier items as of ``as_of``."""
    funds = coordinated_funds(ds, ctx, province, year)
    mine = {f: results.get(f) for f in funds}
    c = Consolidated(
        province=province,
        year=year,
        as_of=as_of,
        funds=funds,
        results=MappingProxyType(mine),
        overview=fund_overview(ds, ctx, province, year, funds),
        standing=standing(mine, ctx, ds, province),
        categories=categories(mine),
        reviews=reviews(ds, province, year, funds),
        problems=problems(mine),
        items=earlier_items(ds, province, funds, as_of),
        achievements=(),
        limitations=(),
    )
    return replace(c, achievements=_facts(c, ACHIEVEMENTS), limitations=_facts(c, LIMITATIONS))


def grade_counts(standing: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per fund, the number of its regions at each evaluated grade."""
    s = standing.loc[standing["status"] == "evaluated"]
    counted = s.groupby(["fund", "evaluated_grade"]).size()
    return {f: {g: int(n) for g, n in counted.loc[f].items()} for f in s["fund"].unique()}


def consolidated_result(c: Consolidated, digits: int) -> dict:
    """The machine-readable result (JSON-serializable, versioned): per fund whether it was
    evaluated, its regions' grades and mean evaluated total; per region its quality rating
    and the criteria it fell short of; the achievements and limitations with their figures.
    Means at ``digits`` decimals (the scores' precision)."""
    s = c.standing
    grades = grade_counts(s)
    funds = []
    for f in c.funds:
        scored = s.loc[(s["fund"] == f) & (s["status"] == "evaluated"), "evaluated_total"]
        mean = float(round_half_up(scored.mean(), digits)) if len(scored) else None
        funds.append({"fund": f, "evaluated": bool(c.results.get(f)),
                      "regions": len(c.regions_of(f)), "grades": grades.get(f, {}),
                      "mean_total": mean})  # fmt: skip
    rated = s.loc[s["rating"].notna()]
    quality = [
        {"fund": r["fund"], "region_code": r["region_code"], "rating": r["rating"],
         "short_of": [k[len("short_"):] for k in _short_columns(rated) if bool(r[k])]}
        for r in rated.to_dict("records")
    ]  # fmt: skip
    return {
        "schema": RESULT_SCHEMA,
        "version": RESULT_VERSION,
        "stage": STAGE,
        "package_version": __version__,
        "province": c.province,
        "year": c.year,
        "as_of": c.as_of.isoformat(),
        "funds": funds,
        "quality": quality,
        "achievements": [{"code": a.code, "values": dict(a.values)} for a in c.achievements],
        "limitations": [{"code": a.code, "values": dict(a.values)} for a in c.limitations],
        "flags": ["funds_not_evaluated"] if any(not f["evaluated"] for f in funds) else [],
    }
