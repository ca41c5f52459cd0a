"""Stage 04's feedback letter to each region on its self-evaluation (Art. 19, 20): its
declared parameters, the pairs it writes to in a dataset, the function its notebook calls
and its ``STAGE``."""

from __future__ import annotations

from sipm_helpers.domain.appraisal import RESULT_SCHEMA as APPRAISAL_SCHEMA
from sipm_helpers.domain.appraisal import RESULT_VERSION as APPRAISAL_VERSION
from sipm_helpers.domain.feedback import letter, letter_result
from sipm_helpers.domain.provincial import coordinating_province
from sipm_helpers.domain.results import read_region_results
from sipm_helpers.present.feedback_letter import LetterReport
from sipm_helpers.stages import provincial_evaluation, self_evaluation
from sipm_helpers.stages.parameters import (
    DATA,
    FUND,
    LANG,
    REGION,
    RESULT_PATH,
    Parameter,
    StageParameterError,
    year_parameter,
)
from sipm_helpers.stages.stage import (
    Stage,
    StageRun,
    first_region,
    latest_closed_year,
    load_checked,
    made_by_province,
)

PARAMETERS = (
    FUND,
    REGION,
    year_parameter(2025, "budget year of the provincial evaluation fed back", "param_year_letter"),
    DATA,
    Parameter(
        "results",
        str,
        "",
        "folder of the fund's provincial evaluation results (JSON); empty: evaluate here",
        label="param_results_letter",
    ),
    LANG,
    RESULT_PATH,
)


def _provincial_result(fund: str, province: str, year: int, results: str, data: str) -> dict:
    """The provincial evaluation covering the region: read from ``results``, or, without a
    folder, made here (its self-evaluations evaluated here too)."""
    if not results:
        return provincial_evaluation.run(fund, province, year, data).result()
    found = read_region_results(results, [province], APPRAISAL_SCHEMA, APPRAISAL_VERSION)
    if found[province] is None:
        raise StageParameterError(
            f"{results}: no provincial evaluation of {province} (stage 04 has not run, or failed)"
        )
    return found[province]


def run(
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
    loaded = load_checked(PARAMETERS, locals())
    ctx, ds = loaded.context, loaded.dataset
    region, year = str(region or first_region(ds, fund)), int(year)
    province = coordinating_province(ds, fund, region)
    if province is None:
        raise StageParameterError(f"{region} is not a coordinating region of {fund}")
    found = _provincial_result(fund, province, year, results, data)
    lt = letter(found, ds, ctx, region)
    return StageRun(ds, ctx, lt, LetterReport(lt, ds, ctx, lang), lambda: letter_result(lt))


STAGE = Stage(
    "feedback_letter",
    "04_feedback_letter.ipynb",
    PARAMETERS,
    "year",
    self_evaluation.evaluated,
    latest_closed_year,
    ("fl_title", "fl_subtitle"),
    depends_on=(provincial_evaluation.STAGE.name,),
    answers=self_evaluation.STAGE.name,
    signed=True,
    dated=made_by_province,
    run=run,
)
