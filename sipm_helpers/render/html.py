"""Executed notebook → self-contained HTML report with no code.

nbconvert's ``HTMLExporter`` runs in-process (0.01–0.2 s a report against 1.8 s for the
CLI, measured on the project's machine) with our template ``templates/sipm_report``: JupyterLab's cell markup
without inputs or prompts, a cover (title and subtitle, and given a ``cover``, its facts,
the table of contents and, for a signed document, the signature and seal), our print CSS
for the report's language inlined (``render.page``), and no MathJax, require.js or any
other URL fetched (reports render offline). The page is then typeset
(``render.typeset``): sections numbered and listed in the contents, tables' columns
classed by their content.

Before export a copy of the notebook is cleaned: cells tagged ``parameters``,
``injected-parameters`` or ``analyst`` are dropped, and so are stderr streams, error
outputs, anything whose text holds a Python traceback and bare object reprs
(``<Figure size 640x480 with 1 Axes>``). The notebook's own HTML outputs (the package's
``<table class="sipm-table">``) are inserted as they are: the code that builds them must
escape the data it puts in; title and subtitle are escaped by the template.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from sipm_helpers.config.labels import languages, load_labels
from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.errors import SipmError
from sipm_helpers.render.page import page_spec
from sipm_helpers.render.typeset import typeset

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "sipm_report"

#: Cells carrying one of these tags never reach a report.
DROP_TAGS = frozenset({"parameters", "injected-parameters", "analyst", "remove-cell"})

_TRACEBACK = "Traceback"
# A repr nobody should read in a report: <Figure size 640x480 with 1 Axes>, <object at 0x..>.
_BARE_REPR = re.compile(r"^\s*<(Figure size [^>]*|[\w.]+( object)? at 0x[0-9a-fA-F]+[^>]*)>\s*$")
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def html_lang(lang: str) -> str:
    """The ``<html lang>`` value for a report language, as its catalogue gives it
    (``lang_html``: 'zh' → 'zh-CN'); a regional variant (zh-CN, zh_CN, zh-Hans) is its
    language's. Raises ``SipmError`` for a language without a catalogue."""
    key = str(lang).strip().replace("_", "-").lower().split("-")[0]
    if key not in languages():
        known = ", ".join(languages())
        raise SipmError(f"unknown report language {lang!r}: use one of {known}")
    return load_labels(key).t("lang_html")


def make_exporter() -> HTMLExporter:
    """A new ``HTMLExporter`` set up for sipm reports; build one and pass it to
    :func:`notebook_to_html` for many reports (it holds no per-report state)."""
    config = Config()
    # The Pygments stylesheet only colours code inputs, which reports never show.
    config.CSSHTMLHeaderPreprocessor.enabled = False
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        sanitize_html=False,
    )


def _output_text(output: nbformat.NotebookNode) -> str:
    """All the text an output carries (stream text, text data, traceback lines)."""
    parts: list[str] = []
    if "text" in output:
        parts.append(str(output["text"]))
    data = output.get("data", {})
    for mime in _TEXT_MIMES:
        if mime in data:
            value = data[mime]
            parts.append("".join(value) if isinstance(value, list) else str(value))
    parts.extend(str(line) for line in output.get("traceback", []))
    return "\n".join(parts)


def _keep_output(output: nbformat.NotebookNode) -> bool:
    """False for outputs a reader must not see: stderr, errors, tracebacks, bare reprs."""
    kind = output.get("output_type")
    if kind == "error":
        return False
    if kind == "stream" and output.get("name") != "stdout":
        return False
    if _TRACEBACK in _output_text(output):
        return False
    data = output.get("data", {})
    if kind in ("display_data", "execute_result") and set(data) <= {"text/plain"}:
        text = data.get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if not text.strip() or _BARE_REPR.match(text):
            return False
    return True


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` holding only what a report reader should see.

    Drops cells tagged with one of :data:`DROP_TAGS`, every stderr stream, error output,
    output containing "Traceback" and bare object repr, and code cells left without
    outputs. The input notebook is not modified.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & DROP_TAGS:
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if _keep_output(o)]
            if not cell["outputs"]:
                continue
        cells.append(cell)
    out.cells = cells
    return out


def notebook_to_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    lang: str = "en",
    subtitle: str | None = None,
    exporter: HTMLExporter | None = None,
    resources_path: Path | None = None,
    cover: dict | None = None,
) -> str:
    """Render an executed notebook as a report page and return the HTML text.

    ``title`` and ``subtitle`` (plain text, escaped) head the page; ``lang`` ('en' or
    'zh') sets ``<html lang>`` and the page's layout. ``exporter`` is an exporter from
    :func:`make_exporter` to reuse across reports (a new one is made when None).
    ``resources_path`` is the folder that relative image links in markdown cells are
    resolved against (they are embedded). ``cover`` (``render.cover.Cover.as_dict()``)
    puts the cover's facts, the table of contents and any signature on the page.
    """
    if not title or not str(title).strip():
        raise SipmError("a report needs a non-empty title")
    exporter = exporter if exporter is not None else make_exporter()
    spec = page_spec(html_lang(lang))
    page = {**dataclasses.asdict(spec), "width": spec.width, "height": spec.height}
    resources = {
        "sipm": {
            "title": str(title),
            "subtitle": subtitle,
            "html_lang": html_lang(lang),
            "page": page,
            "cover": cover,
        },
        "metadata": {"path": str(resources_path) if resources_path else ""},
    }
    body, _ = exporter.from_notebook_node(clean_notebook(nb), resources=resources)
    toc_title = (cover or {}).get("toc_title", "")
    return typeset(body, lang=html_lang(lang)[:2], measure=spec.measure, toc_title=toc_title)


def render_html(
    notebook_path: Path,
    html_path: Path,
    *,
    title: str,
    lang: str = "en",
    subtitle: str | None = None,
    exporter: HTMLExporter | None = None,
    cover: dict | None = None,
) -> Path:
    """Read the executed notebook at ``notebook_path``, render it with
    :func:`notebook_to_html` and write ``html_path`` atomically; returns ``html_path``.

    Raises ``SipmError`` naming the file when the notebook cannot be read.
    """
    notebook_path, html_path = Path(notebook_path), Path(html_path)
    try:
        nb = nbformat.read(notebook_path, as_version=4)
    except (OSError, ValueError) as exc:  # missing file, bad JSON, invalid notebook
        raise SipmError(f"{notebook_path}: cannot read the notebook: {exc}") from exc
    text = notebook_to_html(
        nb,
        title=title,
        lang=lang,
        subtitle=subtitle,
        exporter=exporter,
        resources_path=notebook_path.parent,
        cover=cover,
    )
    atomic_write_text(html_path, text)
    return html_path


def render_page(
    notebook_path: Path,
    html_path: Path,
    resources: dict,
    *,
    title: str,
    lang: str,
    subtitle: str,
    cover: dict | None = None,
) -> Path:
    """:func:`render_html` as a batch worker calls it right after a notebook ran, keeping
    its exporter in the worker's own ``resources`` (built once per worker, not per page)."""
    exporter = resources.get("html_exporter")
    if exporter is None:
        exporter = resources["html_exporter"] = make_exporter()
    return render_html(
        notebook_path,
        html_path,
        title=title,
        lang=lang,
        subtitle=subtitle,
        exporter=exporter,
        cover=cover,
    )
