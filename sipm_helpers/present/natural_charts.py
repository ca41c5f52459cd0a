"""The natural chart of each kind of answer the explorer gives (``answer.plot()``), drawn
with the reports' own charts where the answer is one region's fund, and one line or bar
per region where it compares several.

Each chart is registered as one :class:`~sipm_helpers.present.tidy.NaturalChart`, naming
the columns it needs; an answer narrowed by pandas keeps its chart while it has them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config.labels import Labels
from sipm_helpers.present import plots
from sipm_helpers.present.tidy import NaturalChart
from sipm_helpers.present.wording import TOTALS

GROUP = ["region_code", "fund"]
MAX_BARS = 40  # more rows than this: the totals furthest behind their seasonal profile


def group_names(frame: pd.DataFrame) -> pd.Series:
    """Each row's region name, with its fund's code where the frame holds more than one."""
    if frame["fund"].nunique() <= 1:
        return frame["region"]
    return frame["region"] + " · " + frame["fund"]


def _one_group(frame: pd.DataFrame) -> bool:
    return len(frame[GROUP].drop_duplicates()) == 1


def _draw_progress(frame: pd.DataFrame, labels: Labels) -> str:
    rows, title = (
        frame,
        labels.t(
            "chart_progress_title",
            month=int(frame["month"].iloc[0]),
            year=int(frame["year"].iloc[0]),
        ),
    )
    for narrower in (TOTALS, ("expenditure",)):
        if len(rows) > MAX_BARS:
            rows = rows.loc[rows["item"].isin(narrower)]
    if len(rows) > MAX_BARS:
        rows = rows.nsmallest(MAX_BARS, "pace")
        title += labels.t("chart_progress_behind", shown=MAX_BARS, total=len(frame))
    names = rows["item_name"] if _one_group(rows) else group_names(rows) + " · " + rows["item_name"]
    return plots.progress_chart(rows, names.tolist(), labels, title)


def _draw_months(frame: pd.DataFrame, labels: Labels) -> str:
    rows = frame.sort_values([*GROUP, "year"])
    if _one_group(rows):
        pooled = rows["pooled"].astype(bool)
        history = rows.assign(pooled_balance=rows["balance_end"].where(pooled, np.nan))
        return plots.months_chart(
            history, rows["band_lower"].iloc[0], rows["band_upper"].iloc[0], labels
        )
    names = group_names(rows).tolist()
    title, y = labels.t("chart_months_title"), labels.t("chart_months_y")
    return plots.lines_chart(rows, "months_covered", names, labels, title, y)


def _draw_projection(frame: pd.DataFrame, labels: Labels) -> str:
    rows = frame.sort_values([*GROUP, "year"])
    title = labels.t("chart_projected_months_title")
    if _one_group(rows):
        lower, upper = float(rows["threshold"].iloc[0]), float(rows["band_upper"].iloc[0])
        return plots.projected_months_chart(rows, lower, upper, labels, title)
    names = group_names(rows).tolist()
    title = labels.t("chart_lines_projected")
    return plots.lines_chart(
        rows, "months_covered", names, labels, title, labels.t("chart_months_y")
    )


def _draw_indicator(frame: pd.DataFrame, labels: Labels) -> str:
    units = frame["unit"].dropna().unique()
    xlabel = labels.get(f"unit_{units[0]}", str(units[0])) if len(units) == 1 else ""
    title = getattr(frame, "title", None) or ""
    return plots.indicator_chart(frame, group_names(frame).tolist(), labels, title, xlabel)


INDICATOR = NaturalChart(
    "indicator", _draw_indicator, ("region", "fund", "unit", "actual", "target")
)
PROGRESS = NaturalChart(
    "progress",
    _draw_progress,
    ("region", "fund", "year", "month", "item", "item_name", "execution_rate", "expected_share",
     "pace"),
)  # fmt: skip
MONTHS_COVERED = NaturalChart(
    "months_covered",
    _draw_months,
    ("region_code", "region", "fund", "year", "months_covered", "months_reported", "balance_end",
     "pooled", "band_lower", "band_upper"),
)  # fmt: skip
PROJECTION = NaturalChart(
    "projection",
    _draw_projection,
    ("region_code", "region", "fund", "year", "kind", "months_covered", "months_low",
     "months_high", "months_q25", "months_q75", "threshold", "band_upper"),
)  # fmt: skip
