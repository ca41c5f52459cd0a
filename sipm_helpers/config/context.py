"""Everything read from parameters/ at once: registry, scoring standards, catalogues, tables,
dated policy, and the rule sets of monitoring, sustainability and target review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from sipm_helpers.config.appraisal import AppraisalRules, load_appraisal_rules
from sipm_helpers.config.catalogue import (
    Band,
    Catalogue,
    load_catalogue,
    load_library,
    load_province_catalogues,
)
from sipm_helpers.config.ledger import LedgerRules, load_ledger_rules
from sipm_helpers.config.monitoring import MonitoringRules, load_monitoring_rules
from sipm_helpers.config.policy import Policy, load_policy
from sipm_helpers.config.province_rules import (
    AppliedRules,
    ProvinceRules,
    load_province_rules,
    overrides,
)
from sipm_helpers.config.quality import QualityRules, load_quality_rules
from sipm_helpers.config.registry import FundRegistry, load_registry
from sipm_helpers.config.standards import ScoringStandards, load_standards
from sipm_helpers.config.sustainability import SustainabilityRules, load_sustainability_rules
from sipm_helpers.config.tables import TableSpec, load_table_specs
from sipm_helpers.config.target_review import TargetReviewRules, load_target_review_rules
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# The indicator whose band says how many months of expenditure a fund's balance should
# cover (Art. 2, 4: the fund's actuarial balance): monitoring's floor, the solvency test's
# threshold, the report's band.
RESERVE_INDICATOR = "months_covered"


@dataclass(frozen=True)
class Context:
    """The validated parameters a run works with."""

    registry: FundRegistry
    standards: ScoringStandards
    catalogues: dict[str, Catalogue]
    specs: dict[str, TableSpec]
    province_catalogues: dict[tuple[str, str], Catalogue]
    policy: Policy
    monitoring: MonitoringRules
    sustainability: SustainabilityRules
    target_review: TargetReviewRules
    appraisal: AppraisalRules
    ledger: LedgerRules
    quality: QualityRules
    # each province's own implementing rules (Art. 24), by province code
    province_rules: Mapping[str, ProvinceRules] = field(default_factory=dict)
    # the province's rules applied in this context (for_province), None: the national ones
    applied: AppliedRules | None = None
    national: Context | None = None  # where ``applied``: the context before them

    def for_province(self, province: str | None, year: int) -> Context:
        """The parameters that apply in ``province`` to budget year ``year``: the national
        ones with the province's own rules in force that year (Art. 24) in their place,
        ``applied`` saying which (for the reports to cite). The one place a province's
        rules are resolved; a province without rules, or ``None``, gets the national ones."""
        national = self.national or self
        found = national.province_rules.get(str(province)) if province is not None else None
        if found is None:
            return national
        applied = AppliedRules(found.province, int(year), MappingProxyType(found.in_force(year)))
        fields = overrides(applied)
        return replace(
            national,
            appraisal=replace(national.appraisal, **fields.get("appraisal", {})),
            standards=replace(national.standards, **fields.get("standards", {})),
            ledger=replace(national.ledger, **fields.get("ledger", {})),
            applied=applied,
            national=national,
        )

    def cite_rule(self, key: str, lang: str) -> str:
        """The province's document (and article) whose rule ``key`` applies here (a key of
        ``province_rules.KNOBS``, e.g. ``appraisal.report_due``), or "" where the
        national rule applies."""
        return self.applied.cite(key, lang) if self.applied else ""

    def catalogue(self, fund: str, province: str | None = None) -> Catalogue:
        """The catalogue that applies to ``fund`` in ``province``: the province's own
        (Art. 24) where it has one, else the fund's."""
        return self.province_catalogues.get((str(province), fund)) or self.catalogues[fund]

    def reserve_band(self, fund: str, province: str | None = None) -> Band | None:
        """The band of months of expenditure the balance should cover (the
        ``RESERVE_INDICATOR`` of the catalogue that applies), or None without one. The one
        place the floor and ceiling of a fund's reserve are looked up."""
        catalogue = self.catalogue(fund, province)
        found = [i for i in catalogue.indicators if i.code == RESERVE_INDICATOR]
        return found[0].band if found else None

    def indicator_codes(self, kind: str | None = None) -> dict[str, tuple[str, ...]]:
        """Per fund, every indicator code any of its catalogues uses (optionally of one kind)."""
        codes: dict[str, dict[str, None]] = {f: {} for f in self.catalogues}
        for cat in self.all_catalogues():
            codes[cat.fund].update(
                {i.code: None for i in cat.indicators if kind is None or i.kind == kind}
            )
        return {f: tuple(c) for f, c in codes.items()}

    def all_catalogues(self) -> list[Catalogue]:
        """Every catalogue, the funds' and the provinces' own."""
        return [*self.catalogues.values(), *self.province_catalogues.values()]


