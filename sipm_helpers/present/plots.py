"""Charts for reports, drawn as SVG strings.

Figures are made with matplotlib's object API (no pyplot, so no global figure state) and
inside ``plt.rc_context``-style ``matplotlib.rc_context`` blocks, so a long-lived kernel's
settings are never changed. SVG keeps text as text (``svg.fonttype: none``): the browser
draws Chinese with the report's fonts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from sipm_helpers.config.labels import Labels
from sipm_helpers.present.fonts import font_families
from sipm_helpers.present.formatting import fmt_points, fmt_score
from sipm_helpers.present.wording import TOTALS

PALETTE = {
    "main": "#1f4e79",
    "light": "#9dc3e6",
    "good": "#2e7d32",
    "bad": "#c62828",
    "band": "#e2efda",
    "grid": "#d9d9d9",
}


def _style() -> dict:
    return {
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": font_families(),
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.titleweight": "normal",  # CJK fonts such as WenQuanYi Micro Hei have no bold face
        "axes.titlecolor": "#1f4e79",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#595959",
        "axes.grid": True,
        "grid.color": PALETTE["grid"],
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
    }


def style():
    """The reports' chart style (fonts that cover Chinese, colours, grid) for a chart of
    your own, as a context manager: ``with plots.style(): ...`` (global settings return
    as they were on leaving it)."""
    return matplotlib.rc_context(_style())


MARGIN_POINTS = 4  # white space kept around a chart's outermost text
LEGEND_DROP_POINTS = 30  # a legend under the axes: below the tick labels and the axis label
MIN_AXES_SHARE = 0.3  # an axes keeps at least this share of the figure, however long its labels


NO_LINE_START = "，。、：；！？）》」』”’％"  # closing marks never begin a line (禁则)


def _tokens(text: str) -> list[str]:
    """Where a title may break: after each space-separated word, and between CJK
    characters (a word keeps its trailing space)."""
    tokens: list[str] = []
    for word in text.split(" "):
        if tokens:
            tokens[-1] += " "
        if any(ord(c) > 0x2E7F for c in word):
            for char in word:  # CJK: a line may start at any character but a closing mark
                if tokens and char in NO_LINE_START:
                    tokens[-1] += char
                else:
                    tokens.append(char)
        elif word:
            tokens.append(word)
    return tokens


def wrap_line(text: str, fits) -> str:
    """``text`` broken into lines each of which ``fits`` (a test of one line's text),
    greedily; a single token too long for a line is left whole."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line and not fits((line + token).rstrip()):
            lines.append(line.rstrip())
            line = token.lstrip() if token.strip() else ""
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def wrap_titles(fig: Figure, renderer) -> bool:
    """Break every axes title that runs past the figure's edge (less its margin) into
    lines that fit, so that no title is ever clipped ("Premium income: cumulative
    executio"); a left title has the room from where it starts. True if any was broken."""
    width = fig.get_size_inches()[0] * fig.dpi
    pad = MARGIN_POINTS / 72 * fig.dpi
    broken = False
    for ax in fig.axes:
        for title, room in (
            (ax.title, width - 2 * pad),
            (ax._left_title, width - pad - ax._left_title.get_window_extent(renderer).x0),
            (ax._right_title, ax._right_title.get_window_extent(renderer).x1 - pad),
        ):
            text = title.get_text()
            if not text or title.get_window_extent(renderer).width <= room:
                continue
            font = title.get_fontproperties()

            def fits(line: str, font=font, room=room) -> bool:
                line_width = renderer.get_text_width_height_descent(line, font, ismath=False)[0]
                return line_width <= room

            title.set_text(wrap_line(" ".join(text.split()), fits))
            broken = True
    return broken


def fit_axes(fig: Figure) -> None:
    """Place each axes so that its labels, title and legend just fit inside the figure.

    One measuring pass instead of a layout engine: matplotlib's constrained layout
    measures every tick label twice more before the draw, and its text metrics are cached
    per renderer, so that pass is not reused (measured: it was two fifths of a chart's
    cost); a title that runs past the figure's edge is then broken into lines
    (:func:`wrap_titles`) and the axes placed once more. Each axes is moved by how far its tight bounding box overhangs each edge; a
    legend outside the axes is anchored at a fixed distance from it (``legend_below``),
    so that it moves with the axes and one pass is exact."""
    renderer = fig._get_renderer()
    width = fig.get_size_inches()[0] * fig.dpi
    pad = MARGIN_POINTS / 72 * fig.dpi
    long = [
        title
        for ax in fig.axes
        for title in (ax.title, ax._left_title, ax._right_title)
        if title.get_text() and title.get_window_extent(renderer).width > width - 2 * pad
    ]
    if not long:
        _place_axes(fig, renderer)
        return
    # A title too long for the figure: place the axes by their labels alone, break the
    # title to the room it then has, and place the axes again under it.
    for title in long:
        title.set_visible(False)
    _place_axes(fig, renderer)
    for title in long:
        title.set_visible(True)
    wrap_titles(fig, renderer)
    _place_axes(fig, renderer)


def _place_axes(fig: Figure, renderer) -> None:
    width, height = fig.get_size_inches() * fig.dpi
    pad = MARGIN_POINTS / 72 * fig.dpi
    for ax in fig.axes:
        pos, tight = ax.get_position(), ax.get_tightbbox(renderer)
        x0 = pos.x0 + (pad - tight.x0) / width
        x1 = pos.x1 - (tight.x1 - (width - pad)) / width
        y0 = pos.y0 + (pad - tight.y0) / height
        y1 = pos.y1 - (tight.y1 - (height - pad)) / height
        x0 = min(x0, 1 - MIN_AXES_SHARE - pad / width)
        y0 = min(y0, 1 - MIN_AXES_SHARE - pad / height)
        ax.set_position([x0, y0, max(x1 - x0, MIN_AXES_SHARE), max(y1 - y0, MIN_AXES_SHARE)])


def to_svg(fig: Figure) -> str:
    """The figure, its axes fitted to their labels, as an SVG document string (without
    the XML prolog). No "tight" bounding box: that would draw each figure twice."""
    buf = io.StringIO()
    with matplotlib.rc_context(_style()):
        fit_axes(fig)
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.find("<svg") :]


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100)


