"""One coordinating region's feedback letter (Art. 19: the province feeds its evaluation
back to each region; Art. 20: the region rectifies what was found): the region's part of
the provincial evaluation's result, and its earlier rectification items still open.

The letter reads the provincial evaluation's structured result, never its report, so a
letter says exactly what the province's report says about the region, its targets
missed among it (a problem of one region is fed back in its letter, not among the common
ones).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd

from sipm_helpers import __version__
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import MISSED, MISSING, MOVED_COLUMNS, PROBLEM_COLUMNS
from sipm_helpers.domain.follow_up import OPEN, OVERDUE, follow_up


@dataclass(frozen=True)
class Letter:
    """What the province writes to one region about one fund's year."""

    fund: str
    province: str
    region: str
    year: int
    standing: dict  # the region's row of the evaluation: totals, grades, gap, flags, rank
    ranked: int  # regions ranked in the province (0: a province-pooled fund, not ranked)
    moved: pd.DataFrame  # indicator, finding, basis, comment, values and scores, detail
    problems: pd.DataFrame  # the evaluation's new items: item_id, indicator, problem, deadline…
    missed: pd.DataFrame  # the region's quantitative targets missed (:data:`MISSED`)
    suggestions: pd.DataFrame  # kind, subject, template, values, in order of priority
    pending: pd.DataFrame  # earlier rectification items still open or overdue
    as_of: datetime.date  # the date the earlier items were followed up on

    @property
    def missing(self) -> bool:
        return self.standing.get("status") == MISSING


def _mine(rows: list[dict], region: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([r for r in rows if r.get("region_code") == region])
    return frame.reindex(columns=columns).reset_index(drop=True)


def letter(result: dict, ds: Dataset, ctx: Context, region: str) -> Letter:
    """The letter to ``region`` from the provincial evaluation ``result`` (a
    ``sipm.provincial_evaluation`` result of the province coordinating it). Raises
    ValueError when the result does not cover the region."""
    standing = [r for r in result["regions"] if r["region_code"] == region]
    if not standing:
        raise ValueError(
            f"the provincial evaluation of {result['province']} does not cover region {region}"
        )
    fund, year = result["fund"], int(result["year"])
    regions = [r["region_code"] for r in result["regions"]]
    own_only = regions == [result["province"]]
    as_of = datetime.date.fromisoformat(result["as_of"])
    earlier = follow_up(ds, fund=fund, regions=[region], as_of=as_of)
    pending = earlier.loc[earlier["state"].isin([OPEN, OVERDUE])].sort_values(
        ["deadline", "item_id"], ignore_index=True
    )
    return Letter(
        fund=fund,
        province=result["province"],
        region=region,
        year=year,
        standing=standing[0],
        ranked=0 if own_only else sum(r.get("rank") is not None for r in result["regions"]),
        moved=_mine(result["moved"], region, MOVED_COLUMNS[1:]),
        problems=_mine(
            result["problems"], region, [c for c in PROBLEM_COLUMNS if c != "region_code"]
        ),
        as_of=as_of,
        missed=_mine(result.get("missed", []), region, MISSED[1:]),
        suggestions=_mine(result["suggestions"], region, ["kind", "subject", "template", "values"]),
        pending=pending,
    )


LETTER_SCHEMA = "sipm.feedback_letter"
LETTER_VERSION = 2  # 2: the targets missed


def letter_result(lt: Letter) -> dict:
    """What the letter told the region, for the record (JSON-serializable, versioned): its
    standing, its targets missed, the suggestion templates, and the rectification items it
    must close."""
    to_close = [
        *(
            {"item_id": r.item_id, "deadline": r.deadline, "new": True}
            for r in lt.problems.itertuples()
        ),
        *(
            {"item_id": r.item_id, "deadline": r.deadline.date().isoformat(), "new": False}
            for r in lt.pending.itertuples()
        ),
    ]
    return {
        "schema": LETTER_SCHEMA,
        "version": LETTER_VERSION,
        "stage": "feedback_letter",
        "package_version": __version__,
        "fund": lt.fund,
        "province": lt.province,
        "region": lt.region,
        "year": lt.year,
        "standing": lt.standing,
        "missed": lt.missed["indicator"].tolist(),
        "suggestions": lt.suggestions["template"].tolist(),
        "to_close": to_close,
    }
