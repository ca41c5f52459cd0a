"""The indicator table of many evaluations at once: each region, fund and year's
indicators with actual, target (and where it came from), whether it applies, the points
it carries, its score and status, and the agency's explanation where one was submitted
(Art. 9, 15–18). Vectorized over the whole dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from sipm_helpers.config.catalogue import BAND_COLUMNS
from sipm_helpers.config.context import Context
from sipm_helpers.config.policy import Policy
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.applicability import CONDITIONS, compute_applicability
from sipm_helpers.domain.facts import KEYS, AnnualFacts, annual_facts
from sipm_helpers.domain.measures import MEASURES, OUTLOOKS, compute_measures
from sipm_helpers.domain.review import adjust_actuals, adjust_grades, take_out, withhold
from sipm_helpers.domain.rules import RULES
from sipm_helpers.domain.scoring import allot_points, score_indicators
from sipm_helpers.domain.sustainability import Outlook, solvency_outlooks
from sipm_helpers.errors import ParameterError

TARGET_SOURCES = ("region", "province", "central", "catalogue")


def catalogue_frame(ctx: Context, funds: Iterable[str] | None = None) -> pd.DataFrame:
    """Every catalogue as one frame with columns ``fund`` and ``province_code`` (empty for
    a fund's own catalogue, the province for a province's own, Art. 24)."""
    chosen = set(funds) if funds is not None else set(ctx.catalogues)
    frames = [
        ctx.catalogues[f].frame().assign(fund=f, province_code=pd.NA)
        for f in ctx.catalogues
        if f in chosen
    ]
    frames += [
        cat.frame().assign(fund=fund, province_code=province)
        for (province, fund), cat in ctx.province_catalogues.items()
        if fund in chosen
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame["province_code"] = frame["province_code"].astype("string")
    return frame


def _catalogue_problem(ind) -> tuple[str, str] | None:
    """(key, what is wrong) for an indicator naming something the domain does not hold."""
    if ind.function and ind.function not in MEASURES:
        return (
            "function",
            f"names unknown measure {ind.function!r}; known: {', '.join(sorted(MEASURES))}",
        )
    if ind.rule not in RULES:
        return "rule", f"names unknown rule {ind.rule!r}; known: {', '.join(RULES)}"
    rule = RULES[ind.rule]
    if rule.qualitative != (ind.kind == "qualitative"):
        return "rule", "qualitative indicators, and only they, use a rule that scores a grade"
    if rule.takes is not None and getattr(ind, rule.takes) is None:
        return rule.takes, f"the {ind.rule} rule needs a `{rule.takes}`"
    if ind.deduct is not None and rule.takes != "deduct":
        return "deduct", f"the {ind.rule} rule deducts nothing: drop the `deduct`"
    if rule.takes == "deduct" and ind.unit != "rate":
        return "unit", f"the {ind.rule} rule counts percentage points: it scores rates only"
    if ind.min_sample is not None and (not ind.function or MEASURES[ind.function].sample is None):
        return "min_sample", "its measure rests on no sample: drop the `min_sample`"
    if ind.applies_when and ind.applies_when not in CONDITIONS:
        return "applies_when", (
            f"names unknown condition {ind.applies_when!r}; known: {', '.join(CONDITIONS)}"
        )
    return None


def check_catalogues(ctx: Context) -> None:
    """Every catalogue names measures, rules and applicability conditions that exist, and
    each rule has what it needs; ParameterError naming the file and indicator otherwise."""
    for cat in ctx.all_catalogues():
        for ind in cat.indicators:
            problem = _catalogue_problem(ind)
            if problem:
                raise ParameterError(cat.source, f"indicators.{ind.code}.{problem[0]}", problem[1])


def apply_policy(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Targets and band bounds that follow a dated policy parameter take the value in force
    in each row's year, plus the catalogue's offset (parameters/policy.yaml). Takes the
    catalogue's ``<column>_policy`` columns and ``year``; returns a new frame without them,
    with ``standard_policy`` (the national standard, a policy parameter of kind
    ``standard``, the default target or else a band bound follows: the indicator's target
    is the nation's, not a local choice; None otherwise) and ``standard`` (the default
    target so set, NaN where it follows no standard)."""
    out = frame.copy()
    years = out["year"].to_numpy(dtype="int64")
    for col in BAND_COLUMNS:
        named = out[f"{col}_policy"].astype(object).to_numpy()
        follows = pd.notna(named)
        value = out[col].to_numpy(dtype="float64", na_value=np.nan).copy()
        for name in pd.unique(named[follows]):
            rows = named == name
            value[rows] = np.nan_to_num(value[rows]) + policy.values(str(name), years[rows])
        out[col] = value
    standards = [name for name, p in policy.parameters.items() if p.standard]
    named = out[[f"{col}_policy" for col in BAND_COLUMNS]].to_numpy(dtype=object)
    has = np.isin(named, standards)  # the default target's first: BAND_COLUMNS begins with it
    first = named[np.arange(len(out)), has.argmax(axis=1)] if len(out) else named[:, 0]
    out["standard_policy"] = np.where(has.any(axis=1), first, None)
    out["standard"] = np.where(has[:, 0], out["default_target"], np.nan)
    return out.drop(columns=[f"{col}_policy" for col in BAND_COLUMNS])


