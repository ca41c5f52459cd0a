"""Publishing a batch: render each executed notebook to HTML (and PDF) and write the index.

Reads the batch manifest and each job's structured result, never the rendered pages.
A report is re-rendered only when its notebook is newer than the page; a report that
fails to render is listed as failed and the others go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sipm_helpers.batch.manifest import FAILED, OK, JobRecord, Manifest
from sipm_helpers.batch.plan import Job
from sipm_helpers.batch.stages import STAGES
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import LANGUAGES, load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.provincial import coordinating_province
from sipm_helpers.render.compare import Compared, write_comparison
from sipm_helpers.render.html import make_exporter, render_html, render_page
from sipm_helpers.render.pdf import PdfRenderer
from sipm_helpers.render.site import ReportEntry, ui_strings, write_index


@dataclass(frozen=True)
class Published:
    index: Path
    entries: tuple[ReportEntry, ...]

    @property
    def failed(self) -> list[ReportEntry]:
        return [e for e in self.entries if e.status != "ok"]


def _stale(target: Path, source: Path) -> bool:
    return not target.exists() or target.stat().st_mtime < source.stat().st_mtime


def _publish_companions(job: Job, out: Path, labels) -> tuple[tuple[str, str], ...]:
    """Copy the files the job's stage writes beside its result (a scoring form, the new
    rectification items) into the site beside its report; (label, path in the site) of
    each one there is."""
    site, links = out / "site", []
    for companion in job.definition.companions:
        written = job.result_path(out).with_suffix(companion.suffix)
        if not written.exists():
            continue
        target = job.html_path(out).with_suffix(companion.suffix)
        if _stale(target, written):
            atomic_write_bytes(target, written.read_bytes())
        links.append((labels.t(companion.label), str(target.relative_to(site))))
    return tuple(links)


def _categories(ctx: Context, compared: list[Compared], lang: str) -> dict[str, dict[str, str]]:
    """Each compared fund's categories (Art. 9) by code, named in ``lang``."""
    funds = dict.fromkeys(c.fund for c in compared)
    return {
        f: {code: names[lang] for code, names in ctx.catalogue(f).categories.items()} for f in funds
    }


def _answers(entries: list[ReportEntry], labels) -> list[ReportEntry]:
    """Each report that answers another (a feedback letter, a self-evaluation) linked to
    it, and back: the same fund, region and year."""
    html = {(e.stage, e.fund, e.region, e.year): e.html for e in entries if e.html}
    out = []
    for e in entries:
        links = list(e.links)
        for stage in STAGES.values():
            if stage.answers is None:
                continue
            if e.stage == stage.name:
                other, label = stage.answers, f"stage_{stage.answers}"
            elif e.stage == stage.answers:
                other, label = stage.name, f"stage_{stage.name}"
            else:
                continue
            target = html.get((other, e.fund, e.region, e.year))
            if target and e.html:
                links.append((labels.t(label), target))
        out.append(replace(e, links=tuple(links)))
    return out


def _titles(job: Job, labels, ds: Dataset, ctx: Context) -> tuple[str, str]:
    """The report's title and subtitle in its own language, from the stage's label keys."""
    values = {
        "region": ds.region_name(job.region, job.lang),
        "province": ds.region_name(
            coordinating_province(ds, job.fund, job.region) or job.region, job.lang
        ),
        "fund": ctx.registry.fund_name(job.fund, job.lang),
        "year": job.year,
        "period": job.period,
        "due_year": job.year + 1,
    }
    title, subtitle = job.definition.titles
    return labels.t(title, **values), labels.t(subtitle, **values)


def page_maker(out: Path, ds: Dataset, ctx: Context):
    """For ``run_jobs(after=...)``: each job's page rendered by the worker that ran it,
    with the title publish would give it; publish then finds the page fresh."""
    out = out.resolve()
    labels = {lang: load_labels(lang) for lang in LANGUAGES}

    def after(job: Job):
        title, subtitle = _titles(job, labels[job.lang], ds, ctx)
        keywords = {"title": title, "subtitle": subtitle, "lang": job.lang}
        return render_page, str(job.html_path(out)), keywords

    return after


