"""Where a report cites the rule it applies: the Measures' article, and the province's own
implementing document (Art. 24) where the province's rule is the one applied
(``Context.for_province`` resolves which; ``Context.cite_rule`` names the document)."""

from __future__ import annotations

from sipm_helpers.config.context import Context
from sipm_helpers.config.labels import Labels


def rule_basis(ctx: Context, key: str, national: str, labels: Labels) -> str:
    """``national`` (the Measures' article, as a label gives it: 第十八条, Art. 18), followed
    by the province's document and article when the province's rule ``key`` applies."""
    cited = ctx.cite_rule(key, labels.lang)
    return labels.t("rule_basis_province", national=national, province=cited) if cited else national


def rule_source(ctx: Context, key: str, labels: Labels) -> str:
    """A sentence saying that the province's document sets the rule ``key`` here, or "" where
    the national rule applies."""
    cited = ctx.cite_rule(key, labels.lang)
    return labels.t(f"rule_source_{key.replace('.', '_')}", province=cited) if cited else ""


def rules_documents(ctx: Context, labels: Labels) -> str:
    """The province's implementing documents applied here, cited and listed, or ""."""
    if ctx.applied is None:
        return ""
    cited = [d.cite(labels.lang) for d in ctx.applied.documents()]
    return labels.join(cited)


def due_values(ctx: Context, province: str | None, year: int, labels: Labels) -> dict[str, str]:
    """The Art. 18 deadlines of budget ``year`` in ``province`` as the titles write them
    (``due_day``: 5月31日, 31 May; ``provincial_day``: 7月31日), each with the province's
    document setting it, cited after the Measures (``due_rules``, ``provincial_rules``:
    empty where the national deadline applies)."""
    ruled = ctx.for_province(province, year)

    def rules(key: str) -> str:
        cited = ruled.cite_rule(key, labels.lang)
        return labels.t("rule_titles", document=cited) if cited else ""

    return {
        "due_day": labels.month_day(ruled.appraisal.due(year).isoformat()),
        "due_rules": rules("appraisal.report_due"),
        "provincial_day": labels.month_day(ruled.appraisal.provincial_due(year).isoformat()),
        "provincial_rules": rules("appraisal.provincial_report_due"),
    }
