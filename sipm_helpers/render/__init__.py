"""Publishing: executed notebooks → HTML reports without code → A4 PDFs → an index page.

- :mod:`.html`: ``render_html`` / ``notebook_to_html`` (nbconvert in-process, our
  template and print CSS, offline, stderr/errors/analyst notes removed);
- :mod:`.pdf`: ``PdfRenderer`` (one Playwright-driven system Chromium for many
  reports), ``find_chromium``, ``render_pdf``;
- :mod:`.site`: ``ReportEntry`` and ``write_index`` (the filterable index page).

Playwright is imported only when a ``PdfRenderer`` starts.
"""

from __future__ import annotations

from sipm_helpers.render.html import clean_notebook, make_exporter, notebook_to_html, render_html
from sipm_helpers.render.pdf import PdfRenderer, find_chromium, render_pdf
from sipm_helpers.render.site import ReportEntry, render_index, write_index

__all__ = [
    "PdfRenderer",
    "ReportEntry",
    "clean_notebook",
    "find_chromium",
    "make_exporter",
    "notebook_to_html",
    "render_html",
    "render_index",
    "render_pdf",
    "write_index",
]
