"""Rules of the provincial evaluation of self-evaluations (parameters/appraisal.yaml): the
reports' due dates (Art. 18), the gap between self-assessed and evaluated totals worth a
flag, the robust rule that names an outlier among regions (Art. 17, 19), how many regions
make a problem common (Art. 18), and how many suggestions a region is given (Art. 19)."""

from __future__ import annotations

import datetime
import math
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from sipm_helpers.config.loader import (
    Citation,
    in_language,
    read_yaml,
    require_day_of_year,
    require_keys,
    require_number,
    require_whole,
)
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir


@dataclass(frozen=True)
class AppraisalRules:
    due_month: int
    due_day: int
    provincial_month: int
    provincial_day: int
    gap_points: float
    outlier_z: float
    min_regions: int
    outlier_materiality: float
    mad_floor: float  # the MAD taken as at least this share of |median|
    common_min_regions: int
    common_min_share: float
    rectification_month: int
    rectification_day: int
    raise_margin: float
    recommendation_years: int
    standard_tolerance: float  # an actual further from a policy standard is a data anomaly
    weakest_indicators: int
    suggestions_per_region: int
    min_points_lost: float  # below it, a score short of its points is rounding noise
    evaluator: tuple[str, str] = ("", "")  # zh, en: who made the province's report (Art. 17)
    # per stage, per language: the pattern of its document's number (``NUMBER_FIELDS``)
    numbers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # departments that issue the province's documents with the finance department and the
    # fund's administrative department, where a province's own rules add them (Art. 24)
    co_issuers: tuple[Citation, ...] = ()

    def due(self, year: int) -> datetime.date:
        """When the self-evaluation of ``year`` is due at the province."""
        return datetime.date(year + 1, self.due_month, self.due_day)

    def provincial_due(self, year: int) -> datetime.date:
        """When the province's evaluation of ``year`` is due at the centre (Art. 18)."""
        return datetime.date(year + 1, self.provincial_month, self.provincial_day)

    def rectification_deadline(self, year: int) -> datetime.date:
        """When a problem found evaluating ``year`` must be rectified."""
        return datetime.date(year + 1, self.rectification_month, self.rectification_day)

    def evaluator_name(self, lang: str) -> str:
        return self.evaluator[0] if lang == "zh" else self.evaluator[1]

    def number(self, stage: str, lang: str, issued: datetime.date, **fields: object) -> str:
        """The number of ``stage``'s document in ``lang``, dated ``issued``; ``fields``
        gives region, province, fund (its place in the registry), year and period."""
        if stage not in self.numbers:
            known = ", ".join(self.numbers)
            raise KeyError(
                f"parameters/appraisal.yaml report.numbers has no pattern for {stage!r}: {known}"
            )
        return in_language(self.numbers[stage], lang).format(issued=issued.year, **fields)

    def common_least(self, evaluated: int) -> int:
        """How many regions a problem must concern to be common among ``evaluated``
        regions: the larger of ``common_min_regions`` and ``common_min_share`` of them."""
        return max(self.common_min_regions, math.ceil(self.common_min_share * evaluated))


