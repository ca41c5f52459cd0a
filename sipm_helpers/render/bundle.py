"""Handing over a run: one zip of what its site publishes (issue 19 §4).

The zip holds the index pages, the reports in every format made (HTML, PDF, Word), the
provinces' books, the comparison page and the files the stages write beside their reports
(scoring forms, rectification lists, working papers): the files of ``RUN_DIR/site`` whose
suffix is one of :data:`BUNDLED`, nothing else (no executed notebook, input data, JSON
state or manifest: they are not in the site, and no other suffix is taken from it).

Entries are paths relative to the site folder (the index at the zip's root, so its links
work once unzipped); a symbolic link leading outside the run folder is left out. Nothing
tells where the reports were made: the run folder's absolute path is taken out of the
text files (HTML, CSV), as are the data folders its manifest names and the home folder
(a failed report's error may quote them), and a PDF's links to files (Chromium prints a
page's relative links as absolute ``file://`` ones) are made relative to the PDF again,
or dropped where they lead outside the site. The zip is written to a temporary file
beside ``out`` and renamed; an existing ``out`` is replaced only if this module wrote it,
or with ``force``.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

import pypdf
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from sipm_helpers.batch.manifest import Manifest
from sipm_helpers.config.labels import refusal
from sipm_helpers.data.io import usual_file_mode

BUNDLED = (".html", ".pdf", ".docx", ".xlsx", ".csv")
TEXTS = (".html", ".csv")  # scrubbed of the run folder's absolute path
COMMENT = b"sipm bundle 1"  # marks a zip this module wrote


@dataclass(frozen=True)
class Bundle:
    path: Path
    entries: tuple[str, ...]


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (symbolic links followed) lies inside ``root`` (resolved)."""
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def bundled_files(run: Path) -> Iterator[tuple[str, Path]]:
    """(entry name, file) of each file of ``run``'s site the bundle holds, sorted; a
    link (to a file or a folder) leading outside ``run`` is skipped, never followed."""
    root, site = run.resolve(), run.resolve() / "site"
    if not _inside(site, root):  # the site itself a link elsewhere: nothing of it
        return iter(())
    found: list[tuple[str, Path]] = []
    seen: set[Path] = set()  # folders walked, by their real path: a link loop ends
    for folder, dirs, files in os.walk(site, followlinks=True):
        here = Path(folder)
        seen.add(here.resolve())
        dirs[:] = sorted(
            d for d in dirs if _inside(here / d, root) and (here / d).resolve() not in seen
        )
        for name in files:
            path = here / name
            if path.suffix.lower() not in BUNDLED or not _inside(path, root):
                continue
            if not path.is_file():
                continue
            entry = PurePosixPath(path.relative_to(site).as_posix())
            if ".." in entry.parts or entry.is_absolute():
                continue
            found.append((str(entry), path))
    return iter(sorted(found))


def _spellings(path: Path) -> list[bytes]:
    """The ways ``path`` may be written, longest first."""
    both = {str(path), path.as_posix(), str(path.resolve()), path.resolve().as_posix()}
    return [s.encode("utf-8") for s in sorted(both, key=len, reverse=True)]


def _elsewhere(run: Path) -> list[tuple[bytes, bytes]]:
    """Other paths of this machine a page may quote (in a failed report's error): the
    data folders the run read (named by their last part) and the home folder (``~``)."""
    records = Manifest.load(run / "manifest.json").records.values()
    data = {str(r.parameters.get("data") or "") for r in records}
    pairs = [(raw, Path(d).name.encode("utf-8")) for d in data if d and Path(d).is_absolute()
             for raw in _spellings(Path(d))]  # fmt: skip
    pairs += [(raw, b"~") for raw in _spellings(Path.home()) if len(raw) > 1]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def _scrubbed(data: bytes, run: Path, elsewhere: list[tuple[bytes, bytes]]) -> bytes:
    """``data`` with every spelling of ``run``'s absolute path taken out (a path in its
    site becomes relative to the site, the zip's root, another relative to the run), and
    the ``elsewhere`` paths replaced."""
    for raw in _spellings(run):
        for prefix in (b"file://" + raw + b"/site/", raw + b"/site/", b"file://" + raw + b"/"):
            data = data.replace(prefix, b"")
        data = data.replace(raw + b"/", b"").replace(raw, b".")
    for raw, replacement in elsewhere:
        data = data.replace(raw, replacement)
    return data


