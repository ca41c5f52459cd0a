"""Bounded memory and time on hostile input (issue 21 §4): YAML anchors and aliases are
refused in plans and parameter files, and a dataset over the limits of
parameters/limits.yaml is refused before it is parsed; each with one line naming the
file and exit 2, no traceback. The inputs are built small, the limits lowered."""

from __future__ import annotations

import pytest

from sipm_helpers.cli import EXIT_BAD_INPUT, main
from sipm_helpers.config.loader import read_yaml
from sipm_helpers.errors import ParameterError

# Billion laughs: each line nine times the one before.
LAUGHS = """version: 1
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
stages: [*d]
"""


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_plan_with_aliases_is_refused_with_one_line(tmp_path, capsys):
    plan = tmp_path / "laughs.yaml"
    plan.write_text(LAUGHS, encoding="utf-8")
    assert main(["plan", str(plan)]) == EXIT_BAD_INPUT
    line = one_line(capsys.readouterr().err)
    assert "laughs.yaml" in line and "line 2" in line and "alias" in line


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\nb: &x [1, 2]\n", 2), ("a: !!str &x y\n", 1), ("x: 1\ny:\n  z: *q\n", 3)],
)
def test_parameter_files_refuse_anchors_and_aliases(tmp_path, text, line):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=f"p.yaml: line {line}: YAML anchors"):
        read_yaml(path)


def test_an_ampersand_or_a_star_in_a_text_is_no_anchor(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('a: "R&D *"\nb: x & y\nc: 2 * 3\n', encoding="utf-8")
    assert read_yaml(path) == {"a": "R&D *", "b": "x & y", "c": "2 * 3"}