def load_context() -> Context:
    """Read and validate every parameter file (ParameterError names the file on failure)."""
    registry = load_registry()
    library = load_library()  # read once for every catalogue
    ctx = Context(
        registry=registry,
        standards=load_standards(),
        catalogues={f: load_catalogue(f, library=library) for f in registry.funds},
        specs=load_table_specs(),
        province_catalogues=load_province_catalogues(library=library),
        policy=load_policy(),
        monitoring=load_monitoring_rules(),
        sustainability=load_sustainability_rules(),
        target_review=load_target_review_rules(),
        appraisal=load_appraisal_rules(),
        ledger=load_ledger_rules(),
        quality=load_quality_rules(),
        province_rules=MappingProxyType(load_province_rules()),
    )
    check_policy_references(ctx)
    check_rule_codes(ctx)
    check_weight_precision(ctx)
    return ctx


def check_weight_precision(ctx: Context) -> None:
    """Every catalogue weight is given at no more decimals than the scores are rounded to
    (scoring.yaml ``score_decimals``): a weight the scoring form cannot show as it is
    would not add up (ParameterError naming the catalogue and indicator)."""
    decimals = ctx.standards.score_decimals
    for cat in ctx.all_catalogues():
        for ind in cat.indicators:
            if round(ind.weight, decimals) != ind.weight:
                raise ParameterError(
                    cat.source,
                    f"indicators.{ind.code}.weight",
                    f"{ind.weight:g} has more decimals than the {decimals} the scores are "
                    "rounded to (scoring.yaml score_decimals)",
                )


def check_rule_codes(ctx: Context) -> None:
    """The indicators and funds the rule sets name exist (ParameterError naming the file)."""
    known = {code for codes in ctx.indicator_codes().values() for code in codes}
    unknown = sorted(ctx.monitoring.indicator_codes() - known)
    if unknown:
        raise ParameterError(
            parameters_dir() / "monitoring.yaml",
            "outlook",
            f"unknown indicator(s): {', '.join(unknown)}",
        )
    ledger = parameters_dir() / "ledger.yaml"
    for where, code in (("rate.indicator", ctx.ledger.rate_indicator),
                        ("overdue_cap.indicator", ctx.ledger.cap_indicator)):  # fmt: skip
        if code not in known:
            raise ParameterError(ledger, where, f"unknown indicator {code!r}")
    if ctx.ledger.cap_grade not in ctx.standards.qualitative_levels:
        raise ParameterError(
            ledger,
            "overdue_cap.grade",
            f"unknown grade {ctx.ledger.cap_grade!r}; "
            f"grades: {', '.join(ctx.standards.qualitative_levels)}",
        )
    for fund, name in ctx.sustainability.contribution_rate.items():
        if name not in ctx.policy.parameters:
            raise ParameterError(
                parameters_dir() / "sustainability.yaml",
                f"contribution_rate.{fund}",
                f"follows unknown policy parameter {name!r}",
            )


def check_policy_references(ctx: Context) -> None:
    """Every dated policy parameter a catalogue follows exists in policy.yaml (ParameterError
    naming the catalogue and indicator otherwise)."""
    for cat in ctx.all_catalogues():
        for ind in cat.indicators:
            named = [("default_target", ind.target_policy)]
            named += list(ind.band.policy) if ind.band else []
            for where, name in named:
                if name and name not in ctx.policy.parameters:
                    raise ParameterError(
                        cat.source,
                        f"indicators.{ind.code}.{where}",
                        f"follows unknown policy parameter {name!r}; known: "
                        f"{', '.join(ctx.policy.parameters)}",
                    )
