"""Benchmarks (not tests): prints figures and ratios against a baseline run in the same process.

1. The demo batch (`sipm demo`: the target review of 2026, monitoring to 2026-10, the
   self-evaluation of 2025 for every fund at every coordinating region, each province's
   evaluation of them and the feedback letters, HTML) — wall time,
   notebooks per minute and the median execution cost per stage in the batch — against the
   same notebooks run as a plain sequential loop of `papermill` CLI calls followed by
   `jupyter nbconvert --to html --no-input`; the floor (a self-evaluation's cells as plain
   Python in a warm process); optionally cold kernels (--cold) and 1 against 2 workers
   (--scaling).
2. A national generated dataset (31 provinces, ~350 coordinating regions, 2021–2026) read
   from Parquet and validated: time and peak memory, median of --repeat runs, each in a
   fresh process so peak memory is the load's own.
3. Computing and scoring every indicator of that dataset at once (every region, fund, year).
4. Projecting the sustainability of every region and fund of it from 2025, against the
   same projection made one region and fund at a time (a sample, scaled up).
5. The evaluation chain of one fund (--chain-fund) on that dataset: every region's
   self-evaluation, each province's evaluation of them (31), each region's feedback
   letter, as one `sipm run`; each stage's median notebook against a self-evaluation's.

Usage: python benchmarks/bench.py [--skip-batch] [--skip-baseline] [--repeat N] [--limit N]
       [--cold] [--scaling] [--floor-sample N] [--skip-national]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

NATIONAL_PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from sipm_helpers.config.context import load_context
from sipm_helpers.data.validation import load_dataset
# A national dataset is beyond a province's limits (parameters/limits.yaml): raised here
# as a national evaluator raises them in a parameters folder of their own.
from dataclasses import replace
import sipm_helpers.data.io as io
national = replace(io.load_limits(), file_bytes=2**31, rows=20_000_000, cells=200_000_000)
io.load_limits = lambda: national
ctx = load_context()
t1 = time.perf_counter()
ds = load_dataset(sys.argv[1], ctx)
t2 = time.perf_counter()
rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.scoring import summarize_scores
t3 = time.perf_counter()
scored = indicator_frame(ds, ctx)
totals = summarize_scores(scored, ctx.standards, ["region_code", "fund", "year"])
t4 = time.perf_counter()
from sipm_helpers.config.sustainability import load_sustainability_rules
from sipm_helpers.domain.sustainability import project
rules = load_sustainability_rules()
t5 = time.perf_counter()
projection = project(ds, ctx, rules, last_year=2025)
t6 = time.perf_counter()
rss_project = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# Baseline in the same process: the same projection one region and fund at a time.
sample = ds.coordination.head(int(sys.argv[2]))
t7 = time.perf_counter()
for r in sample.itertuples():
    project(ds, ctx, rules, funds=[r.fund], regions=[r.region_code], last_year=2025)
t8 = time.perf_counter()
print(json.dumps({
    "project_s": t6 - t5, "projected": len(projection.summary), "peak_rss_project_mb": rss_project,
    "failing": int((projection.summary["solvency_pass"] == 0).sum()),
    "loop_s_per_region": (t8 - t7) / len(sample), "loop_sample": len(sample),
    "load_validate_s": t2 - t1, "peak_rss_after_load_mb": rss_load,
    "score_s": t4 - t3, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rows": {k: len(getattr(ds, k)) for k in ("budget", "execution", "statistics", "targets")},
    "indicator_rows": len(scored), "evaluations": len(totals), "warnings": len(ds.report.warnings),
}))
"""


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw)


def bench_batch(out: Path, workers: int | None, *extra: str) -> tuple[float, dict]:
    """`sipm run` of the demo plan (what `sipm demo` runs) with --force, HTML only (the
    baseline renders HTML only); the seconds and the manifest."""
    plan = ROOT / "parameters" / "plans" / "demo.yaml"
    cmd = [str(BIN / "sipm"), "run", str(plan), "--out", str(out), "--force", "--quiet"]
    cmd += ["--formats", "html"]
    if workers:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    run([*cmd, *extra])
    seconds = time.perf_counter() - start
    return seconds, json.loads((out / "manifest.json").read_text())["jobs"]


