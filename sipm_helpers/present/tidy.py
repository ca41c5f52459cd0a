"""The answers of :mod:`~sipm_helpers.present.explore`: a :class:`Tidy` DataFrame with a
title, each column's unit and, where one is natural, the chart that shows it.

A Tidy frame is a pandas DataFrame (selection, plotting and export work as on any frame).
In a notebook it shows as a formatted, escaped table (numbers in their units, grades
coloured) instead of a raw repr, in its language: headings and the names of its codes
(grades, statuses, kinds: :mod:`~sipm_helpers.present.vocabulary`), text aligned left and
numbers right whatever JupyterLab's own style (it right-aligns every cell). ``frame.plot()`` with no arguments draws its natural
chart, in the reports' style and the frame's language, where it has one and still holds
the columns that chart needs; with arguments, or without such a chart, it is pandas' own
``DataFrame.plot``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import ClassVar

import pandas as pd
from pandas.plotting import PlotAccessor

from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.data.io import atomic_write_bytes
from sipm_helpers.present.formatting import DASH, fmt_number, fmt_value
from sipm_helpers.present.vocabulary import headings, named

ROW_UNIT = ("actual", "target")  # columns in the unit of each row's indicator
GRADE_COLOURS = {"excellent": "#1a7f37", "good": "#0969da", "fair": "#9a6700", "poor": "#cf222e"}
SHOWN_ROWS = 500
PLAIN = ("year", "month", "reported_to")  # whole numbers shown without separators
LEFT, RIGHT = "text-align:left", "text-align:right"  # inline: JupyterLab's CSS right-aligns cells


@dataclass(frozen=True)
class NaturalChart:
    """The chart a kind of answer is best shown by: ``draw(frame, labels)`` returns SVG and
    needs the columns ``requires``. Module-level functions only, so frames still pickle."""

    name: str
    draw: Callable[[pd.DataFrame, Labels], str]
    requires: tuple[str, ...]

    def fits(self, frame: pd.DataFrame) -> bool:
        return not frame.empty and set(self.requires) <= set(frame.columns)


@dataclass(frozen=True)
class Chart:
    """A drawn chart: shows itself in a notebook; ``save`` writes it as an SVG file."""

    svg: str

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        atomic_write_bytes(path, self.svg.encode("utf-8"))
        return path


class TidyPlot(PlotAccessor):
    """pandas' plot accessor, drawing the frame's natural chart when called bare."""

    def __call__(self, *args, **kwargs):
        frame = self._parent
        chart = getattr(frame, "chart", None)
        if not args and not kwargs and chart is not None and chart.fits(frame):
            return Chart(chart.draw(frame, load_labels(getattr(frame, "lang", None) or "en")))
        return super().__call__(*args, **kwargs)


class Tidy(pd.DataFrame):
    """A DataFrame with a title, each column's unit, its language, its natural chart and
    the names its codes are shown by (column → code → name)."""

    _metadata: ClassVar[list[str]] = ["title", "units", "lang", "chart", "names"]

    @property
    def _constructor(self):
        return Tidy

    @property
    def plot(self) -> TidyPlot:  # type: ignore[override]
        return TidyPlot(self)

    def _labels(self) -> Labels:
        return load_labels(getattr(self, "lang", None) or "en")

    def _repr_html_(self) -> str:
        labels = self._labels()
        shown = self.head(SHOWN_ROWS)
        words = headings(shown.columns, labels)
        head = "".join(
            f'<th style="{RIGHT if _numeric(shown[c]) else LEFT}">{escape(words[c])}</th>'
            for c in shown.columns
        )
        cells = [_html_cells(shown, c, text) for c, text in self._texts(shown).items()]
        body = "".join(f"<tr>{''.join(row)}</tr>" for row in zip(*cells, strict=True))
        more = self._more_text(labels)
        more = f"<p>{escape(more)}</p>" if more else ""
        title = getattr(self, "title", None)
        caption = f'<caption style="{LEFT}">{escape(title)}</caption>' if title else ""
        return (
            f'<table class="sipm-tidy">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}"
        )

    def __repr__(self) -> str:
        labels = self._labels()
        shown = self.head(SHOWN_ROWS)
        words = headings(shown.columns, labels)
        texts = {words[c]: t for c, t in self._texts(shown).items()}
        table = pd.DataFrame(texts, index=shown.index).to_string(index=False)
        title = getattr(self, "title", None)
        more = self._more_text(labels)
        more = f"\n{more}" if more else ""
        return f"{title}\n{table}{more}" if title else f"{table}{more}"

    def _texts(self, shown: pd.DataFrame) -> dict[str, list[str]]:
        units = getattr(self, "units", None) or {}
        names = getattr(self, "names", None) or {}
        return {c: _column_texts(shown, c, units.get(c), names.get(c)) for c in shown.columns}

    def _more_text(self, labels: Labels) -> str:
        return labels.t("explore_more_rows", count=self._more()) if self._more() else ""

    def _more(self) -> int:
        return max(len(self) - SHOWN_ROWS, 0)


def _column_texts(
    frame: pd.DataFrame, column: str, unit: str | None, names: dict | None = None
) -> list[str]:
    """One column as shown: codes by their ``names``, numbers in their unit (an
    indicator's actual and target in its row's), years and months plain, counts whole,
    missing as a dash or blank."""
    values = frame[column]
    if not _numeric(values):
        return ["" if v is None or pd.isna(v) else str(v) for v in named(values, names)]
    if column in ROW_UNIT and "unit" in frame:
        return [fmt_value(v, u) for v, u in zip(values, frame["unit"], strict=True)]
    if column in PLAIN:
        return [DASH if pd.isna(v) else str(int(v)) for v in values]
    if unit:
        return [fmt_value(v, unit) for v in values]
    return [fmt_number(v, 0 if pd.api.types.is_integer_dtype(values) else 2) for v in values]


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _html_cells(frame: pd.DataFrame, column: str, texts: list[str]) -> list[str]:
    """One column's cells: numbers right-aligned, text left (inline: JupyterLab's style
    would right-align it), grades coloured by their code, all text escaped."""
    if _numeric(frame[column]):
        return [f'<td style="{RIGHT}">{escape(t)}</td>' for t in texts]
    if column == "grade":
        return [
            f'<td style="{LEFT};color:{GRADE_COLOURS[code]};font-weight:600">{escape(t)}</td>'
            if code in GRADE_COLOURS
            else f'<td style="{LEFT}">{escape(t)}</td>'
            for code, t in zip(frame[column], texts, strict=True)
        ]
    return [f'<td style="{LEFT}">{escape(t)}</td>' for t in texts]


def tidy(
    frame: pd.DataFrame,
    title: str,
    units: dict[str, str | None] | None = None,
    *,
    lang: str = "en",
    chart: NaturalChart | None = None,
    names: dict[str, dict] | None = None,
) -> Tidy:
    out = Tidy(frame.reset_index(drop=True))
    out.title, out.units, out.lang, out.chart = title, units or {}, lang, chart
    out.names = names or {}
    return out
