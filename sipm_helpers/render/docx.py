"""HTML report → Word (.docx), the copy clients edit.

The rendered report (the same page the PDF is printed from) is converted by pandoc (the
``pypandoc-binary`` wheel carries it): headings become Word headings, tables Word tables,
lists lists, and the cover, the contents (internal links) and the signature come along as
text. Charts, inline SVG or SVG images, are drawn as PNG first (cairosvg, at 2× for print),
since not every Word draws SVG. The document is then set as the PDF is
(``render.page``): A4 with the language's margins, the body, heading and title faces and
sizes, tables a size smaller with their header row repeated on each page and no row split
across pages, ruled tables in Chinese, the cover and the contents each on a page of their
own, and page numbers at the outer corner of odd and even pages (none on the cover).
"""

from __future__ import annotations

import base64
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.errors import SipmError
from sipm_helpers.render.faces import PRINT_FAMILIES
from sipm_helpers.render.page import PageSpec, page_spec

PNG_SCALE = 2.0  # charts drawn at twice their size, for print


class _Images(HTMLParser):
    """Offsets of every top-level ``<svg>…</svg>`` and of every ``<img>`` start tag whose
    source is an SVG data URI."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._starts = [0]
        self._starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
        self.svgs: list[tuple[int, int]] = []
        self.imgs: list[tuple[int, int, str]] = []
        self._depth, self._open = 0, -1
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            if self._depth == 0:
                self._open = self._offset()
            self._depth += 1
        elif tag == "img" and self._depth == 0:
            src = dict(attrs).get("src") or ""
            if src.startswith("data:image/svg+xml;base64,"):
                start = self._offset()
                self.imgs.append((start, start + len(self.get_starttag_text() or ""), src))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.svgs.append((self._open, self._offset() + len("</svg>")))


def _png_img(svg: bytes) -> str:
    import cairosvg

    png = cairosvg.svg2png(bytestring=svg, scale=PNG_SCALE)
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def word_ready(html: str) -> str:
    """``html`` with every SVG chart (inline or as an image) replaced by a PNG image."""
    found = _Images(html)
    edits = [(s, e, _png_img(html[s:e].encode("utf-8"))) for s, e in found.svgs]
    for start, end, src in found.imgs:
        svg = base64.b64decode(src.split(",", 1)[1])
        edits.append((start, end, _png_img(svg)))
    for start, end, text in sorted(edits, reverse=True):
        html = html[:start] + text + html[end:]
    return html


def _first_family(stack: str) -> str:
    """The first family of a CSS stack that a client's Word may have: not the print faces,
    which exist only where the PDFs are made."""
    families = [f.strip().strip('"') for f in stack.split(",")]
    return next(f for f in families if f not in PRINT_FAMILIES)


def _font(style, family: str, size: float, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = family
    style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), family)


def _folio(paragraph, dashes: bool) -> None:
    """A PAGE field in ``paragraph``, between dashes for Chinese documents."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field_char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    if dashes:
        paragraph.add_run("— ")
    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._r.append(instruction)
    field_char("end")
    if dashes:
        paragraph.add_run(" —")


def _table_rows(table) -> None:
    """The header row repeated on each page, no row split across pages."""
    from docx.oxml import OxmlElement

    for i, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if i == 0:
            properties.append(OxmlElement("w:tblHeader"))


def _rule(table) -> None:
    """Single black rules on every side of every cell (Chinese tables)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    properties.append(borders)


def style_document(path: Path, spec: PageSpec, *, toc_title: str = "") -> None:
    """Set the Word document at ``path`` as the module says (in place)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = docx.Document(str(path))
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(spec.top), Mm(spec.bottom)
        section.left_margin, section.right_margin = Mm(spec.inner), Mm(spec.outer)
        section.footer_distance = Mm(max(spec.bottom - 7 - spec.folio_pt * 0.3528 - 2, 5))
        section.different_first_page_header_footer = True
        odd = section.footer.paragraphs[0]
        odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _folio(odd, spec.folio_dashes)
        even = section.even_page_footer.paragraphs[0]
        even.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _folio(even, spec.folio_dashes)
    document.settings.odd_and_even_pages_header_footer = True
    styles = document.styles
    body = _first_family(spec.body_font)
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        if name in [s.name for s in styles]:
            _font(styles[name], body, spec.body_pt)
    title_names = ("Title", "Heading 1")
    for name in title_names:
        if name in [s.name for s in styles]:
            _font(styles[name], _first_family(spec.title_font), spec.title_pt, bold=True)
    for name, family in (("Heading 2", spec.heading_font), ("Heading 3", spec.subheading_font),
                         ("Heading 4", spec.body_font)):  # fmt: skip
        if name in [s.name for s in styles]:
            _font(styles[name], _first_family(family), spec.body_pt, bold=name == "Heading 4")
            styles[name].font.color.rgb = None
    for table in document.tables:
        _table_rows(table)
        if spec.folio_dashes:
            _rule(table)
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(spec.table_pt)
    # the contents and the report each start a page: after the cover, after the contents
    paragraphs = document.paragraphs
    toc = next((p for p in paragraphs if toc_title and p.text.strip() == toc_title), None)
    if toc is not None:
        toc.paragraph_format.page_break_before = True
        toc.alignment = WD_ALIGN_PARAGRAPH.CENTER
        after = paragraphs[paragraphs.index(toc) + 1 :]
        first = next((p for p in after if p.style.name.startswith("Heading")), None)
        if first is not None:
            first.paragraph_format.page_break_before = True
    for paragraph in paragraphs:
        if paragraph.style.name in title_names[1:] and paragraph.text.strip():
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            break
    document.save(str(path))


def html_to_docx(html_path: Path, docx_path: Path, *, lang: str, toc_title: str = "") -> Path:
    """Convert the rendered report ``html_path`` to ``docx_path`` (written atomically);
    returns ``docx_path``. Raises ``SipmError`` naming the file when pandoc fails."""
    import pypandoc

    html_path, docx_path = Path(html_path), Path(docx_path)
    html = word_ready(html_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.docx"
        try:
            pypandoc.convert_text(
                html, "docx", format="html", outputfile=str(out), sandbox=False,
                extra_args=["--quiet", "--resource-path", str(html_path.parent)],
            )  # fmt: skip
        except (RuntimeError, OSError) as exc:
            raise SipmError(f"{html_path}: converting to Word failed: {exc}") from exc
        style_document(out, page_spec(lang), toc_title=toc_title)
        atomic_write_bytes(docx_path, out.read_bytes())
    return docx_path
