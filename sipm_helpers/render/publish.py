"""Publishing a batch: render each executed notebook to HTML (and PDF) and write the index.

Reads the batch manifest and each job's structured result, never the rendered pages.
A report is re-rendered only when its notebook is newer than the page; a report that
fails to render is listed as failed and the others go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sipm_helpers.batch.manifest import FAILED, OK, JobRecord, Manifest
from sipm_helpers.batch.plan import Job
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import languages, load_labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.provincial import coordinating_province, is_central
from sipm_helpers.present.issuers import pool_key
from sipm_helpers.present.rule_basis import due_values
from sipm_helpers.render.book import book_parts, book_path, stale, write_book
from sipm_helpers.render.compare import Compared, write_comparison
from sipm_helpers.render.cover import make_cover
from sipm_helpers.render.docx import html_to_docx
from sipm_helpers.render.html import make_exporter, render_html, render_page
from sipm_helpers.render.pdf import PdfRenderer
from sipm_helpers.render.records import (
    entry_of,
    load_records,
    merge_records,
    record_of,
    save_records,
)
from sipm_helpers.render.site import ReportEntry, ui_strings, write_index
from sipm_helpers.stages.registry import stages


@dataclass(frozen=True)
class Published:
    index: Path
    entries: tuple[ReportEntry, ...]

    @property
    def failed(self) -> list[ReportEntry]:
        return [e for e in self.entries if e.status != "ok"]


def _stale(target: Path, source: Path) -> bool:
    return not target.exists() or target.stat().st_mtime < source.stat().st_mtime


def _publish_companions(job: Job, out: Path) -> tuple[tuple[str, str], ...]:
    """Copy the files the job's stage writes beside its result (a scoring form, the new
    rectification items) into the site beside its report; (label key, path in the site)
    of each one there is."""
    site, links = out / "site", []
    for companion in job.definition.companions:
        written = job.result_path(out).with_suffix(companion.suffix)
        if not written.exists():
            continue
        target = job.html_path(out).with_suffix(companion.suffix)
        if _stale(target, written):
            atomic_write_bytes(target, written.read_bytes())
        links.append((companion.label, str(target.relative_to(site))))
    return tuple(links)


def _categories(ctx: Context, compared: list[Compared], lang: str) -> dict[str, dict[str, str]]:
    """Each compared fund's categories (Art. 9) by code, named in ``lang``."""
    funds = dict.fromkeys(c.fund for c in compared)
    return {
        f: {code: names[lang] for code, names in ctx.catalogue(f).categories.items()} for f in funds
    }


def _answers(entries: list[ReportEntry], labels) -> list[ReportEntry]:
    """Each report that answers another (a feedback letter, a self-evaluation) linked to
    it, and back: the same fund, region and year, in the same language."""
    html = {(e.stage, e.fund, e.region, e.year, e.language): e.html for e in entries if e.html}
    out = []
    for e in entries:
        links = list(e.links)
        for stage in stages().values():
            if stage.answers is None:
                continue
            if e.stage == stage.name:
                other, label = stage.answers, stages()[stage.answers].label_key
            elif e.stage == stage.answers:
                other, label = stage.name, stage.label_key
            else:
                continue
            target = html.get((other, e.fund, e.region, e.year, e.language))
            if target and e.html:
                links.append((labels.t(label), target))
        out.append(replace(e, links=tuple(links)))
    return out


def _titles(job: Job, labels, ds: Dataset, ctx: Context) -> tuple[str, str]:
    """The report's title and subtitle in its own language, from the stage's label keys."""
    province = coordinating_province(ds, job.fund, job.region) or job.region
    values = {
        "region": ds.region_name(job.region, job.lang),
        "province": ds.region_name(province, job.lang),
        "fund": ctx.registry.fund_name(job.fund, job.lang),
        "year": job.year,
        "period": job.period,
        "due_year": job.year + 1,
        **due_values(ctx, province, job.year, labels),  # the province's own (Art. 24)
    }
    central = is_central(ds, coordinating_province(ds, job.fund, job.region) or job.region)
    title, subtitle = (pool_key(labels, key, central) for key in job.definition.titles)
    return labels.t(title, **values), labels.t(subtitle, **values)


