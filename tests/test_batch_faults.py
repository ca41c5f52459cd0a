"""The batch engine under faults: warm kernels that leak nothing from one notebook to the
next, cell and notebook time limits, a kernel or a worker process killed mid-run, Ctrl-C,
kill -9 of the batch and a rerun, two batches on one folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from sipm_helpers.batch.manifest import FAILED, OK, Manifest
from sipm_helpers.batch.planfile import Timeouts
from sipm_helpers.batch.pool import WorkerPool
from sipm_helpers.batch.task import Task, execute_task
from sipm_helpers.batch.worker import WorkerOptions
from sipm_helpers.paths import PROJECT_DIR

pytestmark = pytest.mark.notebook
NOTEBOOKS = Path(__file__).parent / "notebooks"
SIPM = [sys.executable, "-m", "sipm_helpers.cli"]


def task(out: Path, name: str, notebook: str, timeouts: Timeouts, warm=True, **parameters):
    return Task(
        job_id=f"test/{name}",
        identity={"stage": "test", "fund": "f", "region": name, "when": 2025, "lang": "en"},
        notebook=str(NOTEBOOKS / notebook),
        executed=str(out / f"{name}.ipynb"),
        result=str(out / f"{name}.json"),
        out=str(out),
        parameters={**parameters, "result_path": str(out / f"{name}.json")},
        fingerprint=name,
        timeouts=timeouts,
        warm=warm,
        cwd=str(PROJECT_DIR),
        versions={},
    )


def run(tasks: list[Task], workers: int, **pool_options) -> dict[str, object]:
    """Each task's record, or the exception its future raised."""
    options = WorkerOptions(log_dir=str(Path(tasks[0].out) / "logs"))
    pool = WorkerPool(workers, options, **pool_options)
    futures = {t.job_id: pool.submit(execute_task, t) for t in tasks}
    pool.shutdown(wait=True)
    return {k: f.exception() or f.result() for k, f in futures.items()}


def test_a_warm_kernel_shows_the_next_notebook_nothing_of_the_last(tmp_path):
    timeouts = Timeouts(cell=120, notebook=300)
    tasks = [
        task(tmp_path, "a", "isolation_a.ipynb", timeouts),
        task(tmp_path, "b", "isolation_b.ipynb", timeouts),
        task(tmp_path, "b-cold", "isolation_b.ipynb", timeouts, warm=False),
    ]
    records = run(tasks, workers=1)
    assert [records[t.job_id].status for t in tasks] == [OK, OK, OK]
    warm = json.loads((tmp_path / "b.json").read_text())
    cold = json.loads((tmp_path / "b-cold.json").read_text())
    assert warm == cold
    assert warm["globals"] == [] and warm["open_figures"] == 0 and warm["env"] is None
    assert not warm["numpy_seeded_by_a"] and not warm["path_leak"] and not warm["cwd_is_root"]
    # the cached data untouched: notebook a set every initial budget to -1.0 in its copy
    assert warm["budget_min"] != -1.0 and not warm["names_changed"]
    assert records["test/a"].worker == records["test/b"].worker  # one kernel, one worker
    outputs = nbformat.read(tmp_path / "b.ipynb", as_version=4).cells[4].outputs
    assert any("image/png" in o.get("data", {}) for o in outputs)  # figures, not text


def test_one_batch_of_healthy_and_failing_notebooks(tmp_path):
    timeouts = Timeouts(cell=4, notebook=6, start=60)
    tasks = [
        *(task(tmp_path, f"ok{i}", "fault.ipynb", timeouts, seconds=0.5) for i in range(4)),
        task(tmp_path, "raise", "fault.ipynb", timeouts, mode="raise"),
        task(tmp_path, "sleep-cell", "fault.ipynb", timeouts, mode="sleep_cell"),
        task(tmp_path, "slow-notebook", "fault.ipynb", timeouts, mode="slow_notebook", seconds=2.5),
        task(tmp_path, "kill-kernel", "fault.ipynb", timeouts, mode="kill_kernel"),
        task(tmp_path, "kill-worker", "fault.ipynb", timeouts, mode="kill_worker"),
        *(task(tmp_path, f"after{i}", "fault.ipynb", timeouts) for i in range(3)),
    ]
    records = run(tasks, workers=2)
    ok = [k for k in records if k.startswith(("test/ok", "test/after"))]
    assert all(records[k].status == OK for k in ok), {k: records[k] for k in ok}
    assert records["test/raise"].error_name == "RuntimeError"
    assert records["test/raise"].error == "planted failure"
    assert records["test/raise"].failing_cell == 3  # after papermill's injected cell
    for name in ("sleep-cell", "slow-notebook"):
        record = records[f"test/{name}"]
        assert record.status == FAILED and record.error_name == "CellTimeoutError", record
        assert "time limit (cell 4 s, notebook 6 s)" in record.error
        assert record.seconds < 60  # not the 120 s the cell asked for
    assert records["test/slow-notebook"].failing_cell == 6  # the third sleep passes 6 s
    assert records["test/kill-kernel"].error_name == "DeadKernelError"
    died = records["test/kill-worker"]
    assert type(died).__name__ == "WorkerDied" and "exit code -9" in str(died)
    # Notebooks are written once, when they end: the killed worker left nothing behind.
    assert not list(tmp_path.glob(".*part*")) and not (tmp_path / "kill-worker.ipynb").exists()
    assert (tmp_path / "raise.failed.ipynb").exists() and not (tmp_path / "raise.json").exists()


