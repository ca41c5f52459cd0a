"""A province's own implementing rules (Art. 24 of Caishe [2022] No. 65: "each province
may formulate specific implementation measures based on these Measures"), read from
``parameters/provinces/<code>/rules.yaml`` and validated on load.

The file names the province's documents (title, number, date of issue) and, per rule it
changes, dated values, as parameters/policy.yaml dates its values: each applies from its
date until the next, and a budget year takes the value in force on 1 January of that year;
before the first date the national rule applies. Every value names the document (and
optionally its article) that sets it, so that a report applying it can cite it.

Which rules a province may change is the registry ``KNOBS`` below, one object each: the
deadlines of Art. 18 (never later than the Measures'), the thresholds of the provincial
evaluation, the rectification deadline and the use of results (parameters/appraisal.yaml),
the departments that issue the province's documents besides finance and the fund's own,
the grade bands and the treatment of what could not be assessed (parameters/scoring.yaml),
the ledger's tolerance (parameters/ledger.yaml). :func:`overrides` gives, for one year,
the fields each rule set takes instead of the national ones; ``Context.for_province`` is
the one place they are applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sipm_helpers.config.loader import (
    Citation,
    read_yaml,
    require_citation,
    require_day_of_year,
    require_keys,
    require_number,
    require_whole,
)
from sipm_helpers.config.standards import read_grades, read_missing
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

FILE_NAME = "rules.yaml"


@dataclass(frozen=True)
class RulesDocument:
    """A province's implementing document: its title and number as each language cites
    them, and the date it was issued."""

    code: str
    title: Citation  # zh with its 《》: 《西岭省社会保险基金预算绩效管理实施细则》
    number: Citation  # 西财社〔2023〕18号
    issued: dt.date

    def cite(self, lang: str, article: Citation | None = None) -> str:
        """《title》（number）第N条 in Chinese; "Title (number), Art. N" in English."""
        if lang == "zh":
            return f"{self.title.zh}（{self.number.zh}）{article.zh if article else ''}"
        tail = f", {article.en}" if article else ""
        return f"{self.title.en} ({self.number.en}){tail}"


@dataclass(frozen=True)
class DatedRule:
    """One value of a province's rule, in force from ``start``, set by ``document``."""

    start: dt.date
    value: Any
    document: RulesDocument
    article: Citation | None

    def cite(self, lang: str) -> str:
        return self.document.cite(lang, self.article)


@dataclass(frozen=True)
class Knob:
    """A rule a province may set: ``key`` as the overlay writes it (``section.name``),
    how its value is read and validated, and the fields of the national rule set
    (``section``: appraisal, standards or ledger) it replaces."""

    key: str
    section: str
    read: Callable[[Path, str, object], Any]
    fields: Callable[[Any], dict[str, Any]]


def _day_within(latest: tuple[int, int], article: str) -> Callable[[Path, str, object], Any]:
    """A {month, day} no later than ``latest``: a province may bring Art. 18's deadlines
    forward, not put them off."""

    def read(path: Path, where: str, raw: object) -> tuple[int, int]:
        day = require_day_of_year(path, where, raw)
        if day > latest:
            raise ParameterError(
                path,
                where,
                f"{day[1]}/{day[0]} is later than the Measures allow ({article}: by "
                f"{latest[1]}/{latest[0]}); a province may set an earlier date, not a later one",
            )
        return day

    return read


def _positive(path: Path, where: str, raw: object) -> float:
    value = require_number(path, where, raw)
    if value <= 0:
        raise ParameterError(path, where, "must be positive")
    return value


def _share(path: Path, where: str, raw: object) -> float:
    value = require_number(path, where, raw)
    if not 0 <= value < 1:
        raise ParameterError(path, where, "must be a share from 0 to under 1")
    return value


def _day(path: Path, where: str, raw: object) -> tuple[int, int]:
    return require_day_of_year(path, where, raw)


def _departments(path: Path, where: str, raw: object) -> tuple[Citation, ...]:
    """A list of departments, each named in both languages ({zh: ..., en: ...})."""
    if not isinstance(raw, list) or not raw:
        raise ParameterError(path, where, "expected a list of departments, {zh: ..., en: ...}")
    return tuple(require_citation(path, f"{where}[{i}]", d) for i, d in enumerate(raw))


