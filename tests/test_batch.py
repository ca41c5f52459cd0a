"""Batch execution: plan, parallel papermill runs, failures recorded, reruns skip what is done."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sipm_helpers.batch.manifest import FAILED, OK, Manifest
from sipm_helpers.batch.plan import Job, self_evaluation_plan, slug
from sipm_helpers.batch.runner import run_jobs

pytestmark = pytest.mark.notebook


def test_plan_covers_pairs_with_data_and_lays_out_files(tiny, tmp_path):
    jobs = self_evaluation_plan(tiny, 2025, data="/d")
    assert {(j.fund, j.region) for j in jobs} == {
        ("employee_medical", "110100"),
        ("employee_medical", "110200"),
        ("work_injury", "110000"),
    }
    job = next(j for j in jobs if j.region == "110100")
    assert (
        job.html_path(tmp_path)
        == tmp_path / "site/self_evaluation/2025/employee_medical/110100-alpha-city.html"
    )
    params = job.papermill_parameters(tmp_path)
    assert params["region"] == "110100" and isinstance(params["region"], str)  # no 001 → 1
    assert slug("Jinhe City (金河)") == "jinhe-city"
    zh = self_evaluation_plan(tiny, 2025, langs=("zh",))[0]
    assert zh.stem().endswith(".zh") and zh.job_id.endswith("/zh")


def test_failures_are_recorded_the_rest_finish_and_reruns_skip(tiny, tiny_dir, tmp_path):
    good = self_evaluation_plan(tiny, 2025, data=str(tiny_dir), funds=["employee_medical"])
    bad = replace(good[0], region="999999", region_slug="nowhere")
    jobs = [*good, bad]
    seen = []
    manifest = run_jobs(
        jobs, tmp_path, workers=2, on_done=lambda rec, skipped: seen.append((rec.job_id, skipped))
    )
    records = manifest.records
    assert [records[j.job_id].status for j in good] == [OK, OK]
    failed = records[bad.job_id]
    assert failed.status == FAILED and "not a coordinating region" in failed.error
    assert (tmp_path / failed.notebook).name.endswith(".failed.ipynb")  # kept for the analyst
    assert not bad.result_path(tmp_path).exists()
    for job in good:
        result = json.loads(job.result_path(tmp_path).read_text())
        assert result["region"] == job.region and result["summary"]["total"] > 0
    assert not list(tmp_path.rglob("*.part*"))  # nothing half-written
    on_disk = Manifest.load(tmp_path / "manifest.json")
    assert on_disk.records[bad.job_id].status == FAILED

    seen.clear()
    run_jobs(
        jobs, tmp_path, workers=2, on_done=lambda rec, skipped: seen.append((rec.job_id, skipped))
    )
    assert dict(seen) == {good[0].job_id: True, good[1].job_id: True, bad.job_id: False}


def test_a_changed_parameter_reruns_the_job(tiny, tiny_dir, tmp_path):
    job = self_evaluation_plan(tiny, 2025, data=str(tiny_dir), funds=["work_injury"])[0]
    run_jobs([job], tmp_path, workers=1)
    seen = []
    changed = Job(
        job.stage,
        job.fund,
        job.region,
        job.region_slug,
        job.year,
        job.lang,
        job.data,
        {"year": 2024},
    )
    run_jobs([changed], tmp_path, workers=1, on_done=lambda rec, skipped: seen.append(skipped))
    assert seen == [False]
