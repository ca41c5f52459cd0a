"""The `sipm` command: validate data, write input templates, generate synthetic data, run the demo.

Exit status: 0 success, 1 a batch finished with failed reports, 2 bad input (nothing is
written to the output folder).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sipm_helpers.errors import BatchInterrupted, SipmError

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _years(text: str) -> tuple[int, int]:
    try:
        first, _, last = text.partition("-")
        a, b = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected years as A-B, e.g. 2021-2026, not {text!r}"
        ) from None
    if b < a:
        raise argparse.ArgumentTypeError(f"the last year {b} is before the first {a}")
    return a, b


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(chosen) - {"html", "pdf"})
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"formats are html and/or pdf, not {text!r}")
    if "pdf" in chosen and "html" not in chosen:
        chosen = ("html", *chosen)  # the PDF is printed from the HTML
    return chosen


def cmd_validate(args: argparse.Namespace) -> int:
    from sipm_helpers.data.validation import validate_path

    _, report = validate_path(args.data)
    print(report.to_text(per_rule=args.max_per_rule))
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def cmd_template(args: argparse.Namespace) -> int:
    from sipm_helpers.data.templates import write_templates

    path = write_templates(Path(args.dir), args.format, lang=args.lang, regions=args.regions)
    print(f"templates written to {path}")
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from sipm_helpers.data.generate import csv_ready, generate_dataset
    from sipm_helpers.data.io import write_dataset

    start = time.perf_counter()
    tables = generate_dataset(
        args.provinces,
        args.regions_per_province,
        args.years,
        last_month=args.last_month,
        seed=args.seed,
    )
    if args.format == "csv":
        tables = {name: csv_ready(frame) for name, frame in tables.items()}
    path = write_dataset(tables, Path(args.out), args.format, force=args.force)
    rows = sum(len(t) for t in tables.values())
    print(
        f"wrote {rows:,} rows in {len(tables)} tables to {path} ({time.perf_counter() - start:.1f} s)"
    )
    return EXIT_OK


def _plan(args: argparse.Namespace):
    """The plan file with the command's options applied."""
    from sipm_helpers.batch.plan import Scope
    from sipm_helpers.batch.planfile import load_plan

    plan = load_plan(args.plan)
    scope = Scope(
        tuple(args.fund) if args.fund else plan.scope.funds,
        tuple(args.province) if args.province else plan.scope.provinces,
        tuple(args.region) if args.region else plan.scope.regions,
    )
    stages = plan.stages
    if args.only:
        unknown = [s for s in args.only if s not in stages]
        if unknown:
            raise SipmError(f"--only {', '.join(unknown)}: the plan runs {', '.join(stages)}")
        stages = {s: stages[s] for s in args.only}
    stages = {**stages, **getattr(args, "when", {})}
    return plan.override(
        stages=stages,
        scope=scope,
        data=str(Path(args.data).resolve()) if args.data else None,
        out=args.out,
        workers=args.workers,
        formats=args.formats,
        languages=args.lang,
        kernels="cold" if args.cold_kernels else None,
    )


def _jobs(plan):
    """Load the context and the data, plan the jobs and check them all: bad data or a bad
    job stops here, before anything is written."""
    from sipm_helpers.batch.plan import plan_jobs
    from sipm_helpers.batch.runner import check_jobs
    from sipm_helpers.config.context import load_context
    from sipm_helpers.data.validation import load_dataset

    ctx = load_context()
    dataset = load_dataset(plan.data or None, ctx)
    jobs = plan_jobs(
        dataset,
        plan.stages,
        scope=plan.scope,
        langs=plan.languages,
        data=plan.data,
        as_of=plan.as_of,
        review_date=plan.review_date,
    )
    check_jobs(jobs, Path(plan.out), ctx, dataset)
    return ctx, dataset, jobs


def _executor(args: argparse.Namespace, plan):
    """The executor the batch runs on: None (the local pool) or a Dask cluster's."""
    if args.executor == "local":
        return contextlib.nullcontext(None)
    from sipm_helpers.batch.cluster import dask_executor

    return dask_executor(
        args.scheduler,
        workers=plan.workers,
        start_timeout=plan.timeouts.start,
        restart_every=plan.restart_every,
        warm=plan.kernels == "warm",
    )


def _formats_available(formats: tuple[str, ...]) -> tuple[str, ...]:
    from sipm_helpers.render.pdf import find_chromium

    if "pdf" in formats and find_chromium() is None:
        print(
            "PDF skipped: no Chromium found. Install it (Debian: apt-get install chromium) "
            "or set SIPM_CHROMIUM to a Chrome/Chromium binary; rendering HTML only."
        )
        return tuple(f for f in formats if f != "pdf")
    return formats


