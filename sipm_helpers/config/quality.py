"""What makes a self-evaluation itself faulty (parameters/quality.yaml): who must organise
it (Art. 17) and the claims of a stated reason that the year's figures can deny (Art. 18)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_whole
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir


@dataclass(frozen=True)
class Claim:
    """A claim a reason can make, the fact that denies it, and the phrases that make it."""

    code: str
    fact: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Rating:
    """A level of a self-evaluation's quality: reached with at most ``shortfalls`` criteria
    missed (None: the last level, any number)."""

    code: str
    zh: str
    en: str
    shortfalls: int | None

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class QualityRules:
    organised_by: tuple[str, ...]
    claims: tuple[Claim, ...]
    ratings: tuple[Rating, ...] = ()


def _texts(path: Path, where: str, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v for v in raw):
        raise ParameterError(path, where, "expected a list of non-empty texts")
    return tuple(raw)


def load_quality_rules(path: str | Path | None = None) -> QualityRules:
    """Read and validate the rules (the facts claims name are checked against the domain's
    registry where they are used). ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "quality.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "organised_by", "claims", "rating"])
    if not isinstance(raw["claims"], dict):
        raise ParameterError(path, "claims", "expected a mapping of claims")
    claims = []
    for code, spec in raw["claims"].items():
        spec = require_keys(path, f"claims.{code}", spec, ["fact", "phrases"])
        claims.append(
            Claim(
                str(code),
                str(spec["fact"]),
                _texts(path, f"claims.{code}.phrases", spec["phrases"]),
            )
        )
    return QualityRules(
        _texts(path, "organised_by", raw["organised_by"]),
        tuple(claims),
        _ratings(path, raw["rating"]),
    )


def _ratings(path: Path, raw: object) -> tuple[Rating, ...]:
    """The rating levels, best first: each but the last with a number of shortfalls that
    grows from level to level; the last with none (it takes every other report)."""
    if not isinstance(raw, list) or len(raw) < 2:
        raise ParameterError(path, "rating", "expected a list of at least two levels")
    levels, least = [], -1
    for i, spec in enumerate(raw):
        last = i == len(raw) - 1
        needed = ["code", "zh", "en"] + ([] if last else ["shortfalls"])
        spec = require_keys(path, f"rating[{i}]", spec, needed)
        n = None if last else require_whole(path, f"rating[{i}].shortfalls", spec["shortfalls"], 0)
        if n is not None and n <= least:
            raise ParameterError(path, f"rating[{i}].shortfalls", "must grow from level to level")
        least = least if n is None else n
        levels.append(Rating(str(spec["code"]), str(spec["zh"]), str(spec["en"]), n))
    return tuple(levels)
