"""The provincial evaluation of the coordinating regions' self-evaluations (Art. 17–19):
each region scored again with the evaluator's findings, set against what it assessed
itself; the quality of each self-evaluation; the regions compared.

- **Re-scoring**: the self-assessed total and grade come from the region's stage-03
  result; the evaluated ones from the same data with the evaluator's findings applied
  (:mod:`sipm_helpers.domain.review`). A region whose self-evaluation is missing (never
  submitted, or its stage-03 run failed) is listed as such and not scored: the province
  evaluates self-evaluations, and there is none to evaluate.
- **Quality** (Art. 17, 18): the gap between self-assessed and evaluated totals past the
  rules' threshold, deviations left without a reason or measure, reports received after
  the due date or not at all, qualitative grades scored without evidence.
- **Comparison** (Art. 17, the comparative method): regions ranked by evaluated total
  (ties share a rank); each quantitative indicator's actual compared across regions
  with a robust z-score (median and MAD, scipy), outliers named; each region against its
  own previous years; the regions against the province's targets and the national ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sipm_helpers import __version__
from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.scoring import SCORED, summarize_scores
from sipm_helpers.domain.sustainability import Outlook

KEYS = ["region_code", "fund", "year"]
MISSING = "self_evaluation_missing"
ROBUST = 0.6745  # the normal's MAD in standard deviations: z = 0.6745 (x − median) / MAD


@dataclass(frozen=True)
class Appraisal:
    """One fund's regions in one province, evaluated for one year."""

    fund: str
    province: str
    year: int
    regions: pd.DataFrame  # per region: self and evaluated totals and grades, gap, flags, rank
    moved: pd.DataFrame  # indicators the evaluator's findings changed, self against evaluated
    indicators: pd.DataFrame  # the evaluated indicator frame of the regions scored
    outliers: pd.DataFrame  # region, indicator, actual, median, robust z
    history: pd.DataFrame  # region, year, total, grade of the years before
    against: pd.DataFrame  # per indicator: the regions against the upper levels' targets


