"""Properties of every indicator of every catalogue, the provinces' included, tried with
Hypothesis at the points an evaluator would test: the score stays within [0, points], it
moves the right way as the actual improves, the target met earns full points, and a
catastrophic value (no reserve, nothing executed, nothing paid on time) earns nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sipm_helpers.domain.indicators import apply_policy, catalogue_frame
from sipm_helpers.domain.rules import RULES
from sipm_helpers.domain.scoring import SCORED, score_indicators

# The range an actual is drawn from, by the indicator's unit.
SPAN = {
    "rate": (-0.5, 2.5),
    "months": (0.0, 60.0),
    "ratio": (0.0, 8.0),
    "persons": (0.0, 2e6),
    "yuan": (0.0, 2000.0),
    "years": (0.0, 10.0),  # of the solvency test's ten
}
YEARS = (2021, 2024, 2025)  # dated policy values differ between them
COUNT_TARGET = 1e6  # a count indicator has no default target: one is set here


@pytest.fixture(scope="module")
def indicators(ctx) -> pd.DataFrame:
    """Every scored quantitative indicator of every catalogue in each of ``YEARS`` (targets
    and bands that follow a dated policy take that year's value), with a target."""
    cat = catalogue_frame(ctx)
    cat = cat.loc[~cat["reported"] & (cat["kind"] == "quantitative")]
    cat = pd.concat([apply_policy(cat.assign(year=y), ctx.policy) for y in YEARS])
    cat = cat.reset_index(drop=True)
    target = cat["default_target"].fillna(COUNT_TARGET)
    where = cat["fund"] + "/" + cat["province_code"].fillna("") + "/" + cat["year"].astype(str)
    return cat.assign(target=target, catalogue=where)


def _score(ctx, indicators: pd.DataFrame, actuals: np.ndarray) -> pd.DataFrame:
    """Each indicator scored at each of ``actuals`` (a share of its unit's span)."""
    rows = indicators.loc[indicators.index.repeat(len(actuals))].reset_index(drop=True)
    share = np.tile(actuals, len(indicators))
    low = rows["unit"].map(lambda u: SPAN[u][0]).to_numpy()
    high = rows["unit"].map(lambda u: SPAN[u][1]).to_numpy()
    rows["actual"] = low + share * (high - low)
    rows["draw"] = np.tile(np.arange(len(actuals)), len(indicators))
    return score_indicators(rows, ctx.standards)


def _kind(scored: pd.DataFrame) -> pd.Series:
    """How the actual should move the score: +1 more is better, −1 less is, 0 a band."""
    rule_needs = scored["rule"].map(lambda r: RULES[r].needs)
    lower = scored["direction"].eq("lower")
    return pd.Series(np.where(rule_needs == "band", 0, np.where(lower, -1, 1)), scored.index)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=25))
def test_score_stays_within_its_points(ctx, indicators, actuals):
    scored = _score(ctx, indicators, np.asarray(actuals))
    assert (scored["status"] == SCORED).all()
    assert (scored["score"] >= 0).all()
    assert (scored["score"] <= scored["weight"] + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=25, unique=True))
def test_score_moves_the_right_way_as_the_actual_improves(ctx, indicators, actuals):
    scored = _score(ctx, indicators, np.sort(np.asarray(actuals)))
    kind = _kind(scored)
    for (_catalogue, _code), one in scored.groupby(["catalogue", "indicator"], sort=False):
        score = one["score"].to_numpy()  # actuals ascending
        step = np.diff(score)
        direction = kind.loc[one.index[0]]
        if direction > 0:
            assert (step >= -1e-9).all(), (_catalogue, _code)
        elif direction < 0:
            assert (step <= 1e-9).all(), (_catalogue, _code)
        else:  # rising up to the band, full inside, falling beyond
            actual = one["actual"].to_numpy()
            lo, hi = one["band_lower"].iloc[0], one["band_upper"].iloc[0]
            below = actual[1:] <= (lo if not np.isnan(lo) else -np.inf)
            above = actual[:-1] >= (hi if not np.isnan(hi) else np.inf)
            assert (step[below] >= -1e-9).all() and (step[above] <= 1e-9).all(), (_catalogue, _code)