def execution_chart(funding: pd.DataFrame, names: Sequence[str], labels: Labels, year: int) -> str:
    """Horizontal bars: execution rate of each budgeted line item, with the 95–105 % band.

    ``funding`` is the funding block (item, adjusted, executed, execution_rate); ``names``
    the display name of each row.
    """
    rows = funding.assign(name=list(names)).loc[lambda f: f["adjusted"].fillna(0) > 0]
    rows = rows.iloc[::-1]
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 0.32 * len(rows) + 1.2)
        ax = fig.add_subplot()
        rate = rows["execution_rate"].to_numpy(dtype=float) * 100
        colors = [PALETTE["main"] if k != "total" else PALETTE["light"] for k in rows["kind"]]
        ax.axvspan(95, 105, color=PALETTE["band"], zorder=0)
        ax.barh(range(len(rows)), np.nan_to_num(rate), color=colors, height=0.6)
        ax.axvline(100, color="#595959", linewidth=0.8)
        for y, r in enumerate(rate):
            if not math.isnan(r):
                ax.text(r + 1, y, f"{r:.1f}%", va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), rows["name"].tolist())
        ax.set_xlim(0, max(120, float(np.nanmax(rate, initial=0)) + 15))
        ax.set_xlabel(labels.t("chart_execution_x"))
        ax.set_title(labels.t("chart_execution_title", year=year), loc="left")
        ax.grid(axis="y", visible=False)
        return to_svg(fig)