def _at_least_two(path: Path, where: str, raw: object) -> int:
    return require_whole(path, where, raw, 2)


_KNOBS = (
    Knob("appraisal.report_due", "appraisal", _day_within((5, 31), "Art. 18"),
         lambda v: {"due_month": v[0], "due_day": v[1]}),
    Knob("appraisal.provincial_report_due", "appraisal", _day_within((7, 31), "Art. 18"),
         lambda v: {"provincial_month": v[0], "provincial_day": v[1]}),
    Knob("appraisal.rectification_due", "appraisal", _day,
         lambda v: {"rectification_month": v[0], "rectification_day": v[1]}),
    Knob("appraisal.gap_points", "appraisal", _positive, lambda v: {"gap_points": v}),
    Knob("appraisal.outlier_z", "appraisal", _positive, lambda v: {"outlier_z": v}),
    Knob("appraisal.raise_margin", "appraisal", _positive, lambda v: {"raise_margin": v}),
    Knob("appraisal.recommendation_years", "appraisal", _at_least_two,
         lambda v: {"recommendation_years": v}),
    Knob("appraisal.co_issuers", "appraisal", _departments, lambda v: {"co_issuers": v}),
    Knob("scoring.grades", "standards", read_grades, lambda v: {"grades": v}),
    Knob("scoring.missing", "standards", read_missing, lambda v: {"missing": v}),
    Knob("ledger.rate_tolerance", "ledger", _share, lambda v: {"rate_tolerance": v}),
)  # fmt: skip
KNOBS: Mapping[str, Knob] = MappingProxyType({k.key: k for k in _KNOBS})

# Keys a province's rules cannot hold, and why: what the Measures or the State fix.
NATIONAL = MappingProxyType(
    {
        "funds": "the fund types are those of Art. 3",
        "pooling": "the pooling level is data (the `pooling` table), Art. 6",
        "policy": "national standards (parameters/policy.yaml) are the State's",
        "indicators": "a province's own catalogues go in parameters/indicators/provinces/",
        "scoring.score_decimals": "scores are rounded alike in every province, to be compared",
        "scoring.balance_tolerance": "the balance identity is checked alike for every dataset",
        "appraisal.report": "the evaluator's name and document numbers are the evaluator's",
    }
)


@dataclass(frozen=True)
class ProvinceRules:
    """One province's implementing rules: its documents and each rule's dated values."""

    province: str
    source: Path
    documents: Mapping[str, RulesDocument]
    rules: Mapping[str, tuple[DatedRule, ...]]  # by KNOBS key, earliest first

    def in_force(self, year: int) -> dict[str, DatedRule]:
        """Per rule, the value in force on 1 January of ``year`` (none before its date)."""
        day = dt.date(int(year), 1, 1)
        found = {key: [v for v in values if v.start <= day] for key, values in self.rules.items()}
        return {key: values[-1] for key, values in found.items() if values}


@dataclass(frozen=True)
class AppliedRules:
    """The province's rules that apply in one year: what reports cite."""

    province: str
    year: int
    rules: Mapping[str, DatedRule]

    def cite(self, key: str, lang: str) -> str:
        """The province's document and article setting ``key`` (a KNOBS key), or "" where
        the national rule applies."""
        found = self.rules.get(key)
        return found.cite(lang) if found else ""

    def documents(self) -> list[RulesDocument]:
        """The province's documents applied this year, by date of issue."""
        found = {r.document.code: r.document for r in self.rules.values()}
        return sorted(found.values(), key=lambda d: (d.issued, d.code))


def overrides(applied: AppliedRules) -> dict[str, dict[str, Any]]:
    """Per national rule set (appraisal, standards, ledger), the fields the province's
    rules in force replace (for ``dataclasses.replace``)."""
    out: dict[str, dict[str, Any]] = {}
    for key, rule in applied.rules.items():
        knob = KNOBS[key]
        out.setdefault(knob.section, {}).update(knob.fields(rule.value))
    return out


