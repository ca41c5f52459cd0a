"""The province's common problems for its report to the centre (Art. 18: the province
reports on its regions' self-evaluations and its own evaluation by the end of July):
each problem the evaluation found, with the regions it concerns, and what the province
will do about those its regions share.

A problem is a code (the rectification items' problems, a target missed, a balance
projected below the threshold) and, where it has one, an indicator. It is **common** when
it concerns at least :meth:`AppraisalRules.common_least` regions (two by default); a
problem of fewer regions is that region's own: the report sets it out in the region's
rows (its new rectification items, its missed targets, its suggestions) and its feedback
letter carries it (Art. 19), but the province's common problems and actions leave it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.domain.appraisal import MISSING, Appraisal, missed_targets

COLUMNS = ["problem", "indicator", "regions", "region_codes"]


def _solvency(sustainability: Mapping[str, dict | None]) -> pd.DataFrame:
    failing = [r for r, s in sustainability.items() if s and s.get("solvency_pass") == 0]
    return pd.DataFrame({"region_code": failing, "indicator": None, "problem": "solvency_fails"})


def found_problems(
    a: Appraisal, items: pd.DataFrame, sustainability: Mapping[str, dict | None]
) -> pd.DataFrame:
    """Per problem (and indicator) the evaluation found, how many regions it concerns and
    which, most regions first; ``items`` are the evaluation's new rectification items
    (:func:`sipm_helpers.domain.follow_up.new_items`)."""
    missed = missed_targets(a.indicators)
    found = pd.concat(
        [
            items[["region_code", "indicator", "problem"]],
            missed[["region_code", "indicator"]].assign(problem="missed_target"),
            _solvency(sustainability),
        ],
        ignore_index=True,
    ).drop_duplicates()
    if found.empty:
        return pd.DataFrame(columns=COLUMNS)
    found["indicator"] = found["indicator"].astype(object).where(found["indicator"].notna(), "")
    g = found.sort_values("region_code").groupby(["problem", "indicator"], sort=False)
    out = g["region_code"].agg(regions="nunique", region_codes=list).reset_index()
    out = out.sort_values(["regions", "problem", "indicator"], ascending=[False, True, True])
    out["indicator"] = pd.Series(
        [i or None for i in out["indicator"]], index=out.index, dtype=object
    )
    return out[COLUMNS].reset_index(drop=True)


def evaluated(a: Appraisal) -> int:
    """How many regions' self-evaluations the province evaluated."""
    return int((a.regions["status"] != MISSING).sum())


def common_problems(
    a: Appraisal,
    items: pd.DataFrame,
    sustainability: Mapping[str, dict | None],
    rules: AppraisalRules,
) -> pd.DataFrame:
    """The problems found (:func:`found_problems`) that concern at least
    ``rules.common_least`` of the evaluated regions, most regions first."""
    found = found_problems(a, items, sustainability)
    least = rules.common_least(evaluated(a))
    return found.loc[found["regions"] >= least].reset_index(drop=True)


@dataclass(frozen=True)
class Action:
    """What the province will do about one kind of common problem: the regions it
    concerns (over all its indicators) and, for a problem of indicators, each indicator
    with the number of regions it concerns, most first."""

    problem: str
    regions: tuple[str, ...]
    indicators: tuple[tuple[str, int], ...]


def actions(common: pd.DataFrame) -> list[Action]:
    """One action per kind of problem in ``common`` (:func:`common_problems`), the kind
    concerning most regions first: every count an action states comes from here."""
    out = []
    for problem, rows in common.groupby("problem", sort=False):
        regions = sorted({r for codes in rows["region_codes"] for r in codes})
        pairs = zip(rows["indicator"], rows["regions"], strict=True)
        named = [(i, int(n)) for i, n in pairs if isinstance(i, str)]
        out.append(Action(str(problem), tuple(regions), tuple(named)))
    return out
