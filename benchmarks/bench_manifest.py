"""Benchmark (not a test): the manifest's bookkeeping per job at national scale (issue 21
§5b), the run's database against the whole-file rewrite it replaced, in the same process.

For each batch size N, a run folder holding N synthetic job records is made, then the
bookkeeping of one job is timed: recording it as it ends and updating it once published
(two updates). The baseline is the old approach, reimplemented minimally: every update
turns all N records into dicts (``asdict``) and rewrites ``manifest.json`` atomically (it
also re-read the file first, left out here: the baseline is flattered). Prints the
milliseconds per job (median of --repeat, each over --sample jobs), the ratio, and the
cost of the one export of ``manifest.json`` the new approach writes at the end.

Usage: python benchmarks/bench_manifest.py [--sizes 100 1000 5000] [--repeat N] [--sample K]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from sipm_helpers.batch import store
from sipm_helpers.batch.manifest import MANIFEST_VERSION, OK, JobRecord, Manifest
from sipm_helpers.data.io import atomic_write_text


def record(i: int) -> JobRecord:
    """A job record of the size a real one has."""
    return JobRecord(
        job_id=f"self_evaluation-pension-{i:06d}-2025-en", stage="self_evaluation",
        fund="pension", region=f"{i:06d}", when=2025, lang="en", status=OK,
        fingerprint="f" * 64, seconds=12.5, notebook=f"runs/{i:06d}/nb.ipynb",
        result=f"runs/{i:06d}/result.json", parameters={"region": f"{i:06d}", "year": 2025},
        started="2026-12-04T20:00:00+00:00", finished="2026-12-04T20:00:12+00:00",
        versions={"python": "3.11.7", "pandas": "2.2.3"}, worker="host:1234",
    )  # fmt: skip


class OldManifest:
    """The whole-file rewrite: every update writes every record."""

    def __init__(self, path: Path, records: dict[str, JobRecord]):
        self.path, self.records = path, records

    def update(self, one: JobRecord) -> None:
        self.records[one.job_id] = one
        jobs = {k: asdict(v) for k, v in sorted(self.records.items())}
        data = {"version": MANIFEST_VERSION, "meta": {}, "jobs": jobs}
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def old_manifest(folder: Path, n: int) -> OldManifest:
    return OldManifest(folder / "manifest.json", {r.job_id: r for r in map(record, range(n))})


def new_manifest(folder: Path, n: int) -> Manifest:
    store.write(folder / store.STATE_NAME, [asdict(record(i)) for i in range(n)])
    return Manifest.load(folder / "manifest.json")


def per_job(make: Callable[[Path, int], object], n: int, repeat: int, sample: int) -> float:
    """Seconds of one job's bookkeeping (recorded, then published) with ``n`` records."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = make(Path(tmp), n)
            start = time.perf_counter()
            for i in range(n - sample, n):  # the batch's last jobs: the manifest is full
                done = record(i)
                manifest.update(done)  # the job ends
                manifest.update(replace(done, html=f"site/{i:06d}.html"))  # it is published
            runs.append((time.perf_counter() - start) / sample)
    return statistics.median(runs)


def export_seconds(n: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = new_manifest(Path(tmp), n)
            start = time.perf_counter()
            manifest.save()
            runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20, help="jobs timed per repeat")
    args = parser.parse_args()
    print(f"per job: recorded + published (median of {args.repeat}, {args.sample} jobs each)")
    first: float | None = None
    for n in args.sizes:
        sample = min(args.sample, n)
        old = per_job(old_manifest, n, args.repeat, sample)
        new = per_job(new_manifest, n, args.repeat, sample)
        first = first or new
        print(
            f"{n:>6} jobs: rewrite {old * 1e3:9.2f} ms/job, database {new * 1e3:6.2f} ms/job "
            f"({new / first:.2f}× the smallest size's); ratio {old / new:7.1f}×; "
            f"batch of {n}: rewrite {old * n:7.1f} s, database {new * n:5.2f} s "
            f"+ one export {export_seconds(n, args.repeat):.2f} s"
        )


if __name__ == "__main__":
    main()
