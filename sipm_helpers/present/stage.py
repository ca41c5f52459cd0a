"""Entry points of the stage notebooks: load the data, run the stage's domain logic, and
hand back the report object whose sections the notebook displays. Keeps the notebooks to
a few calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.domain.evaluation import evaluate
from sipm_helpers.domain.monitoring import monitor
from sipm_helpers.domain.results import write_result
from sipm_helpers.domain.sustainability import Projection, project, sustainability_result
from sipm_helpers.domain.target_review import review_targets, target_review_result
from sipm_helpers.present.labels import LANGUAGES
from sipm_helpers.present.monitoring_report import MonitoringReport
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.scoring_form import write_scoring_form
from sipm_helpers.present.target_review_report import TargetReviewReport


@dataclass(frozen=True)
class StageRun:
    """What a stage notebook works with: the data, the parameters, the stage's outcome
    (a review, a monitoring, an evaluation), its report, and how to save its result."""

    dataset: Dataset
    context: Context
    outcome: Any
    report: Any
    result: Callable[[], dict]
    form: Callable[[Path], Path] | None = None  # writes the stage's scoring form, if it has one

    def save(self, path: str | Path | None) -> Path | None:
        """Write the structured result (JSON) to ``path``, and the scoring form (.xlsx)
        beside it where the stage has one; nothing when ``path`` is empty."""
        if not path:
            return None
        if self.form is not None:
            self.form(Path(path).with_suffix(".xlsx"))
        return write_result(self.result(), path)


def _open(data: str | Path | None, lang: str) -> tuple[Context, Dataset]:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    context = load_context()
    return context, load_dataset(data or None, context)


def _first_region(dataset: Dataset, fund: str) -> str:
    regions = dataset.coordination.loc[dataset.coordination["fund"] == fund, "region_code"]
    if regions.empty:
        raise ValueError(f"the dataset has no coordinating region for fund {fund!r}")
    return str(regions.iloc[0])


def parse_period(period: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); a quarter '2026Q3' → (2026, 9), its last month."""
    text = str(period).strip().upper()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or re.fullmatch(r"(\d{4})Q([1-4])", text)
    if not match:
        raise ValueError(
            f"period must be a month such as 2026-10 or a quarter such as 2026Q3, not {period!r}"
        )
    year, n = int(match.group(1)), int(match.group(2))
    month = n * 3 if "Q" in text else n
    if not 1 <= month <= 12:
        raise ValueError(f"period {period!r}: month must be 1–12")
    return year, month


def target_review(
    fund: str,
    region: str | None = None,
    year: int = 2026,
    data: str | Path | None = None,
    lang: str = "en",
) -> StageRun:
    """Stage 01: review the targets of ``fund`` in ``region`` for budget ``year`` (Art. 7, 8, 10)."""
    context, dataset = _open(data, lang)
    review = review_targets(
        dataset,
        context,
        fund=fund,
        region=str(region or _first_region(dataset, fund)),
        year=int(year),
    )
    report = TargetReviewReport(review, dataset, context, lang)
    return StageRun(dataset, context, review, report, lambda: target_review_result(review))


def monitoring(
    fund: str,
    region: str | None = None,
    period: str = "2026-10",
    data: str | Path | None = None,
    lang: str = "en",
) -> StageRun:
    """Stage 02: monitor ``fund`` in ``region`` to the end of ``period`` (Art. 11–14)."""
    year, month = parse_period(period)
    context, dataset = _open(data, lang)
    region = str(region or _first_region(dataset, fund))
    mon = monitor(
        dataset, context, context.monitoring, fund=fund, region=region, year=year, month=month
    )
    return StageRun(
        dataset, context, mon, MonitoringReport(mon, dataset, context, lang), mon.to_result
    )


def self_evaluation(
    fund: str,
    region: str | None = None,
    year: int = 2025,
    data: str | Path | None = None,
    lang: str = "en",
    result_path: str | Path | None = None,
) -> StageRun:
    """Stage 03: the annual self-evaluation of ``fund`` in ``region`` for ``year`` (Art. 15–18).
    An empty ``region`` takes the fund's first coordinating region, so the notebook runs
    with its defaults. Saving writes the scoring form (.xlsx) beside the result, and the
    report links to it when ``result_path`` names where that will be."""
    context, dataset = _open(data, lang)
    region = str(region or _first_region(dataset, fund))
    ev = evaluate(dataset, context, fund=fund, region=region, year=int(year))
    projection = _projection(dataset, context, fund, region, int(year))
    form = Path(result_path).with_suffix(".xlsx").name if result_path else None
    report = SelfEvaluationReport(ev, dataset, context, lang, projection, form_name=form)

    def result() -> dict:
        out = ev.to_result()
        out["sustainability"] = (
            sustainability_result(projection, fund, region) if projection is not None else None
        )
        if out["sustainability"] and out["sustainability"]["solvency_pass"] == 0:
            out["flags"] = [*out["flags"], "solvency_fails"]  # shown in the index
        return out

    return StageRun(
        dataset, context, ev, report, result, lambda path: write_scoring_form(report, path)
    )


def _projection(
    dataset: Dataset, context: Context, fund: str, region: str, year: int
) -> Projection | None:
    """The region's projection from its last complete year up to ``year`` (None without one)."""
    e = dataset.execution
    mine = e.loc[(e["fund"] == fund) & (e["region_code"] == region) & (e["year"] <= year)]
    if not (mine.groupby("year")["month"].max() == 12).any():
        return None  # nothing to project from: the report says so
    rules = context.sustainability
    return project(dataset, context, rules, funds=[fund], regions=[region], last_year=year)
