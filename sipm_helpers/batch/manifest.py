"""The batch manifest: one JSON file recording every job's stage, parameters, status,
times, error and inputs, rewritten atomically after each job so an interrupted batch loses
nothing. A save merges with what is on disk, so records of jobs this batch did not touch
are kept, never overwritten."""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sipm_helpers.data.io import atomic_write_text

MANIFEST_VERSION = 2
OK, FAILED, UP_TO_DATE = "ok", "failed", "up to date"


@dataclass
class JobRecord:
    job_id: str
    stage: str
    fund: str
    region: str
    when: int | str
    lang: str
    status: str  # ok | failed
    fingerprint: str
    seconds: float  # executing the notebook (its kernel's reset included)
    parameters: dict[str, Any] = field(default_factory=dict)
    notebook: str | None = None  # paths relative to the batch's output folder
    result: str | None = None
    html: str | None = None
    pdf: str | None = None
    error_name: str | None = None
    error: str | None = None
    failing_cell: int | None = None
    attempts: int = 1
    started: str | None = None
    finished: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    worker: str | None = None  # host:pid of the process that ran it
    render_seconds: float | None = None  # rendering its page in the worker, after the run

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


def _set_aside(path: Path, why: str) -> Path:
    """Rename the unreadable state file ``path`` beside itself (``NAME.broken``, numbered
    if taken) and warn: nothing is lost, and what it recorded is done again."""
    aside = path.with_name(f"{path.name}.broken")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.broken{n}")
    try:
        path.rename(aside)
    except FileNotFoundError:  # another process of the batch set it aside first
        return aside
    warnings.warn(
        f"{path}: not a state file sipm can read ({why}); set aside as {aside.name}, "
        "its jobs run again",
        BrokenState,
        stacklevel=3,
    )
    return aside


class BrokenState(UserWarning):
    """A state file of the run folder could not be read and was set aside."""


class Manifest:
    """Job records by id, stored at ``path``."""

    def __init__(
        self,
        path: Path,
        records: dict[str, JobRecord] | None = None,
        meta: dict[str, Any] | None = None,
    ):
        self.path = path
        self.records = records or {}
        self.meta = meta or {}
        self.touched: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read the manifest at ``path``; an absent or older one starts empty, and one that
        is not a manifest (cut short, or JSON of another shape) is set aside, with a
        warning, so that its jobs run again."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            _set_aside(path, str(exc))
            return cls(path)
        if isinstance(raw, dict) and raw.get("version") != MANIFEST_VERSION:
            return cls(path)  # an older sipm's: its jobs run again
        try:
            jobs, meta = raw["jobs"], raw.get("meta", {})
            records = {str(k): JobRecord.from_dict(v) for k, v in jobs.items()}
            if not isinstance(meta, dict):
                raise TypeError(f"meta is {type(meta).__name__}")
        except (KeyError, TypeError, AttributeError) as exc:
            _set_aside(path, f"{type(exc).__name__}: {exc}")
            return cls(path)
        return cls(path, records, meta)

    def save(self) -> None:
        """Write the records, merged with those on disk: this batch's own (``touched``) win."""
        on_disk = Manifest.load(self.path)
        merged = {**on_disk.records, **{k: self.records[k] for k in self.touched}}
        self.records = {**self.records, **merged}
        data = {
            "version": MANIFEST_VERSION,
            "meta": self.meta,
            "jobs": {k: asdict(v) for k, v in sorted(self.records.items())},
        }
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    def update(self, record: JobRecord) -> None:
        self.records[record.job_id] = record
        self.touched.add(record.job_id)
        self.save()
