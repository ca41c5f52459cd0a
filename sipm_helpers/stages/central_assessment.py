"""Stage 06: the centre's assessment of the provinces (Art. 22), the national notice (通报)
of the Ministry of Finance with MOHRSS and the National Healthcare Security
Administration: its declared parameters, the one pair it runs for (the country, all
funds), the function its notebook calls and its ``STAGE``."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.assessment import load_assessment_rules
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.assessment import assess, assessment_result
from sipm_helpers.domain.assessment_inputs import gather
from sipm_helpers.present.assessment_report import AssessmentReport
from sipm_helpers.stages import provincial_report
from sipm_helpers.stages.parameters import (
    DATA,
    LANG,
    RESULT_PATH,
    Parameter,
    year_parameter,
)
from sipm_helpers.stages.stage import Stage, StageRun, latest_closed_year, load_checked

PARAMETERS = (
    year_parameter(2025, "budget year assessed", "param_year_assessed"),
    DATA,
    Parameter(
        "results",
        str,
        "",
        "folder of the provincial reports' results (JSON) in a batch's runs folder, the other "
        "stages' results beside it; empty: the data alone",
        label="param_results_assessment",
    ),
    LANG,
    RESULT_PATH,
)


def national(ds: Dataset, year: int) -> pd.DataFrame:
    """The country, all funds, once, where some province reports on ``year`` (Art. 22)."""
    if provincial_report.reported(ds, year).empty:
        return pd.DataFrame({"region_code": pd.Series(dtype="string"), "fund": ALL_FUNDS})
    country = ds.regions.loc[ds.regions["level"] == "country", "region_code"]
    return pd.DataFrame({"region_code": country.head(1), "fund": ALL_FUNDS}).reset_index(drop=True)


def notified(year: int, period: str | None, rules: AppraisalRules, as_of: str) -> datetime.date:
    """The date the notice and the letters of ``year``'s assessment bear
    (parameters/assessment.yaml ``notice_date``)."""
    return load_assessment_rules().notice_date(year)


def issuers(lang: str) -> tuple[str, ...]:
    """The departments issuing the notice and the letters (parameters/assessment.yaml)."""
    return load_assessment_rules().issuer_names(lang)


def runs_folder(results: str) -> Path | None:
    """The batch's runs folder from the folder of the provincial reports of a year
    (``runs/provincial_report/<year>``); None without one."""
    return Path(results).resolve().parent.parent if results else None


def run(
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    result_path: str = "",
) -> StageRun:
    """The centre's assessment of every province's budget performance management in
    ``year`` (Art. 22), from the data and the stages' results beside ``results`` (the
    provincial reports' folder of the year in a batch's runs folder; empty: the data alone,
    every stage's criterion unscored)."""
    loaded = load_checked(PARAMETERS, locals())
    ctx, ds = loaded.context, loaded.dataset
    rules, year = load_assessment_rules(), int(year)
    a = assess(gather(ds, ctx, rules, year, runs_folder(results)), rules,
               ctx.standards.score_decimals)  # fmt: skip
    result = assessment_result(a)
    return StageRun(ds, ctx, a, AssessmentReport(result, rules, ds, ctx, lang), lambda: result)


STAGE = Stage(
    "central_assessment",
    "06_central_assessment.ipynb",
    PARAMETERS,
    "year",
    national,
    latest_closed_year,
    ("as_title", "as_subtitle"),
    # the provincial reports' folder is its ``results``; it waits for the other stages it
    # reads beside them too: the next budget's target reviews, the monitoring, the
    # disclosures (stage 05; a batch without a stage has none of its jobs to wait for)
    depends_on=("provincial_report", "target_review", "monitoring", "disclosure"),
    across_funds=True,
    signed=True,
    dated=notified,
    run=run,
    issuers=issuers,
)
