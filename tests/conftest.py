"""Shared fixtures: the parameters context and the tiny hand-computable dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))

from builders import write_tiny

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.validation import load_dataset

# What makes a test slow: the whole demo country, a browser, a kernel. `make test-fast`
# leaves these out; `make test` runs everything.
SLOW_FIXTURES = frozenset({"demo", "chromium", "warm_kernel"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames) or item.get_closest_marker("notebook"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def english_command_line(monkeypatch):
    """The command line speaks English in tests that do not ask for Chinese, whatever the
    locale of the machine running them (a Chinese locale would make it speak Chinese)."""
    import os

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name, "").lower().startswith("zh"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def ctx() -> Context:
    return load_context()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("tiny") / "tiny")


@pytest.fixture(scope="session")
def tiny(tiny_dir: Path, ctx: Context) -> Dataset:
    return load_dataset(tiny_dir, ctx)


@pytest.fixture(scope="session")
def demo(ctx: Context) -> Dataset:
    return load_dataset(None, ctx)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bad-input corpus (tests/bad_inputs/make_corpus.py): each case is the tiny dataset
    with one mutation, written once a session (a few seconds), not stored."""
    import make_corpus

    root = tmp_path_factory.mktemp("bad_inputs")
    make_corpus.write_corpus(root)
    return root


@pytest.fixture(scope="session")
def warm_kernel():
    """One kernel for the session's notebooks (one per xdist worker), started once and reset
    between notebooks by the batch's own isolation: what a warm batch worker does."""
    from sipm_helpers.batch.kernel import WarmKernel
    from sipm_helpers.batch.worker import hosting

    kernel = WarmKernel()
    with hosting(kernel):
        yield kernel


@pytest.fixture(scope="session")
def chromium() -> str:
    from sipm_helpers.render.pdf import find_chromium

    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium on PATH and SIPM_CHROMIUM unset: PDF rendering not tested")
    return path
