"""Running a batch: check every job, skip those up to date, run the rest on an executor in
the order their dependencies allow, and record each in the manifest as soon as it ends.

Each notebook runs in a worker's warm kernel (``kernels="cold"``: a new kernel each, as
plain papermill) with a cell and a whole-notebook time limit; its executed notebook is
written to a temporary name and renamed into place. A failed notebook is recorded with
its error and the failing cell, and the others go on; a job whose kernel or worker died is
retried (``retries``). Ctrl-C cancels what is queued, stops what runs, records both and
raises ``BatchInterrupted``; the same command later reruns only what is not done.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sipm_helpers.batch.fingerprint import job_fingerprints, suite_digest
from sipm_helpers.batch.lock import folder_lock
from sipm_helpers.batch.manifest import FAILED, OK, JobRecord, Manifest
from sipm_helpers.batch.plan import Job, PlanError, dependencies
from sipm_helpers.batch.planfile import Timeouts
from sipm_helpers.batch.pool import WorkerPool
from sipm_helpers.batch.task import Task, execute_task, now
from sipm_helpers.batch.worker import WorkerOptions
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import refusal
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.errors import BatchInterrupted
from sipm_helpers.paths import PROJECT_DIR
from sipm_helpers.stages.parameters import StageParameterError, check_names, check_values

RETRIED = ("DeadKernelError", "KernelFailure", "WorkerDied")
GRACE = 120  # seconds past the notebook's limit before its worker is killed


# Given a job, what its worker does with the executed notebook: (function, target, keywords).
After = Callable[[Job], tuple[Callable[..., Any], str, dict[str, Any]]]


@dataclass(frozen=True)
class RunOptions:
    workers: int | None = None
    force: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    retries: int = 1
    kernels: str = "warm"
    restart_every: int = 50


def check_jobs(jobs: Sequence[Job], out: Path, ctx: Context, ds: Dataset) -> None:
    """Check every job's parameters against its notebook's declarations and the data, and
    that each of its outputs lies inside ``out``: PlanError naming the job, before anything
    runs."""
    root = out.resolve()
    for job in jobs:
        declared = job.definition.parameters
        parameters = job.parameters(out)
        try:
            check_names(declared, parameters)
            check_values(declared, parameters, ctx, ds)
        except StageParameterError as exc:
            raise PlanError(f"job {job.job_id}: {exc}") from None
        for path in (job.executed_path(out), job.html_path(out), job.pdf_path(out)):
            if not path.resolve().is_relative_to(root):
                raise PlanError(f"job {job.job_id}: its output {path} would leave {root}")
    # what publishing writes besides the jobs' own files: the site, its index, the records
    for path in (out / "site", out / "site" / "index.html", out / "published.json"):
        if not path.resolve().is_relative_to(root):  # a link to a folder elsewhere
            raise PlanError(
                f"{path} leads outside {root} ({path.resolve()}): nothing is written there"
            )


def versions() -> dict[str, str]:
    """The package's and Python's versions and the project's git commit, where there is one."""
    found = {"sipm": metadata.version("sipm"), "python": platform.python_version()}
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if commit.returncode == 0:
            found["commit"] = commit.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return found


def is_up_to_date(record: JobRecord | None, fingerprint: str, out: Path) -> bool:
    """A job is done when its last run succeeded with the same fingerprint, its notebook
    exists and its result reads as JSON (a result cut short runs again)."""
    return (
        record is not None
        and record.status == OK
        and record.fingerprint == fingerprint
        and (not record.notebook or (out / record.notebook).exists())
        and (not record.result or _readable_result(out / record.result))
    )


