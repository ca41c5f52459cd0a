"""Planning a batch without running it: the stage registry, plan files, the typed check of
every job before any kernel starts, safe file names, dependencies, fingerprints, the
manifest's merge and the folder lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import nbformat
import pytest

from sipm_helpers.batch.fingerprint import job_fingerprints
from sipm_helpers.batch.kernel import WarmKernel
from sipm_helpers.batch.lock import FolderLocked, folder_lock
from sipm_helpers.batch.manifest import JobRecord, Manifest
from sipm_helpers.batch.plan import Job, Scope, UnsafeCode, dependencies, plan_jobs
from sipm_helpers.batch.planfile import load_plan
from sipm_helpers.batch.runner import PlanError, check_jobs
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir
from sipm_helpers.stages.parameters import (
    StageParameterError,
    check_names,
    check_values,
    parameters_cell,
)
from sipm_helpers.stages.registry import STAGES, notebook_stage

ALL = dict.fromkeys(STAGES, "latest")


def test_each_stage_notebook_declares_exactly_its_registered_parameters():
    for stage in STAGES.values():
        nb = nbformat.read(stage.path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert cell.source == parameters_cell(stage.parameters), stage.notebook
        assert notebook_stage(stage.path) is stage
    with pytest.raises(KeyError, match="not a stage notebook"):
        notebook_stage("99_nothing.ipynb")


def test_demo_plan_covers_every_stage_with_latest(demo):
    plan = load_plan(parameters_dir() / "plans" / "demo.yaml")
    assert set(plan.stages) == set(STAGES) and plan.kernels == "warm"
    jobs = plan_jobs(demo, plan.stages, scope=plan.scope, langs=plan.languages)
    by_stage = {s: {j.when for j in jobs if j.stage == s} for s in STAGES}
    assert by_stage == {
        "target_review": {2026},
        "monitoring": {"2026-10"},
        "self_evaluation": {2025},
        "provincial_evaluation": {2025},
        "provincial_report": {2025},
        "feedback_letter": {2025},
        "central_assessment": {2025},
        "assessment_letter": {2025},
    }
    assert plan.languages == ("zh", "en")  # Chinese first
    evaluated = sum(j.stage == "self_evaluation" and j.lang == "zh" for j in jobs)
    letters = sum(j.stage == "feedback_letter" and j.lang == "zh" for j in jobs)
    # a provincial evaluation per province and fund, a report per province, a letter per
    # region evaluated, the centre's notice and its letter to each province; each in both
    # languages
    assert (evaluated, letters, len(jobs)) == (57, 57, 2 * (180 + 21 + 3 + 57 + 1 + 3))
    one = plan_jobs(demo, ALL, scope=Scope(funds=("work_injury",), provinces=("920000",)))
    # the country's notice (the centre's assessment) is no province's: a province's scope
    # leaves it out, its letter to the province stays
    national = {"central_assessment"}
    assert {(j.stage, j.region) for j in one} == {
        (s, "920000") for s in STAGES if s not in national
    }


def test_a_provincial_evaluation_waits_for_its_regions_self_evaluations(demo, tmp_path):
    jobs = plan_jobs(demo, {"self_evaluation": 2025, "provincial_evaluation": 2025})
    waits = dependencies(jobs, demo)
    medical = next(
        j for j in jobs if j.stage == "provincial_evaluation" and j.fund == "employee_medical"
        and j.region == "910000"
    )  # fmt: skip
    assert sorted(w.split("/")[3] for w in waits[medical.job_id]) == [
        "910100", "910200", "910300", "910400"
    ]  # fmt: skip
    pension = next(j for j in jobs if j.stage == "provincial_evaluation" and j.fund == "enterprise_pension" and j.region == "910000")  # fmt: skip
    assert waits[pension.job_id] == ("self_evaluation/2025/enterprise_pension/910000/en",)
    params = medical.parameters(tmp_path)
    assert params["province"] == "910000" and "region" not in params
    assert params["results"] == str(
        (tmp_path / "runs/self_evaluation/2025/employee_medical").resolve()
    )


def test_a_feedback_letter_waits_for_its_provinces_evaluation(demo, tmp_path):
    jobs = plan_jobs(demo, {"provincial_evaluation": 2025, "feedback_letter": 2025})
    waits = dependencies(jobs, demo)

    def letter(fund, region):
        return next(
            j for j in jobs if j.stage == "feedback_letter" and (j.fund, j.region) == (fund, region)
        )

    assert waits[letter("employee_medical", "910300").job_id] == (
        "provincial_evaluation/2025/employee_medical/910000/en",
    )
    # a fund pooled at province level: the province writes to itself
    assert waits[letter("enterprise_pension", "920000").job_id] == (
        "provincial_evaluation/2025/enterprise_pension/920000/en",
    )
    params = letter("employee_medical", "910300").parameters(tmp_path)
    assert params["region"] == "910300" and "province" not in params
    assert params["results"] == str(
        (tmp_path / "runs/provincial_evaluation/2025/employee_medical").resolve()
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nstages: {disclosure: 2025}\n", "unknown stage"),
        ("version: 1\nstages: {monitoring: 2026-13}\n", "month must be 1–12"),
        ("version: 1\nstages: {self_evaluation: latest}\nlanguages: [fr]\n", "fr: choose from"),
        ("version: 1\nstages: {self_evaluation: 2025}\nworkers: -1\n", "at least 0"),
        ("version: 1\nstages: {self_evaluation: 2025}\ntimeouts: {cel: 5}\n", "unknown key"),
        ("version: 1\nstages: {self_evaluation: 2025}\nkernels: hot\n", "hot: choose from"),
        ("version: 1\nstages: {self_evaluation: 2025}\nas_of: end of July\n", "as_of.*2026-07-31"),
        ("version: 1\nstages: {self_evaluation: 2025}\nas_of: 2026-02-30\n", "not a valid value"),
        ("version: 1\nstages: {self_evaluation: 2025}\nformats: [html, odt]\n", "odt: choose"),
        ("version: 1\nstages: {self_evaluation: 2025}\nevaluator: [a, b]\n", "evaluator.*a name"),
        ("version: 1\nstages: {self_evaluation: 2025}\nclient: {fr: X}\n", "client.*fr: languages"),
        ("version: 1\nstages: {target_review: 2026}\nreview_date: autumn\n", "review_date.*2026"),
    ],
)
def test_a_bad_plan_file_names_the_key(tmp_path, text, message):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message) as err:
        load_plan(path)
    assert str(path) in str(err.value)


def test_a_plan_names_who_made_the_reports_and_may_ask_for_word(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(
        "version: 1\nstages: {self_evaluation: 2025}\nformats: [html, pdf, docx]\n"
        "evaluator: 某某会计师事务所\nclient: {zh: '{province}财政厅', en: 'Finance, {province}'}\n",
        encoding="utf-8",
    )
    plan = load_plan(path)
    assert plan.formats == ("html", "pdf", "docx")
    assert plan.evaluator == {"en": "某某会计师事务所", "zh": "某某会计师事务所"}
    assert plan.client == {"zh": "{province}财政厅", "en": "Finance, {province}"}
    path.write_text("version: 1\nstages: {self_evaluation: 2025}\n", encoding="utf-8")
    bare = load_plan(path)
    assert bare.formats == ("html", "pdf") and bare.evaluator == {} and bare.client == {}


def test_a_plans_follow_up_date_reaches_the_provincial_evaluation(tiny, tmp_path):
    """A plan's ``as_of`` is the date the provincial evaluation follows earlier items up
    on; the stages that take no such date do not get it."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        "version: 1\nstages: {provincial_evaluation: 2025, self_evaluation: 2025}\n"
        "as_of: 2026-08-15\n",
        encoding="utf-8",
    )
    plan = load_plan(path)
    assert plan.as_of == "2026-08-15"
    jobs = plan_jobs(tiny, plan.stages, as_of=plan.as_of)
    by_stage = {j.stage: j.parameters(tmp_path) for j in jobs}
    assert by_stage["provincial_evaluation"]["as_of"] == "2026-08-15"
    assert "as_of" not in by_stage["self_evaluation"]