def _date(path: Path, where: str, raw: object) -> dt.date:
    if not isinstance(raw, dt.date) or isinstance(raw, dt.datetime):
        raise ParameterError(path, where, f"expected a date such as 2024-01-01, got {raw!r}")
    return raw


def _document(path: Path, code: str, raw: object) -> RulesDocument:
    where = f"documents.{code}"
    spec = require_keys(path, where, raw, ["title", "number", "issued"])
    return RulesDocument(
        code,
        require_citation(path, f"{where}.title", spec["title"]),
        require_citation(path, f"{where}.number", spec["number"]),
        _date(path, f"{where}.issued", spec["issued"]),
    )


def _dated(
    path: Path, where: str, raw: object, knob: Knob, documents: Mapping[str, RulesDocument]
) -> DatedRule:
    spec = require_keys(path, where, raw, ["from", "value", "document"], ["article"])
    start = _date(path, f"{where}.from", spec["from"])
    document = documents.get(spec["document"])
    if document is None:
        raise ParameterError(
            path,
            f"{where}.document",
            f"unknown document {spec['document']!r}; documents: {', '.join(documents) or 'none'}",
        )
    if start < document.issued:
        raise ParameterError(
            path,
            f"{where}.from",
            f"{start} is before {document.code} was issued ({document.issued})",
        )
    article = spec.get("article")
    return DatedRule(
        start,
        knob.read(path, f"{where}.value", spec["value"]),
        document,
        require_citation(path, f"{where}.article", article) if article is not None else None,
    )


def _refuse_national(path: Path, key: str) -> None:
    if key in NATIONAL:
        raise ParameterError(
            path, f"rules.{key}", f"not a province's to change (Art. 24 rules apply the "
            f"Measures, not replace them): {NATIONAL[key]}"
        )  # fmt: skip


def _rule_keys(path: Path, raw: object) -> dict[str, object]:
    """The overlay's rules flattened to ``section.name`` keys, each checked against KNOBS."""
    if not isinstance(raw, Mapping):
        raise ParameterError(path, "rules", f"expected a mapping, got {type(raw).__name__}")
    flat: dict[str, object] = {}
    for section, names in raw.items():
        _refuse_national(path, str(section))
        if not isinstance(names, Mapping):
            raise ParameterError(path, f"rules.{section}", "expected a mapping of rules")
        for name, values in names.items():
            key = f"{section}.{name}"
            _refuse_national(path, key)
            if key not in KNOBS:
                raise ParameterError(
                    path, f"rules.{key}", f"unknown rule; a province may set: {', '.join(KNOBS)}"
                )
            flat[key] = values
    return flat


def read_province_rules(path: Path, province: str) -> ProvinceRules:
    """Read and validate one province's rules file; ParameterError names file and key."""
    raw = read_yaml(path)
    require_keys(path, "", raw, ["version", "documents", "rules"])
    if not isinstance(raw["documents"], Mapping) or not raw["documents"]:
        raise ParameterError(path, "documents", "name at least one document")
    documents = {str(c): _document(path, str(c), d) for c, d in raw["documents"].items()}
    rules = {}
    for key, values in _rule_keys(path, raw["rules"]).items():
        if not isinstance(values, list) or not values:
            raise ParameterError(path, f"rules.{key}", "expected a list of dated values")
        dated = tuple(
            _dated(path, f"rules.{key}[{i}]", v, KNOBS[key], documents)
            for i, v in enumerate(values)
        )
        starts = [v.start for v in dated]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ParameterError(
                path, f"rules.{key}", "list the values by date, earliest first, one per date"
            )
        rules[key] = dated
    return ProvinceRules(province, path, MappingProxyType(documents), MappingProxyType(rules))


def load_province_rules(directory: str | Path | None = None) -> dict[str, ProvinceRules]:
    """Every province's rules, by province code: ``<directory>/<code>/rules.yaml``
    (default ``parameters/provinces``); a folder not named by a code is refused."""
    root = Path(directory) if directory else parameters_dir() / "provinces"
    if not root.is_dir():
        return {}
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not folder.name.isdigit():
            raise ParameterError(folder, "", "a province's folder is named by its region code")
        path = folder / FILE_NAME
        if path.is_file():
            found[folder.name] = read_province_rules(path, folder.name)
    return found
