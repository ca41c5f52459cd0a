"""The use of the evaluation's results (Art. 20): problems become rectification items,
earlier items are followed up, and next year's targets are reconsidered.

- **New items**: what the provincial evaluation found (a self-evaluation missing, late or
  far from the evaluated total; what the region's own self-evaluation left undone: a
  deviation without reason or measure, a grade without evidence; and each finding of the
  evaluator or the ledger that cost the region points, as a problem of substance with its
  basis) as rows of the rectification table, due by the rules' date of the year the
  evaluation is made. Problems are codes; the report words them.
- **Follow-up**: each earlier item as of the date of the report that follows it up (the
  provincial report's due date, 31 July, unless a plan sets another): closed, open, or
  overdue (past its deadline and not done, whatever its recorded status says).
- **Target recommendations**: a quantitative target met by a wide margin in each of the
  last years is to be tightened (a floor raised, a ceiling lowered); one missed in each of
  them is to be questioned; never one the agency does not control.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import MISSING, Appraisal
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.policy_standards import follows_standard
from sipm_helpers.domain.scoring import SCORED
from sipm_helpers.domain.sustainability import Outlook

CLOSED, OPEN, OVERDUE = "closed", "open", "overdue"
# Problems found per region, and the column of the appraisal's table that flags each.
REGION_PROBLEMS = {
    "late_report": "late",
    "self_evaluation_gap": "gap_flag",
    "prepared_by_agency_alone": "agency_alone",  # Art. 17: finance organises it
}

# What a finding that cost the region points is about: the evaluator's own judgement, or
# one of the ledger's checks (sipm_helpers.domain.ledger), each worded as its own problem.
EVALUATOR_FINDING = "evaluator_finding"
FINDING_COLUMNS = ["finding", "basis", "comment", "self_value", "evaluated_value", "detail"]


def _region_problems(a: Appraisal) -> pd.DataFrame:
    t = a.regions
    parts = [t.loc[t["status"] == MISSING, ["region_code"]].assign(problem=MISSING)]
    for problem, flag in REGION_PROBLEMS.items():
        parts.append(t.loc[t[flag].astype(bool), ["region_code"]].assign(problem=problem))
    return pd.concat(parts, ignore_index=True).assign(
        indicator=None, **dict.fromkeys(FINDING_COLUMNS)
    )


def _finding_problems(a: Appraisal) -> pd.DataFrame:
    """The findings that cost a region points, as problems of substance."""
    m = a.moved
    if m.empty:
        return pd.DataFrame(columns=["region_code", "indicator", "problem", *FINDING_COLUMNS])
    lost = m["evaluated_score"].astype(float) < m["self_score"].astype(float) - 1e-9
    m = m.loc[lost.fillna(False).to_numpy(dtype=bool)]
    check = [d.get("check") if isinstance(d, dict) else None for d in m["detail"]]
    problem = [f"ledger_{c}" if c else EVALUATOR_FINDING for c in check]
    return m[["region_code", "indicator", *FINDING_COLUMNS]].assign(problem=problem)


def new_items(a: Appraisal, ctx: Context) -> pd.DataFrame:
    """The evaluation's problems as rectification items: item_id, region_code, fund, year
    (the year they were found: the one after the year evaluated), source, indicator,
    problem (a code), deadline, status (open), and for a finding the columns that word it
    (finding, basis, comment, self_value, evaluated_value, detail). The deadline is the
    province's own where its rules set one (Art. 24)."""
    deadline = ctx.for_province(a.province, a.year).appraisal.rectification_deadline(a.year)
    found = pd.concat(
        [_region_problems(a), a.quality.assign(**dict.fromkeys(FINDING_COLUMNS)),
         _finding_problems(a)],
        ignore_index=True,
    )  # fmt: skip
    found = found.sort_values(["region_code", "problem"], kind="stable", ignore_index=True)
    year = a.year + 1
    number = found.groupby("region_code").cumcount() + 1
    return pd.DataFrame(
        {
            "item_id": found["region_code"] + f"-{a.fund}-{year}-E" + number.astype(str),
            "region_code": found["region_code"],
            "fund": a.fund,
            "year": year,
            "source": "evaluation",
            "indicator": found["indicator"],
            "problem": found["problem"],
            "deadline": pd.Timestamp(deadline),
            "status": OPEN,
            **{c: found[c] for c in FINDING_COLUMNS},
        }
    )


def follow_up(ds: Dataset, *, fund: str, regions: list[str], as_of: datetime.date) -> pd.DataFrame:
    """Every rectification item of ``fund`` in ``regions`` found before ``as_of``, with
    ``state`` as of that date (closed, open or overdue) and ``days_overdue``."""
    r = ds.rectification
    mine = r.loc[(r["fund"] == fund) & r["region_code"].isin(regions) & (r["year"] <= as_of.year)]
    when = pd.Timestamp(as_of)
    done = (mine["status"] == "done") & (mine["closed"] <= when).fillna(False)
    late = ~done & ((mine["deadline"] < when) | (mine["status"] == "overdue"))
    state = np.where(done, CLOSED, np.where(late, OVERDUE, OPEN))
    days = np.where(late, (when - mine["deadline"]).dt.days.clip(lower=0), 0)
    return mine.assign(state=state, days_overdue=days.astype(int)).reset_index(drop=True)


def target_recommendations(
    ds: Dataset,
    ctx: Context,
    *,
    fund: str,
    regions: list[str] | None,
    year: int,
    outlooks: Mapping[int, Outlook] | None = None,
) -> pd.DataFrame:
    """Per region and quantitative indicator scored against a target above or below which
    it should be, in each of the rules' last years up to ``year``: 'tighten' where the
    target was beaten by at least the rules' margin every year, 'question' where it was
    missed every year (``regions`` None: all the fund's). A target that follows a policy
    standard (the catalogue says so) is the nation's, not the region's, and one the agency
    does not control (the catalogue's ``target_review: {controlled: false}``: the fund's
    investment return, its subsidy dependence) a forecast, not an ambition: never either.
    Returns region_code, indicator, recommendation, target and actual of ``year``, and
    the smallest margin (beyond the target, as a share of it). ``outlooks``: solvency
    outlooks already made."""
    rules = ctx.appraisal
    years = list(range(year - rules.recommendation_years + 1, year + 1))
    f = indicator_frame(ds, ctx, funds=[fund], regions=regions, years=years, outlooks=outlooks)
    q = f.loc[
        (f["kind"] == "quantitative")
        & (f["status"] == SCORED)
        & f["direction"].isin(["higher", "lower"])
        & (f["target"].abs() > 0)
        & ~follows_standard(f)
        & f["controlled"].astype(bool)
    ]
    sign = np.where(q["direction"] == "lower", -1.0, 1.0)
    margin = sign * (q["actual"] - q["target"]) / q["target"].abs()
    q = q.assign(margin=margin, missed=~q["met"].astype("boolean").fillna(False).astype(bool))
    by = q.sort_values("year").groupby(["region_code", "indicator"], sort=True)
    g = by.agg(
        years=("year", "nunique"),
        margin=("margin", "min"),
        missed=("missed", "all"),
        target=("target", "last"),
        actual=("actual", "last"),
    ).reset_index()
    full = g["years"] == len(years)
    g["recommendation"] = np.select(
        [full & (g["margin"] >= rules.raise_margin), full & g["missed"]],
        ["tighten", "question"],
        "",
    )
    keep = g["recommendation"] != ""
    return g.loc[
        keep, ["region_code", "indicator", "recommendation", "target", "actual", "margin"]
    ].reset_index(drop=True)
