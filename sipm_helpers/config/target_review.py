"""Target review rules (parameters/target_review.yaml): the review date, the history window,
the tolerance, the thresholds of each finding, how much each kind of finding weighs and the
points at which the targets are returned or approved with changes (Art. 7, 8, 10).

Which kinds of finding there are is the domain's (sipm_helpers.domain.target_review checks
that ``weighing`` names each of them, and only them)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from sipm_helpers.config.loader import (
    read_yaml,
    require_day_of_year,
    require_keys,
    require_number,
    require_whole,
)
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

WEIGHINGS = ("by_indicator", "fixed")


@dataclass(frozen=True)
class TargetReviewRules:
    review_month: int
    review_day: int
    history_years: int
    far_steps: float
    far_share: float
    relative_tolerance: float
    budget_tolerance: float
    income_uplift: float
    min_quantitative_share: float
    path_factor: float
    count_units: tuple[str, ...]
    # kind of finding → factor of its indicator's points (by_indicator) or points (fixed)
    weighing: Mapping[str, Mapping[str, float]]
    return_at: float  # weighed points at or above which the targets are returned
    changes_at: float  # ... approved with changes
    source: str = ""

    def tolerance(self, level: float) -> float:
        """The smallest difference worth a finding from a value near ``level``: a share of it."""
        return self.relative_tolerance * abs(level)

    def review_date(self, year: int) -> datetime.date:
        """The default date the targets of budget ``year`` are reviewed (the year before)."""
        return datetime.date(year - 1, self.review_month, self.review_day)


def _weighing(path: Path, raw: object) -> Mapping[str, Mapping[str, float]]:
    spec = require_keys(path, "weighing", raw, WEIGHINGS)
    out = {}
    for how in WEIGHINGS:
        table = spec[how]
        if not isinstance(table, Mapping):
            raise ParameterError(path, f"weighing.{how}", "expected a mapping of kinds to numbers")
        values = {}
        for code, value in table.items():
            number = require_number(path, f"weighing.{how}.{code}", value)
            if number < 0:
                raise ParameterError(path, f"weighing.{how}.{code}", "must not be negative")
            values[str(code)] = number
        out[how] = MappingProxyType(values)
    return MappingProxyType(out)


def load_target_review_rules(path: str | Path | None = None) -> TargetReviewRules:
    """Read and validate the target review rules; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "target_review.yaml"
    raw = read_yaml(path)
    require_keys(
        path,
        "",
        raw,
        [
            "version",
            "review_date",
            "history_years",
            "far_beyond_trend",
            "tolerance",
            "budget_tolerance",
            "min_quantitative_share",
            "path_factor",
            "income_uplift",
            "count_units",
            "weighing",
            "verdict",
        ],
    )

    def positive(where: str, value: object) -> float:
        number = require_number(path, where, value)
        if number <= 0:
            raise ParameterError(path, where, "must be positive")
        return number

    month, day = require_day_of_year(path, "review_date", raw["review_date"])
    years = require_whole(path, "history_years", raw["history_years"], 2)
    far = require_keys(path, "far_beyond_trend", raw["far_beyond_trend"], ["steps", "share"])
    units = raw["count_units"]
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise ParameterError(path, "count_units", "expected a list of units")
    share = positive("min_quantitative_share", raw["min_quantitative_share"])
    if share > 1:
        raise ParameterError(path, "min_quantitative_share", "is a share: at most 1")
    verdict = require_keys(path, "verdict", raw["verdict"], ["return", "approve_with_changes"])
    return_at = positive("verdict.return", verdict["return"])
    changes_at = positive("verdict.approve_with_changes", verdict["approve_with_changes"])
    if changes_at > return_at:
        raise ParameterError(
            path,
            "verdict",
            f"approve_with_changes ({changes_at:g}) must not exceed return ({return_at:g})",
        )
    return TargetReviewRules(
        review_month=month,
        review_day=day,
        history_years=years,
        far_steps=positive("far_beyond_trend.steps", far["steps"]),
        far_share=positive("far_beyond_trend.share", far["share"]),
        relative_tolerance=positive("tolerance", raw["tolerance"]),
        budget_tolerance=positive("budget_tolerance", raw["budget_tolerance"]),
        income_uplift=positive("income_uplift", raw["income_uplift"]),
        min_quantitative_share=share,
        path_factor=positive("path_factor", raw["path_factor"]),
        count_units=tuple(units),
        weighing=_weighing(path, raw["weighing"]),
        return_at=return_at,
        changes_at=changes_at,
        source=str(path),
    )
