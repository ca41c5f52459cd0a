"""What a warm kernel keeps from one notebook to the next: the context and the datasets,
each read and validated once and keyed by the digest of the files it came from.

The batch's kernel preload puts a ``LoadCache`` on the IPython shell; the stage entry
points use it when it is there and load afresh when it is not (a notebook opened in
JupyterLab, a plain papermill run). Each notebook gets its own shallow copy of every
table: with pandas' copy-on-write a notebook that changes its tables changes its copy,
never what the next notebook sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import tree_digest
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.paths import demo_data_dir, parameters_dir

CACHE_ATTRIBUTE = "sipm_cache"
DATA_FILES = ("*.csv", "*.parquet", "*.xlsx")


def _private_copy(ds: Dataset) -> Dataset:
    """``ds`` with every table a shallow (copy-on-write) copy."""
    tables = {
        f.name: getattr(ds, f.name).copy(deep=False)
        for f in fields(ds)
        if isinstance(getattr(ds, f.name), pd.DataFrame)
    }
    return Dataset(**{**{f.name: getattr(ds, f.name) for f in fields(ds)}, **tables})


@dataclass
class LoadCache:
    """Contexts by parameters digest, datasets by (data digest, parameters digest); the
    ``keep`` most recent of each."""

    keep: int = 2
    contexts: dict[str, Context] = field(default_factory=dict)
    datasets: dict[tuple[str, str], Dataset] = field(default_factory=dict)

    def _remember(self, store: dict, key, value):
        store.pop(key, None)
        store[key] = value
        while len(store) > self.keep:
            store.pop(next(iter(store)))
        return value

    def load(self, data: Path | None) -> tuple[Context, Dataset]:
        ctx_key = tree_digest([parameters_dir()], ("*.yaml",))
        ctx = self.contexts.get(ctx_key) or load_context()
        self._remember(self.contexts, ctx_key, ctx)
        key = (tree_digest([data or demo_data_dir()], DATA_FILES), ctx_key)
        ds = self.datasets.get(key) or load_dataset(data, ctx)
        self._remember(self.datasets, key, ds)
        return ctx, _private_copy(ds)


def active_cache() -> LoadCache | None:
    """The cache of the IPython kernel this runs in, if its preload installed one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, CACHE_ATTRIBUTE, None) if shell is not None else None


def load(data: Path | None) -> tuple[Context, Dataset]:
    """The context and the dataset at ``data`` (None: the demo), from the kernel's cache
    where there is one."""
    cache = active_cache()
    if cache is not None:
        return cache.load(data)
    ctx = load_context()
    return ctx, load_dataset(data, ctx)
