"""Number formatting for reports: money with separators, rates as per cent, missing as a dash."""

from __future__ import annotations

import math

from sipm_helpers.domain.rounding import round_half_up

DASH = "–"


def _missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def fmt_number(value: object, digits: int = 0) -> str:
    """1234567.8 → '1,234,568' (digits=0); missing → '–'."""
    if _missing(value):
        return DASH
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def fmt_money(value: object) -> str:
    """Money in 10,000 yuan with thousands separators and one decimal."""
    return fmt_number(value, 1)


def fmt_rate(value: object, digits: int = 1) -> str:
    """A fraction as per cent: 0.9534 → '95.3%'."""
    if _missing(value):
        return DASH
    return f"{float(value) * 100:,.{digits}f}%"  # type: ignore[arg-type]


def fmt_score(value: object, digits: int, *, signed: bool = False) -> str:
    """Points at ``digits`` decimals (parameters/scoring.yaml ``score_decimals``), rounded
    half up as the scores are: 8.65 → '8.7' (not '8.6', the binary 8.65's nearest);
    ``signed``: with its sign, '+2.3', '-0.5'."""
    if _missing(value):
        return DASH
    rounded = float(round_half_up(float(value), digits))  # type: ignore[arg-type]
    return f"{rounded:{'+' if signed else ''},.{digits}f}"


def fmt_points(value: object, digits: int) -> str:
    """Points as whole numbers where they are whole (8), else at ``digits`` decimals (7.5)."""
    if _missing(value):
        return DASH
    rounded = float(round_half_up(float(value), digits))  # type: ignore[arg-type]
    return fmt_score(rounded, 0 if rounded == round(rounded) else digits)


def fmt_value(value: object, unit: str | None) -> str:
    """A value in its indicator's unit: rate → per cent, months and ratios → two decimals,
    persons, cases, yuan and years → whole number, money in 10,000 yuan → one decimal."""
    if unit == "rate":
        return fmt_rate(value)
    if unit == "10k_yuan":
        return fmt_money(value)
    if unit in ("months", "ratio"):
        return fmt_number(value, 2)
    if unit in ("persons", "cases", "yuan", "years"):
        return fmt_number(value, 0)
    return fmt_number(value, 2)
