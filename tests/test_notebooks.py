"""The self-evaluation notebook executed with papermill on the embedded demo, for several
funds and both languages, then rendered: the result file is complete and the HTML holds
no code and names the region."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from sipm_helpers.batch.worker import current_kernel
from sipm_helpers.paths import PROJECT_DIR, notebooks_dir
from sipm_helpers.render.html import render_html

pytestmark = pytest.mark.notebook
NOTEBOOK = notebooks_dir() / "03_self_evaluation.ipynb"
CODE_MARKERS = (
    "import self_evaluation",
    "self_evaluation(fund",
    "report.summary()",
    "run.save(",
    "result_path =",
)


def result_path(tmp_path: Path) -> Path:
    return tmp_path / "result.json"


@pytest.fixture(autouse=True)
def _hosted(warm_kernel):
    """The notebooks below run in the suite's warm kernel, reset between notebooks as the
    batch resets its own; the notebooks opened as a person would (their defaults, papermill's
    command line) run in new kernels."""


def execute(tmp_path: Path, notebook: Path = NOTEBOOK, **parameters) -> tuple[Path, dict]:
    """Run ``notebook`` with papermill in the warm kernel; return the executed notebook and
    its result."""
    out = tmp_path / "out.ipynb"
    result = result_path(tmp_path)
    kernel = current_kernel()
    kernel.prepare()
    error = None
    try:
        papermill.execute_notebook(
            str(notebook),
            str(out),
            parameters={**parameters, "result_path": str(result)},
            engine_name="sipm",
            kernel=kernel,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(PROJECT_DIR),
        )
    except Exception as exc:
        error = getattr(exc, "ename", None) or type(exc).__name__
        raise
    finally:
        kernel.finished(error)
    return out, json.loads(result.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("fund", "region", "lang"),
    [
        ("employee_medical", "", "en"),  # the notebook's own default region
        ("enterprise_pension", "910000", "zh"),
        ("work_injury", "920000", "en"),
        ("resident_pension", "930100", "en"),
    ],
)
def test_self_evaluation_runs_and_renders(tmp_path, demo, fund, region, lang):
    executed, result = execute(tmp_path, fund=fund, region=region, year=2025, lang=lang)
    region = (
        region or demo.coordination.loc[demo.coordination["fund"] == fund, "region_code"].iloc[0]
    )
    assert (
        result["schema"] == "sipm.self_evaluation" and result["version"] == 3
    )  # 3: overall targets concluded on
    assert Path(result_path(tmp_path)).with_suffix(".xlsx").exists()  # the scoring form
    assert result["fund"] == fund and result["region"] == region and result["year"] == 2025
    assert 0 <= result["summary"]["total"] <= 100 and result["summary"]["grade"]
    assert len(result["indicators"]) >= 10
    nb = nbformat.read(executed, as_version=4)
    streams = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"
    ]
    assert not streams, streams  # no warnings or prints leak into a report
    assert not [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]

    html_path = render_html(executed, tmp_path / "report.html", title=f"report {region}", lang=lang)
    html = html_path.read_text(encoding="utf-8")
    region_name = demo.region_name(region, lang)
    assert region_name in html
    for marker in CODE_MARKERS:
        assert marker not in html
    assert "Traceback" not in html
    assert html.count("<svg") == 5  # three charts and the two of sustainability, inline SVG
    assert result["sustainability"]["last_year"] == 2025
    assert len(result["sustainability"]["projection"]) == 10


def test_defaults_run_top_to_bottom(tmp_path):
    """As a person opening the notebook in JupyterLab would run it: no parameters injected."""
    out = tmp_path / "defaults.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(PROJECT_DIR)
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and all(o.output_type != "error" for o in outputs)


MONITORING = notebooks_dir() / "02_monitoring.ipynb"


@pytest.mark.parametrize(
    ("fund", "region", "lang"),
    [
        ("resident_medical", "930400", "zh"),
        ("enterprise_pension", "920000", "en"),
        ("unemployment", "", "en"),
    ],
)
def test_monitoring_runs_and_renders(tmp_path, demo, fund, region, lang):
    out, data = execute(tmp_path, MONITORING, fund=fund, region=region, period="2026-10", lang=lang)
    region = (
        region or demo.coordination.loc[demo.coordination["fund"] == fund, "region_code"].iloc[0]
    )
    assert (
        data["schema"] == "sipm.monitoring"
        and data["period"] == "2026-10"
        and data["region"] == region
    )
    assert {i["item"] for i in data["items"]} >= {"premium", "income", "expenditure", "benefits"}
    assert all(a["corrective_action"] == "" for a in data["alerts"])
    if region == "930400":  # the demo's low-reserve fund: its balance is negative in October 2026
        assert data["alerts"][0] == {
            "item": "balance_end",
            "kind": "fund",
            "light": "red",
            "reason": "negative_balance",
            "corrective_action": "",
        }
    nb = nbformat.read(out, as_version=4)
    assert not [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type in ("error", "stream")
    ]
    html = render_html(
        out, tmp_path / "mon.html", title=f"monitoring {region}", lang=lang
    ).read_text(encoding="utf-8")
    assert (
        demo.region_name(region, lang) in html
        and "import monitoring" not in html
        and "Traceback" not in html
    )
    assert html.count("<svg") >= 2


TARGET_REVIEW = notebooks_dir() / "01_target_review.ipynb"


@pytest.mark.parametrize(
    ("fund", "region", "lang"),
    [
        ("resident_medical", "930400", "zh"),
        ("work_injury", "", "en"),
        ("enterprise_pension", "930000", "en"),
    ],
)
def test_target_review_runs_and_renders(tmp_path, demo, fund, region, lang):
    out, data = execute(tmp_path, TARGET_REVIEW, fund=fund, region=region, year=2026, lang=lang)
    region = (
        region or demo.coordination.loc[demo.coordination["fund"] == fund, "region_code"].iloc[0]
    )
    assert (
        data["schema"] == "sipm.target_review" and data["region"] == region and data["year"] == 2026
    )
    assert data["verdict"] in ("approve", "approve_with_changes", "return")
    assert any(f["check"] == "catalogue" for f in data["findings"])
    nb = nbformat.read(out, as_version=4)
    assert not [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type in ("error", "stream")
    ]
    html = render_html(out, tmp_path / "tr.html", title=f"review {region}", lang=lang).read_text(
        encoding="utf-8"
    )
    assert (
        demo.region_name(region, lang) in html
        and "import target_review" not in html
        and "Traceback" not in html
    )


def test_a_bad_value_by_hand_stops_with_one_line(tmp_path):
    """papermill's own CLI turns -p region 910100 into a number: the first cell says so in
    one line, not with a traceback from deep in the package."""
    import subprocess
    import sys

    out = tmp_path / "out.ipynb"
    run = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "-p", "region", "910100"],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
    )
    assert run.returncode != 0
    errors = [
        o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])
        if o.output_type == "error"
    ]  # fmt: skip
    assert len(errors) == 1 and len(errors[0].traceback) == 1
    assert errors[0].traceback[0].startswith("StageParameterError: region must be text")


PROVINCIAL = notebooks_dir() / "04_provincial_evaluation.ipynb"


def _no_errors_or_streams(executed: Path) -> None:
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type in ("error", "stream")]


def test_provincial_evaluation_runs_with_its_defaults(tmp_path):
    """As opened in JupyterLab: no results folder, so the self-evaluations are evaluated
    from the same data; the rectification items are written beside the result."""
    executed, result = execute(tmp_path, PROVINCIAL)
    _no_errors_or_streams(executed)
    assert result["schema"] == "sipm.provincial_evaluation" and result["province"] == "910000"
    assert {r["status"] for r in result["regions"]} == {"evaluated"}
    items = result_path(tmp_path).with_suffix(".rectification.csv")
    assert items.read_text(encoding="utf-8").startswith("item_id,region_code,fund,year,source")


def test_provincial_evaluation_reads_stage_03_results_and_lists_a_missing_one(tmp_path, demo):
    """Two of Dongchuan's four medical-fund regions evaluated by stage 03 (one result in
    Chinese), one run failed (no result), one never run: both missing, neither scored."""
    folder = tmp_path / "results"
    folder.mkdir()
    for region, lang in (("910100", "en"), ("910200", "zh")):
        (tmp_path / region).mkdir()
        execute(tmp_path / region, NOTEBOOK, fund="employee_medical", region=region, lang=lang)
        suffix = "" if lang == "en" else ".zh"
        result_path(tmp_path / region).rename(folder / f"{region}-name{suffix}.json")
    executed, result = execute(tmp_path, PROVINCIAL, fund="employee_medical", province="910000",
                               year=2025, results=str(folder), lang="zh")  # fmt: skip
    _no_errors_or_streams(executed)
    status = {r["region_code"]: r["status"] for r in result["regions"]}
    assert status == {"910100": "evaluated", "910200": "evaluated",
                      "910300": "self_evaluation_missing", "910400": "self_evaluation_missing"}  # fmt: skip
    assert "self_evaluation_missing" in result["flags"]
    missing = {
        p["region_code"] for p in result["problems"] if p["problem"] == "self_evaluation_missing"
    }
    assert missing == {"910300", "910400"}
    html = render_html(executed, tmp_path / "pe.html", title="pe", lang="zh").read_text(
        encoding="utf-8"
    )
    assert demo.region_name("910300", "zh") in html and "自评缺失" in html
    assert "provincial_evaluation(" not in html and "Traceback" not in html


def test_a_fund_pooled_at_province_level_is_evaluated_without_ranking(tmp_path, demo):
    executed, result = execute(tmp_path, PROVINCIAL, fund="enterprise_pension", province="920000")
    _no_errors_or_streams(executed)
    assert [r["region_code"] for r in result["regions"]] == ["920000"]
    html = render_html(executed, tmp_path / "pe.html", title="pe", lang="en").read_text(
        encoding="utf-8"
    )
    assert "is its only coordinating region" in html and "no other region to compare" in html


LETTER = notebooks_dir() / "04_feedback_letter.ipynb"


def test_feedback_letter_runs_with_its_defaults(tmp_path, demo):
    """As opened in JupyterLab: the provincial evaluation is made here from the same data."""
    executed, result = execute(tmp_path, LETTER)
    _no_errors_or_streams(executed)
    assert result["schema"] == "sipm.feedback_letter"
    assert (result["region"], result["province"]) == ("910100", "910000")
    assert result["standing"]["status"] == "evaluated" and result["standing"]["rank"] >= 1


def test_a_chinese_feedback_letter_from_stage_04_results_renders_to_pdf(tmp_path, demo, chromium):
    """Stage 04 writes its result into the folder the letter reads; the Chinese letter's
    PDF carries the region's Chinese name, its grade and its rectification items."""
    import shutil
    import subprocess

    from sipm_helpers.render.pdf import PdfRenderer

    folder = tmp_path / "results"
    folder.mkdir()
    (tmp_path / "pe").mkdir()
    _, evaluation = execute(tmp_path / "pe", PROVINCIAL, fund="resident_pension", province="910000")
    result_path(tmp_path / "pe").rename(folder / "910000-dongchuan.json")
    executed, result = execute(
        tmp_path, LETTER, fund="resident_pension", region="910400", results=str(folder), lang="zh"
    )
    _no_errors_or_streams(executed)
    standing = next(r for r in evaluation["regions"] if r["region_code"] == "910400")
    assert result["standing"] == standing
    mine = [s["template"] for s in evaluation["suggestions"] if s["region_code"] == "910400"]
    assert result["suggestions"] == mine and mine
    html = render_html(executed, tmp_path / "fl.html", title="反馈意见", lang="zh")
    text = html.read_text(encoding="utf-8")
    assert "feedback_letter(" not in text and "Traceback" not in text
    with PdfRenderer(executable=chromium) as renderer:
        pdf = renderer.render(html, tmp_path / "fl.pdf")
    if not shutil.which("pdftotext"):
        pytest.skip("no pdftotext: the PDF's text is not checked")
    words = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert demo.region_name("910400", "zh") in words and "反馈意见" in words
    assert "整改事项" in words and "评价得分" in words