def cmd_run(args: argparse.Namespace) -> int:
    from sipm_helpers.batch.progress import Progress
    from sipm_helpers.batch.runner import RunOptions, run_jobs
    from sipm_helpers.render.publish import page_maker, publish

    plan = _plan(args)
    ctx, dataset, jobs = _jobs(plan)
    formats = _formats_available(plan.formats)
    out = Path(plan.out)
    options = RunOptions(
        plan.workers, args.force, plan.timeouts, plan.retries, plan.kernels, plan.restart_every
    )
    start = time.perf_counter()
    with (
        _executor(args, plan) as executor,
        Progress(len(jobs), "notebooks", quiet=args.quiet, verbose=args.verbose) as notebooks,
    ):
        manifest = run_jobs(
            jobs, out, dataset, options, executor=executor, on_done=notebooks.done,
            after=page_maker(out, dataset, ctx),
        )  # fmt: skip
    ran = time.perf_counter() - start
    with Progress(len(jobs), "reports", quiet=args.quiet) as progress:
        published = publish(
            jobs, manifest, out, dataset, ctx, formats=formats, site_lang=plan.languages[0],
            title=plan.title, on_done=lambda job: progress.step(),
        )  # fmt: skip
    failed = published.failed
    print(
        f"{len(jobs) - len(failed)} of {len(jobs)} reports published ({', '.join(formats)}) "
        f"in {time.perf_counter() - start:.1f} s (notebooks {ran:.1f} s); manifest: {manifest.path}"
    )
    print("notebooks: " + ", ".join(f"{k} {v}" for k, v in notebooks.counts.items()))
    for what, names in summary_flags(jobs, manifest).items():
        print(f"{what}: {len(names)} fund-region(s): {', '.join(names)}")
    for entry in failed:
        first = (entry.error or "").splitlines()[0] if entry.error else ""
        print(f"FAILED {entry.stage} {entry.fund} {entry.region}: {first}")
    print(f"index: {published.index}")
    return EXIT_FAILURES if failed else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from sipm_helpers.paths import parameters_dir

    args.plan = parameters_dir() / "plans" / "demo.yaml"
    args.when = {
        k: v
        for k, v in (("self_evaluation", args.year), ("monitoring", args.period))
        if v is not None
    }
    return cmd_run(args)


