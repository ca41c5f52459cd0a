"""A stage from outside the package: registered through the registry's public function
(``registered``) or an entry point of the group ``sipm.stages``, planned, run, published
and listed in the index without touching the package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sipm_helpers.cli import EXIT_OK, main
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.stages import registry
from sipm_helpers.stages.parameters import FUND, LANG, REGION, RESULT_PATH, year_parameter
from sipm_helpers.stages.registry import registered, stages
from sipm_helpers.stages.stage import Stage

TOY_CODE = """import json
import sys
from pathlib import Path
print(f"Toy report of {region} {fund} {year}")
if result_path:
    Path(result_path).write_text(json.dumps({"flags": []}))
"""


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
    toy = toy_stage(tmp_path)
    toy = replace(toy, parameters=(*toy.parameters, own))
    with registered(toy):
        (job,) = stage_jobs(tiny, toy, "latest", langs=("en",))
        assert job.parameters(tmp_path)["colour"] == "blue"


def test_an_entry_point_of_the_group_sipm_stages_registers_a_stage(tmp_path, monkeypatch):
    from importlib.metadata import EntryPoint

    toy = toy_stage(tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "TOY", toy, raising=False)
    point = EntryPoint("toy", f"{__name__}:TOY", registry.GROUP)
    built_in = EntryPoint("built_in", "sipm_helpers.stages.registry:BUILT_IN", registry.GROUP)

    def points(group: str):
        return [built_in, point] if group == registry.GROUP else []

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
        assert main(["run", str(plan), "--quiet"]) == EXIT_OK
        assert "1 of 1 reports published" in capsys.readouterr().out
        assert main(["publish", str(out), "--out", str(tmp_path / "handover.zip")]) == EXIT_OK
    pages = list((out / "site" / "toy_stage").rglob("*.html"))
    assert len(pages) == 1 and "Toy report of" in pages[0].read_text(encoding="utf-8")
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert pages[0].relative_to(out / "site").as_posix() in index
