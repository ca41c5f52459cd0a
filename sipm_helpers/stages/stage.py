"""What a stage is and what its notebook works with: the ``Stage`` a stage's module
registers (its notebook, its declared parameters, the pairs it runs for, its run function,
its titles and flags), the ``StageRun`` its run function hands the notebook, and the
helpers the stages share (checking the parameters and loading the data they name, a
fund's first coordinating region, the pairs of a year)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.results import write_result
from sipm_helpers.paths import notebooks_dir
from sipm_helpers.stages import session
from sipm_helpers.stages.parameters import (
    Parameter,
    StageParameterError,
    check_values,
    data_path,
    parse_period,
)


@dataclass(frozen=True)
class Flag:
    """What the batch summary lists for a stage: its heading (a key of the label
    catalogues, its {when} filled) and the test a structured result must pass to be listed."""

    heading: str
    test: Callable[[dict], bool]


@dataclass(frozen=True)
class Companion:
    """A file a stage writes beside its result (by suffix), published beside its report and
    linked from the index under a label (a key of the label catalogues)."""

    suffix: str
    label: str


@dataclass(frozen=True)
class StageRun:
    """What a stage notebook works with: the data, the parameters, the stage's outcome
    (a review, a monitoring, an evaluation), its report, and how to save its result."""

    dataset: Dataset
    context: Context
    outcome: Any
    report: Any
    result: Callable[[], dict]
    # writes the stage's companion files beside the result at the path given (a scoring
    # form; the rectification items and the working papers) and returns the last one
    companion: Callable[[Path], Path] | None = None

    def save(self, path: str | Path | None) -> Path | None:
        """Write the structured result (JSON) to ``path``, and the stage's companion file
        beside it where it has one; nothing when ``path`` is empty."""
        if not path:
            return None
        if self.companion is not None:
            self.companion(Path(path))
        return write_result(self.result(), path)


# The date a stage's document bears: from its year, its period (None for a stage that runs
# for a year), the appraisal rules and the date the province's evaluation is made ("": none).
Dated = Callable[[int, str | None, AppraisalRules, str], datetime.date]


def made_by_province(
    year: int, period: str | None, rules: AppraisalRules, as_of: str
) -> datetime.date:
    """The date the province's evaluation of ``year`` is made: ``as_of`` (ISO) where a plan
    or the result says, else its due date at the centre (Art. 18)."""
    return datetime.date.fromisoformat(as_of) if as_of else rules.provincial_due(year)


@dataclass(frozen=True)
class Stage:
    """One stage of the suite: its notebook, its declared parameters, the (region, fund)
    pairs it runs for in a dataset, the moment it runs for when a plan says ``latest``, the
    stages it waits for, its report titles, what the batch summary flags in its results,
    whether its result carries a grade, the files it writes beside its result, the report
    it answers, whether its document is signed and sealed, the date its document bears,
    the stages whose reports follow its own in a province's book, and the function its
    notebook calls (``run``; None for a notebook that needs none)."""

    name: str
    notebook: str
    parameters: tuple[Parameter, ...]
    when: str  # the parameter saying when: "year" or "period"
    pairs: Callable[[Dataset, int], pd.DataFrame]  # region_code, fund pairs to run in a year
    latest: Callable[[Dataset], int | str]  # what "latest" means for this stage in a dataset
    titles: tuple[str, str]  # label keys of the report's title and subtitle
    depends_on: tuple[str, ...] = ()
    flag: Flag | None = None
    graded: bool = False  # its result has a summary with a total and a grade
    fresh_kernel: bool = False  # each notebook in a new kernel (it changes shared state)
    companions: tuple[Companion, ...] = ()
    answers: str | None = None  # the stage whose report of the same region this one answers
    across_funds: bool = False  # one report of all a province's funds (fund code ALL_FUNDS)
    signed: bool = False  # its document ends with the issuing departments' names and seals
    folder: Path | None = None  # where its notebook is (None: the suite's notebooks)
    label: str = ""  # label key of its name in the catalogues ("": stage_<name>)
    document: str = ""  # the stage whose document number and date it follows ("": its own)
    dated: Dated = made_by_province  # the date its document bears
    book: tuple[str, ...] = ()  # the stages whose reports of its province follow its own
    run: Callable[..., StageRun] | None = None  # what its notebook calls
    # the departments issuing its document, by language (None: the province's finance
    # department and the fund's administrative departments, as a province's documents)
    issuers: Callable[[str], tuple[str, ...]] | None = None

    @property
    def label_key(self) -> str:
        return self.label or f"stage_{self.name}"

    @property
    def document_kind(self) -> str:
        """The stage name its document's number and date are kept under."""
        return self.document or self.name

    @property
    def path(self) -> Path:
        return (self.folder or notebooks_dir()) / self.notebook

    def year_of(self, when: int | str) -> int:
        return parse_period(str(when))[0] if self.when == "period" else int(when)


def load_checked(declared: tuple[Parameter, ...], values: dict[str, Any]) -> session.Loaded:
    """Check the notebook's parameters (types first, then the values the library and the
    data allow) and return the context and the dataset they name."""
    check_values(declared, values)
    loaded = session.load(data_path(values.get("data") or ""))
    check_values(declared, values, loaded.context, loaded.dataset)
    return loaded


def first_region(dataset: Dataset, fund: str) -> str:
    """The fund's first coordinating region: what an empty ``region`` parameter means."""
    regions = dataset.coordination.loc[dataset.coordination["fund"] == fund, "region_code"]
    if regions.empty:
        raise StageParameterError(f"the dataset has no coordinating region for fund {fund!r}")
    return str(regions.iloc[0])


def coordinated(ds: Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    """The coordinating (region_code, fund) pairs among ``rows``, once each."""
    pairs = rows[["region_code", "fund"]].drop_duplicates()
    return ds.coordination.merge(pairs, on=["region_code", "fund"])[["region_code", "fund"]]


def of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of ``frame`` for ``year``."""
    return frame.loc[frame["year"] == year]


def latest_closed_year(ds: Dataset) -> int:
    """The latest year some region has executed to December (the year to evaluate)."""
    e = ds.execution
    closed = e.loc[e["month"] == 12, "year"]
    return int(closed.max()) if not closed.empty else int(e["year"].min()) - 1
