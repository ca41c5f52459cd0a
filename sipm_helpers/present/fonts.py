"""CJK fonts for charts: find an installed font that has Chinese glyphs and give
matplotlib a font family list that uses it (SVG keeps the text as text, so the browser
draws it with the same fonts)."""

from __future__ import annotations

import functools
from pathlib import Path

from matplotlib import font_manager

CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
CJK_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


@functools.cache
def cjk_family() -> str | None:
    """The first CJK font family matplotlib can use, registering a known file if needed.

    Registering a font with the font manager is idempotent; it is cached so it happens
    once per process.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for file in CJK_FILES:
        if Path(file).exists():
            font_manager.fontManager.addfont(file)
            return font_manager.FontProperties(fname=file).get_name()
    return None


def font_families() -> list[str]:
    """Font family list for charts: a Latin sans first, then the CJK font if any."""
    families = ["DejaVu Sans"]
    cjk = cjk_family()
    if cjk:
        families.insert(0, cjk)
    return families