def _grade_label(result: dict, lang: str) -> str:
    s = result["summary"]
    return f"{s['grade_zh']} {s['grade_en']}" if lang == "en" else s["grade_zh"]


def publish(
    jobs: Sequence[Job],
    manifest: Manifest,
    out: Path,
    ds: Dataset,
    ctx: Context,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    site_lang: str = "en",
    title: str = "Budget performance of social insurance funds",
    on_done: Callable[[Job], None] | None = None,
) -> Published:
    """Render every successful job's report, update the manifest, and write the index page."""
    out = out.resolve()
    site = out / "site"
    exporter = make_exporter()
    site_labels = load_labels(site_lang)
    entries: list[ReportEntry] = []
    compared: list[Compared] = []
    pdf: PdfRenderer | None = PdfRenderer() if "pdf" in formats else None
    try:
        for job in jobs:
            record: JobRecord | None = manifest.records.get(job.job_id)
            labels = load_labels(job.lang)
            fund_name = ctx.registry.fund_name(job.fund, site_lang)
            region_name = ds.region_name(job.region, site_lang)
            province = coordinating_province(ds, job.fund, job.region) or job.region
            base = ReportEntry(
                stage=job.stage,
                stage_label=site_labels.t(f"stage_{job.stage}"),
                fund=job.fund,
                fund_name=fund_name,
                region=job.region,
                region_name=region_name,
                province=province,
                province_name=ds.region_name(province, site_lang),
                year=job.year,
                period=job.period,
            )
            if record is None or record.status != OK:
                error = record.error if record else "not run"
                entries.append(replace(base, status="failed", error=error))
                if on_done:
                    on_done(job)
                continue
            result = json.loads((out / record.result).read_text(encoding="utf-8"))
            notebook = out / record.notebook
            html_path, pdf_path = job.html_path(out), job.pdf_path(out)
            title_text, subtitle = _titles(job, labels, ds, ctx)
            try:
                if _stale(html_path, notebook):
                    render_html(
                        notebook,
                        html_path,
                        title=title_text,
                        subtitle=subtitle,
                        lang=job.lang,
                        exporter=exporter,
                    )
                record.html = str(html_path.relative_to(out))
                if pdf is not None:
                    if _stale(pdf_path, html_path):
                        pdf.start()  # idempotent: the browser starts with the first PDF needed
                        pdf.render(html_path, pdf_path)
                    record.pdf = str(pdf_path.relative_to(out))
                links = _publish_companions(job, out, site_labels)
            except Exception as exc:  # one report's rendering never stops the others
                record.error = f"rendering failed: {type(exc).__name__}: {exc}"
                record.status = FAILED
                manifest.update(record)
                entries.append(replace(base, status="failed", error=record.error))
                if on_done:
                    on_done(job)
                continue
            manifest.update(record)
            if job.definition.graded:
                compared.append(
                    Compared(job.fund, fund_name, job.region, region_name, base.province_name,
                             result, str(html_path.relative_to(site)))
                )  # fmt: skip
            entries.append(
                replace(
                    base,
                    score=result["summary"]["total"] if job.definition.graded else None,
                    grade=_grade_label(result, site_lang) if job.definition.graded else None,
                    html=str(html_path.relative_to(site)),
                    pdf=str(pdf_path.relative_to(site)) if pdf is not None else None,
                    links=links,
                    flags=tuple(site_labels.get(f"flag_{f}", f) for f in result.get("flags", [])),
                )
            )
            if on_done:
                on_done(job)
    finally:
        if pdf is not None:
            pdf.close()
    entries = _answers(entries, site_labels)
    ui = ui_strings(site_lang)
    page = (
        write_comparison(compared, _categories(ctx, compared, site_lang), site, title=f"{title} · "
                         f"{ui['compare_link']}", ui=ui, lang=site_lang)
        if compared
        else None
    )  # fmt: skip
    index = write_index(
        entries,
        site,
        title=title,
        lang=site_lang,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stage_order=tuple(STAGES),
        compare=page.name if page else None,
    )
    return Published(index, tuple(entries))