def test_a_plans_review_date_reaches_the_target_review(tiny, tmp_path):
    """A plan's ``review_date`` is the day the targets are reviewed on (what was known
    then: issue 20); the stages that take no such date do not get it, and a target review
    without one gets an empty text (the rules' default date)."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        "version: 1\nstages: {target_review: 2025, self_evaluation: 2025}\n"
        "review_date: 2024-08-31\n",
        encoding="utf-8",
    )
    plan = load_plan(path)
    assert plan.review_date == "2024-08-31"
    jobs = plan_jobs(tiny, plan.stages, review_date=plan.review_date)
    by_stage = {j.stage: j.parameters(tmp_path) for j in jobs}
    assert by_stage["target_review"]["review_date"] == "2024-08-31"
    assert "review_date" not in by_stage["self_evaluation"]
    plain = plan_jobs(tiny, {"target_review": 2025})
    assert plain[0].parameters(tmp_path)["review_date"] == ""


def test_every_job_is_checked_before_anything_runs(tiny, ctx, tmp_path):
    jobs = plan_jobs(tiny, {"self_evaluation": 2025})
    check_jobs(jobs, tmp_path, ctx, tiny)
    bad_year = replace(jobs[0], when=2031)
    with pytest.raises(PlanError, match=r"job self_evaluation/2031/.*year 2031 is not allowed"):
        check_jobs([*jobs, bad_year], tmp_path, ctx, tiny)
    unknown = replace(jobs[0], region="654321")
    with pytest.raises(PlanError, match="region '654321' is not allowed; allowed: 000000"):
        check_jobs([unknown], tmp_path, ctx, tiny)


def test_parameter_names_and_types_are_refused_plainly():
    declared = STAGES["self_evaluation"].parameters
    crafted = "x = 1\nimport os; os.system('touch /tmp/pwned')\ny"
    with pytest.raises(StageParameterError, match="not a Python identifier"):
        check_names(declared, ["fund", crafted])
    with pytest.raises(StageParameterError, match="unknown parameter 'regoin'"):
        check_names(declared, ["regoin"])
    with pytest.raises(StageParameterError, match="region must be text, not the number 1"):
        check_values(declared, {"region": 1})
    with pytest.raises(StageParameterError, match="year must be a whole number"):
        check_values(declared, {"year": "2025"})
    with pytest.raises(StageParameterError, match="lang 'fr' is not allowed; allowed: en, zh"):
        check_values(declared, {"lang": "fr"}, ctx=object())
    error = StageParameterError("lang 'fr' is not allowed")
    assert error._render_traceback_() == ["StageParameterError: lang 'fr' is not allowed"]


@pytest.mark.parametrize(
    "code", ["../../../../escaped", "/etc/cron.d/x", "110100\x00", "a b", "..", "110100/"]
)
def test_a_code_that_would_leave_the_folder_cannot_make_a_job(code):
    with pytest.raises(UnsafeCode, match="cannot name a file"):
        Job("self_evaluation", "work_injury", code, "x", 2025, "en", "")


def test_dependencies_wait_for_the_regions_a_job_covers(tiny):
    waiting = {
        **STAGES,
        "target_review": replace(STAGES["target_review"], depends_on=("self_evaluation",)),
    }
    jobs = plan_jobs(tiny, {"target_review": 2025, "self_evaluation": 2025})
    waits = dependencies(jobs, tiny, waiting)
    province = "target_review/2025/employee_medical/110000/en"
    assert set(waits[province]) == {
        "self_evaluation/2025/employee_medical/110100/en",
        "self_evaluation/2025/employee_medical/110200/en",
    }
    assert waits["target_review/2025/work_injury/110000/en"] == (
        "self_evaluation/2025/work_injury/110000/en",
    )
    assert dependencies(jobs, tiny)[province] == ()  # the real stages wait for nothing yet


def test_touching_one_regions_data_changes_only_its_jobs_and_those_that_cover_it(tiny, tmp_path):
    jobs = plan_jobs(tiny, ALL)
    waits = dependencies(jobs, tiny)
    before = job_fingerprints(jobs, tiny, tmp_path, waits, "suite")
    e = tiny.execution.copy()
    row = e.index[(e["region_code"] == "110200") & (e["item"] == "premium")][0]
    e.loc[row, "amount"] += 1
    touched = Dataset(**{**tiny.__dict__, "execution": e})
    after = job_fingerprints(jobs, touched, tmp_path, waits, "suite")
    changed = {j for j in before if before[j] != after[j]}
    assert changed == {
        j.job_id
        for j in jobs
        if j.region == "110200"
        or (j.region, j.fund) == ("110000", "employee_medical")
        # the province's evaluation changes, and with it every letter it writes and its
        # report to the centre
        or (j.stage, j.fund) == ("feedback_letter", "employee_medical")
        or j.stage == "provincial_report"
        # and the centre's assessment of the provinces that reads it, with its letters
        or j.stage in ("central_assessment", "assessment_letter")
    }
    assert job_fingerprints(jobs, tiny, tmp_path, waits, "other suite") != before


def test_manifest_saves_merge_with_what_another_batch_wrote(tmp_path):
    def record(job_id):
        return JobRecord(job_id, "monitoring", "f", "110100", "2025-10", "en", "ok", "fp", 1.0)

    first, second = Manifest.load(tmp_path / "m.json"), Manifest.load(tmp_path / "m.json")
    first.update(record("a"))
    second.update(record("b"))
    first.update(record("c"))
    assert set(Manifest.load(tmp_path / "m.json").records) == {"a", "b", "c"}


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path):
    with folder_lock(tmp_path) as lock:
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, pathlib; from sipm_helpers.batch.lock import folder_lock\n"
                "with folder_lock(pathlib.Path(sys.argv[1])): pass",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
        )
        assert holder.returncode != 0 and f"pid {os.getpid()}" in holder.stderr
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()
    lock.write_text(json.dumps({"pid": 2**22 + 12345}))  # a batch killed with -9
    with folder_lock(tmp_path):
        pass
    # the command holds the lock over the run, which takes it again: it holds on, and the
    # lock goes when the outer block ends
    with folder_lock(tmp_path) as outer:
        with folder_lock(tmp_path.parent / tmp_path.name):
            pass
        assert outer.exists()
    assert not outer.exists()


def test_a_second_batch_is_refused_before_it_reads_its_data(tmp_path, capsys):
    """check_free: the second batch learns at once that the folder is taken, and writes
    nothing; its own lock does not stop the batch holding it."""
    from sipm_helpers.batch.lock import check_free

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        out.mkdir()
        lock = out / ".sipm-batch.lock"
        from sipm_helpers.batch.lock import _started

        lock.write_text(json.dumps({"pid": holder.pid, "process_start": _started(holder.pid),
                                    "started": "2026-12-04T17:00:00+00:00"}))  # fmt: skip
        with pytest.raises(FolderLocked, match=f"pid {holder.pid}"):
            check_free(out)
        assert sorted(p.name for p in out.iterdir()) == [".sipm-batch.lock"]
    finally:
        holder.kill()
        holder.wait()
    check_free(out)  # its holder is gone
    with folder_lock(out):
        check_free(out)  # this process's own lock


def test_params_and_plan_commands(tiny_dir, tmp_path, capsys):
    from sipm_helpers.cli import main

    assert main(["params", "notebooks/02_monitoring.ipynb"]) == 0
    out = capsys.readouterr().out
    assert 'period       str  default "2026-10"' in out and "quarter (2026Q3)" in out
    assert main(["params", "nothing.ipynb"]) == 2
    plan = str(parameters_dir() / "plans" / "demo.yaml")
    assert main(["plan", plan, "--data", str(tiny_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "36 notebook(s)" in out and "self_evaluation work_injury" in out
    )  # 2 provincial, 1 report to the centre, 3 letters, the centre's notice and its letter
    # to the province; in Chinese and English
    args = ["plan", plan, "--data", str(tiny_dir), "--out", str(tmp_path), "--only", "monitoring"]
    assert main([*args, "--region", "110100"]) == 0
    assert "2 notebook(s)" in capsys.readouterr().out
    assert main([*args[:-2], "--only", "disclosure"]) == 2


def test_a_failing_pool_fails_its_futures_instead_of_hanging(monkeypatch):
    from sipm_helpers.batch.pool import WorkerPool

    def cannot_spawn(self):
        raise OSError("no more processes")

    monkeypatch.setattr(WorkerPool, "_spawn", cannot_spawn)
    pool = WorkerPool(1)
    future = pool.submit(print, "never")
    with pytest.raises(RuntimeError, match="the worker pool failed: no more processes"):
        future.result(timeout=30)
    pool.shutdown(wait=True)


class CountingKernel(WarmKernel):
    """A warm kernel without a kernel: counts starts, resets and what each reset reports."""

    def __init__(self, restart_every: int, threads: list[list[str]] | None = None):
        super().__init__(restart_every=restart_every)
        self.starts, self.resets, self.threads = 0, 0, threads or []

    def start(self) -> None:
        self.starts, self.runs, self.dirty, self.km = self.starts + 1, 0, [], object()

    def shutdown(self) -> None:
        self.km = None

    def alive(self) -> bool:
        return self.km is not None

    def _silent(self, code, timeout, expressions=None):
        self.resets += 1
        left = self.threads.pop(0) if self.threads else []
        state = repr(json.dumps({"threads": left}))
        return {"user_expressions": {"state": {"status": "ok", "data": {"text/plain": state}}}}


@pytest.mark.parametrize(
    ("restart_every", "errors", "starts"),
    [
        (3, [None] * 7, 3),  # replaced after every 3 notebooks: starts before 1, 4 and 7
        (50, [None, "CellTimeoutError", None, "DeadKernelError", None, None, None], 3),
        (50, [None, "RuntimeError", None, None, None, None, None], 1),  # a cell's error: kept
    ],
)
def test_a_warm_kernel_is_replaced_every_n_notebooks_and_after_a_timeout(
    restart_every, errors, starts
):
    kernel = CountingKernel(restart_every=restart_every)
    for error in errors:
        kernel.prepare()
        kernel.finished(error)
    assert kernel.starts == starts
    assert kernel.resets == len(errors) - starts  # every other notebook got a reset


def test_a_warm_kernel_is_replaced_when_threads_survive_or_a_stage_asks():
    kernel = CountingKernel(restart_every=50, threads=[[], ["left-running"], []])
    kernel.prepare(), kernel.finished(None)  # the first start
    kernel.prepare(), kernel.finished(None)  # a reset with nothing left
    kernel.prepare(), kernel.finished(None)  # a thread survived: replaced
    assert kernel.starts == 2
    kernel.prepare(fresh=True)
    assert kernel.starts == 3


def test_papermill_reads_each_parameters_type_and_help():
    """`papermill --help-notebook` shows every parameter's type and description."""
    import papermill

    for stage in STAGES.values():
        found = papermill.inspect_notebook(str(stage.path))
        assert list(found) == [p.name for p in stage.parameters], stage.notebook
        for p in stage.parameters:
            assert found[p.name]["inferred_type_name"] == p.type.__name__, (stage.name, p.name)
            assert found[p.name]["help"] == p.help, (stage.name, p.name)


