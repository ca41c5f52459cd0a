"""The province's book: one PDF per province, year and language, a report of the province
whose stage has a ``book`` (its report to the centre) followed by each of its regions'
reports of the stages that ``book`` lists (their feedback letter and self-evaluation),
fund by fund, with bookmarks: one for each document, under its fund and region, and each
document's own bookmarks (its headings) under it.

Made by publish when PDFs are made, from the PDFs it printed, and again only when one of
them is newer than the book. A region without a letter or a self-evaluation PDF (a
failed or missing report) is left out of the book.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdf

from sipm_helpers.batch.plan import Job
from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.domain.provincial import coordinating_province

BOOK_SUFFIX = ".book.pdf"


@dataclass(frozen=True)
class Part:
    """A bookmark: its title, the PDF it opens (None: a heading over its parts only)."""

    title: str
    pdf: Path | None = None
    parts: tuple[Part, ...] = ()


def book_path(job: Job, out: Path) -> Path:
    """Where the book of a province's report ``job`` is published."""
    return job.html_path(out).with_suffix(BOOK_SUFFIX)


def book_parts(
    report: Job, printed: Sequence[Job], out: Path, ds: Dataset, ctx: Context, labels: Labels
) -> tuple[Part, ...]:
    """The parts of ``report``'s book: the report, then for each fund (in the registry's
    order) and region (by code) the reports of the stages its stage's ``book`` lists, in
    that order, among ``printed`` (jobs whose PDF was made), of the report's province, year
    and language."""
    following = report.definition.book
    parts = [Part(labels.t(report.definition.label_key), report.pdf_path(out))]
    mine = [
        j
        for j in printed
        if j.stage in following
        and j.lang == report.lang
        and j.year == report.year
        and (coordinating_province(ds, j.fund, j.region) or j.region) == report.region
    ]
    for fund in ctx.registry.funds:
        regions = []
        for region in sorted({j.region for j in mine if j.fund == fund}):
            documents = tuple(
                Part(labels.t(j.definition.label_key), j.pdf_path(out))
                for stage in following
                for j in mine
                if j.fund == fund and j.region == region and j.stage == stage
            )
            name = labels.t(
                "book_region",
                region=ds.region_name(region, report.lang),
                fund=ctx.registry.fund_name(fund, report.lang),
            )
            regions.append(Part(name, None, documents))
        if regions:
            parts.append(Part(ctx.registry.fund_name(fund, report.lang), None, tuple(regions)))
    return tuple(parts)


def _files(parts: Sequence[Part]) -> list[Path]:
    return [f for p in parts for f in ([p.pdf] if p.pdf else []) + _files(p.parts)]


def stale(path: Path, parts: Sequence[Part]) -> bool:
    """Whether the book at ``path`` is missing or older than one of its documents."""
    if not path.exists():
        return True
    made = path.stat().st_mtime
    return any(f.stat().st_mtime > made for f in _files(parts))


def _import_outline(writer, reader, items, offset: int, parent) -> None:
    """A document's own bookmarks, under ``parent``, pointing into the book."""
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                _import_outline(writer, reader, item, offset, last)
            continue
        page = reader.get_destination_page_number(item)
        if page is None:
            continue
        last = writer.add_outline_item(
            title=str(item.title), page_number=offset + page, parent=parent
        )


def _pages(writer, parts: Sequence[Part], placed: dict) -> None:
    """Every document's pages in order; ``placed`` maps each part (by id) to its first
    page in the book and its reader (None for a heading over its parts)."""
    for part in parts:
        start = len(writer.pages)
        reader = None
        if part.pdf is not None:
            reader = pypdf.PdfReader(part.pdf)
            for page in reader.pages:
                writer.add_page(page)
        _pages(writer, part.parts, placed)
        placed[id(part)] = (start, reader)


def _outline(writer, parts: Sequence[Part], placed: dict, parent) -> None:
    for part in parts:
        start, reader = placed[id(part)]
        if start >= len(writer.pages):  # a heading with nothing under it
            continue
        item = writer.add_outline_item(title=part.title, page_number=start, parent=parent)
        if reader is not None:
            _import_outline(writer, reader, reader.outline, start, item)
        _outline(writer, part.parts, placed, item)


def write_book(parts: Sequence[Part], path: Path, *, title: str) -> Path:
    """The documents of ``parts`` in one PDF at ``path`` (written atomically), with their
    bookmarks nested as the parts are and the document title ``title``."""
    writer = pypdf.PdfWriter()
    placed: dict = {}
    _pages(writer, parts, placed)
    _outline(writer, parts, placed, None)
    writer.add_metadata({"/Title": title})
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
