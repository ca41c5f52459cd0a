"""The annual self-evaluation of one coordinating region's fund (Art. 15–18).

Assembles what the report shows and what later stages read: the funding block (initial
and adjusted budget, executed, execution rate per line item), the indicator block
(target, actual, weight, score, deviation, the agency's reason and measure), totals and
grade, the balance history, the targets as set, the deviations that lack the explanation
Art. 18 requires, and data-quality notes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sipm_helpers import __version__
from sipm_helpers.config.context import RESERVE_INDICATOR, Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.facts import AnnualFacts, annual_facts, reserve_basis
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.measures import months_covered
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rules import RULES, needs_target
from sipm_helpers.domain.scoring import (
    NOT_APPLICABLE,
    NOT_ASSESSED,
    category_scores,
    summarize_scores,
)
from sipm_helpers.domain.sustainability import Outlook, solvency_outlooks

RESULT_SCHEMA = "sipm.self_evaluation"
RESULT_VERSION = 3  # 3: overall targets concluded on
STAGE = "self_evaluation"


@dataclass(frozen=True)
class DataNote:
    """Something the reader must know about the data behind the evaluation."""

    kind: (
        str  # validation_warning | not_assessed | not_applicable | default_target | incomplete_year
    )
    message: str  # in English, as the result file records it
    indicator: str | None = None
    reason: str | None = None  # label key of the report's wording: no_data, no_evidence, ...


@dataclass(frozen=True)
class SelfEvaluation:
    """One region's fund evaluated for one budget year."""

    fund: str
    region: str
    province: str | None
    year: int
    complete_year: bool
    indicators: pd.DataFrame
    categories: pd.DataFrame
    summary: dict[str, Any]
    funding: pd.DataFrame
    balance_history: pd.DataFrame
    targets: pd.DataFrame
    data_notes: tuple[DataNote, ...] = field(default_factory=tuple)

    @property
    def deviations(self) -> pd.DataFrame:
        """Indicators that missed their target by more than their threshold (Art. 18)."""
        return self.indicators.loc[self.indicators["needs_explanation"]]

    @property
    def overall(self) -> pd.DataFrame:
        """The region's overall (multi-year) targets against this year's actual; those whose
        period closes this year concluded on (Art. 8): :func:`overall_conclusions`."""
        return overall_conclusions(self.indicators, self.targets, self.year)

    @property
    def unexplained(self) -> pd.DataFrame:
        """Deviations for which the agency gave no reason and improvement measure."""
        dev = self.deviations
        return dev.loc[~dev["explained"]]

    def to_result(self) -> dict[str, Any]:
        """The machine-readable result later stages read (JSON-serializable, versioned)."""
        cols = [
            "indicator",
            "category",
            "group",
            "kind",
            "weight",
            "points",
            "target",
            "target_source",
            "actual",
        ]
        cols += ["score", "status", "status_reason", "met", "shortfall", "needs_explanation"]
        cols += ["explained", "grade"]
        records = [
            {k: json_value(v) for k, v in row.items()}
            for row in self.indicators[cols]
            .rename(columns={"grade": "qualitative_grade"})
            .to_dict("records")
        ]
        return {
            "schema": RESULT_SCHEMA,
            "version": RESULT_VERSION,
            "stage": STAGE,
            "package_version": __version__,
            "fund": self.fund,
            "region": self.region,
            "province": self.province,
            "year": self.year,
            "complete_year": self.complete_year,
            "summary": {k: json_value(v) for k, v in self.summary.items()},
            "categories": [
                {k: json_value(v) for k, v in r.items()} for r in self.categories.to_dict("records")
            ],
            "indicators": records,
            "deviations": list(self.deviations["indicator"]),
            "unexplained_deviations": list(self.unexplained["indicator"]),
            "overall_targets": [
                {k: json_value(v) for k, v in r.items()} for r in self.overall.to_dict("records")
            ],
            "flags": self.flags(),
            "data_notes": [
                {"kind": n.kind, "indicator": n.indicator, "message": n.message}
                for n in self.data_notes
            ],
        }

    def flags(self) -> list[str]:
        """Short machine-readable flags for summaries and the index page."""
        flags = []
        if len(self.unexplained):
            flags.append("unexplained_deviations")
        if self.summary.get("not_assessed_points", 0) > 0:
            flags.append("points_not_assessed")
        if not self.complete_year:
            flags.append("incomplete_year")
        months = self.indicators.loc[self.indicators["indicator"] == RESERVE_INDICATOR]
        if len(months) and not bool(months["met"].fillna(True).iloc[0]):
            low = months["band_lower"].iloc[0]
            actual = months["actual"].iloc[0]
            flags.append("balance_low" if not math.isnan(low) and actual < low else "balance_high")
        return flags


