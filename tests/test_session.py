"""What a warm kernel keeps between notebooks: results derived once for all regions equal
the results computed for one region alone, and a notebook cannot change them."""

from __future__ import annotations

from unittest import mock

import pandas as pd
import pytest

from sipm_helpers.stages import self_evaluation, session


def test_derived_once_per_kernel_and_for_one_region_outside(ctx, tiny):
    calls = []

    def compute(regions):
        calls.append(regions)
        return len(calls)

    shared = session.Loaded(ctx, tiny, {})
    assert [shared.derived("k", compute, "A") for _ in range(3)] == [1, 1, 1]
    assert calls == [None]  # every region, once
    alone = session.Loaded(ctx, tiny)
    alone.derived("k", compute, "A"), alone.derived("k", compute, "A")
    assert calls == [None, ["A"], ["A"]]  # no store: each call computes for its region


def _self_evaluations(cache, pairs):
    with mock.patch.object(session, "active_cache", lambda: cache):
        return [self_evaluation.run(fund=f, region=r) for f, r in pairs]


@pytest.fixture(scope="module")
def pairs(demo):
    coord = demo.coordination
    picked = coord.groupby("fund", sort=True).head(2)  # every fund, province-pooled ones too
    return list(zip(picked["fund"], picked["region_code"], strict=True))


def test_shared_results_equal_each_region_computed_alone(pairs):
    shared = _self_evaluations(session.LoadCache(), pairs)
    for (fund, region), warm in zip(pairs, shared, strict=True):
        cold = self_evaluation.run(fund=fund, region=region)
        pd.testing.assert_frame_equal(
            warm.outcome.indicators, cold.outcome.indicators, check_dtype=False
        )
        pd.testing.assert_frame_equal(warm.outcome.balance_history, cold.outcome.balance_history)
        assert warm.result() == cold.result(), (fund, region)


def test_a_notebook_cannot_change_what_the_next_one_reads(pairs):
    cache = session.LoadCache()
    fund, region = pairs[0]
    (first,) = _self_evaluations(cache, [(fund, region)])
    expected = first.result()
    first.outcome.indicators.loc[:, "score"] = -1.0  # a notebook that writes into its tables
    first.report.projection.summary.loc[:, "months_min"] = -1.0
    first.report.projection.paths.loc[:, "balance"] = -1.0
    (again,) = _self_evaluations(cache, [(fund, region)])
    assert again.result() == expected
