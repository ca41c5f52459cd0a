"""How an indicator's expectation, status and deviation read in a report, from what its
scoring rule says (``reads``, ``reference``, ``status``) rather than from the rule's name."""

from __future__ import annotations

import math

from sipm_helpers.config import FundRegistry
from sipm_helpers.config.labels import Labels, load_labels
from sipm_helpers.domain.measures import PART, PART_COLUMNS
from sipm_helpers.domain.rules import (
    ACHIEVED,
    AT_LEAST,
    AT_MOST,
    BETWEEN,
    PERCENTAGE_POINT,
    RULES,
)
from sipm_helpers.domain.scoring import NOT_APPLICABLE, NOT_ASSESSED, REPORTED
from sipm_helpers.present.formatting import (
    DASH,
    fmt_number,
    fmt_rate,
    fmt_score,
    fmt_value,
)

TOTALS = ("income", "expenditure")  # the monitoring's and funding block's total rows
ROWS = ("balance_end", "data", "current_balance")  # the monitoring's rows that are not line items


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


def with_unit(text: str, unit: object, labels: Labels) -> str:
    """``text`` followed by its unit where the unit is a word ('21.85 months', '6–9 个月');
    rates, money and counts read without one, as they do in tables."""
    suffix = labels.get(f"suffix_{unit}", "")
    return f"{text}{suffix}" if suffix and text != DASH else text


def measured(value: object, unit: object, labels: Labels) -> str:
    """A value in its indicator's unit, as running text reads it: '21.85 个月', '95.3%'."""
    return with_unit(fmt_value(value, unit), unit, labels)


def _bound(value: object, unit: object) -> str:
    """A band's bound: whole months as whole numbers ('6', '7.5'), others as values."""
    text = fmt_value(value, unit)
    if unit == "months" and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def band_text(lower: object, upper: object, unit: object, labels: Labels) -> str:
    """A band as the reports show it: '6–9 个月' / '6–9 months', '≥ 12 months', '≤ 8.0%'."""
    if _missing(lower) and _missing(upper):
        return DASH
    if _missing(upper):
        text = f"≥ {_bound(lower, unit)}"
    elif _missing(lower):
        text = f"≤ {_bound(upper, unit)}"
    else:
        text = f"{_bound(lower, unit)}–{_bound(upper, unit)}"
    return with_unit(text, unit, labels)


def expectation(row: dict, labels: Labels) -> str:
    """The target as the rule reads it: '≥ 95.0%', '≤ 5.0%', '6–9 months', '80.0%',
    'Achieved'. Takes a row with reads, target, band_lower, band_upper and unit."""
    reads, unit = row.get("reads"), row.get("unit")
    lower, upper, target = row.get("band_lower"), row.get("band_upper"), row.get("target")
    if reads == ACHIEVED:
        return labels.t("qual_achieved")
    if reads in (BETWEEN, AT_LEAST, AT_MOST) and (not _missing(lower) or not _missing(upper)):
        return band_text(lower, upper, unit, labels)
    if _missing(target):
        return DASH
    prefix = {AT_LEAST: "≥ ", AT_MOST: "≤ "}.get(str(reads), "")
    return with_unit(prefix + fmt_value(target, unit), unit, labels)


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
        return load_labels(lang).points(f"{gap * 100:+.1f}")
    return f"{gap:+,.2f}" if unit in ("months", "ratio") else f"{gap:+,.0f}"


def score_basis(row: dict, labels: Labels, digits: int) -> str:
    """The basis of an indicator's score as a scoring form words it: the rule's arithmetic
    with the figures ("7 × actual 95.0% ÷ target 97.0% = 6.9"), the band and where its
    points reach zero, the grade and its share, or why nothing was scored; points and
    score at ``digits`` decimals, the score as rounded (parameters/scoring.yaml)."""
    t, status = labels.t, row.get("status")
    if status in (NOT_APPLICABLE, NOT_ASSESSED, REPORTED):
        return status_label(row, labels)[0]
    unit = row.get("unit")
    values = {
        "points": fmt_score(row.get("points"), digits),
        "score": fmt_score(row.get("score"), digits),
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
        key += _deduction(row, values, digits)
    return t(key, **values)


def _deduction(row: dict, values: dict[str, str], digits: int) -> str:
    """The figures of a deduction per percentage point ("9.7 points short, 1 off each, down
    to 0: 8.0 − 8.0"), the points taken off at ``digits`` decimals, added to ``values``;
    the label's suffix: met, below or above."""
    if bool(row.get("met")):
        return "_met"
    gap = abs(float(row["target"]) - float(row["actual"])) / PERCENTAGE_POINT  # type: ignore[arg-type]
    values.update(
        gap=fmt_number(gap, 1),
        per_point=_plain(row.get("deduct_per_point")),
        floor=_plain(row.get("deduct_floor")),
        deducted=fmt_score(float(row["points"]) - float(row["score"]), digits),  # type: ignore[arg-type]
    )
    return "_above" if row.get("direction") == "lower" else "_below"


def _plain(value: object) -> str:
    """A parameter as written: 1 → '1', 0.5 → '0.5', 0.25 → '0.25'."""
    return fmt_number(value, 2).rstrip("0").rstrip(".") if not _missing(value) else DASH


def _below_band(row: dict) -> bool:
    lower = row.get("band_lower")
    return not _missing(lower) and float(row.get("actual")) < float(lower)  # type: ignore[arg-type]


def parts_note(row: dict, indicator: str, labels: Labels) -> str | None:
    """For an indicator measured as the larger of its parts, each part's figure and the
    one that set the value ('… income 0.9%, expenditure 19.6%; this year, expenditure');
    None for any other indicator, or where the parts are not known."""
    known = [(c.removeprefix(PART), row.get(c)) for c in PART_COLUMNS if not _missing(row.get(c))]
    if not known:
        return None
    unit = row.get("unit")
    parts = labels.t("lang_comma").join(
        labels.t("parts_item", part=labels.t(f"part_{name}"), value=measured(value, unit, labels))
        for name, value in known
    )
    top = max(float(value) for _, value in known)  # type: ignore[arg-type]
    largest = [labels.t(f"part_{name}") for name, value in known if float(value) == top]  # type: ignore[arg-type]
    part = labels.join(largest)  # equal parts: each
    return labels.t("parts_note", indicator=indicator, parts=parts, part=part)
