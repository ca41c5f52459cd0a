"""Target review rules (parameters/target_review.yaml): history window, tolerances, the
thresholds of each finding (Art. 7, 8, 10)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number, require_whole
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir


@dataclass(frozen=True)
class TargetReviewRules:
    history_years: int
    far_steps: float
    far_share: float
    rate_tolerance: float
    relative_tolerance: float
    budget_tolerance: float
    min_quantitative_share: float
    path_factor: float
    count_units: tuple[str, ...]

    def tolerance(self, unit: str | None, level: float) -> float:
        """The smallest difference worth a finding for an indicator in ``unit`` near ``level``."""
        return self.rate_tolerance if unit == "rate" else self.relative_tolerance * abs(level)


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
            "history_years",
            "far_beyond_trend",
            "tolerance",
            "budget_tolerance",
            "min_quantitative_share",
            "path_factor",
            "count_units",
        ],
    )

    def positive(where: str, value: object) -> float:
        number = require_number(path, where, value)
        if number <= 0:
            raise ParameterError(path, where, "must be positive")
        return number

    years = require_whole(path, "history_years", raw["history_years"], 2)
    far = require_keys(path, "far_beyond_trend", raw["far_beyond_trend"], ["steps", "share"])
    tol = require_keys(path, "tolerance", raw["tolerance"], ["rate", "relative"])
    units = raw["count_units"]
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise ParameterError(path, "count_units", "expected a list of units")
    share = positive("min_quantitative_share", raw["min_quantitative_share"])
    if share > 1:
        raise ParameterError(path, "min_quantitative_share", "is a share: at most 1")
    return TargetReviewRules(
        history_years=years,
        far_steps=positive("far_beyond_trend.steps", far["steps"]),
        far_share=positive("far_beyond_trend.share", far["share"]),
        rate_tolerance=positive("tolerance.rate", tol["rate"]),
        relative_tolerance=positive("tolerance.relative", tol["relative"]),
        budget_tolerance=positive("budget_tolerance", raw["budget_tolerance"]),
        min_quantitative_share=share,
        path_factor=positive("path_factor", raw["path_factor"]),
        count_units=tuple(units),
    )
