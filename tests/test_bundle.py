"""Handing over a run (issue 19 §4): `sipm publish RUN --out FILE.zip` bundles the index,
the reports, the books and the stages' forms and lists, nothing else, with no absolute
path of the machine that made them."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from pypdf.annotations import Link

from sipm_helpers.batch.plan import stage_jobs
from sipm_helpers.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sipm_helpers.errors import SipmError
from sipm_helpers.render.bundle import write_bundle
from sipm_helpers.render.publish import publish
from sipm_helpers.stages.registry import STAGES
from tests.builders import fake_run


def _pdf_with_links(path: Path, run: Path, outside: Path) -> None:
    """A PDF linking, as Chromium prints a page's relative links, to absolute file URIs:
    the scoring form beside it, the index, a file outside the run; and a web page."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    form = path.with_name(path.name.replace(".links.pdf", ".xlsx")).resolve()
    for i, url in enumerate([form.as_uri(), (run / "site" / "index.html").resolve().as_uri(),
                             (outside / "secret.csv").as_uri(), "https://example.org/"]):  # fmt: skip
        writer.add_annotation(0, Link(rect=(0, 20 * i, 50, 20 * i + 10), url=url))
    with path.open("wb") as f:
        writer.write(f)


def _links(data: bytes) -> list[str]:
    """The URIs of a PDF's link annotations (None: a link with no action left)."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            found.append(str(action.get_object()["/URI"]) if action is not None else None)
    return found


@pytest.fixture(scope="module")
def run(tiny, ctx, tmp_path_factory) -> Path:
    """A run folder published in Chinese (self-evaluations and feedback letters, HTML and
    Word), with a PDF and a book beside one report, and things a bundle must leave
    out: a notebook, JSON state, a link to a file outside the run."""
    out = tmp_path_factory.mktemp("bundle") / "run"
    jobs = [
        job
        for stage in ("self_evaluation", "feedback_letter")
        for job in stage_jobs(tiny, STAGES[stage], 2025, langs=("zh",))
    ]
    manifest = fake_run(jobs, out)
    publish(jobs, manifest, out, tiny, ctx, formats=("html", "docx"), site_lang="zh", title="测试")
    page = jobs[0].html_path(out)
    for suffix in (".pdf", ".book.pdf"):
        page.with_suffix(suffix).write_bytes(b"%made")
    (out / "site" / "stray.ipynb").write_text("{}", encoding="utf-8")
    (out / "site" / "state.json").write_text("{}", encoding="utf-8")
    outside = out.parent / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("secret", encoding="utf-8")
    (out / "site" / "leak.csv").symlink_to(outside / "secret.csv")
    (out / "site" / "leaked").symlink_to(outside, target_is_directory=True)
    (out / "site" / "loop").symlink_to(out / "site", target_is_directory=True)
    _pdf_with_links(page.with_suffix(".links.pdf"), out, outside)
    (out / "site" / "linked.html").write_text(
        f'<a href="file://{out.resolve()}/site/index.html">index</a> {out.resolve()}/runs',
        encoding="utf-8",
    )
    return out


def test_the_bundle_holds_the_published_files_and_nothing_else(run, tmp_path):
    bundle = write_bundle(run, tmp_path / "handover.zip")
    with zipfile.ZipFile(bundle.path) as zf:
        names = set(zf.namelist())
    assert names == set(bundle.entries)
    umask = os.umask(0)
    os.umask(umask)
    assert bundle.path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    site = run / "site"
    pages = {str(p.relative_to(site).as_posix()) for p in site.rglob("*.html") if p.is_file()}
    assert "index.html" in names and pages <= names
    assert {".html", ".pdf", ".docx", ".xlsx"} <= {Path(n).suffix for n in names}
    assert any(n.endswith(".book.pdf") for n in names)
    assert sum(n.endswith(".xlsx") for n in names) == 3  # the three scoring forms
    for name in names:
        assert Path(name).suffix in {".html", ".pdf", ".docx", ".xlsx", ".csv"}, name
        assert not name.startswith("/") and ".." not in Path(name).parts, name
        assert "leak" not in name and "secret" not in name and "loop" not in name, name


def _contents(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, or those of each part of a Word or Excel file (zips themselves)."""
    if path.suffix in {".docx", ".xlsx"}:
        return _contents_of(path.read_bytes())
    return [("", path.read_bytes())]


