"""How an indicator's expectation, status and deviation read in a report, from what its
scoring rule says (``reads``, ``reference``, ``status``) rather than from the rule's name."""

from __future__ import annotations

import math

from sipm_helpers.config import FundRegistry
from sipm_helpers.domain.rules import (
    ACHIEVED,
    AT_LEAST,
    AT_MOST,
    BETWEEN,
    PERCENTAGE_POINT,
    RULES,
)
from sipm_helpers.domain.scoring import NOT_APPLICABLE, NOT_ASSESSED, REPORTED
from sipm_helpers.present.formatting import DASH, fmt_number, fmt_rate, fmt_value
from sipm_helpers.present.labels import Labels

TOTALS = ("income", "expenditure")  # the monitoring's and funding block's total rows
ROWS = ("balance_end", "data")  # the monitoring's rows that are not line items


def item_name(item: str, registry: FundRegistry, labels: Labels) -> str:
    """A line item's name in the labels' language; the income and expenditure totals and
    the monitoring's balance and data rows by their labels."""
    if item in TOTALS:
        return labels.t(f"total_{item}")
    if item in ROWS:
        return labels.t(f"item_{item}")
    li = registry.line_items[item]
    return li.zh if labels.lang == "zh" else li.en


def _missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def expectation(row: dict, labels: Labels) -> str:
    """The target as the rule reads it: '≥ 95.0%', '≤ 5.0%', '6.00–9.00', '80.0%', 'Achieved'.
    Takes a row with reads, target, band_lower, band_upper and unit."""
    reads, unit = row.get("reads"), row.get("unit")
    lower, upper, target = row.get("band_lower"), row.get("band_upper"), row.get("target")
    if reads == ACHIEVED:
        return labels.t("qual_achieved")
    if reads == BETWEEN:
        return f"{fmt_value(lower, unit)}–{fmt_value(upper, unit)}"
    bound = target
    if reads in (AT_LEAST, AT_MOST) and (not _missing(lower) or not _missing(upper)):
        bound = lower if reads == AT_LEAST else upper
    if _missing(bound):
        return DASH
    prefix = {AT_LEAST: "≥ ", AT_MOST: "≤ "}.get(str(reads), "")
    return prefix + fmt_value(bound, unit)


def status_label(row: dict, labels: Labels) -> tuple[str, str]:
    """(text, css class) of an indicator's status: met, missed, not applicable with the
    reason, not assessed with the reason, for information."""
    t, status = labels.t, row.get("status")
    if status == NOT_APPLICABLE:
        why = labels.get(f"na_{row.get('status_reason')}", str(row.get("status_reason")))
        return t("status_because", status=t("status_not_applicable"), why=why), "muted"
    if status == NOT_ASSESSED:
        why = t("missing_" + str(row.get("status_reason")))
        return t("status_because", status=t("status_not_assessed"), why=why), "bad"
    if status == REPORTED:
        return t("status_reported"), "muted"
    return (t("status_met"), "good") if bool(row.get("met")) else (t("status_missed"), "bad")


def deviation(row: dict, lang: str) -> str:
    """Actual against the value the rule measures from (the target, or the band bound
    missed): percentage points for rates, the indicator's unit otherwise; a dash where
    nothing was scored or graded."""
    actual, reference = row.get("actual"), row.get("reference")
    if _missing(actual) or _missing(reference):
        return DASH
    gap = float(actual) - float(reference)  # type: ignore[arg-type]
    unit = row.get("unit")
    if unit == "rate":
        return f"{gap * 100:+.1f} pp" if lang == "en" else f"{gap * 100:+.1f} 个百分点"
    return f"{gap:+,.2f}" if unit in ("months", "ratio") else f"{gap:+,.0f}"


def score_basis(row: dict, labels: Labels) -> str:
    """The basis of an indicator's score as a scoring form words it: the rule's arithmetic
    with the figures ("7 × actual 95.0% ÷ target 97.0% = 6.9"), the band and where its
    points reach zero, the grade and its share, or why nothing was scored."""
    t, status = labels.t, row.get("status")
    if status in (NOT_APPLICABLE, NOT_ASSESSED, REPORTED):
        return status_label(row, labels)[0]
    unit = row.get("unit")
    values = {
        "points": fmt_number(row.get("points"), 1),
        "score": fmt_number(row.get("score"), 2),
        "actual": fmt_value(row.get("actual"), unit),
        "target": fmt_value(row.get("target"), unit),
        "limit": expectation(row, labels),
        "share": fmt_rate(float(row["score"]) / float(row["points"]), 0)  # type: ignore[arg-type]
        if float(row.get("points") or 0) > 0
        else DASH,
        "grade": labels.get(f"qual_{row.get('grade')}", str(row.get("grade"))),
    }
    key = f"basis_{RULES[str(row.get('rule'))].basis}"
    if key == "basis_band":
        zero = row.get("band_zero_below") if _below_band(row) else row.get("band_zero_above")
        key += "_inside" if bool(row.get("met")) else "_outside"
        values["zero"] = fmt_value(zero, unit)
    if key == "basis_deduct":
        key += _deduction(row, values)
    return t(key, **values)


def _deduction(row: dict, values: dict[str, str]) -> str:
    """The figures of a deduction per percentage point ("9.7 points short, 1 off each, down
    to 0: 8.0 − 8.00"), added to ``values``; the label's suffix: met, below or above."""
    if bool(row.get("met")):
        return "_met"
    gap = abs(float(row["target"]) - float(row["actual"])) / PERCENTAGE_POINT  # type: ignore[arg-type]
    values.update(
        gap=fmt_number(gap, 1),
        per_point=_plain(row.get("deduct_per_point")),
        floor=_plain(row.get("deduct_floor")),
        deducted=fmt_number(float(row["points"]) - float(row["score"]), 2),  # type: ignore[arg-type]
    )
    return "_above" if row.get("direction") == "lower" else "_below"


def _plain(value: object) -> str:
    """A parameter as written: 1 → '1', 0.5 → '0.5', 0.25 → '0.25'."""
    return fmt_number(value, 2).rstrip("0").rstrip(".") if not _missing(value) else DASH


def _below_band(row: dict) -> bool:
    lower = row.get("band_lower")
    return not _missing(lower) and float(row.get("actual")) < float(lower)  # type: ignore[arg-type]
