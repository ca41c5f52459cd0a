"""Sustainability rules (parameters/sustainability.yaml): horizon, growth, solvency test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sipm_helpers.config.loader import read_yaml, require_keys, require_number, require_whole
from sipm_helpers.config.registry import load_registry
from sipm_helpers.errors import ParameterError
from sipm_helpers.paths import parameters_dir

GROWTH_METHODS = ("fit", "fixed")


@dataclass(frozen=True)
class SustainabilityRules:
    horizon: int
    confidence: float
    simulations: int
    seed: int
    growth: str  # fit | fixed
    min_years: int
    max_residual_sd: float
    fixed_growth: dict[str, tuple[float, float]]  # fund group → (income, expenditure)
    fixed_spread: float
    test_years: int
    recovery_years: int
    threshold_months: dict[str, float] = field(default_factory=dict)  # fund → months
    # fund → the dated policy parameter of its statutory contribution rate (policy.yaml)
    contribution_rate: dict[str, str] = field(default_factory=dict)
    sensitivity_step: float = 0.01


def load_sustainability_rules(path: str | Path | None = None) -> SustainabilityRules:
    """Read and validate the sustainability rules; ParameterError names the file and key."""
    path = Path(path) if path else parameters_dir() / "sustainability.yaml"
    raw = read_yaml(path)
    require_keys(
        path,
        "",
        raw,
        [
            "version",
            "horizon",
            "confidence",
            "simulations",
            "seed",
            "growth",
            "fit",
            "fixed_growth",
            "fixed_spread",
            "solvency",
            "contribution_rate",
            "sensitivity_step",
        ],
    )
    num = lambda where, v: require_number(path, where, v)  # noqa: E731

    def whole(where: str, v, least: int) -> int:
        return require_whole(path, where, v, least)

    def share(where: str, v, *, low: float = 0.0, high: float = 1.0) -> float:
        x = num(where, v)
        if not low < x < high:
            raise ParameterError(path, where, f"must lie between {low} and {high}, got {x}")
        return x

    if raw["growth"] not in GROWTH_METHODS:
        raise ParameterError(
            path, "growth", f"must be one of {', '.join(GROWTH_METHODS)}, got {raw['growth']!r}"
        )
    fit = require_keys(path, "fit", raw["fit"], ["min_years", "max_residual_sd"])
    fixed = {}
    groups = require_keys(path, "fixed_growth", raw["fixed_growth"], [], raw["fixed_growth"])
    for group, rates in groups.items():
        where = f"fixed_growth.{group}"
        rates = require_keys(path, where, rates, ["income", "expenditure"])
        fixed[str(group)] = (
            share(f"{where}.income", rates["income"], low=-0.5),
            share(f"{where}.expenditure", rates["expenditure"], low=-0.5),
        )
    solvency = require_keys(
        path, "solvency", raw["solvency"], ["test_years", "recovery_years", "threshold_months"]
    )
    thresholds = solvency["threshold_months"] or {}
    if not isinstance(thresholds, dict):
        raise ParameterError(
            path, "solvency.threshold_months", "expected a mapping of fund → months"
        )
    rates = raw["contribution_rate"] or {}
    if not isinstance(rates, dict) or not all(isinstance(v, str) for v in rates.values()):
        raise ParameterError(
            path, "contribution_rate", "expected a mapping of fund → policy parameter (policy.yaml)"
        )
    rules = SustainabilityRules(
        horizon=whole("horizon", raw["horizon"], 1),
        confidence=share("confidence", raw["confidence"]),
        simulations=whole("simulations", raw["simulations"], 100),
        seed=whole("seed", raw["seed"], 0),
        growth=str(raw["growth"]),
        min_years=whole("fit.min_years", fit["min_years"], 3),
        max_residual_sd=share("fit.max_residual_sd", fit["max_residual_sd"]),
        fixed_growth=fixed,
        fixed_spread=share("fixed_spread", raw["fixed_spread"], high=0.5),
        test_years=whole("solvency.test_years", solvency["test_years"], 1),
        recovery_years=whole("solvency.recovery_years", solvency["recovery_years"], 0),
        threshold_months={
            str(f): num(f"solvency.threshold_months.{f}", v) for f, v in thresholds.items()
        },
        contribution_rate={str(f): str(v) for f, v in rates.items()},
        sensitivity_step=share("sensitivity_step", raw["sensitivity_step"], high=0.2),
    )
    registry = load_registry()
    missing = sorted({f.group for f in registry.funds.values()} - set(fixed))
    if missing:
        raise ParameterError(
            path, "fixed_growth", f"no growth for fund group(s): {', '.join(missing)}"
        )
    for key, named in (
        ("solvency.threshold_months", rules.threshold_months),
        ("contribution_rate", rules.contribution_rate),
    ):
        unknown = sorted(set(named) - set(registry.funds))
        if unknown:
            raise ParameterError(path, key, f"unknown fund(s): {', '.join(unknown)}")
    if rules.test_years > rules.horizon:
        raise ParameterError(path, "solvency.test_years", "must not exceed the horizon")
    if rules.recovery_years >= rules.test_years:
        raise ParameterError(path, "solvency.recovery_years", "must be shorter than test_years")
    return rules