def test_target_met_gives_full_points(ctx, indicators):
    rows = indicators.copy()
    lo, hi = rows["band_lower"], rows["band_upper"]
    inside = np.where(lo.notna() & hi.notna(), (lo + hi) / 2, lo.fillna(hi))
    band = rows["rule"].map(lambda r: RULES[r].needs_band)
    rows["actual"] = np.where(band, inside, rows["target"])
    scored = score_indicators(rows, ctx.standards)
    assert scored["met"].all()
    assert np.allclose(scored["score"], scored["weight"]), scored.loc[
        ~np.isclose(scored["score"], scored["weight"]), ["catalogue", "indicator", "score"]
    ]


def test_qualitative_achieved_in_full_gives_full_points_and_no_evidence_nothing(ctx):
    cat = catalogue_frame(ctx)
    qual = cat.loc[cat["kind"] == "qualitative"].assign(grade="achieved", share=1.0)
    full = score_indicators(qual.assign(evidence="检查记录"), ctx.standards)
    assert np.allclose(full["score"], full["weight"])
    none = score_indicators(qual.assign(evidence=None), ctx.standards)
    assert (none["score"] == 0).all() and (none["status_reason"] == "no_evidence").all()
    worst = score_indicators(
        qual.assign(grade="not_achieved", share=0.0, evidence="x"), ctx.standards
    )
    assert (worst["score"] == 0).all()


def _catastrophe(rows: pd.DataFrame) -> np.ndarray:
    """The worst value an evaluator would try: where the points reach zero for a band
    (under its floor if it has one), nothing at all where more is better, a hundred
    times the target where less is."""
    band = rows["rule"].map(lambda r: RULES[r].needs_band).to_numpy(bool)
    lower = rows["direction"].eq("lower").to_numpy(bool)
    floor = rows["band_zero_below"].fillna(rows["band_zero_above"]).to_numpy()
    worst_lower = np.maximum(rows["target"].abs().to_numpy(), 0.01) * 100
    target = rows["target"].to_numpy()
    nothing = np.where(target > 0, 0.0, target - 1.0)  # a zero target: a deficit of 100 %
    return np.where(band, floor, np.where(lower, worst_lower, nothing))


def test_a_catastrophic_value_gives_nothing(ctx, indicators):
    scored = score_indicators(indicators.assign(actual=_catastrophe(indicators)), ctx.standards)
    lower = scored["rule"].eq("lower_is_better")
    assert (scored.loc[~lower, "score"] == 0).all(), scored.loc[
        ~lower & (scored["score"] > 0), ["catalogue", "indicator", "actual", "score"]
    ]
    assert (scored.loc[lower, "score"] <= scored.loc[lower, "weight"] / 100 + 1e-9).all()


@pytest.mark.parametrize(
    ("codes", "value"),
    [
        (("months_covered", "projected_months_min"), 0.0),  # an exhausted fund
        (("income_budget_execution", "expenditure_budget_execution"), 0.0),  # nothing executed
        (("fiscal_subsidy_arrival", "benefits_paid_on_time", "coverage_rate"), 0.0),
    ],
)
def test_what_an_evaluator_calls_catastrophic_earns_nothing_in_every_catalogue(
    ctx, indicators, codes, value
):
    rows = indicators.loc[indicators["indicator"].isin(codes)].assign(actual=value)
    assert len(rows) >= len(ctx.all_catalogues())
    scored = score_indicators(rows, ctx.standards)
    assert (scored["score"] == 0).all(), scored.loc[scored["score"] > 0, ["catalogue", "indicator"]]
