"""Number formatting for reports: money with separators, rates as per cent, missing as a dash."""

from __future__ import annotations

import math

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


def fmt_score(value: object) -> str:
    """Points with one decimal."""
    return fmt_number(value, 1)


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
