"""Dataset I/O: formats round-trip with codes intact; writes are atomic and readable."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from sipm_helpers.data.dataset import TABLES
from sipm_helpers.data.io import atomic_write_bytes, detect_format, read_raw, write_dataset
from sipm_helpers.errors import SipmError


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_formats_round_trip_with_leading_zeros(tmp_path, fmt):
    from builders import tiny_tables

    out = tmp_path / ("d.xlsx" if fmt == "xlsx" else "d")
    write_dataset(tiny_tables(), out, fmt)
    assert detect_format(out) == fmt
    raw = read_raw(out, list(TABLES))
    assert raw.tables["regions"]["region_code"].astype(str).tolist()[0] == "000000"
    assert len(raw.tables["execution"]) == len(tiny_tables()["execution"])


def test_atomic_write_leaves_nothing_on_failure_and_gives_readable_files(tmp_path):
    target = tmp_path / "a" / "r.json"
    atomic_write_bytes(target, b"{}")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask

    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "a" / "s.json", object())  # type: ignore[arg-type]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["r.json"]


def test_write_dataset_replaces_a_folder_whole(tmp_path):
    out = tmp_path / "d"
    write_dataset({"regions": pd.DataFrame({"a": [1]})}, out, "csv")
    write_dataset({"budget": pd.DataFrame({"b": [2]})}, out, "csv")
    assert sorted(p.name for p in out.iterdir()) == ["budget.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_unknown_paths_and_formats_are_clear_errors(tmp_path):
    with pytest.raises(SipmError, match="no such file or folder"):
        detect_format(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(
        SipmError, match=r"a dataset is a folder of CSV or Parquet files or an \.xlsx workbook"
    ):
        detect_format(tmp_path / "x.txt")
    with pytest.raises(SipmError, match="unknown format"):
        write_dataset({}, tmp_path / "o", "json")