def funding_block(
    facts: AnnualFacts, ctx: Context, fund: str, key: tuple[str, str, int]
) -> pd.DataFrame:
    """Per line item of the fund: initial and adjusted budget, executed, execution rate;
    then income and expenditure totals."""
    f = ctx.registry.fund(fund)
    rows = []
    for item in (*f.income_items, "income", *f.expenditure_items, "expenditure"):

        def get(frame: pd.DataFrame, item: str = item) -> float:
            if key in frame.index and item in frame.columns:
                value = frame.at[key, item]
                return float(value) if not pd.isna(value) else math.nan
            return math.nan

        initial, adjusted, executed = (
            get(facts.budget_initial),
            get(facts.budget),
            get(facts.executed),
        )
        kind = "total" if item in ("income", "expenditure") else ctx.registry.line_items[item].kind
        rows.append(
            {
                "item": item,
                "kind": kind,
                "initial": initial,
                "adjusted": adjusted,
                "executed": executed,
                "execution_rate": executed / adjusted
                if adjusted and not math.isnan(adjusted)
                else math.nan,
            }
        )
    frame = pd.DataFrame(rows)
    # Items neither budgeted nor executed say nothing: leave them out, keep the totals.
    empty = frame["kind"].ne("total") & frame[["initial", "adjusted", "executed"]].fillna(0).eq(
        0
    ).all(axis=1)
    return frame.loc[~empty].reset_index(drop=True)


def balance_history(facts: AnnualFacts, fund: str, region: str) -> pd.DataFrame:
    """Year-end balance, monthly expenditure and months covered for every year on record;
    where the pooled fund is reported apart, also its balance (``pooled_balance``), the
    personal accounts' (``personal_balance``), and months covered on the pooled fund."""
    ex = facts.executed
    mask = (ex.index.get_level_values("fund") == fund) & (
        ex.index.get_level_values("region_code") == region
    )
    sub = ex.loc[mask]
    basis = reserve_basis(facts).reindex(sub.index)
    pooled = basis["balance_end"].where(basis["pooled"].astype(bool))
    out = pd.DataFrame(
        {
            "year": sub.index.get_level_values("year").astype(int),
            "months_reported": sub["months"].astype(int).to_numpy(),
            "income": sub["income"].to_numpy(),
            "expenditure": sub["expenditure"].to_numpy(),
            "balance_end": sub["balance_end"].to_numpy(),
            "pooled_balance": pooled.to_numpy(dtype="float64", na_value=np.nan),
            "personal_balance": (sub["balance_end"] - pooled).to_numpy(
                dtype="float64", na_value=np.nan
            ),
            "months_covered": months_covered(facts).reindex(sub.index).to_numpy(),
        }
    )
    return out.sort_values("year", ignore_index=True)


