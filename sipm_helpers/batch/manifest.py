"""The batch manifest: every job's stage, parameters, status, times, error and inputs.

The truth is the run's database (:mod:`sipm_helpers.batch.store`): each job is stored as it
ends, in one transaction of constant cost, so an interrupted batch loses nothing.
``manifest.json`` is an export for people, written atomically by :meth:`Manifest.save`
(at a batch's start and end, after publishing, and on an interruption or error). A run
folder made before the database has only ``manifest.json``: it is read, and migrated into
the database at the first write. A save merges with what is stored, so records of jobs
this batch did not touch are kept, never overwritten."""

from __future__ import annotations

import json
import sqlite3
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sipm_helpers.batch import store
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
    """Job records by id, of the run folder of ``path`` (its ``manifest.json``): kept in
    the database beside it, exported to ``path`` by :meth:`save`."""

    def __init__(
        self,
        path: Path,
        records: dict[str, JobRecord] | None = None,
        meta: dict[str, Any] | None = None,
        *,
        stored: bool = False,
    ):
        self.path = path
        self.records = records or {}
        self.meta = meta or {}
        self.touched: set[str] = set()
        self.stored = stored  # whether the database holds ``records`` (else: migrate them)
        self.database = path.with_name(store.STATE_NAME)
        self.db = store.StateDB(self.database)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read the run's state: its database, or else (a run folder made before it, or a
        database sqlite cannot open, set aside with a warning) the manifest at ``path``."""
        database = path.with_name(store.STATE_NAME)
        if database.exists():
            try:
                jobs, meta = store.read(database)
                records = {k: JobRecord.from_dict(v) for k, v in jobs.items()}
                return cls(path, records, meta, stored=True)
            except (sqlite3.DatabaseError, TypeError, ValueError) as exc:
                _set_aside(database, f"{type(exc).__name__}: {exc}")
        return cls._load_json(path)

    @classmethod
    def _load_json(cls, path: Path) -> Manifest:
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

    def _unstored(self) -> list[dict[str, Any]]:
        """The records to migrate into the database (once): those it may not hold."""
        return [] if self.stored else [asdict(r) for r in self.records.values()]

    def update(self, record: JobRecord) -> None:
        """Record one job: one transaction, whatever the number of records."""
        self.records[record.job_id] = record
        self.touched.add(record.job_id)
        self.db.write([asdict(record)], keep=self._unstored())
        self.stored = True

    def save(self) -> None:
        """Store the meta and this batch's records (``touched``: they win over those of the
        database), read back every record, and export them to ``manifest.json``."""
        own = [asdict(self.records[k]) for k in self.touched]
        keep = [r for r in self._unstored() if r["job_id"] not in self.touched]
        self.db.write(own, self.meta, keep=keep)
        self.stored = True
        jobs, meta = self.db.read()
        self.records = {k: JobRecord.from_dict(v) for k, v in jobs.items()}
        self.meta = {**meta, **self.meta}
        self.export()

    def export(self) -> None:
        """Write the records and meta held to ``manifest.json``, atomically, for people."""
        data = {
            "version": MANIFEST_VERSION,
            "meta": self.meta,
            "jobs": {k: asdict(v) for k, v in sorted(self.records.items())},
        }
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