def test_a_worker_past_the_hard_limit_is_killed_and_replaced(tmp_path):
    timeouts = Timeouts(cell=100, notebook=100)
    tasks = [
        task(tmp_path, "stuck", "fault.ipynb", timeouts, mode="sleep_cell"),
        task(tmp_path, "next", "fault.ipynb", timeouts),
    ]
    records = run(tasks, workers=1, hard_timeout=30)  # a kernel start fits, 120 s do not
    assert type(records["test/stuck"]).__name__ == "WorkerTimedOut"
    assert records["test/next"].status == OK


def _start(args: list[str], out: Path) -> subprocess.Popen:
    # the test's own options come last, so they win (argparse keeps the last value)
    defaults = ["--out", str(out), "--formats", "html", "--quiet", "--workers", "2"]
    return subprocess.Popen(
        [*SIPM, args[0], *defaults, *args[1:]],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _ok_records(out: Path) -> dict:
    return {k: r for k, r in Manifest.load(out / "manifest.json").records.items() if r.status == OK}


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.5)


def _descendants(pid: int) -> set[int]:
    """The pids of every process below ``pid`` (workers and their kernels)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_batch_leaves_no_orphan_and_the_same_command_finishes(tiny_dir, tmp_path):
    out = tmp_path / "run"
    args = ["demo", "--data", str(tiny_dir), "--lang", "en"]
    batch = _start(args, out)
    _wait_for(lambda: len(_ok_records(out)) >= 2, 240)
    children = _descendants(batch.pid)
    assert len(children) >= 4  # two workers, two kernels (and the resource tracker)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    done_before = {k: r.finished for k, r in _ok_records(out).items()}
    # Workers notice their parent is gone within a second, and their kernels theirs.
    _wait_for(lambda: not [p for p in children if _alive(p)], 30)
    for f in out.rglob("*.json"):
        if f.name != "manifest.json" and not f.name.startswith("."):
            json.loads(f.read_text())  # every result whole
    rerun = _start(args, out)
    assert rerun.wait(600) == 0, rerun.stderr.read()
    after = _ok_records(out)
    # the tiny plan: 10 reports, the province's 2 evaluations, its report, 3 letters, its
    # and the country's disclosures, the centre's notice and its letter to the province
    assert len(after) == 20
    assert all(after[k].finished == t for k, t in done_before.items())  # not run again


def test_ctrl_c_stops_cleanly_and_a_second_batch_is_refused(tmp_path):
    out = tmp_path / "run"
    args = ["demo", "--lang", "en"]
    # The embedded demo in English, one worker, a new kernel a notebook: the batch still
    # runs when the Ctrl-C comes (on two busy cores the whole tiny batch once took less
    # time than the second batch took to start, and ended with 0 before the Ctrl-C).
    batch = _start([*args, "--workers", "1", "--cold-kernels"], out)
    _wait_for(lambda: (out / "manifest.json").exists(), 120)
    second = _start(args, out)
    assert second.wait(120) == 2
    assert "is in use by another sipm batch" in second.stderr.read()
    _wait_for(lambda: len(_ok_records(out)) >= 1, 240)
    os.killpg(batch.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(batch.pid, signal.SIGINT)  # a second Ctrl-C changes nothing
    assert batch.wait(120) == 130
    stderr = batch.stderr.read()
    assert "interrupted:" in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    records = Manifest.load(out / "manifest.json").records
    assert any(r.error_name == "KeyboardInterrupt" for r in records.values())
    assert not (out / ".sipm-batch.lock").exists()


def test_the_demo_plan_on_a_dask_local_cluster_matches_the_local_run(tiny_dir, tmp_path):
    from sipm_helpers.cli import main

    options = ["--data", str(tiny_dir), "--formats", "html", "--quiet", "--workers", "2",
               "--lang", "en"]  # fmt: skip
    assert main(["demo", "--out", str(tmp_path / "local"), *options]) == 0
    dask = ["--executor", "dask", "--scheduler", "local"]
    assert main(["demo", "--out", str(tmp_path / "dask"), *options, *dask]) == 0
    local, cluster = (
        {k: (r.status, r.fingerprint) for k, r in Manifest.load(tmp_path / d / "manifest.json").records.items()}
        for d in ("local", "dask")
    )  # fmt: skip
    assert local == cluster and len(local) == 20
    workers = {
        r.worker for r in Manifest.load(tmp_path / "dask" / "manifest.json").records.values()
    }
    assert len(workers) == 2  # two Dask workers, each with its warm kernel


def test_a_kernel_is_replaced_when_a_thread_survives_or_the_stage_asks(tmp_path):
    timeouts = Timeouts(cell=60, notebook=120)
    tasks = [
        task(tmp_path, "first", "fault.ipynb", timeouts),
        task(tmp_path, "same", "fault.ipynb", timeouts),
        task(tmp_path, "thread", "fault.ipynb", timeouts, mode="leave_thread"),
        task(tmp_path, "after-thread", "fault.ipynb", timeouts),
    ]
    fresh = task(tmp_path, "fresh", "fault.ipynb", timeouts)
    tasks.append(type(fresh)(**{**fresh.__dict__, "fresh": True}))
    records = run(tasks, workers=1)
    assert all(r.status == OK for r in records.values())
    pid = {t.job_id: json.loads(Path(t.result).read_text())["pid"] for t in tasks}
    assert pid["test/first"] == pid["test/same"] == pid["test/thread"]  # warm: one kernel
    assert pid["test/after-thread"] != pid["test/thread"]  # a thread was left running
    assert pid["test/fresh"] != pid["test/after-thread"]  # the stage asked for a fresh one
