"""Stage 01, the review of a budget year's performance targets (Art. 7–10): its declared
parameters, the pairs it reviews in a dataset, the function its notebook calls and its
``STAGE``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.follow_up import target_recommendations
from sipm_helpers.domain.provincial import province_members
from sipm_helpers.domain.target_review import review_targets, target_review_result
from sipm_helpers.domain.vintage import vintage
from sipm_helpers.present.target_review_report import TargetReviewReport
from sipm_helpers.stages.parameters import (
    DATA,
    FUND,
    LANG,
    REGION,
    RESULT_PATH,
    Parameter,
    StageParameterError,
    parse_date,
    year_parameter,
)
from sipm_helpers.stages.stage import (
    Flag,
    Stage,
    StageRun,
    coordinated,
    first_region,
    load_checked,
    of_year,
)

REVIEW_DATE = Parameter(
    "review_date",
    str,
    "",
    "date the targets are reviewed (2025-09-30): only data dated before it are used; "
    "empty: parameters/target_review.yaml's date in the year before",
    key=parse_date,
    blank=True,
)
PARAMETERS = (
    FUND,
    REGION,
    year_parameter(2026, "budget year whose targets are reviewed", "param_year_review"),
    DATA,
    LANG,
    REVIEW_DATE,
    RESULT_PATH,
)


def reviewed(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with a budget for ``year`` (targets are reviewed with the
    budget, Art. 7), and each province's own targets for a fund its prefectures pool (Art. 10)."""
    t = ds.targets
    provincial = t.loc[(t["level"] == "province") & (t["start_year"] == year)]
    provincial = provincial[["region_code", "fund"]].drop_duplicates()
    own = [
        province_members(ds, str(r.fund), str(r.region_code)) != [] for r in provincial.itertuples()
    ]
    pairs = coordinated(ds, of_year(ds.budget, year))
    return pd.concat([pairs, provincial.loc[own]], ignore_index=True)


def latest_budget_year(ds: Dataset) -> int:
    """The latest year with a budget: the targets to review."""
    return int(ds.budget["year"].max())


def before_the_year(year: int, period: str | None, rules: AppraisalRules, as_of: str) -> date:
    """A target review is dated the day before its budget year begins."""
    return date(year - 1, 12, 31)


def run(
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
    loaded = load_checked(PARAMETERS, locals())
    context, dataset = loaded.context, loaded.dataset
    region, year = str(region or first_region(dataset, fund)), int(year)
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


STAGE = Stage(
    "target_review",
    "01_target_review.ipynb",
    PARAMETERS,
    "year",
    reviewed,
    latest_budget_year,
    ("tr_title", "tr_subtitle"),
    flag=Flag("cli_flag_target_review", lambda r: r["verdict"] == "return"),
    dated=before_the_year,
    run=run,
)
