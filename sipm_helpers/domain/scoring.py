"""Scoring of indicators against their targets, and the total and grade (Art. 15–18).

Each indicator is, for one region, fund and year, in one of four states:

- **scored**: the rule (:mod:`sipm_helpers.domain.rules`) turns actual and target into a
  share of its points;
- **not applicable**: the catalogue's condition says the item does not exist there (no
  fiscal subsidy, no national pooling adjustment): its points go to the other applicable
  indicators of the same first-level category of Art. 9 in proportion to their weights;
- **not assessed**: it applies, but there is no data, no target or no evidence: it earns
  0 points, as Chinese evaluation practice scores an indicator without supporting
  evidence, and the points it could not earn are shown beside the grade as completeness;
- **reported**: shown for information, never scored (a catalogue's ``reported`` list).

The total is the points earned out of 100. ``missing: rescale`` in parameters/scoring.yaml
rescales it over the points that could be assessed instead; the report says which.

Scores and points are rounded half up to ``score_decimals`` (parameters/scoring.yaml), the
points shared out so that they still add up to their category's; subtotals and the total
are the sums of the rounded rows, so that a scoring table adds up as printed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config import ScoringStandards
from sipm_helpers.domain.rounding import apportion, round_half_up
from sipm_helpers.domain.rules import RULES, Evidence

SCORED, NOT_APPLICABLE, NOT_ASSESSED, REPORTED = (
    "scored",
    "not_applicable",
    "not_assessed",
    "reported",
)
WITHHELD = "evaluator"  # why not assessed: the evaluator withheld the points (Art. 17)
# why not assessed: a sampled value (a survey's) rests on fewer observations than its
# catalogue's ``min_sample``
SMALL_SAMPLE = "small_sample"


def _f(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _flag(frame: pd.DataFrame, col: str, default: bool) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), default)
    return frame[col].astype("boolean").fillna(default).to_numpy(dtype=bool)


def evidence(frame: pd.DataFrame, standards: ScoringStandards) -> Evidence:
    """The rules' inputs from an indicator frame. A qualitative grade earns the share the
    evaluator gave, else its level's default; a grade whose ``evidence`` column is empty
    has no evidence and earns nothing (no points without evidence)."""
    grade = (
        frame["grade"].astype("string")
        if "grade" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    default = grade.map({k: v.default for k, v in standards.qualitative_levels.items()})
    share = np.where(np.isnan(_f(frame, "share")), default.astype("float64"), _f(frame, "share"))
    if "evidence" in frame:
        text = frame["evidence"].astype("string").str.strip()
        share = np.where(text.fillna("").eq("").to_numpy(bool), np.nan, share)
    return Evidence(
        actual=_f(frame, "actual"),
        target=_f(frame, "target"),
        lower=_f(frame, "band_lower"),
        upper=_f(frame, "band_upper"),
        zero_below=_f(frame, "band_zero_below"),
        zero_above=_f(frame, "band_zero_above"),
        lower_is_better=frame["direction"].astype("string").eq("lower").fillna(False).to_numpy(bool)
        if "direction" in frame
        else np.zeros(len(frame), bool),
        share=share,
        grade=grade.astype(object).where(grade.notna(), None).to_numpy(),
        points=_f(frame, "points") if "points" in frame else _f(frame, "weight"),
        per_point=_f(frame, "deduct_per_point"),
        floor=_f(frame, "deduct_floor"),
    )


def _apply_rules(frame: pd.DataFrame, e: Evidence) -> dict[str, np.ndarray]:
    """Each row through its own rule: fraction, met, shortfall, reference, reads, missing."""
    n = len(frame)
    out = {
        "fraction": np.full(n, np.nan),
        "met": np.zeros(n, dtype=bool),
        "shortfall": np.full(n, np.nan),
        "reference": np.full(n, np.nan),
        "reads": np.full(n, None, dtype=object),
        "missing": np.full(n, "", dtype=object),
    }
    codes = frame["rule"].astype(str).to_numpy()
    for code in np.unique(codes):
        rule, mask = RULES[code], codes == code
        sub = e.take(mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            for name in ("fraction", "met", "shortfall", "reference", "reads"):
                out[name][mask] = getattr(rule, name)(sub)
        out["missing"][mask] = rule.missing(sub)
    return out


def score_indicators(frame: pd.DataFrame, standards: ScoringStandards) -> pd.DataFrame:
    """Score every row of ``frame``.

    Takes columns rule, direction, weight, target, actual, band_lower, band_upper,
    band_zero_below, band_zero_above, explain_threshold; for rows deducting per point
    deduct_per_point and deduct_floor; for qualitative rows grade, share and evidence;
    optionally ``points`` (the weight after redistribution, :func:`allot_points`),
    ``applicable``, ``reported``, ``withheld`` (not assessed on the evaluator's word) and
    ``sample_short`` (a sampled actual resting on too few observations).
    Returns the frame with: status (scored, not_applicable,
    not_assessed, reported), status_reason (why not assessed: no_data, no_target,
    no_evidence, evaluator, small_sample; why not applicable: the condition
    ``applies_when`` that failed), score (rounded half up to ``standards.score_decimals``; 0 when not assessed, NaN when
    not applicable or reported), met (NA unless
    scored), shortfall, reference (the value a deviation is measured from), reads (how the
    expectation is worded) and needs_explanation (missed by more than explain_threshold,
    Art. 18).
    """
    e = evidence(frame, standards)
    r = _apply_rules(frame, e)
    applicable = _flag(frame, "applicable", True)
    reported = _flag(frame, "reported", False)
    withheld = _flag(frame, "withheld", False)  # the evaluator could not assess it
    short = _flag(frame, "sample_short", False) & (r["missing"] == "")
    r["missing"] = np.where(withheld, WITHHELD, np.where(short, SMALL_SAMPLE, r["missing"]))
    status = np.where(
        reported,
        REPORTED,
        np.where(~applicable, NOT_APPLICABLE, np.where(r["missing"] != "", NOT_ASSESSED, SCORED)),
    )
    scored = status == SCORED
    points = _f(frame, "points") if "points" in frame else _f(frame, "weight")
    out = frame.copy()
    out["status"] = status
    condition = (
        frame["applies_when"].astype(object).to_numpy()
        if "applies_when" in frame
        else np.full(len(frame), None, dtype=object)
    )
    out["status_reason"] = pd.array(  # text whatever the selection holds (NaN: none)
        np.where(
            status == NOT_ASSESSED,
            r["missing"],
            np.where(status == NOT_APPLICABLE, condition, None),
        ),
        dtype="str",
    )
    out["score"] = np.where(
        scored,
        round_half_up(points * r["fraction"], standards.score_decimals),
        np.where(status == NOT_ASSESSED, 0.0, np.nan),
    )
    observed = scored | (reported & (r["missing"] == ""))
    out["met"] = pd.array(np.where(observed, r["met"], None), dtype="boolean")
    out["shortfall"] = np.where(observed, np.maximum(r["shortfall"], 0.0), np.nan)
    out["reference"] = np.where(observed, r["reference"], np.nan)
    out["reads"] = r["reads"]
    threshold = np.nan_to_num(_f(frame, "explain_threshold"))
    out["needs_explanation"] = (
        scored & ~r["met"] & (out["shortfall"].to_numpy() > threshold + 1e-12)
    )
    return out


def allot_points(frame: pd.DataFrame, keys: list[str], decimals: int) -> pd.DataFrame:
    """Add ``points``: the weight each indicator carries once the weight of those not
    applicable is shared among the applicable ones of the same category, in proportion
    to their weights (among all applicable ones where none of a category is left).
    Reported indicators and those not applicable carry none. The points are rounded to
    ``decimals`` so that they add up to their category's, and the categories' to the
    whole (by the largest remainder: 20 shared by three is 6.7, 6.7 and 6.6). Takes keys,
    category, weight and optionally applicable and reported; returns a new frame."""
    counts = ~_flag(frame, "reported", False)
    weight = frame["weight"].to_numpy(dtype="float64") * counts
    live = np.where(_flag(frame, "applicable", True), weight, 0.0)
    groups = [frame[k].to_numpy() for k in keys]
    by_category = [*groups, frame["category"].to_numpy()]

    def total(values: np.ndarray, by: list[np.ndarray]) -> np.ndarray:
        return pd.Series(values).groupby(by, sort=False).transform("sum").to_numpy()

    category_weight, category_live = total(weight, by_category), total(live, by_category)
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(category_live > 0, live * category_weight / category_live, 0.0)
    orphaned = total(np.where(category_live > 0, 0.0, weight), groups)
    whole = total(weight, groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(whole > orphaned, whole / (whole - orphaned), 0.0)
    category = _category_points(
        np.where(category_live > 0, category_weight * spread, 0.0), groups, by_category, decimals
    )
    return frame.assign(points=apportion(within * spread, by_category, decimals, category))


def _category_points(
    exact: np.ndarray, groups: list[np.ndarray], by_category: list[np.ndarray], decimals: int
) -> np.ndarray:
    """Per row, its category's points (``exact``, the same on every row of a category)
    rounded to ``decimals`` so that the categories of a group add up to the group's."""
    first = ~pd.DataFrame({i: g for i, g in enumerate(by_category)}).duplicated().to_numpy()
    rounded = apportion(exact[first], [g[first] for g in groups], decimals)
    placed = np.zeros(len(exact))
    placed[first] = rounded
    return pd.Series(placed).groupby(by_category, sort=False).transform("sum").to_numpy()


def _with_points(scored: pd.DataFrame) -> pd.DataFrame:
    """``scored`` with, per row, the points it puts at stake (``_points``: scored or not
    assessed), those assessed (``_assessed``) and those earned (``_earned``)."""
    status = scored["status"].to_numpy()
    points = scored["points"] if "points" in scored else scored["weight"]
    return scored.assign(
        _points=np.where(np.isin(status, [SCORED, NOT_ASSESSED]), points, 0.0),
        _assessed=np.where(status == SCORED, points, 0.0),
        _earned=np.where(status == SCORED, scored["score"], 0.0),
    )


def at_stake(scored: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``scored``, what the totals add up (:func:`summarize_scores`): the
    points at stake (``points``: scored or not assessed), those assessed (``assessed``)
    and those earned (``earned``); 0 where a row puts none at stake."""
    s = _with_points(scored)
    return pd.DataFrame(
        {"points": s["_points"], "assessed": s["_assessed"], "earned": s["_earned"]},
        index=scored.index,
    )


# The summary's sums of rounded rows, rounded again: adding binary floats leaves noise
# (2.7 + 3.3 + 2.7 is 8.700000000000001).
SUMMED = ("earned", "points", "assessed_points", "not_assessed_points", "not_applicable_weight")

# How the total treats the points that could not be assessed (parameters/scoring.yaml
# ``missing``): ``zero`` counts them as earned 0 out of 100, ``rescale`` leaves them out.
TOTAL_BASIS = {"zero": "points", "rescale": "assessed_points"}


def summarize_scores(
    scored: pd.DataFrame, standards: ScoringStandards, keys: list[str]
) -> pd.DataFrame:
    """Totals per ``keys`` group: earned, points (available once not-applicable weight is
    redistributed: 100), assessed_points and not_assessed_points (completeness beside the
    grade), not_applicable_weight, indicator counts by status, missed, need_explanation,
    the total on 100 points (as ``standards.missing`` says), the completeness share, the
    grade (always one of the grade bands) and ``missing``, the choice applied. Sums of the
    rounded rows and the total are at ``standards.score_decimals``, the completeness share
    at two decimals more (a share of 100 points), all free of float noise."""
    status = scored["status"].to_numpy()
    points = scored["points"] if "points" in scored else scored["weight"]
    s = _with_points(scored).assign(
        _not_assessed=np.where(status == NOT_ASSESSED, points, 0.0),
        _not_applicable=np.where(status == NOT_APPLICABLE, scored["weight"], 0.0),
        _n_scored=status == SCORED,
        _n_not_applicable=status == NOT_APPLICABLE,
        _n_not_assessed=status == NOT_ASSESSED,
        _missed=scored["met"].eq(False).fillna(False).to_numpy(bool) & (status == SCORED),
    )
    totals = s.groupby(keys, sort=True).agg(
        earned=("_earned", "sum"),
        points=("_points", "sum"),
        assessed_points=("_assessed", "sum"),
        not_assessed_points=("_not_assessed", "sum"),
        not_applicable_weight=("_not_applicable", "sum"),
        indicators=("indicator", "count"),
        scored=("_n_scored", "sum"),
        not_applicable=("_n_not_applicable", "sum"),
        not_assessed=("_n_not_assessed", "sum"),
        missed=("_missed", "sum"),
        need_explanation=("needs_explanation", "sum"),
    )
    decimals = standards.score_decimals
    for column in SUMMED:
        totals[column] = round_half_up(totals[column], decimals)
    basis = totals[TOTAL_BASIS[standards.missing]].to_numpy(dtype="float64")
    earned = totals["earned"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.where(basis > 0, earned / basis * 100.0, 0.0)
        complete = np.where(totals["points"] > 0, totals["assessed_points"] / totals["points"], 0.0)
    totals["total"] = round_half_up(total, decimals)
    totals["completeness"] = round_half_up(complete, decimals + 2)
    totals["grade"] = np.select(
        [totals["total"].to_numpy() >= g.min for g in standards.grades],
        [g.code for g in standards.grades],
        standards.grades[-1].code,
    )
    totals["missing"] = standards.missing
    return totals.reset_index()


def category_scores(scored: pd.DataFrame, keys: list[str], decimals: int) -> pd.DataFrame:
    """Per category of Art. 9 (decision, process, output, benefit): the catalogue's
    weight, the points available after redistribution, those assessed, and those earned:
    the sums of the rows, rounded to ``decimals`` (the rows' precision) against float noise."""
    counted = scored["status"].to_numpy() != REPORTED
    sums = (
        _with_points(scored)
        .assign(_weight=np.where(counted, scored["weight"], 0.0))
        .loc[counted]
        .groupby([*keys, "category"], sort=False)
        .agg(
            weight=("_weight", "sum"),
            points=("_points", "sum"),
            assessed_points=("_assessed", "sum"),
            earned=("_earned", "sum"),
        )
    )
    return sums.assign(**{c: round_half_up(sums[c], decimals) for c in sums}).reset_index()
