"""What the centre's assessment of a year reads (Art. 22 of Caishe [2022] No. 65), gathered
from the dataset and the stages' structured results into the frames of
:class:`sipm_helpers.domain.assessment.Inputs`:

- the submissions table: each self-evaluation received, when and prepared by whom (Art. 17, 18);
- ``runs/target_review/<year + 1>``: the verdict on each target set of the next budget (Art. 7–10);
- ``runs/monitoring/<latest month of year + 1>``: how many months each region's data were late (Art. 13);
- ``runs/provincial_evaluation/<year>``: the reasons the figures deny (Art. 18);
- ``runs/provincial_report/<year>``: the funds each province's report covers and the
  quality rating of each self-evaluation (Art. 18, 19);
- ``runs/disclosure/<year or year + 1>``: whether the province's disclosure is on record
  (Art. 21; none on record reads as not disclosed);
- the rectification table: the items due in the year (Art. 14, 20);
- the review table: the actuals the evaluator found misreported (Art. 18);
- ``runs/central_assessment/<year − 1>``: last year's assessment, for its orders.

A stage whose results are not on record counts as not done: its criterion earns nothing
for what was due, and the report names the results read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipm_helpers.config.assessment import AssessmentRules
from sipm_helpers.config.context import Context
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import RESULT_SCHEMA as APPRAISAL_SCHEMA
from sipm_helpers.domain.appraisal import RESULT_VERSION as APPRAISAL_VERSION
from sipm_helpers.domain.assessment import PAIR, RESULT_SCHEMA, RESULT_VERSION, Inputs
from sipm_helpers.domain.consolidation import RESULT_SCHEMA as REPORT_SCHEMA
from sipm_helpers.domain.consolidation import RESULT_VERSION as REPORT_VERSION
from sipm_helpers.domain.monitoring import MONITORING_SCHEMA, MONITORING_VERSION
from sipm_helpers.domain.phrases import says_any
from sipm_helpers.domain.results import read_result, region_result_file
from sipm_helpers.domain.target_review import TARGET_REVIEW_SCHEMA, TARGET_REVIEW_VERSION

COUNTRY = "000000"  # the country's code, as the regions table and the provincial report use it


def province_of(ds: Dataset) -> pd.Series:
    """region_code → the code of its province (a province's own code for a province)."""
    r = ds.regions
    code = r["parent_code"].where(r["level"] != "province", r["region_code"])
    return pd.Series(code.to_numpy(), index=r["region_code"].to_numpy())


def pairs_with_data(ds: Dataset, frames: list[pd.DataFrame], year: int) -> pd.DataFrame:
    """The coordinating pairs (PAIR) with rows of ``year`` in any of ``frames``."""
    rows = pd.concat([f.loc[f["year"] == year, ["region_code", "fund"]] for f in frames])
    pairs = ds.coordination.merge(rows.drop_duplicates(), on=["region_code", "fund"])
    return pairs[PAIR].sort_values(PAIR, ignore_index=True)


def _pair_results(folder: Path, pairs: pd.DataFrame, schema: str, version: int) -> list[dict]:
    """The result of each pair in ``folder/<fund>`` that has one."""
    found = []
    for fund, region in zip(pairs["fund"], pairs["region_code"], strict=True):
        sub = folder / fund
        file = region_result_file(sub, region) if sub.is_dir() else None
        if file:
            found.append(read_result(file, schema, version))
    return found


def target_sets(ds: Dataset, runs: Path | None, year: int) -> pd.DataFrame:
    """Each pair with a budget for ``year`` + 1 and the verdict on its targets (None: none)."""
    pairs = pairs_with_data(ds, [ds.budget], year + 1)
    folder = runs / "target_review" / str(year + 1) if runs else None
    found = (
        _pair_results(folder, pairs, TARGET_REVIEW_SCHEMA, TARGET_REVIEW_VERSION) if folder else []
    )
    verdicts = pd.DataFrame(
        [(r["fund"], r["region"], r["verdict"]) for r in found],
        columns=["fund", "region_code", "verdict"],
    )
    return pairs.merge(verdicts, on=["fund", "region_code"], how="left")


def latest_period(runs: Path | None, year: int) -> str | None:
    """The latest month of ``year`` monitored in ``runs`` ('2026-10'), None without one."""
    folder = runs / "monitoring" if runs else None
    if folder is None or not folder.is_dir():
        return None
    months = sorted(p.name for p in folder.iterdir() if p.name.startswith(f"{year}-"))
    return months[-1] if months else None


def monitored(ds: Dataset, runs: Path | None, year: int) -> pd.DataFrame:
    """Each pair with a budget or data in ``year`` + 1, the month its latest monitoring
    reached and how many months its data were late (NaN: no monitoring on record)."""
    pairs = pairs_with_data(ds, [ds.budget, ds.execution], year + 1)
    period = latest_period(runs, year + 1)
    found = (
        _pair_results(runs / "monitoring" / period, pairs, MONITORING_SCHEMA, MONITORING_VERSION)
        if runs and period else []
    )  # fmt: skip
    late = pd.DataFrame(
        [(r["fund"], r["region"], r["period"], r["months_late"]) for r in found],
        columns=["fund", "region_code", "period", "months_late"],
    )
    return pairs.merge(late, on=["fund", "region_code"], how="left")


def _province_results(folder: Path, funds: list[str], province: str, schema: str, version: int):
    for fund in funds:
        sub = folder / fund
        file = region_result_file(sub, province) if sub.is_dir() else None
        if file:
            yield fund, read_result(file, schema, version)


def _evaluations(runs: Path | None, year: int, provinces: list[str], funds: list[str]):
    """From the provincial evaluations and reports: per pair its denied reasons and quality
    rating; per province and fund whether its report to the centre covers it."""
    denied, ratings, covered = [], [], []
    if runs is None:
        return denied, ratings, covered
    evaluations, reports = (
        runs / "provincial_evaluation" / str(year),
        runs / "provincial_report" / str(year),
    )
    for p in provinces:
        for fund, r in _province_results(
            evaluations, funds, p, APPRAISAL_SCHEMA, APPRAISAL_VERSION
        ):
            denied += [(fund, x["region_code"], x.get("denied") or 0) for x in r["regions"]]
        for _, r in _province_results(reports, [ALL_FUNDS], p, REPORT_SCHEMA, REPORT_VERSION):
            covered += [(p, f["fund"], bool(f["evaluated"])) for f in r["funds"]]
            ratings += [(q["fund"], q["region_code"], q["rating"]) for q in r["quality"]]
    return denied, ratings, covered


def self_evaluations(
    ds: Dataset, ctx: Context, runs: Path | None, year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each pair evaluated in ``year`` with its submission (submitted, received, on time,
    prepared by, organised by finance), its quality rating and its denied reasons; and each
    province's funds evaluated with whether its report covers them."""
    pairs = pairs_with_data(ds, [ds.execution], year)
    s = ds.submissions.loc[
        ds.submissions["year"] == year, ["region_code", "fund", "received", "prepared_by"]
    ]
    frame = pairs.merge(s, on=["region_code", "fund"], how="left")
    due = pd.Timestamp(ctx.appraisal.due(year))
    received = pd.to_datetime(frame["received"])
    provinces, funds = sorted(set(pairs["province_code"])), sorted(set(pairs["fund"]))
    denied, ratings, covered = _evaluations(runs, year, provinces, funds)
    frame = frame.assign(
        submitted=received.notna(),
        on_time=(received <= due).fillna(False).astype(bool),
        organised=says_any(frame["prepared_by"], ctx.quality.organised_by),
    )
    keys = ["fund", "region_code"]
    frame = frame.merge(pd.DataFrame(ratings, columns=[*keys, "rating"]), on=keys, how="left")
    frame = frame.merge(pd.DataFrame(denied, columns=[*keys, "denied"]), on=keys, how="left")
    frame["denied"] = frame["denied"].fillna(0).astype(int)
    reports = pairs[["province_code", "fund"]].drop_duplicates()
    cover = pd.DataFrame(covered, columns=["province_code", "fund", "reported"])
    reports = reports.merge(cover, on=["province_code", "fund"], how="left")
    reports["reported"] = reports["reported"].fillna(False).astype(bool)
    return frame, reports.reset_index(drop=True)


def due_items(ds: Dataset, year: int) -> pd.DataFrame:
    """The rectification items due in ``year``: a deadline in or before it, and not closed
    before it began (as parameters/ledger.yaml counts them for the year evaluated); whether
    each was closed by its deadline (Art. 14, 20: rectified in time)."""
    r = ds.rectification
    end, start = pd.Timestamp(year, 12, 31), pd.Timestamp(year - 1, 12, 31)
    done = (r["status"] == "done") & r["closed"].notna()
    due = (r["deadline"] <= end) & ~(done & (r["closed"] <= start))
    items = r.loc[due].assign(closed_on_time=(done & (r["closed"] <= r["deadline"])).loc[due])
    items = items.assign(province_code=items["region_code"].map(province_of(ds)))
    return items[["province_code", "region_code", "fund", "item_id", "deadline", "closed_on_time"]]


def adjusted_actuals(ds: Dataset, year: int) -> pd.DataFrame:
    """The evaluator's findings of ``year`` that a reported actual was wrong (Art. 18)."""
    v = ds.review
    found = v.loc[(v["year"] == year) & (v["finding"] == "adjusted_actual")]
    found = found.assign(province_code=found["region_code"].map(province_of(ds)))
    return found[["province_code", "region_code", "fund", "indicator"]].reset_index(drop=True)


def disclosed(runs: Path | None, year: int, provinces: list[str]) -> frozenset[str]:
    """The provinces whose disclosure of ``year`` (with the final accounts) or of the
    budget of ``year`` + 1 is on record in ``runs/disclosure``."""
    if runs is None:
        return frozenset()
    folders = [runs / "disclosure" / str(y) for y in (year, year + 1)]
    subs = [s for f in folders if f.is_dir() for s in f.iterdir() if s.is_dir()]
    return frozenset(p for p in provinces if any(region_result_file(s, p) for s in subs))


def previous(runs: Path | None, year: int) -> dict | None:
    """Last year's assessment result, if on record."""
    folder = runs / "central_assessment" / str(year - 1) / ALL_FUNDS if runs else None
    file = region_result_file(folder, COUNTRY) if folder and folder.is_dir() else None
    return read_result(file, RESULT_SCHEMA, RESULT_VERSION) if file else None


def gather(
    ds: Dataset, ctx: Context, rules: AssessmentRules, year: int, runs: Path | None
) -> Inputs:
    """The inputs of the assessment of ``year`` from ``ds`` and the results under ``runs``
    (the batch's ``runs`` folder; None: the data alone)."""
    r = ds.regions
    provinces = tuple(sorted(r.loc[r["level"] == "province", "region_code"]))
    evaluated, reports = self_evaluations(ds, ctx, runs, year)
    return Inputs(
        year=year,
        provinces=provinces,
        self_evaluations=evaluated,
        target_sets=target_sets(ds, runs, year),
        monitored=monitored(ds, runs, year),
        fund_reports=reports,
        items=due_items(ds, year),
        adjusted=adjusted_actuals(ds, year),
        disclosed=disclosed(runs, year, list(provinces)),
        as_of=rules.notice_date(year),
        previous=previous(runs, year),
    )
