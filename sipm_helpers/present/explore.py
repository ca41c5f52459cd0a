"""Exploring a dataset in JupyterLab: :func:`open_dataset` returns an :class:`Explorer`
whose methods answer the usual questions in one call (which regions and funds, the
indicators and scores of any selection, totals and grades, one indicator compared across
regions). Each answer is a :class:`Tidy` DataFrame: pandas, plotting and export work on
it as on any frame, and in a notebook it shows as a formatted, escaped table (numbers in
their units, grades coloured) instead of a raw repr.

Regions and funds are chosen by code or by name, in Chinese or English; a name that is
not found is an error listing the close matches.
"""

from __future__ import annotations

import difflib
from html import escape
from pathlib import Path
from typing import ClassVar

import pandas as pd

from sipm_helpers.config.context import Context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.indicators import indicator_frame
from sipm_helpers.domain.scoring import summarize_scores
from sipm_helpers.present.formatting import fmt_number, fmt_value

ROW_UNIT = ("actual", "target")  # columns in the unit of each row's indicator
GRADE_COLOURS = {"excellent": "#1a7f37", "good": "#0969da", "fair": "#9a6700", "poor": "#cf222e"}


class Tidy(pd.DataFrame):
    """A DataFrame with a title and each column's unit, shown formatted in a notebook."""

    _metadata: ClassVar[list[str]] = ["title", "units"]

    @property
    def _constructor(self):
        return Tidy

    def _repr_html_(self) -> str:
        units = getattr(self, "units", None) or {}
        head = "".join(f"<th>{escape(str(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(_cell(v, row.get("unit") if c in ROW_UNIT else units.get(c), c)
                      for c, v in row.items())
            + "</tr>"
            for _, row in self.head(500).iterrows()
        )  # fmt: skip
        more = f"<p>… {len(self) - 500:,} more rows</p>" if len(self) > 500 else ""
        title = getattr(self, "title", None)
        caption = f"<caption>{escape(title)}</caption>" if title else ""
        return (
            f'<table class="sipm-tidy">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}"
        )


