"""The `sipm` command: validate data, write input templates, generate synthetic data, run the demo.

Exit status: 0 success, 1 a batch finished with failed reports, 2 bad input (nothing is
written to the output folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sipm_helpers.errors import SipmError

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2


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

    path = write_templates(Path(args.dir), args.format, lang=args.lang)
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
    path = write_dataset(tables, Path(args.out), args.format)
    rows = sum(len(t) for t in tables.values())
    print(
        f"wrote {rows:,} rows in {len(tables)} tables to {path} ({time.perf_counter() - start:.1f} s)"
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sipm_helpers.batch.plan import monitoring_plan, self_evaluation_plan, target_review_plan
    from sipm_helpers.batch.runner import run_jobs
    from sipm_helpers.config.context import load_context
    from sipm_helpers.data.validation import load_dataset
    from sipm_helpers.present.stage import parse_period
    from sipm_helpers.render.pdf import find_chromium
    from sipm_helpers.render.publish import publish

    ctx = load_context()
    dataset = load_dataset(args.data, ctx)  # bad data stops here, before anything is written
    formats = args.formats
    if "pdf" in formats and find_chromium() is None:
        print(
            "PDF skipped: no Chromium found. Install it (Debian: apt-get install chromium) "
            "or set SIPM_CHROMIUM to a Chrome/Chromium binary; rendering HTML only."
        )
        formats = tuple(f for f in formats if f != "pdf")
    data = str(Path(args.data).resolve()) if args.data else ""
    if args.period:
        year, month = parse_period(args.period)
    else:  # the latest month the data reach
        latest = int((dataset.execution["year"] * 100 + dataset.execution["month"]).max())
        year, month = divmod(latest, 100)
    jobs = [
        *target_review_plan(dataset, year, data=data, langs=(args.lang,)),
        *monitoring_plan(dataset, year, month, data=data, langs=(args.lang,)),
        *self_evaluation_plan(dataset, args.year, data=data, langs=(args.lang,)),
    ]
    out = Path(args.out)
    start = time.perf_counter()
    with tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=args.quiet) as bar:
        manifest = run_jobs(
            jobs,
            out,
            workers=args.workers,
            force=args.force,
            on_done=lambda rec, skipped: bar.update(1),
        )
    ran = time.perf_counter() - start
    with tqdm(total=len(jobs), desc="reports", unit="report", disable=args.quiet) as bar:
        published = publish(
            jobs,
            manifest,
            out,
            dataset,
            ctx,
            formats=formats,
            site_lang=args.lang,
            on_done=lambda job: bar.update(1),
        )
    total = time.perf_counter() - start
    failed = published.failed
    print(
        f"{len(jobs) - len(failed)} of {len(jobs)} reports published ({', '.join(formats)}) "
        f"in {total:.1f} s (notebooks {ran:.1f} s); manifest: {manifest.path}"
    )
    for what, names in summary_flags(jobs, manifest).items():
        print(f"{what}: {len(names)} fund-region(s): {', '.join(names)}")
    for entry in failed:
        print(
            f"FAILED {entry.stage} {entry.fund} {entry.region}: {(entry.error or '').splitlines()[0] if entry.error else ''}"
        )
    print(f"index: {published.index}")
    return EXIT_FAILURES if failed else EXIT_OK


# What the batch summary lists, per stage: a heading and the test a result must pass.
SUMMARY_FLAGS = {
    "target_review": ("target reviews {year}: returned", lambda r: r["verdict"] == "return"),
    "monitoring": ("monitoring {period}: red alerts", lambda r: r["counts"]["red"] > 0),
    "self_evaluation": (
        "self-evaluations {year}: failing the 10-year solvency test",
        lambda r: (r.get("sustainability") or {}).get("solvency_pass") == 0,
    ),
}


def summary_flags(jobs, manifest) -> dict[str, list[str]]:
    """The batch summary: per stage, 'region fund' of every job whose structured result
    calls for attention (a review returned, a red alert, a failed solvency test)."""
    out: dict[str, list[str]] = {}
    for job in jobs:
        record = manifest.records.get(job.job_id)
        if job.stage not in SUMMARY_FLAGS or record is None or record.status != "ok":
            continue
        if not record.result:
            continue
        heading, flagged = SUMMARY_FLAGS[job.stage]
        result = json.loads((manifest.path.parent / record.result).read_text(encoding="utf-8"))
        if flagged(result):
            what = heading.format(year=job.year, period=job.period)
            names = out.setdefault(what, [])
            if f"{job.region} {job.fund}" not in names:  # one line per region, not per language
                names.append(f"{job.region} {job.fund}")
    return out


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
        "--lang", choices=["en", "zh"], default="en", help="language of the column notes"
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
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser(
        "demo", help="run every self-evaluation of the demo country and publish the reports"
    )
    p.add_argument(
        "--out", default=str(Path("outputs") / "demo"), help="output folder (default outputs/demo)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel notebooks (default: cores)",
    )
    p.add_argument(
        "--formats", type=_formats, default=("html", "pdf"), help="html,pdf (default) or html"
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the reports")
    p.add_argument(
        "--year", type=int, default=2025, help="budget year of the self-evaluations (default 2025)"
    )
    p.add_argument(
        "--period",
        default=None,
        help="month monitored, e.g. 2026-10 (default: the latest in the data)",
    )
    p.add_argument("--data", default=None, help="dataset to use instead of the embedded demo")
    p.add_argument("--force", action="store_true", help="re-run notebooks that are up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sipm` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SipmError as exc:
        report = getattr(exc, "report", None)
        print(f"error: {report.to_text() if report is not None else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(
            "interrupted: finished notebooks are kept; run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
