"""The command line speaks the language of --lang, else of the locale, on every command:
help, argparse's own messages, validation findings, errors, what `plan` and `params`
print."""

from __future__ import annotations

import argparse
import re
import shutil

import pandas as pd
import pytest

from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, build_parser, main
from sipm_helpers.cli_text import chosen_language, cli_text
from sipm_helpers.config.labels import load_labels
from sipm_helpers.paths import parameters_dir
from sipm_helpers.stages.registry import STAGES

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("argv", "environ", "lang"),
    [
        (["validate", "x"], {}, "en"),
        (["validate", "x", "--lang", "zh"], {}, "zh"),
        (["validate", "x", "--lang=zh"], {"LANG": "en_US.UTF-8"}, "zh"),
        (["run", "p.yaml", "--lang", "zh,en"], {}, "zh"),  # the reports' first language
        (["run", "p.yaml", "--lang", "en,zh"], {"LANG": "zh_CN.UTF-8"}, "en"),
        (["validate", "x"], {"LANG": "zh_CN.UTF-8"}, "zh"),
        (["validate", "x"], {"LC_ALL": "zh_TW.UTF-8", "LANG": "en_GB.UTF-8"}, "zh"),
        (["validate", "x"], {"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins
        (["validate", "x"], {"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh"),
        (["validate", "--", "--lang", "zh"], {}, "en"),  # after --, an argument
    ],
)
def test_the_language_is_the_one_lang_names_else_the_locales(argv, environ, lang):
    assert chosen_language(argv, environ) == lang


@pytest.fixture
def chinese_locale(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


@pytest.fixture
def bad_dir(tiny_dir, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(tiny_dir, folder)
    regions = pd.read_csv(folder / "regions.csv", dtype=str)
    regions.loc[2, "parent_code"] = "990000"  # a prefecture under no province
    regions.to_csv(folder / "regions.csv", index=False)
    return folder


def test_validate_words_its_findings_in_the_language_asked_for(bad_dir, capsys):
    assert main(["validate", str(bad_dir), "--lang", "en"]) == EXIT_BAD_INPUT
    english = capsys.readouterr().out
    assert " error(s)" in english and "the parent region is not in the table" in english
    assert main(["validate", str(bad_dir), "--lang", "zh"]) == EXIT_BAD_INPUT
    chinese = capsys.readouterr().out
    assert " 个错误" in chinese and "上级地区不在表中" in chinese
    assert "regions.csv，第 4 行，列 parent_code（值 '990000'）" in chinese
    assert "error(s)" not in chinese and "the parent region" not in chinese


def test_the_locale_chooses_chinese_when_lang_is_not_given(bad_dir, capsys, chinese_locale):
    assert main(["validate", str(bad_dir)]) == EXIT_BAD_INPUT
    assert "上级地区不在表中" in capsys.readouterr().out
    assert main(["validate", str(bad_dir) + "-gone"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"错误：{bad_dir}-gone：没有这个文件或文件夹\n"
    assert main(["template", str(bad_dir / "tpl"), "--regions", str(bad_dir)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err  # a dataset's findings as the error
    assert err.startswith("错误：") and "上级地区不在表中" in err


def test_argparses_own_messages_are_worded_too(capsys, chinese_locale):
    with pytest.raises(SystemExit) as stopped:
        main(["generate", "--provinces", "1"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：sipm generate")
    assert "sipm generate：错误：缺少必需的参数：--regions-per-province, --years, --out" in err
    with pytest.raises(SystemExit):
        main(["generate", "--provinces", "1", "--regions-per-province", "1", "--out", "x",
              "--years", "2026-2020"])  # fmt: skip
    assert "参数 --years：最后一年 2020 早于第一年 2026" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    assert "参数 command：无效的选项 'frobnicate'（可选：'validate'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["validate", "x", "--no-such-option", "--lang", "en"])
    assert "sipm: error: unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_lang_before_the_command_is_the_command_lines_language(bad_dir, capsys):
    assert main(["--lang", "zh", "validate", str(bad_dir)]) == EXIT_BAD_INPUT
    assert "上级地区不在表中" in capsys.readouterr().out


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_option_of_every_command_has_a_help_text_in_the_language(lang):
    text = cli_text(["--lang", lang], {})
    parser = build_parser(text)
    commands = _commands(parser)
    assert set(commands) == {"validate", "template", "generate", "run", "plan", "export",
                             "publish", "lab", "params", "demo"}  # fmt: skip
    for name, command in {"sipm": parser, **commands}.items():
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
            assert bool(CJK.search(action.help)) == (lang == "zh"), (name, action.help)
        shown = command.format_help()
        assert ("用法：" in shown) == (lang == "zh") and ("选项" in shown) == (lang == "zh")
    run = commands["run"].format_help()
    for option in ("--format", "--executor", "--workers"):
        assert option in run
    assert "--port" in commands["lab"].format_help()


def test_plan_lists_only_the_options_plan_uses():
    plan = {o for a in _commands(build_parser())["plan"]._actions for o in a.option_strings}
    assert plan == {"-h", "--help", "--only", "--out", "--data", "--fund", "--region",
                    "--province", "--lang"}  # fmt: skip
    run = {o for a in _commands(build_parser())["run"]._actions for o in a.option_strings}
    assert {"--workers", "--formats", "--force", "--executor", "--quiet"} <= run - plan


def test_plan_says_what_latest_resolves_to(tiny_dir, tmp_path, capsys):
    plan = str(parameters_dir() / "plans" / "demo.yaml")
    args = ["plan", plan, "--data", str(tiny_dir), "--out", str(tmp_path / "out"),
            "--only", "self_evaluation", "--only", "monitoring"]  # fmt: skip
    assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    assert "self_evaluation: latest is 2025" in out
    assert re.search(r"monitoring: latest is 2025-\d\d", out)
    assert main([*args, "--lang", "zh"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "self_evaluation：latest 即 2025" in out and "阶段 / 基金" in out


def test_params_says_each_parameter_in_the_language(capsys):
    en, zh = load_labels("en"), load_labels("zh")
    for stage in STAGES.values():
        for p in stage.parameters:  # the notebooks' own English is the catalogue's
            assert en.t(p.help_label) == p.help, (stage.name, p.name)
            assert zh.t(p.help_label) != p.help
    assert main(["params", "03_self_evaluation.ipynb", "--lang", "zh"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("03_self_evaluation.ipynb（self_evaluation）的参数：")
    assert "评价的预算年度" in out and "默认 2025" in out
    assert main(["params", "nothing.ipynb", "--lang", "zh"]) == EXIT_BAD_INPUT
    assert "不是阶段笔记本" in capsys.readouterr().err