def _relative_uri(uri: str, folder: Path, run: Path) -> str | None:
    """A ``file://`` link of a PDF in ``folder`` made relative to it; None where it leads
    outside ``run``'s site (the zip's root)."""
    parts = urlsplit(uri)
    target = Path(unquote(parts.path))
    if not target.is_absolute() or not _inside(target, (run / "site").resolve()):
        return None
    relative = os.path.relpath(target.resolve(), folder.resolve())
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return quote(PurePosixPath(Path(relative).as_posix()).as_posix(), safe="/") + fragment


def _relink(annotation: DictionaryObject, folder: Path, run: Path) -> bool:
    """Make ``annotation``'s file link relative (or drop it); whether it had one."""
    action = annotation.get("/A")
    action = action.get_object() if action is not None else None
    uri = action.get("/URI") if isinstance(action, DictionaryObject) else None
    if not isinstance(uri, str) or not uri.lower().startswith("file:"):
        return False
    relative = _relative_uri(uri, folder, run)
    if relative is None:
        del annotation[NameObject("/A")]
    else:
        action[NameObject("/URI")] = TextStringObject(relative)
    return True


def _pdf_relinked(data: bytes, path: Path, run: Path) -> bytes:
    """The PDF ``data`` (of ``path``) with its links to files relative to it."""
    if b"file:" not in data and b"/URI" not in data:
        return data
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    changed = False
    for page in writer.pages:
        for annotation in page.get("/Annots") or []:
            changed |= _relink(annotation.get_object(), path.parent, run)
    if not changed:
        return data
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _check_out(out: Path, force: bool) -> None:
    """Refuse an ``out`` not named .zip, or an existing file this module did not write."""
    if out.suffix.lower() != ".zip":
        raise refusal("error_bundle_suffix", path=str(out))
    if out.is_dir():  # not even with force: a folder is never replaced by a zip
        raise refusal("error_bundle_overwrite", path=str(out))
    if not out.exists() or force:
        return
    try:
        with zipfile.ZipFile(out) as old:
            ours = old.comment == COMMENT
    except (OSError, zipfile.BadZipFile):
        ours = False
    if not ours:
        raise refusal("error_bundle_overwrite", path=str(out))


def _write_zip(target: Path, files: list[tuple[str, Path]], run: Path) -> None:
    elsewhere = _elsewhere(run)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.comment = COMMENT
        for entry, path in files:
            data = path.read_bytes()
            if path.suffix.lower() in TEXTS:
                data = _scrubbed(data, run, elsewhere)
            elif path.suffix.lower() == ".pdf":
                data = _pdf_relinked(data, path, run)
            info = zipfile.ZipInfo(entry, date_time=_stamp(path))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def _stamp(path: Path) -> tuple[int, int, int, int, int, int]:
    """The file's modification time as a zip entry keeps it (from 1980 on)."""
    t = time.localtime(max(path.stat().st_mtime, 315532800 + 86400))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def write_bundle(run: Path, out: Path, *, force: bool = False) -> Bundle:
    """Write the zip of ``run``'s published reports to ``out`` (see the module's text);
    raises ``SipmError`` (said by a label) when there is no index to hand over, ``out``
    is not a .zip or is a file this module did not write (unless ``force``)."""
    run, out = Path(run).absolute(), Path(out).absolute()
    _check_out(out, force)
    if not (run / "site" / "index.html").is_file():
        raise refusal("error_bundle_no_index", run=str(run))
    files = list(bundled_files(run))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        _write_zip(Path(temp), files, run)
        os.chmod(temp, usual_file_mode())  # readable as any file the user makes, not 0600
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Bundle(out, tuple(entry for entry, _ in files))
