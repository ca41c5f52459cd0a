"""A language is a catalogue (issue 19 §6): adding parameters/labels/<lang>.yaml is all it
takes. A pseudo-language built from the English catalogue, every text marked, is offered
by the command line and the notebooks' parameters, and words a report of each stage: its
sections carry the marked texts, its dates and lists follow the catalogue's conventions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from sipm_helpers.config.labels import languages, load_labels
from sipm_helpers.paths import parameters_dir
from sipm_helpers.stages.registry import STAGES

MARK = "¤"  # begins every text of the pseudo-language
CALL = re.compile(r"\b(?:report|letter)\.([a-z_]+)\(")
WHEN = {"monitoring": {"period": "2025-12"}}  # the tiny data's years: 2024 and 2025


def _pseudo(folder: Path) -> Path:
    """A copy of the parameters with the catalogue ``xx``: each English text marked, its
    placeholders kept; dates as day.month.year and lists joined with ' + '."""
    shutil.copytree(parameters_dir(), folder)
    raw = yaml.safe_load((folder / "labels" / "en.yaml").read_text("utf-8"))
    texts = {k: f"{MARK}{v}" for k, v in raw["labels"].items()}
    texts.update(lang_list_separator=" + ", lang_list_last=" + ", lang_numbering="decimal",
                 lang_date="{day}.{month}.{year}", lang_html="x-pseudo")  # fmt: skip
    raw.update(lang="xx", labels=texts)
    (folder / "labels" / "xx.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return folder


@pytest.fixture
def pseudo(tmp_path, monkeypatch) -> Path:
    folder = _pseudo(tmp_path / "parameters")
    monkeypatch.setenv("SIPM_PARAMETERS", str(folder))
    return folder


def test_a_catalogue_is_a_language_with_its_conventions(pseudo):
    assert languages() == ("en", "xx", "zh")
    xx = load_labels("xx")
    assert xx.t("summary_heading").startswith(MARK)
    assert xx.date("2026-06-30") == "30.6.2026" and xx.join(["A", "B", "C"]) == "A + B + C"
    assert not xx.chinese_numbering and load_labels("zh").chinese_numbering


def test_the_command_line_offers_the_new_language(pseudo, capsys):
    from sipm_helpers.cli import main

    assert main(["params", "03_self_evaluation.ipynb", "--lang", "xx"]) == 0
    assert MARK in capsys.readouterr().out


def _sections(stage) -> list[str]:
    """The report methods a stage's notebook calls, in its order."""
    nb = nbformat.read(stage.path, as_version=4)
    calls = CALL.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    return list(dict.fromkeys(calls))


@pytest.mark.parametrize("name", list(STAGES))
def test_each_stage_words_its_report_in_the_new_language(pseudo, tiny_dir, name):
    stage = STAGES[name]
    when = WHEN.get(name, {"year": 2025})
    run = stage.run(data=str(tiny_dir), lang="xx", **when)
    parts = [getattr(run.report, method)() for method in _sections(stage)]
    html = "".join(p._repr_html_() if hasattr(p, "_repr_html_") else str(p) for p in parts)
    assert html.count(MARK) >= 5, name
    assert not re.search(r"\{[a-z_]+\}", html), name  # every placeholder filled
    for han in ("年", "省级", "、", "（"):  # nothing Chinese leaks in (grades: "Good (良)")
        assert han not in re.sub(r"测试省|甲市|乙市", "", html), (name, han)
