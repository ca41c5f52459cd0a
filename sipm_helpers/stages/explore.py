"""Opening a dataset to explore (notebook 00): the data at a path loaded and validated as a
stage loads them, handed to the present layer's ``Explorer``."""

from __future__ import annotations

from sipm_helpers.present.explore import Explorer
from sipm_helpers.stages import session
from sipm_helpers.stages.parameters import data_path


def open_dataset(path: str | None = None, lang: str = "en") -> Explorer:
    """The dataset at ``path`` (a folder of CSV or Parquet files, or a workbook; None: the
    demo), validated, ready to explore; DataError listing the findings otherwise."""
    loaded = session.load(data_path(path or ""))
    return Explorer(loaded.dataset, loaded.context, lang)