@dataclass(frozen=True)
class Covers:
    """Who made the reports and for whom, by language, as a plan names them (empty: the
    defaults of ``render.cover``)."""

    evaluator: dict[str, str] = field(default_factory=dict)
    client: dict[str, str] = field(default_factory=dict)


def _cover(job: Job, labels, ds: Dataset, ctx: Context, covers: Covers) -> dict:
    """The job's cover for the page template (plain values, for a worker process too)."""
    return make_cover(
        job, labels, ds, ctx, evaluator=covers.evaluator, client=covers.client
    ).as_dict()


def render_page_and_copy(
    notebook_path: Path, html_path: Path, resources: dict, *, word: str | None, **page
) -> Path:
    """A batch worker's follow-up of a notebook: its page (:func:`render_page`), and its
    Word copy where ``word`` gives the contents' title (None: no Word copy). Made where
    the notebook ran, in parallel with the other workers, so that publish finds both fresh."""
    html = render_page(notebook_path, html_path, resources, **page)
    if word is not None:
        html_to_docx(html, html.with_suffix(".docx"), lang=page["lang"], toc_title=word)
    return html


def page_maker(
    out: Path,
    ds: Dataset,
    ctx: Context,
    covers: Covers | None = None,
    formats: Sequence[str] = ("html",),
):
    """For ``run_jobs(after=...)``: each job's page (and Word copy, when ``formats`` ask
    for one) made by the worker that ran it, with the title and cover publish would give
    it; publish then finds them fresh."""
    out = out.resolve()
    labels = {lang: load_labels(lang) for lang in languages()}
    covers = covers or Covers()

    def after(job: Job):
        title, subtitle = _titles(job, labels[job.lang], ds, ctx)
        keywords = {
            "title": title,
            "subtitle": subtitle,
            "lang": job.lang,
            "cover": _cover(job, labels[job.lang], ds, ctx, covers),
            "word": labels[job.lang].t("toc_title") if "docx" in formats else None,
        }
        return render_page_and_copy, str(job.html_path(out)), keywords

    return after


def _books(
    jobs: list[Job], entries: list[ReportEntry], out: Path, ds: Dataset, ctx: Context, site_labels
) -> list[ReportEntry]:
    """Each province's book (``render.book``) made beside its report of a stage with a
    ``book`` (its report to the centre) and linked from the report's entry; a book that
    cannot be made is flagged, not fatal."""
    printed = [job for job, e in zip(jobs, entries, strict=True) if e.status == "ok" and e.pdf]
    out_entries = list(entries)
    for i, (job, entry) in enumerate(zip(jobs, entries, strict=True)):
        if job not in printed or not job.definition.book:
            continue
        labels = load_labels(job.lang)
        path = book_path(job, out)
        parts = book_parts(job, printed, out, ds, ctx, labels)
        try:
            if stale(path, parts):
                title = labels.t(
                    "book_title", province=ds.region_name(job.region, job.lang), year=job.year
                )
                write_book(parts, path, title=title)
        except Exception as exc:  # one book never stops the index
            flag = f"{site_labels.t('link_book')}: {type(exc).__name__}: {exc}"
            out_entries[i] = replace(entry, flags=(*entry.flags, flag))
            continue
        link = ("link_book", str(path.relative_to(out / "site")))
        out_entries[i] = replace(entry, links=(*entry.links, link))
    return out_entries


def _grade_label(result: dict, lang: str) -> str:
    s = result["summary"]
    return f"{s['grade_zh']} {s['grade_en']}" if lang == "en" else s["grade_zh"]


def _grades(job: Job, manifest: Manifest) -> dict[str, str] | None:
    """A graded job's grade in each language, from its structured result (None: none)."""
    record = manifest.records.get(job.job_id)
    if not job.definition.graded or record is None or record.status != OK or not record.result:
        return None
    summary = json.loads((manifest.path.parent / record.result).read_text(encoding="utf-8"))
    return {"zh": summary["summary"]["grade_zh"], "en": summary["summary"]["grade_en"]}


