"""Qualitative grades with their evidence, and the explanations an agency gives for what
falls short (Art. 18); the texts are data (``sipm_helpers/demo/texts.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sipm_helpers.config.catalogue import Catalogue
from sipm_helpers.config.loader import require_keys
from sipm_helpers.config.standards import QualitativeLevel
from sipm_helpers.data.generate import yamlfile as yf
from sipm_helpers.data.generate.common import _rng, _text
from sipm_helpers.data.generate.kinds import KINDS
from sipm_helpers.data.generate.money import _FundData
from sipm_helpers.data.generate.scenarios import Scenario
from sipm_helpers.data.generate.shortfall import _grade_odds, _grades

TEXTS_FILE = "texts.yaml"
GRADES = ("achieved", "partly", "not_achieved")
GRADE_ODDS = (0.92, 0.07, 0.01)  # how often a grade is given, unplanted, in a year at plan
SHARE_LEFT_EMPTY = 0.3  # grades whose share is empty (the band's default applies)
EXPLAINED_SHARE = 0.6  # grades below achieved the agency explains
VARIANTS = 2  # evidence texts a grade picks from


@dataclass(frozen=True)
class Texts:
    """What texts.yaml holds: evidence by indicator and grade, the agency's (reason,
    improvement measure) by indicator."""

    evidence: Mapping[str, Mapping[str, tuple[str, ...]]]
    evidence_fallback: Mapping[str, str]  # by grade
    explanations: Mapping[str, tuple[str, str]]
    excess_reserve: tuple[str, str]  # months_covered missed by too many months
    explanation_fallback: tuple[str, str]

    def explanation(self, code: str) -> tuple[str, str]:
        """(reason, improvement measure) for missing indicator ``code``."""
        return self.explanations.get(code, self.explanation_fallback)


def _reason(file: Path, where: str, raw: Any) -> tuple[str, str]:
    spec = require_keys(file, where, raw, ["reason", "measure"])
    return (
        yf.text(file, f"{where}.reason", spec["reason"]),
        yf.text(file, f"{where}.measure", spec["measure"]),
    )


def _evidence(file: Path, raw: Any) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    out = {}
    for code, grades in yf.mapping(file, "evidence", raw).items():
        where = f"evidence.{code}"
        given = require_keys(file, where, grades, [], GRADES)
        out[str(code)] = MappingProxyType(
            {g: yf.texts(file, f"{where}.{g}", v) for g, v in given.items()}
        )
    return MappingProxyType(out)


def load_texts(path: str | Path | None = None) -> Texts:
    """Read and check the texts; ParameterError names the file and key."""
    path = yf.data_path(path, TEXTS_FILE)
    keys = ["evidence", "evidence_fallback", "explanations", "excess_reserve"]
    raw = yf.read(path, [*keys, "explanation_fallback"])
    fallback = require_keys(path, "evidence_fallback", raw["evidence_fallback"], GRADES)
    explanations = yf.mapping(path, "explanations", raw["explanations"])
    return Texts(
        evidence=_evidence(path, raw["evidence"]),
        evidence_fallback=MappingProxyType(
            {g: yf.text(path, f"evidence_fallback.{g}", fallback[g]) for g in GRADES}
        ),
        explanations=MappingProxyType(
            {str(c): _reason(path, f"explanations.{c}", v) for c, v in explanations.items()}
        ),
        excess_reserve=_reason(path, "excess_reserve", raw["excess_reserve"]),
        explanation_fallback=_reason(path, "explanation_fallback", raw["explanation_fallback"]),
    )


TEXTS = load_texts()


# --------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class _Grid:
    """One fund's regions × complete years × qualitative indicators, flattened."""

    fund: str
    codes: tuple[str, ...]
    complete: tuple[int, ...]
    indicators: list[str]

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.codes), len(self.complete), len(self.indicators)

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(region, year, indicator) index of every row."""
        p, y, j = (a.ravel() for a in np.indices(self.shape))
        return p, y, j

    def row(self, s: Scenario, code: str) -> int | None:
        """The row of the scenario's region and year and indicator ``code``, if any."""
        if s.fund != self.fund or s.region not in self.codes or s.year not in self.complete:
            return None
        if code not in self.indicators:
            return None
        at = (self.codes.index(s.region), self.complete.index(s.year), self.indicators.index(code))
        return int(np.ravel_multi_index(at, self.shape))


