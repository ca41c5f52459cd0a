"""Broken state is repaired or named, never a traceback (issue 21 §5): a manifest that is
not one is set aside with a one-line warning and its jobs run again; a result cut short
is not up to date; a lock that cannot be read, or whose pid is now another process's, is
taken over."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from sipm_helpers.batch.lock import FolderLocked, _started, folder_lock
from sipm_helpers.batch.manifest import OK, BrokenState, JobRecord, Manifest
from sipm_helpers.batch.runner import is_up_to_date
from sipm_helpers.paths import parameters_dir


@pytest.mark.parametrize(
    "text", ["[]", '{"version": 2, "jobs": []}', '{"version": 2, "jobs": {"a": 1}}', '{"vers']
)
def test_a_manifest_that_is_not_one_is_set_aside(tmp_path, text):
    path = tmp_path / "manifest.json"
    path.write_text(text, "utf-8")
    with pytest.warns(BrokenState, match="set aside as manifest.json.broken"):
        manifest = Manifest.load(path)
    assert manifest.records == {} and not path.exists()
    assert (tmp_path / "manifest.json.broken").read_text("utf-8") == text  # nothing lost
    path.write_text(text, "utf-8")
    with pytest.warns(BrokenState, match="broken2"):
        Manifest.load(path)


def test_the_command_line_names_a_broken_manifest_in_one_line(tiny_dir, tmp_path, capsys):
    from sipm_helpers.cli import main

    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("[]", "utf-8")
    plan = str(parameters_dir() / "plans" / "demo.yaml")
    assert main(["plan", plan, "--data", str(tiny_dir), "--out", str(out), "--lang", "en"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: ") and "manifest.json.broken" in err[0]
    assert "Traceback" not in "\n".join(err)


def test_a_result_cut_short_is_run_again(tmp_path):
    (tmp_path / "r.json").write_text('{"schema": "sipm.self_evaluation", "sco', "utf-8")
    (tmp_path / "n.ipynb").write_text("{}", "utf-8")
    record = JobRecord("a", "self_evaluation", "f", "r", 2025, "en", OK, "print", 1.0,
                       notebook="n.ipynb", result="r.json")  # fmt: skip
    assert not is_up_to_date(record, "print", tmp_path)
    (tmp_path / "r.json").write_text('{"schema": "sipm.self_evaluation"}', "utf-8")
    assert is_up_to_date(record, "print", tmp_path)


def test_a_lock_that_cannot_be_read_or_names_another_process_is_taken_over(tmp_path):
    lock = tmp_path / ".sipm-batch.lock"
    for holder in ("not json", json.dumps({"pid": "abc"}), json.dumps([1])):
        lock.write_text(holder, "utf-8")
        with folder_lock(tmp_path):
            assert json.loads(lock.read_text("utf-8"))["pid"] == os.getpid()
    # the pid of a process that runs, but not the one that took the lock
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock.write_text(json.dumps({"pid": other.pid, "process_start": "1"}), "utf-8")
        with folder_lock(tmp_path):
            pass
        started = _started(other.pid)
        assert started is not None
        lock.write_text(json.dumps({"pid": other.pid, "process_start": started}), "utf-8")
        with pytest.raises(FolderLocked, match=f"pid {other.pid}"), folder_lock(tmp_path):
            pass
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "the disk quota is used up"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_a_write_that_fails_for_a_cause_a_person_mends_is_one_line(
    tmp_path, capsys, monkeypatch, code, cause
):
    import sipm_helpers.cli as cli

    def failing(args, text):
        raise OSError(code, os.strerror(code), str(tmp_path / "run" / "manifest.json"))

    monkeypatch.setattr(cli, "cmd_validate", failing)
    assert cli.main(["validate", str(tmp_path)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: cannot write to {tmp_path / 'run'}: {cause}; finished work is kept: free "
        "the space or fix the folder, then run the same command again"
    )


def test_another_os_error_is_not_dressed_up_as_one(tmp_path, monkeypatch):
    import sipm_helpers.cli as cli

    def failing(args, text):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(cli, "cmd_validate", failing)
    with pytest.raises(OSError):
        cli.main(["validate", str(tmp_path)])


@pytest.mark.notebook
def test_a_full_disk_mid_batch_is_one_line_and_the_rerun_finishes(
    tiny_dir, tmp_path, capsys, monkeypatch
):
    """The manifest's third write fails as on a full disk: exit 2, one line naming the
    folder and the cause, no half-written file, a manifest that reads; once the cause is
    gone, the same command finishes the rest."""
    code, cause = errno.ENOSPC, "the disk is full"
    import sipm_helpers.batch.manifest as manifest_module
    from sipm_helpers.cli import EXIT_BAD_INPUT, main

    real, writes = manifest_module.atomic_write_text, []

    def failing(path, text):
        writes.append(path)
        if len(writes) == 3:
            raise OSError(code, os.strerror(code), str(path))
        real(path, text)

    out = tmp_path / "run"
    argv = ["demo", "--data", str(tiny_dir), "--out", str(out), "--formats", "html",
            "--quiet", "--workers", "2", "--lang", "en"]  # fmt: skip
    monkeypatch.setattr(manifest_module, "atomic_write_text", failing)
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert cause in err and str(out) in err
    assert not [p for p in out.rglob("*.part*")]  # nothing half-written
    assert not (out / ".sipm-batch.lock").exists()
    json.loads((out / "manifest.json").read_text("utf-8"))
    monkeypatch.setattr(manifest_module, "atomic_write_text", real)
    assert main(argv) == 0
    records = Manifest.load(out / "manifest.json").records
    assert len(records) == 20 and all(r.status == OK for r in records.values())


def test_a_notebook_cut_short_by_a_full_disk_leaves_no_half_written_file(tmp_path, monkeypatch):
    """papermill writes half the executed notebook, then the disk is full: the job is
    recorded as failed with the cause, and neither the partial notebook nor a "failed"
    copy that is not whole JSON is left behind."""
    import sipm_helpers.batch.task as task_module
    from sipm_helpers.batch.task import Task, Timeouts, execute_task
    from sipm_helpers.paths import PROJECT_DIR

    def half_written(task, partial, kernel):
        partial.write_text('{"cells": [', "utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(task_module, "_papermill", half_written)
    out = tmp_path / "run"
    job = Task(
        job_id="test/full", identity={"stage": "test", "fund": "f", "region": "r",
        "when": 2025, "lang": "en"}, notebook="nb.ipynb", executed=str(out / "full.ipynb"),
        result=str(out / "full.json"), out=str(out), parameters={}, fingerprint="x",
        timeouts=Timeouts(), warm=False, cwd=str(PROJECT_DIR), versions={},
    )  # fmt: skip
    record = execute_task(job)
    assert record.status == "failed" and "No space left" in record.error
    assert record.notebook is None
    assert [p.name for p in out.iterdir()] == []


def test_a_tasks_error_comes_back_from_a_worker_whole():
    """The pool pickles a task's error back from its worker process: all three parts."""
    import pickle

    from sipm_helpers.batch.worker import TaskError

    back = pickle.loads(pickle.dumps(TaskError("OSError", "no space", "Traceback ...")))
    assert (back.name, back.message, back.trace) == ("OSError", "no space", "Traceback ...")