def category_chart(
    categories: pd.DataFrame, names: Sequence[str], labels: Labels, year: int, digits: int
) -> str:
    """Bars of points earned against points available per category of Art. 9, labelled
    at the precision of the scores (``digits``)."""
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 2.6)
        ax = fig.add_subplot()
        x = np.arange(len(categories))
        ax.bar(
            x,
            categories["points"],
            width=0.6,
            color=PALETTE["band"],
            edgecolor=PALETTE["light"],
            label=labels.t("chart_available"),
        )
        ax.bar(
            x,
            categories["earned"].fillna(0),
            width=0.4,
            color=PALETTE["main"],
            label=labels.t("chart_earned"),
        )
        for xi, (earned, points) in enumerate(
            zip(categories["earned"], categories["points"], strict=True)
        ):
            shown = f"{fmt_score(earned, digits)} / {fmt_points(points, digits)}"
            ax.text(xi, points + 0.8, shown, ha="center", fontsize=8)
        ax.set_xticks(x, list(names))
        ax.set_ylabel(labels.t("chart_categories_y"))
        ax.set_ylim(0, float(categories["points"].max()) * 1.25)
        ax.set_title(labels.t("chart_categories_title", year=year), loc="left")
        ax.legend(frameon=False, loc="upper right", ncols=2)
        ax.grid(axis="x", visible=False)
        return to_svg(fig)


def months_chart(
    history: pd.DataFrame, lower: float | None, upper: float | None, labels: Labels
) -> str:
    """Months of expenditure covered by the year-end balance, year by year, against the band
    (the pooled fund's, titled so, where the history reports it apart).

    A year with fewer than 12 months reported is drawn hollow (provisional).
    """
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 2.8)
        ax = fig.add_subplot()
        years = history["year"].to_numpy()
        months = history["months_covered"].to_numpy(dtype=float)
        top = float(np.nanmax(months, initial=0))
        lo = 0.0 if lower is None or math.isnan(lower) else lower
        hi = (top * 1.2 + 1) if upper is None or math.isnan(upper) else upper
        ax.axhspan(lo, hi, color=PALETTE["band"], label=labels.t("chart_band"), zorder=0)
        ax.plot(years, months, color=PALETTE["main"], linewidth=1.8, zorder=2)
        complete = history["months_reported"].to_numpy() == 12
        ax.scatter(years[complete], months[complete], color=PALETTE["main"], zorder=3, s=18)
        ax.scatter(
            years[~complete],
            months[~complete],
            facecolor="white",
            edgecolor=PALETTE["main"],
            zorder=3,
            s=18,
        )
        for x, y in zip(years, months, strict=True):
            if not math.isnan(y):
                ax.annotate(
                    f"{y:.1f}",
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=8,
                )
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_ylim(
            0, max(top, hi if upper is not None and not math.isnan(upper) else top) * 1.2 + 1
        )
        ax.set_xlabel(labels.t("chart_months_x"))
        ax.set_ylabel(labels.t("chart_months_y"))
        pooled = history["pooled_balance"].notna().any() if "pooled_balance" in history else False
        ax.set_title(
            labels.t("chart_months_pooled_title" if pooled else "chart_months_title"), loc="left"
        )
        ax.legend(frameon=False, loc="upper left")
        return to_svg(fig)


def cumulative_chart(
    path: pd.DataFrame, budget: float, title: str, labels: Labels, months_label: str
) -> str:
    """One line item's cumulative execution this year against the seasonal expectation
    (budget × expected share, month by month) and the annual budget."""
    with matplotlib.rc_context(_style()):
        fig = _figure(3.3, 2.4)
        ax = fig.add_subplot()
        expected = path.dropna(subset=["expected_share"])
        if len(expected) and budget and not math.isnan(budget):
            ax.plot(
                expected["month"],
                expected["expected_share"] * budget,
                color=PALETTE["light"],
                linewidth=1.5,
                linestyle="--",
                label=labels.t("mon_chart_expected"),
            )
            ax.axhline(
                budget,
                color="#595959",
                linewidth=0.8,
                linestyle=":",
                label=labels.t("mon_chart_budget"),
            )
        done = path.dropna(subset=["executed"])
        ax.plot(
            done["month"],
            done["executed"],
            color=PALETTE["main"],
            linewidth=2,
            marker="o",
            markersize=3,
            label=labels.t("mon_chart_actual"),
        )
        ax.set_xlim(0.5, 12.5)
        ax.set_xticks(range(1, 13))
        ax.set_ylim(0, None)
        ax.set_xlabel(months_label)
        ax.set_ylabel(labels.t("unit_money"))
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, fontsize=7, loc="upper left")
        return to_svg(fig)


