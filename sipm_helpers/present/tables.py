"""HTML tables for reports: escaped cells, numeric cells right-aligned (class "num") and
text left, also inline: JupyterLab's own style right-aligns every cell of a table in a
notebook's output, and an inline style is the one it keeps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LEFT, RIGHT = ' style="text-align:left"', ' style="text-align:right"'


@dataclass(frozen=True)
class Cell:
    """A cell's text, whether it is numeric, and an optional CSS class (e.g. 'bad')."""

    text: str
    numeric: bool = False
    css: str | None = None


@dataclass(frozen=True)
class GroupRow:
    """A full-width row that heads a group of rows (e.g. a category of indicators)."""

    text: str


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell | str] | GroupRow],
    *,
    caption: str | None = None,
    css: str = "sipm-table",
    numeric_columns: Sequence[int] = (),
) -> str:
    """Build ``<table class="sipm-table">``; every text is escaped, numbers right-aligned."""
    numeric = set(numeric_columns)
    parts = [f'<table class="{escape(css)}">']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    head = "".join(
        f'<th class="num"{RIGHT}>{escape(h)}</th>'
        if i in numeric
        else f"<th{LEFT}>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    for row in rows:
        if isinstance(row, GroupRow):
            parts.append(
                f'<tr class="group"><td colspan="{len(header)}">{escape(row.text)}</td></tr>'
            )
            continue
        cells = []
        for i, cell in enumerate(row):
            c = cell if isinstance(cell, Cell) else Cell(str(cell), i in numeric)
            number = c.numeric or i in numeric
            classes = " ".join(x for x in ("num" if number else "", c.css or "") if x)
            attr = f' class="{escape(classes)}"' if classes else ""
            cells.append(f"<td{attr}{RIGHT if number else LEFT}>{escape(c.text)}</td>")
        parts.append(f"<tr>{''.join(cells)}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
