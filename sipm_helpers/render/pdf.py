"""HTML report → A4 PDF through the system Chromium, driven by Playwright.

One browser serves many reports: ``PdfRenderer`` starts Playwright's sync API and
launches Chromium once (``executable_path`` = the system binary, since Playwright's own
browsers are never installed here), then loads each report in the same tab and prints it:
A4, the CSS ``@page`` rules and backgrounds honoured (margins, page numbers in the page's
margin boxes at the outer corners, landscape pages for wide tables: the report's own
print CSS, ``templates/sipm_report/print.css``), and the PDF's bookmarks made from the
report's headings. Measured on this kind of machine: 0.2–0.3 s a report with the browser
kept open (after a 1.7 s launch), against 0.6 s for a ``chromium --print-to-pdf`` process
per report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from types import TracebackType
from typing import Any

from sipm_helpers.config.labels import refusal
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.errors import SipmError
from sipm_helpers.render.paper import contents, destinations, finish, number_contents

#: Executables tried, in order, when $SIPM_CHROMIUM is not set.
#: Prints with the contents numbered, at most: the pages rarely move after the first.
MAX_CONTENTS_PASSES = 2
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Flags for a headless print server: no sandbox (containers), no GPU, no /dev/shm
#: (small in containers), and nothing that phones home or updates itself.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def find_chromium() -> str | None:
    """Path of the Chromium executable to print with, or None if there is none.

    ``$SIPM_CHROMIUM`` wins when set (a path, or a name looked up on PATH); it is an
    error (``SipmError``) if it names nothing executable. Otherwise the first of
    :data:`CHROMIUM_NAMES` found on PATH.
    """
    wanted = os.environ.get("SIPM_CHROMIUM", "").strip()
    if wanted:
        found = shutil.which(wanted)
        if found is None:
            raise refusal("error_chromium_missing", wanted=wanted)
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class PdfRenderer:
    """Print HTML reports to PDF with one headless Chromium kept open.

    Use as a context manager::

        with PdfRenderer() as renderer:
            for html, pdf in pairs:
                renderer.render(html, pdf)

    ``executable`` overrides :func:`find_chromium`; ``timeout_ms`` bounds the loading
    and printing of each report. Not thread-safe: one renderer per thread or process.
    """

    def __init__(self, *, executable: str | None = None, timeout_ms: float = 60_000) -> None:
        self._executable = executable
        self._timeout_ms = timeout_ms
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._page: Any = None

    def __enter__(self) -> PdfRenderer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start Playwright and launch the browser (done by ``with``; idempotent).

        Raises ``SipmError`` when no Chromium is found or it fails to start.
        """
        if self._browser is not None:
            return
        executable = self._executable or find_chromium()
        if executable is None:
            raise SipmError(
                "no Chromium found to print PDFs: install Debian's 'chromium' package or "
                "set SIPM_CHROMIUM to a Chromium or Chrome executable"
            )
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=self._timeout_ms,
            )
            # Reports are static pages: no scripts needed, no network beyond file://.
            context = browser.new_context(java_script_enabled=False, offline=True)
            context.set_default_timeout(self._timeout_ms)
        except PlaywrightError as exc:
            playwright.stop()
            raise SipmError(f"{executable}: cannot start Chromium: {exc.message}") from exc
        except BaseException:
            playwright.stop()
            raise
        self._playwright, self._browser, self._context = playwright, browser, context

    def close(self) -> None:
        """Close the browser and stop Playwright (safe to call twice)."""
        context, browser, playwright = self._context, self._browser, self._playwright
        self._page = self._context = self._browser = self._playwright = None
        if playwright is None:
            return
        from playwright.sync_api import Error as PlaywrightError

        try:
            # A crashed browser cannot close cleanly; what matters is stopping Playwright.
            with contextlib.suppress(PlaywrightError):
                if context is not None:
                    context.close()
                if browser is not None:
                    browser.close()
        finally:
            playwright.stop()

    def render(self, html_path: Path, pdf_path: Path) -> Path:
        """Print the HTML file ``html_path`` to ``pdf_path`` (A4, backgrounds, the page's
        own numbers, bookmarks), written atomically; returns ``pdf_path``.

        Raises ``SipmError`` naming the file if it is missing or Chromium fails on it.
        """
        if self._context is None:
            raise SipmError("PdfRenderer.render() called outside 'with PdfRenderer()'")
        from playwright.sync_api import Error as PlaywrightError

        html_path, pdf_path = Path(html_path), Path(pdf_path)
        if not html_path.is_file():
            raise SipmError(f"{html_path}: no such HTML report")
        # A browser that crashed on an earlier report is replaced, so one bad report does
        # not fail the rest of a batch.
        if not self._browser.is_connected():
            self.close()
            self.start()
        # One tab serves every report: reports are static (scripts are off), so loading the
        # next one replaces the last entirely; this saves ~0.1 s a report over a new tab.
        page = self._page
        try:
            if page is None or page.is_closed():
                page = self._page = self._context.new_page()
            html = html_path.read_text(encoding="utf-8")
            data = self._print(page, html_path)
            data = self._number_contents(page, html_path, html, data)
        except PlaywrightError as exc:
            self._page = None  # a fresh tab for the next report
            if page is not None:
                with contextlib.suppress(PlaywrightError):
                    page.close()
            raise SipmError(f"{html_path}: printing to PDF failed: {exc.message}") from exc
        atomic_write_bytes(pdf_path, finish(data, html, pdf_path.parent))
        return pdf_path

    @staticmethod
    def _print(page, html_path: Path) -> bytes:
        page.goto(html_path.resolve().as_uri(), wait_until="load")
        return page.pdf(
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            # Page numbers are the page's own (CSS margin boxes), so that they can sit at
            # the outer corner of odd and even pages.
            display_header_footer=False,
            outline=True,  # bookmarks, set again from the contents (render/paper.py)
            tagged=True,
            # Used only if the page has no @page margin; ours match the report CSS.
            margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
        )

    def _number_contents(self, page, html_path: Path, html: str, data: bytes) -> bytes:
        """Print the report again with the pages of its contents filled in, until they
        stay where they are (a longer contents may push every section a page on)."""
        if not contents(html)[1]:
            return data
        numbered = html_path.with_name(f".{html_path.stem}.numbered.html")
        try:
            for _ in range(MAX_CONTENTS_PASSES):
                pages = destinations(data)
                atomic_write_bytes(numbered, number_contents(html, pages).encode("utf-8"))
                data = self._print(page, numbered)
                if destinations(data) == pages:
                    break
        finally:
            numbered.unlink(missing_ok=True)
        return data


def render_pdf(html_path: Path, pdf_path: Path, *, executable: str | None = None) -> Path:
    """Print one HTML report to PDF with a browser started for it alone; returns
    ``pdf_path``. For many reports use one :class:`PdfRenderer`."""
    with PdfRenderer(executable=executable) as renderer:
        return renderer.render(html_path, pdf_path)