def resolve_targets(ds: Dataset, base: pd.DataFrame) -> pd.DataFrame:
    """Add ``target`` and ``target_source`` to rows of (region_code, fund, year, indicator).

    The annual target set for the region wins, then the province's, then the central
    guiding target (Art. 10), then the catalogue's default.
    """
    annual = ds.targets.loc[ds.targets["period"] == "annual"].rename(columns={"start_year": "year"})
    annual = annual.astype({"year": "int64"})
    province = ds.coordination[["region_code", "fund", "province_code"]]
    out = base.merge(province, on=["region_code", "fund"], how="left")
    for level, left_on in (("region", "region_code"), ("province", "province_code")):
        chosen = annual.loc[
            annual["level"] == level, ["region_code", "fund", "indicator", "year", "target"]
        ]
        chosen = chosen.rename(columns={"region_code": left_on, "target": f"target_{level}"})
        out = out.merge(chosen, on=[left_on, "fund", "indicator", "year"], how="left")
    central = annual.loc[annual["level"] == "central", ["fund", "indicator", "year", "target"]]
    central = central.groupby(["fund", "indicator", "year"], as_index=False)["target"].first()
    out = out.merge(
        central.rename(columns={"target": "target_central"}),
        on=["fund", "indicator", "year"],
        how="left",
    )
    out = out.rename(columns={"default_target": "target_catalogue"})
    candidates = [f"target_{s}" for s in TARGET_SOURCES]
    values = out[candidates].to_numpy(dtype="float64", na_value=np.nan)
    has = ~np.isnan(values)
    first = np.where(has.any(axis=1), has.argmax(axis=1), -1)
    out["target"] = np.where(first >= 0, values[np.arange(len(out)), np.maximum(first, 0)], np.nan)
    out["target_source"] = np.where(
        first >= 0, np.array(TARGET_SOURCES, dtype=object)[np.maximum(first, 0)], None
    )
    return out.drop(columns=[*candidates, "province_code"])


def _with_catalogue(ds: Dataset, cat: pd.DataFrame, present: pd.DataFrame) -> pd.DataFrame:
    """Each row of ``present`` (region, fund, year) with each indicator of its catalogue:
    a province's own catalogue (Art. 24) replaces the fund's for its coordinating regions."""
    present = present.merge(
        ds.coordination[["region_code", "fund", "province_code"]],
        on=["region_code", "fund"],
        how="left",
    )
    own = cat.loc[cat["province_code"].notna()]
    has_own = pd.MultiIndex.from_frame(present[["province_code", "fund"]].astype(object)).isin(
        pd.MultiIndex.from_frame(own[["province_code", "fund"]].drop_duplicates().astype(object))
    )
    return pd.concat(
        [
            present.loc[~has_own].merge(
                cat.loc[cat["province_code"].isna()].drop(columns="province_code"), on="fund"
            ),
            present.loc[has_own].merge(own, on=["province_code", "fund"]),
        ],
        ignore_index=True,
    ).drop(columns="province_code")