def _contents_of(data: bytes) -> list[tuple[str, bytes]]:
    """The parts of a zipped file (a Word or Excel one), or its bytes if it is no zip."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [("", data)]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(name, zf.read(name)) for name in zf.namelist()]


def test_no_file_of_the_bundle_names_a_path_of_the_machine(run, tmp_path):
    bundle = write_bundle(run, tmp_path / "handover.zip")
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle.path) as zf:
        zf.extractall(unzipped)
    forbidden = [str(run), str(run.resolve()), str(tmp_path)]
    prefixes = re.compile(rb"(?<![\w.])/(?:tmp|home|work|root|Users|private|var)/")
    for path in unzipped.rglob("*"):
        if not path.is_file():
            continue
        for part, data in _contents(path):
            for text in forbidden:
                assert text.encode() not in data, (path, part, text)
            assert not prefixes.search(data), (path, part, prefixes.search(data))
    (pdf,) = unzipped.rglob("*.links.pdf")
    form = pdf.name.replace(".links.pdf", ".xlsx")
    assert _links(pdf.read_bytes()) == [form, "../../../index.html", None, "https://example.org/"]
    assert (pdf.parent / "../../../index.html").resolve() == (unzipped / "index.html").resolve()
    linked = (unzipped / "linked.html").read_text(encoding="utf-8")
    assert linked == '<a href="index.html">index</a> runs'  # made relative


def test_the_zip_is_replaced_only_if_sipm_wrote_it(run, tmp_path):
    out = tmp_path / "handover.zip"
    write_bundle(run, out)
    write_bundle(run, out)  # its own zip: replaced
    other = tmp_path / "other.zip"
    other.write_bytes(b"someone's file")
    with pytest.raises(SipmError, match="not a bundle sipm wrote"):
        write_bundle(run, other)
    assert other.read_bytes() == b"someone's file"
    write_bundle(run, other, force=True)
    assert zipfile.is_zipfile(other)
    folder = tmp_path / "folder.zip"
    folder.mkdir()
    with pytest.raises(SipmError, match="not a bundle sipm wrote"):
        write_bundle(run, folder, force=True)
    folder.rmdir()
    with pytest.raises(SipmError, match=r"must be a \.zip"):
        write_bundle(run, tmp_path / "handover.tar")
    with pytest.raises(SipmError, match="no published index"):
        write_bundle(tmp_path / "nothing", tmp_path / "nothing.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handover.zip", "other.zip"]


def test_sipm_publish_writes_the_zip_and_refuses_in_the_chosen_language(run, tmp_path, capsys):
    out = tmp_path / "handover.zip"
    assert main(["publish", str(run), "--out", str(out)]) == EXIT_OK
    assert "files bundled into" in capsys.readouterr().out and zipfile.is_zipfile(out)
    assert main(["--lang", "zh", "publish", str(run), "--out", str(tmp_path / "a.txt")]) == (
        EXIT_BAD_INPUT
    )
    assert "打包文件须为 .zip 文件" in capsys.readouterr().err
    taken = tmp_path / "taken.zip"
    taken.write_text("mine", encoding="utf-8")
    assert main(["publish", str(run), "--out", str(taken)]) == EXIT_BAD_INPUT
    assert "--force" in capsys.readouterr().err and taken.read_text(encoding="utf-8") == "mine"
    assert main(["publish", str(run), "--out", str(taken), "--force"]) == EXIT_OK


def test_a_printed_report_links_to_its_form_relatively_in_the_bundle(tiny, ctx, chromium, tmp_path):
    """Chromium prints a page's link to its scoring form as a file:// URI of this machine;
    the printed PDF (render/paper.py) and the bundle's copy link to the form beside it."""
    import nbformat

    run = tmp_path / "run"
    (job,) = stage_jobs(tiny, STAGES["self_evaluation"], 2025, langs=("zh",))[:1]
    manifest = fake_run([job], run)
    nb = nbformat.read(job.executed_path(run), as_version=4)
    form = job.html_path(run).with_suffix(".xlsx").name
    nb.cells.append(nbformat.v4.new_markdown_cell(f"[评分表]({form})"))
    nbformat.write(nb, job.executed_path(run))
    publish([job], manifest, run, tiny, ctx, formats=("html", "pdf", "docx"), site_lang="zh")
    printed = job.pdf_path(run).read_bytes()
    assert str(run.resolve()).encode() not in printed and _links(printed) == [form]
    bundle = write_bundle(run, tmp_path / "handover.zip")
    entry = str(job.pdf_path(run).relative_to(run / "site").as_posix())
    with zipfile.ZipFile(bundle.path) as zf:
        data = zf.read(entry)
    assert str(run.resolve()).encode() not in data and b"/tmp/" not in data
    assert _links(data) == [form]
    with zipfile.ZipFile(bundle.path) as zf:
        word = zf.read(entry.replace(".pdf", ".docx"))
    for _, part in _contents_of(word):
        assert str(run.resolve()).encode() not in part and b"/tmp/" not in part


def test_a_failed_reports_error_names_no_folder_of_the_machine(tiny, tiny_dir, ctx, tmp_path):
    """The index quotes a failed report's error, which may name the data it read or a file
    in the home folder: the bundle names the data folder by its last part, home as ~."""
    from sipm_helpers.batch.manifest import FAILED

    run = tmp_path / "run"
    jobs = stage_jobs(tiny, STAGES["self_evaluation"], 2025, langs=("en",))[:2]
    manifest = fake_run(jobs, run)
    failed = manifest.records[jobs[1].job_id]
    failed.status, failed.parameters = FAILED, {"data": str(tiny_dir.resolve())}
    failed.error = f"{tiny_dir.resolve()}/execution.csv: unreadable; see {Path.home()}/notes.txt"
    manifest.update(failed)
    publish(jobs, manifest, run, tiny, ctx, formats=("html",))
    assert str(tiny_dir.resolve()) in (run / "site" / "index.html").read_text(encoding="utf-8")
    bundle = write_bundle(run, tmp_path / "handover.zip")
    with zipfile.ZipFile(bundle.path) as zf:
        index = zf.read("index.html").decode("utf-8")
    assert f"{tiny_dir.name}/execution.csv: unreadable; see ~/notes.txt" in index
    assert str(tiny_dir.resolve()) not in index and str(Path.home()) + "/" not in index
