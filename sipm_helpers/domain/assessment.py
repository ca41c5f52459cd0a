"""The centre's assessment of each province's budget performance management of its social
insurance funds (Art. 22 of Caishe [2022] No. 65): the Ministry of Finance, with the
Ministry of Human Resources and Social Security and the National Healthcare Security
Administration, scores each province on the criteria of parameters/assessment.yaml, ranks
the provinces, commends the best, interviews those whose work lags and orders them to
rectify within a time limit, and follows up last year's orders.

Each criterion is counted by one registered :class:`Measure` from the facts the
assessment reads (:class:`Inputs`, gathered from the data and the stages' results by
:mod:`sipm_helpers.domain.assessment_inputs`): what was due and what of it was done, so
that each score carries its evidence. Pure functions of those frames.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers import __version__
from sipm_helpers.config.assessment import AssessmentRules, Criterion
from sipm_helpers.domain.results import json_value
from sipm_helpers.domain.rounding import round_half_up
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

PAIR = ["province_code", "fund", "region_code"]


@dataclass(frozen=True)
class Inputs:
    """What the assessment of the budget ``year`` reads, one row per thing due.

    ``self_evaluations``: each coordinating pair evaluated in ``year`` (PAIR), with
    ``submitted``, ``on_time``, ``organised`` (by the finance department, Art. 17) from the
    submissions table, its quality ``rating`` and ``denied`` reasons from the provincial
    evaluation and report (None/0 where they have none). ``target_sets``: each pair with a
    budget for ``year`` + 1 and the target review's ``verdict`` (None: not reviewed).
    ``monitored``: each pair with data in ``year`` + 1 and ``months_late`` of its latest
    monitoring (NaN: none on record). ``fund_reports``: each province's funds evaluated in
    ``year`` (province_code, fund) and ``reported`` (covered by its report to the centre).
    ``items``: the rectification items due in ``year`` (province_code, item_id, deadline,
    ``closed_on_time``). ``adjusted``: the evaluator's findings of
    misreported actuals (province_code, region_code, fund, indicator). ``disclosed``: the
    provinces whose disclosure of the year is on record. ``previous``: last year's
    assessment result, if on record."""

    year: int
    provinces: tuple[str, ...]
    self_evaluations: pd.DataFrame
    target_sets: pd.DataFrame
    monitored: pd.DataFrame
    fund_reports: pd.DataFrame
    items: pd.DataFrame
    adjusted: pd.DataFrame
    disclosed: frozenset[str]
    as_of: datetime.date
    previous: dict | None = None


Count = Callable[[Inputs, Criterion], pd.DataFrame]  # → province_code, counted, due


@dataclass(frozen=True)
class Measure:
    """How one criterion is counted, and what from (a key of the label catalogues)."""

    code: str
    source: str
    count: Count


def _tally(frame: pd.DataFrame, counted: pd.Series) -> pd.DataFrame:
    """Per province of ``frame``: ``counted`` summed and the rows due."""
    out = frame[["province_code"]].assign(counted=counted.astype("float64"), due=1.0)
    return out.groupby("province_code", as_index=False)[["counted", "due"]].sum()


def _organised(i: Inputs, c: Criterion) -> pd.DataFrame:
    s = i.self_evaluations
    return _tally(s, s["submitted"] & s["organised"])


def _on_time(i: Inputs, c: Criterion) -> pd.DataFrame:
    s = i.self_evaluations
    return _tally(s, s["submitted"] & s["on_time"])


def _quality(i: Inputs, c: Criterion) -> pd.DataFrame:
    s = i.self_evaluations
    return _tally(s, s["rating"].map(dict(c.shares)).astype("float64").fillna(0.0))


def _reviewed(i: Inputs, c: Criterion) -> pd.DataFrame:
    t = i.target_sets
    return _tally(t, t["verdict"].map(dict(c.shares)).astype("float64").fillna(0.0))


def _monitored(i: Inputs, c: Criterion) -> pd.DataFrame:
    m = i.monitored
    return _tally(m, (m["months_late"] == 0).fillna(False))


def _reported(i: Inputs, c: Criterion) -> pd.DataFrame:
    return _tally(i.fund_reports, i.fund_reports["reported"])


def _closed(i: Inputs, c: Criterion) -> pd.DataFrame:
    return _tally(i.items, i.items["closed_on_time"])


def _disclosed(i: Inputs, c: Criterion) -> pd.DataFrame:
    frame = pd.DataFrame({"province_code": list(i.provinces)})
    return _tally(frame, frame["province_code"].isin(i.disclosed))


MEASURES: Mapping[str, Measure] = MappingProxyType(
    {
        m.code: m
        for m in (
            Measure("organised_by_finance", "as_src_submissions", _organised),
            Measure("target_reviews", "as_src_target_review", _reviewed),
            Measure("monitoring_on_time", "as_src_monitoring", _monitored),
            Measure("self_evaluations_on_time", "as_src_submissions", _on_time),
            Measure("self_evaluation_quality", "as_src_quality", _quality),
            Measure("provincial_report", "as_src_provincial_report", _reported),
            Measure("rectification_closed", "as_src_rectification", _closed),
            Measure("disclosed", "as_src_disclosure", _disclosed),
        )
    }
)


def _measure(c: Criterion) -> Measure:
    if c.measure not in MEASURES:
        raise ParameterError(parameters_dir() / "assessment.yaml", f"criteria.{c.code}.measure",
                             f"unknown measure {c.measure!r}; measures: {', '.join(MEASURES)}")  # fmt: skip
    return MEASURES[c.measure]


def criterion_scores(i: Inputs, rules: AssessmentRules, digits: int) -> pd.DataFrame:
    """Per province and criterion: counted, due, share, points, score (rounded to
    ``digits``) and the measure's source; a province with nothing due has share 1 where
    the criterion says so (``nothing_due: full``), else 0."""
    frames = []
    for c in rules.criteria:
        m = _measure(c)
        counted = m.count(i, c).set_index("province_code").reindex(list(i.provinces))
        counted = counted.fillna(0.0).reset_index()
        counted["counted"] = round_half_up(counted["counted"], 4)  # sums of shares, no 8.199999
        share = np.where(counted["due"] > 0, counted["counted"] / counted["due"].where(
            counted["due"] > 0, 1.0), 1.0 if c.nothing_due_full else 0.0)  # fmt: skip
        frames.append(counted.assign(criterion=c.code, share=share, points=c.weight,
                                     source=m.source))  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    out["score"] = round_half_up(out["points"] * out["share"], digits)
    return out[["province_code", "criterion", "counted", "due", "share", "points", "score",
                "source"]]  # fmt: skip


def deductions(i: Inputs, rules: AssessmentRules, digits: int) -> pd.DataFrame:
    """Per province: findings of data found false by kind (adjusted actuals, denied
    reasons) and the points off, at most the cap."""
    provinces = list(i.provinces)
    adjusted = i.adjusted.groupby("province_code").size().reindex(provinces, fill_value=0)
    denied = i.self_evaluations.groupby("province_code")["denied"].sum()
    out = pd.DataFrame({"province_code": provinces, "adjusted_actual": adjusted.to_numpy(),
                        "denied": denied.reindex(provinces, fill_value=0).to_numpy()})  # fmt: skip
    off = sum(out[k] * v for k, v in rules.per_finding.items())
    out["deduction"] = round_half_up(np.minimum(off, rules.deduction_cap), digits)
    return out


@dataclass(frozen=True)
class Assessment:
    """The assessment of ``year``: each province's criteria, deductions, total, rank and
    outcome, and last year's orders followed up."""

    year: int
    as_of: datetime.date
    notice: datetime.date
    deadline: datetime.date
    criteria: pd.DataFrame  # criterion_scores
    provinces: pd.DataFrame  # province_code, gross, deduction, total, rank, outcome
    deductions: pd.DataFrame
    follow_up: pd.DataFrame  # province_code, last_total, last_deadline, total, lifted
    previous_on_record: bool = False  # whether last year's assessment was read

    def of(self, province: str) -> dict:
        return self.provinces.set_index("province_code").loc[province].to_dict()


