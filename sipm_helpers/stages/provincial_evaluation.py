"""Stage 04, the provincial evaluation of a fund's self-evaluations in a province
(Art. 17–20): its declared parameters, the pairs it evaluates in a dataset (one per
province and fund), the function its notebook calls, the files it writes beside its result
and its ``STAGE``."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import appraisal_result, appraise, self_assessed
from sipm_helpers.domain.common_problems import common_problems
from sipm_helpers.domain.evaluation import RESULT_SCHEMA, RESULT_VERSION, evaluate, score_fund
from sipm_helpers.domain.follow_up import follow_up, new_items, target_recommendations
from sipm_helpers.domain.monitoring import year_end_alerts
from sipm_helpers.domain.policy_standards import far_from_standard
from sipm_helpers.domain.results import read_region_results
from sipm_helpers.domain.suggestions import Evidence, suggest
from sipm_helpers.domain.sustainability import Outlook, solvency_outlooks
from sipm_helpers.paths import RECTIFICATION_ITEMS, WORKING_PAPERS
from sipm_helpers.present.appraisal_report import AppraisalReport, FollowUp
from sipm_helpers.present.rectification import worded_items, write_items
from sipm_helpers.present.working_papers import write_working_papers
from sipm_helpers.stages import self_evaluation, session
from sipm_helpers.stages.parameters import (
    AS_OF,
    DATA,
    FUND,
    LANG,
    PROVINCE,
    RESULT_PATH,
    RESULTS,
    StageParameterError,
    parse_date,
    year_parameter,
)
from sipm_helpers.stages.self_evaluation import (
    evaluated,
    has_complete_year,
    project_fund,
    self_evaluation_result,
)
from sipm_helpers.stages.stage import (
    Companion,
    Flag,
    Stage,
    StageRun,
    latest_closed_year,
    load_checked,
    made_by_province,
)

PARAMETERS = (
    FUND,
    PROVINCE,
    year_parameter(
        2025, "budget year whose self-evaluations are evaluated", "param_year_appraised"
    ),
    DATA,
    RESULTS,
    LANG,
    AS_OF,
    RESULT_PATH,
)


def appraised(ds: Dataset, year: int) -> pd.DataFrame:
    """Each province with a coordinating region of the fund evaluated in ``year``, as the
    (region_code, fund) pair of the province (Art. 17, 19)."""
    done = evaluated(ds, year).merge(ds.coordination, on=["region_code", "fund"])
    pairs = done[["province_code", "fund"]].drop_duplicates()
    return pairs.rename(columns={"province_code": "region_code"}).reset_index(drop=True)


def first_province(dataset: Dataset, fund: str) -> str:
    """The first province coordinating ``fund``: what an empty ``province`` means."""
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
    projection = (
        project_fund(ds, ctx, fund, regions, year, scores) if year in scores.outlooks else None
    )
    return {
        r: self_evaluation_result(
            evaluate(ds, ctx, fund=fund, region=r, year=year, scores=scores),
            projection if has_complete_year(ds, fund, r, year) else None,
        )
        for r in regions
    }


def run(
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
    loaded = load_checked(PARAMETERS, locals())
    ctx, ds = loaded.context, loaded.dataset
    province, year = str(province or first_province(ds, fund)), int(year)
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


STAGE = Stage(
    "provincial_evaluation",
    "04_provincial_evaluation.ipynb",
    PARAMETERS,
    "year",
    appraised,
    latest_closed_year,
    ("pe_title", "pe_subtitle"),
    depends_on=(self_evaluation.STAGE.name,),
    flag=Flag("cli_flag_provincial_evaluation", lambda r: bool(r["flags"])),
    companions=(
        Companion(RECTIFICATION_ITEMS, "link_items"),
        Companion(WORKING_PAPERS, "link_papers"),
    ),
    dated=made_by_province,
    run=run,
)
