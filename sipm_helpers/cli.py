"""The `sipm` command: validate data, write input templates, generate synthetic data, run
the evaluation's stages and publish their reports, bundle them to hand over, open
JupyterLab.

It speaks the language of ``--lang`` (its first language where it names two), else the
locale's (:mod:`sipm_helpers.cli_text`): help, messages, findings, errors.

Exit status: 0 success, 1 a batch finished with failed reports, 2 bad input (nothing is
written to the output folder).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sipm_helpers.cli_text import CliText, Parser, cli_text, pad, width
from sipm_helpers.config.labels import languages, refusal
from sipm_helpers.errors import BatchInterrupted, SipmError

if TYPE_CHECKING:
    from sipm_helpers.batch.plan import Job

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _years(text: CliText, value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        a, b = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(text.t("cli_bad_years", value=value)) from None
    if b < a:
        raise argparse.ArgumentTypeError(text.t("cli_years_reversed", first=a, last=b))
    return a, b


def _formats(text: CliText, value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = sorted(set(chosen) - {"html", "pdf", "docx"})
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(text.t("cli_bad_formats", value=value))
    if "html" not in chosen:
        chosen = ("html", *chosen)  # the PDF is printed from the HTML, Word made from it
    return chosen


def cmd_validate(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.data.validation import validate_path

    _, report = validate_path(args.data)
    print(report.to_text(per_rule=args.max_per_rule, labels=text.labels))
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def cmd_template(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.data.templates import write_templates

    lang = args.lang or text.lang
    path = write_templates(
        Path(args.dir), args.format, lang=lang, regions=args.regions, force=args.force
    )
    print(text.t("cli_templates_written", path=path))
    return EXIT_OK


def cmd_generate(args: argparse.Namespace, text: CliText) -> int:
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
    seconds = time.perf_counter() - start
    print(text.t("cli_generated", rows=rows, tables=len(tables), path=path, seconds=seconds))
    return EXIT_OK


def _given(when: dict, name: str) -> int | str | None:
    """What ``sipm demo``'s --year or --period says the stage ``name`` runs for: the one
    of what the stage runs for (None: neither given, the plan's value stands)."""
    from sipm_helpers.stages.registry import stage

    return when.get(stage(name).when)


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
            raise refusal(
                "error_only_unknown", unknown=", ".join(unknown), stages=", ".join(stages)
            )
        stages = {s: stages[s] for s in args.only}
    when = getattr(args, "when", {})  # sipm demo's --year and --period
    stages = {name: _given(when, name) or value for name, value in stages.items()}
    return plan.override(
        stages=stages,
        scope=scope,
        data=str(Path(args.data).resolve()) if args.data else None,
        out=args.out,
        workers=getattr(args, "workers", None),  # sipm plan has no options of running
        formats=getattr(args, "formats", None),
        languages=args.lang,
        kernels="cold" if getattr(args, "cold_kernels", False) else None,
    )


def _jobs(plan):
    """Load the context and the data, plan the jobs and check them all: bad data or a bad
    job stops here, before anything is written."""
    from sipm_helpers.batch.plan import PlanError, plan_jobs
    from sipm_helpers.batch.runner import check_jobs
    from sipm_helpers.config.context import load_context
    from sipm_helpers.data.validation import load_dataset

    ctx = load_context()
    dataset = load_dataset(plan.data or None, ctx)
    plan.scope.check(dataset)
    jobs = plan_jobs(
        dataset,
        plan.stages,
        scope=plan.scope,
        langs=plan.languages,
        data=plan.data,
        as_of=plan.as_of,
        review_date=plan.review_date,
    )
    if not jobs:
        raise refusal("error_nothing_selected", PlanError)
    check_jobs(jobs, Path(plan.out), ctx, dataset)
    return ctx, dataset, jobs


def _executor(args: argparse.Namespace, plan):
    """The executor the batch runs on: None (the local pool) or a Dask cluster's."""
    if args.executor == "local":
        return contextlib.nullcontext(None)
    from sipm_helpers.batch.cluster import Certificates, dask_executor

    return dask_executor(
        args.scheduler,
        workers=plan.workers,
        start_timeout=plan.timeouts.start,
        restart_every=plan.restart_every,
        warm=plan.kernels == "warm",
        certificates=Certificates(args.tls_ca_file, args.tls_cert, args.tls_key),
    )


def _formats_available(formats: tuple[str, ...], text: CliText) -> tuple[str, ...]:
    from sipm_helpers.render.pdf import find_chromium

    if "pdf" in formats and find_chromium() is None:
        print(text.t("cli_pdf_skipped"))
        return tuple(f for f in formats if f != "pdf")
    return formats


def _status_names(text: CliText) -> dict[str, str]:
    """A notebook's status in the manifest (ok, failed, up to date) in ``text``'s words."""
    from sipm_helpers.batch.manifest import FAILED, OK, UP_TO_DATE

    return {s: text.t(f"cli_status_{s.replace(' ', '_')}") for s in (OK, FAILED, UP_TO_DATE)}


def cmd_run(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.batch.lock import check_free, folder_lock
    from sipm_helpers.render.publish import Covers

    plan = _plan(args)
    out = Path(plan.out)
    check_free(out)  # before the data are read: a second batch is refused at once
    covers = Covers(plan.evaluator, plan.client)
    ctx, dataset, jobs = _jobs(plan)
    formats = _formats_available(plan.formats, text)
    with folder_lock(out):  # the run and the publishing, one batch at a time
        return _run_and_publish(args, text, plan, covers, ctx, dataset, jobs, formats)


def _run_and_publish(args, text, plan, covers, ctx, dataset, jobs, formats) -> int:
    """Run the checked jobs, publish their reports and print the summary."""
    from sipm_helpers.batch.progress import Progress
    from sipm_helpers.batch.runner import RunOptions, run_jobs
    from sipm_helpers.render.publish import page_maker, publish

    out = Path(plan.out)
    options = RunOptions(
        plan.workers, args.force, plan.timeouts, plan.retries, plan.kernels, plan.restart_every
    )
    start = time.perf_counter()
    names = _status_names(text)
    with (
        _executor(args, plan) as executor,
        Progress(len(jobs), text.t("cli_bar_notebooks"), quiet=args.quiet,
                 verbose=args.verbose, names=names) as notebooks,
    ):  # fmt: skip
        manifest = run_jobs(
            jobs, out, dataset, options, executor=executor, on_done=notebooks.done,
            after=page_maker(out, dataset, ctx, covers, formats),
        )  # fmt: skip
    ran = time.perf_counter() - start
    with Progress(len(jobs), text.t("cli_bar_reports"), quiet=args.quiet) as progress:
        published = publish(
            jobs, manifest, out, dataset, ctx, formats=formats, site_lang=plan.languages[0],
            title=plan.title, on_done=lambda job: progress.step(), covers=covers,
        )  # fmt: skip
    failed = published.failed
    print(
        text.t(
            "cli_published",
            published=len(jobs) - len(failed),
            total=len(jobs),
            formats=", ".join(formats),
            seconds=time.perf_counter() - start,
            notebooks=ran,
            manifest=manifest.path,
        )
    )
    counts = text.t("cli_list_separator").join(
        text.t("cli_count", status=names.get(k, k), count=v) for k, v in notebooks.counts.items()
    )
    print(text.t("cli_notebook_counts", counts=counts))

    def named(job: Job) -> str:
        region, fund = (
            dataset.region_name(job.region, text.lang),
            ctx.registry.fund_name(job.fund, text.lang),
        )
        return text.t("cli_region_fund", region=region, code=job.region, fund=fund)

    for what, flagged in summary_flags(jobs, manifest, text, named).items():
        names = text.t("cli_list_separator").join(flagged)
        print(text.t("cli_flagged", what=what, count=len(flagged), names=names))
    for entry in failed:
        first = (entry.error or "").splitlines()[0] if entry.error else ""
        print(text.t("cli_failed", stage=entry.stage, fund=entry.fund, region=entry.region,
                     error=first))  # fmt: skip
    print(text.t("cli_index", path=published.index))
    return EXIT_FAILURES if failed else EXIT_OK


def cmd_demo(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.paths import parameters_dir

    args.plan = parameters_dir() / "plans" / "demo.yaml"
    args.when = {"year": args.year, "period": args.period}  # by what a stage runs for
    return cmd_run(args, text)


def cmd_plan(args: argparse.Namespace, text: CliText) -> int:
    """Print what a plan would run, per stage and fund, what its stages' ``latest`` means
    in the data, and what is already up to date."""
    from sipm_helpers.batch.runner import preview
    from sipm_helpers.stages.registry import stage

    plan = _plan(args)
    _, dataset, jobs = _jobs(plan)
    rows = preview(jobs, Path(plan.out), dataset)
    print(text.t("cli_plan_header", source=plan.source, jobs=len(jobs), out=plan.out))
    for name, when in plan.stages.items():
        if when == "latest":
            print(text.t("cli_plan_latest", stage=name, when=stage(name).latest(dataset)))
    heads = [text.t(k) for k in ("cli_plan_stage_fund", "cli_plan_jobs", "cli_plan_fresh",
                                 "cli_plan_to_run")]  # fmt: skip
    first = max([width(heads[0]), *(width(f"{r[0]} {r[1]}") for r in rows)])
    columns = [max(width(h), 6) for h in heads[1:]]
    print("  ".join([pad(heads[0], first), *(pad(h, w, right=True) for h, w in
                                              zip(heads[1:], columns, strict=True))]))  # fmt: skip
    for name, fund, total, fresh in rows:
        cells = [str(total), str(fresh), str(total - fresh)]
        print("  ".join([pad(f"{name} {fund}", first),
                         *(pad(c, w, right=True) for c, w in zip(cells, columns, strict=True))]))  # fmt: skip
    return EXIT_OK


def cmd_params(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.stages.registry import notebook_stage, stages

    try:
        stage = notebook_stage(args.notebook)
    except KeyError:
        known = ", ".join(s.notebook for s in stages().values())
        name = Path(args.notebook).name
        raise refusal("error_not_a_stage_notebook", notebook=name, known=known) from None
    print(text.t("cli_params_header", notebook=stage.notebook, stage=stage.name))
    for p in stage.parameters:
        default = text.t("cli_params_default", value=json.dumps(p.default, ensure_ascii=False))
        print(f"  {p.name:<12} {p.type.__name__:<4} {pad(default, 28)} {text.t(p.help_label)}")
    return EXIT_OK


def run_regions(run: Path):
    """The regions of the datasets a run read (the data its manifest records; the demo's
    where a job read the demo), to name them; None where the manifest or the data are
    gone."""
    import pandas as pd

    from sipm_helpers.batch.manifest import Manifest
    from sipm_helpers.batch.store import STATE_NAME
    from sipm_helpers.data.io import read_raw
    from sipm_helpers.paths import demo_data_dir

    path = run / "manifest.json"
    if not (path.exists() or (run / STATE_NAME).exists()):  # the state, or its export
        return None
    read = {r.parameters.get("data") or "" for r in Manifest.load(path).records.values()}
    frames = []
    for data in sorted(read):
        try:
            raw = read_raw(data or demo_data_dir(), ["regions"])
        except SipmError:
            continue  # moved or deleted since: its regions stay codes
        if "regions" in raw.tables:
            frames.append(raw.tables["regions"])
    if not frames:
        return None
    return pd.concat(frames).drop_duplicates("region_code")


def cmd_export(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.config.context import load_context
    from sipm_helpers.config.labels import load_labels
    from sipm_helpers.present.export import UNITS, run_tables, write_workbook

    regions = run_regions(Path(args.run))
    tables = run_tables(args.run, load_context(), lang=args.lang, regions=regions)
    labels = load_labels(tables["totals"].lang)
    path = write_workbook(tables, Path(args.out), UNITS, labels, force=args.force)
    print(text.t("cli_exported", path=path))
    return EXIT_OK


def cmd_publish(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.render.bundle import write_bundle

    bundle = write_bundle(Path(args.run), Path(args.out), force=args.force)
    print(text.t("cli_published_bundle", files=len(bundle.entries), path=bundle.path))
    return EXIT_OK


def cmd_lab(args: argparse.Namespace, text: CliText) -> int:
    from sipm_helpers.cli_lab import lab_command, run_in_foreground, working_folder

    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root:
        print(text.t("cli_lab_root"), file=sys.stderr)
    root = None
    if args.dir is not None:
        root = Path(args.dir).resolve()
        copied, kept = working_folder(root)
        if copied:
            print(text.t("cli_lab_copied", folder=root, files=", ".join(copied)))
        if kept:
            print(text.t("cli_lab_kept", folder=root, files=", ".join(kept)))
    return run_in_foreground(lab_command(args.port, not args.no_browser, is_root, root))


def summary_flags(
    jobs, manifest, text: CliText, named: Callable[[Job], str] | None = None
) -> dict[str, list[str]]:
    """The batch summary: per stage, every job whose structured result calls for
    attention (the stage's flag: a review returned, a red alert, a failed solvency test),
    under the flag's heading in ``text``'s language, as ``named`` names it (default: its
    region and fund codes)."""
    named = named or (lambda job: f"{job.region} {job.fund}")
    out: dict[str, list[str]] = {}
    for job in jobs:
        record = manifest.records.get(job.job_id)
        flag = job.definition.flag
        if flag is None or record is None or record.status != "ok" or not record.result:
            continue
        result = json.loads((manifest.path.parent / record.result).read_text(encoding="utf-8"))
        if flag.test(result):
            names = out.setdefault(text.t(flag.heading, when=job.when), [])
            if named(job) not in names:  # one line per region, not per language
                names.append(named(job))
    return out


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _languages(text: CliText, value: str) -> tuple[str, ...]:
    chosen = tuple(_codes(value))
    if not chosen or set(chosen) - set(languages()):
        raise argparse.ArgumentTypeError(text.t("cli_bad_languages", value=value))
    return chosen


def _message_language(p: argparse.ArgumentParser, text: CliText) -> None:
    """--lang of a command whose only words are its messages."""
    p.add_argument("--lang", choices=languages(), default=None, help=text.t("cli_lang_messages"))


def _selection_options(p: argparse.ArgumentParser, text: CliText, out_default: str | None) -> None:
    """The options `sipm run`, `sipm plan` and `sipm demo` share: what runs, on which data,
    where to; each overrides the plan."""
    t = text.t
    out_help = t("cli_out_default", default=out_default) if out_default else t("cli_out")
    p.add_argument("--out", default=out_default, help=out_help)
    p.add_argument("--data", default=None, help=t("cli_data"))
    p.add_argument("--fund", action="append", type=str, help=t("cli_fund"))
    p.add_argument("--region", action="append", type=str, help=t("cli_region"))
    p.add_argument("--province", action="append", type=str, help=t("cli_province"))
    p.add_argument("--lang", type=partial(_languages, text), default=None,
                   help=t("cli_lang_reports"))  # fmt: skip


def _run_options(p: argparse.ArgumentParser, text: CliText) -> None:
    """The options of running a batch (`sipm run` and `sipm demo`; `sipm plan` runs nothing)."""
    t = text.t
    p.add_argument("--workers", type=int, default=None, help=t("cli_workers"))
    p.add_argument("--formats", type=partial(_formats, text), default=None, help=t("cli_formats"))
    p.add_argument("--force", action="store_true", help=t("cli_force"))
    p.add_argument("--cold-kernels", action="store_true", help=t("cli_cold_kernels"))
    p.add_argument("--executor", choices=["local", "dask"], default="local", help=t("cli_executor"))
    p.add_argument("--scheduler", default=None, help=t("cli_scheduler"))
    p.add_argument("--tls-ca-file", default=None, help=t("cli_tls_ca_file"))
    p.add_argument("--tls-cert", default=None, help=t("cli_tls_cert"))
    p.add_argument("--tls-key", default=None, help=t("cli_tls_key"))
    p.add_argument("--quiet", action="store_true", help=t("cli_quiet"))
    p.add_argument("--verbose", action="store_true", help=t("cli_verbose"))


def build_parser(text: CliText | None = None) -> argparse.ArgumentParser:
    """The parser of `sipm`, every word in ``text``'s language (default: English)."""
    text = text or cli_text(["--lang", "en"], {})
    t = text.t
    parser = Parser(prog="sipm", description=t("cli_description"), epilog=t("cli_epilog"),
                    text=text)  # fmt: skip
    # sipm --lang zh COMMAND: the language of the command line alone (a command's own --lang
    # may say more, the reports' languages), read before parsing (cli_text.chosen_language)
    parser.add_argument("--lang", dest="language", choices=languages(), help=t("cli_lang_messages"))
    sub = parser.add_subparsers(dest="command", required=True, title=t("cli_commands"),
                                parser_class=partial(Parser, text=text))  # fmt: skip

    _intake_commands(sub, text)
    _batch_commands(sub, text)
    _output_commands(sub, text)
    _tool_commands(sub, text)
    return parser


def _intake_commands(sub, text: CliText) -> None:
    """validate, template, generate: the data coming in."""
    t = text.t
    p = sub.add_parser("validate", help=t("cli_validate"), description=t("cli_validate"))
    p.add_argument("data", help=t("cli_validate_data"))
    p.add_argument("--max-per-rule", type=int, default=20, help=t("cli_max_per_rule"))
    _message_language(p, text)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help=t("cli_template"), description=t("cli_template"))
    p.add_argument("dir", help=t("cli_template_dir"))
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx",
                   help=t("cli_template_format"))  # fmt: skip
    p.add_argument("--lang", choices=languages(), default=None, help=t("cli_template_lang"))
    p.add_argument("--regions", metavar="DATASET", help=t("cli_template_regions"))
    p.add_argument("--force", action="store_true", help=t("cli_template_force"))
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("generate", help=t("cli_generate"), description=t("cli_generate"))
    p.add_argument("--provinces", type=int, required=True, help=t("cli_provinces"))
    p.add_argument("--regions-per-province", type=int, required=True,
                   help=t("cli_regions_per_province"))  # fmt: skip
    p.add_argument("--years", type=partial(_years, text), required=True, help=t("cli_years"))
    p.add_argument("--last-month", type=int, default=12, choices=range(1, 13), metavar="1-12",
                   help=t("cli_last_month"))  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help=t("cli_seed"))
    p.add_argument("--out", required=True, help=t("cli_generate_out"))
    p.add_argument("--format", choices=["parquet", "csv", "xlsx"], default="parquet",
                   help=t("cli_generate_format"))  # fmt: skip
    p.add_argument("--force", action="store_true", help=t("cli_generate_force"))
    _message_language(p, text)
    p.set_defaults(func=cmd_generate)


def _batch_commands(sub, text: CliText) -> None:
    """run and plan: the batches."""
    t = text.t
    p = sub.add_parser("run", help=t("cli_run"), description=t("cli_run"))
    p.add_argument("plan", help=t("cli_plan_file"))
    p.add_argument("--only", action="append", help=t("cli_only"))
    _selection_options(p, text, None)
    _run_options(p, text)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("plan", help=t("cli_plan"), description=t("cli_plan"))
    p.add_argument("plan", help=t("cli_plan_file"))
    p.add_argument("--only", action="append", help=t("cli_only"))
    _selection_options(p, text, None)
    p.set_defaults(func=cmd_plan)


def _output_commands(sub, text: CliText) -> None:
    """export and publish: what leaves the evaluator's office."""
    t = text.t
    p = sub.add_parser("export", help=t("cli_export"), description=t("cli_export"))
    p.add_argument("run", help=t("cli_export_run"))
    p.add_argument("--out", required=True, help=t("cli_export_out"))
    p.add_argument("--lang", choices=languages(), default=None, help=t("cli_export_lang"))
    p.add_argument("--force", action="store_true", help=t("cli_export_force"))
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("publish", help=t("cli_publish"), description=t("cli_publish"))
    p.add_argument("run", help=t("cli_publish_run"))
    p.add_argument("--out", required=True, help=t("cli_publish_out"))
    p.add_argument("--force", action="store_true", help=t("cli_publish_force"))
    _message_language(p, text)
    p.set_defaults(func=cmd_publish)


def _tool_commands(sub, text: CliText) -> None:
    """lab, params and demo: working in JupyterLab, and the demo."""
    t = text.t
    p = sub.add_parser("lab", help=t("cli_lab"), description=t("cli_lab"))
    p.add_argument("dir", nargs="?", default=None, help=t("cli_lab_dir"))
    p.add_argument("--port", type=int, default=None, help=t("cli_port"))
    p.add_argument("--no-browser", action="store_true", help=t("cli_no_browser"))
    _message_language(p, text)
    p.set_defaults(func=cmd_lab)

    p = sub.add_parser("params", help=t("cli_params"), description=t("cli_params"))
    p.add_argument("notebook", help=t("cli_params_notebook"))
    _message_language(p, text)
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("demo", help=t("cli_demo"), description=t("cli_demo"))
    _selection_options(p, text, str(Path("outputs") / "demo"))
    _run_options(p, text)
    p.add_argument("--year", type=int, default=None, help=t("cli_year"))
    p.add_argument("--period", default=None, help=t("cli_period"))
    p.set_defaults(func=cmd_demo, only=None)


def _one_line_warning(text: CliText, message, category, *_args, **_kwargs) -> None:
    print(text.t("cli_warning", message=message), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sipm` console script; returns the exit status. The language
    is picked here, once (``--lang``, else the locale)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    text = cli_text(argv, os.environ)
    args = build_parser(text).parse_args(argv)
    try:
        with warnings.catch_warnings():  # a warning of the suite is one line, no source
            warnings.showwarning = partial(_one_line_warning, text)
            return args.func(args, text)
    except BatchInterrupted as exc:
        print(text.error(exc), file=sys.stderr)
        return EXIT_INTERRUPTED
    except SipmError as exc:
        print(text.t("cli_error", message=text.error(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(text.t("cli_interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if errno.errorcode.get(exc.errno) not in CANNOT_WRITE:
            raise
        print(_cannot_write(text, exc), file=sys.stderr)
        return EXIT_BAD_INPUT


# The causes of a failed write that a person can mend (space, quota, a read-only or
# forbidden folder): said in one line; any other OSError is a fault of the suite.
CANNOT_WRITE = ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM")


def _cannot_write(text: CliText, exc: OSError) -> str:
    """One line naming the folder written to and the cause of the failure."""
    where = exc.filename or exc.filename2
    folder = Path(where).parent if where else Path.cwd()
    cause = text.t(f"cli_cause_{errno.errorcode[exc.errno]}")
    return text.t("cli_error", message=text.t("cli_cannot_write", folder=folder, cause=cause))


if __name__ == "__main__":
    sys.exit(main())
