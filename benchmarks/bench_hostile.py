"""Benchmark (not a test): time and peak memory of the suite on hostile input (issue 21 §4).

Builds, in a temporary folder:
- a billion-laughs plan (YAML aliases, about 500 bytes, nine levels of nine), read by
  ``sipm plan``;
- a dataset folder whose ``execution.csv`` is 1,000,000 rows of garbage (about 42 MB),
  read by ``sipm validate``;
- a workbook of a few megabytes whose one sheet expands to about 500 MB, read by
  ``sipm validate``.

Each command runs in a child process (its address space capped at --cap-gb, so that a
regression fails here instead of taking the machine down), and the benchmark prints its
exit status, its wall time and its peak resident memory (os.wait4's ru_maxrss), against
the target of issue 21: under 10 s and 1 GB each, exit 2 with one line.

Usage: python benchmarks/bench_hostile.py [--rows 1000000] [--expanded-mb 500] [--cap-gb 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 10, 1024
LEVELS = 9  # the plan's levels of aliases: 9**9 = 387,420,489 strings once expanded


def laughs(path: Path) -> Path:
    """A plan whose stages are nine levels of nine aliases of the level below."""
    lines = [
        "version: 1",
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for level in range(1, LEVELS):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    lines.append(f"stages: {{self_evaluation: *l{LEVELS - 1}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def garbage(folder: Path, rows: int) -> Path:
    """A dataset folder whose execution.csv is ``rows`` lines of six fields of random
    garbage (UTF-8: letters, digits, signs, a Chinese character) under a valid heading."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(21)
    alphabet = [*"abcdefghijklmnopqrstuvwxyz0123456789;:.-+= '", "中", "é"]

    def junk() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))

    # six fields a line, as the heading: the file parses, and every cell is wrong
    pool = [",".join(junk() for _ in range(6)).encode() + b"\n" for _ in range(4096)]
    with (folder / "execution.csv").open("wb") as fh:
        fh.write(b"region_code,fund,year,month,item,amount\n")
        for start in range(0, rows, 10_000):
            fh.write(b"".join(rng.choice(pool) for _ in range(min(10_000, rows - start))))
    return folder


def expanding(path: Path, megabytes: int) -> Path:
    """A workbook whose sheet ``regions`` holds cells of 32,000 letters, as many as make
    ``megabytes`` once inflated (deflated to a few megabytes)."""
    width = 32_000
    rows = megabytes * 1_000_000 // width
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="regions" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }  # fmt: skip
    cell = ("a" * width).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main"><sheetData>'
                     b'<row r="1"><c r="A1" t="inlineStr"><is><t>region_code</t></is></c></row>')  # fmt: skip
            for r in range(2, rows + 2):
                fh.write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>'.encode() + cell
                         + b"</t></is></c></row>")  # fmt: skip
            fh.write(b"</sheetData></worksheet>")
    return path


def measured(args: list[str], cap_gb: float, timeout: float) -> tuple[int, float, float, str]:
    """Run ``sipm ARGS`` in a child capped at ``cap_gb``: its exit status, seconds, peak
    resident megabytes and the last line of its standard error."""
    cap = int(cap_gb * 2**30)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "sipm_helpers.cli", *args], cwd=PROJECT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(PROJECT)})  # fmt: skip
    try:
        _, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
    seconds = time.perf_counter() - start
    # called from a process of its own (:func:`one`): its children's peak is this child's
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
    return child.returncode, seconds, peak, (lines[-1] if lines else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--expanded-mb", type=int, default=500)
    parser.add_argument("--cap-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sipm-hostile-") as tmp:
        folder = Path(tmp)
        cases = []
        for name, build, command in (
            ("billion-laughs plan", lambda: laughs(folder / "laughs.yaml"), "plan"),
            (f"{args.rows:,}-row garbage CSV", lambda: garbage(folder / "garbage", args.rows),
             "validate"),
            (f"workbook expanding to {args.expanded_mb} MB",
             lambda: expanding(folder / "bomb.xlsx", args.expanded_mb), "validate"),
        ):  # fmt: skip
            path = build()
            size = sum(f.stat().st_size for f in ([path] if path.is_file() else path.iterdir()))
            cases.append((name, size, command, path))
        print(f"{'input':34} {'bytes':>12} {'exit':>4} {'seconds':>8} {'peak MB':>8}  within")
        # RUSAGE_CHILDREN is the largest of the children so far: each case is measured
        # from a process of its own (:func:`one`).
        for name, size, command, path in cases:
            status, seconds, peak, line = one(command, path, args)
            ok = status == 2 and seconds < TARGET_SECONDS and peak < TARGET_MB
            print(f"{name:34} {size:>12,} {status:>4} {seconds:>8.2f} {peak:>8.0f}  "
                  f"{'yes' if ok else 'NO'}")  # fmt: skip
            print(f"    {line[:160]}")
    return 0


def one(command: str, path: Path, args: argparse.Namespace) -> tuple[int, float, float, str]:
    """One case, measured from a process of its own (its children's peak is its child's)."""
    here, argv = str(Path(__file__).parent), [command, str(path)]
    code = (
        f"import sys, json; sys.path.insert(0, {here!r}); from bench_hostile import measured; "
        f"print(json.dumps(measured({argv!r}, {args.cap_gb!r}, {args.timeout!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, seconds, peak, line = json.loads(out.stdout.strip().splitlines()[-1])
    return status, seconds, peak, line


if __name__ == "__main__":
    sys.exit(main())