def _fan(ax, paths: pd.DataFrame, value: str, prefix: str, labels: Labels) -> pd.DataFrame:
    """Draw ``value``'s history (solid), its projection (dashed) and the projection's
    interval as a fan: ``{prefix}_low``–``_high`` light, ``_q25``–``_q75`` darker where
    there is one. The fan starts at the last actual year so that it joins the history.
    Returns the projected part with that year in front."""
    past = paths.loc[paths["kind"] == "history"]
    joint = pd.concat([past.tail(1), paths.loc[paths["kind"] == "projection"]], ignore_index=True)
    for bound in ("low", "high", "q25", "q75"):
        joint.loc[0, f"{prefix}_{bound}"] = joint.loc[0, value]
    bands = [("low", "high", 0.45, "chart_fan_outer"), ("q25", "q75", 0.9, "chart_fan_inner")]
    for lo, hi, alpha, label in bands:
        if joint[f"{prefix}_{lo}"].iloc[1:].notna().any():
            ax.fill_between(
                joint["year"],
                joint[f"{prefix}_{lo}"].to_numpy(dtype=float),
                joint[f"{prefix}_{hi}"].to_numpy(dtype=float),
                color=PALETTE["light"],
                alpha=alpha,
                linewidth=0,
                label=labels.t(label),
            )
    ax.plot(
        past["year"],
        past[value],
        color=PALETTE["main"],
        linewidth=2,
        marker="o",
        markersize=3,
        label=labels.t("chart_fan_history"),
    )
    ax.plot(
        joint["year"],
        joint[value],
        color=PALETTE["main"],
        linewidth=1.6,
        linestyle="--",
        label=labels.t("chart_fan_projection"),
    )
    ax.axhline(0, color=PALETTE["bad"], linewidth=0.8)
    return joint


def _fan_axes(ax, paths: pd.DataFrame, labels: Labels, title: str) -> None:
    """Every year a tick, the title, and the legend in a row under the plot, clear of the
    paths."""
    years = paths["year"].drop_duplicates().to_numpy()
    ax.set_xticks(years, [str(y) for y in years], fontsize=8)
    ax.set_xlabel(labels.t("chart_months_x"))
    ax.set_title(title, loc="left")
    legend_below(ax)


def legend_below(ax, ncols: int = 6) -> None:
    """The legend in rows of ``ncols`` under the axes, a fixed distance below its bottom
    edge."""
    below = ax.transAxes + ScaledTranslation(0, -LEGEND_DROP_POINTS / 72, ax.figure.dpi_scale_trans)
    ax.legend(
        frameon=False,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=below,
        ncols=ncols,
    )


def fan_chart(paths: pd.DataFrame, labels: Labels, title: str) -> str:
    """The accumulated balance: history, the projected path and its interval as a fan."""
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 3.0)
        ax = fig.add_subplot()
        _fan(ax, paths, "balance", "balance", labels)
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel(labels.t("unit_money"))
        _fan_axes(ax, paths, labels, title)
        return to_svg(fig)