def self_assessed(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """Per region, what its stage-03 result says (None: missing): total, grade, the
    indicators' scores by code."""
    rows = []
    for region, result in results.items():
        summary = (result or {}).get("summary") or {}
        scores = {i["indicator"]: i.get("score") for i in (result or {}).get("indicators", [])}
        rows.append(
            {
                "region_code": region,
                "self_total": summary.get("total", np.nan) if result else np.nan,
                "self_grade": summary.get("grade") if result else None,
                "self_scores": scores,
                "submitted": result is not None,
            }
        )
    return pd.DataFrame(
        rows, columns=["region_code", "self_total", "self_grade", "self_scores", "submitted"]
    )


def _received(ds: Dataset, fund: str, year: int, rules: AppraisalRules) -> pd.DataFrame:
    s = ds.submissions
    mine = s.loc[(s["fund"] == fund) & (s["year"] == year), ["region_code", "received"]]
    due = pd.Timestamp(rules.due(year))
    return mine.assign(late=(mine["received"] > due).to_numpy(dtype=bool))


def quality_problems(e: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which scored indicators are deviations left without reason or measure (Art. 18),
    and which are grades scored without evidence."""
    unexplained = e["needs_explanation"].astype(bool) & ~e["explained"].astype(bool)
    unevidenced = (e["kind"] == "qualitative") & (e["status"] == SCORED) & e["evidence"].isna()
    return unexplained, unevidenced


def _quality(e: pd.DataFrame) -> pd.DataFrame:
    """Per region: deviations without reason or measure, grades scored without evidence."""
    unexplained, unevidenced = quality_problems(e)
    return (
        e.assign(unexplained=unexplained, unevidenced=unevidenced)
        .groupby("region_code")[["unexplained", "unevidenced"]]
        .sum()
        .astype(int)
        .reset_index()
    )


def rank(totals: pd.Series) -> pd.Series:
    """1 for the highest total; ties share the better rank; NaN (not scored) unranked."""
    return totals.rank(ascending=False, method="min").astype("Int64")


def robust_outliers(frame: pd.DataFrame, rules: AppraisalRules) -> pd.DataFrame:
    """Per quantitative indicator, regions whose actual lies beyond ``outlier_z`` robust
    z-scores of the others' median (median and MAD: a few wild regions cannot hide
    themselves by inflating the spread, as they would a standard deviation) and differs
    from it by at least ``outlier_materiality`` of it."""
    q = frame.loc[(frame["kind"] == "quantitative") & frame["actual"].notna()]
    q = q[["region_code", "indicator", "actual"]].astype({"actual": "float64"})
    by = q.groupby("indicator")["actual"]
    median = by.transform("median")
    mad = by.transform(lambda x: stats.median_abs_deviation(x, scale=1.0))
    count = by.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = ROBUST * (q["actual"] - median) / mad
    material = (q["actual"] - median).abs() >= rules.outlier_materiality * median.abs()
    flagged = (count >= rules.min_regions) & (mad > 0) & (z.abs() > rules.outlier_z) & material
    out = q.assign(median=median, robust_z=z).loc[flagged]
    return out.sort_values(["indicator", "region_code"], ignore_index=True)


def history(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    regions: list[str],
    year: int,
    outlooks: Mapping[int, Outlook] | None = None,
) -> pd.DataFrame:
    """Each region's evaluated totals and grades in the rules' ``recommendation_years``
    years before ``year`` (the evaluator's findings of those years applied): the region
    against its own past (Art. 17). ``outlooks``: solvency outlooks already made."""
    past = [y for y in range(year - ctx.appraisal.recommendation_years, year)]
    f = indicator_frame(
        ds, ctx, funds=[fund], regions=regions, years=past, review=ds.review, outlooks=outlooks
    )
    if f.empty:
        return pd.DataFrame(columns=["region_code", "year", "total", "grade"])
    totals = summarize_scores(f, ctx.standards, KEYS)
    return totals[["region_code", "year", "total", "grade"]].reset_index(drop=True)


def _meets(actual: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """Whether each actual meets a target in the indicator's direction (NA: no target, or
    an indicator with no direction)."""
    higher, lower = direction == "higher", direction == "lower"
    met = np.where(higher, actual >= target, np.where(lower, actual <= target, False))
    known = (higher | lower) & target.notna() & actual.notna()
    return pd.Series(met, index=actual.index, dtype="boolean").where(known)


def against_targets(ds: Dataset, e: pd.DataFrame, province: str, year: int) -> pd.DataFrame:
    """Per quantitative indicator of the evaluated frame ``e``: the regions' median actual,
    the province's annual target and the national (central) one where given, and how many
    regions meet each (Art. 17: the regions against the province's and the national
    targets)."""
    q = e.loc[(e["kind"] == "quantitative") & e["actual"].notna()]
    t = ds.targets.loc[(ds.targets["period"] == "annual") & (ds.targets["start_year"] == year)]
    fund = t["fund"].isin(q["fund"].unique())
    upper = {
        "province": t.loc[fund & (t["level"] == "province") & (t["region_code"] == province)],
        "central": t.loc[fund & (t["level"] == "central")],
    }
    out = q.groupby(["order", "indicator"], sort=True).agg(
        unit=("unit", "first"), regions=("region_code", "nunique"), median=("actual", "median")
    )
    out = out.reset_index(level="order", drop=True)
    for level, rows in upper.items():
        target = q["indicator"].map(rows.groupby("indicator")["target"].first())
        meets = _meets(q["actual"].astype(float), target, q["direction"])
        out[f"{level}_target"] = out.index.map(rows.groupby("indicator")["target"].first())
        out[f"{level}_meeting"] = meets.groupby(q["indicator"]).sum(min_count=1)
    keep = out["province_target"].notna() | out["central_target"].notna()
    return out.loc[keep].reset_index()


def _moved(self_side: pd.DataFrame, evaluated: pd.DataFrame) -> pd.DataFrame:
    changed = evaluated.loc[evaluated["reviewed"].notna()]
    scores = self_side.set_index("region_code")["self_scores"]
    before = [
        scores.get(r, {}).get(i)
        for r, i in zip(changed["region_code"], changed["indicator"], strict=True)
    ]
    return pd.DataFrame(
        {
            "region_code": changed["region_code"].to_numpy(),
            "indicator": changed["indicator"].to_numpy(),
            "finding": changed["reviewed"].to_numpy(),
            "self_score": pd.array(before, dtype="Float64"),
            "evaluated_score": changed["score"].to_numpy(dtype="float64"),
        }
    )


def appraise(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    province: str,
    year: int,
    results: Mapping[str, dict | None],
    outlooks: Mapping[int, Outlook] | None = None,
) -> Appraisal:
    """Evaluate ``fund``'s coordinating regions in ``province`` for ``year``; ``results``
    holds each region's stage-03 result (None where it is missing or failed);
    ``outlooks`` the solvency outlooks of the year and those before already made for the
    regions (:func:`~sipm_helpers.domain.sustainability.solvency_outlooks`)."""
    rules = ctx.appraisal
    coord = ds.coordination
    regions = coord.loc[
        (coord["fund"] == fund) & (coord["province_code"] == province), "region_code"
    ]
    mine = self_assessed({str(r): results.get(str(r)) for r in regions})
    scored = mine.loc[mine["submitted"], "region_code"].tolist()
    evaluated = (
        indicator_frame(
            ds,
            ctx,
            funds=[fund],
            regions=scored,
            years=[year],
            review=ds.review,
            outlooks=outlooks,
        )
        if scored
        else pd.DataFrame(columns=["region_code", "reviewed", "score", "indicator"])
    )
    table = mine.drop(columns="self_scores")
    if scored:
        totals = summarize_scores(evaluated, ctx.standards, KEYS)
        totals = totals[["region_code", "total", "grade"]].rename(
            columns={"total": "evaluated_total", "grade": "evaluated_grade"}
        )
        table = table.merge(totals, on="region_code", how="left").merge(
            _quality(evaluated), on="region_code", how="left"
        )
    else:
        table = table.assign(
            evaluated_total=np.nan, evaluated_grade=None, unexplained=0, unevidenced=0
        )
    table = table.merge(_received(ds, fund, year, rules), on="region_code", how="left")
    table["gap"] = table["self_total"] - table["evaluated_total"]
    table["gap_flag"] = (table["gap"].abs() > rules.gap_points).fillna(False)
    table["late"] = table["late"].astype("boolean").fillna(False).astype(bool)
    table["status"] = np.where(table["submitted"], "evaluated", MISSING)
    table["rank"] = rank(table["evaluated_total"])
    outliers = robust_outliers(evaluated, rules) if scored else pd.DataFrame()
    return Appraisal(
        fund,
        province,
        year,
        table,
        _moved(mine, evaluated) if scored else pd.DataFrame(),
        evaluated,
        outliers,
        history(ds, ctx, fund=fund, regions=scored, year=year, outlooks=outlooks)
        if scored
        else pd.DataFrame(),
        against_targets(ds, evaluated, province, year) if scored else pd.DataFrame(),
    )


RESULT_SCHEMA = "sipm.provincial_evaluation"
RESULT_VERSION = 2  # 2: the indicators moved and the suggestions, for the feedback letters
STAGE = "provincial_evaluation"
RESULT_COLUMNS = ("region_code", "status", "self_total", "self_grade", "evaluated_total",
                  "evaluated_grade", "gap", "gap_flag", "late", "unexplained", "unevidenced",
                  "rank")  # fmt: skip


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    if frame.empty:
        return []
    return [{k: json_value(v) for k, v in r.items()} for r in frame[columns].to_dict("records")]


def appraisal_result(a: Appraisal, problems: pd.DataFrame, suggestions: pd.DataFrame) -> dict:
    """The machine-readable result later stages read (JSON-serializable, versioned): per
    region its self-assessed and evaluated totals and grades and its flags; the indicators
    the evaluation changed; the problems that become rectification items and the
    suggestions (codes and values, not words: each reader words them in its language)."""
    regions = a.regions.reindex(columns=list(RESULT_COLUMNS))
    flags = [
        flag
        for flag, present in (
            (MISSING, (a.regions["status"] == MISSING).any()),
            ("late_reports", a.regions["late"].any()),
            ("self_evaluation_gaps", a.regions["gap_flag"].any()),
        )
        if present
    ]
    problems = problems.assign(deadline=problems["deadline"].astype(str).str[:10])
    return {
        "schema": RESULT_SCHEMA,
        "version": RESULT_VERSION,
        "stage": STAGE,
        "package_version": __version__,
        "fund": a.fund,
        "province": a.province,
        "year": a.year,
        "regions": [{k: json_value(v) for k, v in r.items()} for r in regions.to_dict("records")],
        "flags": flags,
        "moved": _records(
            a.moved, ["region_code", "indicator", "finding", "self_score", "evaluated_score"]
        ),
        "problems": _records(
            problems, ["item_id", "region_code", "indicator", "problem", "deadline"]
        ),
        "suggestions": [
            {**r, "values": {k: json_value(v) for k, v in r["values"].items()}}
            for r in _records(suggestions, ["region_code", "kind", "subject", "template", "values"])
        ],
    }
