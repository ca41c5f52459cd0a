"""The words of a finding that moved a region's score (Art. 17, 19): who found it (the
evaluator, on site, by sample or document, or the rectification ledger), what was found
(the evaluator's comment, or the ledger's figures), and the region's value against the
evaluated one. The provincial report, the rectification items and the feedback letter
word findings through this one module, so they say the same thing."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.present.formatting import fmt_rate, fmt_value


def fmt_date(value: object, lang: str) -> str:
    """An ISO date as the language writes it: 2026-06-30 → 2026年6月30日 in Chinese."""
    return load_labels(lang).date(value)


def basis_name(basis: object, labels: Labels) -> str:
    """How a finding was established, in words (the review table's ``basis``)."""
    return labels.get(f"review_basis_{basis}", str(basis)) if isinstance(basis, str) else ""


def value_text(value: object, unit: str | None, labels: Labels) -> str:
    """A value as found: a qualitative grade in words, a number in its unit."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return labels.t("review_finding_not_assessed")
    if isinstance(value, str):
        return labels.get(f"qual_{value}", value)
    return fmt_value(value, unit)


def note(row: Mapping, year: int, indicator: str, labels: Labels) -> str:
    """What was found: the evaluator's comment, or the ledger's figures in words."""
    detail = row.get("detail")
    if not isinstance(detail, Mapping) or not detail.get("check"):
        comment = row.get("comment")
        return comment if isinstance(comment, str) and comment else ""
    since = detail.get("overdue_since")
    return labels.t(
        f"ledger_{detail['check']}",
        year=year,
        due=detail.get("due"),
        on_time=detail.get("on_time"),
        rate=fmt_rate(0 if not detail.get("due") else detail["on_time"] / detail["due"]),
        reported=fmt_rate(detail.get("reported")),
        overdue=detail.get("overdue"),
        since=fmt_date(since, labels.lang) if since else "",
        indicator=indicator,
        grade=value_text(row.get("evaluated_value"), None, labels),
    )


def worded_problem(
    row: Mapping, year: int, indicator: str, unit: str | None, labels: Labels
) -> str:
    """A finding that cost the region points, as the rectification item it becomes: the
    substance (the comment or the ledger's figures), how it was found, and the region's
    value against the evaluated one."""
    return labels.t(
        f"rect_{row['problem']}",
        indicator=indicator,
        basis=basis_name(row.get("basis"), labels),
        note=note(row, year, indicator, labels),
        before=value_text(row.get("self_value"), unit, labels),
        after=value_text(row.get("evaluated_value"), unit, labels),
    )
