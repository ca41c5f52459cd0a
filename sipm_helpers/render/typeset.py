"""Typesetting a rendered report: its sections numbered where the report leaves them
unnumbered and given anchors, a table of contents built from them, and each table's
columns classed by what they hold.

A column whose every cell is a short text (a code, a date, a status, "行业", a region's
name) never wraps (class ``sipm-nw``); a column of longer text keeps a minimum width
(``sipm-wrap``); a header cell breaks between words, never inside one (``sipm-head``): no
column is ever squeezed to one character a line. A table whose columns cannot fit the
portrait type area at their least width is set a size smaller (``sipm-dense``), and if
that is not enough on a landscape page (``sipm-landscape``). Widths are estimated from the text: a CJK character is one em, any
other about half of one (:func:`text_em`).

The HTML is read with the standard library's tokenizer (``html.parser``): new attributes
and elements are spliced in at the offsets it reports, start tags are written again from
the attributes it parsed, and every value inserted is escaped. Nothing is matched with a
pattern but the plain text of a heading (whether it starts with a section number).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from sipm_helpers.config.labels import load_labels
from sipm_helpers.render.paper import PAGE_CELL

#: Headings listed in the table of contents, and numbered where the report has none.
TOC_LEVELS = ("h2", "h3")
#: The table of contents' placeholder in the page template: ``<nav class="sipm-toc">``.
TOC_CLASS = "sipm-toc"

#: A column whose cells are all at most this wide (in ems) is kept on one line.
SHORT_EM = 10.0
#: A column of longer text is never narrower than this (the CSS of ``sipm-wrap``).
WRAP_MIN_EM = 7.0
#: Padding of a cell, both sides together, in ems (the CSS: 0.3em each side, rounded up).
CELL_PAD_EM = 0.8

_SECTION_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.(?:\d+\.?)*\s)"
)
_CHINESE_DIGITS = "一二三四五六七八九"


@dataclass(frozen=True)
class Measure:
    """How many ems of a table's type fit across a page: portrait, landscape, and
    landscape in the dense size."""

    portrait: float
    landscape: float
    dense: float


@dataclass(frozen=True)
class Heading:
    level: int  # 2 or 3
    anchor: str
    text: str  # as shown, with its number


def text_em(text: str) -> float:
    """The width of ``text`` in ems: CJK (wide and full-width) characters one em, spaces
    0.3, anything else 0.55 (digits and Latin letters of the report fonts, on average)."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif char.isspace():
            width += 0.3
        else:
            width += 0.55
    return width


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (section numbers)."""
    if not 0 < n < 100:
        raise ValueError(f"section number {n} out of range 1–99")
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_DIGITS[tens - 1] + "十")
    return head + (_CHINESE_DIGITS[units - 1] if units else "")


def section_number(level: int, counts: tuple[int, int], lang: str) -> str:
    """The number a heading gets: 一、 / （一） in Chinese, 1. / 1.1 in English."""
    top, sub = counts
    if load_labels(lang).chinese_numbering:
        return f"{chinese_number(top)}、" if level == 2 else f"（{chinese_number(sub)}）"
    return f"{top}. " if level == 2 else f"{top}.{sub} "


def is_numbered(text: str) -> bool:
    """Whether a heading's text starts with a section number of its own."""
    return bool(_SECTION_NUMBER.match(text))


@dataclass
class _Cell:
    start: int
    end: int  # end of the start tag
    tag: str
    attrs: list[tuple[str, str | None]]
    colspan: int
    head: bool = False  # in the table's <thead>
    text: list[str] = field(default_factory=list)


@dataclass
class _Table:
    start: int
    end: int  # end of the start tag
    attrs: list[tuple[str, str | None]]
    rows: list[list[_Cell]] = field(default_factory=list)
    close: int = -1  # end of the end tag
    in_head: bool = False


