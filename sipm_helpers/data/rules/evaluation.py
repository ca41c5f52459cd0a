"""Rules of the evaluator's own records (Art. 17–20): findings about a coordinating
region's fund and an indicator of its catalogue, each carrying what it found (an actual
for a quantitative indicator, a grade for a qualitative one); self-evaluation reports
dated after the year they evaluate; rectification items with a deadline not before the
year found, and a closing date exactly when done."""

from __future__ import annotations

import pandas as pd

from sipm_helpers.config.labels import said
from sipm_helpers.data.findings import WARNING
from sipm_helpers.data.rules import Checked, Rule
from sipm_helpers.data.rules.regions import applicable, coordinating_level, pair_key
from sipm_helpers.data.table import Table, rows

# A finding and the column that must then hold the evaluator's value.
FINDING_VALUE = {"adjusted_actual": "actual", "adjusted_grade": "grade"}


def _indicators(c: Checked) -> dict[str, tuple[str, ...]]:
    return c.ctx.indicator_codes()


def _qualitative_pairs(c: Checked) -> set[str]:
    return {
        f"{f}\x1f{i}" for f, codes in c.ctx.indicator_codes("qualitative").items() for i in codes
    }


def finding_without_value(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    column = r["finding"].map(FINDING_VALUE)
    empty = pd.Series(False, index=r.index)
    for finding, value in FINDING_VALUE.items():
        empty |= (r["finding"] == finding).fillna(False) & r[value].isna()
    return rows(
        r,
        empty,
        lambda x: said("validation_review_value", finding=x["finding"], column=column[x.name]),
    )


def finding_of_the_wrong_kind(t: Table, c: Checked) -> pd.DataFrame:
    """A grade for a qualitative indicator, an actual for a quantitative one."""
    r = t.frame
    qualitative = pair_key(r, "fund", "indicator").isin(_qualitative_pairs(c))
    known = r["indicator"].isin({i for codes in _indicators(c).values() for i in codes})
    wrong = known & (
        ((r["finding"] == "adjusted_grade") & ~qualitative)
        | ((r["finding"] == "adjusted_actual") & qualitative)
    )
    return rows(
        r,
        wrong.fillna(False),
        lambda x: said(
            "validation_review_kind_quantitative"
            if x["finding"] == "adjusted_grade"
            else "validation_review_kind_qualitative",
            indicator=x["indicator"],
        ),
    )


def received_within_the_year(t: Table, c: Checked) -> pd.DataFrame:
    s = t.frame
    early = (s["received"].dt.year <= s["year"]).fillna(False)
    return rows(
        s,
        early,
        lambda x: said("validation_submission_date", year=x["year"]),
    )


def deadline_before_found(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    return rows(
        r,
        (r["deadline"].dt.year < r["year"]).fillna(False),
        lambda x: said("validation_rectification_deadline", year=x["year"]),
    )


def done_without_date(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    return rows(
        r,
        (r["status"] == "done").fillna(False) & r["closed"].isna(),
        said("validation_done_without_date"),
    )


def date_without_done(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    return rows(
        r,
        (r["status"] != "done").fillna(False) & r["closed"].notna(),
        lambda x: said("validation_date_without_done", status=x["status"]),
    )


def done_without_evidence(t: Table, c: Checked) -> pd.DataFrame:
    r = t.frame
    return rows(
        r,
        (r["status"] == "done").fillna(False) & r["evidence"].isna(),
        said("validation_done_without_evidence"),
    )


RULES = (
    *(
        Rule(f"{n}.coordinating_level", n, "coordinating_level", "region_code", coordinating_level)
        for n in ("review", "submissions", "rectification")
    ),
    Rule("review.applicable", "review", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
    Rule("review.value", "review", "review_value", "finding", finding_without_value),
    Rule("review.kind", "review", "review_kind", "finding", finding_of_the_wrong_kind),
    Rule("submissions.received", "submissions", "submission_date", "received", received_within_the_year),
    Rule("rectification.applicable", "rectification", "not_applicable", "indicator", applicable("indicator", _indicators, "indicator")),
    Rule("rectification.deadline", "rectification", "rectification_deadline", "deadline", deadline_before_found),
    Rule("rectification.done_date", "rectification", "rectification_closed", "closed", done_without_date),
    Rule("rectification.date_status", "rectification", "rectification_closed", "status", date_without_done),
    Rule("rectification.evidence", "rectification", "missing_evidence", "evidence", done_without_evidence, WARNING),
)  # fmt: skip
