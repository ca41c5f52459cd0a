"""Jobs: which stage notebook runs for which fund, region, year (or period) and language,
where its outputs go (laid out by stage, year, fund and region so a person finds them),
and which jobs each waits for."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sipm_helpers.config.labels import refusal, said
from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.provincial import coordinating_province, province_members
from sipm_helpers.errors import SipmError
from sipm_helpers.stages.registry import stage as stage_named
from sipm_helpers.stages.registry import stages as all_stages
from sipm_helpers.stages.stage import Stage

# What may become part of a file name: letters, digits and underscores, nothing else (no
# separator, no "..", no control character, no space). Region codes are 6 digits in the
# national standard (GB/T 2260); the data's own check is stricter still.
SAFE_CODE = re.compile(r"[0-9A-Za-z_]{1,40}")


class UnsafeCode(SipmError):
    """A code from the data or a plan would not make a safe file name."""


def slug(text: str) -> str:
    """A file-name-safe ASCII slug: 'Jinhe City' → 'jinhe-city'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


def safe_code(what: str, code: str) -> str:
    if not SAFE_CODE.fullmatch(code):
        raise UnsafeCode(f"{what} code {code!r} cannot name a file: use letters and digits only")
    return code


class PlanError(SipmError):
    """A job of the plan has a bad parameter or an output outside the folder, or the plan
    selects nothing or names what the data do not have: nothing ran."""


@dataclass(frozen=True)
class Job:
    """One notebook run. ``when`` is the year, or the period monitored (2026-10)."""

    stage: str
    fund: str
    region: str
    region_slug: str
    when: int | str
    lang: str
    data: str  # dataset path; "" = the embedded demo
    as_of: str = ""  # the date a follow-up is made (ISO); "" = the stage's own default
    review_date: str = ""  # the date targets are reviewed (ISO); "" = the rules' default

    def __post_init__(self) -> None:
        for what, code in (("stage", self.stage), ("fund", self.fund), ("region", self.region)):
            safe_code(what, code)
        safe_code("language", self.lang)
        if not re.fullmatch(r"[0-9Q-]{4,7}", str(self.when)) or not self.region_slug:
            raise UnsafeCode(f"{self.when!r} cannot name a file: expected a year or a period")

    @property
    def definition(self) -> Stage:
        return stage_named(self.stage)

    @property
    def year(self) -> int:
        return self.definition.year_of(self.when)

    @property
    def period(self) -> str | None:
        return str(self.when) if self.definition.when == "period" else None

    @property
    def job_id(self) -> str:
        return f"{self.stage}/{self.when}/{self.fund}/{self.region}/{self.lang}"

    @property
    def notebook(self) -> Path:
        return self.definition.path

    def stem(self) -> str:
        suffix = "" if self.lang == "en" else f".{self.lang}"
        return f"{self.region}-{self.region_slug}{suffix}"

    def relative_dir(self) -> Path:
        return Path(self.stage) / str(self.when) / self.fund

    def executed_path(self, out: Path) -> Path:
        return out / "runs" / self.relative_dir() / f"{self.stem()}.ipynb"

    def result_path(self, out: Path) -> Path:
        return out / "runs" / self.relative_dir() / f"{self.stem()}.json"

    def html_path(self, out: Path) -> Path:
        return out / "site" / self.relative_dir() / f"{self.stem()}.html"

    def pdf_path(self, out: Path) -> Path:
        return out / "site" / self.relative_dir() / f"{self.stem()}.pdf"

    def results_dir(self, out: Path) -> Path | None:
        """Where the results of the stage this one reads are (its first dependency's, for
        the same year and fund, or every fund's folder for a stage across funds); None
        for a stage that reads none."""
        if not self.definition.depends_on:
            return None
        year = out / "runs" / self.definition.depends_on[0] / str(self.year)
        return year if self.definition.across_funds else year / self.fund

    def parameters(self, out: Path) -> dict[str, Any]:
        """The notebook's parameters, those it declares, each given the job's value its
        declaration names (a province's stage takes the job's region as ``province``); codes
        stay text (papermill's -p would turn 001 into 1)."""
        when = self.when if self.definition.when == "period" else int(self.when)
        results = self.results_dir(out)
        offered = {
            "fund": self.fund,
            "region": self.region,
            "when": when,
            "data": self.data,
            "results": "" if results is None else str(results.resolve()),
            "lang": self.lang,
            "as_of": self.as_of,
            "review_date": self.review_date,
            "result_path": str(self.result_path(out).resolve()),
        }
        # a parameter the batch knows nothing of (a plug-in stage's own) keeps its default
        return {p.name: offered.get(p.job_value, p.default) for p in self.definition.parameters}


