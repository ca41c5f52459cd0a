"""Reading and writing datasets: a folder of CSV files, a folder of Parquet files, or one
Excel workbook with a sheet per table. Every column is read as text first, so codes keep
their leading zeros and the schema layer sees exactly what the file holds."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sipm_helpers.config.labels import load_labels, refusal, said
from sipm_helpers.config.limits import Limits, load_limits
from sipm_helpers.data.cells import ESCAPE, append_row, frame_csv, unescaped
from sipm_helpers.data.findings import ERROR, WARNING, Finding, origin
from sipm_helpers.errors import SipmError

FORMATS = ("csv", "parquet", "xlsx")


@dataclass
class RawDataset:
    """Tables as read, before validation, with where each came from (for error messages)."""

    source: Path
    format: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    origins: dict[str, str] = field(
        default_factory=dict
    )  # table -> "file.csv" or "book.xlsx, sheet x"
    header_rows: dict[str, int] = field(default_factory=dict)  # rows before the first data row
    notes: list[Finding] = field(default_factory=list)  # what reading had to work around


def detect_format(path: Path) -> str:
    """'xlsx' for a workbook, 'parquet' or 'csv' for a folder by the files it holds."""
    if path.is_file():
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return "xlsx"
        raise refusal("error_not_a_dataset", path=str(path))
    if not path.is_dir():
        raise refusal("error_no_such_path", path=str(path))
    has_csv = any(path.glob("*.csv"))
    has_parquet = any(path.glob("*.parquet"))
    if has_csv and has_parquet:
        raise refusal("error_csv_and_parquet", path=str(path))
    if has_parquet:
        return "parquet"
    if has_csv:
        return "csv"
    raise refusal("error_no_tables", path=str(path))


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as nullable text, blank cells as missing, blank rows dropped.

    The index keeps each row's position among the data rows (0 = first), so a row after a
    blank one is still reported with its own line number. A heading's first line is the
    column's name: a template writes the column's heading in words under it.
    """
    out = frame.astype("string")
    out.columns = [column_name(c) for c in out.columns]
    out = out.apply(lambda s: s.str.strip()).replace("", pd.NA)
    return out.loc[out.notna().any(axis=1)]


def column_name(heading) -> str:
    """The column a heading names: its first line ("region_code\n区划代码": region_code)."""
    lines = str(heading).strip().splitlines()
    return lines[0].strip() if lines else ""


def _within_size(file: Path, limits: Limits) -> None:
    """Refuse a file larger than ``limits.file_bytes``, before it is read."""
    size = file.stat().st_size
    if size > limits.file_bytes:
        raise refusal("error_file_too_large", file=str(file), size=size, limit=limits.file_bytes)


def _within_shape(file: Path | str, rows: int, columns: int, limits: Limits) -> None:
    """Refuse a table of more rows or cells than ``limits`` allow."""
    if rows > limits.rows:
        raise refusal("error_too_many_rows", file=str(file), rows=rows, limit=limits.rows)
    if rows * columns > limits.cells:
        raise refusal("error_too_many_cells", file=str(file), cells=rows * columns,
                      limit=limits.cells)  # fmt: skip


def _csv_bytes(file: Path, limits: Limits) -> bytes:
    """A CSV file's bytes, once its size, its lines (less the heading) and its lines times
    the heading's fields are within ``limits``: counted on the bytes, before parsing."""
    _within_size(file, limits)
    data = file.read_bytes()
    first = data.split(b"\n", 1)[0]
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    _within_shape(file, max(lines - 1, 0), first.count(b",") + 1, limits)
    return data


