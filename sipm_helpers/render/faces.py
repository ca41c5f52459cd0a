"""Print faces: TrueType copies of the CJK faces Chinese PDFs are set in.

Chromium prints an OpenType font with PostScript (CFF) outlines, such as Debian's Noto
Serif CJK and Noto Sans CJK, as Type 3 glyph procedures: the text is extractable but the
PDF names no font, hints nothing on screen and is refused by archives that require
embedded fonts. A copy with TrueType outlines is embedded as a CID TrueType font. This
module makes such copies once, at set-up (``python -m sipm_helpers.render.faces``), of the
characters of GB 2312 (the 6,763 characters of official documents) and the punctuation
and Latin a report uses, under a family name of their own ("Sipm Serif SC", "Sipm Sans
SC": the SIL Open Font License lets a modified font be shared under a new name); the page
styles name them first and fall back to the original faces for any other character.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.data.io import atomic_write_bytes


@dataclass(frozen=True)
class Face:
    """One face to copy: the installed family and style it comes from, the family and
    file name of the copy."""

    source: str
    style: str
    family: str
    file: str


FACES = (
    Face("Noto Serif CJK SC", "Regular", "Sipm Serif SC", "SipmSerifSC-Regular.ttf"),
    Face("Noto Serif CJK SC", "Bold", "Sipm Serif SC", "SipmSerifSC-Bold.ttf"),
    Face("Noto Sans CJK SC", "Regular", "Sipm Sans SC", "SipmSansSC-Regular.ttf"),
    Face("Noto Sans CJK SC", "Bold", "Sipm Sans SC", "SipmSansSC-Bold.ttf"),
)
PRINT_FAMILIES = frozenset(face.family for face in FACES)
# ASCII and Latin-1, general punctuation, CJK symbols and punctuation, full-width forms
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF))
SYMBOLS = "×÷−±≤≥≠≈∶№℃●○★☆→←↑↓·…‰—–"
MAX_ERROR = 1.0  # font units a quadratic curve may stray from the cubic it replaces


def faces_dir() -> Path:
    """Where the copies live: a folder of the user's fonts that fontconfig reads."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "fonts" / "sipm"


def characters() -> set[int]:
    """The code points a copy keeps: GB 2312's, the ranges and the symbols above."""
    kept = {c for lo, hi in RANGES for c in range(lo, hi + 1)} | {ord(s) for s in SYMBOLS}
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                kept.add(ord(bytes((first, second)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return kept


def installed(face: Face) -> tuple[Path, int] | None:
    """The file and collection index fontconfig gives for ``face``'s source, if any."""
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}|%{index}|%{style}\n", f"{face.source}:style={face.style}"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        file, index, _ = line.split("|", 2)
        if file and Path(file).exists():
            return Path(file), int(index or 0)
    return None


def copy_face(source: Path, index: int, family: str, style: str) -> bytes:
    """The face at ``index`` of ``source``, kept to :func:`characters`, with TrueType
    outlines and named ``family``: the bytes of a .ttf file."""
    from io import BytesIO

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=index, lazy=False)
    options = subset.Options()
    options.layout_features, options.name_IDs, options.hinting = ["*"], ["*"], False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    _rename(font, family, style)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _to_truetype(font) -> None:
    """Replace the CFF outlines by quadratic (TrueType) ones, as fontTools' otf2ttf does."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                  "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
                  "maxCompositeContours", "maxComponentDepth"):  # fmt: skip
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0


def _rename(font, family: str, style: str) -> None:
    """Give the copy its own family name in every name record that carries one."""
    postscript = f"{family.replace(' ', '')}-{style}"
    full = f"{family} {style}" if style != "Regular" else family
    names = {1: family, 2: style, 3: f"sipm:{postscript}", 4: full, 6: postscript,
             16: family, 17: style}  # fmt: skip
    table = font["name"]
    table.names = [r for r in table.names if r.nameID not in names]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


def _build(face: Face, target: Path) -> Path | None:
    found = installed(face)
    if found is None:
        return None
    path = target / face.file
    atomic_write_bytes(path, copy_face(*found, face.family, face.style))
    return path


def build_faces(target: Path | None = None, *, workers: int = 2) -> list[Path]:
    """Make the copies missing from ``target`` (default :func:`faces_dir`) of the faces
    installed, in parallel, and have fontconfig read them; return the copies made."""
    target = target or faces_dir()
    todo = [f for f in FACES if not (target / f.file).exists()]
    if not todo:
        return []
    target.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        made = [p for p in pool.map(_build, todo, [target] * len(todo)) if p is not None]
    if made:
        subprocess.run(["fc-cache", "-f", str(target)], capture_output=True, check=False)
    return made


def main() -> int:
    made = build_faces()
    for path in made:
        print(f"print face made: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
