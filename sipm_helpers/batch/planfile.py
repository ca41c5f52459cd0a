"""Plan files: what a batch runs (stages, funds, provinces or regions, languages, formats),
on which data, into which folder, with how many workers and which time limits, and who
made the reports for whom (their covers' evaluator and client). Read with
the safe YAML loader and checked on load; command-line options override them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sipm_helpers.batch.plan import Scope
from sipm_helpers.config.labels import languages
from sipm_helpers.config.loader import read_yaml, require_keys
from sipm_helpers.errors import ParameterError
from sipm_helpers.stages.parameters import parse_date, parse_period
from sipm_helpers.stages.registry import stages as all_stages

FORMATS = ("html", "pdf", "docx")
DEFAULT_FORMATS = ("html", "pdf")
KERNELS = ("warm", "cold")
KEYS = (
    "title",
    "data",
    "out",
    "stages",
    "funds",
    "provinces",
    "regions",
    "languages",
    "formats",
    "workers",
    "timeouts",
    "retries",
    "kernels",
    "restart_every",
    "as_of",
    "evaluator",
    "client",
    "review_date",
)


@dataclass(frozen=True)
class Timeouts:
    cell: int = 600  # seconds one cell may run
    notebook: int = 1800  # seconds a whole notebook may run
    start: int = 60  # seconds a kernel may take to start


@dataclass(frozen=True)
class Plan:
    source: str
    stages: dict[str, int | str]  # stage → year, period or "latest"
    title: str = "Budget performance of social insurance funds"
    data: str = ""  # "" = the embedded demo; relative paths are from the plan file's folder
    out: str = "outputs/run"
    scope: Scope = field(default_factory=Scope)
    languages: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    workers: int | None = None  # None: one per core
    timeouts: Timeouts = field(default_factory=Timeouts)
    retries: int = 1  # runs of a job whose kernel died, after the first
    kernels: str = "warm"
    restart_every: int = 50  # notebooks a warm kernel runs before it is replaced
    as_of: str = ""  # the date earlier rectification items are followed up on; "" = due date
    # who made the reports and for whom, as their covers say: by language ("zh", "en");
    # empty: parameters/appraisal.yaml's evaluator, and the province's finance department
    evaluator: dict[str, str] = field(default_factory=dict)
    client: dict[str, str] = field(default_factory=dict)
    review_date: str = ""  # the date targets are reviewed on; "" = target_review.yaml's

    def override(self, **options: Any) -> Plan:
        """This plan with the options given (None: keep the plan's)."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


def _codes(path: Path, key: str, value: Any) -> tuple[str, ...] | None:
    if value in (None, "all"):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ParameterError(path, key, "must be 'all' or a list of codes")
    return tuple(str(v) for v in value)


def _choices(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else tuple(value or ())
    if not values or (bad := [v for v in values if v not in allowed]):
        shown = ", ".join(map(str, bad)) if values else "nothing"
        raise ParameterError(path, key, f"{shown}: choose from {', '.join(allowed)}")
    return values


def _when(path: Path, name: str, value: Any) -> int | str:
    if value == "latest":
        return value
    stage = all_stages()[name]
    try:
        if stage.when == "period":
            parse_period(str(value))
            return str(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    except ValueError as exc:
        raise ParameterError(path, f"stages.{name}", str(exc)) from None
    raise ParameterError(path, f"stages.{name}", f"expected a {stage.when} or 'latest'")


def _stages(path: Path, raw: Any) -> dict[str, int | str]:
    if not isinstance(raw, dict) or not raw:
        raise ParameterError(path, "stages", "must map stage names to a year, period or 'latest'")
    known = all_stages()
    unknown = [n for n in raw if n not in known]
    if unknown:
        raise ParameterError(
            path, "stages", f"unknown stage(s) {', '.join(unknown)}; stages: {', '.join(known)}"
        )
    return {name: _when(path, name, value) for name, value in raw.items()}


def _names(path: Path, key: str, value: Any) -> dict[str, str]:
    """A name for the covers: one text for every language, or one per language
    ({zh: ..., en: ...}); {province} in it is the province's name. {} when absent."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        return dict.fromkeys(languages(), value)
    if isinstance(value, dict) and value and all(isinstance(v, str) and v for v in value.values()):
        unknown = [str(k) for k in value if k not in languages()]
        if not unknown:
            return {str(k): v for k, v in value.items()}
        raise ParameterError(
            path, key, f"{', '.join(unknown)}: languages are {', '.join(languages())}"
        )
    raise ParameterError(path, key, "must be a name, or a name per language ({zh: ..., en: ...})")


def _date(path: Path, key: str, value: Any) -> str:
    """A date in ISO form (YAML may have read it as a date already); "" when absent."""
    if value in (None, ""):
        return ""
    try:
        return parse_date(str(value)).isoformat()
    except ValueError as exc:
        raise ParameterError(path, key, str(exc)) from None


def _positive(path: Path, key: str, value: Any, default: int | None) -> int | None:
    if value is None or value == "auto":
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ParameterError(path, key, f"must be a whole number of at least 0, not {value!r}")
    return value


def _timeouts(path: Path, raw: Any) -> Timeouts:
    raw = require_keys(path, "timeouts", raw or {}, [], ["cell", "notebook", "start"])
    base = Timeouts()
    values = {
        k: _positive(path, f"timeouts.{k}", raw.get(k), getattr(base, k))
        for k in ("cell", "notebook", "start")
    }
    return Timeouts(**values)


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan file; ParameterError names the file and key on failure."""
    path = Path(path)
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "stages"], KEYS)
    if raw["version"] != 1:
        raise ParameterError(path, "version", "must be 1")
    data = str(raw.get("data") or "")
    if data and not Path(data).is_absolute():
        data = str((path.parent / data).resolve())
    return Plan(
        source=str(path),
        stages=_stages(path, raw["stages"]),
        title=str(raw.get("title") or Plan.title),
        data=data,
        out=str(raw.get("out") or Plan.out),
        scope=Scope(
            _codes(path, "funds", raw.get("funds")),
            _codes(path, "provinces", raw.get("provinces")),
            _codes(path, "regions", raw.get("regions")),
        ),
        languages=_choices(path, "languages", raw.get("languages", ["en"]), languages()),
        formats=_choices(path, "formats", raw.get("formats", list(DEFAULT_FORMATS)), FORMATS),
        workers=_positive(path, "workers", raw.get("workers"), None) or None,
        timeouts=_timeouts(path, raw.get("timeouts")),
        retries=_positive(path, "retries", raw.get("retries"), 1),
        kernels=_choices(path, "kernels", raw.get("kernels", "warm"), KERNELS)[0],
        restart_every=_positive(path, "restart_every", raw.get("restart_every"), 50) or 50,
        as_of=_date(path, "as_of", raw.get("as_of")),
        evaluator=_names(path, "evaluator", raw.get("evaluator")),
        client=_names(path, "client", raw.get("client")),
        review_date=_date(path, "review_date", raw.get("review_date")),
    )
