"""The page each language's reports are set on: paper, margins, type faces and sizes.

Chinese reports follow GB/T 9704-2012 (the layout of official documents) where it applies
to a report: A4, a type area of 156 × 225 mm (top margin 37 mm, binding margin 28 mm),
the title in a serif bold face (a free 宋体 standing in for 小标宋) at 二号 (22 pt), body
text in a free 宋体 at 三号 (16 pt), first-level headings in 黑体, second-level in 楷体,
tables a size smaller (四号, 14 pt), and page numbers in 四号 half-width Arabic numerals
between dashes ("— 1 —") 7 mm below the type area, at the outer corner: odd pages on the
right, even pages on the left, one character in. English reports share the structure in a
plainer setting. The page template writes these values into its CSS, and the table layout
(:mod:`sipm_helpers.render.typeset`) measures tables against the same type area.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from sipm_helpers.render.typeset import Measure

MM_PER_PT = 25.4 / 72
A4 = (210.0, 297.0)  # mm


@dataclass(frozen=True)
class PageSpec:
    """One language's page: margins in mm (top, bottom, inner = binding side, outer), type
    sizes in pt, font stacks as CSS values, and the page number's form."""

    top: float
    bottom: float
    inner: float
    outer: float
    body_pt: float
    table_pt: float
    dense_pt: float  # a table too wide for a landscape page at table_pt
    title_pt: float
    folio_pt: float  # the page number
    line_height: float  # body line pitch as a multiple of body_pt
    body_font: str
    title_font: str
    heading_font: str  # first-level headings
    subheading_font: str  # second-level headings
    folio_font: str
    folio_dashes: bool  # "— 1 —" (GB/T 9704) rather than "1 / 12"

    @property
    def width(self) -> float:
        """The type area's width in mm (portrait)."""
        return A4[0] - self.inner - self.outer

    @property
    def height(self) -> float:
        return A4[1] - self.top - self.bottom

    @property
    def measure(self) -> Measure:
        """How many ems of table type fit across the type area, portrait and landscape
        (the landscape page turns the portrait type area: its width is the height)."""
        portrait, landscape = self.width / MM_PER_PT, self.height / MM_PER_PT
        return Measure(
            portrait=portrait / self.table_pt,
            landscape=landscape / self.table_pt,
            dense=landscape / self.dense_pt,
        )


# The print faces first (render/faces.py: embedded as TrueType, not as Type 3 glyphs)
SERIF_ZH = (
    '"Sipm Serif SC", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", "SimSun", serif'
)
SANS_ZH = (
    '"Sipm Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei", '
    "sans-serif"
)
KAI_ZH = f'"AR PL UKai CN", "KaiTi", "STKaiti", {SERIF_ZH}'
SANS_EN = (
    '"Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", "Sipm Sans SC", "Noto Sans CJK SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)

PAGES = MappingProxyType(
    {
        "zh": PageSpec(
            top=37.0,
            bottom=35.0,
            inner=28.0,
            outer=26.0,
            body_pt=16.0,
            table_pt=14.0,
            dense_pt=12.0,
            title_pt=22.0,
            folio_pt=14.0,
            line_height=1.75,
            body_font=SERIF_ZH,
            title_font=SERIF_ZH,
            heading_font=SANS_ZH,
            subheading_font=KAI_ZH,
            folio_font=SERIF_ZH,
            folio_dashes=True,
        ),
        "en": PageSpec(
            top=22.0,
            bottom=22.0,
            inner=22.0,
            outer=18.0,
            body_pt=10.5,
            table_pt=9.0,
            dense_pt=7.5,
            title_pt=20.0,
            folio_pt=9.0,
            line_height=1.6,
            body_font=SANS_EN,
            title_font=SANS_EN,
            heading_font=SANS_EN,
            subheading_font=SANS_EN,
            folio_font=SANS_EN,
            folio_dashes=False,
        ),
    }
)


def page_spec(lang: str) -> PageSpec:
    """The page of reports in ``lang`` ('zh' or 'en')."""
    return PAGES["zh" if str(lang).lower().startswith("zh") else "en"]
