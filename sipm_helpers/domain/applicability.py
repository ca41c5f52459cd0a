"""Applicability conditions: named, tested functions that say whether an indicator applies
to a region's fund in a year at all (Art. 15, 18: an item the fund or region does not have
is not applicable, and its points go to the other indicators of its category).

The library names a condition per indicator (``applies_when:`` in
parameters/indicators/library.yaml); nothing is evaluated from a string. Each condition
returns a boolean Series indexed by (region_code, fund, year): True where the indicator
applies, False where it does not; a key it cannot judge is left out (the indicator then
applies, and missing data make it "not assessed", never "not applicable"). The
condition's name is the reason the report gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from sipm_helpers.domain.facts import KEYS, AnnualFacts

Condition = Callable[[AnnualFacts], pd.Series]


def _amount(frame: pd.DataFrame, items: tuple[str, ...], index: pd.Index) -> pd.Series:
    """The sum of ``items`` in ``frame`` (0 where an item is absent), on ``index``."""
    present = [i for i in items if i in frame]
    total = frame[present].fillna(0.0).sum(axis=1) if present else pd.Series(0.0, frame.index)
    return total.reindex(index, fill_value=0.0)


def _budgeted_or_executed(f: AnnualFacts, items: tuple[str, ...]) -> pd.Series:
    index = f.executed.index.union(f.budget.index)
    return (_amount(f.budget, items, index) > 0) | (_amount(f.executed, items, index) > 0)


def fiscal_subsidy_budgeted(f: AnnualFacts) -> pd.Series:
    """The fund has a fiscal subsidy budgeted or received in the year."""
    return _budgeted_or_executed(f, ("fiscal_subsidy",))


def national_pooling_budgeted(f: AnnualFacts) -> pd.Series:
    """The fund pays into or receives from the national pooling adjustment of the
    enterprise pension (since 2022; the central adjustment fund before) in the year."""
    return _budgeted_or_executed(f, ("central_adjustment_out", "central_adjustment_in"))


def balance_positive(f: AnnualFacts) -> pd.Series:
    """The fund holds a positive balance on average over the year (else it earns no return)."""
    e = f.executed
    average = (e["balance_start"] + e["balance_end"]) / 2 if "balance_end" in e else None
    if average is None:
        return pd.Series(dtype=bool, index=e.index[:0])
    return (average > 0).where(average.notna()).dropna().astype(bool)


def has_registered_unemployed(f: AnnualFacts) -> pd.Series:
    """The region reports registered unemployed persons (else benefit coverage has no base)."""
    s = f.statistics
    if "registered_unemployed" not in s:
        return pd.Series(dtype=bool, index=s.index[:0])
    return s["registered_unemployed"].dropna() > 0


CONDITIONS: Mapping[str, Condition] = MappingProxyType(
    {
        fn.__name__: fn
        for fn in (
            fiscal_subsidy_budgeted,
            national_pooling_budgeted,
            balance_positive,
            has_registered_unemployed,
        )
    }
)


def compute_applicability(facts: AnnualFacts, names: list[str]) -> pd.DataFrame:
    """The named conditions as a long frame: region_code, fund, year, applies_when, applicable."""
    unknown = sorted(set(names) - set(CONDITIONS))
    if unknown:
        raise KeyError(
            f"unknown condition(s): {', '.join(unknown)}; known: {', '.join(CONDITIONS)}"
        )
    parts = []
    for name in dict.fromkeys(names):
        series = CONDITIONS[name](facts).astype(bool).rename("applicable")
        series.index.names = KEYS
        parts.append(series.reset_index().assign(applies_when=name))
    if not parts:
        return pd.DataFrame(columns=[*KEYS, "applies_when", "applicable"])
    out = pd.concat(parts, ignore_index=True)
    out["applicable"] = out["applicable"].astype(np.bool_)
    return out