def projected_months_chart(
    paths: pd.DataFrame, lower: float, upper: float, labels: Labels, title: str
) -> str:
    """Months of expenditure covered, history and projection with its interval, against
    the fund's band (or its floor, where the band has no upper bound)."""
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 2.8)
        ax = fig.add_subplot()
        joint = _fan(ax, paths, "months_covered", "months", labels)
        values = paths["months_covered"].to_numpy(dtype=float)
        top = float(np.nanmax(np.r_[values, joint["months_high"].to_numpy(dtype=float)], initial=0))
        top = min(top, float(np.nanmax(values, initial=0)) * 3 + 1)  # a wild bound stays in view
        if not math.isnan(lower):
            hi = upper if not math.isnan(upper) else top * 1.1 + 1
            ax.axhspan(lower, hi, color=PALETTE["band"], zorder=0, label=labels.t("chart_band"))
            ax.axhline(lower, color=PALETTE["good"], linewidth=0.8)
        low = float(np.nanmin(np.r_[values, 0.0]))
        ax.set_ylim(min(low * 1.1, 0), top * 1.15 + 1)
        ax.set_ylabel(labels.t("chart_months_y"))
        _fan_axes(ax, paths, labels, title)
        return to_svg(fig)


def comparison_chart(table: pd.DataFrame, names: Sequence[str], labels: Labels, title: str) -> str:
    """One bar per region: the fewest months of expenditure its balance covers over the
    horizon, red where it fails the solvency test, against its threshold."""
    with matplotlib.rc_context(_style()):
        rows = table.assign(name=list(names)).iloc[::-1]
        fig = _figure(6.8, 0.34 * len(rows) + 1.3)
        ax = fig.add_subplot()
        months = rows["months_min"].to_numpy(dtype=float)
        fails = (rows["solvency_pass"] == 0).to_numpy()
        colors = np.where(fails, PALETTE["bad"], PALETTE["main"])
        y = np.arange(len(rows))
        ax.barh(y, np.nan_to_num(months), color=colors, height=0.6)
        ax.scatter(
            rows["threshold"],
            y,
            marker="|",
            s=220,
            color="#595959",
            zorder=3,
            label=labels.t("chart_threshold"),
        )
        for yi, m in zip(y, months, strict=True):
            if not math.isnan(m):
                ax.text(max(m, 0) + 0.3, yi, f"{m:.1f}", va="center", fontsize=8)
        ax.axvline(0, color="#595959", linewidth=0.8)
        ax.set_yticks(y, rows["name"].tolist())
        ax.set_xlabel(labels.t("chart_months_min"))
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        ax.grid(axis="y", visible=False)
        return to_svg(fig)


def strip_chart(values: np.ndarray, names: Sequence[str], title: str, xlabel: str) -> str:
    """One dot per region on a common scale, sorted, with the regions' median: where each
    stands among the others (the comparative method, Art. 17)."""
    order = np.argsort(values)
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 0.3 * len(values) + 1.3)
        ax = fig.add_subplot()
        y = np.arange(len(values))
        ax.scatter(values[order], y, color=PALETTE["main"], s=28, zorder=3)
        ax.axvline(float(np.median(values)), color="#595959", linewidth=0.8, linestyle="--")
        for yi, v in zip(y, values[order], strict=True):
            ax.text(v, yi + 0.25, f"{v:.1f}", ha="center", fontsize=8)
        ax.set_yticks(y, [names[i] for i in order])
        ax.set_ylim(-0.6, len(values) - 0.2)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        return to_svg(fig)


def progress_chart(rows: pd.DataFrame, names: Sequence[str], labels: Labels, title: str) -> str:
    """Horizontal bars: each row's execution to date as a share of its annual budget (the
    income and expenditure totals lighter), with a tick where the seasonal profile expects
    it to be by now."""
    rows = rows.assign(name=list(names)).iloc[::-1]
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 0.32 * len(rows) + 1.3)
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        rate = rows["execution_rate"].to_numpy(dtype=float) * 100
        expected = rows["expected_share"].to_numpy(dtype=float) * 100
        totals = rows["item"].isin(TOTALS).to_numpy()
        colours = np.where(totals, PALETTE["light"], PALETTE["main"])
        ax.barh(y, np.nan_to_num(rate), color=colours, height=0.6)
        ax.scatter(expected, y, marker="|", s=220, color=PALETTE["bad"], zorder=3,
                   label=labels.t("chart_progress_expected"))  # fmt: skip
        for yi, r, e in zip(y, rate, expected, strict=True):
            if not math.isnan(r):  # the figure clear of the bar's end and of the tick
                ax.text(np.nanmax([r, e]) + 1.5, yi, f"{r:.1f}%", va="center", fontsize=8)
        ax.set_yticks(y, rows["name"].tolist())
        top = float(np.nanmax(np.r_[rate, expected, 100.0]))
        ax.set_xlim(0, top + 15)
        ax.set_xlabel(labels.t("chart_progress_x"))
        ax.set_title(title, loc="left")
        legend_below(ax)
        ax.grid(axis="y", visible=False)
        return to_svg(fig)


