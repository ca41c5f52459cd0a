"""The evaluator's records of a synthetic dataset (Art. 17–20): when each self-evaluation
report reached the province, the evaluator's findings, and the problems to rectify.

Every coordinating region reports every complete year, a few late; a few region-years get
a qualitative grade adjusted by the evaluator; each region and fund carries a few
problems a year, closed when older than the last year (a few left overdue), open or in
progress for the last one. What the records say (who prepares reports, comments, problems,
owners, shares) is data: ``sipm_helpers/demo/evaluation_records.yaml``. Deterministic in
the seed.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sipm_helpers.config.catalogue import Catalogue
from sipm_helpers.config.loader import read_yaml

RECORDS_FILE = Path(__file__).resolve().parent.parent / "demo" / "evaluation_records.yaml"
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class _Grid:
    """One fund's coordinating regions × complete years, flattened."""

    fund: str
    regions: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, fund: str, codes: Sequence[str], years: Sequence[int]) -> _Grid:
        r, y = np.meshgrid(np.asarray(codes, dtype=object), np.asarray(years), indexing="ij")
        return cls(fund, r.ravel(), y.ravel().astype("int64"))


def _rng(seed: int, *labels: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


def _date(years: np.ndarray, month: int, day: int) -> np.ndarray:
    return np.array([f"{y:04d}-{month:02d}-{day:02d}" for y in years], dtype="datetime64[D]")


def _iso(dates: np.ndarray) -> list[str | None]:
    return [None if np.isnat(d) else str(d) for d in dates.astype("datetime64[D]")]


def _submissions(g: _Grid, spec: dict, rng: np.random.Generator) -> pd.DataFrame:
    """The report on year Y reaches the province in spring of Y + 1; a few in June."""
    due, early = spec["due"], spec["earliest"]
    start = _date(g.years + 1, early["month"], early["day"])
    span = (_date(g.years + 1, due["month"], due["day"]) - start) / DAY
    on_time = start + (rng.random(len(g.years)) * (span + 1)).astype(int) * DAY
    late = rng.random(len(g.years)) < spec["late_share"]
    june = _date(g.years + 1, 6, 1) + rng.integers(0, 30, len(g.years)) * DAY
    names = spec["prepared_by"]
    return pd.DataFrame(
        {
            "region_code": g.regions,
            "fund": g.fund,
            "year": g.years,
            "received": _iso(np.where(late, june, on_time)),
            "prepared_by": [names[i] for i in rng.integers(0, len(names), len(g.years))],
        }
    )


def _planted_review(
    fund: str, complete: Sequence[int], downgraded: Sequence[tuple], spec: dict
) -> pd.DataFrame:
    """The evaluator's findings a scenario plants: (region, fund, year, indicators) graded
    not achieved on a site visit, each with what the visit found of that indicator."""
    rows = [
        (region, indicator, year)
        for region, f, year, indicators in downgraded
        if f == fund and year in complete
        for indicator in indicators
    ]
    return pd.DataFrame(
        {
            "region_code": pd.Series([r for r, _, _ in rows], dtype=object),
            "fund": fund,
            "year": np.array([y for _, _, y in rows], dtype="int64"),
            "indicator": pd.Series([i for _, i, _ in rows], dtype=object),
            "finding": "adjusted_grade",
            "actual": np.nan,
            "grade": "not_achieved",
            "basis": "site_visit",
            "comment": [
                spec["site_visit"].get(i, spec["comments"]["adjusted_grade"][0]) for _, i, _ in rows
            ],
        }
    )


def _review(g: _Grid, qualitative: Sequence[str], spec: dict, rng) -> pd.DataFrame:
    """A qualitative grade adjusted down, for a few region-years."""
    chosen = np.flatnonzero(rng.random(len(g.years)) < spec["share"]) if qualitative else []
    n, comments = len(chosen), spec["comments"]["adjusted_grade"]
    return pd.DataFrame(
        {
            "region_code": g.regions[chosen],
            "fund": g.fund,
            "year": g.years[chosen],
            "indicator": [qualitative[i] for i in rng.integers(0, len(qualitative), n)],
            "finding": "adjusted_grade",
            "actual": np.nan,
            "grade": [("partly", "not_achieved")[i] for i in rng.integers(0, 2, n)],
            "basis": [spec["basis"][i] for i in rng.integers(0, len(spec["basis"]), n)],
            "comment": [comments[i] for i in rng.integers(0, len(comments), n)],
        }
    )


def _rectification(g: _Grid, last: int, spec: dict, rng) -> pd.DataFrame:
    """Problems per region-year; older ones done (a tenth overdue), the last year's open."""
    counts = rng.choice(spec["items_per_year"], len(g.years))
    row = np.repeat(np.arange(len(g.years)), counts)
    n = len(row)
    years = g.years[row]
    number = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    source = [spec["sources"][i] for i in rng.integers(0, len(spec["sources"]), n)]
    deadline = _date(years + 1, spec["deadline"]["month"], spec["deadline"]["day"])
    old = years < last
    overdue = old & (rng.random(n) < 0.1)
    done = old & ~overdue
    status = np.where(
        done,
        "done",
        np.where(overdue, "overdue", np.where(rng.random(n) < 0.5, "open", "in_progress")),
    )
    closed = np.where(done, deadline - rng.integers(5, 120, n) * DAY, np.datetime64("NaT"))
    evidence = spec["evidence"]
    return pd.DataFrame(
        {
            "item_id": [
                f"{r}-{g.fund}-{y}-{k}"
                for r, y, k in zip(g.regions[row], years, number, strict=True)
            ],
            "region_code": g.regions[row],
            "fund": g.fund,
            "year": years,
            "source": source,
            "indicator": None,
            "problem": [
                spec["problems"][s][i % len(spec["problems"][s])]
                for s, i in zip(source, rng.integers(0, 100, n), strict=True)
            ],
            "owner": [spec["owners"][i] for i in rng.integers(0, len(spec["owners"]), n)],
            "deadline": _iso(deadline),
            "status": status,
            "closed": _iso(closed),
            "evidence": [
                evidence[i] if d else None
                for i, d in zip(rng.integers(0, len(evidence), n), done, strict=True)
            ],
        }
    )


def evaluator_records(
    pairs: Mapping[str, Sequence[str]],
    catalogues: Mapping[str, Catalogue],
    complete: Sequence[int],
    seed: int,
    downgraded: Sequence[tuple[str, str, int, Sequence[str]]] = (),
) -> dict[str, pd.DataFrame]:
    """review, submissions and rectification for each fund's coordinating regions
    (``pairs``: fund → region codes) over the ``complete`` years; ``downgraded`` lists
    (region, fund, year, indicators) the evaluator grades not achieved, in place of what
    was drawn for them."""
    spec = read_yaml(RECORDS_FILE)
    parts: dict[str, list[pd.DataFrame]] = {"review": [], "submissions": [], "rectification": []}
    for fund, codes in pairs.items():
        if not complete:
            break
        g = _Grid.of(fund, codes, complete)
        qualitative = [i.code for i in catalogues[fund].indicators if i.kind == "qualitative"]
        parts["submissions"].append(
            _submissions(g, spec["submissions"], _rng(seed, "submissions", fund))
        )
        drawn = _review(g, qualitative, spec["review"], _rng(seed, "review", fund))
        planted = _planted_review(fund, complete, downgraded, spec["review"])
        if len(planted):
            keys = ["region_code", "year", "indicator"]
            kept = drawn.merge(planted[keys], on=keys, how="left", indicator=True)["_merge"]
            drawn = pd.concat(
                [drawn.loc[(kept == "left_only").to_numpy()], planted], ignore_index=True
            )
        parts["review"].append(drawn)
        parts["rectification"].append(
            _rectification(
                g, max(complete), spec["rectification"], _rng(seed, "rectification", fund)
            )
        )
    return {
        name: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for name, frames in parts.items()
    }