def _explore(tmp_path: Path, **parameters) -> list:
    """Run the tutorial with ``parameters``; its code cells' outputs, none an error."""
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "00_explore.ipynb"),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(PROJECT_DIR),
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def test_the_exploration_tutorial_runs_top_to_bottom(tmp_path):
    """notebooks/00_explore.ipynb, as an evaluator follows it: every cell runs, the answers
    show as formatted tables and the custom chart is drawn."""
    outputs = _explore(tmp_path)
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 5 and all('class="sipm-tidy"' in h for h in html)
    svg = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    # execution to date, months covered, the outlook twice, the chart of one's own, coverage
    assert len(svg) == 6 and any("total score by region" in s for s in svg)


def test_the_exploration_tutorial_runs_on_your_data_in_chinese(tmp_path, tiny_dir):
    """lang="zh": the tables' headings, names and grades, the natural charts and the
    tutorial's own chart are Chinese."""
    outputs = _explore(tmp_path, data=str(tiny_dir), lang="zh")
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    svg = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert any("甲市" in h for h in html) and any("总分与等级" in h for h in html)
    assert any(">优<" in h or ">良<" in h for h in html)  # grades by their Chinese names
    english = ("region_code", ">total<", ">grade<", "excellent", "Indicators and scores")
    assert not [w for h in html for w in english if w in h]
    assert any("预算执行进度" in s for s in svg)
    assert any("各地区总分" in s and "预算年度" in s for s in svg)  # the tutorial's own chart