@dataclass(frozen=True)
class Scope:
    """Which funds, provinces and regions a plan covers (None: all)."""

    funds: tuple[str, ...] | None = None
    provinces: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def check(self, ds: Dataset) -> None:
        """Refuse a fund, region or province code the data do not have, naming the
        codes closest to it (PlanError)."""
        regions = ds.regions
        known = {
            "fund": sorted(set(ds.coordination["fund"])),
            "region": sorted(regions["region_code"]),
            "province": sorted(regions.loc[regions["level"] == "province", "region_code"]),
        }
        chosen = {"fund": self.funds, "region": self.regions, "province": self.provinces}
        for kind, codes in chosen.items():
            for code in codes or ():
                if code in known[kind]:
                    continue
                close = difflib.get_close_matches(code, known[kind], n=3, cutoff=0.75)
                hint = said("error_scope_close", codes=", ".join(close)) if close else ""
                raise refusal("error_scope_unknown", PlanError, what=said(f"scope_{kind}"),
                              code=code, hint=hint)  # fmt: skip

    def select(self, pairs: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        keep = pd.Series(True, index=pairs.index)
        if self.funds is not None:  # a report across funds covers whichever are chosen
            keep &= pairs["fund"].isin(self.funds) | (pairs["fund"] == ALL_FUNDS)
        if self.regions is not None:
            keep &= pairs["region_code"].isin(self.regions)
        if self.provinces is not None:
            keep &= province_of(ds, pairs["region_code"]).isin(self.provinces)
        return pairs.loc[keep]


def province_of(ds: Dataset, codes: pd.Series) -> pd.Series:
    """The province of each region code (a province is its own)."""
    r = ds.regions.set_index("region_code")
    level = codes.map(r["level"])
    return codes.where(level == "province", codes.map(r["parent_code"]))


def stage_jobs(
    ds: Dataset,
    stage: Stage,
    when: int | str,
    *,
    scope: Scope = Scope(),
    langs: Sequence[str] = ("en",),
    data: str = "",
    as_of: str = "",
    review_date: str = "",
) -> list[Job]:
    """One job per language for each (region, fund) pair ``stage`` runs for at ``when``
    ("latest": what the stage's latest means in ``ds``); ``as_of`` and ``review_date``
    reach the stages that take them."""
    when = stage.latest(ds) if when == "latest" else when
    pairs = scope.select(stage.pairs(ds, stage.year_of(when)), ds)
    names = dict(zip(ds.regions["region_code"], ds.regions["name_en"], strict=True))
    return [
        Job(
            stage.name,
            str(f),
            str(r),
            slug(str(names.get(r, r))),
            when,
            lang,
            data,
            as_of,
            review_date,
        )
        for r, f in zip(pairs["region_code"], pairs["fund"], strict=True)
        for lang in langs
    ]


def plan_jobs(
    ds: Dataset,
    stages: Mapping[str, int | str],
    *,
    scope: Scope = Scope(),
    langs: Sequence[str] = ("en",),
    data: str = "",
    as_of: str = "",
    review_date: str = "",
) -> list[Job]:
    """The jobs of every stage named in ``stages`` (name → year, period or "latest"), in the
    registry's order."""
    return [
        job
        for name, stage in all_stages().items()
        if name in stages
        for job in stage_jobs(
            ds,
            stage,
            stages[name],
            scope=scope,
            langs=langs,
            data=data,
            as_of=as_of,
            review_date=review_date,
        )
    ]


def dependencies(
    jobs: Iterable[Job], ds: Dataset, stages: Mapping[str, Stage] | None = None
) -> dict[str, tuple[str, ...]]:
    """For each job, the jobs of the batch it waits for: those of the stages it depends on
    with the same fund (any fund, for a stage across funds), year and language at its own
    region, at one of the regions it covers (a province's prefectures), at the province
    that covers it or at the country. The country's job covers every region and year of
    the batch (the centre's assessment reads the next budget's target reviews too)."""
    stages = all_stages() if stages is None else stages
    jobs = list(jobs)
    by_key: dict[tuple, list[Job]] = {}
    for job in jobs:
        for year in (job.year, None):  # None: any year
            by_key.setdefault((job.stage, year, job.lang, job.region), []).append(job)
    country = list(ds.regions.loc[ds.regions["level"] == "country", "region_code"])
    waits: dict[str, tuple[str, ...]] = {}
    for job in jobs:
        above = coordinating_province(ds, job.fund, job.region)
        national = job.region in country
        regions = dict.fromkeys(
            ds.regions["region_code"] if national else
            [job.region, *province_members(ds, job.fund, job.region),
             *([above] if above else []), *country]
        )  # fmt: skip
        year = None if national else job.year
        any_fund = stages[job.stage].across_funds
        waits[job.job_id] = tuple(
            dep.job_id
            for name in stages[job.stage].depends_on
            for region in regions
            for dep in by_key.get((name, year, job.lang, region), [])
            if any_fund or dep.fund == job.fund
        )
    return waits
