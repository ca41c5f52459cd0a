"""One batch per output folder: a lock file holding the pid of the batch that writes there.

A second batch started on the same folder refuses with a message naming the holder; a
lock left by a batch that no longer runs (killed with -9) is taken over, as is a lock
whose pid now belongs to another process (the holder's start time, as the kernel counts
it, is recorded beside its pid) or that cannot be read.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sipm_helpers.errors import SipmError

LOCK_NAME = ".sipm-batch.lock"


class FolderLocked(SipmError):
    """Another batch is writing to the output folder."""


def _holder(path: Path) -> dict | None:
    """The lock's holder, if the lock says one: a mapping with a whole-number pid."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(holder, dict) or type(holder.get("pid")) is not int:
        return None
    return holder


def _started(pid: int) -> str | None:
    """When process ``pid`` started, in the kernel's clock ticks since boot (field 22 of
    /proc/PID/stat); None where there is no /proc or no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except (OSError, ValueError):
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def _holds(holder: dict) -> bool:
    """Whether the process the lock names still runs and is the one that took it."""
    pid = holder["pid"]
    if pid <= 0 or not _running(pid):
        return False
    recorded, now = holder.get("process_start"), _started(pid)
    return recorded is None or now is None or recorded == now


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "pid": os.getpid(),
                "process_start": _started(os.getpid()),
                "started": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(sys.argv),
            },
            fh,
        )
    return True


def check_free(out: Path) -> None:
    """Refuse at once, writing nothing, if another batch holds ``out``'s lock: a second
    batch need not load its data first to learn that it cannot run."""
    holder = _holder(out / LOCK_NAME)
    if holder and holder["pid"] != os.getpid() and _holds(holder):
        raise _locked(out, holder)


def _locked(out: Path, holder: dict) -> FolderLocked:
    return FolderLocked(
        f"{out} is in use by another sipm batch (pid {holder['pid']}, started "
        f"{holder.get('started')}): wait for it to finish, or choose another --out"
    )


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[Path]:
    """Hold the lock of ``out`` while the block runs; a block inside one that holds it
    already (the batch's run inside the command's) holds it on."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    holder = _holder(path)
    if holder and holder["pid"] == os.getpid() and _holds(holder):
        yield path
        return
    for _ in range(3):
        if _create(path):
            break
        holder = _holder(path)
        if holder and _holds(holder):
            raise _locked(out, holder)
        path.unlink(missing_ok=True)  # left by a batch that no longer runs
    else:
        raise FolderLocked(f"{out}: could not take the batch lock {path.name}")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