REPORT = notebooks_dir() / "04_provincial_report.ipynb"


def test_the_report_to_the_centre_runs_with_its_defaults(tmp_path, demo, ctx):
    """As opened in JupyterLab: every fund of the first province evaluated here."""
    executed, result = execute(tmp_path, REPORT)
    _no_errors_or_streams(executed)
    assert result["schema"] == "sipm.provincial_report" and result["province"] == "910000"
    c = demo.coordination
    funds = set(c.loc[c["province_code"] == "910000", "fund"])
    assert [f["fund"] for f in result["funds"]] == [f for f in ctx.registry.funds if f in funds]
    assert all(f["evaluated"] for f in result["funds"]) and not result["flags"]


def test_the_report_to_the_centre_reads_each_funds_evaluation_and_names_a_missing_one(
    tmp_path, tiny_dir
):
    """Stage 04 of the tiny province's medical fund in the folder of its fund; work
    injury's never ran: listed as not evaluated, with no conclusion drawn on it."""
    folder = tmp_path / "results" / "employee_medical"
    folder.mkdir(parents=True)
    (tmp_path / "pe").mkdir()
    execute(tmp_path / "pe", PROVINCIAL, fund="employee_medical", province="110000",
            data=str(tiny_dir))  # fmt: skip
    result_path(tmp_path / "pe").rename(folder / "110000-testshire.json")
    executed, result = execute(tmp_path, REPORT, province="110000", year=2025,
                               data=str(tiny_dir), results=str(tmp_path / "results"),
                               lang="zh")  # fmt: skip
    _no_errors_or_streams(executed)
    evaluated = {f["fund"]: f["evaluated"] for f in result["funds"]}
    assert evaluated == {"employee_medical": True, "work_injury": False}
    assert result["flags"] == ["funds_not_evaluated"]
    html = render_html(executed, tmp_path / "pr.html", title="pr", lang="zh").read_text(
        encoding="utf-8"
    )
    assert "测试省财政厅" in html and "工伤保险基金的省级评价未完成" in html
    assert "provincial_report(" not in html and "Traceback" not in html


ASSESSMENT = notebooks_dir() / "06_central_assessment.ipynb"
ASSESSMENT_LETTER = notebooks_dir() / "06_assessment_letter.ipynb"


def test_the_centres_notice_and_letter_run_on_the_data_alone(tmp_path, tiny_dir):
    """As opened in JupyterLab on the tiny data, without a batch's results: the notice
    scores the data's own criteria (self-evaluations organised by finance 1 of 3 → 3.3, on
    time 2 of 3 → 10.0, the one item due in 2025 closed on time → 15.0) and the letter,
    assessing here, says the same."""
    executed, result = execute(tmp_path, ASSESSMENT, data=str(tiny_dir), lang="zh")
    _no_errors_or_streams(executed)
    assert result["schema"] == "sipm.central_assessment"
    assert [(p["province_code"], p["total"]) for p in result["provinces"]] == [("110000", 28.3)]
    executed, letter = execute(tmp_path, ASSESSMENT_LETTER, data=str(tiny_dir), lang="zh")
    _no_errors_or_streams(executed)
    assert (letter["province"], letter["total"], letter["outcome"]) == (
        "110000",
        28.3,
        "interviewed",
    )
