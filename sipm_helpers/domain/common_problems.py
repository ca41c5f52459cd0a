"""The province's common problems for its report to the centre (Art. 18: the province
reports on its regions' self-evaluations and its own evaluation by the end of July):
each problem the evaluation found, with the regions it concerns.

A problem is a code (the rectification items' problems, a target missed, a balance
projected below the threshold) and, where it has one, an indicator; the report words it
and lists what the province will do about it, most widespread first.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sipm_helpers.domain.appraisal import Appraisal
from sipm_helpers.domain.scoring import SCORED

COLUMNS = ["problem", "indicator", "regions", "region_codes"]


def _missed_targets(a: Appraisal) -> pd.DataFrame:
    e = a.indicators
    if e.empty:
        return pd.DataFrame(columns=["region_code", "indicator", "problem"])
    missed = (
        (e["kind"] == "quantitative")
        & (e["status"] == SCORED)
        & ~e["met"].astype("boolean").fillna(False).astype(bool)
    )
    return e.loc[missed, ["region_code", "indicator"]].assign(problem="missed_target")


def _solvency(sustainability: Mapping[str, dict | None]) -> pd.DataFrame:
    failing = [r for r, s in sustainability.items() if s and s.get("solvency_pass") == 0]
    return pd.DataFrame({"region_code": failing, "indicator": None, "problem": "solvency_fails"})


def common_problems(
    a: Appraisal, items: pd.DataFrame, sustainability: Mapping[str, dict | None]
) -> pd.DataFrame:
    """Per problem (and indicator), how many regions it concerns and which, most regions
    first; ``items`` are the evaluation's new rectification items
    (:func:`sipm_helpers.domain.follow_up.new_items`)."""
    found = pd.concat(
        [
            items[["region_code", "indicator", "problem"]],
            _missed_targets(a),
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
