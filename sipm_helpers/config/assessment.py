"""The centre's assessment of the provinces (parameters/assessment.yaml; Art. 22 of Caishe
[2022] No. 65): its criteria with their weights, measures and sources, the deductions for
data found false, the thresholds of commendation and interview, the rectification time
limit, the issuing departments and the documents' numbers. Validated on load."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from sipm_helpers.config.loader import (
    Citation,
    read_yaml,
    require_citation,
    require_day_of_year,
    require_keys,
    require_number,
    require_whole,
)
from sipm_helpers.config.quality import load_quality_rules
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

VERDICTS = ("approve", "approve_with_changes", "return")  # the target review's verdicts
FALSE_DATA = ("adjusted_actual", "denied")  # the findings of data found false
TOTAL = 100.0


@dataclass(frozen=True)
class Criterion:
    """One criterion: its names, points, the measure that counts it, whether nothing due
    earns its points, its shares by verdict or rating (where it has them) and its source."""

    code: str
    zh: str
    en: str
    weight: float
    measure: str
    nothing_due_full: bool
    source: Citation
    shares: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class AssessmentRules:
    criteria: tuple[Criterion, ...]
    deduction_names: tuple[str, str]  # zh, en
    per_finding: Mapping[str, float]
    deduction_cap: float
    deduction_source: Citation
    notice_month: int
    notice_day: int
    commend_from: float
    commend_at_most: int
    interview_below: float
    rectify_months: int
    issuers: tuple[tuple[str, str], ...]  # (zh, en) of each issuing department

    def notice_date(self, year: int) -> datetime.date:
        """The day the assessment of ``year`` is notified (in the year after it)."""
        return datetime.date(year + 1, self.notice_month, self.notice_day)

    def deadline(self, year: int) -> datetime.date:
        """The time limit of a rectification ordered in the notice of ``year``."""
        notice = self.notice_date(year)
        month = notice.month - 1 + self.rectify_months
        y, m = notice.year + month // 12, month % 12 + 1
        last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)).day
        return datetime.date(y, m, min(notice.day, last))

    def issuer_names(self, lang: str) -> tuple[str, ...]:
        return tuple(zh if lang == "zh" else en for zh, en in self.issuers)


def _share(path: Path, where: str, raw: object) -> float:
    value = require_number(path, where, raw)
    if not 0 <= value <= 1:
        raise ParameterError(path, where, "is a share: from 0 to 1")
    return value


def _shares(path: Path, where: str, raw: object, codes: Iterable[str]) -> Mapping[str, float]:
    """A share for every code of ``codes``, none other."""
    spec = require_keys(path, where, raw, list(codes))
    return MappingProxyType({str(k): _share(path, f"{where}.{k}", v) for k, v in spec.items()})


def _criterion(path: Path, code: str, raw: object, ratings: tuple[str, ...]) -> Criterion:
    where = f"criteria.{code}"
    spec = require_keys(path, where, raw, ["zh", "en", "weight", "measure", "nothing_due",
                                           "source"], ["verdicts", "ratings"])  # fmt: skip
    if spec["nothing_due"] not in ("full", "none"):
        raise ParameterError(path, f"{where}.nothing_due", "expected full or none")
    weight = require_number(path, f"{where}.weight", spec["weight"])
    if weight <= 0:
        raise ParameterError(path, f"{where}.weight", "must be positive")
    shares: Mapping[str, float] = MappingProxyType({})
    if "verdicts" in spec:
        shares = _shares(path, f"{where}.verdicts", spec["verdicts"], VERDICTS)
    if "ratings" in spec:
        shares = _shares(path, f"{where}.ratings", spec["ratings"], ratings)
    for lang in ("zh", "en"):
        if not isinstance(spec[lang], str) or not spec[lang].strip():
            raise ParameterError(path, f"{where}.{lang}", "expected a non-empty name")
    return Criterion(str(code), spec["zh"], spec["en"], weight, str(spec["measure"]),
                     spec["nothing_due"] == "full",
                     require_citation(path, f"{where}.source", spec["source"]), shares)  # fmt: skip


def _criteria(path: Path, raw: object, ratings: tuple[str, ...]) -> tuple[Criterion, ...]:
    """The criteria, their weights adding up to 100."""
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(path, "criteria", "expected a mapping of criteria")
    found = tuple(_criterion(path, str(c), spec, ratings) for c, spec in raw.items())
    total = sum(c.weight for c in found)
    if abs(total - TOTAL) > 1e-9:
        raise ParameterError(path, "criteria", f"the weights add up to {total:g}, not 100")
    return found


def _outcomes(path: Path, raw: object) -> dict:
    keys = ["commend_from", "commend_at_most", "interview_below", "rectify_months"]
    spec = require_keys(path, "outcomes", raw, keys)
    values = {
        "commend_from": require_number(path, "outcomes.commend_from", spec["commend_from"]),
        "commend_at_most": require_whole(path, "outcomes.commend_at_most",
                                         spec["commend_at_most"], 0),
        "interview_below": require_number(path, "outcomes.interview_below",
                                          spec["interview_below"]),
        "rectify_months": require_whole(path, "outcomes.rectify_months",
                                        spec["rectify_months"], 1),
    }  # fmt: skip
    if not 0 < values["interview_below"] <= values["commend_from"] <= TOTAL:
        raise ParameterError(path, "outcomes", "need 0 < interview_below ≤ commend_from ≤ 100")
    return values


def _issuers(path: Path, raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise ParameterError(path, "issuers", "expected a list of departments")
    named = [require_keys(path, f"issuers[{i}]", d, ["zh", "en"]) for i, d in enumerate(raw)]
    return tuple((str(d["zh"]), str(d["en"])) for d in named)


def load_assessment_rules(path: str | Path | None = None) -> AssessmentRules:
    """Read and validate parameters/assessment.yaml (the quality ratings it names are
    those of parameters/quality.yaml); ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "assessment.yaml"
    raw = read_yaml(path)
    keys = ["version", "notice_date", "criteria", "deductions", "outcomes", "issuers"]
    require_keys(path, "", raw, keys)
    ratings = tuple(r.code for r in load_quality_rules().ratings)
    month, day = require_day_of_year(path, "notice_date", raw["notice_date"])
    deductions = require_keys(path, "deductions", raw["deductions"], ["false_data"])
    false = require_keys(path, "deductions.false_data", deductions["false_data"],
                         ["zh", "en", "per_finding", "cap", "source"])  # fmt: skip
    per = require_keys(path, "deductions.false_data.per_finding", false["per_finding"], FALSE_DATA)
    where = "deductions.false_data.per_finding"
    per_finding = {k: require_number(path, f"{where}.{k}", v) for k, v in per.items()}
    if any(v < 0 for v in per_finding.values()):
        raise ParameterError(path, where, "points off must not be negative")
    cap = require_number(path, "deductions.false_data.cap", false["cap"])
    return AssessmentRules(
        criteria=_criteria(path, raw["criteria"], ratings),
        deduction_names=(str(false["zh"]), str(false["en"])),
        per_finding=MappingProxyType(per_finding),
        deduction_cap=cap,
        deduction_source=require_citation(path, "deductions.false_data.source", false["source"]),
        notice_month=month,
        notice_day=day,
        issuers=_issuers(path, raw["issuers"]),
        **_outcomes(path, raw["outcomes"]),
    )
