"""The province's one report to the centre across all its funds (Art. 18, 19): its
declared parameters, the pairs it reports on in a dataset (one per province), the function
its notebook calls and its ``STAGE``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import RESULT_SCHEMA as APPRAISAL_SCHEMA
from sipm_helpers.domain.appraisal import RESULT_VERSION as APPRAISAL_VERSION
from sipm_helpers.domain.consolidation import consolidate, consolidated_result, coordinated_funds
from sipm_helpers.domain.provincial import central_pools
from sipm_helpers.domain.results import read_result, region_result_file
from sipm_helpers.present.provincial_report import ProvincialReport, annex_links
from sipm_helpers.stages import feedback_letter, provincial_evaluation, self_evaluation
from sipm_helpers.stages.parameters import (
    AS_OF,
    DATA,
    LANG,
    PROVINCE_ALL_FUNDS,
    PROVINCIAL_RESULTS,
    RESULT_PATH,
    StageParameterError,
    parse_date,
    year_parameter,
)
from sipm_helpers.stages.stage import (
    Flag,
    Stage,
    StageRun,
    latest_closed_year,
    load_checked,
    made_by_province,
)

PARAMETERS = (
    PROVINCE_ALL_FUNDS,
    year_parameter(2025, "budget year evaluated", "param_year_evaluated"),
    DATA,
    PROVINCIAL_RESULTS,
    LANG,
    AS_OF,
    RESULT_PATH,
)


def reported(ds: Dataset, year: int) -> pd.DataFrame:
    """Each province with a fund evaluated in ``year``, once, as (province, ``ALL_FUNDS``):
    its one report to the centre across all its funds (Art. 18). The centre's own pool is
    evaluated by the centre itself (Art. 23): it reports to no one."""
    found = provincial_evaluation.appraised(ds, year)["region_code"].drop_duplicates()
    found = found[~found.isin(central_pools(ds))]
    return pd.DataFrame({"region_code": found, "fund": ALL_FUNDS}).reset_index(drop=True)


def _fund_results(
    funds: tuple[str, ...], province: str, year: int, values: dict
) -> tuple[dict[str, dict | None], dict[str, Path | None]]:
    """Each fund's provincial evaluation of ``province``: read from ``values["results"]``
    (one folder per fund; None where it left none) with the file it came from, or, without
    a folder, evaluated here."""
    folder = values["results"]
    if not folder:
        made = {
            f: provincial_evaluation.run(f, province, year, values["data"], "", values["lang"],
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


def run(
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
    loaded = load_checked(PARAMETERS, values)
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


STAGE = Stage(
    "provincial_report",
    "04_provincial_report.ipynb",
    PARAMETERS,
    "year",
    reported,
    latest_closed_year,
    ("pr_title", "pr_subtitle"),
    depends_on=(provincial_evaluation.STAGE.name,),
    flag=Flag("cli_flag_provincial_report", lambda r: bool(r["flags"])),
    across_funds=True,
    signed=True,
    book=(feedback_letter.STAGE.name, self_evaluation.STAGE.name),
    dated=made_by_province,
    run=run,
)