def _workbook_size(path: Path, limits: Limits) -> None:
    """Refuse a workbook larger than ``limits.file_bytes``, or whose parts expand to more
    than ``limits.expanded_bytes``: the sizes its zip declares, then the bytes its parts
    inflate to, counted up to the limit (a zip may declare less than it holds)."""
    _within_size(path, limits)
    limit = limits.expanded_bytes
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
            size = sum(p.file_size for p in parts)
            if size <= limit:
                size = 0
                for part in parts:
                    with book.open(part) as fh:
                        while size <= limit and (chunk := fh.read(1 << 20)):
                            size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise refusal("error_workbook", path=str(path), error=str(exc)) from exc
    if size > limit:
        raise refusal("error_workbook_expands", path=str(path), size=size, limit=limit)


def _csv_text(file: Path, table: str, notes: list[Finding], data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark, as Excel writes, is dropped) or, where it
    is not UTF-8, GB18030 (what Chinese Windows and Excel save by default), noted as a
    warning. Neither: an error naming the line and the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8 = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        line = data[: utf8.start].count(b"\n") + 1
        byte = f"0x{data[utf8.start]:02x}"
        raise refusal("error_encoding", file=str(file), line=line, byte=byte) from None
    message = said("validation_encoding")
    english = message.in_(load_labels("en"))
    notes.append(
        Finding(WARNING, table, file.name, None, None, None, "encoding", english, said=message)
    )
    return text


