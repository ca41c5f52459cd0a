"""Stage 03, a region's annual self-evaluation of a fund (Art. 15–18), with where the fund
is heading (Art. 2, 4): its declared parameters, the pairs it evaluates in a dataset, the
function its notebook calls, its structured result and its ``STAGE``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.evaluation import FundScores, SelfEvaluation, evaluate, score_fund
from sipm_helpers.domain.sustainability import Projection, project, sustainability_result
from sipm_helpers.paths import SCORING_FORM
from sipm_helpers.present.report import SelfEvaluationReport
from sipm_helpers.present.scoring_form import write_scoring_form
from sipm_helpers.stages import session
from sipm_helpers.stages.parameters import (
    DATA,
    FUND,
    LANG,
    REGION,
    RESULT_PATH,
    year_parameter,
)
from sipm_helpers.stages.stage import (
    Companion,
    Flag,
    Stage,
    StageRun,
    coordinated,
    first_region,
    latest_closed_year,
    load_checked,
    of_year,
)

PARAMETERS = (
    FUND,
    REGION,
    year_parameter(2025, "budget year evaluated", "param_year_evaluated"),
    DATA,
    LANG,
    RESULT_PATH,
)


def evaluated(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with execution data for ``year``."""
    return coordinated(ds, of_year(ds.execution, year))


def due_at_province(year: int, period: str | None, rules: AppraisalRules, as_of: str) -> date:
    """A self-evaluation is dated its due date at the province (Art. 18)."""
    return rules.due(year)


def run(
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
    loaded = load_checked(PARAMETERS, locals())
    context, dataset = loaded.context, loaded.dataset
    region, year = str(region or first_region(dataset, fund)), int(year)
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
        lambda: self_evaluation_result(ev, projection),
        lambda path: write_scoring_form(report, path.with_suffix(SCORING_FORM)),
    )


def self_evaluation_result(ev: SelfEvaluation, projection: Projection | None) -> dict:
    """Stage 03's structured result: the evaluation's, with the region's sustainability."""
    out = ev.to_result()
    out["sustainability"] = (
        sustainability_result(projection, ev.fund, ev.region) if projection is not None else None
    )
    if out["sustainability"] and out["sustainability"]["solvency_pass"] == 0:
        out["flags"] = [*out["flags"], "solvency_fails"]  # shown in the index
    return out


def has_complete_year(ds: Dataset, fund: str, region: str, year: int) -> bool:
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
    if not has_complete_year(loaded.dataset, fund, region, year):
        return None  # nothing to project from: the report says so
    return loaded.derived(
        ("projection", fund, year),
        lambda regions: project_fund(loaded.dataset, loaded.context, fund, regions, year, scores),
        region,
    )


def project_fund(
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


STAGE = Stage(
    "self_evaluation",
    "03_self_evaluation.ipynb",
    PARAMETERS,
    "year",
    evaluated,
    latest_closed_year,
    ("report_title", "report_subtitle"),
    flag=Flag(
        "cli_flag_self_evaluation",
        lambda r: (r.get("sustainability") or {}).get("solvency_pass") == 0,
    ),
    graded=True,
    companions=(Companion(SCORING_FORM, "link_form"),),
    dated=due_at_province,
    run=run,
)
