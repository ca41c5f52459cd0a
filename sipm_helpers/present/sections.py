"""Report building blocks: a section of HTML that Jupyter displays, paragraphs with
**bold**, figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Section:
    """A block of report HTML; Jupyter renders it through ``_repr_html_``."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def rich(text: str) -> str:
    """Escape ``text`` and turn **bold** into <strong>."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escape(text))


def _para(text: str, css: str | None = None) -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{rich(text)}</p>"


def _figure(svg: str) -> str:
    return f'<figure class="sipm-chart">{svg}</figure>'
