"""Batch execution: plan, parallel papermill runs, failures recorded, reruns skip what is done."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sipm_helpers.batch.manifest import FAILED, OK, Manifest
from sipm_helpers.batch.plan import Scope, slug, stage_jobs
from sipm_helpers.batch.runner import RunOptions
from sipm_helpers.batch.runner import run_jobs as _run_jobs
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.stages.registry import STAGES


def self_evaluation_plan(ds, year, *, data="", langs=("en",), funds=None):
    scope = Scope(funds=tuple(funds) if funds else None)
    return stage_jobs(ds, STAGES["self_evaluation"], year, scope=scope, langs=langs, data=data)


def monitoring_plan(ds, year, month):
    return stage_jobs(ds, STAGES["monitoring"], f"{year}-{month:02d}")


def target_review_plan(ds, year):
    return stage_jobs(ds, STAGES["target_review"], year)


def run_jobs(jobs, out, ds, **options):
    on_done = options.pop("on_done", None)
    return _run_jobs(jobs, out, ds, RunOptions(**options), on_done=on_done)


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
    params = job.parameters(tmp_path)
    assert params["region"] == "110100" and isinstance(params["region"], str)  # no 001 → 1
    assert slug("Jinhe City (金河)") == "jinhe-city"
    zh = self_evaluation_plan(tiny, 2025, langs=("zh",))[0]
    assert zh.stem().endswith(".zh") and zh.job_id.endswith("/zh")


def test_failures_are_recorded_the_rest_finish_and_reruns_skip(tiny, tiny_dir, tmp_path):
    good = self_evaluation_plan(tiny, 2025, data=str(tiny_dir), funds=["employee_medical"])
    bad = replace(good[0], region="110000", region_slug="testshire")  # pools no employee_medical
    jobs = [*good, bad]
    seen = []
    manifest = run_jobs(
        jobs,
        tmp_path,
        tiny,
        workers=2,
        on_done=lambda rec, skipped: seen.append((rec.job_id, skipped)),
    )
    records = manifest.records
    assert [records[j.job_id].status for j in good] == [OK, OK]
    failed = records[bad.job_id]
    assert failed.status == FAILED and "not a coordinating region" in failed.error
    assert failed.failing_cell is not None and failed.error_name
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
        jobs,
        tmp_path,
        tiny,
        workers=2,
        on_done=lambda rec, skipped: seen.append((rec.job_id, skipped)),
    )
    assert dict(seen) == {good[0].job_id: True, good[1].job_id: True, bad.job_id: False}


def test_a_changed_parameter_reruns_the_job(tiny, tiny_dir, tmp_path):
    job = self_evaluation_plan(tiny, 2025, data=str(tiny_dir), funds=["work_injury"])[0]
    run_jobs([job], tmp_path, tiny, workers=1)
    seen = []
    changed = replace(job, lang="zh")
    run_jobs([job, changed], tmp_path, tiny, workers=1, on_done=lambda r, s: seen.append(s))
    assert sorted(seen) == [False, True]


def test_publish_renders_reports_lists_failures_and_skips_fresh_pages(
    tiny, tiny_dir, ctx, tmp_path
):
    from sipm_helpers.render.publish import publish

    good = self_evaluation_plan(tiny, 2025, data=str(tiny_dir), funds=["work_injury"])
    bad = replace(good[0], region="110100", region_slug="alpha-city")  # pools no work_injury
    manifest = run_jobs([*good, bad], tmp_path, tiny, workers=2)
    published = publish([*good, bad], manifest, tmp_path, tiny, ctx, formats=("html",))
    assert [e.status for e in published.entries] == ["ok", "failed"]
    index = published.index.read_text(encoding="utf-8")
    assert "Testshire" in index and "not a coordinating region" in index
    page = good[0].html_path(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert "Testshire" in html and "report.summary()" not in html and "Traceback" not in html
    assert Manifest.load(tmp_path / "manifest.json").records[good[0].job_id].html == str(
        page.relative_to(tmp_path)
    )
    before = page.stat().st_mtime_ns
    publish([*good, bad], manifest, tmp_path, tiny, ctx, formats=("html",))
    assert page.stat().st_mtime_ns == before  # up to date: not rendered again


def test_demo_command_exits_1_when_a_report_fails_and_finishes_the_rest(
    tiny, tiny_dir, tmp_path, monkeypatch, capsys
):
    import sipm_helpers.cli as cli
    from sipm_helpers.cli import EXIT_FAILURES, main

    real = cli._jobs

    def with_a_bad_job(plan):
        ctx, ds, jobs = real(plan)
        wi = next(j for j in jobs if j.stage == "self_evaluation" and j.fund == "work_injury")
        return ctx, ds, [*jobs, replace(wi, region="110100", region_slug="alpha-city")]

    monkeypatch.setattr(cli, "_jobs", with_a_bad_job)
    options = ["--formats", "html", "--quiet", "--workers", "2", "--lang", "en"]
    code = main(["demo", "--data", str(tiny_dir), "--out", str(tmp_path), *options])
    out = capsys.readouterr().out
    assert code == EXIT_FAILURES
    # four target reviews (one the province's own), three monitoring reports (2025-12, the
    # latest month of the data), three self-evaluations, one of them bad, and Testshire's
    # two provincial evaluations, its report to the centre and the three feedback letters,
    # its and the country's disclosures, the centre's notice and its letter to Testshire
    # (the bad job is nobody's: they wait for the good ones)
    assert (
        "20 of 21 reports published" in out and "FAILED self_evaluation work_injury 110100" in out
    )
    assert "notebooks: ok 20, failed 1" in out
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr class="province-group" data-group="110000">') == 1
    # each self-evaluation and its feedback letter link to each other
    mine = "2025/employee_medical/110100-alpha-city.html"
    assert f'<a href="feedback_letter/{mine}">Feedback letter</a>' in index
    assert f'<a href="self_evaluation/{mine}">Self-evaluation</a>' in index
    items = "provincial_evaluation/2025/employee_medical/110000-testshire.rectification.csv"
    assert (tmp_path / "site" / items).exists()
    assert f'<a href="{items}">Rectification items (CSV)</a>' in index
    papers = items.replace(".rectification.csv", ".papers.xlsx")  # the working papers
    assert (tmp_path / "site" / papers).read_bytes()[:2] == b"PK"  # a workbook (zip)
    assert f'<a href="{papers}">Working papers</a>' in index
    assert '<a href="compare.html">Regions compared</a>' in index
    compare = (tmp_path / "site" / "compare.html").read_text(encoding="utf-8")
    assert f'<a href="self_evaluation/{mine}">Alpha City</a>' in compare
    records = Manifest.load(tmp_path / "manifest.json").records.values()
    ok = [r for r in records if r.status == "ok"]
    assert all(r.seconds > 0 and r.render_seconds > 0 for r in ok)  # run, then its page
    assert all(r.render_seconds is None for r in records if r.status != "ok")
    # Again with the command line in Chinese (the English reports are up to date): the
    # summary is in Chinese.
    code = main(["--lang", "zh", "demo", "--data", str(tiny_dir), "--out", str(tmp_path),
                 *options])  # fmt: skip
    out = capsys.readouterr().out
    assert code == EXIT_FAILURES
    assert "21 份报告中已发布 20 份（html）" in out and "笔记本：已是最新 20，失败 1" in out
    assert "失败 self_evaluation work_injury 110100：" in out and "索引页：" in out
    assert "reports published" not in out


def test_monitoring_plan_and_period_parsing(tiny, tmp_path):
    from sipm_helpers.stages.parameters import parse_period

    assert parse_period("2026-10") == (2026, 10) and parse_period("2026q3") == (2026, 9)
    for bad in ("2026-13", "2026/10", "Q3"):
        with pytest.raises(ValueError, match="period"):
            parse_period(bad)
    jobs = monitoring_plan(tiny, 2025, 12)
    assert len(jobs) == 3 and {j.stage for j in jobs} == {"monitoring"}
    job = next(j for j in jobs if j.region == "110000")
    assert job.job_id == "monitoring/2025-12/work_injury/110000/en"
    assert (
        job.html_path(tmp_path).relative_to(tmp_path).as_posix()
        == "site/monitoring/2025-12/work_injury/110000-testshire.html"
    )
    params = job.parameters(tmp_path)
    assert params["period"] == "2025-12" and "year" not in params
    assert monitoring_plan(tiny, 2026, 1) == []  # no budget and no data for 2026
    # Late data are monitored all the same: the report says they are late.
    e = tiny.execution
    late = (e["region_code"] == "110100") & (e["year"] == 2025) & (e["month"] > 8)
    cut = Dataset(**{**tiny.__dict__, "execution": e.loc[~late]})
    assert {j.region for j in monitoring_plan(cut, 2025, 12)} == {"110000", "110100", "110200"}


def test_target_review_plan_covers_budgeted_pairs(tiny, tmp_path):
    jobs = target_review_plan(tiny, 2025)
    assert {(j.fund, j.region) for j in jobs} == {
        ("employee_medical", "110100"),
        ("employee_medical", "110200"),
        ("work_injury", "110000"),
        ("employee_medical", "110000"),  # the province's own targets for the prefectures' fund
    }
    job = jobs[0]
    assert (
        job.notebook.name == "01_target_review.ipynb" and job.parameters(tmp_path)["year"] == 2025
    )
    assert target_review_plan(tiny, 2030) == []
