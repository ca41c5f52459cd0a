"""Charts of the disclosure to the people's congress and the public (Art. 21), read at a
glance: each fund's budgeted income against its expenditure, and each fund's evaluated
score against the grade bands. SVG strings, drawn in the reports' style."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sipm_helpers.config.labels import Labels
from sipm_helpers.config.standards import Grade
from sipm_helpers.present.formatting import fmt_money, fmt_score
from sipm_helpers.present.plots import PALETTE, style, to_svg


def budget_chart(budget: pd.DataFrame, names: Sequence[str], labels: Labels, year: int) -> str:
    """Paired horizontal bars per fund (``budget``: income, expenditure; ``names`` the
    funds' names in its order), each labelled with its amount in 10,000 yuan."""
    rows = budget.assign(name=list(names)).iloc[::-1]
    y = np.arange(len(rows))
    with style():
        fig = Figure(figsize=(6.8, 0.55 * len(rows) + 1.3), dpi=100)
        ax = fig.add_subplot()
        pairs = (("income", PALETTE["main"], 0.2), ("expenditure", PALETTE["light"], -0.2))
        for column, colour, shift in pairs:
            values = rows[column].to_numpy(dtype=float)
            ax.barh(y + shift, values, height=0.38, color=colour,
                    label=labels.t(f"dis_chart_{column}"))  # fmt: skip
            for yi, v in zip(y + shift, values, strict=True):
                ax.text(v, yi, " " + fmt_money(v), va="center", fontsize=7)
        top = float(np.nanmax(rows[["income", "expenditure"]].to_numpy(dtype=float), initial=0))
        ax.set_xlim(0, top * 1.3 or 1)
        ax.set_yticks(y, rows["name"].tolist())
        ax.set_xlabel(labels.t("dis_chart_money_x"))
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_money(v).removesuffix(".0"))
        ax.set_title(labels.t("dis_chart_budget_title", year=year), loc="left")
        ax.legend(frameon=False, loc="lower right")
        ax.grid(axis="y", visible=False)
        return to_svg(fig)


def score_chart(
    scores: pd.DataFrame,
    names: Sequence[str],
    grades: Sequence[Grade],
    labels: Labels,
    year: int,
    digits: int,
) -> str:
    """Horizontal bars of each fund's evaluated score (``scores``: total, grade names in
    ``grade_name``) on a 0–100 axis, the grade bands' lower bounds marked and named."""
    rows = scores.assign(name=list(names)).iloc[::-1]
    y = np.arange(len(rows))
    with style():
        fig = Figure(figsize=(6.8, 0.42 * len(rows) + 1.4), dpi=100)
        ax = fig.add_subplot()
        totals = rows["total"].to_numpy(dtype=float)
        ax.barh(y, totals, height=0.55, color=PALETTE["main"])
        for yi, v, g in zip(y, totals, rows["grade_name"], strict=True):
            ax.text(v + 1, yi, f"{fmt_score(v, digits)}（{g}）" if labels.lang == "zh"
                    else f"{fmt_score(v, digits)} ({g})", va="center", fontsize=8)  # fmt: skip
        for g in grades:
            if 0 < g.min < 100:
                ax.axvline(g.min, color="#595959", linewidth=0.6, linestyle="--")
                name = g.zh if labels.lang == "zh" else g.en
                ax.text(g.min, len(rows) - 0.4, f" {name} ≥ {g.min:g}", fontsize=7, color="#595959")
        ax.set_xlim(0, 118)
        ax.set_ylim(-0.6, len(rows) - 0.1)
        ax.set_yticks(y, rows["name"].tolist())
        ax.set_xlabel(labels.t("dis_chart_score_x"))
        ax.set_title(labels.t("dis_chart_score_title", year=year), loc="left")
        ax.grid(axis="y", visible=False)
        return to_svg(fig)
