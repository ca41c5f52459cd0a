"""Scoring standards (parameters/scoring.yaml): grade bands, qualitative levels, how the
total treats indicators that could not be assessed, tolerances."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# ``missing``: zero (an indicator without data, target or evidence earns 0 of its points;
# the default) or rescale (the total is rescaled over the points that could be assessed).
MISSING_CHOICES = ("zero", "rescale")
# ``score_decimals``: the decimals scores and points are rounded to (half up) and shown at.
MAX_SCORE_DECIMALS = 4


@dataclass(frozen=True)
class Grade:
    code: str
    min: float
    zh: str
    en: str


@dataclass(frozen=True)
class QualitativeLevel:
    code: str
    min: float
    max: float
    default: float
    zh: str
    en: str


@dataclass(frozen=True)
class ScoringStandards:
    grades: tuple[Grade, ...]  # highest first
    qualitative_levels: dict[str, QualitativeLevel]
    missing: str
    score_decimals: int  # scores and points rounded half up to this many decimals
    balance_tolerance_absolute: float
    balance_tolerance_relative: float

    def grade_of(self, total: float) -> Grade:
        """The first grade (highest first) whose lower bound ``total`` reaches."""
        for grade in self.grades:
            if total >= grade.min:
                return grade
        return self.grades[-1]


def read_grades(path: Path | str, where: str, raw: object) -> tuple[Grade, ...]:
    """Grade bands (``grades`` of scoring.yaml, or a province's own, Art. 24): listed
    highest first with distinct lower bounds, the lowest from 0; ParameterError otherwise."""
    if not isinstance(raw, list):
        raise ParameterError(path, where, f"expected a list of grades, got {raw!r}")
    grades = []
    for i, g in enumerate(raw):
        require_keys(path, f"{where}[{i}]", g, ["code", "min", "zh", "en"])
        grades.append(
            Grade(g["code"], require_number(path, f"{where}[{i}].min", g["min"]), g["zh"], g["en"])
        )
    mins = [g.min for g in grades]
    if not grades or mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        raise ParameterError(
            path, where, "must list grades highest first with distinct lower bounds"
        )
    if mins[-1] > 0:
        raise ParameterError(path, where, "the lowest grade must start at 0")
    return tuple(grades)


def read_missing(path: Path | str, where: str, raw: object) -> str:
    """How an indicator not assessed counts (``missing``: one of ``MISSING_CHOICES``)."""
    if raw not in MISSING_CHOICES:
        raise ParameterError(
            path, where, f"must be one of {', '.join(MISSING_CHOICES)}, not {raw!r}"
        )
    return str(raw)


def load_standards(path: str | Path | None = None) -> ScoringStandards:
    """Read and validate the scoring standards; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "scoring.yaml"
    raw = read_yaml(path)
    require_keys(
        path,
        "",
        raw,
        [
            "version",
            "grades",
            "qualitative_levels",
            "missing",
            "score_decimals",
            "balance_tolerance",
        ],
    )
    grades = read_grades(path, "grades", raw["grades"])
    levels = {}
    for code, lv in raw["qualitative_levels"].items():
        where = f"qualitative_levels.{code}"
        require_keys(path, where, lv, ["min", "max", "default", "zh", "en"])
        lo, hi, d = (require_number(path, f"{where}.{k}", lv[k]) for k in ("min", "max", "default"))
        if not 0 <= lo <= d <= hi <= 1:
            raise ParameterError(path, where, "needs 0 ≤ min ≤ default ≤ max ≤ 1")
        levels[code] = QualitativeLevel(code, lo, hi, d, lv["zh"], lv["en"])
    read_missing(path, "missing", raw["missing"])
    decimals = raw["score_decimals"]
    if type(decimals) is not int or not 0 <= decimals <= MAX_SCORE_DECIMALS:
        raise ParameterError(
            path,
            "score_decimals",
            f"must be a whole number from 0 to {MAX_SCORE_DECIMALS}, not {decimals!r}",
        )
    tol = require_keys(
        path, "balance_tolerance", raw["balance_tolerance"], ["absolute", "relative"]
    )
    return ScoringStandards(
        grades=tuple(grades),
        qualitative_levels=levels,
        missing=raw["missing"],
        score_decimals=decimals,
        balance_tolerance_absolute=require_number(
            path, "balance_tolerance.absolute", tol["absolute"]
        ),
        balance_tolerance_relative=require_number(
            path, "balance_tolerance.relative", tol["relative"]
        ),
    )
