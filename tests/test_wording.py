"""Wording in either language: every message the code says by a label key has the label in
both catalogues, and every validation finding reads in Chinese as in English."""

from __future__ import annotations

import ast
from pathlib import Path

from sipm_helpers.config.labels import Named, load_labels, refusal, said
from sipm_helpers.errors import SipmError

PACKAGE = Path(__file__).parents[1] / "sipm_helpers"
SAYING = {"said", "refusal"}


def _said_keys() -> set[str]:
    """Every label key the package's code passes to said() or refusal() as a literal."""
    keys = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in SAYING
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_key_the_code_says_is_in_both_catalogues():
    en, zh = load_labels("en"), load_labels("zh")
    keys = _said_keys()
    assert len(keys) > 60  # the scan finds the validation rules' keys
    assert not keys - set(en.texts) and not keys - set(zh.texts)


def test_a_said_message_is_worded_in_each_language_with_its_values_said_and_named():
    en, zh = load_labels("en"), load_labels("zh")
    message = said(
        "validation_code_format",
        pattern=Named("six digits", "6 位数字"),
        hint=said("validation_lost_zeros", value="1100", padded="001100"),
    )
    assert message.in_(en).startswith("must match the format: six digits — '1100' looks like")
    assert message.in_(zh).startswith("须符合格式：6 位数字——'1100' 似乎是丢失了前导零的 001100")
    error = refusal("error_no_such_path", path="/x")
    assert isinstance(error, SipmError) and str(error) == "/x: no such file or folder"
    assert error.said.in_(zh) == "/x：没有这个文件或文件夹"
    assert said("validation_duplicate_key", key="a=1").in_(en).startswith("duplicate key a=1")
