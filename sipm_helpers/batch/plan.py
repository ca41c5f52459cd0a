"""Plans: which stage notebook runs for which fund, region, year and language, and where
its outputs go (laid out by stage, year, fund and region so a person finds them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.provincial import province_members
from sipm_helpers.paths import notebooks_dir

STAGE_NOTEBOOKS = {
    "target_review": "01_target_review.ipynb",
    "monitoring": "02_monitoring.ipynb",
    "self_evaluation": "03_self_evaluation.ipynb",
}


def slug(text: str) -> str:
    """A file-name-safe ASCII slug: 'Jinhe City' → 'jinhe-city'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass(frozen=True)
class Job:
    """One notebook run."""

    stage: str
    fund: str
    region: str
    region_slug: str
    year: int
    lang: str
    data: str  # dataset path; "" = the embedded demo
    parameters: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    period: str | None = None  # monitoring: the month (2026-10) or quarter monitored

    @property
    def job_id(self) -> str:
        return f"{self.stage}/{self.period or self.year}/{self.fund}/{self.region}/{self.lang}"

    @property
    def notebook(self) -> Path:
        return notebooks_dir() / STAGE_NOTEBOOKS[self.stage]

    def stem(self) -> str:
        suffix = "" if self.lang == "en" else f".{self.lang}"
        return f"{self.region}-{self.region_slug}{suffix}"

    def relative_dir(self) -> Path:
        return Path(self.stage) / str(self.period or self.year) / self.fund

    def executed_path(self, out: Path) -> Path:
        return out / "runs" / self.relative_dir() / f"{self.stem()}.ipynb"

    def result_path(self, out: Path) -> Path:
        return out / "runs" / self.relative_dir() / f"{self.stem()}.json"

    def html_path(self, out: Path) -> Path:
        return out / "site" / self.relative_dir() / f"{self.stem()}.html"

    def pdf_path(self, out: Path) -> Path:
        return out / "site" / self.relative_dir() / f"{self.stem()}.pdf"

    def papermill_parameters(self, out: Path) -> dict[str, Any]:
        """The notebook's parameters; codes stay strings (papermill would turn 001 into 1)."""
        when = {"period": str(self.period)} if self.period else {"year": int(self.year)}
        return {
            "fund": self.fund,
            "region": str(self.region),
            **when,
            "data": self.data,
            "lang": self.lang,
            "result_path": str(self.result_path(out).resolve()),
            **self.parameters,
        }


def _coordinated(ds: Dataset, pairs: pd.DataFrame) -> pd.DataFrame:
    """The (region_code, fund) pairs of ``pairs`` that are coordinating pairs, once each."""
    return ds.coordination.merge(
        pairs[["region_code", "fund"]].drop_duplicates(), on=["region_code", "fund"]
    )


def _jobs(
    ds: Dataset,
    pairs: pd.DataFrame,
    stage: str,
    year: int,
    *,
    data: str,
    langs: tuple[str, ...],
    funds: list[str] | None,
    period: str | None = None,
) -> list[Job]:
    """One job per language for each (region_code, fund) row of ``pairs`` as it is."""
    names = dict(zip(ds.regions["region_code"], ds.regions["name_en"], strict=False))
    if funds is not None:
        pairs = pairs.loc[pairs["fund"].isin(funds)]
    return [
        Job(
            stage,
            str(r.fund),
            str(r.region_code),
            slug(str(names.get(r.region_code, r.region_code))),
            year,
            lang,
            data,
            period=period,
        )
        for r in pairs.itertuples()
        for lang in langs
    ]


def self_evaluation_plan(
    ds: Dataset,
    year: int,
    *,
    data: str = "",
    langs: tuple[str, ...] = ("en",),
    funds: list[str] | None = None,
) -> list[Job]:
    """A self-evaluation of ``year`` for every fund at each of its coordinating regions that
    has execution data for the year."""
    executed = ds.execution.loc[ds.execution["year"] == year]
    return _jobs(
        ds, _coordinated(ds, executed), "self_evaluation", year, data=data, langs=langs, funds=funds
    )


def monitoring_plan(
    ds: Dataset,
    year: int,
    month: int,
    *,
    data: str = "",
    langs: tuple[str, ...] = ("en",),
    funds: list[str] | None = None,
) -> list[Job]:
    """Monitoring to the end of ``month`` of ``year`` for every fund at each of its
    coordinating regions that has a budget or execution data for the year. A region whose
    data stop before ``month`` is monitored all the same: its report says the data are late
    (Art. 13, timeliness)."""
    columns = ["region_code", "fund"]
    reached = pd.concat(
        [
            ds.budget.loc[ds.budget["year"] == year, columns],
            ds.execution.loc[ds.execution["year"] == year, columns],
        ]
    )
    return _jobs(
        ds,
        _coordinated(ds, reached),
        "monitoring",
        year,
        data=data,
        langs=langs,
        funds=funds,
        period=f"{year}-{month:02d}",
    )


def target_review_plan(
    ds: Dataset,
    year: int,
    *,
    data: str = "",
    langs: tuple[str, ...] = ("en",),
    funds: list[str] | None = None,
) -> list[Job]:
    """A review of ``year``'s targets for every fund at each of its coordinating regions
    that has a budget for the year (targets are reviewed with the budget, Art. 7), and of
    the provincial targets a province sets for a fund its prefectures pool (Art. 10)."""
    budgeted = ds.budget.loc[ds.budget["year"] == year]
    jobs = _jobs(
        ds, _coordinated(ds, budgeted), "target_review", year, data=data, langs=langs, funds=funds
    )
    t = ds.targets
    provincial = t.loc[(t["level"] == "province") & (t["start_year"] == year)]
    provincial = provincial[["region_code", "fund"]].drop_duplicates()
    own = [
        province_members(ds, str(r.fund), str(r.region_code)) != [] for r in provincial.itertuples()
    ]
    jobs += _jobs(
        ds, provincial.loc[own], "target_review", year, data=data, langs=langs, funds=funds
    )
    return jobs
