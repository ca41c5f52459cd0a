"""The stages of the suite, one registered object each: its notebook, its declared
parameters, the (region, fund) pairs it runs for in a dataset, the moment it runs for when
a plan says ``latest``, the stages it waits for, its report titles, what the batch summary
flags in its results, whether its result carries a grade, the files it writes beside its
result, the report it answers (a feedback letter, the region's self-evaluation) and whether
its document is signed and sealed by the departments issuing it.
The stages built in are listed here; a stage from outside the package is a ``Stage``
object named by an entry point of the group ``sipm.stages`` (as papermill registers
engines), or, for one block of code, one given to ``registered``. The planner, the runner,
the publisher and the command read ``stages()``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from sipm_helpers.config.registry import ALL_FUNDS
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.provincial import central_pools, province_members
from sipm_helpers.paths import RECTIFICATION_ITEMS, SCORING_FORM, WORKING_PAPERS, notebooks_dir
from sipm_helpers.present import parameters as entries
from sipm_helpers.present.parameters import Parameter, parse_period


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
class Stage:
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


def _coordinated(ds: Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    """The coordinating (region_code, fund) pairs among ``rows``, once each."""
    pairs = rows[["region_code", "fund"]].drop_duplicates()
    return ds.coordination.merge(pairs, on=["region_code", "fund"])[["region_code", "fund"]]


def _of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame.loc[frame["year"] == year]


def _reviewed(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with a budget for ``year`` (targets are reviewed with the
    budget, Art. 7), and each province's own targets for a fund its prefectures pool (Art. 10)."""
    t = ds.targets
    provincial = t.loc[(t["level"] == "province") & (t["start_year"] == year)]
    provincial = provincial[["region_code", "fund"]].drop_duplicates()
    own = [
        province_members(ds, str(r.fund), str(r.region_code)) != [] for r in provincial.itertuples()
    ]
    coordinated = _coordinated(ds, _of_year(ds.budget, year))
    return pd.concat([coordinated, provincial.loc[own]], ignore_index=True)