MAX_LEGEND_LINES = 12  # more lines than this are drawn without a legend entry each


def lines_chart(
    rows: pd.DataFrame, value: str, names: Sequence[str], labels: Labels, title: str, ylabel: str
) -> str:
    """One line per ``names`` group over the years: ``value`` as reported (solid, dots) and,
    where rows have ``kind`` 'projection', as projected (dashed), joined at the last actual
    year. For comparing a handful of regions or funds on one scale."""
    rows = rows.assign(name=list(names))
    if "kind" not in rows:
        rows = rows.assign(kind="history")
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 3.2)
        ax = fig.add_subplot()
        colours = matplotlib.colormaps["tab10"].colors
        groups = list(rows.groupby("name", sort=False))
        for i, (name, g) in enumerate(groups):
            colour = colours[i % len(colours)]
            past = g.loc[g["kind"] == "history"]
            ahead = pd.concat([past.tail(1), g.loc[g["kind"] == "projection"]])
            ax.plot(past["year"], past[value], color=colour, linewidth=1.8, marker="o",
                    markersize=3, label=name if len(groups) <= MAX_LEGEND_LINES else None)  # fmt: skip
            if len(ahead) > 1:
                ax.plot(ahead["year"], ahead[value], color=colour, linewidth=1.4, linestyle="--")
        years = np.sort(rows["year"].unique())
        ax.set_xticks(years, [str(y) for y in years], fontsize=8)
        ax.set_xlabel(labels.t("chart_months_x"))
        ax.set_ylabel(ylabel)
        # A fixed number of bins: ticks that do not change when fit_axes resizes the axes.
        ax.yaxis.set_major_locator(ticker.MaxNLocator(6))
        ax.set_title(title, loc="left")
        if len(groups) <= MAX_LEGEND_LINES:
            legend_below(ax, ncols=3)
        return to_svg(fig)


def indicator_chart(
    rows: pd.DataFrame, names: Sequence[str], labels: Labels, title: str, xlabel: str
) -> str:
    """One bar per region: an indicator's actual (rates as per cent), with a tick at each
    region's target, in the order of ``rows``."""
    rate = (rows["unit"] == "rate").to_numpy()
    scale = np.where(rate, 100.0, 1.0)
    actual = rows["actual"].to_numpy(dtype=float) * scale
    target = rows["target"].to_numpy(dtype=float) * scale
    with matplotlib.rc_context(_style()):
        fig = _figure(6.8, 0.3 * len(rows) + 1.3)
        ax = fig.add_subplot()
        y = np.arange(len(rows))[::-1]
        ax.barh(y, np.nan_to_num(actual), color=PALETTE["main"], height=0.6)
        ax.scatter(target, y, marker="|", s=220, color=PALETTE["bad"], zorder=3,
                   label=labels.t("col_target"))  # fmt: skip
        for yi, a, is_rate in zip(y, actual, rate, strict=True):
            if not math.isnan(a):
                ax.text(a, yi, f" {a:,.1f}{'%' if is_rate else ''}", va="center", fontsize=8)
        ax.set_yticks(y, list(names))
        ax.set_xlim(0, float(np.nanmax(np.r_[actual, target, 0.0])) * 1.15 or 1)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        legend_below(ax)
        ax.grid(axis="y", visible=False)
        return to_svg(fig)
