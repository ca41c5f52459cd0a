"""Stage 06's letter to each province on its assessment (Art. 22), in the form of the
feedback letters: its declared parameters, the provinces it writes to, the function its
notebook calls and its ``STAGE``."""

from __future__ import annotations

from pathlib import Path

from sipm_helpers.config.assessment import load_assessment_rules
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.domain.assessment import RESULT_SCHEMA, RESULT_VERSION, letter_result
from sipm_helpers.domain.assessment_inputs import COUNTRY
from sipm_helpers.domain.results import read_result, region_result_file
from sipm_helpers.present.assessment_letter import AssessmentLetter
from sipm_helpers.stages import central_assessment, provincial_report
from sipm_helpers.stages.parameters import (
    DATA,
    LANG,
    PROVINCE_ALL_FUNDS,
    RESULT_PATH,
    Parameter,
    StageParameterError,
    year_parameter,
)
from sipm_helpers.stages.stage import Flag, Stage, StageRun, latest_closed_year, load_checked

PARAMETERS = (
    PROVINCE_ALL_FUNDS,
    year_parameter(2025, "budget year assessed", "param_year_assessed"),
    DATA,
    Parameter(
        "results",
        str,
        "",
        "folder of the centre's assessment results (JSON) for the year; empty: assess here",
        label="param_results_letter_assessment",
    ),
    LANG,
    RESULT_PATH,
)


def _assessment(year: int, results: str, data: str, lang: str) -> dict:
    """The assessment of ``year``: read from ``results`` (``<results>/all/000000-….json``)
    or, without a folder, made here from the data alone."""
    if not results:
        return central_assessment.run(year, data, "", lang).result()
    folder = Path(results) / ALL_FUNDS
    file = region_result_file(folder, COUNTRY) if folder.is_dir() else None
    if file is None:
        raise StageParameterError(
            f"{results}: no assessment of {year} (stage 06 has not run, or failed)"
        )
    return read_result(file, RESULT_SCHEMA, RESULT_VERSION)


def run(
    province: str = "",
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    result_path: str = "",
) -> StageRun:
    """The centre's letter to ``province`` on its assessment of ``year`` (Art. 22), from the
    assessment's result in ``results``."""
    loaded = load_checked(PARAMETERS, locals())
    ctx, ds = loaded.context, loaded.dataset
    regions = ds.regions
    province = str(province or regions.loc[regions["level"] == "province", "region_code"].iloc[0])
    found = _assessment(int(year), results, data, lang)
    try:
        letter = AssessmentLetter(found, load_assessment_rules(), ds, ctx, province, lang)
    except ValueError as exc:
        raise StageParameterError(str(exc)) from None
    return StageRun(ds, ctx, found, letter, lambda: letter_result(found, province))


STAGE = Stage(
    "assessment_letter",
    "06_assessment_letter.ipynb",
    PARAMETERS,
    "year",
    provincial_report.reported,
    latest_closed_year,
    ("al_title", "al_subtitle"),
    depends_on=("central_assessment",),
    flag=Flag("cli_flag_assessment_letter", lambda r: bool(r["flags"])),
    across_funds=True,
    answers="provincial_report",
    signed=True,
    dated=central_assessment.notified,
    run=run,
    issuers=central_assessment.issuers,
)
