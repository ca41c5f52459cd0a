"""The evaluator's findings applied to a self-evaluation (Art. 17, 19): the provincial
evaluation scores each region again with the self-evaluation's own data where the
evaluator agrees, and with the evaluator's findings where not.

A finding replaces an actual (``adjusted_actual``) or a qualitative grade
(``adjusted_grade``, scored at its band's default share, with the evaluator's comment as
its evidence), takes an indicator out of the assessment (``not_applicable``: its points
go to the rest of its category, as for any indicator that does not apply) or withholds
its points (``not_assessed``: scored 0, or rescaled away, by the standards' rule for
indicators not assessed). Each step is a function of the indicator frame as
:func:`sipm_helpers.domain.indicators.indicator_frame` builds it; rows the evaluator did not
touch pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.domain.measures import PART_COLUMNS
from sipm_helpers.domain.scoring import WITHHELD

KEYS = ["region_code", "fund", "year", "indicator"]
BY_EVALUATOR = WITHHELD  # the status reason of what the evaluator took out or withheld


def _finding(base: pd.DataFrame, review: pd.DataFrame | None, finding: str) -> pd.DataFrame:
    """The review's rows of ``finding``, aligned to ``base``'s rows (NaN where none)."""
    if review is None or review.empty:
        none = {"actual": np.nan, "grade": None, "comment": None, "hit": False}
        return pd.DataFrame(none, index=base.index)
    chosen = review.loc[review["finding"] == finding, [*KEYS, "actual", "grade", "comment"]]
    merged = base[KEYS].merge(chosen.assign(hit=True), on=KEYS, how="left")
    merged.index = base.index
    merged["hit"] = merged["hit"].astype("boolean").fillna(False).astype(bool)
    return merged


def adjust_actuals(base: pd.DataFrame, review: pd.DataFrame | None) -> pd.DataFrame:
    """Actuals the evaluator established in place of the self-evaluation's (the parts of
    a measure taken as the larger of its parts no longer stand where it did)."""
    f = _finding(base, review, "adjusted_actual")
    actual = base["actual"].astype("float64").mask(f["hit"], f["actual"].astype("float64"))
    parts = {c: base[c].astype("float64").mask(f["hit"]) for c in PART_COLUMNS if c in base}
    return base.assign(
        actual=actual, **parts, reviewed=_reviewed(base, f["hit"], "adjusted_actual")
    )


def take_out(base: pd.DataFrame, review: pd.DataFrame | None) -> pd.DataFrame:
    """Indicators the evaluator judged not applicable: their points go to the rest."""
    f = _finding(base, review, "not_applicable")
    return base.assign(
        applicable=base["applicable"] & ~f["hit"].to_numpy(),
        applies_when=base["applies_when"].mask(f["hit"], BY_EVALUATOR),
        reviewed=_reviewed(base, f["hit"], "not_applicable"),
    )


def adjust_grades(base: pd.DataFrame, review: pd.DataFrame | None) -> pd.DataFrame:
    """Grades the evaluator judged in place of the self-evaluation's (its comment, where it
    gives one, is the evidence; the share falls back on the band's default)."""
    f = _finding(base, review, "adjusted_grade")
    hit = f["hit"].to_numpy()
    evidence = base["evidence"].mask(hit & f["comment"].notna(), f["comment"])
    return base.assign(
        grade=base["grade"].mask(hit, f["grade"]),
        share=base["share"].astype("float64").mask(hit, np.nan),
        evidence=evidence,
        reviewed=_reviewed(base, f["hit"], "adjusted_grade"),
    )


def withhold(base: pd.DataFrame, review: pd.DataFrame | None) -> pd.DataFrame:
    """Indicators the evaluator could not assess: no points, whatever the data say."""
    f = _finding(base, review, "not_assessed")
    return base.assign(
        withheld=f["hit"].to_numpy(), reviewed=_reviewed(base, f["hit"], "not_assessed")
    )


def _reviewed(base: pd.DataFrame, hit: pd.Series, finding: str) -> pd.Series:
    before = (
        base["reviewed"] if "reviewed" in base else pd.Series(None, index=base.index, dtype=object)
    )
    return before.astype(object).mask(hit.to_numpy(), finding)
