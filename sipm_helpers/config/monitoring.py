"""Monitoring rules (parameters/monitoring.yaml): pace and forecast-risk thresholds, and how
each annual target is projected to the year end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

# The likelihood of completing a target, as the Ministry's monitoring table grades it
# (完成目标可能性: 确定能、有可能、完全不可能; Caiyu [2019] No. 136).
LIKELIHOODS = ("certain", "possible", "unlikely")


@dataclass(frozen=True)
class MonitoringRules:
    income_amber_below: float
    income_red_below: float
    expenditure_amber_below: float
    expenditure_red_below: float
    expenditure_amber_above: float
    expenditure_red_above: float
    risk_amber: float
    risk_red: float
    risk_tolerance: float
    materiality: float  # the share of the fund's total income or expenditure at stake
    lumpy_max_months: int  # an item paid in at most this many months a year is lumpy
    likelihood: dict[str, str]  # the outlook's light → the likelihood of completing the target
    cause_categories: tuple[str, ...]  # the categories of a deviation's cause
    focus_items: tuple[str, ...]
    year_end_only: frozenset[str]  # indicators left to the year end
    long_range: frozenset[str]  # projected over years: in the table, never an in-year alert
    forecast_items: dict[str, str]  # indicator → the line item whose forecast ÷ budget it is
    surplus_indicator: str  # the forecast surplus ÷ forecast expenditure

    def indicator_codes(self) -> set[str]:
        """Every indicator code the rules name."""
        return {
            *self.year_end_only,
            *self.long_range,
            *self.forecast_items,
            self.surplus_indicator,
        }


def load_monitoring_rules(path: str | Path | None = None) -> MonitoringRules:
    """Read and validate the monitoring rules; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "monitoring.yaml"
    raw = read_yaml(path)
    require_keys(
        path,
        "",
        raw,
        ["version", "pace", "forecast_risk", "materiality", "lumpy", "focus_items", "severities",
         "outlook", "table"],
    )  # fmt: skip
    table = require_keys(path, "table", raw["table"], ["likelihood", "causes"])
    likelihood = require_keys(
        path, "table.likelihood", table["likelihood"], ["green", "amber", "red"]
    )
    if not set(likelihood.values()) <= set(LIKELIHOODS):
        raise ParameterError(path, "table.likelihood", f"expected one of {', '.join(LIKELIHOODS)}")
    causes = table["causes"]
    if not isinstance(causes, list) or not causes:
        raise ParameterError(path, "table.causes", "expected a list of cause categories")
    lumpy = require_keys(path, "lumpy", raw["lumpy"], ["max_months_paid"])["max_months_paid"]
    if not isinstance(lumpy, int) or isinstance(lumpy, bool) or not 0 <= lumpy <= 12:
        raise ParameterError(path, "lumpy.max_months_paid", "expected a whole number 0 to 12")
    material = require_keys(path, "materiality", raw["materiality"], ["share"])
    outlook = require_keys(
        path, "outlook", raw["outlook"], ["year_end_only", "long_range", "forecast", "surplus"]
    )
    for key in ("year_end_only", "long_range"):
        if not isinstance(outlook[key], list):
            raise ParameterError(path, f"outlook.{key}", "expected a list of indicator codes")
    forecast = outlook["forecast"]
    if not isinstance(forecast, dict):
        raise ParameterError(
            path, "outlook.forecast", "expected a mapping of indicator → line item"
        )
    pace = require_keys(path, "pace", raw["pace"], ["income", "expenditure"])
    inc = require_keys(path, "pace.income", pace["income"], ["amber_below", "red_below"])
    exp = require_keys(
        path,
        "pace.expenditure",
        pace["expenditure"],
        ["amber_below", "red_below", "amber_above", "red_above"],
    )
    risk = require_keys(path, "forecast_risk", raw["forecast_risk"], ["amber", "red", "tolerance"])
    num = lambda where, v: require_number(path, where, v)  # noqa: E731
    rules = MonitoringRules(
        income_amber_below=num("pace.income.amber_below", inc["amber_below"]),
        income_red_below=num("pace.income.red_below", inc["red_below"]),
        expenditure_amber_below=num("pace.expenditure.amber_below", exp["amber_below"]),
        expenditure_red_below=num("pace.expenditure.red_below", exp["red_below"]),
        expenditure_amber_above=num("pace.expenditure.amber_above", exp["amber_above"]),
        expenditure_red_above=num("pace.expenditure.red_above", exp["red_above"]),
        risk_amber=num("forecast_risk.amber", risk["amber"]),
        risk_red=num("forecast_risk.red", risk["red"]),
        risk_tolerance=num("forecast_risk.tolerance", risk["tolerance"]),
        materiality=num("materiality.share", material["share"]),
        lumpy_max_months=lumpy,
        likelihood={str(k): str(v) for k, v in likelihood.items()},
        cause_categories=tuple(str(c) for c in causes),
        focus_items=tuple(str(i) for i in raw["focus_items"]),
        year_end_only=frozenset(str(c) for c in outlook["year_end_only"]),
        long_range=frozenset(str(c) for c in outlook["long_range"]),
        forecast_items={str(c): str(item) for c, item in forecast.items()},
        surplus_indicator=str(outlook["surplus"]),
    )
    if not rules.income_red_below <= rules.income_amber_below:
        raise ParameterError(path, "pace.income", "red_below must not exceed amber_below")
    if not (
        rules.expenditure_red_below
        <= rules.expenditure_amber_below
        < rules.expenditure_amber_above
        <= rules.expenditure_red_above
    ):
        raise ParameterError(
            path, "pace.expenditure", "needs red_below ≤ amber_below < amber_above ≤ red_above"
        )
    if not 0 < rules.risk_amber <= rules.risk_red <= 1:
        raise ParameterError(path, "forecast_risk", "needs 0 < amber ≤ red ≤ 1")
    if not 0 <= rules.materiality < 1:
        raise ParameterError(path, "materiality.share", "needs 0 ≤ share < 1")
    return rules
