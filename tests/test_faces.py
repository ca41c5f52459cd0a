"""The print faces (render/faces.py): a face with PostScript outlines copied with TrueType
ones, kept to the characters of official documents, under its own family name; the page
styles name the copies first, the Word copy the faces a client has."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont

from sipm_helpers.render.faces import FACES, build_faces, characters, copy_face
from sipm_helpers.render.page import page_spec


def _cff_font(path: Path) -> Path:
    """A face with CFF outlines, as Noto CJK's: 社, A and a character no report keeps."""

    def stroke():
        pen = T2CharStringPen(600, None)
        pen.moveTo((100, 0))
        pen.curveTo((100, 300), (300, 500), (500, 700))
        pen.lineTo((500, 0))
        pen.closePath()
        return pen.getCharString()

    order = [".notdef", "uni793E", "A", "u1F600"]
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({0x793E: "uni793E", 0x41: "A", 0x1F600: "u1F600"})
    fb.setupCFF("Test-Regular", {"FullName": "Test"}, {g: stroke() for g in order}, {})
    fb.setupHorizontalMetrics({g: (600, 100) for g in order})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path


def test_a_postscript_face_is_copied_with_truetype_outlines_and_its_own_name(tmp_path):
    copy = TTFont(BytesIO(copy_face(_cff_font(tmp_path / "t.otf"), 0, "Sipm Test", "Bold")))
    assert "CFF " not in copy and "glyf" in copy
    assert copy["glyf"]["uni793E"].numberOfContours == 1  # the curve, now quadratic
    assert set(copy.getBestCmap()) == {0x41, 0x793E}  # the emoji is no report's
    names = {r.nameID: r.toUnicode() for r in copy["name"].names if r.platformID == 3}
    assert names[1] == names[16] == "Sipm Test" and names[6] == "SipmTest-Bold"
    assert names[4] == "Sipm Test Bold"


def test_the_characters_kept_are_gb2312s_and_a_reports_punctuation():
    kept = characters()
    hanzi = [c for c in kept if 0x4E00 <= c <= 0x9FFF]
    assert len(hanzi) == 6763  # GB 2312's characters
    assert {ord(c) for c in "社会保险基金亳州〔〕（）：；、。—…％ABC×≤"} <= kept


def test_copies_already_made_are_not_made_again(tmp_path):
    for face in FACES:
        (tmp_path / face.file).write_bytes(b"made before")
    assert build_faces(tmp_path) == []
    assert {p.read_bytes() for p in tmp_path.iterdir()} == {b"made before"}


def test_the_chinese_page_names_the_print_faces_first():
    spec = page_spec("zh")
    assert spec.body_font.startswith('"Sipm Serif SC", "Noto Serif CJK SC"')
    assert spec.heading_font.startswith('"Sipm Sans SC", "Noto Sans CJK SC"')