def meets(actual: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """Whether each actual meets a target in the indicator's direction (NA: no target, no
    actual, or an indicator with no direction)."""
    higher, lower = direction == "higher", direction == "lower"
    met = np.where(higher, actual >= target, np.where(lower, actual <= target, False))
    known = (higher | lower) & target.notna() & actual.notna()
    return pd.Series(met, index=actual.index, dtype="boolean").where(known)


def overall_conclusions(indicators: pd.DataFrame, targets: pd.DataFrame, year: int) -> pd.DataFrame:
    """The region's overall targets covering ``year`` with this year's actual: indicator,
    start_year, end_year, target, actual, closes (the period ends this year) and achieved
    (for a period that closes: the actual of its last year meets the target in the
    indicator's direction; NA while the period runs, or without an actual)."""
    own = targets.loc[(targets["period"] == "overall") & (targets["level"] == "region")]
    own = own[["indicator", "start_year", "end_year", "target"]]
    found = indicators[["indicator", "actual", "direction", "rule"]].drop_duplicates("indicator")
    out = own.merge(found, on="indicator", how="left").reset_index(drop=True)
    out["closes"] = (out["end_year"] == year).to_numpy(dtype=bool)
    # A single figure set as the overall target of a banded indicator (months covered) is
    # its floor: "no fewer than six months".
    banded = out["rule"].map(lambda r: isinstance(r, str) and RULES[r].needs_band).astype(bool)
    directed = out["direction"].isin(["higher", "lower"])
    direction = out["direction"].astype(object).where(~(banded & ~directed), "higher")
    met = meets(out["actual"].astype("float64"), out["target"].astype("float64"), direction)
    out["achieved"] = met.where(out["closes"])
    return out.drop(columns=["direction", "rule"])


def targets_set(
    ds: Dataset, fund: str, region: str, province: str | None, year: int
) -> pd.DataFrame:
    """The targets that bear on this evaluation: the region's annual and overall targets
    and the province's and centre's annual targets for the year (Art. 7, 8, 10)."""
    t = ds.targets
    mine = (t["fund"] == fund) & (
        ((t["level"] == "region") & (t["region_code"] == region))
        | ((t["level"] == "province") & (t["region_code"] == province))
        | (t["level"] == "central")
    )
    period = ((t["period"] == "annual") & (t["start_year"] == year)) | (
        (t["period"] == "overall") & (t["start_year"] <= year) & (t["end_year"] >= year)
    )
    return t.loc[mine & period].reset_index(drop=True)


@dataclass(frozen=True)
class FundScores:
    """A fund's annual facts (every year on record) and its indicators scored for one year,
    for the regions asked for: what the evaluation of each of those regions reads; and the
    solvency outlook up to that year (none without a complete year) that its
    sustainability was scored from and its projection builds on."""

    facts: AnnualFacts
    scored: pd.DataFrame
    outlooks: Mapping[int, Outlook] = field(default_factory=dict)


def score_fund(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    year: int,
    regions: list[str] | None = None,
    outlooks: Mapping[int, Outlook] | None = None,
) -> FundScores:
    """Facts and scores of ``fund`` in ``year`` for ``regions`` (None: all), computed at
    once; a region's evaluation from them equals its evaluation computed alone.
    ``outlooks``: the regions' solvency outlooks already made (the year's is used)."""
    facts = annual_facts(ds, ctx.registry, funds=[fund], regions=regions)
    if outlooks is None or year not in outlooks:
        outlooks = solvency_outlooks(
            ds, ctx, years=[year], funds=[fund], regions=regions, facts=facts
        )
    mine = {year: outlooks[year]} if year in outlooks else {}
    scored = indicator_frame(
        ds, ctx, funds=[fund], regions=regions, years=[year], facts=facts, outlooks=mine
    )
    return FundScores(facts, scored, mine)


def evaluate(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    region: str,
    year: int,
    scores: FundScores | None = None,
) -> SelfEvaluation:
    """Evaluate one region's fund for one budget year, from ``scores`` where the fund's
    regions were scored together (their facts and scores must include this region).

    Raises KeyError (unknown fund), ValueError (region not a coordinating region of the
    fund, or no execution data for the year).
    """
    ctx.registry.fund(fund)
    coord = ds.coordination
    row = coord.loc[(coord["fund"] == fund) & (coord["region_code"] == region)]
    if row.empty:
        where = ", ".join(coord.loc[coord["fund"] == fund, "region_code"])
        raise ValueError(
            f"{region} is not a coordinating region of {fund}; its regions are: {where}"
        )
    province = str(row.iloc[0]["province_code"])
    ctx = ctx.for_province(province, year)  # the province's own grade rules (Art. 24)
    scores = scores or score_fund(ds, ctx, fund=fund, year=year, regions=[region])
    facts = scores.facts.of(fund, region)
    key = (region, fund, year)
    if key not in facts.executed.index:
        years = sorted({int(y) for y in facts.executed.index.get_level_values("year")})
        raise ValueError(
            f"no execution data for {fund} in {region} for {year}; years on record: {years}"
        )
    months = int(facts.executed.at[key, "months"])
    scored = scores.scored
    mine = scored.loc[(scored["region_code"] == region) & (scored["year"] == year)]
    mine = mine.reset_index(drop=True)
    keys = ["region_code", "fund", "year"]
    summary = summarize_scores(mine, ctx.standards, keys).iloc[0].to_dict()
    summary.pop("region_code"), summary.pop("fund"), summary.pop("year")
    grade = next(g for g in ctx.standards.grades if g.code == summary["grade"])
    summary["grade_zh"], summary["grade_en"] = grade.zh, grade.en
    categories = category_scores(mine, keys, ctx.standards.score_decimals).drop(columns=keys)
    return SelfEvaluation(
        fund=fund,
        region=region,
        province=province,
        year=year,
        complete_year=months == 12,
        indicators=mine,
        categories=categories,
        summary=summary,
        funding=funding_block(facts, ctx, fund, key),
        balance_history=balance_history(facts, fund, region),
        targets=targets_set(ds, fund, region, province, year),
        data_notes=data_notes(ds, mine, fund=fund, region=region, year=year, months=months),
    )


def data_notes(
    ds: Dataset, scored: pd.DataFrame, *, fund: str, region: str, year: int, months: int
) -> tuple[DataNote, ...]:
    """What the reader must know about the data behind one evaluation: an incomplete year,
    indicators not assessed (no data, no target, no evidence) and not applicable (why),
    targets that fell back on the catalogue default, and validation warnings."""
    notes = []
    if months < 12:
        notes.append(
            DataNote(
                "incomplete_year",
                f"execution data reach month {months} of {year} only",
                reason="incomplete_year",
            )
        )
    for status in (NOT_ASSESSED, NOT_APPLICABLE):
        for r in scored.loc[scored["status"] == status].itertuples():
            why = str(r.status_reason)
            notes.append(DataNote(status, why.replace("_", " "), r.indicator, why))
    uses_target = needs_target(scored["rule"])
    counted = scored["status"] == "scored"
    for r in scored.loc[
        uses_target & counted & (scored["target_source"] == "catalogue")
    ].itertuples():
        notes.append(
            DataNote(
                "default_target",
                "no target was set: the catalogue default applies",
                r.indicator,
                "default_target",
            )
        )
    for w in ds.report.warnings:
        if w.region == region and w.fund == fund and (w.year is None or w.year == year):
            notes.append(DataNote("validation_warning", f"{w.origin}: {w.message}"))
    return tuple(notes)