def _readable_result(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    except (OSError, ValueError):
        return False


def _task(
    job: Job, out: Path, fingerprint: str, options: RunOptions, env: dict, after: After | None
) -> Task:
    identity = {"stage": job.stage, "fund": job.fund, "region": job.region, "when": job.when}
    return Task(
        job_id=job.job_id,
        identity={**identity, "lang": job.lang},
        notebook=str(job.notebook),
        executed=str(job.executed_path(out)),
        result=str(job.result_path(out)),
        out=str(out),
        parameters=job.parameters(out),
        fingerprint=fingerprint,
        timeouts=options.timeouts,
        warm=options.kernels == "warm",
        cwd=str(PROJECT_DIR),
        versions=env,
        after=after(job) if after else None,
        fresh=job.definition.fresh_kernel,
    )


def _lost(job: Job, fingerprint: str, exc: BaseException, parameters: dict) -> JobRecord:
    """The record of a job whose worker failed to report (it died, or was killed)."""
    return JobRecord(
        job.job_id, job.stage, job.fund, job.region, job.when, job.lang, FAILED, fingerprint,
        0.0, parameters=parameters, error_name=type(exc).__name__, error=str(exc),
        finished=now(),
    )  # fmt: skip


def _clean_partials(out: Path) -> None:
    """Remove temporary files a killed batch left (ours: dot-named, '.part' in the name)."""
    for folder in (out / "runs", out / "site"):
        if folder.exists():
            for f in folder.rglob(".*.part*"):
                f.unlink(missing_ok=True)


def _default_executor(options: RunOptions, todo: int, out: Path) -> WorkerPool:
    workers = max(1, min(options.workers or os.cpu_count() or 1, todo))
    return WorkerPool(
        workers,
        WorkerOptions(
            log_dir=str(out / "logs"),
            warm=options.kernels == "warm",
            start_timeout=options.timeouts.start,
            restart_every=options.restart_every,
        ),
        hard_timeout=options.timeouts.notebook + options.timeouts.start + GRACE,
    )


@dataclass
class _Batch:
    """The state of one run: what waits, what runs, and where it is recorded."""

    jobs: dict[str, Job]
    waits: dict[str, set[str]]
    tasks: dict[str, Task]
    manifest: Manifest
    executor: Executor
    retries: int
    on_done: Callable[[JobRecord, bool], None] | None
    running: dict[Future, str]
    attempts: dict[str, int]

    def submit_ready(self) -> None:
        ready = [j for j, w in self.waits.items() if not w]
        for job_id in ready:
            del self.waits[job_id]
            self._submit(job_id)

    def _submit(self, job_id: str) -> None:
        self.attempts[job_id] = self.attempts.get(job_id, 0) + 1
        self.running[self.executor.submit(execute_task, self.tasks[job_id])] = job_id

    def collect(self, future: Future) -> None:
        job_id = self.running.pop(future)
        job, task = self.jobs[job_id], self.tasks[job_id]
        try:
            record = future.result()
        except Exception as exc:  # the worker died or was killed: this task alone fails
            record = _lost(job, task.fingerprint, exc, task.parameters)
        record.attempts = self.attempts[job_id]
        retry = record.status == FAILED and record.error_name in RETRIED
        if retry and self.attempts[job_id] <= self.retries:
            self._submit(job_id)
            return
        self.record(record)
        for waits in self.waits.values():
            waits.discard(job_id)

    def record(self, record: JobRecord, skipped: bool = False) -> None:
        if not skipped:
            self.manifest.update(record)
        if self.on_done:
            self.on_done(record, skipped)

    def interrupt(self) -> BatchInterrupted:
        """Stop: cancel the queue, stop what runs and record it as interrupted; a job that
        had finished is recorded as it ended. A second Ctrl-C meanwhile is ignored, so the
        records are written."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if isinstance(self.executor, WorkerPool):
                stopped = set(self.executor.terminate())
            else:
                stopped = {f for f in self.running if not f.cancel()}
            for future, job_id in self.running.items():
                if future.cancelled():
                    continue
                if future in stopped or not future.done() or future.exception() is not None:
                    job, task = self.jobs[job_id], self.tasks[job_id]
                    cause = KeyboardInterrupt("interrupted by the user (Ctrl-C)")
                    self.record(_lost(job, task.fingerprint, cause, task.parameters))
                else:
                    self.record(future.result())
        finally:
            signal.signal(signal.SIGINT, previous)
        waiting = len(self.waits) + len(self.running) - len(stopped)
        return refusal("error_interrupted", BatchInterrupted, stopped=len(stopped), waiting=waiting)


def _inputs(
    jobs: Sequence[Job], ds: Dataset, out: Path
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """What each job waits for, and each job's fingerprint."""
    waits = dependencies(jobs, ds)
    return waits, job_fingerprints(jobs, ds, out, waits, suite_digest())


def _plan(
    jobs: Sequence[Job],
    out: Path,
    ds: Dataset,
    manifest: Manifest,
    options: RunOptions,
    on_done,
    after: After | None,
    env: dict[str, str],
) -> tuple[dict[str, Task], dict[str, set[str]]]:
    """The tasks to run (up-to-date jobs are reported as skipped) and what each waits for."""
    waits, prints = _inputs(jobs, ds, out)
    tasks: dict[str, Task] = {}
    for job in jobs:
        record = manifest.records.get(job.job_id)
        if not options.force and is_up_to_date(record, prints[job.job_id], out):
            if on_done:
                on_done(record, True)
            continue
        tasks[job.job_id] = _task(job, out, prints[job.job_id], options, env, after)
    return tasks, {j: set(waits[j]) & set(tasks) for j in tasks}


def run_jobs(
    jobs: Sequence[Job],
    out: Path,
    ds: Dataset,
    options: RunOptions = RunOptions(),
    *,
    executor: Executor | None = None,
    on_done: Callable[[JobRecord, bool], None] | None = None,
    after: After | None = None,
) -> Manifest:
    """Run ``jobs`` (checked beforehand with ``check_jobs``), record each in the run's
    database as it ends (exported to ``out/manifest.json`` at the start and the end, even
    of an interrupted batch) and return the manifest. ``on_done(record, skipped)`` is called
    in this process as each job ends or is found up to date; ``after(job)`` says what a
    worker does with a notebook that ran well (render its page, in parallel)."""
    out = out.resolve()
    with folder_lock(out):
        _clean_partials(out)
        manifest = Manifest.load(out / "manifest.json")
        env = versions()
        tasks, waits = _plan(jobs, out, ds, manifest, options, on_done, after, env)
        manifest.meta.update({"started": now(), "jobs": len(jobs), "versions": env})
        manifest.save()
        try:
            if tasks:
                own = executor is None
                pool = executor or _default_executor(options, len(tasks), out)
                batch = _Batch(
                    {j.job_id: j for j in jobs}, waits, tasks, manifest, pool, options.retries,
                    on_done, {}, {},
                )  # fmt: skip
                _drive(batch, own)
            manifest.meta["finished"] = now()
        finally:  # the export for people, also of an interrupted or failed batch
            manifest.save()
    return manifest


def _drive(batch: _Batch, own_executor: bool) -> None:
    try:
        batch.submit_ready()
        while batch.running:
            done, _ = wait(list(batch.running), return_when=FIRST_COMPLETED)
            for future in done:
                batch.collect(future)
            batch.submit_ready()
        for job_id in list(batch.waits):  # waiting on a job that never finished
            raise RuntimeError(f"{job_id} waits for jobs that are not in the batch")
    except KeyboardInterrupt:
        raise batch.interrupt() from None
    finally:
        if own_executor:
            batch.executor.shutdown(wait=True, cancel_futures=True)


def preview(jobs: Sequence[Job], out: Path, ds: Dataset) -> list[tuple[str, str, int, int]]:
    """Per stage and fund: the jobs of the plan and how many are up to date."""
    out = out.resolve()
    manifest = Manifest.load(out / "manifest.json")
    _, prints = _inputs(jobs, ds, out)
    rows: dict[tuple[str, str], list[int]] = {}
    for job in jobs:
        row = rows.setdefault((job.stage, job.fund), [0, 0])
        row[0] += 1
        row[1] += is_up_to_date(manifest.records.get(job.job_id), prints[job.job_id], out)
    return [(stage, fund, n, fresh) for (stage, fund), (n, fresh) in rows.items()]