@dataclass
class _Head:
    start: int
    end: int
    tag: str
    attrs: list[tuple[str, str | None]]
    text: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    """One pass over the page: the TOC placeholder, the headings after it, every table's
    cells with their text, each with the offsets of its start tag."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        self._line_starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
        self.toc: tuple[int, int] | None = None  # start of <nav>, start of </nav>
        self._toc_start = -1
        self._nav_depth = 0
        self.headings: list[_Head] = []
        self.tables: list[_Table] = []
        self._tables: list[_Table] = []
        self._cell: _Cell | None = None
        self._head: _Head | None = None
        self._anchor_depth = 0  # inside <a class="anchor-link">: not heading text
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        end = start + len(self.get_starttag_text() or "")
        classes = (dict(attrs).get("class") or "").split()
        if tag == "nav":
            if TOC_CLASS in classes and self.toc is None and self._toc_start < 0:
                self._toc_start, self._nav_depth = start, 1
            elif self._nav_depth:
                self._nav_depth += 1
        elif tag in TOC_LEVELS and self.toc is not None and self._head is None:
            self._head = _Head(start, end, tag, attrs)
        elif tag == "a" and "anchor-link" in classes:
            self._anchor_depth += 1
        elif tag == "table":
            self._tables.append(_Table(start, end, attrs))
        elif tag == "thead" and self._tables:
            self._tables[-1].in_head = True
        elif tag == "tr" and self._tables:
            self._tables[-1].rows.append([])
        elif tag in ("td", "th") and self._tables and self._tables[-1].rows:
            span = dict(attrs).get("colspan") or "1"
            table = self._tables[-1]
            cell = _Cell(start, end, tag, attrs, int(span) if span.isdigit() else 1, table.in_head)
            self._tables[-1].rows[-1].append(cell)
            self._cell = cell

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1
            if self._nav_depth == 0:
                self.toc = (self._toc_start, self._offset())
        elif self._head is not None and tag == self._head.tag:
            self.headings.append(self._head)
            self._head = None
        elif tag == "a" and self._anchor_depth:
            self._anchor_depth -= 1
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "thead" and self._tables:
            self._tables[-1].in_head = False
        elif tag == "table" and self._tables:
            table = self._tables.pop()
            table.close = self._offset() + len("</table>")
            self.tables.append(table)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._anchor_depth:
            return
        if self._head is not None:
            self._head.text.append(data)
        if self._cell is not None:
            self._cell.text.append(data)


def start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    """A start tag written from parsed attributes, every value escaped."""
    parts = [tag]
    for name, value in attrs:
        parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


def with_class(attrs: list[tuple[str, str | None]], *names: str) -> list[tuple[str, str | None]]:
    """``attrs`` with ``names`` added to its class attribute (made if missing)."""
    out, done = [], False
    for name, value in attrs:
        if name == "class" and not done:
            have = (value or "").split()
            value = " ".join(have + [n for n in names if n not in have])
            done = True
        out.append((name, value))
    if not done:
        out.append(("class", " ".join(names)))
    return out


def _set_attr(attrs: list[tuple[str, str | None]], name: str, value: str) -> list:
    if any(k == name for k, _ in attrs):
        return attrs
    return [*attrs, (name, value)]


def _columns(table: _Table) -> dict[int, list[_Cell]]:
    """Each column's cells (a cell spanning columns belongs to none)."""
    columns: dict[int, list[_Cell]] = {}
    for row in table.rows:
        index = 0
        for cell in row:
            if cell.colspan == 1:
                columns.setdefault(index, []).append(cell)
            index += cell.colspan
    return columns


def least_em(texts: list[str], *, head: bool = False) -> tuple[str, float]:
    """A column's class and the least width its cells need, in ems. Body cells: a column
    whose every cell is at most ``SHORT_EM`` wide stays on one line (``sipm-nw``, its
    widest cell), any other wraps (``sipm-wrap``) but keeps ``WRAP_MIN_EM`` or its longest
    Latin word. Header cells (``head``) break between words but never inside one: a CJK
    heading of up to ``SHORT_EM`` counts as one word."""
    widest = max((text_em(t.strip()) for t in texts), default=0.0)
    words = [w for t in texts for w in t.split()]
    latin = max((text_em(w) for w in words if not _has_cjk(w)), default=0.0)
    cjk = max((min(text_em(w), SHORT_EM) for w in words if _has_cjk(w)), default=0.0)
    if head:
        return "sipm-head", max(latin, cjk)
    if widest <= SHORT_EM:
        return "sipm-nw", widest
    return "sipm-wrap", max(WRAP_MIN_EM, latin)


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


