"""Benchmark (not a test): exporting a national selection to Excel, against pandas' own
``DataFrame.to_excel`` with openpyxl (unformatted) on the same tables in the same process.

A national dataset is generated (31 provinces, 11 regions each, 2021–2026, as the main
benchmark's), opened with ``open_dataset``, and the totals and indicator scores of every
region and fund for one year, then for every complete year, exported with
``Explorer.export``'s writer. Prints rows, seconds (median of --repeat) and the ratio.

Usage: python benchmarks/bench_export.py [--data PATH] [--repeat N] [--years 2025 2021-2025]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BIN = Path(sys.executable).parent


def timed(write, tables: dict[str, pd.DataFrame], path: Path, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        write(tables, path)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def pandas_baseline(tables: dict[str, pd.DataFrame], path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            pd.DataFrame(frame).to_excel(writer, sheet_name=name, index=False)


def years_of(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a dataset to export from (default: a national one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--years", nargs="+", default=["2025", "2021-2025"])
    args = parser.parse_args()

    import sipm_helpers
    from sipm_helpers.present.export import UNITS, write_workbook

    def formatted(tables: dict[str, pd.DataFrame], path: Path) -> None:
        write_workbook(tables, path, UNITS)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = args.data
        if data is None:
            data = str(tmp / "national")
            subprocess.run(
                [str(BIN / "sipm"), "generate", "--provinces", "31", "--regions-per-province",
                 "11", "--years", "2021-2026", "--last-month", "10", "--out", data,
                 "--format", "parquet"],
                check=True, capture_output=True,
            )  # fmt: skip
        start = time.perf_counter()
        ds = sipm_helpers.open_dataset(data)
        print(f"opened and validated {data} in {time.perf_counter() - start:.1f} s")
        for text in args.years:
            years = years_of(text)
            start = time.perf_counter()
            tables = {"totals": ds.totals(years=years), "scores": ds.scores(years=years)}
            computed = time.perf_counter() - start
            rows = sum(len(t) for t in tables.values())
            cells = sum(t.size for t in tables.values())
            ours = timed(formatted, tables, tmp / "ours.xlsx", args.repeat)
            plain = timed(pandas_baseline, tables, tmp / "plain.xlsx", args.repeat)
            size = (tmp / "ours.xlsx").stat().st_size / 1e6
            print(
                f"years {text}: {rows:,} rows ({cells:,} cells), computed in {computed:.1f} s; "
                f"export (formatted) {ours:.1f} s, {size:.1f} MB; pandas to_excel with openpyxl "
                f"(unformatted) {plain:.1f} s; ratio {plain / ours:.2f}× "
                f"(median of {args.repeat})"
            )


if __name__ == "__main__":
    main()
