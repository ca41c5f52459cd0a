"""What a warm kernel keeps from one notebook to the next: the context and the datasets,
each read and validated once and keyed by the digest of the files it came from.

The batch's kernel preload puts a ``LoadCache`` on the IPython shell; the stage entry
points use it when it is there and load afresh when it is not (a notebook opened in
JupyterLab, a plain papermill run). Each notebook gets its own shallow copy of every
table: with pandas' copy-on-write a notebook that changes its tables changes its copy,
never what the next notebook sees.

A warm kernel also keeps what the stages derive from a dataset for all of its regions at
once (a fund's annual facts, scores and projection): computed by the first notebook that
needs it, read by the rest. Outside a warm kernel a stage computes for its one region.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import tree_digest
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.paths import demo_data_dir, parameters_dir

CACHE_ATTRIBUTE = "sipm_cache"
DATA_FILES = ("*.csv", "*.parquet", "*.xlsx")
T = TypeVar("T")


def _private_copy(value: T) -> T:
    """``value`` with every table in it (itself, or a field of a dataclass, nested) a
    shallow copy: with pandas' copy-on-write, changing the copy leaves the original alone."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(
            value,
            **{f.name: _private_copy(getattr(value, f.name)) for f in fields(value) if f.init},
        )
    return value


@dataclass(frozen=True)
class Loaded:
    """A stage's context and dataset, and where results derived from the dataset for all
    of its regions are kept (``shared``; None outside a warm kernel)."""

    context: Context
    dataset: Dataset
    shared: dict[Hashable, Any] | None = None

    def derived(self, key: Hashable, compute: Callable[[list[str] | None], T], region: str) -> T:
        """``compute(None)`` (every region) once per kernel and dataset where results are
        shared, ``compute([region])`` otherwise. What it returns is read, never changed."""
        if self.shared is None:
            return compute([region])
        if key not in self.shared:
            self.shared[key] = compute(None)
        return _private_copy(self.shared[key])


@dataclass
class LoadCache:
    """Contexts by parameters digest, datasets by (data digest, parameters digest) with
    what was derived from them; the ``keep`` most recent of each."""

    keep: int = 2
    contexts: dict[str, Context] = field(default_factory=dict)
    datasets: dict[tuple[str, str], tuple[Dataset, dict]] = field(default_factory=dict)

    def _remember(self, store: dict, key, value):
        store.pop(key, None)
        store[key] = value
        while len(store) > self.keep:
            store.pop(next(iter(store)))
        return value

    def load(self, data: Path | None) -> Loaded:
        ctx_key = tree_digest([parameters_dir()], ("*.yaml",))
        ctx = self.contexts.get(ctx_key) or load_context()
        self._remember(self.contexts, ctx_key, ctx)
        key = (tree_digest([data or demo_data_dir()], DATA_FILES), ctx_key)
        ds, shared = self.datasets.get(key) or (load_dataset(data, ctx), {})
        self._remember(self.datasets, key, (ds, shared))
        return Loaded(ctx, _private_copy(ds), shared)


def active_cache() -> LoadCache | None:
    """The cache of the IPython kernel this runs in, if its preload installed one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, CACHE_ATTRIBUTE, None) if shell is not None else None


def load(data: Path | None) -> Loaded:
    """The context and the dataset at ``data`` (None: the demo), from the kernel's cache
    where there is one."""
    cache = active_cache()
    if cache is not None:
        return cache.load(data)
    ctx = load_context()
    return Loaded(ctx, load_dataset(data, ctx))
