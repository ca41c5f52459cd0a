"""The conda environment and pyproject.toml name the same dependencies; the README's
command lines work as typed."""

from __future__ import annotations

import re
import tomllib

import yaml

from sipm_helpers.paths import PROJECT_DIR


def names(specs) -> set[str]:
    out = set()
    for spec in specs:
        name = re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")
        if name and name not in ("python", "pip", "-e", "."):
            out.add(name)
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    declared = names(project["dependencies"]) | names(project["optional-dependencies"]["test"])
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert names(conda) | names(p for p in pip if not p.startswith("-e")) == declared


def test_notebooks_are_stored_without_outputs():
    import nbformat

    for path in sorted((PROJECT_DIR / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        assert sum("parameters" in t for t in tags) == 1, path.name


def test_the_readmes_command_lines_work_as_typed():
    """Every block of shell commands in the README that calls `sipm` (or `dask`) by its
    bare name activates the environment first, where `pip install -e` put the console
    script that pyproject.toml names; or it calls .venv/bin/sipm."""
    scripts = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["sipm"] == "sipm_helpers.cli:main"
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert "`.venv/bin/sipm`" in readme and "source .venv/bin/activate" in readme
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    calling = 0
    for block in blocks:
        lines = [line.split("#")[0].strip() for line in block.splitlines()]
        bare = [i for i, line in enumerate(lines) if re.match(r"(sipm|dask)\b", line)]
        if not bare:
            continue
        calling += 1
        assert "source .venv/bin/activate" in lines[: bare[0]], block
    assert calling >= 2
