"""The run's state in its database (issue 21 §5b): records survive a reopen, two processes
write safely, ``manifest.json`` is an export equal to the database, an older run folder's
``manifest.json`` is migrated, and a database sqlite cannot open is set aside."""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from sipm_helpers.batch import store
from sipm_helpers.batch.manifest import (
    FAILED,
    MANIFEST_VERSION,
    OK,
    BrokenState,
    JobRecord,
    Manifest,
)


def _record(job_id: str, status: str = OK) -> JobRecord:
    return JobRecord(job_id, "self_evaluation", "pension", "110000", 2025, "en", status,
                     "print", 1.5, parameters={"year": 2025}, notebook=f"{job_id}.ipynb")  # fmt: skip


def _writer(path: str, prefix: str, n: int) -> None:
    manifest = Manifest.load(Path(path))
    for i in range(n):
        manifest.update(_record(f"{prefix}{i}"))


def test_records_survive_a_reopen(tmp_path):
    path = tmp_path / "manifest.json"
    manifest = Manifest.load(path)
    manifest.update(_record("a"))
    manifest.update(_record("b", FAILED))
    assert (tmp_path / store.STATE_NAME).exists() and not path.exists()  # no export per job
    again = Manifest.load(path)
    assert again.records == {"a": _record("a"), "b": _record("b", FAILED)}


def test_two_processes_updating_different_jobs_both_land(tmp_path):
    path = tmp_path / "manifest.json"
    Manifest.load(path).save()  # the database made, as a batch's start does
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_writer, args=(str(path), p, 40)) for p in ("x", "y")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    records = Manifest.load(path).records
    assert set(records) == {f"{p}{i}" for p in ("x", "y") for i in range(40)}


def test_the_json_export_equals_the_database(tmp_path):
    path = tmp_path / "manifest.json"
    manifest = Manifest.load(path)
    for job_id in ("c", "a", "b"):
        manifest.update(_record(job_id))
    manifest.meta["started"] = "now"
    manifest.save()
    exported = json.loads(path.read_text("utf-8"))
    jobs, meta = store.read(tmp_path / store.STATE_NAME)
    assert exported == {"version": MANIFEST_VERSION, "meta": meta, "jobs": jobs}
    assert list(exported["jobs"]) == ["a", "b", "c"] and meta == {"started": "now"}


def test_an_old_manifest_only_folder_is_migrated(tmp_path):
    path = tmp_path / "manifest.json"
    old = {"a": asdict(_record("a")), "b": asdict(_record("b"))}
    path.write_text(json.dumps({"version": MANIFEST_VERSION, "meta": {}, "jobs": old}), "utf-8")
    manifest = Manifest.load(path)
    assert set(manifest.records) == {"a", "b"}
    manifest.update(replace(_record("c")))  # the first write migrates the others
    path.unlink()  # the database alone is the truth now
    assert set(Manifest.load(path).records) == {"a", "b", "c"}


def test_a_corrupt_database_is_set_aside_with_a_warning(tmp_path):
    path = tmp_path / "manifest.json"
    database = tmp_path / store.STATE_NAME
    database.write_bytes(b"not a database at all" * 100)
    with pytest.warns(BrokenState, match=f"set aside as {store.STATE_NAME}.broken"):
        manifest = Manifest.load(path)
    assert manifest.records == {} and not database.exists()
    assert (tmp_path / f"{store.STATE_NAME}.broken").exists()  # nothing lost
    manifest.update(_record("a"))  # its jobs run again, recorded in a new one
    assert set(Manifest.load(path).records) == {"a"}
