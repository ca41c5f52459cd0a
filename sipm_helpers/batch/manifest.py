"""The batch manifest: one JSON file recording every job's status, error, timing and
fingerprint, rewritten atomically after each job so an interrupted batch loses nothing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sipm_helpers.data.io import atomic_write_text

MANIFEST_VERSION = 1
OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class JobRecord:
    job_id: str
    stage: str
    fund: str
    region: str
    year: int
    lang: str
    status: str  # ok | failed
    fingerprint: str
    seconds: float
    notebook: str | None = None  # paths relative to the batch's output folder
    result: str | None = None
    html: str | None = None
    pdf: str | None = None
    error: str | None = None
    finished: str | None = None


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

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read the manifest at ``path``; an absent or unreadable one starts empty."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != MANIFEST_VERSION:
                return cls(path)
            records = {k: JobRecord(**v) for k, v in raw.get("jobs", {}).items()}
            return cls(path, records, raw.get("meta", {}))
        except (OSError, ValueError, TypeError):
            return cls(path)

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "meta": self.meta,
            "jobs": {k: asdict(v) for k, v in sorted(self.records.items())},
        }
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    def update(self, record: JobRecord) -> None:
        self.records[record.job_id] = record
        self.save()