def table_layout(
    body: dict[int, list[str]], measure: Measure, head: dict[int, list[str]] | None = None
) -> tuple[dict[int, str], dict[int, str], tuple[str, ...]]:
    """The classes of each column's body cells and header cells (:func:`least_em`) and
    the table's own: () when its columns fit the portrait measure at their least width,
    ("sipm-dense",) when they fit it in the smaller size, ("sipm-landscape",
    "sipm-dense") when only a landscape page holds them."""
    head = head or {}
    kinds, least = {}, 0.0
    for index in sorted(set(body) | set(head)):
        kind, width = least_em(body.get(index, []))
        _, head_width = least_em(head.get(index, []), head=True)
        kinds[index] = kind
        least += max(width, head_width) + CELL_PAD_EM
    heads = dict.fromkeys(head, "sipm-head")
    if least <= measure.portrait:
        return kinds, heads, ()
    if least <= measure.portrait * measure.dense / measure.landscape:
        return kinds, heads, ("sipm-dense",)
    return kinds, heads, ("sipm-landscape", "sipm-dense")


def _toc_html(headings: list[Heading], title: str) -> str:
    items = "".join(
        f'<li class="toc-{h.level}"><a href="#{escape(h.anchor, quote=True)}">'
        f"{escape(h.text)}</a>{PAGE_CELL.format(anchor=escape(h.anchor, quote=True))}</li>"
        for h in headings
    )
    return f'<p class="sipm-toc-title">{escape(title)}</p><ol>{items}</ol>'


def typeset(html: str, *, lang: str, measure: Measure, toc_title: str) -> str:
    """``html`` (a whole report page) typeset as the module says. The table of contents
    fills the page's ``<nav class="sipm-toc">`` (dropped when the report has no
    heading); headings are numbered only when none of them carries a number of its own."""
    scan = _Scanner(html)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), non-overlapping

    heads = [h for h in scan.headings if "".join(h.text).strip()]
    number = not any(is_numbered("".join(h.text)) for h in heads)
    counts = (0, 0)
    listed: list[Heading] = []
    for i, head in enumerate(heads, start=1):
        level = int(head.tag[1])
        text = " ".join("".join(head.text).split())
        attrs = head.attrs
        anchor = dict(attrs).get("id") or f"sec-{i}"
        attrs = _set_attr(attrs, "id", anchor)
        prefix = ""
        if number:
            counts = (counts[0] + 1, 0) if level == 2 else (max(counts[0], 1), counts[1] + 1)
            prefix = section_number(level, counts, lang)
            text = prefix + text
        replacement = start_tag(head.tag, attrs)
        if prefix:
            replacement += f'<span class="sipm-secnum">{escape(prefix)}</span>'
        edits.append((head.start, head.end, replacement))
        listed.append(Heading(level, anchor, text))

    if scan.toc is not None:
        start, close = scan.toc
        if listed:
            edits.append((close, close, _toc_html(listed, toc_title)))
        else:
            edits.append((start, close + len("</nav>"), ""))

    for table in scan.tables:
        columns = _columns(table)
        body = {i: ["".join(c.text) for c in cells if not c.head] for i, cells in columns.items()}
        head = {i: ["".join(c.text) for c in cells if c.head] for i, cells in columns.items()}
        kinds, heads, own = table_layout(body, measure, head)
        for index, cells in columns.items():
            for cell in cells:
                kind = heads.get(index) if cell.head else kinds.get(index)
                if kind:
                    tag = start_tag(cell.tag, with_class(cell.attrs, kind))
                    edits.append((cell.start, cell.end, tag))
        if own:
            edits.append(
                (table.start, table.end, start_tag("table", with_class(table.attrs, *own)))
            )
        if "sipm-landscape" in own:
            # The named page applies to a block around the table (its caption included).
            edits.append((table.start, table.start, '<div class="sipm-landscape">'))
            edits.append((table.close, table.close, "</div>"))

    # Apply from the end, so that earlier offsets stay valid; inserts at one offset keep
    # their order (a wrapper's opening before the table's start tag).
    out = html
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + text + out[end:]
    return out
