"""Stage 02, the monitoring of a fund's budget execution in the year (Art. 11–14): its
declared parameters, the pairs it monitors in a dataset, the function its notebook calls
and its ``STAGE``."""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.monitoring import monitor
from sipm_helpers.present.monitoring_report import MonitoringReport
from sipm_helpers.stages.parameters import (
    DATA,
    FUND,
    LANG,
    REGION,
    RESULT_PATH,
    parse_period,
    period_parameter,
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

PARAMETERS = (FUND, REGION, period_parameter("2026-10"), DATA, LANG, RESULT_PATH)


def monitored(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with a budget or execution data in ``year``: a region whose
    data stop early is monitored all the same, and its report says they are late (Art. 13)."""
    reached = pd.concat([of_year(ds.budget, year), of_year(ds.execution, year)])
    return coordinated(ds, reached)


def latest_month(ds: Dataset) -> str:
    """The latest month of execution data, as a period (2026-10)."""
    year, month = divmod(int((ds.execution["year"] * 100 + ds.execution["month"]).max()), 100)
    return f"{year}-{month:02d}"


def end_of_period(year: int, period: str | None, rules: AppraisalRules, as_of: str) -> date:
    """A monitoring report is dated the last day of the month monitored."""
    last_year, month = parse_period(str(period or f"{year}-12"))
    return date(last_year, month, calendar.monthrange(last_year, month)[1])


def run(
    fund: str = "employee_medical",
    region: str = "",
    period: str = "2026-10",
    data: str = "",
    lang: str = "en",
) -> StageRun:
    """Stage 02: monitor ``fund`` in ``region`` to the end of ``period`` (Art. 11–14)."""
    loaded = load_checked(PARAMETERS, locals())
    context, dataset = loaded.context, loaded.dataset
    year, month = parse_period(period)
    region = str(region or first_region(dataset, fund))
    mon = monitor(
        dataset, context, context.monitoring, fund=fund, region=region, year=year, month=month
    )
    return StageRun(
        dataset, context, mon, MonitoringReport(mon, dataset, context, lang), mon.to_result
    )


STAGE = Stage(
    "monitoring",
    "02_monitoring.ipynb",
    PARAMETERS,
    "period",
    monitored,
    latest_month,
    ("mon_title", "mon_subtitle"),
    flag=Flag("cli_flag_monitoring", lambda r: r["counts"]["red"] > 0),
    dated=end_of_period,
    run=run,
)