def _cell(value: object, unit: str | None, column: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = fmt_value(value, unit) if unit else fmt_number(value, 2)
        return f'<td style="text-align:right">{escape(text)}</td>'
    if column == "grade" and isinstance(value, str) and value in GRADE_COLOURS:
        return f'<td style="color:{GRADE_COLOURS[value]};font-weight:600">{escape(value)}</td>'
    return f"<td>{escape('' if value is None or value is pd.NA else str(value))}</td>"


def _tidy(frame: pd.DataFrame, title: str, units: dict[str, str | None] | None = None) -> Tidy:
    out = Tidy(frame.reset_index(drop=True))
    out.title, out.units = title, units or {}
    return out


class Explorer:
    """One dataset and its parameters, asked questions in ``lang`` (names shown)."""

    def __init__(self, dataset: Dataset, context: Context, lang: str = "en") -> None:
        self.dataset, self.context, self.lang = dataset, context, lang

    # what there is --------------------------------------------------------------------
    @property
    def regions(self) -> Tidy:
        r = self.dataset.regions[["region_code", "name_zh", "name_en", "level", "parent_code"]]
        return _tidy(r, "Regions")

    @property
    def funds(self) -> Tidy:
        rows = [(c, f.zh, f.en, f.default_pooling) for c, f in self.context.registry.funds.items()]
        return _tidy(pd.DataFrame(rows, columns=["fund", "name_zh", "name_en", "pooling"]), "Funds")

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.dataset.execution["year"].unique())

    @property
    def latest_complete_year(self) -> int:
        """The latest year some region has executed to December (the year evaluated)."""
        e = self.dataset.execution
        return int(e.loc[e["month"] == 12, "year"].max())

    # choosing by code or name ---------------------------------------------------------------
    def region(self, name_or_code: str) -> str:
        """The code of the region named (code, Chinese or English name)."""
        r = self.dataset.regions
        names = {**dict(zip(r["region_code"], r["region_code"], strict=True)),
                 **dict(zip(r["name_zh"], r["region_code"], strict=True)),
                 **dict(zip(r["name_en"], r["region_code"], strict=True))}  # fmt: skip
        return _choose("region", name_or_code, names)

    def fund(self, name_or_code: str) -> str:
        """The code of the fund named (code, Chinese or English name)."""
        names = {}
        for code, f in self.context.registry.funds.items():
            names.update({code: code, f.zh: code, f.en: code})
        return _choose("fund", name_or_code, names)

    # questions ------------------------------------------------------------------------
    def scores(self, regions=None, funds=None, years=None) -> Tidy:
        """Every indicator of the selection: actual, target, points, score, status."""
        f = self._frame(regions, funds, years)
        f = f.assign(region=[self.dataset.region_name(c, self.lang) for c in f["region_code"]])
        columns = ["region_code", "region", "fund", "year", "indicator", "kind", "unit",
                   "actual", "target", "points", "score", "status", "met"]  # fmt: skip
        return _tidy(f[columns], "Indicators and scores")

    def totals(self, regions=None, funds=None, years=None) -> Tidy:
        """Each region's total on 100 points and its grade, per fund and year, from the data as
        reported (the evaluator's findings are stage 04's)."""
        f = self._frame(regions, funds, years)
        t = summarize_scores(f, self.context.standards, ["region_code", "fund", "year"])
        t = t.assign(region=[self.dataset.region_name(c, self.lang) for c in t["region_code"]])
        columns = ["region_code", "region", "fund", "year", "total", "grade", "missed"]
        return _tidy(t[columns], "Totals and grades")

    def compare(self, indicator: str, fund: str, year: int) -> Tidy:
        """One indicator's actual across the fund's regions in ``year``, highest first."""
        fund = self.fund(fund)
        f = self._frame(None, [fund], [year])
        f = f.loc[f["indicator"] == indicator]
        if f.empty:
            raise KeyError(f"{indicator!r} is not an indicator of {fund} scored in {year}")
        f = f.assign(region=[self.dataset.region_name(c, self.lang) for c in f["region_code"]])
        f = f.sort_values("actual", ascending=False)
        title = f"{indicator}, {fund}, {year}"
        return _tidy(f[["region_code", "region", "unit", "actual", "target"]], title)

    def export(self, path: str, regions=None, funds=None, years=None) -> Path:
        """The selection's totals and grades and every indicator's score as one Excel
        workbook (a sheet each, formatted: units in the headings, rates as percentages)."""
        from sipm_helpers.present.export import UNITS, write_workbook

        tables = {
            "totals": self.totals(regions, funds, years),
            "scores": self.scores(regions, funds, years),
        }
        return write_workbook(tables, path, UNITS)

    def _frame(self, regions, funds, years) -> pd.DataFrame:
        return indicator_frame(
            self.dataset,
            self.context,
            funds=None if funds is None else [self.fund(f) for f in _many(funds)],
            regions=None if regions is None else [self.region(r) for r in _many(regions)],
            years=None if years is None else [int(y) for y in _many(years)],
        )


def _many(value) -> list:
    return [value] if isinstance(value, str | int) else list(value)


def _choose(what: str, name: str, names: dict[str, str]) -> str:
    if name in names:
        return names[name]
    close = difflib.get_close_matches(str(name), list(names), n=5, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise KeyError(f"no {what} named {name!r}{hint}")


def open_dataset(path: str | None = None, lang: str = "en") -> Explorer:
    """The dataset at ``path`` (a folder of CSV or Parquet files, or a workbook; None: the
    demo), validated, ready to explore; DataError listing the findings otherwise."""
    from sipm_helpers.present import session
    from sipm_helpers.present.parameters import data_path

    loaded = session.load(data_path(path or ""))
    return Explorer(loaded.dataset, loaded.context, lang)
