"""Stage 05, the disclosure to the people's congress and the public (Art. 21), one per
province and one for the country: its declared parameters, the pairs it discloses for in a
dataset, the function its notebook calls and its ``STAGE``. The year is that of the final
accounts and the evaluation results disclosed; the budget draft disclosed with its targets
is the next year's, published in the same year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipm_helpers.config.disclosure import load_disclosure_rules
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.appraisal import RESULT_SCHEMA as APPRAISAL_SCHEMA
from sipm_helpers.domain.appraisal import RESULT_VERSION as APPRAISAL_VERSION
from sipm_helpers.domain.disclosure import disclose, disclosure_result, scope
from sipm_helpers.domain.results import read_result, region_result_file
from sipm_helpers.present.disclosure_report import DisclosureReport
from sipm_helpers.stages import provincial_evaluation
from sipm_helpers.stages.parameters import (
    AS_OF,
    DATA,
    LANG,
    PROVINCIAL_RESULTS,
    RESULT_PATH,
    Parameter,
    StageParameterError,
    parse_date,
    year_parameter,
)
from sipm_helpers.stages.stage import (
    Stage,
    StageRun,
    latest_closed_year,
    load_checked,
    made_by_province,
)


def disclosing_codes(ctx, ds: Dataset | None):
    """The codes that disclose: the data's provinces and its country (None before the
    data are loaded)."""
    if ds is None:
        return None
    r = ds.regions
    return tuple(r.loc[r["level"].isin(["province", "country"]), "region_code"])


PARAMETERS = (
    Parameter(
        "region",
        str,
        "",
        "province code from the data, or the country's; empty: the country",
        disclosing_codes,
        blank=True,
        label="param_region_disclosure",
    ),
    year_parameter(
        2025,
        "year of the final accounts and evaluation results disclosed (the next year's budget "
        "draft is disclosed with them)",
        "param_year_disclosed",
    ),
    DATA,
    PROVINCIAL_RESULTS,
    LANG,
    AS_OF,
    RESULT_PATH,
)


def disclosed(ds: Dataset, year: int) -> pd.DataFrame:
    """Each province coordinating a fund, and the country, once, as (code, ``ALL_FUNDS``):
    each discloses across all its funds. The centre's own pool (Art. 23) is no province:
    the country's disclosure carries it."""
    r = ds.regions
    coordinating = set(ds.coordination["province_code"])
    provinces = sorted(r.loc[(r["level"] == "province") & r["region_code"].isin(coordinating),
                             "region_code"])  # fmt: skip
    country = r.loc[r["level"] == "country", "region_code"].tolist()
    return pd.DataFrame({"region_code": [*provinces, *country], "fund": ALL_FUNDS})


def _results(ds: Dataset, region: str, year: int, values: dict) -> list[dict]:
    """The provincial evaluations of ``year`` under ``region``: read from
    ``values["results"]`` (a folder per fund; a province and fund without a result is left
    out, and disclosed as not evaluated), or, without a folder, made here."""
    pairs = provincial_evaluation.appraised(ds, year)
    pairs = pairs.merge(
        scope(ds, region)[["province_code", "fund"]].drop_duplicates(),
        left_on=["region_code", "fund"],
        right_on=["province_code", "fund"],
    )
    folder = values["results"]
    if not folder:
        return [
            provincial_evaluation.run(f, p, year, values["data"], "", values["lang"],
                                      values["as_of"]).result()
            for p, f in zip(pairs["region_code"], pairs["fund"], strict=True)
        ]  # fmt: skip
    files = [
        region_result_file(Path(folder) / f, p) if (Path(folder) / f).is_dir() else None
        for p, f in zip(pairs["region_code"], pairs["fund"], strict=True)
    ]
    return [read_result(file, APPRAISAL_SCHEMA, APPRAISAL_VERSION) for file in files if file]


def _first(ds: Dataset) -> str:
    """What an empty ``region`` means: the country, else the first province."""
    r = ds.regions
    for level in ("country", "province"):
        found = r.loc[r["level"] == level, "region_code"]
        if not found.empty:
            return str(found.iloc[0])
    raise StageParameterError("the data have neither a country nor a province to disclose for")


def run(
    region: str = "",
    year: int = 2025,
    data: str = "",
    results: str = "",
    lang: str = "en",
    as_of: str = "",
    result_path: str = "",
) -> StageRun:
    """What ``region`` (a province, or the country; empty: the country) discloses in the
    year after ``year`` (Art. 21): the targets table of the next year's budget draft and the
    results table of ``year``'s final accounts, from the provincial evaluations in
    ``results``; rectification items as of ``as_of`` (empty: the provincial report's due
    date)."""
    values = dict(locals())
    loaded = load_checked(PARAMETERS, values)
    ctx, ds = loaded.context, loaded.dataset
    region = str(region or _first(ds))
    year = int(year)
    when = parse_date(as_of) if as_of else ctx.appraisal.provincial_due(year)
    rules = load_disclosure_rules()
    found = _results(ds, region, year, values)
    d = disclose(ds, ctx, rules, region=region, year=year, budget_year=year + 1,
                 results=found, as_of=when)  # fmt: skip
    report = DisclosureReport(d, ds, ctx, rules, lang)
    return StageRun(ds, ctx, d, report, lambda: disclosure_result(d))


STAGE = Stage(
    "disclosure",
    "05_disclosure.ipynb",
    PARAMETERS,
    "year",
    disclosed,
    latest_closed_year,
    ("dis_stage_title", "dis_stage_subtitle"),
    depends_on=(provincial_evaluation.STAGE.name,),
    across_funds=True,
    dated=made_by_province,  # published with the final accounts, as the province reports
    run=run,
)
