"""A stage from outside the package: registered through the registry's public function
(``registered``) or an entry point of the group ``sipm.stages``, planned, run, flagged in
the batch summary, published with its companion file and listed in the index without
touching the package; and no module above the stage layer names a built-in stage."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sipm_helpers import cli
from sipm_helpers.cli import EXIT_OK, main
from sipm_helpers.config.labels import load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.stages import registry
from sipm_helpers.stages.parameters import FUND, LANG, REGION, RESULT_PATH, year_parameter
from sipm_helpers.stages.registry import registered, stages
from sipm_helpers.stages.stage import Companion, Flag, Stage

TOY_CODE = """import json
import sys
from pathlib import Path
print(f"Toy report of {region} {fund} {year}")
if result_path:
    Path(result_path).write_text(json.dumps({"flags": [], "alert": region}))
    Path(result_path).with_suffix(".toy.csv").write_text(f"region,year\\n{region},{year}\\n")
"""
TOY_SUFFIX = ".toy.csv"


def _pairs(ds: Dataset, year: int) -> pd.DataFrame:
    """The first coordinating (region, fund) pair with execution data in ``year``."""
    done = ds.execution.loc[ds.execution["year"] == year, ["region_code", "fund"]]
    return done.drop_duplicates().head(1).reset_index(drop=True)


def toy_stage(folder: Path) -> Stage:
    """A stage of one notebook, ``toy.ipynb`` in ``folder``."""
    return Stage(
        "toy_stage",
        "toy.ipynb",
        (FUND, REGION, year_parameter(2025, "year", "param_year_evaluated"), LANG, RESULT_PATH),
        "year",
        _pairs,
        lambda ds: 2025,
        ("report_title", "report_subtitle"),
        folder=folder,
        flag=Flag("cli_flag_self_evaluation", lambda result: bool(result["alert"])),
        companions=(Companion(TOY_SUFFIX, "link_items"),),
        label="stage_self_evaluation",
        document="self_evaluation",
    )


def write_notebook(folder: Path) -> None:
    parameters = nbformat.v4.new_code_cell(
        'fund = "employee_medical"\nregion = ""\nyear = 2025\nlang = "en"\nresult_path = ""'
    )
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(TOY_CODE)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "toy.ipynb")


def write_plan(path: Path, data: Path, out: Path) -> None:
    plan = {
        "version": 1,
        "data": str(data),
        "out": str(out),
        "stages": {"toy_stage": "latest"},
        "languages": ["en"],
        "formats": ["html"],
        "workers": 1,
    }
    path.write_text(json.dumps(plan), encoding="utf-8")  # JSON is YAML


def test_registered_stages_are_seen_only_within_the_block(tmp_path):
    toy = toy_stage(tmp_path)
    assert "toy_stage" not in stages()
    with registered(toy) as known:
        assert known["toy_stage"] is toy and registry.stage("toy_stage") is toy
        assert registry.notebook_stage("toy.ipynb") is toy
        with pytest.raises(TypeError):
            known["other"] = toy  # read-only
    assert "toy_stage" not in stages()


def test_a_plug_in_parameter_the_batch_does_not_know_keeps_its_default(tiny, tmp_path):
    from dataclasses import replace

    from sipm_helpers.batch.plan import stage_jobs
    from sipm_helpers.stages.parameters import Parameter

    own = Parameter("colour", str, "blue", "the toy's own parameter")
    place = Parameter("place", str, "", "the region, by another name", source="region")
    toy = toy_stage(tmp_path)
    toy = replace(toy, parameters=(*toy.parameters, own, place))
    with registered(toy):
        (job,) = stage_jobs(tiny, toy, "latest", langs=("en",))
        given = job.parameters(tmp_path)
    assert given["colour"] == "blue"  # the batch has no value of that name
    assert given["place"] == given["region"] == job.region  # the value its source names
    assert given["year"] == 2025 and given["lang"] == "en"


def test_an_entry_point_of_the_group_sipm_stages_registers_a_stage(tmp_path, monkeypatch):
    from importlib.metadata import EntryPoint

    toy = toy_stage(tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "TOY", toy, raising=False)
    point = EntryPoint("toy", f"{__name__}:TOY", registry.GROUP)
    built_in = EntryPoint("built_in", "sipm_helpers.stages.registry:BUILT_IN", registry.GROUP)
    # the package's own point as an editable install's metadata may still name it
    stale = EntryPoint("built_in", "sipm_helpers.batch.stages:BUILT_IN", registry.GROUP)

    def points(group: str):
        return [built_in, stale, point] if group == registry.GROUP else []

    monkeypatch.setattr(registry, "entry_points", points)
    registry.discovered.cache_clear()
    try:
        assert stages()["toy_stage"] is toy
        assert list(stages()) == [*registry.STAGES, "toy_stage"]  # built-ins once, in order
    finally:
        monkeypatch.undo()
        registry.discovered.cache_clear()
    assert "toy_stage" not in stages()


@pytest.mark.notebook
def test_a_toy_stage_is_planned_run_published_and_indexed(tiny_dir, tmp_path, capsys):
    write_notebook(tmp_path)
    plan, out = tmp_path / "plan.yaml", tmp_path / "out"
    write_plan(plan, tiny_dir, out)
    with registered(toy_stage(tmp_path)):
        assert main(["plan", str(plan)]) == EXIT_OK
        assert "toy_stage" in capsys.readouterr().out
        assert main(["run", str(plan), "--quiet", "--lang", "en"]) == EXIT_OK
        said = capsys.readouterr().out
        assert main(["publish", str(out), "--out", str(tmp_path / "handover.zip")]) == EXIT_OK
    assert "1 of 1 reports published" in said
    # its flag in the batch summary, under the heading it names, with its year
    assert "self-evaluations 2025: failing the 10-year solvency test: 1 fund-region(s)" in said
    (page,) = (out / "site" / "toy_stage").rglob("*.html")
    text = page.read_text(encoding="utf-8")
    (region,) = re.findall(r"Toy report of (\S+) employee_medical 2025", text)  # 'latest'
    companion = page.with_suffix(TOY_SUFFIX)  # published beside its report
    assert companion.read_text(encoding="utf-8") == f"region,year\n{region},2025\n"
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    site = out / "site"
    for published in (page, companion):
        assert published.relative_to(site).as_posix() in index
    labels = load_labels("en")
    assert labels.t("link_items") in index  # the companion's label
    assert labels.t("stage_self_evaluation") in index  # the stage's own label key


def test_sipm_demo_gives_year_and_period_to_each_stage_by_what_it_runs_for(tiny_dir, monkeypatch):
    planned = []
    monkeypatch.setattr(cli, "cmd_run", lambda args, text: planned.append(cli._plan(args)) or 0)
    argv = ["demo", "--data", str(tiny_dir), "--year", "2024", "--period", "2025-06"]
    assert main(argv) == EXIT_OK
    by_kind = {"year": 2024, "period": "2025-06"}
    (plan,) = planned
    assert plan.stages == {name: by_kind[s.when] for name, s in registry.STAGES.items()}
    planned.clear()
    assert main(["demo", "--data", str(tiny_dir), "--period", "2025-06"]) == EXIT_OK
    assert {n: w for n, w in planned[0].stages.items() if w != "latest"} == {
        "monitoring": "2025-06"
    }


ABOVE = ("batch", "render", "cli.py", "cli_lab.py", "cli_text.py")


def test_no_module_above_the_stage_layer_names_a_built_in_stage():
    package = Path(cli.__file__).parent
    sources = [
        path
        for above in ABOVE
        for path in ([package / above] if above.endswith(".py") else (package / above).rglob("*"))
        if path.is_file() and path.suffix in (".py", ".j2", ".html", ".js")
    ]
    assert len(sources) > 20  # the layers were found
    named = re.compile("|".join(rf"[\"'/]{name}[\"'/]" for name in registry.STAGES))
    found = [
        f"{path.relative_to(package)}:{n}: {line.strip()}"
        for path in sources
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if named.search(line)
    ]
    assert found == []


def test_each_stage_has_its_documents_number_and_a_new_one_needs_only_its_pattern(ctx, tmp_path):
    import datetime

    import yaml

    from sipm_helpers.config.appraisal import load_appraisal_rules
    from sipm_helpers.paths import parameters_dir

    for s in registry.STAGES.values():
        assert set(ctx.appraisal.numbers[s.document_kind]) == {"zh", "en"}, s.name
    day = datetime.date(2026, 7, 31)
    with pytest.raises(KeyError, match=r"report\.numbers has no pattern for 'toy_stage'"):
        ctx.appraisal.number("toy_stage", "en", day, region="110100")
    raw = yaml.safe_load((parameters_dir() / "appraisal.yaml").read_text(encoding="utf-8"))
    raw["report"]["numbers"]["toy_stage"] = {"zh": "玩〔{issued}〕{region}号", "en": "T-{region}"}
    path = tmp_path / "appraisal.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    rules = load_appraisal_rules(path)
    assert rules.number("toy_stage", "zh", day, region="110100") == "玩〔2026〕110100号"