def _qualitative(
    data: _FundData,
    catalogue: Catalogue,
    complete: tuple[int, ...],
    scenarios: Sequence[Scenario],
    seed: int,
    levels: Mapping[str, QualitativeLevel],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grades of the fund's qualitative indicators for every complete year, with evidence,
    and the explanations the agency gave for grades below ``achieved``.

    Most grades are ``achieved``, fewer in a year that fell short of its plan (see
    :mod:`.shortfall`); ``share`` is empty for three grades in ten (the band's default
    applies); six in ten grades below ``achieved`` are explained (Art. 18). A
    qualitative indicator an outcome scenario names is not achieved (its kind's
    ``not_achieved`` hook). Returns (qualitative, explanations).
    """
    rng = _rng(seed, "qualitative", data.fund.code)
    indicators = [i.code for i in catalogue.indicators if i.kind == "qualitative"]
    if not indicators or not complete:
        return pd.DataFrame(), pd.DataFrame()
    grid = _Grid(data.fund.code, data.pairs.codes, complete, indicators)
    size = int(np.prod(grid.shape))
    p, y, _ = grid.flat()
    grade = _grades(rng.random(size), _grade_odds(data.shortfall.level[p, y], GRADE_ODDS))
    planted = _plant_grades(grid, grade, scenarios)
    share = _grade_shares(grade, levels, rng)
    evidence = _grade_evidence(grid, grade, scenarios, rng)
    # Planted grades are explained as their scenario says (see _explanations).
    explained = np.flatnonzero((grade > 0) & (rng.random(size) < EXPLAINED_SHARE) & ~planted)
    return _grades_frame(grid, grade, share, evidence), _explained_frame(grid, explained)


def _plant_grades(grid: _Grid, grade: np.ndarray, scenarios: Sequence[Scenario]) -> np.ndarray:
    """Grade not achieved what the scenarios make miss (``grade`` changed in place);
    returns which rows were planted."""
    planted = np.zeros(grade.size, dtype=bool)
    for s in scenarios:
        if (hook := KINDS[s.kind].not_achieved) is None:
            continue
        for code in hook(s):
            r = grid.row(s, code)
            if r is not None:
                grade[r], planted[r] = 2, True
    return planted


def _grade_shares(
    grade: np.ndarray, levels: Mapping[str, QualitativeLevel], rng: np.random.Generator
) -> np.ndarray:
    """The share of the points each grade gives, within its level's range; empty for
    some (the level's default applies)."""
    lo = np.array([levels[g].min for g in GRADES])[grade]
    hi = np.array([levels[g].max for g in GRADES])[grade]
    share = np.clip(np.round(lo + (hi - lo) * rng.uniform(0.1, 1.0, grade.size), 2), lo, hi)
    return np.where(rng.random(grade.size) < SHARE_LEFT_EMPTY, np.nan, share)


def _grade_evidence(
    grid: _Grid, grade: np.ndarray, scenarios: Sequence[Scenario], rng: np.random.Generator
) -> np.ndarray:
    """Each grade's evidence (one of its variants), left empty where a scenario kind's
    ``without_evidence`` hook says so."""
    texts = np.array(
        [
            [
                _pick(TEXTS.evidence.get(code, {}).get(g), TEXTS.evidence_fallback[g], v)
                for g in GRADES
                for v in range(VARIANTS)
            ]
            for code in grid.indicators
        ],
        dtype=object,
    )  # [indicator, grade × variant]
    _, _, j = grid.flat()
    evidence = texts[j, grade * VARIANTS + rng.integers(0, VARIANTS, grade.size)]
    for s in scenarios:
        if (hook := KINDS[s.kind].without_evidence) is None:
            continue
        for code in hook(s, grid.indicators):
            r = grid.row(s, code)
            if r is not None:
                evidence[r] = None
    return evidence


def _pick(options: tuple[str, ...] | None, fallback: str, variant: int) -> str:
    """One of ``options`` by ``variant`` (the fallback when there are none)."""
    return options[variant % len(options)] if options else fallback


def _grades_frame(
    grid: _Grid, grade: np.ndarray, share: np.ndarray, evidence: np.ndarray
) -> pd.DataFrame:
    p, y, j = grid.flat()
    return pd.DataFrame(
        {
            "region_code": _text(grid.codes, p),
            "fund": _text([grid.fund], np.zeros_like(p)),
            "year": np.asarray(grid.complete, dtype="int64")[y],
            "indicator": _text(grid.indicators, j),
            "grade": _text(GRADES, grade),
            "share": share,
            "evidence": pd.Series(evidence, dtype="str"),
        }
    )


def _explained_frame(grid: _Grid, explained: np.ndarray) -> pd.DataFrame:
    """The agency's reason and measure for the rows ``explained``."""
    p, y, j = (a[explained] for a in grid.flat())
    reasons = np.array([TEXTS.explanation(code) for code in grid.indicators], dtype=object)
    return pd.DataFrame(
        {
            "region_code": _text(grid.codes, p),
            "fund": _text([grid.fund], np.zeros_like(explained)),
            "year": np.asarray(grid.complete, dtype="int64")[y],
            "indicator": _text(grid.indicators, j),
            "reason": pd.Series(reasons[j, 0], dtype="str"),
            "improvement_measure": pd.Series(reasons[j, 1], dtype="str"),
        }
    )


def _explanations(scenarios: Sequence[Scenario], complete: tuple[int, ...]) -> pd.DataFrame:
    """The agency's reason and improvement measure for every indicator an explained
    outcome makes miss (its kind's ``explanation`` hook; Art. 18)."""
    rows = []
    for s in scenarios:
        explain = KINDS[s.kind].explanation
        if not s.explained or explain is None or s.year not in complete:
            continue
        for code in s.indicators:
            reason, measure = explain(code, TEXTS)
            rows.append((s.region, s.fund, s.year, code, reason, measure))
    columns = ["region_code", "fund", "year", "indicator", "reason", "improvement_measure"]
    frame = pd.DataFrame(rows, columns=columns).drop_duplicates(columns[:4])
    return frame.astype({"year": "int64"})