def cmd_plan(args: argparse.Namespace) -> int:
    """Print what a plan would run, per stage and fund, and what is already up to date."""
    from sipm_helpers.batch.runner import preview

    plan = _plan(args)
    _, dataset, jobs = _jobs(plan)
    rows = preview(jobs, Path(plan.out), dataset)
    width = max((len(f"{r[0]} {r[1]}") for r in rows), default=10)
    print(f"{plan.source}: {len(jobs)} notebook(s) into {plan.out}")
    print(f"{'stage / fund':<{width}}  jobs  up to date  to run")
    for stage, fund, total, fresh in rows:
        print(f"{stage + ' ' + fund:<{width}}  {total:>4}  {fresh:>10}  {total - fresh:>6}")
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    from sipm_helpers.batch.stages import notebook_stage

    try:
        stage = notebook_stage(args.notebook)
    except KeyError as exc:
        raise SipmError(exc.args[0]) from None
    print(f"{stage.notebook} ({stage.name}) parameters:")
    for p in stage.parameters:
        print(f"  {p.name:<12} {p.type.__name__:<4} default {json.dumps(p.default):<20} {p.help}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from sipm_helpers.config.context import load_context
    from sipm_helpers.present.export import UNITS, run_tables, write_workbook

    path = write_workbook(run_tables(args.run, load_context()), Path(args.out), UNITS)
    print(f"scores exported to {path}")
    return EXIT_OK


def lab_command(port: int | None, browser: bool, is_root: bool) -> list[str]:
    """JupyterLab on the stage notebooks with this environment's Python, bound to this
    machine only and protected by its random token (Jupyter's default, never turned off);
    as root, with --allow-root (JupyterLab refuses root otherwise)."""
    from sipm_helpers.paths import notebooks_dir

    cmd = [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1"]
    cmd.append(f"--ServerApp.root_dir={notebooks_dir()}")
    if port:
        cmd.append(f"--ServerApp.port={port}")
    if not browser:
        cmd.append("--no-browser")
    if is_root:
        cmd.append("--allow-root")
    return cmd


def cmd_lab(args: argparse.Namespace) -> int:
    import os
    import subprocess

    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root:
        print(
            "running as root: JupyterLab is started with --allow-root (it refuses root "
            "otherwise), still bound to 127.0.0.1 with a token",
            file=sys.stderr,
        )
    return subprocess.call(lab_command(args.port, not args.no_browser, is_root))


def summary_flags(jobs, manifest) -> dict[str, list[str]]:
    """The batch summary: per stage, 'region fund' of every job whose structured result
    calls for attention (the stage's flag: a review returned, a red alert, a failed
    solvency test)."""
    out: dict[str, list[str]] = {}
    for job in jobs:
        record = manifest.records.get(job.job_id)
        flag = job.definition.flag
        if flag is None or record is None or record.status != "ok" or not record.result:
            continue
        result = json.loads((manifest.path.parent / record.result).read_text(encoding="utf-8"))
        if flag.test(result):
            names = out.setdefault(flag.heading.format(when=job.when), [])
            if f"{job.region} {job.fund}" not in names:  # one line per region, not per language
                names.append(f"{job.region} {job.fund}")
    return out


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _languages(text: str) -> tuple[str, ...]:
    chosen = tuple(_codes(text))
    if not chosen or set(chosen) - {"en", "zh"}:
        raise argparse.ArgumentTypeError(f"languages are en and/or zh, not {text!r}")
    return chosen


def _batch_options(p: argparse.ArgumentParser, *, out_default: str | None) -> None:
    """The options `sipm run`, `sipm plan` and `sipm demo` share; each overrides the plan."""
    p.add_argument("--out", default=out_default, help="output folder (default: the plan's)")
    p.add_argument("--data", default=None, help="dataset to use instead of the plan's")
    p.add_argument("--fund", action="append", type=str, help="only this fund (repeatable)")
    p.add_argument("--region", action="append", type=str, help="only this region (repeatable)")
    p.add_argument("--province", action="append", type=str, help="only this province's regions")
    p.add_argument("--workers", type=int, default=None, help="parallel notebooks (default: cores)")
    p.add_argument("--formats", type=_formats, default=None, help="html,pdf or html")
    p.add_argument("--lang", type=_languages, default=None, help="en, zh or en,zh")
    p.add_argument("--force", action="store_true", help="re-run notebooks that are up to date")
    p.add_argument("--cold-kernels", action="store_true", help="a new kernel per notebook")
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (--executor dask)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--verbose", action="store_true", help="print each notebook as it ends")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sipm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a dataset and print every error and warning")
    p.add_argument("data", help="a folder of CSV or Parquet files, or an .xlsx workbook")
    p.add_argument(
        "--max-per-rule", type=int, default=20, help="findings shown per rule (default 20)"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help="write empty input templates documenting every column")
    p.add_argument("dir", help="folder (csv) or workbook path or folder (xlsx)")
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="language of the whole template: notes, README, lookup headings",
    )
    p.add_argument(
        "--regions",
        metavar="DATASET",
        help="a dataset (folder or workbook) whose regions and pooling the template carries "
        "filled in, its region drop-downs offering exactly those regions",
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("generate", help="write a deterministic synthetic dataset of any size")
    p.add_argument("--provinces", type=int, required=True)
    p.add_argument("--regions-per-province", type=int, required=True)
    p.add_argument("--years", type=_years, required=True, help="e.g. 2021-2026")
    p.add_argument(
        "--last-month",
        type=int,
        default=12,
        choices=range(1, 13),
        metavar="1-12",
        help="last month executed in the final year (default 12)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=["parquet", "csv", "xlsx"], default="parquet")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the --out folder even if it holds files sipm did not write",
    )
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("run", help="run a plan: its stages' notebooks, then publish the reports")
    p.add_argument("plan", help="a plan file (YAML), e.g. parameters/plans/demo.yaml")
    p.add_argument("--only", action="append", help="only this stage of the plan (repeatable)")
    _batch_options(p, out_default=None)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("plan", help="print what a plan would run, without running it")
    p.add_argument("plan", help="a plan file (YAML)")
    p.add_argument("--only", action="append", help="only this stage of the plan (repeatable)")
    _batch_options(p, out_default=None)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "export", help="a run's self-evaluation totals and scores as one Excel workbook"
    )
    p.add_argument("run", help="a run's output folder (e.g. outputs/demo)")
    p.add_argument("--out", required=True, help="the workbook to write (.xlsx)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("lab", help="open JupyterLab on the notebooks (localhost, with a token)")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=cmd_lab)

    p = sub.add_parser("params", help="list a stage notebook's parameters")
    p.add_argument("notebook", help="a notebook of notebooks/, e.g. 03_self_evaluation.ipynb")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser(
        "demo", help="run the demo plan (parameters/plans/demo.yaml): every stage, every region"
    )
    _batch_options(p, out_default=str(Path("outputs") / "demo"))
    p.add_argument("--year", type=int, default=None, help="year of the self-evaluations")
    p.add_argument("--period", default=None, help="month monitored, e.g. 2026-10")
    p.set_defaults(func=cmd_demo, only=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sipm` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BatchInterrupted as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INTERRUPTED
    except SipmError as exc:
        report = getattr(exc, "report", None)
        print(f"error: {report.to_text() if report is not None else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(
            "interrupted: finished notebooks are kept; run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
