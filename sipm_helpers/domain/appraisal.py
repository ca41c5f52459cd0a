"""The provincial evaluation of the coordinating regions' self-evaluations (Art. 17–19):
each region scored again with the evaluator's findings, set against what it assessed
itself; the quality of each self-evaluation; the regions compared.

- **Re-scoring**: the self-assessed total and grade come from the region's stage-03
  result; the evaluated ones from the same data with the evaluator's findings applied
  (:mod:`sipm_helpers.domain.review`). A region whose self-evaluation is missing (never
  submitted, or its stage-03 run failed) is listed as such and not scored: the province
  evaluates self-evaluations, and there is none to evaluate.
- **Quality** (Art. 17, 18): the gap between self-assessed and evaluated totals past the
  rules' threshold, reports received after the due date or not at all, and what the
  region's own self-evaluation left undone: deviations without a reason or measure,
  qualitative grades given without evidence. An evaluator's regrade is the evaluator's
  finding, with its basis and comment, never a deviation the region failed to explain.
- **Ledger** (Art. 14, 20): the rectification ledger's findings join the evaluator's
  (:mod:`sipm_helpers.domain.ledger`); evidence it contradicts is flagged.
- **Comparison** (Art. 17, the comparative method): regions ranked by evaluated total
  (ties share a rank); each quantitative indicator's actual compared across regions
  with a robust z-score (median and MAD, scipy), outliers named; each region against its
  own previous years; the regions against the province's targets and the national ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sipm_helpers import __version__
from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.evaluation import meets as meets_target
from sipm_helpers.domain.indicators import apply_policy, catalogue_frame, indicator_frame
from sipm_helpers.domain.ledger import DETAIL, contradicted_evidence, evaluator_review, ledger_facts
from sipm_helpers.domain.quality import denied_reasons, prepared_alone
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rounding import round_half_up
from sipm_helpers.domain.rules import NO_EVIDENCE, needs_band, within
from sipm_helpers.domain.scoring import NOT_ASSESSED, SCORED, category_scores, summarize_scores
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
    moved: pd.DataFrame  # indicators the evaluator's findings changed: basis, comment, before/after
    indicators: pd.DataFrame  # the evaluated indicator frame of the regions scored
    outliers: pd.DataFrame  # region, indicator, actual, median, robust z
    history: pd.DataFrame  # region, year, total, grade of the years before
    against: pd.DataFrame  # per indicator: the regions against the upper levels' targets
    quality: pd.DataFrame  # region, indicator, problem: what each self-evaluation left undone
    ledger: pd.DataFrame  # per region: the ledger's audit and inspection items of the year
    contradicted: pd.DataFrame  # evidence claiming no problem while an item was open
    denied: pd.DataFrame  # stated reasons the year's figures deny (domain.quality)
    overall: pd.DataFrame  # per region, its overall targets whose period closes this year
    categories: pd.DataFrame  # per region and category of Art. 9: weight, points, earned


UNEXPLAINED, UNEVIDENCED = "unexplained_deviation", "grade_without_evidence"
DENIED = "reason_contradicts_figures"
QUALITY_COLUMNS = {UNEXPLAINED: "unexplained", UNEVIDENCED: "unevidenced", DENIED: "denied"}


def self_assessed(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """Per region, what its stage-03 result says (None: missing): total, grade, the
    indicators' scores, grades and actuals by code."""
    rows = []
    for region, result in results.items():
        summary = (result or {}).get("summary") or {}
        found = (result or {}).get("indicators", [])
        rows.append(
            {
                "region_code": region,
                "self_total": summary.get("total", np.nan) if result else np.nan,
                "self_grade": summary.get("grade") if result else None,
                "self_scores": {i["indicator"]: i.get("score") for i in found},
                "self_values": {
                    i["indicator"]: i.get("qualitative_grade") or i.get("actual") for i in found
                },
                "submitted": result is not None,
            }
        )
    columns = ["region_code", "self_total", "self_grade", "self_scores", "self_values"]
    return pd.DataFrame(rows, columns=[*columns, "submitted"])


