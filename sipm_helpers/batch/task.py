"""One notebook run, as a worker executes it: the task (picklable, so it travels to a
pool worker or a Dask worker) and the function that runs it and returns its record."""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sipm_helpers.batch.kernel import TIMED_OUT
from sipm_helpers.batch.manifest import FAILED, OK, JobRecord
from sipm_helpers.batch.planfile import Timeouts
from sipm_helpers.batch.worker import current_kernel

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DEAD = ("DeadKernelError", "KernelFailure")  # the kernel, not the notebook, failed


@dataclass(frozen=True)
class Task:
    job_id: str
    identity: dict[str, Any]  # stage, fund, region, when, lang: the record's own fields
    notebook: str
    executed: str
    result: str
    out: str
    parameters: dict[str, Any]
    fingerprint: str
    timeouts: Timeouts
    warm: bool
    cwd: str
    versions: dict[str, str]
    # What to do with the executed notebook where it ran (render its page): a function of
    # (notebook, target, worker resources, **keywords), the target, the keywords.
    after: tuple[Callable[..., Any], str, dict[str, Any]] | None = None
    fresh: bool = False  # a new kernel for this notebook (its stage asks for one)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _failure(exc: BaseException, timeouts: Timeouts) -> tuple[str, str, int | None]:
    """The error's name, a one-line message and the failing cell (None: not a cell's).

    A KeyboardInterrupt in a notebook is the batch's own interrupt at a time limit: the
    terminal's Ctrl-C reaches neither the workers nor their kernels (own process groups).
    """
    name = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    message = ANSI.sub("", str(exc if evalue is None else evalue)).strip()
    if name in (TIMED_OUT, "KeyboardInterrupt"):
        name = TIMED_OUT
        message = (
            f"a cell ran past its time limit (cell {timeouts.cell} s, notebook "
            f"{timeouts.notebook} s) and was interrupted"
        )
    return name, message.splitlines()[0] if message else name, getattr(exc, "cell_index", None)


def _papermill(task: Task, partial: Path, kernel) -> None:
    import papermill

    papermill.execute_notebook(
        task.notebook,
        str(partial),
        parameters=task.parameters,
        engine_name="sipm",
        kernel=kernel,
        kernel_name="python3",
        progress_bar=False,
        request_save_on_cell_execute=False,  # written once, at the end (or on an error)
        cwd=task.cwd,
        start_timeout=task.timeouts.start,
        execution_timeout=task.timeouts.cell,
        notebook_timeout=task.timeouts.notebook,
    )


def _after(task: Task, final: Path, resources: dict) -> tuple[str | None, str | None]:
    """Run the task's follow-up (its page); its failure is the job's, with the reason."""
    fn, target, keywords = task.after
    try:
        fn(final, Path(target), resources, **keywords)
    except Exception as exc:
        return "RenderError", f"rendering failed: {type(exc).__name__}: {exc}"
    return None, None


def _whole_notebook(path: Path) -> bool:
    """Whether ``path`` holds a notebook's whole JSON (a write cut short does not)."""
    try:
        json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return True


def execute_task(task: Task) -> JobRecord:
    """Run one notebook in this process's warm kernel (or a cold one); never raises for a
    failing notebook or kernel: the record says what happened."""
    final, result = Path(task.executed), Path(task.result)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.part.ipynb")
    failed_copy = final.with_suffix(".failed.ipynb")
    kernel = current_kernel() if task.warm else None
    started, clock = now(), time.perf_counter()
    name = message = cell = None
    try:
        if kernel is not None:
            kernel.prepare(fresh=task.fresh)
        _papermill(task, partial, kernel)
        os.replace(partial, final)
        failed_copy.unlink(missing_ok=True)
    except Exception as exc:  # the notebook or its kernel failed: recorded, never raised
        name, message, cell = _failure(exc, task.timeouts)
        final.unlink(missing_ok=True)
        result.unlink(missing_ok=True)
        if _whole_notebook(partial):
            os.replace(partial, failed_copy)  # kept for the analyst to open
        partial.unlink(missing_ok=True)  # cut short (a full disk): nothing half-written
    if kernel is not None:
        kernel.finished(name)
    executed_in, render_seconds = time.perf_counter() - clock, None
    if name is None and not result.exists():
        name, message = "NoResult", "the notebook ran but wrote no result file"
    if name is None and task.after is not None:
        name, message = _after(task, final, kernel.resources if kernel else {})
        render_seconds = round(time.perf_counter() - clock - executed_in, 3)
    out = Path(task.out)
    ok = name is None
    notebook = final if ok else failed_copy if failed_copy.exists() else None
    return JobRecord(
        job_id=task.job_id,
        **task.identity,
        status=OK if ok else FAILED,
        fingerprint=task.fingerprint,
        seconds=round(executed_in, 3),
        render_seconds=render_seconds,
        parameters=task.parameters,
        notebook=str(notebook.relative_to(out)) if notebook else None,
        result=str(result.relative_to(out)) if ok else None,
        error_name=name,
        error=message,
        failing_cell=cell,
        started=started,
        finished=now(),
        versions=task.versions,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