def bench_baseline(jobs: dict, out: Path, limit: int | None) -> tuple[float, int]:
    """The same notebooks, one `papermill` CLI call then one `jupyter nbconvert` call each."""
    from sipm_helpers.stages.registry import STAGES

    every = list(jobs.values())
    step = max(1, len(every) // limit) if limit else 1
    chosen = every[::step][: limit or None]  # spread over the stages, not the first one's
    start = time.perf_counter()
    for job in chosen:
        executed = out / f"{job['stage']}-{job['when']}-{job['fund']}-{job['region']}.ipynb"
        parameters = {**job["parameters"], "result_path": str(executed.with_suffix(".json"))}
        flags = [
            f
            for name, value in parameters.items()
            for f in (("-p", name, str(value)) if isinstance(value, int) else ("-r", name, value))
        ]
        notebook = STAGES[job["stage"]].path
        run([str(BIN / "papermill"), str(notebook), str(executed), "--no-progress-bar", *flags])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    return time.perf_counter() - start, len(chosen)


def floor_seconds(sample: int, out: Path) -> list[float]:
    """The floor: a self-evaluation's cells (the stage call, every section, saving the
    result and the scoring form) as plain Python in one warm process, data and shared
    results cached as in a warm kernel; seconds per region."""
    import matplotlib

    matplotlib.use("agg")
    from sipm_helpers.stages import self_evaluation, session

    cache = session.LoadCache()
    ds = cache.load(None).dataset
    pairs = ds.coordination.head(sample + 1)
    times = []
    for fund, region in zip(pairs["fund"], pairs["region_code"], strict=True):
        start = time.perf_counter()
        with _cache(cache):
            run = self_evaluation.run(fund=str(fund), region=str(region))
            for section in SECTIONS:
                getattr(run.report, section)()
            run.save(out / f"{fund}-{region}.json")
        times.append(time.perf_counter() - start)
    return times[1:]  # the first computes the fund's shared results, as a kernel's first does


SECTIONS = ("header", "summary", "targets", "funding", "management", "overall_targets",
            "indicators", "sustainability", "deviations", "data_quality")  # fmt: skip


def _cache(cache):
    """Make ``cache`` the active one, as a warm kernel's preload does."""
    from unittest import mock

    return mock.patch("sipm_helpers.stages.session.active_cache", lambda: cache)


def _stage_median(jobs: dict, stage: str, key: str = "seconds") -> float:
    return statistics.median(j[key] or 0.0 for j in jobs.values() if j["stage"] == stage)


STAGE_NAMES = ("target_review", "monitoring", "self_evaluation", "provincial_evaluation",
               "feedback_letter")  # fmt: skip
CHAIN = ("self_evaluation", "provincial_evaluation", "feedback_letter")


def bench_national_chain(national: Path, out: Path, fund: str) -> None:
    """The evaluation chain of one fund on the national dataset: every region's
    self-evaluation of 2025, each province's evaluation of them, each region's letter
    (`sipm run`, HTML); wall time and the median notebook of each stage."""
    plan = out / "national-chain.yaml"
    plan.write_text(
        f"version: 1\ndata: {national}\nout: {out / 'run'}\nfunds: [{fund}]\n"
        "formats: [html]\nstages: {" + ", ".join(f"{s}: 2025" for s in CHAIN) + "}\n",
        encoding="utf-8",
    )
    start = time.perf_counter()
    run([str(BIN / "sipm"), "run", str(plan), "--quiet"])
    seconds = time.perf_counter() - start
    jobs = json.loads((out / "run" / "manifest.json").read_text())["jobs"]
    counts = {s: sum(j["stage"] == s for j in jobs.values()) for s in CHAIN}
    failed = sum(j["status"] != "ok" for j in jobs.values())
    print(
        f"national evaluation chain of {fund}: {len(jobs)} notebooks ({counts}), {failed} "
        f"failed, executed and rendered (HTML) in {seconds:.1f} s"
    )
    medians = {s: _stage_median(jobs, s) for s in CHAIN}
    for s in CHAIN:
        print(f"  median in the batch, {s}: {medians[s]:.2f} s")
    print(
        f"  a provincial evaluation costs {medians['provincial_evaluation'] / medians['self_evaluation']:.1f}x "
        f"a self-evaluation; a letter {medians['feedback_letter'] / medians['self_evaluation']:.2f}x"
    )


def report_batch(args, tmp: Path) -> None:
    seconds, jobs = bench_batch(tmp / "batch", args.workers)
    count = len(jobs)
    print(
        f"demo batch, warm kernels: {count} notebooks executed and rendered (HTML) in "
        f"{seconds:.1f} s = {count / seconds * 60:.1f} notebooks/min ({seconds / count:.2f} s each)"
    )
    for stage in STAGE_NAMES:
        print(
            f"  median in the batch, {stage}: execution {_stage_median(jobs, stage):.2f} s, "
            f"then its page {_stage_median(jobs, stage, 'render_seconds'):.2f} s"
        )
    (tmp / "floor").mkdir()
    floor = floor_seconds(args.floor_sample, tmp / "floor")
    print(
        f"  floor: the self-evaluation's cells as plain Python in a warm process: median "
        f"{statistics.median(floor):.2f} s over {len(floor)} regions"
    )
    if args.cold:
        cold_s, _ = bench_batch(tmp / "cold", args.workers, "--cold-kernels")
        print(
            f"demo batch, --cold-kernels: {cold_s:.1f} s = {cold_s / seconds:.2f}x the warm batch"
        )
    if args.scaling:
        for workers in (1, 2):
            w_s, w_jobs = bench_batch(tmp / f"w{workers}", workers, "--only", "self_evaluation")
            print(f"self-evaluations only ({len(w_jobs)}), {workers} worker(s): {w_s:.1f} s")
    if not args.skip_baseline:
        (tmp / "baseline").mkdir()
        base_s, base_n = bench_baseline(jobs, tmp / "baseline", args.limit)
        per_base, per_batch = base_s / base_n, seconds / count
        print(
            f"baseline: {base_n} notebooks as papermill CLI + jupyter nbconvert --no-input (HTML), "
            f"sequential: {base_s:.1f} s = {per_base:.2f} s each"
        )
        print(f"ratio: the batch is {per_base / per_batch:.2f}x faster per notebook")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the national load (median quoted)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="baseline on the first N notebooks only"
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--loop-sample", type=int, default=40, help="regions projected one at a time (baseline)"
    )
    parser.add_argument("--cold", action="store_true", help="also run the batch with cold kernels")
    parser.add_argument(
        "--scaling", action="store_true", help="self-evaluations on 1 and 2 workers"
    )
    parser.add_argument("--floor-sample", type=int, default=20, help="regions timed for the floor")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument(
        "--chain-fund",
        default="employee_medical",
        help="fund whose evaluation chain runs on the national dataset ('' to skip)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_batch:
            report_batch(args, tmp)
        if args.skip_national:
            return
        national = tmp / "national"
        start = time.perf_counter()
        run(
            [
                str(BIN / "sipm"),
                "generate",
                "--provinces",
                "31",
                "--regions-per-province",
                "11",
                "--years",
                "2021-2026",
                "--last-month",
                "10",
                "--out",
                str(national),
                "--format",
                "parquet",
            ]
        )
        print(
            f"national dataset generated and written as Parquet in {time.perf_counter() - start:.1f} s"
        )
        results = [
            json.loads(
                run(
                    [sys.executable, "-c", NATIONAL_PROBE, str(national), str(args.loop_sample)]
                ).stdout
            )
            for _ in range(args.repeat)
        ]
        med = lambda key: statistics.median(r[key] for r in results)  # noqa: E731
        r0 = results[0]
        all_runs = ", ".join(f"{r['load_validate_s']:.2f}" for r in results)
        print(f"national dataset: {r0['rows']} rows, {r0['warnings']} warnings")
        print(
            f"load + validate (Parquet): median {med('load_validate_s'):.2f} s over {len(results)} runs "
            f"(all: {all_runs}); peak RSS {med('peak_rss_after_load_mb'):.0f} MB"
        )
        print(
            f"compute + score every indicator ({r0['evaluations']:,} region-fund-years, {r0['indicator_rows']:,} rows): "
            f"median {med('score_s'):.2f} s; peak RSS {med('peak_rss_mb'):.0f} MB"
        )
        loop = med("loop_s_per_region") * r0["projected"]
        print(
            f"project every region and fund ({r0['projected']:,}, {r0['failing']} failing the "
            f"solvency test): median {med('project_s'):.2f} s, peak RSS "
            f"{med('peak_rss_project_mb'):.0f} MB; one at a time "
            f"({r0['loop_sample']} timed, scaled): {loop:.1f} s = "
            f"{loop / med('project_s'):.1f}x slower"
        )
        if args.chain_fund:
            (tmp / "chain").mkdir()
            bench_national_chain(national, tmp / "chain", args.chain_fund)


if __name__ == "__main__":
    main()