def _monitored(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with a budget or execution data in ``year``: a region whose
    data stop early is monitored all the same, and its report says they are late (Art. 13)."""
    reached = pd.concat([_of_year(ds.budget, year), _of_year(ds.execution, year)])
    return _coordinated(ds, reached)


def _evaluated(ds: Dataset, year: int) -> pd.DataFrame:
    """Every coordinating pair with execution data for ``year``."""
    return _coordinated(ds, _of_year(ds.execution, year))


def _appraised(ds: Dataset, year: int) -> pd.DataFrame:
    """Each province with a coordinating region of the fund evaluated in ``year``, as the
    (region_code, fund) pair of the province (Art. 17, 19)."""
    evaluated = _evaluated(ds, year).merge(ds.coordination, on=["region_code", "fund"])
    pairs = evaluated[["province_code", "fund"]].drop_duplicates()
    return pairs.rename(columns={"province_code": "region_code"}).reset_index(drop=True)


def _reported(ds: Dataset, year: int) -> pd.DataFrame:
    """Each province with a fund evaluated in ``year``, once, as (province, ``ALL_FUNDS``):
    its one report to the centre across all its funds (Art. 18). The centre's own pool is
    evaluated by the centre itself (Art. 23): it reports to no one."""
    provinces = _appraised(ds, year)["region_code"].drop_duplicates()
    provinces = provinces[~provinces.isin(central_pools(ds))]
    return pd.DataFrame({"region_code": provinces, "fund": ALL_FUNDS}).reset_index(drop=True)


def _latest_budget_year(ds: Dataset) -> int:
    return int(ds.budget["year"].max())


def _latest_month(ds: Dataset) -> str:
    year, month = divmod(int((ds.execution["year"] * 100 + ds.execution["month"]).max()), 100)
    return f"{year}-{month:02d}"


def _latest_closed_year(ds: Dataset) -> int:
    """The latest year some region has executed to December (the year to evaluate)."""
    e = ds.execution
    closed = e.loc[e["month"] == 12, "year"]
    return int(closed.max()) if not closed.empty else int(e["year"].min()) - 1


def _register(*stages: Stage) -> Mapping[str, Stage]:
    return MappingProxyType({s.name: s for s in stages})


BUILT_IN: tuple[Stage, ...] = (
    Stage(
        "target_review",
        "01_target_review.ipynb",
        entries.TARGET_REVIEW,
        "year",
        _reviewed,
        _latest_budget_year,
        ("tr_title", "tr_subtitle"),
        flag=Flag("cli_flag_target_review", lambda r: r["verdict"] == "return"),
    ),
    Stage(
        "monitoring",
        "02_monitoring.ipynb",
        entries.MONITORING,
        "period",
        _monitored,
        _latest_month,
        ("mon_title", "mon_subtitle"),
        flag=Flag("cli_flag_monitoring", lambda r: r["counts"]["red"] > 0),
    ),
    Stage(
        "self_evaluation",
        "03_self_evaluation.ipynb",
        entries.SELF_EVALUATION,
        "year",
        _evaluated,
        _latest_closed_year,
        ("report_title", "report_subtitle"),
        flag=Flag(
            "cli_flag_self_evaluation",
            lambda r: (r.get("sustainability") or {}).get("solvency_pass") == 0,
        ),
        graded=True,
        companions=(Companion(SCORING_FORM, "link_form"),),
    ),
    Stage(
        "provincial_evaluation",
        "04_provincial_evaluation.ipynb",
        entries.PROVINCIAL_EVALUATION,
        "year",
        _appraised,
        _latest_closed_year,
        ("pe_title", "pe_subtitle"),
        depends_on=("self_evaluation",),
        flag=Flag(
            "cli_flag_provincial_evaluation",
            lambda r: bool(r["flags"]),
        ),
        companions=(
            Companion(RECTIFICATION_ITEMS, "link_items"),
            Companion(WORKING_PAPERS, "link_papers"),
        ),
    ),
    Stage(
        "provincial_report",
        "04_provincial_report.ipynb",
        entries.PROVINCIAL_REPORT,
        "year",
        _reported,
        _latest_closed_year,
        ("pr_title", "pr_subtitle"),
        depends_on=("provincial_evaluation",),
        flag=Flag("cli_flag_provincial_report", lambda r: bool(r["flags"])),
        across_funds=True,
        signed=True,
    ),
    Stage(
        "feedback_letter",
        "04_feedback_letter.ipynb",
        entries.FEEDBACK_LETTER,
        "year",
        _evaluated,
        _latest_closed_year,
        ("fl_title", "fl_subtitle"),
        depends_on=("provincial_evaluation",),
        answers="self_evaluation",
        signed=True,
    ),
)
STAGES: Mapping[str, Stage] = _register(*BUILT_IN)  # the built-in stages alone


GROUP = "sipm.stages"
_REGISTERED: ContextVar[tuple[Stage, ...]] = ContextVar("sipm_registered_stages", default=())


@functools.cache
def discovered() -> tuple[Stage, ...]:
    """The stages named by entry points of the group ``sipm.stages``, loaded once; an entry
    point names a ``Stage`` or a tuple of them."""
    found: list[Stage] = []
    for point in entry_points(group=GROUP):
        loaded = point.load()
        found.extend(loaded if isinstance(loaded, tuple | list) else (loaded,))
    return tuple(found)


@contextmanager
def registered(*extra: Stage) -> Iterator[Mapping[str, Stage]]:
    """Within the block, ``stages()`` has ``extra`` as well (a stage from outside the
    package, a test's toy stage); yields the registry."""
    token = _REGISTERED.set((*_REGISTERED.get(), *extra))
    try:
        yield stages()
    finally:
        _REGISTERED.reset(token)


def stages() -> Mapping[str, Stage]:
    """Every stage, read-only, in order: those built in, those of entry points, those
    registered for the current block; a later stage of the same name replaces an earlier."""
    return _register(*STAGES.values(), *discovered(), *_REGISTERED.get())


def stage(name: str) -> Stage:
    """The stage called ``name``; KeyError listing the stages otherwise."""
    known = stages()
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; stages: {', '.join(known)}") from None


def notebook_stage(notebook: str | Path) -> Stage:
    """The stage whose notebook is ``notebook`` (a path or a file name)."""
    name = Path(notebook).name
    for s in stages().values():
        if s.notebook == name:
            return s
    known = ", ".join(s.notebook for s in stages().values())
    raise KeyError(f"{name!r} is not a stage notebook; the notebooks are {known}")
