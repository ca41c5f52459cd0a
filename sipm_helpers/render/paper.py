"""What a printed report gets after Chromium has printed it: the page of each section in
its table of contents, bookmarks that match the contents, and links that name no folder
of the machine that made it.

Chromium cannot number a table of contents (CSS ``target-counter`` is not supported), but
it writes each section's anchor as a named destination of the PDF: the first print says
on which page each section starts, and the contents are printed again with those pages
(:func:`number_contents`). Its own bookmarks come from the tagged structure, where a
heading at the head of a page is sometimes named twice; :func:`finish` sets them from the
contents instead. A link to a file beside the report (the scoring form) is printed as an
absolute ``file://`` address; :func:`finish` makes it relative to the PDF's folder.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

#: The empty page cell of a contents entry, as render/typeset.py writes it.
PAGE_CELL = '<span class="toc-page" data-for="{anchor}"></span>'


@dataclass(frozen=True)
class Entry:
    """One entry of the contents: its level (2 or 3), anchor and text."""

    level: int
    anchor: str
    text: str


class _Contents(HTMLParser):
    """The title (``h1.sipm-title``) and the entries of ``nav.sipm-toc`` of a report page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.entries: list[Entry] = []
        self._in: str | None = None  # "title" or "entry"
        self._level, self._anchor, self._text = 0, "", ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "h1" and "sipm-title" in classes and not self.title:
            self._in, self._text = "title", ""
        elif tag == "li" and any(c.startswith("toc-") for c in classes):
            level = next(c for c in classes if c.startswith("toc-"))[4:]
            self._level = int(level) if level.isdigit() else 2
        elif tag == "a" and self._level and (values.get("href") or "").startswith("#"):
            self._in, self._anchor, self._text = "entry", values["href"][1:], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._in == "title":
            self.title, self._in = " ".join(self._text.split()), None
        elif tag == "a" and self._in == "entry":
            self.entries.append(Entry(self._level, self._anchor, " ".join(self._text.split())))
            self._in = None
        elif tag == "li":
            self._level = 0

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def contents(html: str) -> tuple[str, list[Entry]]:
    """The report's title and the entries of its table of contents (none: no contents)."""
    parser = _Contents()
    parser.feed(html)
    parser.close()
    return parser.title, parser.entries


def destinations(pdf: bytes) -> dict[str, int]:
    """The page (counted from 1, the cover included, as the folios count) of each named
    destination of ``pdf``: each anchor Chromium kept."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pages: dict[str, int] = {}
    for name, dest in reader.named_destinations.items():
        try:
            pages[str(name).lstrip("/")] = reader.get_destination_page_number(dest) + 1
        except (KeyError, ValueError, TypeError):
            continue
    return pages


def number_contents(html: str, pages: Mapping[str, int]) -> str:
    """``html`` with each contents entry's page filled in from ``pages``."""
    for anchor, page in pages.items():
        empty = PAGE_CELL.format(anchor=escape(anchor, quote=True))
        html = html.replace(empty, empty.replace("></span>", f">{int(page)}</span>"), 1)
    return html


def finish(pdf: bytes, html: str, folder: Path) -> bytes:
    """``pdf`` with its bookmarks set from the contents of ``html`` (the title, then each
    entry at its page, sub-sections under their section) and its ``file://`` links made
    relative to ``folder``, where the PDF is written."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    _relative_links(writer, folder)
    title, entries = contents(html)
    pages = destinations(pdf)
    listed = [e for e in entries if e.anchor in pages]
    if title and listed:
        _bookmarks(writer, title, listed, pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _relative_links(writer, folder: Path) -> None:
    from pypdf.generic import NameObject, TextStringObject

    for page in writer.pages:
        for ref in page.get("/Annots", []) or []:
            action = ref.get_object().get("/A")
            if action is None or action.get("/S") != "/URI":
                continue
            uri = urlparse(str(action.get("/URI", "")))
            if uri.scheme != "file":
                continue
            relative = os.path.relpath(unquote(uri.path), folder).replace(os.sep, "/")
            target = quote(relative) + (f"#{uri.fragment}" if uri.fragment else "")
            action[NameObject("/URI")] = TextStringObject(target)


def _bookmarks(writer, title: str, entries: list[Entry], pages: Mapping[str, int]) -> None:
    from pypdf.generic import NameObject

    if "/Outlines" in writer.root_object:
        del writer.root_object["/Outlines"]
    top = writer.add_outline_item(title=title, page_number=0)
    section = top
    for entry in entries:
        parent = top if entry.level <= 2 else section
        item = writer.add_outline_item(
            title=entry.text, page_number=pages[entry.anchor] - 1, parent=parent
        )
        if entry.level <= 2:
            section = item
    writer.root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