COMMENDED, INTERVIEWED, NONE = "commended", "interviewed", "none"


def outcomes(totals: pd.DataFrame, rules: AssessmentRules) -> pd.DataFrame:
    """``totals`` (province_code, total) ranked (1 the highest; ties share the better rank)
    with each province's outcome: commended at ``commend_from`` or more, at most
    ``commend_at_most`` of them by rank; interviewed and ordered to rectify below
    ``interview_below``; none otherwise."""
    ranked = totals.assign(rank=totals["total"].rank(ascending=False, method="min").astype(int))
    commended = (ranked["total"] >= rules.commend_from) & (ranked["rank"] <= rules.commend_at_most)
    interviewed = ranked["total"] < rules.interview_below
    outcome = np.select([commended, interviewed], [COMMENDED, INTERVIEWED], NONE)
    return ranked.assign(outcome=outcome).sort_values(["rank", "province_code"], ignore_index=True)


def follow_up(previous: dict | None, totals: pd.DataFrame, rules: AssessmentRules) -> pd.DataFrame:
    """Each province interviewed in last year's assessment (``previous``): its total then,
    the deadline it was given, its total now and whether it is now at ``interview_below``
    or above (``lifted``)."""
    columns = ["province_code", "last_total", "last_deadline", "total", "lifted"]
    if not previous:
        return pd.DataFrame(columns=columns)
    ordered = [p for p in previous["provinces"] if p["outcome"] == INTERVIEWED]
    last = pd.DataFrame(ordered, columns=["province_code", "total"])
    last = last.rename(columns={"total": "last_total"}).assign(last_deadline=previous["deadline"])
    out = last.merge(totals[["province_code", "total"]], on="province_code", how="left")
    return out.assign(lifted=(out["total"] >= rules.interview_below).fillna(False))[columns]


