"""Scoring of indicators against their targets, and the total and grade (Art. 15–18).

Rules (parameters/indicators/library.yaml; practice notes in DESIGN §7):
higher_is_better = points × actual ÷ target, lower_is_better = points × target ÷ actual,
both capped at the points; band = full points inside [lower, upper], falling linearly to
zero ``zero_at`` beyond it; pass_fail = all or nothing; qualitative = points × the share
of the grade's level. An indicator without an actual or a target is "insufficient data":
it earns no score, and the total is rescaled over the weight that could be assessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config import ScoringStandards

SCORED, INSUFFICIENT = "scored", "insufficient_data"


def _f(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def score_indicators(frame: pd.DataFrame, standards: ScoringStandards) -> pd.DataFrame:
    """Score every row of ``frame``.

    Takes columns rule, direction, weight, target, actual, band_lower, band_upper,
    band_zero_at, explain_threshold, and for qualitative rows grade and share. Returns the
    frame with: score (NaN when insufficient), status, met (bool, NA when insufficient),
    shortfall (relative distance from the target in the unfavourable direction, ≥ 0) and
    needs_explanation (missed by more than explain_threshold, Art. 18).
    """
    rule = frame["rule"].astype(str).to_numpy()
    direction = frame["direction"].astype("string").fillna("").to_numpy()
    weight, target, actual = _f(frame, "weight"), _f(frame, "target"), _f(frame, "actual")
    lower, upper, zero_at = (
        _f(frame, "band_lower"),
        _f(frame, "band_upper"),
        _f(frame, "band_zero_at"),
    )

    levels = standards.qualitative_levels
    grade = (
        frame["grade"].astype("string")
        if "grade" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    default_share = (
        grade.map({k: v.default for k, v in levels.items()}).astype("float64").to_numpy()
    )
    share = np.where(np.isnan(_f(frame, "share")), default_share, _f(frame, "share"))

    with np.errstate(divide="ignore", invalid="ignore"):
        higher_ratio = np.where(target > 0, actual / target, np.where(actual >= target, 1.0, 0.0))
        lower_ratio = np.where(actual > 0, target / actual, 1.0)
        below = np.where(np.isnan(lower), 0.0, np.maximum(lower - actual, 0.0))
        above = np.where(np.isnan(upper), 0.0, np.maximum(actual - upper, 0.0))
        distance = np.maximum(below, above)
        band_bound = np.where(below > 0, lower, np.where(above > 0, upper, 1.0))
        # relative to the bound missed; a bound of zero (e.g. "growth ≤ 0") uses the band's scale
        band_shortfall = distance / np.where(band_bound != 0, np.abs(band_bound), zero_at)
        pass_met = np.where(direction == "lower", actual <= target, actual >= target)
        rel = np.abs(np.where(target != 0, target, 1.0))
        shortfall_higher = np.maximum((target - actual) / rel, 0.0)
        shortfall_lower = np.maximum((actual - target) / rel, 0.0)

    is_q = rule == "qualitative"
    is_band = rule == "band"
    needs_target = ~is_q & ~is_band
    insufficient = np.where(
        is_q,
        np.isnan(share),
        np.isnan(actual) | (needs_target & np.isnan(target)) | (is_band & np.isnan(zero_at)),
    )
    fraction = np.select(
        [rule == "higher_is_better", rule == "lower_is_better", is_band, rule == "pass_fail", is_q],
        [
            np.clip(higher_ratio, 0, 1),
            np.clip(lower_ratio, 0, 1),
            np.clip(1 - distance / zero_at, 0, 1),
            pass_met.astype(float),
            share,
        ],
        np.nan,
    )
    met = np.select(
        [rule == "higher_is_better", rule == "lower_is_better", is_band, rule == "pass_fail", is_q],
        [
            actual >= target,
            actual <= target,
            distance == 0,
            pass_met,
            grade.eq("achieved").fillna(False).to_numpy(bool),
        ],
        False,
    )
    shortfall = np.select(
        [
            rule == "higher_is_better",
            rule == "lower_is_better",
            is_band,
            (rule == "pass_fail") & (direction == "lower"),
            rule == "pass_fail",
            is_q,
        ],
        [
            shortfall_higher,
            shortfall_lower,
            band_shortfall,
            shortfall_lower,
            shortfall_higher,
            1 - share,
        ],
        np.nan,
    )
    out = frame.copy()
    out["score"] = np.where(insufficient, np.nan, np.round(weight * fraction, 6))
    out["status"] = np.where(insufficient, INSUFFICIENT, SCORED)
    out["met"] = pd.array(np.where(insufficient, None, met), dtype="boolean")
    out["shortfall"] = np.where(insufficient, np.nan, np.maximum(shortfall, 0.0))
    threshold = _f(frame, "explain_threshold")
    out["needs_explanation"] = (
        ~insufficient & ~met & (out["shortfall"].to_numpy() > np.nan_to_num(threshold) + 1e-12)
    )
    return out


def summarize_scores(
    scored: pd.DataFrame, standards: ScoringStandards, keys: list[str]
) -> pd.DataFrame:
    """Totals per ``keys`` group: earned points, assessed and insufficient weight, the total
    on 100 points (rescaled over the assessed weight) and the grade.

    Past ``standards.max_insufficient_weight`` of unassessable weight the grade is
    "insufficient_information" and the total is still shown, marked as such.
    """
    s = scored.assign(
        _assessed=np.where(scored["status"] == SCORED, scored["weight"], 0.0),
        _insufficient=np.where(scored["status"] == SCORED, 0.0, scored["weight"]),
    )
    totals = s.groupby(keys, sort=True).agg(
        earned=("score", "sum"),
        assessed_weight=("_assessed", "sum"),
        insufficient_weight=("_insufficient", "sum"),
        indicators=("indicator", "count"),
        missed=("met", lambda m: int((m == False).sum())),  # noqa: E712 - nullable booleans
        need_explanation=("needs_explanation", "sum"),
    )
    totals["total"] = np.where(
        totals["assessed_weight"] > 0, totals["earned"] / totals["assessed_weight"] * 100.0, np.nan
    ).round(2)
    total = totals["total"].to_numpy(dtype="float64")
    banded = np.select(
        [total >= g.min for g in standards.grades], [g.code for g in standards.grades], ""
    )
    unrated = (
        totals["insufficient_weight"].to_numpy() > standards.max_insufficient_weight
    ) | np.isnan(total)
    totals["grade"] = np.where(unrated, "insufficient_information", banded)
    return totals.reset_index()


def category_scores(scored: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Points earned and available per category of Art. 9 (decision, process, output, benefit)."""
    return (
        scored.assign(_assessed=np.where(scored["status"] == SCORED, scored["weight"], 0.0))
        .groupby([*keys, "category"], sort=False)
        .agg(
            weight=("weight", "sum"), assessed_weight=("_assessed", "sum"), earned=("score", "sum")
        )
        .reset_index()
    )