def _names(job: Job, entry: ReportEntry, ds: Dataset, ctx: Context) -> dict[str, dict[str, str]]:
    """The names of ``job``'s fund, region and province in each language."""
    return {
        "fund": {lang: ctx.registry.fund_name(job.fund, lang) for lang in languages()},
        "region": {lang: ds.region_name(job.region, lang) for lang in languages()},
        "province": {lang: ds.region_name(entry.province, lang) for lang in languages()},
    }


def _records(
    jobs: Sequence[Job], entries: list[ReportEntry], manifest: Manifest, ds: Dataset, ctx: Context
) -> dict[str, dict]:
    """This run's reports as records (``render.records``), by job id."""
    out = {}
    for job, entry in zip(jobs, entries, strict=True):
        record = record_of(entry, job.lang, _names(job, entry, ds, ctx))
        out[job.job_id] = {**record, "grade": _grades(job, manifest) if entry.status == "ok"
                           else None}  # fmt: skip
    return out


def index_name(lang: str) -> str:
    """The file name of the index in ``lang`` (index.html is the run's language's copy)."""
    return f"index.{lang}.html"


def _write_indexes(
    records: dict[str, dict], site: Path, site_lang: str, **page
) -> tuple[Path, dict[str, list[ReportEntry]]]:
    """The index of every report in ``records`` in each language (``index.<lang>.html``,
    each linking to the others) and ``index.html`` in ``site_lang``; the latter's path
    and the entries by language."""
    entries, index = {}, site / "index.html"
    for lang in languages():
        labels = load_labels(lang)
        entries[lang] = _answers([entry_of(r, labels) for r in records.values()], labels)
        others = [(other, index_name(other)) for other in languages() if other != lang]
        for name in (index_name(lang), "index.html") if lang == site_lang else (index_name(lang),):
            path = write_index(entries[lang], site, lang=lang, stage_order=tuple(stages()),
                               others=others, name=name, **page)  # fmt: skip
            index = path if name == "index.html" else index
    return index, entries


@dataclass(frozen=True)
class Printing:
    """What a batch's reports are made into: the run's folder, the HTML exporter, the PDF
    renderer (None: no PDF) and the formats asked for."""

    out: Path
    exporter: object
    pdf: PdfRenderer | None
    formats: Sequence[str]


def _base_entry(job: Job, ds: Dataset, ctx: Context, site_labels, site_lang: str) -> ReportEntry:
    """The index's row of ``job`` before its report is made: what and where it is."""
    province = coordinating_province(ds, job.fund, job.region) or job.region
    return ReportEntry(
        stage=job.stage,
        stage_label=site_labels.t(job.definition.label_key),
        fund=job.fund,
        fund_name=ctx.registry.fund_name(job.fund, site_lang),
        region=job.region,
        region_name=ds.region_name(job.region, site_lang),
        province=province,
        province_name=ds.region_name(province, site_lang),
        year=job.year,
        period=job.period,
    )


def _render_formats(
    job: Job, record: JobRecord, p: Printing, ds: Dataset, ctx: Context, covers: Covers
) -> tuple[Path, Path, Path]:
    """Make ``job``'s page, PDF and Word copy where they are stale (the record says where
    the first two are); their paths."""
    labels = load_labels(job.lang)
    notebook = p.out / record.notebook
    html_path, pdf_path = job.html_path(p.out), job.pdf_path(p.out)
    docx_path = html_path.with_suffix(".docx")
    if _stale(html_path, notebook):
        title_text, subtitle = _titles(job, labels, ds, ctx)
        render_html(notebook, html_path, title=title_text, subtitle=subtitle, lang=job.lang,
                    exporter=p.exporter, cover=_cover(job, labels, ds, ctx, covers))  # fmt: skip
    record.html = str(html_path.relative_to(p.out))
    if p.pdf is not None:
        if _stale(pdf_path, html_path):
            p.pdf.start()  # idempotent: the browser starts with the first PDF needed
            p.pdf.render(html_path, pdf_path)
        record.pdf = str(pdf_path.relative_to(p.out))
    if "docx" in p.formats and _stale(docx_path, html_path):
        html_to_docx(html_path, docx_path, lang=job.lang, toc_title=labels.t("toc_title"))
    return html_path, pdf_path, docx_path


