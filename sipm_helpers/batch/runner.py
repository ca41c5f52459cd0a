"""Parallel execution of planned notebooks with papermill.

Each job runs in a worker process (papermill imported once per worker, not once per
notebook), writes its executed notebook through a temporary file and a rename, and is
recorded in the manifest as soon as it ends. A failed notebook is recorded with its
error and does not stop the others. A rerun skips every job whose fingerprint (notebook,
parameters, data, parameter files and package code) is unchanged and whose outputs exist.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path

from sipm_helpers.batch.manifest import FAILED, OK, JobRecord, Manifest
from sipm_helpers.batch.plan import Job
from sipm_helpers.paths import PACKAGE_DIR, PROJECT_DIR, demo_data_dir, parameters_dir

CELL_TIMEOUT = 600  # seconds a single cell may run before the notebook is failed
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def tree_digest(paths: Iterable[Path], patterns: Sequence[str] = ("*",)) -> str:
    """SHA-256 over the names and bytes of every file under ``paths`` matching ``patterns``."""
    h = hashlib.sha256()
    for root in paths:
        files = (
            [root]
            if root.is_file()
            else sorted(f for p in patterns for f in root.rglob(p) if f.is_file())
        )
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(root.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def environment_digest(data: str) -> str:
    """What every job of a batch depends on besides its own parameters."""
    data_path = Path(data) if data else demo_data_dir()
    return tree_digest(
        [data_path, parameters_dir(), PACKAGE_DIR],
        ("*.csv", "*.parquet", "*.xlsx", "*.yaml", "*.py", "*.j2", "*.css"),
    )


def job_fingerprint(job: Job, out: Path, environment: str) -> str:
    """Fingerprint of one job: its notebook, its parameters and the environment digest."""
    h = hashlib.sha256()
    h.update(job.notebook.read_bytes())
    h.update(json.dumps(job.papermill_parameters(out), sort_keys=True).encode())
    h.update(environment.encode())
    return h.hexdigest()


def _error_text(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return ANSI.sub("", text).strip()


def execute_job(
    job: Job, out: Path, fingerprint: str, cell_timeout: int = CELL_TIMEOUT
) -> JobRecord:
    """Run one job with papermill in this process; never raises for a failing notebook."""
    import papermill  # imported in the worker: the main process does not need it

    final, result = job.executed_path(out), job.result_path(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.part.ipynb")
    failed_copy = final.with_suffix(".failed.ipynb")
    start = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            str(job.notebook),
            str(partial),
            parameters=job.papermill_parameters(out),
            kernel_name="python3",
            progress_bar=False,
            cwd=str(PROJECT_DIR),
            execution_timeout=cell_timeout,
        )
        os.replace(partial, final)
        failed_copy.unlink(missing_ok=True)
    except Exception as exc:  # a failing notebook is recorded, never raised
        error = _error_text(exc)
        final.unlink(missing_ok=True)
        result.unlink(missing_ok=True)
        if partial.exists():
            os.replace(partial, failed_copy)  # kept for the analyst to open
    ok = error is None and result.exists()
    if error is None and not ok:
        error = "the notebook ran but wrote no result file"
    return JobRecord(
        job_id=job.job_id,
        stage=job.stage,
        fund=job.fund,
        region=job.region,
        year=job.year,
        lang=job.lang,
        status=OK if ok else FAILED,
        fingerprint=fingerprint,
        seconds=round(time.perf_counter() - start, 3),
        notebook=str(final.relative_to(out))
        if ok
        else str(failed_copy.relative_to(out))
        if failed_copy.exists()
        else None,
        result=str(result.relative_to(out)) if ok else None,
        error=error,
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _quiet_worker(log_dir: str) -> None:
    """Send a worker's stderr (and so its kernels' log lines) to a file of its own,
    keeping the terminal for the progress bar; the logs stay beside the manifest."""
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(
        Path(log_dir) / f"worker-{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
    )
    os.dup2(fd, 2)
    os.close(fd)


def is_up_to_date(record: JobRecord | None, fingerprint: str, out: Path) -> bool:
    """A job is done when its last run succeeded with the same fingerprint and its files exist."""
    return (
        record is not None
        and record.status == OK
        and record.fingerprint == fingerprint
        and all((out / p).exists() for p in (record.notebook, record.result) if p)
    )


def run_jobs(
    jobs: Sequence[Job],
    out: Path,
    *,
    workers: int | None = None,
    force: bool = False,
    on_done: Callable[[JobRecord, bool], None] | None = None,
    cell_timeout: int = CELL_TIMEOUT,
) -> Manifest:
    """Execute ``jobs`` in parallel, record each in ``out/manifest.json`` and return the manifest.

    ``on_done(record, skipped)`` is called in this process as each job ends (for a progress
    bar). Jobs up to date are skipped unless ``force``.
    """
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.load(out / "manifest.json")
    environments: dict[str, str] = {}
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        env = environments.setdefault(job.data, environment_digest(job.data))
        fp = job_fingerprint(job, out, env)
        record = manifest.records.get(job.job_id)
        if not force and is_up_to_date(record, fp, out):
            if on_done:
                on_done(record, True)
            continue
        todo.append((job, fp))
    manifest.meta.update(
        {"started": datetime.now(UTC).isoformat(timespec="seconds"), "jobs": len(jobs)}
    )
    manifest.save()
    if not todo:
        return manifest
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_quiet_worker,
        initargs=(str(out / "logs"),),
    ) as pool:
        pending: set[Future] = {
            pool.submit(execute_job, job, out, fp, cell_timeout) for job, fp in todo
        }
        by_future = dict(zip(pending, todo, strict=True))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, fp = by_future[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker itself died: record, go on
                    record = JobRecord(
                        job.job_id,
                        job.stage,
                        job.fund,
                        job.region,
                        job.year,
                        job.lang,
                        FAILED,
                        fp,
                        0.0,
                        error=_error_text(exc),
                    )
                manifest.update(record)
                if on_done:
                    on_done(record, False)
    manifest.meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    manifest.save()
    return manifest