def self_quality(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """What each region's own self-evaluation (its stage-03 result) left undone (Art. 18):
    deviations given no reason and improvement measure, qualitative grades given without
    evidence (which therefore earned nothing). region_code, indicator, problem."""
    rows = []
    for region, result in results.items():
        if not result:
            continue
        for code in result.get("unexplained_deviations", []):
            rows.append((region, code, UNEXPLAINED))
        for i in result.get("indicators", []):
            no_evidence = i.get("status") == NOT_ASSESSED and i.get("status_reason") == NO_EVIDENCE
            if i.get("qualitative_grade") and no_evidence:
                rows.append((region, i["indicator"], UNEVIDENCED))
    return pd.DataFrame(rows, columns=["region_code", "indicator", "problem"])


OVERALL_COLUMNS = ["region_code", "indicator", "start_year", "end_year", "target", "actual",
                   "achieved"]  # fmt: skip


def closing_overall(results: Mapping[str, dict | None]) -> pd.DataFrame:
    """Per region, the overall targets its self-evaluation concluded on: those whose period
    closes in the year evaluated (Art. 8), achieved or not."""
    rows = [
        {"region_code": region, **t}
        for region, result in results.items()
        for t in (result or {}).get("overall_targets", [])
        if t.get("closes")
    ]
    return pd.DataFrame(rows).reindex(columns=OVERALL_COLUMNS)


def _received(ds: Dataset, fund: str, year: int, rules: AppraisalRules) -> pd.DataFrame:
    s = ds.submissions
    mine = s.loc[(s["fund"] == fund) & (s["year"] == year), ["region_code", "received"]]
    due = pd.Timestamp(rules.due(year))
    return mine.assign(late=(mine["received"] > due).to_numpy(dtype=bool))


def _quality(quality: pd.DataFrame) -> pd.DataFrame:
    """Per region: deviations without reason or measure, grades given without evidence."""
    counts = quality.groupby(["region_code", "problem"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(QUALITY_COLUMNS), fill_value=0)
    return counts.rename(columns=QUALITY_COLUMNS).astype(int).reset_index()


def missed_targets(e: pd.DataFrame) -> pd.DataFrame:
    """The rows of the evaluated indicator frame ``e`` whose quantitative target was
    missed (scored, not met), in the frame's order."""
    if e.empty:
        return e
    missed = (
        (e["kind"] == "quantitative")
        & (e["status"] == SCORED)
        & ~e["met"].astype("boolean").fillna(False).astype(bool)
    )
    return e.loc[missed]


# What a result says of each target missed: the actual against the target as it reads.
MISSED = ["region_code", "indicator", "actual", "target", "reads", "band_lower", "band_upper",
          "unit"]  # fmt: skip


def rank(totals: pd.Series) -> pd.Series:
    """1 for the highest total; ties share the better rank; NaN (not scored) unranked."""
    return totals.rank(ascending=False, method="min").astype("Int64")


def robust_outliers(frame: pd.DataFrame, rules: AppraisalRules) -> pd.DataFrame:
    """Per quantitative indicator reported by at least ``min_regions`` regions, the regions
    whose actual lies beyond ``outlier_z`` robust z-scores of the regions' median, on the
    side the indicator counts against them (:func:`unfavourable`), and differs from the
    median by at least ``outlier_materiality`` of it. Median and MAD: a few wild regions
    cannot hide themselves by inflating the spread, as they would a standard deviation;
    the MAD is taken as at least ``mad_floor`` of |median|, so that regions which happen to
    agree closely do not turn a small difference into a z of hundreds."""
    columns = ["region_code", "indicator", "direction", "band_lower", "band_upper", "actual"]
    q = frame.loc[(frame["kind"] == "quantitative") & frame["actual"].notna(), columns]
    q = q.astype({"actual": "float64", "band_lower": "float64", "band_upper": "float64"})
    by = q.groupby("indicator")["actual"]
    median = by.transform("median")
    mad = by.transform(lambda x: stats.median_abs_deviation(x, scale=1.0))
    spread = np.maximum(mad, rules.mad_floor * median.abs())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = ROBUST * (q["actual"] - median) / spread
    material = (q["actual"] - median).abs() >= rules.outlier_materiality * median.abs()
    enough = by.transform("count") >= rules.min_regions
    beyond = (spread > 0) & (z.abs() > rules.outlier_z)
    flagged = enough & beyond & material & unfavourable(q, z)
    out = q.assign(median=median, robust_z=z).loc[flagged]
    out = out[["region_code", "indicator", "actual", "median", "robust_z"]]
    return out.sort_values(["indicator", "region_code"], ignore_index=True)


def unfavourable(q: pd.DataFrame, side: pd.Series) -> pd.Series:
    """Whether each actual of ``q`` lies on the side of the regions' median (``side``: its
    sign) that its indicator's ``direction`` counts against the region: below where higher
    is better, above where lower is better; for a band, below a lower bound it falls under
    or above an upper bound it exceeds (a band with no bound on that side: never)."""
    direction, low, high = q["direction"], side < 0, side > 0
    below = q["actual"] < q["band_lower"]  # False where the band has no such bound
    above = q["actual"] > q["band_upper"]
    band = (direction == "band") & ((low & below) | (high & above))
    return ((direction == "higher") & low) | ((direction == "lower") & high) | band


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
    years before ``year`` (the evaluator's and the ledger's findings of those years
    applied): the region against its own past (Art. 17). ``outlooks``: solvency outlooks
    already made."""
    past = [y for y in range(year - ctx.appraisal.recommendation_years, year)]
    review = evaluator_review(ds, ctx, fund=fund, regions=regions, years=past)
    f = indicator_frame(
        ds, ctx, funds=[fund], regions=regions, years=past, review=review, outlooks=outlooks
    )
    if f.empty:
        return pd.DataFrame(columns=["region_code", "year", "total", "grade"])
    totals = summarize_scores(f, ctx.standards, KEYS)
    return totals[["region_code", "year", "total", "grade"]].reset_index(drop=True)


def _national_bands(ctx: Context, fund: str, year: int) -> pd.DataFrame:
    """The fund's own catalogue's bands (not a province's, Art. 24) in force in ``year``:
    indicator, band_lower, band_upper."""
    cat = catalogue_frame(ctx, [fund])
    cat = apply_policy(cat.loc[cat["province_code"].isna()].assign(year=year), ctx.policy)
    return cat.set_index("indicator")[["band_lower", "band_upper"]]


def against_targets(
    ds: Dataset, ctx: Context, e: pd.DataFrame, province: str, year: int
) -> pd.DataFrame:
    """Per quantitative indicator of the evaluated frame ``e``: the regions' median actual,
    the province's annual target and the national (central) one where given, and how many
    regions meet each (Art. 17: the regions against the province's and the national
    targets). An indicator scored by a band has its band for a target: the province's is
    the band of the catalogue that applies there (``province_lower``, ``province_upper``),
    the nation's that of the fund's own catalogue (``central_lower``, ``central_upper``),
    each met by an actual inside it."""
    q = e.loc[(e["kind"] == "quantitative") & e["actual"].notna()]
    t = ds.targets.loc[(ds.targets["period"] == "annual") & (ds.targets["start_year"] == year)]
    fund = t["fund"].isin(q["fund"].unique())
    upper = {
        "province": t.loc[fund & (t["level"] == "province") & (t["region_code"] == province)],
        "central": t.loc[fund & (t["level"] == "central")],
    }
    banded = needs_band(q["rule"]).to_numpy()
    national = _national_bands(ctx, e["fund"].iloc[0], year).reindex(q["indicator"])
    bands = {
        "province": (q["band_lower"], q["band_upper"]),
        "central": (national["band_lower"].to_numpy(), national["band_upper"].to_numpy()),
    }
    out = q.groupby(["order", "indicator"], sort=True).agg(
        unit=("unit", "first"), regions=("region_code", "nunique"), median=("actual", "median")
    )
    out = out.reset_index(level="order", drop=True)
    actual = q["actual"].astype(float)
    for level, rows in upper.items():
        target = q["indicator"].map(rows.groupby("indicator")["target"].first())
        lower, upper_bound = (pd.Series(np.where(banded, b, np.nan), q.index) for b in bands[level])
        inside = pd.Series(within(actual, lower, upper_bound), q.index, dtype="boolean")
        inside = inside.mask(lower.isna() & upper_bound.isna())  # no band at that level
        meets = meets_target(actual, target, q["direction"]).mask(banded, inside)
        out[f"{level}_target"] = out.index.map(rows.groupby("indicator")["target"].first())
        out[f"{level}_meeting"] = meets.groupby(q["indicator"]).sum(min_count=1)
        out[f"{level}_lower"] = lower.groupby(q["indicator"]).first()
        out[f"{level}_upper"] = upper_bound.groupby(q["indicator"]).first()
    out["band"] = pd.Series(banded, q.index).groupby(q["indicator"]).any()
    keep = out["province_target"].notna() | out["central_target"].notna() | out["band"]
    return out.loc[keep].reset_index()


MOVED_COLUMNS = ["region_code", "indicator", "finding", "basis", "comment", "self_value",
                 "evaluated_value", "self_score", "evaluated_score", "detail"]  # fmt: skip


COUNTS = ("due", "on_time", "overdue")


def _details(rows: pd.DataFrame) -> list[dict | None]:
    """The ledger's figures behind a finding, as JSON values (None for the evaluator's own)."""

    def plain(key: str, value: object) -> object:
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        value = json_value(value)
        return int(value) if key in COUNTS and value is not None else value

    checks = rows["check"].astype(object)
    return [
        None if pd.isna(c) else {k: plain(k, r[k]) for k in DETAIL}
        for c, (_, r) in zip(checks, rows.iterrows(), strict=True)
    ]


def _moved(self_side: pd.DataFrame, evaluated: pd.DataFrame, review: pd.DataFrame) -> pd.DataFrame:
    """Each indicator a finding changed: the finding, its basis and the evaluator's comment
    (or the ledger's figures, ``detail``), the region's value and score against the
    evaluated ones."""
    changed = evaluated.loc[evaluated["reviewed"].notna()]
    if changed.empty:
        return pd.DataFrame(columns=MOVED_COLUMNS)
    key = ["region_code", "indicator"]
    found = changed[[*key, "reviewed", "score", "grade", "actual"]].merge(
        review.drop(columns=["fund", "year"]).rename(columns={"actual": "_a", "grade": "_g"}),
        left_on=[*key, "reviewed"],
        right_on=[*key, "finding"],
        how="left",
    )
    side = self_side.set_index("region_code")
    before = list(zip(found["region_code"], found["indicator"], strict=True))
    return pd.DataFrame(
        {
            "region_code": found["region_code"].to_numpy(),
            "indicator": found["indicator"].to_numpy(),
            "finding": found["reviewed"].to_numpy(),
            "basis": found["basis"].astype(object).to_numpy(),
            "comment": found["comment"].astype(object).where(found["comment"].notna()).to_numpy(),
            "self_value": [side["self_values"].get(r, {}).get(i) for r, i in before],
            "evaluated_value": found["grade"]
            .astype(object)
            .where(found["grade"].notna(), found["actual"])
            .to_numpy(),
            "self_score": pd.array(
                [side["self_scores"].get(r, {}).get(i) for r, i in before], dtype="Float64"
            ),
            "evaluated_score": found["score"].to_numpy(dtype="float64"),
            "detail": _details(found),
        }
    )


def _standing(
    mine: pd.DataFrame, evaluated: pd.DataFrame, quality: pd.DataFrame, ctx: Context
) -> pd.DataFrame:
    """Per region: self-assessed and evaluated totals and grades, the self-evaluation's
    quality counts (zero where it left nothing undone)."""
    table = mine.drop(columns=["self_scores", "self_values"])
    if evaluated.empty:
        table = table.assign(evaluated_total=np.nan, evaluated_grade=None)
    else:
        totals = summarize_scores(evaluated, ctx.standards, KEYS)
        totals = totals[["region_code", "total", "grade"]].rename(
            columns={"total": "evaluated_total", "grade": "evaluated_grade"}
        )
        table = table.merge(totals, on="region_code", how="left")
    table = table.merge(_quality(quality), on="region_code", how="left")
    counts = list(QUALITY_COLUMNS.values())
    table[counts] = table[counts].fillna(0).astype(int)
    return table


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
    regions (:func:`~sipm_helpers.domain.sustainability.solvency_outlooks`). The
    province's own rules in force in ``year`` apply where it has them (Art. 24)."""
    ctx = ctx.for_province(province, year)
    rules = ctx.appraisal
    coord = ds.coordination
    regions = coord.loc[
        (coord["fund"] == fund) & (coord["province_code"] == province), "region_code"
    ]
    found = {str(r): results.get(str(r)) for r in regions}
    mine = self_assessed(found)
    scored = mine.loc[mine["submitted"], "region_code"].tolist()
    denied = denied_reasons(ds, ctx, fund=fund, regions=scored, year=year)
    quality = pd.concat(
        [self_quality(found), denied[["region_code", "indicator"]].assign(problem=DENIED)],
        ignore_index=True,
    )
    review = evaluator_review(ds, ctx, fund=fund, regions=scored, years=[year])
    evaluated = indicator_frame(
        ds,
        ctx,
        funds=[fund],
        regions=scored,
        years=[year],
        review=review,
        outlooks=outlooks,
    )  # with no region to score: empty, with every column the later steps read
    table = _standing(mine, evaluated, quality, ctx)
    table = table.merge(_received(ds, fund, year, rules), on="region_code", how="left")
    alone = prepared_alone(ds, ctx, fund=fund, year=year)
    table = table.merge(
        alone.rename(columns={"alone": "agency_alone"}), on="region_code", how="left"
    )
    table["agency_alone"] = table["agency_alone"].astype("boolean").fillna(False).astype(bool)
    gap = table["self_total"].astype("float64") - table["evaluated_total"].astype("float64")
    table["gap"] = round_half_up(gap, ctx.standards.score_decimals)  # no 2.299999999999997
    table["gap_flag"] = (table["gap"].abs() > rules.gap_points).fillna(False)
    table["late"] = table["late"].astype("boolean").fillna(False).astype(bool)
    table["status"] = np.where(table["submitted"], "evaluated", MISSING)
    table["rank"] = rank(table["evaluated_total"])
    return Appraisal(
        fund,
        province,
        year,
        table,
        _moved(mine, evaluated, review),
        evaluated,
        robust_outliers(evaluated, rules) if scored else pd.DataFrame(),
        history(ds, ctx, fund=fund, regions=scored, year=year, outlooks=outlooks)
        if scored
        else pd.DataFrame(),
        against_targets(ds, ctx, evaluated, province, year) if scored else pd.DataFrame(),
        quality,
        ledger_facts(ds, ctx, fund=fund, regions=scored, years=[year]),
        contradicted_evidence(ds, ctx, fund=fund, regions=scored, year=year),
        denied,
        closing_overall(found),
        category_scores(evaluated, ["region_code"], ctx.standards.score_decimals),
    )


RESULT_SCHEMA = "sipm.provincial_evaluation"
RESULT_VERSION = 5  # 3: suggestions worded by the side their actual lies on; 4: each finding's
# basis, comment and values, the targets missed, as_of; 5: each region's category scores
STAGE = "provincial_evaluation"
RESULT_COLUMNS = ("region_code", "status", "self_total", "self_grade", "evaluated_total",
                  "evaluated_grade", "gap", "gap_flag", "late", "unexplained", "unevidenced",
                  "denied", "agency_alone", "prepared_by", "rank")  # fmt: skip


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    if frame.empty:
        return []
    return [{k: json_value(v) for k, v in r.items()} for r in frame[columns].to_dict("records")]


CATEGORY_COLUMNS = ["region_code", "category", "weight", "points", "earned"]
PROBLEM_COLUMNS = ["item_id", "region_code", "indicator", "problem", "deadline", "finding",
                   "basis", "comment", "self_value", "evaluated_value", "detail"]  # fmt: skip


def appraisal_result(
    a: Appraisal,
    problems: pd.DataFrame,
    suggestions: pd.DataFrame,
    as_of: datetime.date,
) -> dict:
    """The machine-readable result later stages read (JSON-serializable, versioned): per
    region its self-assessed and evaluated totals and grades and its flags; the indicators
    the evaluation changed, with each finding's basis and comment; the problems that
    become rectification items and the suggestions (codes and values, not words: each
    reader words them in its language); ``as_of``, the date earlier items were followed
    up on."""
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
        "as_of": as_of.isoformat(),
        "regions": [{k: json_value(v) for k, v in r.items()} for r in regions.to_dict("records")],
        "flags": flags,
        "moved": _records(a.moved, MOVED_COLUMNS),
        "categories": _records(a.categories, CATEGORY_COLUMNS),
        "missed": _records(missed_targets(a.indicators).reindex(columns=MISSED), MISSED),
        "problems": _records(problems, PROBLEM_COLUMNS),
        "suggestions": [
            {**r, "values": {k: json_value(v) for k, v in r["values"].items()}}
            for r in _records(suggestions, ["region_code", "kind", "subject", "template", "values"])
        ],
    }