def load_appraisal_rules(path: str | Path | None = None) -> AppraisalRules:
    """Read and validate the rules; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "appraisal.yaml"
    raw = read_yaml(path)
    keys = [
        "version",
        "report_due",
        "provincial_report_due",
        "gap_points",
        "outlier_z",
        "min_regions",
        "outlier_materiality",
        "mad_floor",
        "common_min_regions",
        "common_min_share",
    ]
    keys += ["rectification_due", "raise_margin", "recommendation_years", "standard_tolerance"]
    keys += ["suggestions", "report"]
    require_keys(path, "", raw, keys)
    month, day = require_day_of_year(path, "report_due", raw["report_due"])
    pe_month, pe_day = require_day_of_year(
        path, "provincial_report_due", raw["provincial_report_due"]
    )
    fix_month, fix_day = require_day_of_year(path, "rectification_due", raw["rectification_due"])
    suggestions = require_keys(
        path, "suggestions", raw["suggestions"], ["weakest", "per_region", "min_points_lost"]
    )
    report = require_keys(path, "report", raw["report"], ["evaluator", "numbers"])
    evaluator = require_keys(path, "report.evaluator", report["evaluator"], ["zh", "en"])
    rules = AppraisalRules(
        due_month=month,
        due_day=day,
        provincial_month=pe_month,
        provincial_day=pe_day,
        gap_points=require_number(path, "gap_points", raw["gap_points"]),
        outlier_z=require_number(path, "outlier_z", raw["outlier_z"]),
        min_regions=require_whole(path, "min_regions", raw["min_regions"], 3),
        outlier_materiality=require_number(path, "outlier_materiality", raw["outlier_materiality"]),
        mad_floor=require_number(path, "mad_floor", raw["mad_floor"]),
        common_min_regions=require_whole(path, "common_min_regions", raw["common_min_regions"], 2),
        common_min_share=require_number(path, "common_min_share", raw["common_min_share"]),
        rectification_month=fix_month,
        rectification_day=fix_day,
        raise_margin=require_number(path, "raise_margin", raw["raise_margin"]),
        recommendation_years=require_whole(
            path, "recommendation_years", raw["recommendation_years"], 2
        ),
        standard_tolerance=require_number(path, "standard_tolerance", raw["standard_tolerance"]),
        weakest_indicators=require_whole(path, "suggestions.weakest", suggestions["weakest"], 1),
        suggestions_per_region=require_whole(
            path, "suggestions.per_region", suggestions["per_region"], 1
        ),
        min_points_lost=require_number(
            path, "suggestions.min_points_lost", suggestions["min_points_lost"]
        ),
        evaluator=(str(evaluator["zh"]), str(evaluator["en"])),
        numbers=_numbers(path, report["numbers"]),
    )
    _check_ranges(path, rules)
    return rules


def _check_ranges(path: Path, rules: AppraisalRules) -> None:
    """Thresholds are positive; the MAD's floor and the common problems' share are shares."""
    if rules.min_points_lost < 0:
        raise ParameterError(path, "suggestions.min_points_lost", "must not be negative")
    for name in ("gap_points", "outlier_z", "raise_margin", "outlier_materiality",
                 "standard_tolerance"):  # fmt: skip
        if getattr(rules, name) <= 0:
            raise ParameterError(path, name, "must be positive")
    for name in ("mad_floor", "common_min_share"):
        if not 0 <= getattr(rules, name) <= 1:
            raise ParameterError(path, name, "is a share: from 0 to 1")


NUMBER_FIELDS = ("region", "province", "fund", "year", "period", "issued")


def _numbers(path: Path, raw: object) -> Mapping[str, Mapping[str, str]]:
    """Each stage's document number pattern in each language, by the stage's name (every
    stage listed; the stage layer's tests check each stage has one)."""
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(path, "report.numbers", "expected each stage's name: its patterns")
    named = [doc for doc in raw if not (isinstance(doc, str) and doc.isidentifier())]
    if named:
        raise ParameterError(path, "report.numbers", f"{named[0]!r} is not a stage's name")
    return MappingProxyType(
        {
            doc: MappingProxyType(
                {
                    lang: _number_format(path, f"report.numbers.{doc}.{lang}", text)
                    for lang, text in require_keys(
                        path, f"report.numbers.{doc}", raw[doc], ["zh", "en"]
                    ).items()
                }
            )
            for doc in raw
        }
    )


def _number_format(path: Path, where: str, raw: object) -> str:
    """A number's pattern: text with no field but those of ``NUMBER_FIELDS`` (plain names:
    no attribute, index or conversion is ever applied to data)."""
    if not isinstance(raw, str) or not raw.strip():
        raise ParameterError(path, where, "expected a non-empty text")
    try:
        parsed = list(string.Formatter().parse(raw))
    except ValueError as exc:
        raise ParameterError(path, where, f"not a valid pattern: {exc}") from exc
    fields = [(f, spec, conv) for _, f, spec, conv in parsed if f is not None]
    if any(f not in NUMBER_FIELDS or spec or conv for f, spec, conv in fields):
        allowed = ", ".join("{" + f + "}" for f in NUMBER_FIELDS)
        raise ParameterError(path, where, f"may use only {allowed}, as they are")
    return raw
