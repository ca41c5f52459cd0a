"""The province's book (issue 19 §4): its report to the centre, then each region's letter
and self-evaluation fund by fund, in one PDF with nested bookmarks."""

from __future__ import annotations

import os
from pathlib import Path

import pypdf

from sipm_helpers.batch.plan import Job
from sipm_helpers.config.labels import load_labels
from sipm_helpers.render.book import book_parts, book_path, stale, write_book


def _pdf(path: Path, pages: int, headings: list[str]) -> Path:
    """A PDF of blank pages, each heading a bookmark to the next page."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    for i, heading in enumerate(headings):
        writer.add_outline_item(title=heading, page_number=min(i, pages - 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        writer.write(f)
    return path


def _outline(reader: pypdf.PdfReader, items=None, depth: int = 0) -> list[tuple[int, str, int]]:
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += _outline(reader, item, depth + 1)
        else:
            out.append((depth, item.title, reader.get_destination_page_number(item)))
    return out


def test_the_book_of_a_province(demo, ctx, tmp_path: Path) -> None:
    report = Job("provincial_report", "all", "910000", "p", 2025, "zh", "")
    jobs = [
        report,
        Job("self_evaluation", "employee_medical", "910200", "b", 2025, "zh", ""),
        Job("feedback_letter", "employee_medical", "910200", "b", 2025, "zh", ""),
        Job("feedback_letter", "employee_medical", "910100", "a", 2025, "zh", ""),
        Job("self_evaluation", "employee_medical", "910100", "a", 2025, "zh", ""),
        Job("feedback_letter", "work_injury", "910000", "p", 2025, "zh", ""),
        # not in the book: another province, another language, another year, another stage
        Job("feedback_letter", "employee_medical", "920100", "c", 2025, "zh", ""),
        Job("feedback_letter", "employee_medical", "910100", "a", 2025, "en", ""),
        Job("feedback_letter", "employee_medical", "910100", "a", 2024, "zh", ""),
        Job("monitoring", "employee_medical", "910100", "a", "2026-10", "zh", ""),
    ]
    for i, job in enumerate(jobs):
        _pdf(job.pdf_path(tmp_path), 2 + i % 2, [f"一、{job.stage}", "二、结论"])
    labels = load_labels("zh")
    parts = book_parts(report, jobs, tmp_path, demo, ctx, labels)
    path = book_path(report, tmp_path)
    assert path.name == "910000-p.zh.book.pdf"
    write_book(parts, path, title="汇编")
    reader = pypdf.PdfReader(path)
    assert reader.metadata.title == "汇编"
    assert len(reader.pages) == 2 + 3 + 2 + 3 + 2 + 3  # report, 2 × (letter, evaluation), letter
    outline = _outline(reader)
    top = [(title, page) for depth, title, page in outline if depth == 0]
    medical = ctx.registry.fund_name("employee_medical", "zh")
    injury = ctx.registry.fund_name("work_injury", "zh")
    # the report first, then the funds in the registry's order
    assert [t for t, _ in top] == ["省级绩效评价报告", medical, injury]
    assert top[0][1] == 0 and top[1][1] == 2
    regions = [title for depth, title, _ in outline if depth == 1 and "·" in title]
    assert regions[0].startswith(demo.region_name("910100", "zh"))  # regions by code
    documents = [(title, page) for depth, title, page in outline if depth == 2]
    # in each region the letter, then the self-evaluation
    assert [t for t, _ in documents[:2]] == ["反馈意见", "绩效自评"]
    assert [p for _, p in documents[:4]] == [2, 5, 7, 9]
    # each document's own bookmarks under it, pointing into the book
    assert (1, "一、provincial_report", 0) in outline and (3, "二、结论", 3) in outline

    # made again only when a document is newer than the book
    assert not stale(path, parts)
    later = path.stat().st_mtime + 10
    os.utime(jobs[1].pdf_path(tmp_path), (later, later))
    assert stale(path, parts)