def assess(i: Inputs, rules: AssessmentRules, digits: int) -> Assessment:
    """The assessment of ``i.year`` on ``rules``, scores rounded to ``digits`` decimals."""
    scores = criterion_scores(i, rules, digits)
    off = deductions(i, rules, digits)
    gross = scores.groupby("province_code", as_index=False)["score"].sum()
    gross = gross.rename(columns={"score": "gross"}).merge(off[["province_code", "deduction"]])
    totals = gross.assign(total=round_half_up((gross["gross"] - gross["deduction"]).clip(lower=0),
                                              digits))  # fmt: skip
    return Assessment(
        year=i.year,
        as_of=i.as_of,
        notice=rules.notice_date(i.year),
        deadline=rules.deadline(i.year),
        criteria=scores,
        provinces=outcomes(totals, rules),
        deductions=off,
        follow_up=follow_up(i.previous, totals, rules),
        previous_on_record=i.previous is not None,
    )


RESULT_SCHEMA = "sipm.central_assessment"
RESULT_VERSION = 1
STAGE = "central_assessment"


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def assessment_result(a: Assessment) -> dict:
    """The machine-readable result (JSON-serializable, versioned): each province's total,
    rank and outcome, its criteria with their counts, its deductions, the deadline of the
    orders and last year's orders followed up. Next year's assessment reads it."""
    return {
        "schema": RESULT_SCHEMA,
        "version": RESULT_VERSION,
        "stage": STAGE,
        "package_version": __version__,
        "year": a.year,
        "as_of": a.as_of.isoformat(),
        "notice": a.notice.isoformat(),
        "deadline": a.deadline.isoformat(),
        "provinces": _records(a.provinces),
        "criteria": _records(a.criteria),
        "deductions": _records(a.deductions),
        "follow_up": _records(a.follow_up),
        "previous_on_record": a.previous_on_record,
        "flags": [INTERVIEWED] if (a.provinces["outcome"] == INTERVIEWED).any() else [],
    }


LETTER_STAGE = "assessment_letter"
LETTER_SCHEMA = "sipm.assessment_letter"
LETTER_VERSION = 1


def letter_result(result: dict, province: str) -> dict:
    """What the letter to ``province`` told it, for the record: its total, rank and
    outcome, the deadline where it must rectify, and the criteria it lost points on.
    ValueError when ``result`` (an assessment result) does not assess the province."""
    standing = [p for p in result["provinces"] if p["province_code"] == province]
    if not standing:
        raise ValueError(f"the assessment of {result['year']} does not assess province {province}")
    lost = [
        c["criterion"]
        for c in result["criteria"]
        if c["province_code"] == province and c["score"] < c["points"]
    ]
    s = standing[0]
    return {
        "schema": LETTER_SCHEMA,
        "version": LETTER_VERSION,
        "stage": LETTER_STAGE,
        "package_version": __version__,
        "year": result["year"],
        "province": province,
        "total": s["total"],
        "rank": s["rank"],
        "outcome": s["outcome"],
        "deadline": result["deadline"] if s["outcome"] == INTERVIEWED else None,
        "lost": lost,
        "flags": [INTERVIEWED] if s["outcome"] == INTERVIEWED else [],
    }