def _workbook_notes(path: Path, sheets: list[str]) -> list[Finding]:
    """What a workbook's values hide: merged cells (only the first holds the value, the
    others read as blank) and formulas saved without their value (a program that writes
    formulas but does not calculate them: they read as blank)."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=False)
    values = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        notes = [
            note
            for name in sheets
            for note in (
                *_merged(book[name], origin(path.name, name), name),
                *_unsaved_formulas(book[name], values[name], origin(path.name, name), name),
            )
        ]
    finally:
        values.close()
    english = load_labels("en") if notes else None
    return [replace(n, message=n.said.in_(english)) for n in notes]


def _header(ws) -> dict[int, str]:
    return {c.column: column_name(c.value) for c in ws[1] if c.value is not None}


def _merged(ws, where: str, table: str) -> list[Finding]:
    """Merged cells, their message said (worded in English by _workbook_notes)."""
    header = _header(ws)
    return [
        Finding(
            ERROR, table, where, merged.min_row, header.get(merged.min_col), None,
            "merged_cells", "", last_row=merged.max_row,
            said=said("validation_merged_cells", cells=merged.coord),
        )
        for merged in ws.merged_cells.ranges
    ]  # fmt: skip


def _unsaved_formulas(ws, values_ws, where: str, table: str) -> list[Finding]:
    """Formulas without a saved value, their message said (as _merged's)."""
    header = _header(ws)
    saved = {
        (c.row, c.column)
        for row in values_ws.iter_rows(min_row=2)
        for c in row
        if getattr(c, "value", None) is not None
    }
    return [
        Finding(
            ERROR, table, where, c.row, header.get(c.column), None, "formula_without_value", "",
            said=said("validation_formula_without_value", cell=c.coordinate, formula=str(c.value)),
        )
        for row in ws.iter_rows(min_row=2)
        for c in row
        if c.data_type == "f" and (c.row, c.column) not in saved
    ]  # fmt: skip


def read_raw(path: str | Path, table_names: list[str], limits: Limits | None = None) -> RawDataset:
    """Read the tables named ``table_names`` that exist at ``path`` (absent ones are left
    out), each file within ``limits`` (parameters/limits.yaml) before it is parsed."""
    path = Path(path)
    fmt = detect_format(path)
    limits = limits or load_limits()
    raw = RawDataset(source=path, format=fmt)
    if fmt == "xlsx":
        _workbook_size(path, limits)
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str, header=0, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise refusal("error_workbook", path=str(path), error=str(exc)) from exc
        for name in table_names:
            if name in sheets:
                frame = sheets[name]
                if frame.shape[1] == 0:
                    raise refusal("error_empty_sheet", sheet=origin(path.name, name))
                _within_shape(origin(path.name, name), *frame.shape, limits)
                # Templates document each column in a second header row starting with '#'.
                skip = 0
                if len(frame) and str(frame.iloc[0, 0]).startswith("#"):
                    frame, skip = frame.iloc[1:].reset_index(drop=True), 1
                raw.tables[name] = _text_frame(frame)
                raw.origins[name] = origin(path.name, name)
                raw.header_rows[name] = 1 + skip
        raw.notes += _workbook_notes(path, [n for n in table_names if n in raw.tables])
        return raw
    for name in table_names:
        file = path / f"{name}.{fmt}"
        if not file.exists():
            continue
        try:
            if fmt == "csv":
                with warnings.catch_warnings():
                    # A first data row longer than the header would be taken for an index
                    # (shifting every column) or, with index_col=False, cut short: refuse it.
                    warnings.simplefilter("error", pd.errors.ParserWarning)
                    text = _csv_text(file, name, raw.notes, _csv_bytes(file, limits))
                    if not text.strip():
                        raise refusal("error_empty_file", file=str(file))
                    frame = pd.read_csv(
                        io.StringIO(text),
                        dtype=str,
                        keep_default_na=False,
                        comment=None,
                        index_col=False,
                        skip_blank_lines=False,  # counted, so line numbers stay right; dropped below
                    )
            else:
                _parquet_shape(file, limits)
                frame = pd.read_parquet(file).reset_index(drop=True)
        except SipmError:
            raise
        except pd.errors.ParserWarning as exc:
            raise refusal("error_fields_beyond_header", file=str(file)) from exc
        except Exception as exc:  # parser errors carry their own line numbers
            raise refusal("error_cannot_read", file=str(file), error=str(exc)) from exc
        if fmt == "csv":
            frame = _unescaped(frame)
        skip = 0
        if fmt == "csv" and len(frame) and str(frame.iloc[0, 0]).startswith("#"):
            frame, skip = frame.iloc[1:].reset_index(drop=True), 1
        raw.tables[name] = frame if fmt == "parquet" else _text_frame(frame)
        raw.origins[name] = file.name
        raw.header_rows[name] = 1 + skip
    return raw


def _unescaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV file's fields as written before the suite's writer escaped them (a leading
    apostrophe before what reads as a formula, :mod:`sipm_helpers.data.cells`)."""
    for column in frame.columns:
        values = frame[column]
        marked = values.str.startswith(ESCAPE, na=False)
        if marked.any():  # only the marked cells: a file of quotes is not mapped whole
            frame.loc[marked, column] = values[marked].map(unescaped)
    return frame


def _parquet_shape(file: Path, limits: Limits) -> None:
    """Refuse a Parquet file over ``limits``: its size, and its rows and columns as its
    footer declares them."""
    import pyarrow.parquet as pq

    _within_size(file, limits)
    meta = pq.ParquetFile(file).metadata
    _within_shape(file, meta.num_rows, meta.num_columns, limits)


def usual_file_mode() -> int:
    """The permissions a new file gets here (0666 less the umask), which a temporary
    file made with mkstemp (0600) lacks."""
    return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written.
    The file gets the usual permissions (0666 less the umask), not mkstemp's private 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


# Written into every dataset folder sipm writes: a later write may replace such a folder.
MARKER = ".sipm-dataset"


def _replaceable(out: Path) -> None:
    """Refuse to replace a folder holding files sipm did not write (a document left there
    would be lost): it must be empty or a dataset folder sipm wrote."""
    if not out.exists() or (out / MARKER).exists():
        return
    if not out.is_dir():
        raise refusal("error_not_a_folder", path=str(out))
    held = sorted(p.name for p in out.iterdir())
    if held:
        shown = ", ".join(held[:5])
        if len(held) > 5:
            raise refusal("error_folder_not_ours_more", path=str(out), files=shown,
                          more=len(held) - 5)  # fmt: skip
        raise refusal("error_folder_not_ours", path=str(out), files=shown)


#: Who wrote a workbook: the suite sets both to this, a spreadsheet program that saves the
#: file sets the second to its user (docProps/core.xml).
AUTHOR = "sipm"
_CORE_MOST = 64 * 1024  # bytes of docProps/core.xml worth reading


def replaceable_file(
    path: Path, *, suffix: str, force: bool = False, would_write: bytes | None = None
) -> None:
    """Refuse to write a ``suffix`` file at ``path`` over what is not the suite's: a folder,
    another kind of file (``notes.txt`` is not made a workbook), or an existing file that
    holds something else (a template filled in, a document) unless ``force``. A file is
    the suite's when it holds ``would_write`` already, or is a workbook the suite wrote
    and nobody has saved since (:data:`AUTHOR`)."""
    if path.is_dir():
        raise refusal("error_output_is_folder", path=str(path))
    if path.suffix.lower() != suffix:
        raise refusal("error_output_suffix", path=str(path), suffix=suffix)
    if force or not path.exists():
        return
    if would_write is not None and path.read_bytes() == would_write:
        return
    if suffix == ".xlsx" and _untouched_workbook(path):
        return
    raise refusal("error_file_not_ours", path=str(path))


def _untouched_workbook(path: Path) -> bool:
    """Whether ``path`` is a workbook the suite wrote that no one has saved since."""
    mark = AUTHOR.encode()
    try:
        with zipfile.ZipFile(path) as book:
            info = book.getinfo("docProps/core.xml")
            if info.file_size > _CORE_MOST:
                return False
            core = book.read(info)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    creator = re.search(rb"<dc:creator[^>]*>([^<]*)</dc:creator>", core)
    saver = re.search(rb"<cp:lastModifiedBy[^>]*>([^<]*)</cp:lastModifiedBy>", core)
    return bool(creator and saver and creator.group(1) == mark and saver.group(1) == mark)


def xlsx_path(out: str | Path) -> Path:
    """Where a workbook named ``out`` is written: inside it if it is a folder, else with
    the .xlsx suffix (``--out data`` writes ``data.xlsx``)."""
    out = Path(out)
    if out.is_dir():
        return out / "dataset.xlsx"
    return out if out.suffix.lower() == ".xlsx" else out.with_name(out.name + ".xlsx")


def write_dataset(
    tables: Mapping[str, pd.DataFrame], out: str | Path, fmt: str = "csv", *, force: bool = False
) -> Path:
    """Write tables as a dataset in ``fmt``; the whole dataset appears at once or not at all.

    For csv and parquet ``out`` is a folder, replaced if sipm wrote it (or ``force``); for
    xlsx a workbook (:func:`xlsx_path`). Returns where the dataset is."""
    if fmt not in FORMATS:
        raise SipmError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if fmt == "xlsx":
        return _write_workbook(tables, xlsx_path(out))
    if not force:
        _replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    os.chmod(staging, 0o777 & ~_umask())
    try:
        for name, frame in tables.items():
            if fmt == "csv":
                (staging / f"{name}.csv").write_text(frame_csv(frame), encoding="utf-8")
            else:
                frame.to_parquet(staging / f"{name}.parquet", index=False)
        (staging / MARKER).write_text("a dataset written by sipm\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_workbook(tables: Mapping[str, pd.DataFrame], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".xlsx")
    os.close(fd)
    try:
        _workbook(tables).save(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _workbook(tables: Mapping[str, pd.DataFrame]):
    """A sheet per table, its heading bold, every cell written as data (text as text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        ws = book.create_sheet(name)
        append_row(ws, [str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.astype(object).where(frame.notna(), None).values.tolist():
            append_row(ws, row)
    return book


def tree_digest(paths: Iterable[Path], patterns: Sequence[str] = ("*",)) -> str:
    """SHA-256 over the names and bytes of every file under ``paths`` matching ``patterns``
    (a path that is a file counts as itself)."""
    h = hashlib.sha256()
    for root in paths:
        files = (
            [root]
            if root.is_file()
            else sorted(f for p in patterns for f in root.rglob(p) if f.is_file())
        )
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(root.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()