def _publish_one(
    job: Job,
    record: JobRecord,
    base: ReportEntry,
    p: Printing,
    ds: Dataset,
    ctx: Context,
    covers: Covers,
    site_labels,
) -> tuple[ReportEntry, list[Compared]]:
    """``job``'s report made and its index row filled (failed, with the reason, where its
    rendering failed: one report never stops the others), with its comparison row."""
    site, site_lang = p.out / "site", site_labels.lang
    try:
        html_path, pdf_path, docx_path = _render_formats(job, record, p, ds, ctx, covers)
        links = _publish_companions(job, p.out)
    except Exception as exc:  # one report's rendering never stops the others
        record.error = f"rendering failed: {type(exc).__name__}: {exc}"
        record.status = FAILED
        return replace(base, status="failed", error=record.error), []
    result = json.loads((p.out / record.result).read_text(encoding="utf-8"))
    graded = job.definition.graded
    page = str(html_path.relative_to(site))
    compared = [Compared(job.fund, base.fund_name, job.region, base.region_name,
                         base.province_name, result, page)] if graded else []  # fmt: skip
    entry = replace(
        base,
        score=result["summary"]["total"] if graded else None,
        grade=_grade_label(result, site_lang) if graded else None,
        html=page,
        pdf=str(pdf_path.relative_to(site)) if p.pdf is not None else None,
        docx=str(docx_path.relative_to(site)) if "docx" in p.formats else None,
        links=links,
        flags=tuple(str(f) for f in result.get("flags", [])),  # codes, worded by the index
    )
    return entry, compared


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
    covers: Covers | None = None,
) -> Published:
    """Render every successful job's report, update the manifest, and write the index page."""
    out = out.resolve()
    covers = covers or Covers()
    site = out / "site"
    exporter = make_exporter()
    site_labels = load_labels(site_lang)
    entries: list[ReportEntry] = []
    compared: list[Compared] = []
    pdf: PdfRenderer | None = PdfRenderer() if "pdf" in formats else None
    try:
        for job in jobs:
            record: JobRecord | None = manifest.records.get(job.job_id)
            base = _base_entry(job, ds, ctx, site_labels, site_lang)
            if record is None or record.status != OK:
                error = record.error if record else "not run"
                entries.append(replace(base, status="failed", error=error))
            else:
                entry, one = _publish_one(job, record, base, Printing(out, exporter, pdf, formats),
                                          ds, ctx, covers, site_labels)  # fmt: skip
                manifest.update(record)
                entries.append(entry)
                compared += one
            if on_done:
                on_done(job)
    finally:
        if pdf is not None:
            pdf.close()
        manifest.save()  # the export for people, once, also if publishing stopped
    if pdf is not None:
        entries = _books(list(jobs), entries, out, ds, ctx, site_labels)
    records = merge_records(load_records(out), _records(jobs, entries, manifest, ds, ctx), site)
    save_records(out, records)
    ui = ui_strings(site_lang)
    page = (
        write_comparison(compared, _categories(ctx, compared, site_lang), site, title=f"{title} · "
                         f"{ui['compare_link']}", ui=ui, lang=site_lang)
        if compared
        else None
    )  # fmt: skip
    index, by_lang = _write_indexes(
        records, site, site_lang, title=title, compare=page.name if page else None,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )  # fmt: skip
    position = {job_id: i for i, job_id in enumerate(records)}
    ours = [by_lang[site_lang][position[job.job_id]] for job in jobs]
    return Published(index, tuple(ours))
