"""Entry points of the stage notebooks: load the data, run the stage's domain logic, and
hand back the report object whose sections the notebook displays. Keeps the notebooks to
a few calls."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import RESULT_SCHEMA as APPRAISAL_SCHEMA
from sipm_helpers.domain.appraisal import RESULT_VERSION as APPRAISAL_VERSION
from sipm_helpers.domain.appraisal import appraisal_result, appraise, self_assessed
from sipm_helpers.domain.common_problems import common_problems
from sipm_helpers.domain.consolidation import consolidate, consolidated_result, coordinated_funds
from sipm_helpers.domain.evaluation import (
    RESULT_SCHEMA,
    RESULT_VERSION,
    FundScores,
    SelfEvaluation,
    evaluate,
    score_fund,
)
from sipm_helpers.domain.feedback import letter, letter_result
from sipm_helpers.domain.follow_up import follow_up, new_items, target_recommendations
from sipm_helpers.domain.monitoring import monitor, year_end_alerts
from sipm_helpers.domain.policy_standards import far_from_standard
from sipm_helpers.domain.provincial import coordinating_province
from sipm_helpers.domain.results import (
    read_region_results,
    read_result,
    region_result_file,
    write_result,
)
from sipm_helpers.domain.suggestions import Evidence, suggest
from sipm_helpers.domain.sustainability import (
    Outlook,
    Projection,
    project,
    solvency_outlooks,
    sustainability_result,
)
from sipm_helpers.domain.target_review import review_targets, target_review_result
from sipm_helpers.domain.vintage import vintage
from sipm_helpers.paths import RECTIFICATION_ITEMS, SCORING_FORM, WORKING_PAPERS
from sipm_helpers.present import session
from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp
from sipm_helpers.present.feedback_letter import LetterReport
from sipm_helpers.present.monitoring_report import MonitoringReport
from sipm_helpers.present.parameters import (
    FEEDBACK_LETTER,
    MONITORING,
    PROVINCIAL_EVALUATION,
    PROVINCIAL_REPORT,
    SELF_EVALUATION,
    TARGET_REVIEW,
    Parameter,
    StageParameterError,
    check_values,
    data_path,
    parse_date,
    parse_period,
)
from sipm_helpers.present.provincial_report import ProvincialReport, annex_links
from sipm_helpers.present.rectification import worded_items, write_items
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.scoring_form import write_scoring_form
from sipm_helpers.present.target_review_report import TargetReviewReport
from sipm_helpers.present.working_papers import write_working_papers


@dataclass(frozen=True)
class StageRun:
    """What a stage notebook works with: the data, the parameters, the stage's outcome
    (a review, a monitoring, an evaluation), its report, and how to save its result."""

    dataset: Dataset
    context: Context
    outcome: Any
    report: Any
    result: Callable[[], dict]
    # writes the stage's companion files beside the result at the path given (a scoring
    # form; the rectification items and the working papers) and returns the last one
    companion: Callable[[Path], Path] | None = None

    def save(self, path: str | Path | None) -> Path | None:
        """Write the structured result (JSON) to ``path``, and the stage's companion file
        beside it where it has one; nothing when ``path`` is empty."""
        if not path:
            return None
        if self.companion is not None:
            self.companion(Path(path))
        return write_result(self.result(), path)


def _open(declared: tuple[Parameter, ...], values: dict[str, Any]) -> session.Loaded:
    """Check the notebook's parameters (types first, then the values the library and the
    data allow) and return the context and the dataset they name."""
    check_values(declared, values)
    loaded = session.load(data_path(values.get("data") or ""))
    check_values(declared, values, loaded.context, loaded.dataset)
    return loaded


def _first_region(dataset: Dataset, fund: str) -> str:
    regions = dataset.coordination.loc[dataset.coordination["fund"] == fund, "region_code"]
    if regions.empty:
        raise StageParameterError(f"the dataset has no coordinating region for fund {fund!r}")
    return str(regions.iloc[0])


def target_review(
    fund: str = "employee_medical",
    region: str = "",
    year: int = 2026,
    data: str = "",
    lang: str = "en",
    review_date: str = "",
    result_path: str = "",
) -> StageRun:
    """Stage 01: review the targets of ``fund`` in ``region`` for budget ``year`` (Art. 7–10)
    on ``review_date`` (ISO date; empty: target_review.yaml's date in the year before), on
    what the data dated before it allow."""
    loaded = _open(TARGET_REVIEW, locals())
    context, dataset = loaded.context, loaded.dataset
    region, year = str(region or _first_region(dataset, fund)), int(year)
    when = parse_date(review_date) if review_date else context.target_review.review_date(year)
    try:
        evaluated = vintage(year, when, context.appraisal).evaluation_year
    except ValueError as exc:
        raise StageParameterError(f"review_date: {exc}") from None
    recommended = loaded.derived(
        ("recommendations", fund, evaluated),
        lambda regions: target_recommendations(
            dataset, context, fund=fund, regions=regions, year=evaluated
        ),
        region,
    )
    review = review_targets(
        dataset, context, fund=fund, region=region, year=year, review_date=when,
        recommended=recommended,
    )  # fmt: skip
    report = TargetReviewReport(review, dataset, context, lang)
    return StageRun(dataset, context, review, report, lambda: target_review_result(review))


def monitoring(
    fund: str = "employee_medical",
    region: str = "",
    period: str = "2026-10",
    data: str = "",
    lang: str = "en",
) -> StageRun:
    """Stage 02: monitor ``fund`` in ``region`` to the end of ``period`` (Art. 11–14)."""
    loaded = _open(MONITORING, locals())
    context, dataset = loaded.context, loaded.dataset
    year, month = parse_period(period)
    region = str(region or _first_region(dataset, fund))
    mon = monitor(
        dataset, context, context.monitoring, fund=fund, region=region, year=year, month=month
    )
    return StageRun(
        dataset, context, mon, MonitoringReport(mon, dataset, context, lang), mon.to_result
    )


def self_evaluation(
    fund: str = "employee_medical",
    region: str = "",
    year: int = 2025,
    data: str = "",
    lang: str = "en",
    result_path: str = "",
) -> StageRun:
    """Stage 03: the annual self-evaluation of ``fund`` in ``region`` for ``year`` (Art. 15–18).
    An empty ``region`` takes the fund's first coordinating region, so the notebook runs
    with its defaults. Saving writes the scoring form (.xlsx) beside the result, and the
    report links to it when ``result_path`` names where that will be."""
    loaded = _open(SELF_EVALUATION, locals())
    context, dataset = loaded.context, loaded.dataset
    region, year = str(region or _first_region(dataset, fund)), int(year)
    scores = loaded.derived(
        ("scores", fund, year),
        lambda regions: score_fund(dataset, context, fund=fund, year=year, regions=regions),
        region,
    )
    ev = evaluate(dataset, context, fund=fund, region=region, year=year, scores=scores)
    projection = _projection(loaded, fund, region, year, scores)
    form = Path(result_path).with_suffix(SCORING_FORM).name if result_path else None
    report = SelfEvaluationReport(ev, dataset, context, lang, projection, form_name=form)

    return StageRun(
        dataset,
        context,
        ev,
        report,
        lambda: _self_evaluation_result(ev, projection),
        lambda path: write_scoring_form(report, path.with_suffix(SCORING_FORM)),
    )


def _self_evaluation_result(ev: SelfEvaluation, projection: Projection | None) -> dict:
    """Stage 03's structured result: the evaluation's, with the region's sustainability."""
    out = ev.to_result()
    out["sustainability"] = (
        sustainability_result(projection, ev.fund, ev.region) if projection is not None else None
    )
    if out["sustainability"] and out["sustainability"]["solvency_pass"] == 0:
        out["flags"] = [*out["flags"], "solvency_fails"]  # shown in the index
    return out


def _has_complete_year(ds: Dataset, fund: str, region: str, year: int) -> bool:
    """Whether the region reported a whole year of ``fund`` up to ``year``: one to project from."""
    e = ds.execution
    mine = e.loc[(e["fund"] == fund) & (e["region_code"] == region) & (e["year"] <= year)]
    return bool((mine.groupby("year")["month"].max() == 12).any())


def _projection(
    loaded: session.Loaded, fund: str, region: str, year: int, scores: FundScores
) -> Projection | None:
    """The region's projection from its last complete year up to ``year`` (None without
    one), built on the outlook its sustainability was scored from: ``scores`` are the
    fund's, for the regions the projection is made for."""
    if not _has_complete_year(loaded.dataset, fund, region, year):
        return None  # nothing to project from: the report says so
    return loaded.derived(
        ("projection", fund, year),
        lambda regions: _project(loaded.dataset, loaded.context, fund, regions, year, scores),
        region,
    )


def _project(
    ds: Dataset, ctx: Context, fund: str, regions: list[str] | None, year: int, scores: FundScores
) -> Projection:
    """``fund``'s projection up to ``year`` for ``regions`` (those ``scores`` were made for)."""
    return project(
        ds,
        ctx,
        ctx.sustainability,
        funds=[fund],
        regions=regions,
        last_year=year,
        facts=scores.facts,
        outlook=scores.outlooks.get(year),
    )


def _first_province(dataset: Dataset, fund: str) -> str:
    provinces = dataset.coordination.loc[dataset.coordination["fund"] == fund, "province_code"]
    if provinces.empty:
        raise StageParameterError(f"the dataset has no coordinating region for fund {fund!r}")
    return str(provinces.iloc[0])


def _self_results(
    loaded: session.Loaded,
    fund: str,
    regions: list[str],
    year: int,
    results: str,
    outlooks: dict[int, Outlook],
):
    """Each region's stage-03 result: read from ``results`` (None where its run left none),
    or, without a folder, evaluated here from the same data (and ``outlooks``)."""
    if results:
        return read_region_results(results, regions, RESULT_SCHEMA, RESULT_VERSION)
    ds, ctx = loaded.dataset, loaded.context
    scores = score_fund(ds, ctx, fund=fund, year=year, regions=regions, outlooks=outlooks)
    # One projection for every region (each draws from its own stream: the same as alone).
    projection = _project(ds, ctx, fund, regions, year, scores) if year in scores.outlooks else None
    return {
        r: _self_evaluation_result(
            evaluate(ds, ctx, fund=fund, region=r, year=year, scores=scores),
            projection if _has_complete_year(ds, fund, r, year) else None,
        )
        for r in regions
    }


def provincial_evaluation(
    fund: str = "employee_medical",
    province: str = "",
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    as_of: str = "",
    result_path: str = "",
) -> StageRun:
    """Stage 04: the provincial evaluation of ``fund``'s coordinating regions in
    ``province`` for ``year`` (Art. 17–20), from their self-evaluation results in
    ``results``; earlier rectification items followed up as of ``as_of`` (ISO date; empty:
    the provincial report's due date, Art. 18). Saving writes the new rectification items
    (.rectification.csv) beside the result, in the rectification table's layout, and the
    working papers (.papers.xlsx), from which each score of the report can be recomputed."""
    loaded = _open(PROVINCIAL_EVALUATION, locals())
    ctx, ds = loaded.context, loaded.dataset
    province, year = str(province or _first_province(ds, fund)), int(year)
    ctx = ctx.for_province(province, year)  # the province's own rules (Art. 24)
    coord = ds.coordination
    regions = coord.loc[
        (coord["fund"] == fund) & (coord["province_code"] == province), "region_code"
    ]
    regions = [str(r) for r in regions]
    if not regions:
        raise StageParameterError(f"{fund} has no coordinating region in province {province}")
    # The solvency outlooks of the year and the years before that the evaluation, the
    # regions' history and the target recommendations score: each projected once.
    years = range(year - ctx.appraisal.recommendation_years, year + 1)
    outlooks = solvency_outlooks(ds, ctx, years=years, funds=[fund], regions=regions)
    found = _self_results(loaded, fund, regions, year, results, outlooks)
    a = appraise(ds, ctx, fund=fund, province=province, year=year, results=found, outlooks=outlooks)
    problems = new_items(a, ctx)
    items = worded_items(problems, ds, ctx, lang)
    sustainability = {r: (found.get(r) or {}).get("sustainability") for r in regions}
    when = parse_date(as_of) if as_of else ctx.appraisal.provincial_due(year)
    earlier = follow_up(ds, fund=fund, regions=regions, as_of=when)
    alerts = year_end_alerts(ds, ctx, fund=fund, regions=regions, year=year)
    suggestions = suggest(
        Evidence(a.indicators, alerts, sustainability, earlier, year), ctx.appraisal
    )
    follow = FollowUp(
        earlier=earlier,
        new=items,
        recommendations=target_recommendations(
            ds, ctx, fund=fund, regions=regions, year=year, outlooks=outlooks
        ),
        suggestions=suggestions,
        common=common_problems(a, problems, sustainability, ctx.appraisal),
        anomalies=far_from_standard(a.indicators, ctx.appraisal),
    )
    report = AppraisalReport(a, follow, ds, ctx, lang)
    return StageRun(
        ds,
        ctx,
        a,
        report,
        lambda: appraisal_result(a, problems, suggestions, when),
        lambda path: _provincial_companions(path, items, report, found, when),
    )


def _provincial_companions(
    path: Path,
    items: pd.DataFrame,
    report: AppraisalReport,
    found: dict[str, dict | None],
    as_of: datetime.date,
) -> Path:
    """Beside the provincial evaluation's result: the new rectification items and the
    working papers (the path of the papers)."""
    write_items(items, path.with_suffix(RECTIFICATION_ITEMS))
    papers = path.with_suffix(WORKING_PAPERS)
    return write_working_papers(report, self_assessed(found), as_of, papers)


def _provincial_result(fund: str, province: str, year: int, results: str, data: str) -> dict:
    """The provincial evaluation covering the region: read from ``results``, or, without a
    folder, made here (its self-evaluations evaluated here too)."""
    if not results:
        return provincial_evaluation(fund, province, year, data).result()
    found = read_region_results(results, [province], APPRAISAL_SCHEMA, APPRAISAL_VERSION)
    if found[province] is None:
        raise StageParameterError(
            f"{results}: no provincial evaluation of {province} (stage 04 has not run, or failed)"
        )
    return found[province]


def feedback_letter(
    fund: str = "employee_medical",
    region: str = "",
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    result_path: str = "",
) -> StageRun:
    """Stage 04's feedback letter to ``region`` on its self-evaluation of ``fund`` for
    ``year`` (Art. 19, 20), from the provincial evaluation's result in ``results``."""
    loaded = _open(FEEDBACK_LETTER, locals())
    ctx, ds = loaded.context, loaded.dataset
    region, year = str(region or _first_region(ds, fund)), int(year)
    province = coordinating_province(ds, fund, region)
    if province is None:
        raise StageParameterError(f"{region} is not a coordinating region of {fund}")
    found = _provincial_result(fund, province, year, results, data)
    lt = letter(found, ds, ctx, region)
    return StageRun(ds, ctx, lt, LetterReport(lt, ds, ctx, lang), lambda: letter_result(lt))


def _fund_results(
    funds: tuple[str, ...], province: str, year: int, values: dict
) -> tuple[dict[str, dict | None], dict[str, Path | None]]:
    """Each fund's provincial evaluation of ``province``: read from ``values["results"]``
    (one folder per fund; None where it left none) with the file it came from, or, without
    a folder, evaluated here."""
    folder = values["results"]
    if not folder:
        made = {
            f: provincial_evaluation(f, province, year, values["data"], "", values["lang"],
                                     values["as_of"]).result()
            for f in funds
        }  # fmt: skip
        return made, dict.fromkeys(funds)
    files = {
        f: region_result_file(Path(folder) / f, province) if (Path(folder) / f).is_dir() else None
        for f in funds
    }
    found = {
        f: read_result(file, APPRAISAL_SCHEMA, APPRAISAL_VERSION) if file else None
        for f, file in files.items()
    }
    return found, files


def provincial_report(
    province: str = "",
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    as_of: str = "",
    result_path: str = "",
) -> StageRun:
    """The province's one report to the centre on ``year`` across all its funds (Art. 18,
    19), from each fund's provincial evaluation in ``results`` (a folder per fund; a fund
    without one is reported as not evaluated); earlier items as of ``as_of`` (empty: the
    report's due date). Its annexes link to each fund's report, working papers and
    rectification items when ``result_path`` says where this result goes in the batch."""
    values = dict(locals())
    loaded = _open(PROVINCIAL_REPORT, values)
    ctx, ds = loaded.context, loaded.dataset
    regions = ds.regions
    province = str(province or regions.loc[regions["level"] == "province", "region_code"].iloc[0])
    year = int(year)
    ctx = ctx.for_province(province, year)  # the province's own rules (Art. 24)
    funds = coordinated_funds(ds, ctx, province, year)
    if not funds:
        raise StageParameterError(f"no fund of province {province} has execution data for {year}")
    when = parse_date(as_of) if as_of else ctx.appraisal.provincial_due(year)
    found, files = _fund_results(funds, province, year, values)
    c = consolidate(ds, ctx, province=province, year=year, results=found, as_of=when)
    links = annex_links(files, Path(result_path) if result_path else None)
    report = ProvincialReport(c, ds, ctx, lang, links)
    digits = ctx.standards.score_decimals
    return StageRun(ds, ctx, c, report, lambda: consolidated_result(c, digits))