def test_a_code_the_data_lack_or_an_empty_selection_is_refused(tiny_dir, tmp_path, capsys):
    """issue 21 §3: a fund, region or province the data do not have, or options that
    select nothing, exit 2 with one line naming the code and the close ones; nothing is
    written."""
    from sipm_helpers.cli import main

    plan = str(parameters_dir() / "plans" / "demo.yaml")
    base = ["plan", plan, "--data", str(tiny_dir), "--out", str(tmp_path / "out")]
    cases = [
        (["--fund", "employee_medic"], "fund employee_medic (did you mean employee_medical?)"),
        (["--region", "110300"], "region 110300 (did you mean"),
        (["--province", "12000"], "the data have no province 12000"),
        (["--region", "110100", "--fund", "work_injury"], "select no report"),
    ]
    for options, said in cases:
        assert main([*base, *options, "--lang", "en"]) == 2, options
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
    assert main([*base, "--fund", "employee_medic", "--lang", "zh"]) == 2
    assert "数据中没有基金employee_medic（是否指 employee_medical？）" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_site_linked_to_a_folder_elsewhere_is_refused(tiny_dir, tmp_path, capsys):
    from sipm_helpers.cli import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("their page", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "site").symlink_to(elsewhere, target_is_directory=True)
    plan = str(parameters_dir() / "plans" / "demo.yaml")
    args = ["plan", plan, "--data", str(tiny_dir), "--out", str(out), "--lang", "en"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "would leave" in err or "leads outside" in err
    assert (elsewhere / "index.html").read_text("utf-8") == "their page"
    (out / "site").unlink()
    (out / "published.json").symlink_to(elsewhere / "index.html")  # the records, elsewhere
    assert main(args) == 2
    assert "leads outside" in capsys.readouterr().err
    assert (elsewhere / "index.html").read_text("utf-8") == "their page"
