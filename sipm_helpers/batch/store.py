"""The run's state in an embedded database (issue 21 §5b): ``OUT/.sipm-state.sqlite``, one
row per job (its id, status and record as JSON text) and one per meta key.

Every write is one transaction of constant cost, whatever the size of the batch; the
journal is a write-ahead log and a busy timeout lets the orchestrator, publishing and any
other process write the same file safely. An error of the disk (full, read-only, forbidden) is raised as
the ``OSError`` it is, for the command line to name in one line.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STATE_NAME = ".sipm-state.sqlite"
BUSY_MS = 30_000
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, status TEXT, record TEXT)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
)
# sqlite's primary result codes of a disk that refuses a write, as errno values
_DISK_ERRORS = {
    13: errno.ENOSPC,  # SQLITE_FULL
    8: errno.EROFS,  # SQLITE_READONLY
    3: errno.EACCES,  # SQLITE_PERM
    14: errno.EACCES,  # SQLITE_CANTOPEN
    10: errno.EIO,  # SQLITE_IOERR
}


def _os_error(exc: sqlite3.Error, path: Path) -> OSError | None:
    """The ``OSError`` a disk error of sqlite stands for; None for any other error."""
    code = getattr(exc, "sqlite_errorcode", None)
    number = _DISK_ERRORS.get(code & 0xFF) if isinstance(code, int) else None
    return OSError(number, os.strerror(number), str(path)) if number else None


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a crashed process loses nothing
        with conn:
            for statement in SCHEMA:
                conn.execute(statement)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _disk_errors(path: Path) -> Iterator[None]:
    """sqlite's errors of the disk raised as the ``OSError`` they stand for."""
    try:
        yield
    except sqlite3.Error as exc:
        disk = _os_error(exc, path)
        if disk is not None:
            raise disk from exc
        raise


class StateDB:
    """The state at ``path`` (made if absent). Its connection is kept open (closing the
    last one checkpoints the log, an fsync each time) by the process that opened it; a
    process forked from it opens its own. A file that is not a database raises
    ``sqlite3.DatabaseError``."""

    def __init__(self, path: Path):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            self._conn, self._pid = _open(self.path), os.getpid()
        return self._conn

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    def read(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """The job records (as dicts, by id) and the meta."""
        with _disk_errors(self.path):
            conn = self._connection()
            jobs = {k: json.loads(v) for k, v in conn.execute("SELECT job_id, record FROM jobs")}
            meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        return jobs, meta

    def write(
        self,
        records: Iterable[dict[str, Any]] = (),
        meta: dict[str, Any] | None = None,
        *,
        keep: Iterable[dict[str, Any]] = (),
    ) -> None:
        """In one transaction: store ``records`` (replacing those of the same id), ``keep``
        only where their id is absent (a migrated manifest's), and the ``meta`` keys."""
        items = [(k, json.dumps(v, ensure_ascii=False)) for k, v in (meta or {}).items()]
        with _disk_errors(self.path):
            conn = self._connection()
            with conn:
                conn.executemany("INSERT OR IGNORE INTO jobs VALUES (?, ?, ?)", _rows(keep))
                conn.executemany("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?)", _rows(records))
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", items)


def _rows(records: Iterable[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["job_id"], r["status"], json.dumps(r, ensure_ascii=False)) for r in records]


def read(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The job records and the meta stored at ``path``, read once."""
    db = StateDB(path)
    try:
        return db.read()
    finally:
        db.close()


def write(path: Path, records: Iterable[dict[str, Any]] = (), meta: dict[str, Any] | None = None,
          *, keep: Iterable[dict[str, Any]] = ()) -> None:  # fmt: skip
    """:meth:`StateDB.write` once, at ``path``."""
    db = StateDB(path)
    try:
        db.write(records, meta, keep=keep)
    finally:
        db.close()