def _projects(cat: pd.DataFrame) -> bool:
    """Whether an indicator of the catalogues is measured on the solvency outlook."""
    return any(OUTLOOKS in MEASURES[name].uses for name in cat["function"].dropna().unique())


def _outlooks(
    ds: Dataset,
    ctx: Context,
    facts: AnnualFacts,
    present: pd.DataFrame,
    given: Mapping[int, Outlook] | None,
) -> dict[int, Outlook]:
    """The solvency outlook of each year of ``present`` (rows of region, fund and year):
    those ``given``, and the others projected for the selection's regions at once."""
    years = {int(y) for y in present["year"].unique()}
    given = {y: o for y, o in (given or {}).items() if y in years}
    return {**solvency_outlooks(ds, ctx, years=years - set(given), facts=facts), **given}


def indicator_frame(
    ds: Dataset,
    ctx: Context,
    *,
    funds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    facts: AnnualFacts | None = None,
    review: pd.DataFrame | None = None,
    outlooks: Mapping[int, Outlook] | None = None,
) -> pd.DataFrame:
    """Score every indicator of every (region, fund, year) with execution data in the selection;
    with ``review``, the evaluator's findings applied (:mod:`sipm_helpers.domain.review`)
    and a column ``reviewed`` naming the finding that changed a row.

    Returns one row per region, fund, year and indicator with the catalogue's columns,
    actual, target, target_source, applicable, points (the weight once the weight of
    indicators that do not apply is shared within their category), grade/share/evidence
    (qualitative), the columns of :func:`score_indicators` (status, score, met,
    shortfall, reference, reads, needs_explanation, status_reason), the agency's reason
    and improvement_measure (explanations) and explained.

    ``facts`` are the selection's annual facts where already aggregated (every year where
    a catalogue scores the projection); ``outlooks`` the solvency outlooks of some of its
    years where already made (:func:`~sipm_helpers.domain.sustainability.solvency_outlooks`).
    """
    check_catalogues(ctx)
    cat = catalogue_frame(ctx, funds)
    projects = _projects(cat)  # a projection fits each region's whole history
    facts = facts or annual_facts(
        ds, ctx.registry, funds=funds, regions=regions, years=None if projects else years
    )
    present = facts.executed.index.to_frame(index=False)[KEYS]
    if years is not None:  # the facts also hold the years before, for growth measures
        present = present.loc[present["year"].isin(list(years))]
    base = _with_catalogue(ds, cat, present)
    inputs = {OUTLOOKS: _outlooks(ds, ctx, facts, present, outlooks)} if projects else {}
    measures = compute_measures(facts, sorted(cat["function"].dropna().unique()), ctx, inputs)
    base = base.merge(measures, on=[*KEYS, "function"], how="left")
    base["sample_short"] = (base["sample"] < base["min_sample"]).to_numpy(dtype=bool)
    conditions = compute_applicability(facts, sorted(cat["applies_when"].dropna().unique()))
    base = base.merge(conditions, on=[*KEYS, "applies_when"], how="left")
    base["applicable"] = base["applicable"].astype("boolean").fillna(True).astype(bool)
    if review is not None:
        base = take_out(adjust_actuals(base, review), review)
    base = allot_points(
        resolve_targets(ds, apply_policy(base, ctx.policy)), KEYS, ctx.standards.score_decimals
    )
    quali = ds.qualitative[[*KEYS, "indicator", "grade", "share", "evidence"]]
    base = base.merge(quali, on=[*KEYS, "indicator"], how="left")
    if review is not None:
        base = withhold(adjust_grades(base, review), review)
    scored = score_indicators(base, ctx.standards)
    expl = ds.explanations[[*KEYS, "indicator", "reason", "improvement_measure"]]
    scored = scored.merge(expl, on=[*KEYS, "indicator"], how="left")
    scored["explained"] = scored["reason"].notna() & scored["improvement_measure"].notna()
    return scored.sort_values([*KEYS, "order"], ignore_index=True)
