"""Scenarios: what is planted in a dataset for an evaluation to find.

The demo's scenarios and the indicators each outcome makes miss are data
(``sipm_helpers/demo/scenarios.yaml``); what a kind of scenario does is the registry of
:mod:`sipm_helpers.data.generate.kinds`. A generated dataset gets a few outcomes planted at
random (:func:`_random_scenarios`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from sipm_helpers.config.catalogue import Catalogue
from sipm_helpers.config.loader import require_keys
from sipm_helpers.data.generate import yamlfile as yf
from sipm_helpers.data.generate.common import _rng
from sipm_helpers.data.generate.kinds import KINDS, OUTCOME_KINDS
from sipm_helpers.errors import ParameterError

SCENARIOS_FILE = "scenarios.yaml"
RANDOM_OUTCOME_SHARE = 0.02  # fund-region-years of a generated dataset that miss a target badly
RANDOM_EXPLAINED_SHARE = 0.7  # of those, the share explained by the agency


@dataclass(frozen=True)
class Scenario:
    """Something planted in a dataset for an evaluation to find.

    ``kind`` is a registered kind (:data:`~sipm_helpers.data.generate.kinds.KINDS`), one of
    :data:`OUTCOME_KINDS` (a target missed badly; ``indicators`` lists the indicators that
    miss, ``explained`` whether the agency's reason and improvement measure are in the
    explanations table; in the year still open it shows in monitoring),
    :data:`WRINKLE_KINDS` (a data wrinkle that validation reports as a warning),
    :data:`IN_YEAR_KINDS` (something monitoring finds in the open year) or
    :data:`TARGET_KINDS` (something a target review finds) or :data:`STRUCTURE_KINDS` (how
    a fund is financed, in every year: what does not apply to it). ``item`` and ``month`` name the
    line item and month a scenario touches, where it has one.
    """

    kind: str
    region: str
    fund: str
    year: int
    what: str
    indicators: tuple[str, ...] = ()
    explained: bool = False
    item: str | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown scenario kind {self.kind!r}; known: {', '.join(KINDS)}")


@dataclass(frozen=True)
class ScenarioData:
    """What scenarios.yaml holds."""

    outcome_indicators: Mapping[str, tuple[str, ...]]  # outcome kind -> indicators it misses
    demo: tuple[Scenario, ...]


# --------------------------------------------------------------------------- the file


def _kind(file: Path, where: str, value: Any) -> str:
    return yf.one_of(file, where, value, KINDS, "scenario kind")


def _outcome_indicators(file: Path, raw: Any) -> Mapping[str, tuple[str, ...]]:
    """Every outcome kind's indicators, in registry order."""
    given = yf.mapping(file, "outcome_indicators", raw)
    for kind in given:
        if KINDS[_kind(file, f"outcome_indicators.{kind}", kind)].category != "outcome":
            raise ParameterError(
                file, f"outcome_indicators.{kind}", f"{kind!r} is not an outcome kind"
            )
    missing = [k for k in OUTCOME_KINDS if k not in given]
    if missing:
        raise ParameterError(file, "outcome_indicators", f"missing key(s): {', '.join(missing)}")
    return MappingProxyType(
        {k: yf.texts(file, f"outcome_indicators.{k}", given[k]) for k in OUTCOME_KINDS}
    )


def _scenario(file: Path, where: str, raw: Any) -> Scenario:
    """One scenario of the demo list."""
    spec = require_keys(
        file,
        where,
        raw,
        ["kind", "region", "fund", "year", "what"],
        ["indicators", "explained", "item", "month"],
    )
    region = yf.text(file, f"{where}.region", spec["region"])
    if not (len(region) == 6 and region.isdigit()):
        raise ParameterError(file, f"{where}.region", f"expected a 6-digit code, got {region!r}")
    month = spec.get("month")
    if month is not None and not 1 <= yf.whole(file, f"{where}.month", month) <= 12:
        raise ParameterError(file, f"{where}.month", f"expected a month 1–12, got {month!r}")
    return Scenario(
        kind=_kind(file, f"{where}.kind", spec["kind"]),
        region=region,
        fund=yf.text(file, f"{where}.fund", spec["fund"]),
        year=yf.whole(file, f"{where}.year", spec["year"]),
        what=yf.text(file, f"{where}.what", spec["what"]),
        indicators=yf.texts(file, f"{where}.indicators", spec["indicators"])
        if "indicators" in spec
        else (),
        explained=yf.flag(file, f"{where}.explained", spec.get("explained", False)),
        item=yf.text(file, f"{where}.item", spec["item"]) if "item" in spec else None,
        month=month,
    )


