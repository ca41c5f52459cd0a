"""How the provincial evaluation reads the rectification ledger (parameters/ledger.yaml):
which items are audit and inspection findings, the indicator scored from the ledger and
the tolerance past which a reported rate contradicts it, the grade an overdue finding
caps, and the phrases of evidence that claim no problem was found (Art. 14, 18, 20)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir


@dataclass(frozen=True)
class LedgerRules:
    sources: tuple[str, ...]
    rate_indicator: str
    rate_tolerance: float
    cap_indicator: str
    cap_grade: str
    cap_sources: tuple[str, ...]  # the items whose being overdue caps the grade
    no_problem_phrases: tuple[str, ...]


def _texts(path: Path, where: str, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v for v in raw):
        raise ParameterError(path, where, "expected a list of non-empty texts")
    return tuple(raw)


def _text(path: Path, where: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        raise ParameterError(path, where, f"expected a text, got {raw!r}")
    return raw


def load_ledger_rules(path: str | Path | None = None) -> LedgerRules:
    """Read and validate the rules; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "ledger.yaml"
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "sources", "rate", "overdue_cap", "no_problem_phrases"])
    rate = require_keys(path, "rate", raw["rate"], ["indicator", "tolerance"])
    cap = require_keys(path, "overdue_cap", raw["overdue_cap"], ["indicator", "grade", "sources"])
    tolerance = require_number(path, "rate.tolerance", rate["tolerance"])
    if not 0 <= tolerance < 1:
        raise ParameterError(path, "rate.tolerance", "must be a share from 0 to under 1")
    return LedgerRules(
        sources=_texts(path, "sources", raw["sources"]),
        rate_indicator=_text(path, "rate.indicator", rate["indicator"]),
        rate_tolerance=tolerance,
        cap_indicator=_text(path, "overdue_cap.indicator", cap["indicator"]),
        cap_grade=_text(path, "overdue_cap.grade", cap["grade"]),
        cap_sources=_texts(path, "overdue_cap.sources", cap["sources"]),
        no_problem_phrases=_texts(path, "no_problem_phrases", raw["no_problem_phrases"]),
    )