def load_scenarios(path: str | Path | None = None) -> ScenarioData:
    """Read and check scenarios.yaml: every kind must be registered (an unknown one is an
    error naming it and the known ones); ParameterError names the file and key."""
    path = yf.data_path(path, SCENARIOS_FILE)
    raw = yf.read(path, ["outcome_indicators", "demo"])
    demo = tuple(
        _scenario(path, f"demo[{i}]", spec)
        for i, spec in enumerate(yf.items(path, "demo", raw["demo"]))
    )
    return ScenarioData(_outcome_indicators(path, raw["outcome_indicators"]), demo)


def check_indicators(scenarios: Sequence[Scenario], catalogues: Mapping[str, Catalogue]) -> None:
    """Every indicator a scenario names is in its fund's catalogue (a scenario that names
    another would plant nothing an evaluation can find); ValueError naming it otherwise."""
    for s in scenarios:
        known = {i.code for i in catalogues[s.fund].indicators} if s.fund in catalogues else set()
        stray = [code for code in s.indicators if code not in known]
        if stray:
            raise ValueError(
                f"scenario {s.kind} {s.region} {s.fund} {s.year} names {', '.join(stray)}, "
                f"not in the {s.fund} catalogue"
            )


_LOADED = load_scenarios()
DEMO_SCENARIOS: tuple[Scenario, ...] = _LOADED.demo
OUTCOME_INDICATORS: Mapping[str, tuple[str, ...]] = _LOADED.outcome_indicators


# --------------------------------------------------------------------------- at random


def _random_scenarios(
    pair_codes: Mapping[str, tuple[str, ...]],
    catalogues: Mapping[str, Catalogue],
    complete: tuple[int, ...],
    seed: int,
) -> tuple[Scenario, ...]:
    """A few outcomes planted at random in a generated dataset: about 2 % of the fund-region
    years miss a target badly, 1 % of fund-regions end with too little or too much reserve;
    seven in ten come with an explanation."""
    rng = _rng(seed, "scenarios")
    out: list[Scenario] = []
    if not complete:
        return ()
    for fund, codes in pair_codes.items():
        have = {i.code for i in catalogues[fund].indicators}
        kinds = [k for k in OUTCOME_KINDS if KINDS[k].drawn_among_outcomes and _fits(k, have)]
        n = len(codes)
        taken = np.zeros((n, len(complete)), dtype=bool)
        for kind in OUTCOME_KINDS:
            rate = KINDS[kind].random_rate
            if rate is None or not _fits(kind, have):
                continue
            hit = (rng.random(n) < rate) & ~taken[:, -1]
            taken[:, -1] |= hit
            out += [
                _scenario_at_random(kind, codes[p], fund, complete[-1], have, rng)
                for p in np.flatnonzero(hit)
            ]
        hit = (rng.random((n, len(complete))) < RANDOM_OUTCOME_SHARE) & ~taken
        chosen = rng.integers(0, len(kinds), hit.shape)
        out += [
            _scenario_at_random(kinds[chosen[p, y]], codes[p], fund, complete[y], have, rng)
            for p, y in zip(*np.nonzero(hit), strict=True)
        ]
    return tuple(out)


def _fits(kind: str, have: set[str]) -> bool:
    """Whether a fund with the indicators ``have`` can miss as ``kind`` makes it miss."""
    return bool(set(OUTCOME_INDICATORS[kind]) & have) and set(KINDS[kind].requires) <= have


def _scenario_at_random(
    kind: str, region: str, fund: str, year: int, have: set[str], rng: np.random.Generator
) -> Scenario:
    """A random outcome scenario of ``kind`` (explained seven times in ten)."""
    indicators = tuple(i for i in OUTCOME_INDICATORS[kind] if i in have)
    explained = bool(rng.random() < RANDOM_EXPLAINED_SHARE)
    return Scenario(kind, region, fund, year, f"random {kind}", indicators, explained)
